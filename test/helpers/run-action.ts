import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./project.js";

/** Node 24 from node_modules, the runtime the action declares (runs.using: node24). */
export const node24 = join(repoRoot, "node_modules", ".bin", "node");

export interface ActionRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Files the runner would read back, for leak checks. */
  outputFile: string;
  summaryFile: string;
}

/** Parse a GITHUB_OUTPUT file (`name<<delimiter` heredoc blocks, as @actions/core writes them). */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] ?? "");
    if (m?.[1] && m[2]) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? "");
      out[m[1]] = value.join("\n");
    } else {
      const eq = (lines[i] ?? "").indexOf("=");
      if (eq > 0) out[(lines[i] ?? "").slice(0, eq)] = (lines[i] ?? "").slice(eq + 1);
    }
  }
  return out;
}

/**
 * Run dist/index.js the way the runner does: inputs as INPUT_* variables (dashes kept),
 * GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, an event payload file.
 */
export async function runAction(options: {
  inputs: Record<string, string>;
  env?: Record<string, string>;
  event?: { name: string; payload: unknown };
  workspace?: string;
  timeoutMs?: number;
}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), "cfcd-run-"));
  const outputFile = join(dir, "output");
  const summaryFile = join(dir, "summary");
  const eventFile = join(dir, "event.json");
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  writeFileSync(eventFile, JSON.stringify(options.event?.payload ?? {}));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    GITHUB_ACTIONS: "true",
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_EVENT_NAME: options.event?.name ?? "push",
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_WORKSPACE: options.workspace ?? repoRoot,
    GITHUB_REPOSITORY: "acme/app",
    GITHUB_SHA: "0123456789abcdef0123456789abcdef01234567",
    GITHUB_RUN_ID: "42",
    RUNNER_TEMP: dir,
    ...options.env,
  };
  for (const [name, value] of Object.entries(options.inputs)) env[`INPUT_${name.toUpperCase()}`] = value;
  const child = spawn(node24, [join(repoRoot, "dist", "index.js")], {
    env,
    cwd: options.workspace ?? repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
  const exitCode = await new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  clearTimeout(timer);
  return {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(readFileSync(outputFile, "utf8")),
    summary: readFileSync(summaryFile, "utf8"),
    outputFile,
    summaryFile,
  };
}
