/**
 * Time to a ready wrangler: the action's resolver (src/wrangler/resolve.ts) with the version
 * already in the tool cache, next to a fresh `npm i wrangler@<version>` into an empty folder (what
 * a workflow without caching does on every run), each followed by `wrangler --version`, in one run.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { INPUT_DEFAULTS } from "../src/inputs.js";
import { nodeExec } from "../src/shell/exec.js";
import type { Io } from "../src/shell/io.js";
import { type ResolvedWrangler, resolveWrangler } from "../src/wrangler/resolve.js";
import { fmtMs, median } from "./lib.js";

const fmt = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : fmtMs(ms));

const silentIo: Io = {
  info: () => undefined,
  debug: () => undefined,
  warning: () => undefined,
  error: () => undefined,
  notice: () => undefined,
  group: (_name, fn) => fn(),
  setOutput: () => undefined,
  summary: async () => undefined,
  mask: () => undefined,
};

function wranglerVersion(node: string, entry: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(node, [entry, "--version"], { env, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0)
    throw new Error(`wrangler --version exited ${r.status}: ${(r.stderr || r.stdout).slice(-500)}`);
}

export interface WranglerBenchOptions {
  /** Fresh `npm i` runs (each ~15 s here); default 3. */
  readonly freshRuns?: number;
  /** Cached resolver runs after one warm-up; default 5. */
  readonly cachedRuns?: number;
}

export async function runWranglerBench(_repo: string, options: WranglerBenchOptions = {}): Promise<string> {
  const version = INPUT_DEFAULTS["wrangler-version"];
  const freshRuns = options.freshRuns ?? 3;
  const cachedRuns = options.cachedRuns ?? 5;
  const node = process.execPath;
  // outside the repository: the resolver must not find the repo's own node_modules/wrangler
  const work = mkdtempSync(join(tmpdir(), "cfcd-bench-wrangler-"));
  const toolCache = join(work, "tool-cache");
  const runnerTemp = join(work, "runner-temp");
  const project = join(work, "project");
  for (const d of [toolCache, runnerTemp, project]) mkdirSync(d, { recursive: true });
  const saved = { RUNNER_TOOL_CACHE: process.env.RUNNER_TOOL_CACHE, RUNNER_TEMP: process.env.RUNNER_TEMP };
  // @actions/tool-cache reads these from process.env when called
  process.env.RUNNER_TOOL_CACHE = toolCache;
  process.env.RUNNER_TEMP = runnerTemp;
  const env: NodeJS.ProcessEnv = { ...process.env, WRANGLER_SEND_METRICS: "false" };
  const resolveOptions = {
    workingDirectory: project,
    version,
    env: { RUNNER_TOOL_CACHE: toolCache, RUNNER_TEMP: runnerTemp, HOME: process.env.HOME },
    exec: nodeExec,
    io: silentIo,
    onGitHub: false,
  };
  try {
    // 1. fresh `npm i` + --version, as an uncached workflow step does
    const fresh: number[] = [];
    for (let i = 0; i < freshRuns; i++) {
      const dir = mkdtempSync(join(work, "fresh-"));
      const start = performance.now();
      const npm = spawnSync(
        "npm",
        ["install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error", `wrangler@${version}`],
        { env, encoding: "utf8", timeout: 10 * 60_000 },
      );
      if (npm.status !== 0)
        throw new Error(`npm i wrangler@${version} exited ${npm.status}: ${npm.stderr.slice(-800)}`);
      wranglerVersion(node, join(dir, "node_modules", "wrangler", "bin", "wrangler.js"), env);
      fresh.push(performance.now() - start);
      rmSync(dir, { recursive: true, force: true });
    }

    // 2. the resolver on an empty tool cache: its first run on a machine (installs and caches)
    const firstStart = performance.now();
    const first = await resolveWrangler(resolveOptions);
    wranglerVersion(node, first.entry, env);
    const firstMs = performance.now() - firstStart;
    if (first.source !== "installed") throw new Error(`expected a first install, got ${first.source}`);

    // 3. the resolver with the version in the tool cache (every later run)
    const cached: number[] = [];
    const resolveOnly: number[] = [];
    for (let i = 0; i <= cachedRuns; i++) {
      const start = performance.now();
      const r: ResolvedWrangler = await resolveWrangler(resolveOptions);
      const resolved = performance.now();
      wranglerVersion(node, r.entry, env);
      const end = performance.now();
      if (r.source !== "tool-cache") throw new Error(`expected the tool cache, got ${r.source}`);
      if (i > 0) {
        cached.push(end - start);
        resolveOnly.push(resolved - start);
      }
    }

    const f = median(fresh);
    const c = median(cached);
    // [what, median ms, runs, comparable to the fresh install (both end in a ready `--version`)]
    const rows: [string, number, string, boolean][] = [
      [
        `fresh \`npm i wrangler@${version}\` into an empty folder + \`wrangler --version\``,
        f,
        `${freshRuns}`,
        true,
      ],
      [
        "resolver, empty tool cache (first run on a machine: npm i + copy into the cache) + `--version`",
        firstMs,
        "1",
        true,
      ],
      ["resolver, version in the tool cache + `wrangler --version`", c, `${cachedRuns}`, true],
      [
        "resolver alone, version in the tool cache (lookup, no process)",
        median(resolveOnly),
        `${cachedRuns}`,
        false,
      ],
    ];
    return [
      "## Time to a ready wrangler: tool cache vs a fresh npm install",
      "",
      "| what | median | runs | fresh install ÷ this |",
      "|---|---:|---:|---:|",
      ...rows.map(
        ([what, ms, n, comparable]) =>
          `| ${what} | ${fmt(ms)} | ${n} | ${comparable ? `${(f / ms).toFixed(1)}×` : "—"} |`,
      ),
      "",
      `Method: same machine, same run, sequential; wrangler ${version} (the \`wrangler-version\` default). ` +
        `Fresh: \`npm install --prefix <empty dir> --no-audit --no-fund wrangler@${version}\` then \`node <entry> --version\`, wall clock, npm's download cache (~/.npm) warm as on a developer machine (a fresh CI runner's is cold, so slower). ` +
        "Resolver: `resolveWrangler` from src/wrangler/resolve.ts in-process with a temporary RUNNER_TOOL_CACHE and a project folder outside the repository (no node_modules/wrangler to find), then `node <entry> --version` as a child process; cached runs after one warm-up. " +
        `Cached is ${(f / c).toFixed(0)}× faster than a fresh install.`,
      "",
    ].join("\n");
  } finally {
    if (saved.RUNNER_TOOL_CACHE === undefined) delete process.env.RUNNER_TOOL_CACHE;
    else process.env.RUNNER_TOOL_CACHE = saved.RUNNER_TOOL_CACHE;
    if (saved.RUNNER_TEMP === undefined) delete process.env.RUNNER_TEMP;
    else process.env.RUNNER_TEMP = saved.RUNNER_TEMP;
    rmSync(work, { recursive: true, force: true });
  }
}
