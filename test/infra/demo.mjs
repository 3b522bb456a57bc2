// Entry of `npm run demo` (package.json: "demo": "node test/infra/demo.mjs"; inside `npm run` the
// Node 24 of node_modules/.bin comes first on PATH). Bundles test/infra/demo.ts with esbuild
// (dependencies stay external) into node_modules/.cache/cfcd-demo/<pid>/ and runs it. Started
// with an older Node directly, it re-runs itself on node_modules/.bin/node.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  const node24 = path.join(root, "node_modules", ".bin", "node");
  if (!existsSync(node24)) {
    process.stderr.write(
      `demo: Node ${process.version} is too old (wrangler needs ≥ 22.12); run 'npm install' first.\n`,
    );
    process.exit(2);
  }
  const r = spawnSync(node24, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(r.status ?? 1);
}

const { build } = await import("esbuild");
const outdir = path.join(root, "node_modules", ".cache", "cfcd-demo", String(process.pid));
mkdirSync(outdir, { recursive: true });
process.on("exit", () => rmSync(outdir, { recursive: true, force: true }));
const outfile = path.join(outdir, "demo.mjs");
await build({
  entryPoints: [path.join(root, "test", "infra", "demo.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  logLevel: "warning",
});
const { main } = await import(pathToFileURL(outfile).href);
process.exitCode = await main(root, process.argv.slice(2));
