import { rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { loadProject } from "../src/project/load.js";
import { validateProject } from "../src/rules/index.js";
import { fmtMs, median, timeProcess } from "./lib.js";

/**
 * validate of examples/fastapi: in-process (median of 50 after 5 warm-ups) and as a whole
 * `node dist/cli.js validate` process, each next to `wrangler deploy --dry-run
 * --containers-rollout=none` on the same project (the check a user would otherwise rely on).
 */
export async function runValidateBench(repo: string): Promise<string> {
  const example = join(repo, "examples", "fastapi");
  const node = process.execPath;
  const inProcess: number[] = [];
  for (let i = 0; i < 55; i++) {
    const start = performance.now();
    const diagnostics = validateProject(loadProject(example));
    const ms = performance.now() - start;
    if (diagnostics.some((d) => d.severity === "error")) throw new Error("the example has errors");
    if (i >= 5) inProcess.push(ms);
  }
  const runs = 10;
  const cli = timeProcess(node, [join(repo, "dist", "cli.js"), "validate", example, "--format", "json"], {
    runs,
  });
  const wranglerEnv = {
    ...process.env,
    CLOUDFLARE_API_TOKEN: "bench",
    WRANGLER_SEND_METRICS: "false",
    CI: "true",
  };
  let dryRun: number[];
  try {
    dryRun = timeProcess(
      node,
      [
        join(repo, "node_modules", "wrangler", "bin", "wrangler.js"),
        "deploy",
        "--dry-run",
        "--containers-rollout=none",
      ],
      { cwd: example, env: wranglerEnv, runs },
    );
  } finally {
    rmSync(join(example, ".wrangler"), { recursive: true, force: true });
  }
  const wr = median(dryRun);
  const rows = [
    ["validate, in-process (loadProject + validateProject)", median(inProcess), 50],
    ["validate, whole process (`node dist/cli.js validate`)", median(cli), runs],
    ["`wrangler deploy --dry-run --containers-rollout=none`", wr, runs],
  ] as const;
  return [
    "## Validate vs wrangler's dry run (examples/fastapi)",
    "",
    "| what | median | runs | wrangler dry run ÷ this |",
    "|---|---:|---:|---:|",
    ...rows.map(([what, ms, n]) => `| ${what} | ${fmtMs(ms)} | ${n} | ${(wr / ms).toFixed(1)}× |`),
    "",
    `Method: same machine, same run, sequential; each process timed as wall clock from spawn to exit after one warm-up; in-process after 5 warm-ups. Target: whole-process validate ≥ 5× faster than the dry run — measured ${(wr / median(cli)).toFixed(1)}×.`,
    "",
  ].join("\n");
}
