/**
 * `cf-containers-deploy health <url> [--timeout S] [--expect-status N] [--expect-body T] [--sha SHA]
 * [--format text|json]`: the deploy's poller, standalone. Exit 0 healthy, 1 unhealthy, 2 bad usage.
 */
import { parseArgs } from "node:util";
import { usesShaTokens } from "./classify.js";
import { healthJson, renderHealthText } from "./render.js";
import { verifyHealth } from "./verify.js";

export interface CommandIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

export const HEALTH_USAGE =
  "Usage: cf-containers-deploy health <url> [--timeout S] [--expect-status N] [--expect-body T] [--sha SHA] [--format text|json]\n" +
  "  --timeout S         seconds until declared unhealthy (default 300)\n" +
  "  --expect-status N   status that counts as healthy (default 200)\n" +
  "  --expect-body T     substring the body must contain; {sha} and {short_sha} expand from --sha (or GITHUB_SHA)\n" +
  "  --sha SHA           commit SHA for the {sha} tokens\n" +
  "  --format text|json  output (default text); attempts are logged to stderr\n" +
  "Exit codes: 0 healthy, 1 unhealthy, 2 bad usage.\n";

const DEFAULT_TIMEOUT_S = 300;
const MAX_TIMEOUT_S = 24 * 60 * 60;

export interface HealthCommandOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly expectStatus: number;
  readonly expectBody: string | null;
  readonly sha: string | null;
  readonly format: "text" | "json";
}

export class HealthUsageError extends Error {
  override readonly name = "HealthUsageError";
}

/** Parses and validates the arguments; throws HealthUsageError on bad usage. Returns null for --help. */
export function parseHealthArgs(args: string[], env: NodeJS.ProcessEnv): HealthCommandOptions | null {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new HealthUsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  if (positionals.length !== 1) {
    throw new HealthUsageError(
      positionals.length === 0 ? "health needs a URL." : `health takes one URL, got ${positionals.length}.`,
    );
  }
  const raw = positionals[0] ?? "";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new HealthUsageError(`'${raw}' is not a URL; give a full http:// or https:// URL.`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new HealthUsageError(`'${raw}' is not an http:// or https:// URL.`);
  }

  let timeoutS = DEFAULT_TIMEOUT_S;
  if (values.timeout !== undefined) {
    const t = values.timeout.trim();
    timeoutS = /^\d+(\.\d+)?$/.test(t) ? Number(t) : Number.NaN;
    if (!(timeoutS > 0 && timeoutS <= MAX_TIMEOUT_S)) {
      throw new HealthUsageError(
        `--timeout must be a number of seconds between 0 and ${MAX_TIMEOUT_S}, not '${values.timeout}'.`,
      );
    }
  }

  let expectStatus = 200;
  if (values["expect-status"] !== undefined) {
    const s = values["expect-status"].trim();
    expectStatus = /^\d{3}$/.test(s) ? Number(s) : Number.NaN;
    if (!(expectStatus >= 100 && expectStatus <= 599)) {
      throw new HealthUsageError(
        `--expect-status must be an HTTP status (100-599), not '${values["expect-status"]}'.`,
      );
    }
  }

  const expectBody = values["expect-body"] ?? null;
  if (expectBody !== null && expectBody === "") {
    throw new HealthUsageError("--expect-body must not be empty.");
  }

  let sha: string | null = values.sha ?? null;
  if (sha !== null && !/^[0-9a-f]{7,64}$/i.test(sha)) {
    throw new HealthUsageError(`--sha must be a hexadecimal commit SHA (7-64 characters), not '${sha}'.`);
  }
  if (sha === null && expectBody !== null && usesShaTokens(expectBody)) {
    const fromEnv = env.GITHUB_SHA;
    if (fromEnv && /^[0-9a-f]{7,64}$/i.test(fromEnv)) sha = fromEnv;
    else
      throw new HealthUsageError("--expect-body uses {sha} or {short_sha}: pass --sha (or set GITHUB_SHA).");
  }

  const format = values.format ?? "text";
  if (format !== "text" && format !== "json") {
    throw new HealthUsageError(`--format must be text or json, not '${format}'.`);
  }

  return { url: raw, timeoutMs: Math.round(timeoutS * 1000), expectStatus, expectBody, sha, format };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      timeout: { type: "string" },
      "expect-status": { type: "string" },
      "expect-body": { type: "string" },
      sha: { type: "string" },
      format: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}

export async function healthCommand(args: string[], io: CommandIo, env: NodeJS.ProcessEnv): Promise<number> {
  let options: HealthCommandOptions | null;
  try {
    options = parseHealthArgs(args, env);
  } catch (error) {
    if (!(error instanceof HealthUsageError)) throw error;
    io.stderr(`error: ${error.message}\n${HEALTH_USAGE}`);
    return 2;
  }
  if (options === null) {
    io.stdout(HEALTH_USAGE);
    return 0;
  }
  const result = await verifyHealth(
    {
      url: options.url,
      timeoutMs: options.timeoutMs,
      expectStatus: options.expectStatus,
      expectBody: options.expectBody,
      sha: options.sha,
    },
    { log: (line) => io.stderr(`${line}\n`), env },
  );
  io.stdout(options.format === "json" ? `${JSON.stringify(healthJson(result))}\n` : renderHealthText(result));
  return result.healthy ? 0 : 1;
}
