/**
 * Action cold start: `node dist/index.js` (validate of examples/fastapi) to its first log line and
 * to exit, `node dist/cli.js --help`, the bundle sizes, next to `wrangler --version` (its JS entry
 * and through npx) and a bare `node -e ""`, measured in the same run.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fmtMs, median } from "./lib.js";

interface Timing {
  /** spawn → first byte on stdout or stderr. */
  readonly firstOutputMs: number;
  /** spawn → exit. */
  readonly exitMs: number;
}

function timeOnce(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<Timing> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    let first = Number.NaN;
    let output = "";
    const child = spawn(file, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
    const onData = (chunk: Buffer) => {
      if (Number.isNaN(first)) first = performance.now() - start;
      if (output.length < 4000) output += chunk.toString();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      const exitMs = performance.now() - start;
      if (code !== 0) reject(new Error(`${file} ${args.join(" ")} exited ${code}: ${output.slice(-800)}`));
      else resolve({ firstOutputMs: Number.isNaN(first) ? exitMs : first, exitMs });
    });
  });
}

/** `runs` timings after one warm-up, sequential. */
async function timeRuns(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  runs: number,
): Promise<{ first: number; exit: number }> {
  const first: number[] = [];
  const exit: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t = await timeOnce(file, args, env, cwd);
    if (i > 0) {
      first.push(t.firstOutputMs);
      exit.push(t.exitMs);
    }
  }
  return { first: median(first), exit: median(exit) };
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

function treeBytes(dir: string): number {
  const r = spawnSync("du", ["-sb", dir], { encoding: "utf8" });
  return Number(r.stdout.split(/\s+/)[0]);
}

export interface ColdStartBenchOptions {
  /** Runs per command after one warm-up; default 10. */
  readonly runs?: number;
}

export async function runColdStartBench(repo: string, options: ColdStartBenchOptions = {}): Promise<string> {
  const runs = options.runs ?? 10;
  const node = process.execPath;
  const work = mkdtempSync(join(tmpdir(), "cfcd-bench-cold-"));
  const outputFile = join(work, "output");
  const summaryFile = join(work, "summary");
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  const base: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    WRANGLER_SEND_METRICS: "false",
  };
  // as the runner starts a JavaScript action: inputs as INPUT_*, the workflow files
  const actionEnv: NodeJS.ProcessEnv = {
    ...base,
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: repo,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_NAME: "push",
    GITHUB_REPOSITORY: "acme/app",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    RUNNER_TEMP: work,
    INPUT_COMMAND: "validate",
    "INPUT_WORKING-DIRECTORY": "examples/fastapi",
  };
  const wranglerEntry = join(repo, "node_modules", "wrangler", "bin", "wrangler.js");
  try {
    const rows: { what: string; first: number; exit: number }[] = [];
    const measure = async (what: string, file: string, args: readonly string[], env: NodeJS.ProcessEnv) => {
      const t = await timeRuns(file, args, env, repo, runs);
      rows.push({ what, ...t });
      // keep the GITHUB_OUTPUT file from growing across runs
      writeFileSync(outputFile, "");
      writeFileSync(summaryFile, "");
      return t;
    };
    const bare = await measure('`node -e ""` (Node itself)', node, ["-e", ""], base);
    const action = await measure(
      "`node dist/index.js`, command validate on examples/fastapi",
      node,
      [join(repo, "dist", "index.js")],
      actionEnv,
    );
    const cli = await measure(
      "`node dist/cli.js --help`",
      node,
      [join(repo, "dist", "cli.js"), "--help"],
      base,
    );
    const wr = await measure(
      "`node node_modules/wrangler/bin/wrangler.js --version`",
      node,
      [wranglerEntry, "--version"],
      base,
    );
    const npx = await measure("`npx wrangler --version`", "npx", ["wrangler", "--version"], base);

    const size = (f: string) => statSync(f).size;
    const indexBytes = size(join(repo, "dist", "index.js"));
    const cliBytes = size(join(repo, "dist", "cli.js"));
    const wranglerBundle = size(join(repo, "node_modules", "wrangler", "wrangler-dist", "cli.js"));
    const wranglerPkg = treeBytes(join(repo, "node_modules", "wrangler"));

    const x = (ms: number) => (ms / action.first).toFixed(1);
    return [
      "## Action cold start and bundle size, next to wrangler",
      "",
      "| command | first output (median) | exit (median) | runs | first output ÷ the action's |",
      "|---|---:|---:|---:|---:|",
      ...rows.map((r) => `| ${r.what} | ${fmtMs(r.first)} | ${fmtMs(r.exit)} | ${runs} | ${x(r.first)}× |`),
      "",
      "| file | size |",
      "|---|---:|",
      `| dist/index.js (the action, one file, all dependencies bundled) | ${mib(indexBytes)} |`,
      `| dist/cli.js (the CLI) | ${mib(cliBytes)} |`,
      `| node_modules/wrangler/wrangler-dist/cli.js (wrangler's own bundle) | ${mib(wranglerBundle)} |`,
      `| node_modules/wrangler (the package folder, without its dependencies) | ${mib(wranglerPkg)} |`,
      "",
      `Method: same machine, same run, sequential; each command spawned ${runs} times after one warm-up, from the repository root, on the Node that runs the bench (${process.version}); "first output" = spawn to the first byte on stdout or stderr (for the action its first log line, \`Validation: …\`), "exit" = spawn to exit. ` +
        "The action runs as the runner starts it: `node dist/index.js` with INPUT_COMMAND=validate, INPUT_WORKING-DIRECTORY=examples/fastapi and GITHUB_WORKSPACE/GITHUB_OUTPUT/GITHUB_STEP_SUMMARY set. " +
        `npx finds the repository's installed wrangler (node_modules/.bin), so it measures npx's own overhead, not a download. ` +
        `The action's first log line comes ${(action.first - bare.exit).toFixed(0)} ms after a bare Node start-and-exit; \`wrangler --version\` takes ${(wr.exit / action.exit).toFixed(1)}× the action's whole validate run, \`npx wrangler --version\` ${(npx.exit / action.exit).toFixed(1)}×; the CLI's --help exits in ${fmtMs(cli.exit)}.`,
      "",
    ].join("\n");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
