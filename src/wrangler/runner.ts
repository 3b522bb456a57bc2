import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Exec, type ExecResult, tail } from "../shell/exec.js";
import type { Io } from "../shell/io.js";
import { wranglerEnv } from "./env.js";
import { parseWranglerOutput, stripAnsi, type WranglerOutput } from "./output-file.js";
import { type ResolvedWrangler, type ResolveOptions, resolveWrangler } from "./resolve.js";
import {
  classifyWranglerFailure,
  isIdempotentCommand,
  nextRetry,
  RETRY_POLICY,
  type RetryVerdict,
  retryLine,
} from "./retry.js";

export interface WranglerRun {
  result: ExecResult;
  output: WranglerOutput;
  argv: string[];
  /** How many times wrangler ran (idempotent commands are retried on transient faults). */
  attempts: number;
  /** For a failed run: the last failure was transient but the attempts ran out. */
  exhausted: boolean;
  /** For a failed run: how its last failure was classified. */
  verdict?: RetryVerdict;
}

export interface WranglerRunner {
  readonly wrangler: ResolvedWrangler;
  /**
   * Run `wrangler <args>` from `cwd`; output streamed to the log when `stream`. Idempotent
   * commands (`containers push|list|delete|images …`, `delete`) are run again, a bounded number
   * of times, when they fail with a transient fault (5xx, 429, network), after the server's
   * retry_after_ms (capped) or a backoff; each retry is logged. `deploy` runs exactly once.
   * `timeoutMs` bounds each attempt.
   */
  run(args: string[], options: { cwd: string; stream?: boolean; timeoutMs?: number }): Promise<WranglerRun>;
}

/** A failed run: a non-zero exit or a command-failed entry. */
export function runFailed(run: Pick<WranglerRun, "result" | "output">): boolean {
  return run.result.exitCode !== 0 || run.output.failures.length > 0;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunnerOptions {
  wrangler: ResolvedWrangler;
  exec: Exec;
  io: Io;
  env: Record<string, string | undefined>;
  apiToken?: string;
  accountId?: string;
}

/**
 * Runs wrangler as `process.execPath <entry> …` (the action's own Node, never the runner's `node`),
 * each call with its own WRANGLER_OUTPUT_FILE_PATH, read back and removed afterwards.
 */
/** Resolve the project's wrangler (its own install, else the tool cache) and wrap it in a runner. */
export async function openWrangler(
  o: ResolveOptions & Pick<RunnerOptions, "apiToken" | "accountId">,
): Promise<WranglerRunner> {
  return wranglerRunner({
    wrangler: await resolveWrangler(o),
    exec: o.exec,
    io: o.io,
    env: o.env,
    ...(o.apiToken !== undefined ? { apiToken: o.apiToken } : {}),
    ...(o.accountId !== undefined ? { accountId: o.accountId } : {}),
  });
}

export function wranglerRunner(o: RunnerOptions): WranglerRunner {
  async function runOnce(
    args: string[],
    options: { cwd: string; stream?: boolean; timeoutMs?: number },
  ): Promise<{ result: ExecResult; output: WranglerOutput }> {
    const dir = mkdtempSync(join(o.env.RUNNER_TEMP || tmpdir(), "cfcd-wrangler-out-"));
    const outputFile = join(dir, "output.ndjson");
    try {
      const env = wranglerEnv(o.env, {
        outputFile,
        ...(o.apiToken !== undefined ? { apiToken: o.apiToken } : {}),
        ...(o.accountId !== undefined ? { accountId: o.accountId } : {}),
      });
      // argv never holds a secret (secrets go through files), so the command line can be shown.
      if (options.stream) o.io.info(`$ wrangler ${args.join(" ")}`);
      else o.io.debug(`wrangler ${args.join(" ")}`);
      let pending = "";
      const result = await o.exec(process.execPath, [o.wrangler.entry, ...args], {
        cwd: options.cwd,
        env,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.stream
          ? {
              onOutput: (chunk: string) => {
                pending += chunk;
                const lines = pending.split(/\r?\n/);
                pending = lines.pop() ?? "";
                for (const line of lines) o.io.info(line);
              },
            }
          : {}),
      });
      if (options.stream && pending !== "") o.io.info(pending);
      let text = "";
      try {
        text = readFileSync(outputFile, "utf8");
      } catch {
        text = "";
      }
      return { result, output: parseWranglerOutput(text) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  return {
    wrangler: o.wrangler,
    async run(args, options) {
      const retryable = isIdempotentCommand(args);
      const what = `wrangler ${args.join(" ")}`;
      let last: WranglerRun | undefined;
      for (let attempt = 1; attempt <= RETRY_POLICY.attempts; attempt++) {
        const once = await runOnce(args, options);
        if (!runFailed(once)) return { ...once, argv: args, attempts: attempt, exhausted: false };
        const verdict = classifyWranglerFailure({
          exitCode: once.result.exitCode,
          timedOut: once.result.timedOut,
          notFound: once.result.notFound,
          failures: once.output.failures,
          output: tail(stripAnsi(`${once.result.stdout}\n${once.result.stderr}`), 40),
        });
        const step = retryable
          ? nextRetry(attempt, verdict, RETRY_POLICY, Math.random())
          : { retry: false as const, exhausted: false };
        last = { ...once, argv: args, attempts: attempt, exhausted: !step.retry && step.exhausted, verdict };
        if (!step.retry) return last;
        o.io.info(retryLine(what, verdict, attempt, RETRY_POLICY, step.delayMs));
        await sleep(step.delayMs);
      }
      // unreachable: nextRetry stops at RETRY_POLICY.attempts; kept for the type checker
      if (last === undefined) throw new Error(`${what} was never run`);
      return last;
    },
  };
}
