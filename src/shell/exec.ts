import { spawn } from "node:child_process";

export interface ExecOptions {
  cwd?: string;
  /** The full environment of the child (not merged). Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then stdin is closed (how secrets reach a child: never argv). */
  input?: string;
  /** Kill the child after this long; the result then has `timedOut: true`. */
  timeoutMs?: number;
  /** Live output, e.g. streamed into a log group. */
  onOutput?: (chunk: string, stream: "stdout" | "stderr") => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** The program could not be started at all (not installed, not executable). */
  notFound: boolean;
}

/** Runs a program from an argv array; never a shell. Resolves (never rejects) with the outcome. */
export type Exec = (file: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

/** Output kept per stream; older output is dropped (the tail is what error messages need). */
const KEEP_BYTES = 2 * 1024 * 1024;

function keepTail(buffer: string, chunk: string): string {
  const next = buffer + chunk;
  return next.length > KEEP_BYTES ? next.slice(next.length - KEEP_BYTES) : next;
}

export const nodeExec: Exec = (file, args, options = {}) =>
  new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    const child = spawn(file, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input !== undefined ? "pipe" : "ignore", "pipe", "pipe"],
      shell: false,
    });
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, options.timeoutMs)
        : undefined;
    const finish = (result: ExecResult) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(result);
    };
    child.stdout?.setEncoding("utf8").on("data", (c: string) => {
      stdout = keepTail(stdout, c);
      options.onOutput?.(c, "stdout");
    });
    child.stderr?.setEncoding("utf8").on("data", (c: string) => {
      stderr = keepTail(stderr, c);
      options.onOutput?.(c, "stderr");
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      const notFound = error.code === "ENOENT" || error.code === "EACCES";
      finish({ exitCode: 127, stdout, stderr: stderr || error.message, timedOut, notFound });
    });
    child.on("close", (code, signal) => {
      finish({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr, timedOut, notFound: false });
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on("error", () => {});
      child.stdin.end(options.input);
    }
  });

/** The last lines of a command's output, for error messages. */
export function tail(text: string, lines = 15): string {
  return text.trimEnd().split(/\r?\n/).slice(-lines).join("\n");
}
