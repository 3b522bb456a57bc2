// `npm run bench [-- section ...]`: bundles bench/main.ts with esbuild (dependencies stay external,
// resolved from the repo's node_modules) and runs it on the Node that npm put first on PATH (24).
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, ".build");
mkdirSync(outdir, { recursive: true });
const outfile = join(outdir, "main.mjs");
await build({
  entryPoints: [join(here, "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  logLevel: "warning",
});
await import(pathToFileURL(outfile).href);
