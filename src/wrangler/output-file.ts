/**
 * wrangler's machine-readable output (`WRANGLER_OUTPUT_FILE_PATH`): one JSON object per line.
 * Pure and tolerant: lines that are not JSON objects, or entries of unknown types, are skipped.
 */

export interface DeployEntry {
  workerName?: string;
  versionId?: string;
  targets: string[];
  /** The https workers.dev target, when there is one. */
  url?: string;
  environment?: string;
}

export interface CommandFailure {
  code?: number | string;
  message: string;
  /** wrangler's `retry_after_ms`: the API's Retry-After hint (429, 503), when it gave one. */
  retryAfterMs?: number;
}

export interface WranglerOutput {
  deploy?: DeployEntry;
  failures: CommandFailure[];
  wranglerVersion?: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The workers.dev URL among a deploy's targets (routes are bare patterns, crons `schedule: …`). */
export function workersDevUrl(targets: readonly string[]): string | undefined {
  return (
    targets.find((t) => /^https:\/\/[^/\s]+\.workers\.dev\/?$/.test(t)) ??
    targets.find((t) => /^https?:\/\//.test(t))
  );
}

export function parseWranglerOutput(text: string): WranglerOutput {
  const out: WranglerOutput = { failures: [] };
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("{")) continue;
    let entry: unknown;
    try {
      entry = JSON.parse(trimmed);
    } catch {
      continue;
    }
    if (!isObject(entry)) continue;
    switch (entry.type) {
      case "wrangler-session":
        if (typeof entry.wrangler_version === "string") out.wranglerVersion = entry.wrangler_version;
        break;
      case "deploy": {
        const targets = Array.isArray(entry.targets)
          ? entry.targets.filter((t): t is string => typeof t === "string")
          : [];
        const url = workersDevUrl(targets);
        out.deploy = {
          targets,
          ...(typeof entry.worker_name === "string" ? { workerName: entry.worker_name } : {}),
          ...(typeof entry.version_id === "string" ? { versionId: entry.version_id } : {}),
          ...(url !== undefined ? { url } : {}),
          ...(typeof entry.wrangler_environment === "string"
            ? { environment: entry.wrangler_environment }
            : {}),
        };
        break;
      }
      case "command-failed": {
        const code =
          typeof entry.code === "number" || typeof entry.code === "string" ? entry.code : undefined;
        const retryAfterMs =
          typeof entry.retry_after_ms === "number" &&
          Number.isFinite(entry.retry_after_ms) &&
          entry.retry_after_ms >= 0
            ? entry.retry_after_ms
            : undefined;
        out.failures.push({
          ...(code !== undefined ? { code } : {}),
          message: typeof entry.message === "string" ? entry.message : "wrangler reported a failure",
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Text without terminal colour codes (wrangler colours its output on CI runners). */
export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** `Pushed image: <ref>` from `wrangler containers push` stdout (the one documented line). */
export function parsePushedImage(stdout: string): string | undefined {
  const m = /^\s*Pushed image:\s*(\S+)\s*$/m.exec(stdout.replace(ANSI, ""));
  return m?.[1];
}

/** wrangler printed that the Worker upload happened (used only to word "what is live" on failure). */
export function workerUploaded(stdout: string): boolean {
  return /^\s*Uploaded\s+\S+/m.test(stdout.replace(ANSI, ""));
}
