import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Exec, ExecResult } from "../shell/exec.js";
import type { Io } from "../shell/io.js";
import { wranglerEnv } from "./env.js";
import { parseWranglerOutput, type WranglerOutput } from "./output-file.js";
import type { ResolvedWrangler } from "./resolve.js";

export interface WranglerRun {
  result: ExecResult;
  output: WranglerOutput;
  argv: string[];
}

export interface WranglerRunner {
  readonly wrangler: ResolvedWrangler;
  /** Run `wrangler <args>` from `cwd`; output streamed to the log when `stream`. */
  run(args: string[], options: { cwd: string; stream?: boolean; timeoutMs?: number }): Promise<WranglerRun>;
}

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
export function wranglerRunner(o: RunnerOptions): WranglerRunner {
  return {
    wrangler: o.wrangler,
    async run(args, options) {
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
        return { result, output: parseWranglerOutput(text), argv: args };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
