// Entry of `npm run emulator` (package.json: "emulator": "node test/standin/emulator.mjs --";
// runs on the Node 24 of node_modules/.bin). Transpiles the TypeScript under test/standin/ with
// esbuild, file by file with the structure kept (so `.js` import suffixes and the edge module's
// dynamic import resolve as they do under vitest; the stand-in imports nothing outside it), into
// node_modules/.cache/standin-emulator/<pid>/ and runs test/standin/emulator.ts from there.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const outdir = path.join(root, "node_modules", ".cache", "standin-emulator", String(process.pid));

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && !entry.name.startsWith(".")) collect(full, out);
    } else if (
      entry.name.endsWith(".ts") &&
      !entry.name.endsWith(".test.ts") &&
      !entry.name.endsWith(".d.ts")
    ) {
      out.push(full);
    }
  }
  return out;
}

const entryPoints = collect(path.join(root, "test", "standin"), []);
process.on("exit", () => rmSync(outdir, { recursive: true, force: true }));
await build({
  entryPoints,
  outdir,
  outbase: root,
  bundle: false,
  format: "esm",
  platform: "node",
  target: "node22",
  sourcemap: "inline",
  logLevel: "error",
});
// under node_modules/ the repo's "type": "module" does not apply; declare it for the copy
mkdirSync(outdir, { recursive: true });
writeFileSync(path.join(outdir, "package.json"), '{"type":"module"}\n');
const { main } = await import(pathToFileURL(path.join(outdir, "test", "standin", "emulator.js")).href);
// Node 24 reads `--env-file <path>` anywhere on its command line, even after the script, and
// dies when the file does not exist yet; the npm script therefore ends in `--`, dropped here.
const args = process.argv.slice(2);
await main(args[0] === "--" ? args.slice(1) : args);
