import { describe, expect, it } from "vitest";
import {
  classifyHttpStatus,
  classifyRequestError,
  classifyWranglerFailure,
  isIdempotentCommand,
  nextRetry,
  parseRetryAfter,
  RETRY_POLICY,
  type RetryPolicy,
  type WranglerFailureFacts,
} from "../../../src/wrangler/retry.js";

describe("isIdempotentCommand", () => {
  it.each([
    [["containers", "push", "app:abc"], true],
    [["containers", "list", "--json"], true],
    [["containers", "delete", "0123"], true],
    [["containers", "info", "0123", "--json"], true],
    [["containers", "images", "list", "--json"], true],
    [["containers", "images", "delete", "app:abc", "--skip-confirmation"], true],
    [["delete", "--name", "app-pr-1", "--force"], true],
    // deploy uploads the Worker (live at once) before the containers roll out: never blindly again
    [["deploy", "--config", "wrangler.json", "--containers-rollout", "immediate"], false],
    [["versions", "upload"], false],
    [["secret", "bulk", "secrets.json"], false],
    [["containers", "build", ".", "-t", "x", "--push"], false],
    [["containers", "registries", "configure", "docker.io"], false],
    [["containers", "images"], false],
    [[], false],
  ])("%j → %s", (args, expected) => {
    expect(isIdempotentCommand(args)).toBe(expected);
  });
});

function facts(partial: Partial<WranglerFailureFacts>): WranglerFailureFacts {
  return { exitCode: 1, timedOut: false, notFound: false, failures: [], output: "", ...partial };
}

describe("classifyWranglerFailure", () => {
  it.each<[string, Partial<WranglerFailureFacts>, boolean, RegExp, number | undefined]>([
    [
      "429 with Retry-After (retry_after_ms)",
      {
        failures: [
          { code: 10013, message: "A request to the Cloudflare API (/x) failed.", retryAfterMs: 2000 },
        ],
      },
      true,
      /retry after 2 s/,
      2000,
    ],
    [
      "Containers API 500",
      { failures: [{ message: "There has been an internal error" }] },
      true,
      /internal error/,
      undefined,
    ],
    [
      "Containers API status without a word (429, 504): Generic Error",
      { failures: [{ message: "Generic Error" }] },
      true,
      /Generic Error/,
      undefined,
    ],
    [
      "containers delete answered 5xx/429 (wrangler: unknown error, then the body)",
      {
        failures: [
          {
            message:
              'There has been an unknown error deleting the container.\n{"error":"standin: injected fault (500) for DELETE /x"}',
          },
        ],
      },
      true,
      /^a transient Cloudflare API error: There has been an unknown error deleting the container\.$/,
      undefined,
    ],
    [
      "containers delete answered 400/404 (wrangler: an error, then the body)",
      { failures: [{ message: "There has been an error deleting the container.\nAPPLICATION_NOT_FOUND" }] },
      false,
      /^not a transient fault: There has been an error deleting the container\.$/,
      undefined,
    ],
    [
      "registry garbage collection answered 503 (images delete)",
      { failures: [{ message: "Failed to delete image app:abc: 503 Service Unavailable" }] },
      true,
      /503 Service Unavailable/,
      undefined,
    ],
    [
      "Containers API 503",
      { failures: [{ message: "Service Unavailable" }] },
      true,
      /Service Unavailable/,
      undefined,
    ],
    [
      "Workers API unknown error (HTTP 500, code 10013)",
      { failures: [{ code: 10013, message: "A request to the Cloudflare API (/x) failed." }] },
      true,
      /code: 10013/,
      undefined,
    ],
    [
      "non-JSON 502 from the edge",
      {
        failures: [{ message: "Received a malformed response from the API" }],
        output: "GET /accounts/x/workers/services/y -> 502 Bad Gateway",
      },
      true,
      /Bad Gateway/,
      undefined,
    ],
    [
      "registry down: docker login refused",
      {
        failures: [{ message: "Login failed with code: 1" }],
        output:
          'Error response from daemon: Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
      },
      true,
      /network error \(connection refused\)/,
      undefined,
    ],
    [
      "registry answering 503 to a blob upload",
      { output: "received unexpected HTTP status: 503 Service Unavailable" },
      true,
      /network error/,
      undefined,
    ],
    [
      "Node network error",
      { failures: [{ message: "fetch failed" }], output: "TypeError: fetch failed\n  cause: ECONNRESET" },
      true,
      /network error/,
      undefined,
    ],
    [
      "authentication error",
      {
        failures: [{ code: 10000, message: "A request to the Cloudflare API (/x) failed." }],
        output: "Authentication error [code: 10000]",
      },
      false,
      /not a transient fault/,
      undefined,
    ],
    [
      "wrong platform",
      { failures: [{ message: "Unsupported platform: Image platform (linux/arm64) does not match" }] },
      false,
      /Unsupported platform/,
      undefined,
    ],
    [
      "application not found",
      { failures: [{ message: "Not Found" }] },
      false,
      /not a transient fault/,
      undefined,
    ],
    [
      "timed out (the time budget is spent)",
      { timedOut: true, exitCode: 128 },
      false,
      /out of time/,
      undefined,
    ],
    ["wrangler missing", { notFound: true, exitCode: 127 }, false, /could not be started/, undefined],
    ["plain exit 1 with nothing to go on", {}, false, /not a transient fault/, undefined],
  ])("%s", (_label, partial, transient, reason, retryAfterMs) => {
    const verdict = classifyWranglerFailure(facts(partial));
    expect(verdict.transient).toBe(transient);
    expect(verdict.reason).toMatch(reason);
    expect(verdict.retryAfterMs).toBe(retryAfterMs);
  });
});

describe("classifyHttpStatus", () => {
  const now = Date.parse("2026-12-03T12:00:00Z");
  it.each<[number, string | null, boolean, number | undefined]>([
    [200, null, false, undefined],
    [400, null, false, undefined],
    [401, null, false, undefined],
    [403, null, false, undefined],
    [404, null, false, undefined],
    [408, null, true, undefined],
    [429, "3", true, 3000],
    [429, "Thu, 03 Dec 2026 12:00:05 GMT", true, 5000],
    [429, "Thu, 03 Dec 2026 11:00:00 GMT", true, 0],
    [429, "soon", true, undefined],
    [500, null, true, undefined],
    [502, null, true, undefined],
    [503, "1", true, 1000],
    [504, null, true, undefined],
    [524, null, true, undefined],
  ])("HTTP %i (Retry-After %s) → transient %s, wait %s", (status, retryAfter, transient, ms) => {
    const v = classifyHttpStatus(status, retryAfter, now);
    expect(v.transient).toBe(transient);
    expect(v.retryAfterMs).toBe(ms);
    expect(v.reason).toContain(`HTTP ${status}`);
  });
});

describe("classifyRequestError", () => {
  it.each<[{ name?: string; message?: string; code?: string }, boolean, RegExp]>([
    [
      { name: "TimeoutError", message: "The operation was aborted due to timeout" },
      true,
      /no answer within 20 s/,
    ],
    [{ name: "AbortError", message: "This operation was aborted" }, true, /no answer within 20 s/],
    [
      { name: "TypeError", message: "fetch failed: connect ECONNREFUSED 127.0.0.1:1", code: "ECONNREFUSED" },
      true,
      /ECONNREFUSED/,
    ],
    [
      { name: "TypeError", message: "fetch failed: other side closed", code: "UND_ERR_SOCKET" },
      true,
      /UND_ERR_SOCKET/,
    ],
    [{ name: "TypeError", message: "Invalid URL" }, false, /Invalid URL/],
  ])("%j → transient %s", (error, transient, reason) => {
    const v = classifyRequestError(error, 20_000);
    expect(v.transient).toBe(transient);
    expect(v.reason).toMatch(reason);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-12-03T12:00:00Z");
  it.each<[string | null | undefined, number | undefined]>([
    [undefined, undefined],
    [null, undefined],
    ["", undefined],
    ["0", 0],
    [" 7 ", 7000],
    ["1.5", undefined],
    ["-1", undefined],
    ["Thu, 03 Dec 2026 12:00:10 GMT", 10_000],
    ["Wed, 02 Dec 2026 12:00:00 GMT", 0],
    ["not a date", undefined],
  ])("%j → %s", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe("nextRetry", () => {
  const policy: RetryPolicy = { attempts: 3, baseDelayMs: 1000, maxDelayMs: 3000, maxRetryAfterMs: 10_000 };
  const transient = { transient: true, reason: "HTTP 503" };
  it.each<[string, number, { transient: boolean; reason: string; retryAfterMs?: number }, number, unknown]>([
    [
      "permanent: stop at once",
      1,
      { transient: false, reason: "HTTP 403" },
      0.5,
      { retry: false, exhausted: false },
    ],
    ["1st failure, no hint, jitter 0 → half the base", 1, transient, 0, { retry: true, delayMs: 500 }],
    ["1st failure, jitter ~1 → the full base", 1, transient, 0.999, { retry: true, delayMs: 1000 }],
    ["2nd failure doubles", 2, transient, 0, { retry: true, delayMs: 1000 }],
    ["last attempt failed → exhausted", 3, transient, 0, { retry: false, exhausted: true }],
    ["Retry-After honoured", 1, { ...transient, retryAfterMs: 2500 }, 0.7, { retry: true, delayMs: 2500 }],
    ["Retry-After capped", 1, { ...transient, retryAfterMs: 600_000 }, 0.7, { retry: true, delayMs: 10_000 }],
    ["Retry-After 0 → at once", 2, { ...transient, retryAfterMs: 0 }, 0.7, { retry: true, delayMs: 0 }],
    [
      "Retry-After does not extend the attempts",
      3,
      { ...transient, retryAfterMs: 1 },
      0.7,
      { retry: false, exhausted: true },
    ],
  ])("%s", (_label, attempt, verdict, random, expected) => {
    expect(nextRetry(attempt, verdict, policy, random)).toEqual(expected);
  });

  it("backoff is capped by maxDelayMs", () => {
    const long: RetryPolicy = { ...policy, attempts: 10 };
    const step = nextRetry(8, transient, long, 1);
    expect(step).toEqual({ retry: true, delayMs: 3000 });
  });

  it("the shipped policy is bounded: a few attempts, waits well under a minute each", () => {
    expect(RETRY_POLICY.attempts).toBeGreaterThan(1);
    expect(RETRY_POLICY.attempts).toBeLessThanOrEqual(5);
    expect(RETRY_POLICY.maxDelayMs).toBeLessThanOrEqual(60_000);
    expect(RETRY_POLICY.maxRetryAfterMs).toBeLessThanOrEqual(120_000);
  });
});
