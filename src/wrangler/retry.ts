/**
 * When a failed call to Cloudflare may be made again, and how long to wait first. Pure: the
 * shells (the wrangler runner, the destroy API client) do the waiting and the logging.
 *
 * Only idempotent calls are ever retried. `wrangler deploy` is not one of them: it uploads the
 * Worker (live at once) before it rolls out containers, so a blind re-run after a late failure
 * could roll out twice or mask what is live; its failures are reported, never retried.
 */
import type { CommandFailure } from "./output-file.js";

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Backoff before the 2nd attempt; doubles per attempt. */
  baseDelayMs: number;
  /** Upper bound of the exponential backoff. */
  maxDelayMs: number;
  /** A server's Retry-After / retry_after_ms is honoured up to this long. */
  maxRetryAfterMs: number;
}

export const RETRY_POLICY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
};

export interface RetryVerdict {
  /** Worth another attempt (a transient fault), if the call is idempotent and attempts remain. */
  transient: boolean;
  /** Why, in words for the log. */
  reason: string;
  /** What the server asked for (Retry-After), when it did. */
  retryAfterMs?: number;
}

export type RetryStep = { retry: true; delayMs: number } | { retry: false; exhausted: boolean };

/**
 * wrangler commands that may run again without harm: reads, pushes of the same tag, deletes.
 * Everything else (deploy, versions, secrets, …) runs once.
 */
export function isIdempotentCommand(args: readonly string[]): boolean {
  const words = args.filter((a) => !a.startsWith("-"));
  const [first, second, third] = words;
  if (first === "delete") return true;
  if (first !== "containers") return false;
  if (second === "push" || second === "list" || second === "delete" || second === "info") return true;
  if (second === "images") return third === "list" || third === "delete";
  return false;
}

/** Cloudflare API error codes for server-side faults: 10013/10002 "An unknown error has occurred" (HTTP 500), 971 throttled. */
const TRANSIENT_CODES = new Set(["10013", "10002", "971"]);

/**
 * Messages of transient faults as wrangler words them: the Containers API client names HTTP
 * statuses ("There has been an internal error" = 500, "Generic Error" = a status it has no word
 * for, 429 and 504 among them), the Workers API client prints `-> 502 Bad Gateway` for non-JSON answers.
 */
const TRANSIENT_MESSAGE =
  /internal error|unknown error|internal server error|bad gateway|service unavailable|gateway time-?out|too many requests|rate.?limit|generic error|temporarily unavailable|-> (?:5\d\d|429)\b/i;

/** Network trouble in any tool's output (Node, undici, docker, the registry). */
const NETWORK =
  /\b(?:ECONNRESET|ECONNREFUSED|ECONNABORTED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_[A-Z_]+)\b|fetch failed|socket hang up|connection (?:refused|reset)|i\/o timeout|TLS handshake timeout|Client\.Timeout|unexpected EOF|received unexpected HTTP status: (?:5\d\d|429)|toomanyrequests|(?:502 Bad Gateway|503 Service Unavailable|504 Gateway Time-?out)/i;

export interface WranglerFailureFacts {
  exitCode: number;
  timedOut: boolean;
  notFound: boolean;
  failures: readonly CommandFailure[];
  /** The tail of stdout and stderr. */
  output: string;
}

/** Is a failed wrangler run a transient fault? Decided from its command-failed entry, then its output. */
export function classifyWranglerFailure(f: WranglerFailureFacts): RetryVerdict {
  if (f.timedOut) return { transient: false, reason: "it ran out of time and was stopped" };
  if (f.notFound) return { transient: false, reason: "wrangler could not be started" };
  const first = f.failures[0];
  if (first?.retryAfterMs !== undefined) {
    return {
      transient: true,
      reason: `Cloudflare asked to retry after ${seconds(first.retryAfterMs)} s`,
      retryAfterMs: first.retryAfterMs,
    };
  }
  if (first !== undefined && TRANSIENT_MESSAGE.test(first.message)) {
    return { transient: true, reason: `a transient Cloudflare API error: ${headline(first.message)}` };
  }
  if (first?.code !== undefined && TRANSIENT_CODES.has(String(first.code))) {
    return { transient: true, reason: `a transient Cloudflare API error [code: ${first.code}]` };
  }
  const network = NETWORK.exec(f.output);
  if (network) return { transient: true, reason: `a network error (${network[0]})` };
  if (first === undefined && TRANSIENT_MESSAGE.test(f.output)) {
    return { transient: true, reason: "a transient Cloudflare API error" };
  }
  return {
    transient: false,
    reason:
      first !== undefined ? `not a transient fault: ${headline(first.message)}` : "not a transient fault",
  };
}

/** The first line of a message (wrangler appends response bodies on the next lines). */
function headline(message: string): string {
  return message.split(/\r?\n/)[0]?.trim() ?? "";
}

/** An HTTP answer of the Cloudflare API: 408, 429 and 5xx are transient; Retry-After is read. */
export function classifyHttpStatus(
  status: number,
  retryAfter: string | null | undefined,
  nowMs: number,
): RetryVerdict {
  if (status !== 408 && status !== 429 && (status < 500 || status > 599)) {
    return { transient: false, reason: `HTTP ${status}` };
  }
  const after = parseRetryAfter(retryAfter, nowMs);
  return {
    transient: true,
    reason: `HTTP ${status}${after !== undefined ? `, Retry-After ${seconds(after)} s` : ""}`,
    ...(after !== undefined ? { retryAfterMs: after } : {}),
  };
}

/** A request that got no HTTP answer at all: timeouts and network errors are transient. */
export function classifyRequestError(
  error: { name?: string; message?: string; code?: string },
  timeoutMs: number,
): RetryVerdict {
  if (error.name === "TimeoutError" || error.name === "AbortError") {
    return { transient: true, reason: `no answer within ${seconds(timeoutMs)} s` };
  }
  const text = `${error.code ?? ""} ${error.message ?? ""}`;
  const network = NETWORK.exec(text);
  if (network) return { transient: true, reason: `a network error (${network[0]})` };
  return { transient: false, reason: error.message ?? "request failed" };
}

/** `Retry-After`: delta-seconds or an HTTP date; anything else is ignored. */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * What to do after attempt number `attempt` (1-based) failed: retry after a delay — the server's
 * Retry-After (capped), else exponential backoff with jitter (`random` in [0, 1)) — or stop.
 */
export function nextRetry(
  attempt: number,
  verdict: RetryVerdict,
  policy: RetryPolicy,
  random: number,
): RetryStep {
  if (!verdict.transient) return { retry: false, exhausted: false };
  if (attempt >= policy.attempts) return { retry: false, exhausted: true };
  if (verdict.retryAfterMs !== undefined) {
    return { retry: true, delayMs: Math.min(Math.max(0, verdict.retryAfterMs), policy.maxRetryAfterMs) };
  }
  const backoff = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
  const jitter = Math.min(Math.max(random, 0), 1);
  return { retry: true, delayMs: Math.round(backoff / 2 + (backoff / 2) * jitter) };
}

function seconds(ms: number): string {
  return (Math.round(ms / 100) / 10).toString();
}

/** The log line of one retry. */
export function retryLine(
  what: string,
  verdict: RetryVerdict,
  attempt: number,
  policy: RetryPolicy,
  delayMs: number,
): string {
  return `${what} failed (${verdict.reason}); retrying in ${seconds(delayMs)} s (attempt ${attempt + 1} of ${policy.attempts}).`;
}
