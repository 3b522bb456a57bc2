/**
 * The health poller: asks `url` until it answers healthy or the deadline passes. The shell (clock,
 * sleep, randomness, HTTP) comes in as small adapters, so the loop runs on a fake clock in tests.
 */
import {
  type AttemptTally,
  classifyFailure,
  EMPTY_TALLY,
  type Expectation,
  expandExpectation,
  type FailureClass,
  judge,
  type ProbeOutcome,
  sanitizeExcerpt,
  tallyAttempt,
} from "./classify.js";
import { type BackoffPolicy, DEFAULT_POLICY, nextDelay, parseRetryAfter } from "./schedule.js";

export interface HealthOptions {
  readonly url: string;
  /** Status that counts as healthy; default 200. */
  readonly expectStatus?: number;
  /** Substring the body must contain; `{sha}` and `{short_sha}` expand from `sha`. */
  readonly expectBody?: string | null;
  readonly sha?: string | null;
  /** Overall deadline. */
  readonly timeoutMs: number;
  /** Per-attempt timeout (headers and body); default 10 s, never past the deadline. */
  readonly attemptTimeoutMs?: number;
  /** Most body bytes read per answer; default 64 KiB. */
  readonly maxBodyBytes?: number;
  readonly policy?: Partial<BackoffPolicy>;
}

export interface ProbeRequest {
  readonly url: string;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
}

export type Probe = (request: ProbeRequest) => Promise<ProbeOutcome>;

export interface PollDeps {
  /** Monotonic milliseconds. */
  now(): number;
  /** Wall clock (epoch ms), for Retry-After dates. */
  epochMs(): number;
  sleep(ms: number): Promise<void>;
  /** A number in [0, 1). */
  random(): number;
  probe: Probe;
  log(line: string): void;
}

export interface HealthResult {
  readonly healthy: boolean;
  /** The polled URL, without any userinfo. */
  readonly url: string;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly timeToHealthyMs: number | null;
  /** Status of the last answer received (any attempt), or null when nothing answered. */
  readonly lastStatus: number | null;
  /** Why the last attempt was not healthy; null when it was. */
  readonly lastError: string | null;
  /** Short, single-line excerpt of the last body received. */
  readonly lastBodyExcerpt: string | null;
  readonly classification: FailureClass | null;
  readonly hint: string | null;
}

export const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** The URL as shown in logs and results: userinfo removed. Unparseable input is returned as is. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = "";
    u.password = "";
    return u.toString();
  } catch {
    return url;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function describeOutcome(outcome: ProbeOutcome): string {
  if (outcome.kind === "error") return outcome.message;
  const excerpt = sanitizeExcerpt(outcome.body, 80);
  return excerpt ? `${outcome.status} ${JSON.stringify(excerpt)}` : String(outcome.status);
}

export async function pollHealth(options: HealthOptions, deps: PollDeps): Promise<HealthResult> {
  const policy: BackoffPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const expect: Expectation = {
    status: options.expectStatus ?? 200,
    body: options.expectBody ? expandExpectation(options.expectBody, options.sha) : null,
  };
  const attemptTimeoutMs = options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const url = displayUrl(options.url);
  const start = deps.now();
  const elapsed = (): number => Math.max(0, deps.now() - start);

  deps.log(
    `health: polling ${url} for up to ${seconds(options.timeoutMs)}, healthy = status ${expect.status}` +
      (expect.body !== null ? ` and body containing ${JSON.stringify(expect.body)}` : ""),
  );

  let attempts = 0;
  let tally: AttemptTally = EMPTY_TALLY;
  let lastStatus: number | null = null;
  let lastBody: string | null = null;
  let lastError: string | null = null;

  for (;;) {
    attempts += 1;
    const timeoutMs = Math.max(1, Math.floor(Math.min(attemptTimeoutMs, options.timeoutMs - elapsed())));
    const outcome = await deps.probe({ url: options.url, timeoutMs, maxBodyBytes });
    const verdict = judge(outcome, expect);
    tally = tallyAttempt(tally, outcome, verdict);
    if (outcome.kind === "response") {
      lastStatus = outcome.status;
      lastBody = outcome.body;
    }
    const at = elapsed();
    if (verdict.healthy) {
      deps.log(`health: attempt ${attempts}: ${describeOutcome(outcome)} — healthy after ${seconds(at)}`);
      return {
        healthy: true,
        url,
        attempts,
        elapsedMs: Math.round(at),
        timeToHealthyMs: Math.round(at),
        lastStatus,
        lastError: null,
        lastBodyExcerpt: lastBody === null ? null : sanitizeExcerpt(lastBody),
        classification: null,
        hint: null,
      };
    }
    lastError = sanitizeExcerpt(verdict.reason, 300);

    const honoursRetryAfter =
      outcome.kind === "response" && (outcome.status === 429 || outcome.status === 503);
    const retryAfterMs = honoursRetryAfter ? parseRetryAfter(outcome.retryAfter, deps.epochMs()) : null;
    const next = nextDelay({
      retryIndex: attempts - 1,
      random: deps.random(),
      retryAfterMs,
      elapsedMs: at,
      timeoutMs: options.timeoutMs,
      policy,
    });
    if (next === null) {
      deps.log(`health: attempt ${attempts}: ${describeOutcome(outcome)} — deadline reached`);
      break;
    }
    const why = next.reason === "retry-after" ? " (Retry-After)" : "";
    deps.log(
      `health: attempt ${attempts}: ${describeOutcome(outcome)} — next in ${seconds(next.delayMs)}${why}`,
    );
    await deps.sleep(next.delayMs);
  }

  const { classification, hint } = classifyFailure(tally, expect, options.timeoutMs);
  return {
    healthy: false,
    url,
    attempts,
    elapsedMs: Math.round(elapsed()),
    timeToHealthyMs: null,
    lastStatus,
    lastError,
    lastBodyExcerpt: lastBody === null ? null : sanitizeExcerpt(lastBody),
    classification,
    hint,
  };
}
