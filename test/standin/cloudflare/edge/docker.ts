// Bounded docker CLI calls used by the edge (argv arrays only, every call with a timeout).
import { execFile } from "node:child_process";

export interface DockerResult {
  ok: boolean;
  code: number | null;
  stdout: string;
  stderr: string;
}

const MAX_BUFFER = 1024 * 1024;

export async function docker(
  args: string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<DockerResult> {
  return await new Promise((resolve) => {
    execFile(
      "docker",
      args,
      {
        timeout: options.timeoutMs ?? 30_000,
        maxBuffer: MAX_BUFFER,
        env: options.env ?? process.env,
        encoding: "utf8",
      },
      (error, stdout, stderr) => {
        if (error) {
          const code = typeof error.code === "number" ? error.code : null;
          const reason = error.killed ? `timed out after ${options.timeoutMs ?? 30_000} ms` : "";
          resolve({
            ok: false,
            code,
            stdout,
            stderr: [stderr, reason, error.message].filter(Boolean).join("\n"),
          });
          return;
        }
        resolve({ ok: true, code: 0, stdout, stderr });
      },
    );
  });
}

/** First non-empty line of docker's error output, bounded. */
export function dockerError(result: DockerResult): string {
  const line = result.stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "");
  return (line ?? `docker exited with code ${result.code ?? "?"}`).slice(0, 500);
}

/** Lowest exposed TCP port of an image (from EXPOSE), or undefined when none. */
export function parseExposedPort(json: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.trim());
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object") return undefined;
  const ports = Object.keys(parsed)
    .map((key) => /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key))
    .filter((m): m is RegExpExecArray => m !== null && (m[2] === undefined || m[2] === "tcp"))
    .map((m) => Number(m[1]))
    .filter((p) => Number.isInteger(p) && p > 0 && p < 65536)
    .sort((a, b) => a - b);
  return ports[0];
}

/** Last lines of a container's output (stdout and stderr), bounded in lines and characters. */
export async function containerLogs(name: string, lines = 30, maxChars = 4000): Promise<string> {
  const result = await docker(["logs", "--tail", String(lines), name], { timeoutMs: 15_000 });
  const text =
    `${result.stdout}${result.stdout && result.stderr ? "\n" : ""}${result.ok ? result.stderr : ""}`.trim();
  return text.length > maxChars ? `…${text.slice(text.length - maxChars)}` : text;
}
