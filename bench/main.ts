import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runBuildCacheBench } from "./build-cache.js";
import { runColdStartBench } from "./cold-start.js";
import { runHealthBench } from "./health.js";
import { machineLine } from "./lib.js";
import { runValidateBench } from "./validate.js";
import { runWranglerBench } from "./wrangler.js";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const sections: Record<string, () => Promise<string>> = {
  validate: () => runValidateBench(repo),
  health: () => runHealthBench(),
  wrangler: () => runWranglerBench(repo),
  "build-cache": () => runBuildCacheBench(repo),
  "cold-start": () => runColdStartBench(repo),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : Object.keys(sections);
const parts: string[] = [];
for (const name of names) {
  const section = sections[name];
  if (!section)
    throw new Error(`unknown bench section '${name}' (have: ${Object.keys(sections).join(", ")})`);
  process.stderr.write(`bench: ${name}…\n`);
  parts.push(await section());
}
const doc = [
  "# Benchmarks",
  "",
  `Written by \`npm run bench\` on ${new Date().toISOString()}.`,
  "",
  `Machine: ${machineLine()}.`,
  "Machines here are shared and noisy: compare the ratios within one run, not absolute times across runs.",
  "",
  ...parts,
].join("\n");
writeFileSync(join(repo, "bench", "RESULTS.md"), doc);
process.stdout.write(doc);
