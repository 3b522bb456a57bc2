import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BackoffPolicy,
  backoffDelay,
  baseDelay,
  DEFAULT_POLICY,
  nextDelay,
  parseRetryAfter,
} from "../../../src/verify/schedule.js";

const policyArb: fc.Arbitrary<BackoffPolicy> = fc.record({
  initialMs: fc.integer({ min: 1, max: 5000 }),
  factor: fc.double({ min: 1, max: 4, noNaN: true }),
  capMs: fc.integer({ min: 1, max: 60_000 }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  retryAfterMaxMs: fc.integer({ min: 0, max: 120_000 }),
  minAttemptMs: fc.integer({ min: 0, max: 2000 }),
});

describe("backoff", () => {
  it("base delays grow monotonically and settle at the cap", () => {
    fc.assert(
      fc.property(policyArb, (policy) => {
        let previous = 0;
        for (let i = 0; i < 200; i++) {
          const base = baseDelay(i, policy);
          expect(base).toBeGreaterThanOrEqual(previous);
          expect(base).toBeLessThanOrEqual(policy.capMs);
          previous = base;
        }
        if (policy.factor > 1.01) expect(baseDelay(10_000, policy)).toBe(policy.capMs);
      }),
    );
  });

  it("jittered delays stay within [base × (1 − jitter), base]", () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.nat(100),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (policy, i, r) => {
          const base = baseDelay(i, policy);
          const d = backoffDelay(i, r, policy);
          expect(d).toBeGreaterThanOrEqual(base * (1 - policy.jitter) - 1e-9);
          expect(d).toBeLessThanOrEqual(base + 1e-9);
        },
      ),
    );
  });

  it("default policy: first wait about a second, never above the cap", () => {
    expect(backoffDelay(0, 0)).toBe(DEFAULT_POLICY.initialMs);
    expect(backoffDelay(50, 0)).toBe(DEFAULT_POLICY.capMs);
    expect(backoffDelay(50, 0.999)).toBeGreaterThanOrEqual(
      DEFAULT_POLICY.capMs * (1 - DEFAULT_POLICY.jitter),
    );
    expect(DEFAULT_POLICY.capMs).toBeLessThanOrEqual(2000);
  });
});

describe("nextDelay", () => {
  it("never schedules an attempt past the deadline", () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.nat(200),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.nat(600_000), { nil: null }),
        fc.nat(600_000),
        fc.nat(600_000),
        (policy, retryIndex, random, retryAfterMs, elapsedMs, timeoutMs) => {
          const next = nextDelay({ retryIndex, random, retryAfterMs, elapsedMs, timeoutMs, policy });
          if (next === null) {
            expect(timeoutMs - elapsedMs).toBeLessThanOrEqual(policy.minAttemptMs);
            return;
          }
          expect(next.delayMs).toBeGreaterThanOrEqual(0);
          expect(elapsedMs + next.delayMs + policy.minAttemptMs).toBeLessThanOrEqual(timeoutMs + 1e-6);
        },
      ),
    );
  });

  it("honours Retry-After up to its bound", () => {
    const base = { retryIndex: 0, random: 0, elapsedMs: 0, timeoutMs: 300_000 };
    expect(nextDelay({ ...base, retryAfterMs: 5000 })).toEqual({ delayMs: 5000, reason: "retry-after" });
    expect(nextDelay({ ...base, retryAfterMs: 3_600_000 })).toEqual({
      delayMs: DEFAULT_POLICY.retryAfterMaxMs,
      reason: "retry-after",
    });
    // A shorter Retry-After than the backoff does not speed things up.
    expect(nextDelay({ ...base, retryAfterMs: 0 })).toEqual({
      delayMs: DEFAULT_POLICY.initialMs,
      reason: "backoff",
    });
  });

  it("shortens the last wait so one more attempt fits before the deadline", () => {
    const next = nextDelay({
      retryIndex: 9,
      random: 0,
      retryAfterMs: null,
      elapsedMs: 9_000,
      timeoutMs: 10_000,
    });
    expect(next).toEqual({ delayMs: 1000 - DEFAULT_POLICY.minAttemptMs, reason: "deadline" });
    expect(
      nextDelay({ retryIndex: 9, random: 0, retryAfterMs: null, elapsedMs: 9_800, timeoutMs: 10_000 }),
    ).toBeNull();
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it("reads delay-seconds", () => {
    expect(parseRetryAfter("5", now)).toBe(5000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("120", now)).toBe(120_000);
  });
  it("reads HTTP dates relative to now, past dates as 0", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });
  it("ignores what is neither", () => {
    for (const v of [null, undefined, "", "-1", "1.5", "soon", "12abc", "2026-01-01"]) {
      expect(parseRetryAfter(v, now)).toBeNull();
    }
  });
});
