/**
 * When to ask again: capped exponential backoff with jitter, Retry-After, and the overall deadline.
 * Pure functions only; the poller feeds them a random number and the elapsed time.
 */

export interface BackoffPolicy {
  /** Base delay after the first attempt. */
  readonly initialMs: number;
  /** Growth of the base delay per attempt. */
  readonly factor: number;
  /** Ceiling of the base delay; it bounds the delay between "became healthy" and "noticed". */
  readonly capMs: number;
  /**
   * Share of the base delay removed at random: a delay lies in [base × (1 − jitter), base].
   * 1 is "full jitter", 0.5 "equal jitter", 0 none.
   */
  readonly jitter: number;
  /** Longest Retry-After honoured; a server asking for more is asked again after this. */
  readonly retryAfterMaxMs: number;
  /** An attempt is only started when at least this much time is left before the deadline. */
  readonly minAttemptMs: number;
}

/**
 * Tuned against bench/health.ts (servers that turn healthy after 5, 15 and 30 s): the first
 * attempt goes out at once, the waits grow from 0.96-1.2 s and settle at 1.36-1.7 s. A steady wait
 * of about 1.5 s puts the median detection delay near 0.8 s (never above the 1.7 s cap) while
 * sending fewer than one request per second even during a short cold start; faster early probing
 * would push a 5 s cold start above one request per second. The small jitter spreads many
 * pollers without widening the worst-case delay.
 */
export const DEFAULT_POLICY: BackoffPolicy = {
  initialMs: 1200,
  factor: 1.5,
  capMs: 1700,
  jitter: 0.2,
  retryAfterMaxMs: 8000,
  minAttemptMs: 250,
};

/** Base (un-jittered) delay after attempt `retryIndex + 1`: monotone, reaches the cap. */
export function baseDelay(retryIndex: number, policy: BackoffPolicy = DEFAULT_POLICY): number {
  const grown = policy.initialMs * policy.factor ** Math.max(0, retryIndex);
  return Math.min(policy.capMs, Number.isFinite(grown) ? grown : policy.capMs);
}

/** Jittered backoff delay; `random` is a number in [0, 1). */
export function backoffDelay(
  retryIndex: number,
  random: number,
  policy: BackoffPolicy = DEFAULT_POLICY,
): number {
  const base = baseDelay(retryIndex, policy);
  const r = Math.min(1, Math.max(0, random));
  return base * (1 - policy.jitter * r);
}

/**
 * Retry-After as milliseconds from now: delay-seconds (`120`) or an HTTP date. Anything else,
 * negative or unparseable, is null. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, nowEpochMs: number): number | null {
  if (value === null || value === undefined) return null;
  const v = value.trim();
  if (v === "") return null;
  if (/^\d+$/.test(v)) {
    const seconds = Number.parseInt(v, 10);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : null;
  }
  // HTTP-date (IMF-fixdate and the two obsolete forms) always names a weekday or a month.
  if (!/[a-z]{3}/i.test(v)) return null;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowEpochMs);
}

export interface NextDelayInput {
  /** 0 for the wait after the first attempt. */
  readonly retryIndex: number;
  readonly random: number;
  /** Parsed Retry-After of the last answer (only honoured on 429 and 503), or null. */
  readonly retryAfterMs: number | null;
  readonly elapsedMs: number;
  readonly timeoutMs: number;
  readonly policy?: BackoffPolicy;
}

export interface NextDelay {
  readonly delayMs: number;
  readonly reason: "backoff" | "retry-after" | "deadline";
}

/**
 * How long to wait before the next attempt, or null when no attempt fits before the deadline.
 * The wait is shortened so that the last attempt still starts `minAttemptMs` before the deadline.
 */
export function nextDelay(input: NextDelayInput): NextDelay | null {
  const policy = input.policy ?? DEFAULT_POLICY;
  let delayMs = backoffDelay(input.retryIndex, input.random, policy);
  let reason: NextDelay["reason"] = "backoff";
  if (input.retryAfterMs !== null) {
    const asked = Math.min(input.retryAfterMs, policy.retryAfterMaxMs);
    if (asked > delayMs) {
      delayMs = asked;
      reason = "retry-after";
    }
  }
  const remaining = input.timeoutMs - input.elapsedMs;
  if (remaining <= policy.minAttemptMs) return null;
  const latest = remaining - policy.minAttemptMs;
  if (delayMs > latest) return { delayMs: latest, reason: "deadline" };
  return { delayMs, reason };
}
