import { describe, expect, it } from "vitest";
import {
  type AttemptTally,
  classifyFailure,
  EMPTY_TALLY,
  type Expectation,
  expandExpectation,
  judge,
  type ProbeOutcome,
  sanitizeExcerpt,
  tallyAttempt,
} from "../../../src/verify/classify.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const plain: Expectation = { status: 200, body: null };

function response(
  status: number,
  body = "",
  extra: Partial<Extract<ProbeOutcome, { kind: "response" }>> = {},
) {
  return {
    kind: "response",
    status,
    body,
    bodyTruncated: false,
    retryAfter: null,
    location: null,
    ...extra,
  } as const satisfies ProbeOutcome;
}

function failure(errorKind: "timeout" | "refused" | "reset" | "tls", message = errorKind): ProbeOutcome {
  return { kind: "error", errorKind, message };
}

function run(outcomes: ProbeOutcome[], expect: Expectation = plain): AttemptTally {
  return outcomes.reduce((t, o) => tallyAttempt(t, o, judge(o, expect)), EMPTY_TALLY);
}

describe("expandExpectation", () => {
  it("expands {sha} and {short_sha}", () => {
    expect(expandExpectation('"sha":"{sha}"', SHA)).toBe(`"sha":"${SHA}"`);
    expect(expandExpectation("v-{short_sha}-{short_sha}", SHA)).toBe("v-0123456-0123456");
    expect(expandExpectation("no tokens {other}", undefined)).toBe("no tokens {other}");
  });
  it("refuses a token without a SHA", () => {
    expect(() => expandExpectation("{sha}", null)).toThrow(/no commit SHA/);
  });
});

describe("judge", () => {
  it("healthy needs the status and, when set, the body", () => {
    expect(judge(response(200, "ok"), plain)).toEqual({ healthy: true });
    expect(judge(response(200, `{"sha":"${SHA}"}`), { status: 200, body: SHA })).toEqual({ healthy: true });
    const old = judge(response(200, '{"sha":"deadbeef"}'), { status: 200, body: SHA });
    expect(old).toMatchObject({ healthy: false, bodyMismatch: true });
    expect(judge(response(503), plain)).toMatchObject({
      healthy: false,
      reason: "expected status 200, got 503",
    });
    expect(judge(response(204), { status: 204, body: null })).toEqual({ healthy: true });
  });
  it("a redirect is not healthy unless expected, and says where it pointed", () => {
    const v = judge(response(302, "", { location: "https://elsewhere.example/" }), plain);
    expect(v).toMatchObject({ healthy: false });
    expect(v.healthy ? "" : v.reason).toContain("https://elsewhere.example/");
    expect(judge(response(302), { status: 302, body: null })).toEqual({ healthy: true });
  });
});

describe("classifyFailure", () => {
  const cases: [string, ProbeOutcome[], Expectation, string][] = [
    ["never-answered", [failure("refused"), failure("reset"), failure("tls")], plain, "never-answered"],
    ["only timeouts", [failure("timeout"), failure("timeout")], plain, "timed-out"],
    [
      "503 no instance",
      [failure("refused"), response(503, "There is no Container instance available at this time.")],
      plain,
      "container-not-starting",
    ],
    ["429", [response(429, "Too many requests")], plain, "container-not-starting"],
    [
      "500 failed to start",
      [response(500, "Failed to start container: ports not ready")],
      plain,
      "container-not-starting",
    ],
    ["500 from the app", [response(500, "Traceback (most recent call last)")], plain, "app-erroring"],
    ["404", [response(404, "Not Found")], plain, "app-erroring"],
    ["redirect", [response(301, "", { location: "https://x.example/" })], plain, "app-erroring"],
    ["old version", [response(200, '{"sha":"old"}')], { status: 200, body: SHA }, "old-version"],
    [
      "answered, then kept timing out",
      [response(503, "no container instance"), failure("timeout"), failure("timeout")],
      plain,
      "timed-out",
    ],
    [
      "one late timeout keeps the class of the answers",
      [response(200, "old"), failure("timeout")],
      { status: 200, body: SHA },
      "old-version",
    ],
  ];
  for (const [name, outcomes, expectation, cls] of cases) {
    it(`${name} → ${cls}`, () => {
      const c = classifyFailure(run(outcomes, expectation), expectation, 300_000);
      expect(c.classification).toBe(cls);
      expect(c.hint).not.toMatch(/\n/);
      expect(c.hint.length).toBeGreaterThan(20);
    });
  }

  it("the old-version hint names the rollout and health-timeout", () => {
    const c = classifyFailure(
      run([response(200, "old")], { status: 200, body: SHA }),
      { status: 200, body: SHA },
      300_000,
    );
    expect(c.hint).toMatch(/old instances keep serving during a rollout/);
    expect(c.hint).toMatch(/health-timeout/);
  });
});

describe("sanitizeExcerpt", () => {
  it("makes one short printable line", () => {
    expect(sanitizeExcerpt("a\r\n\tb\u0000\u001b[31mc  \u2028d")).toBe("a b [31mc d");
    const long = sanitizeExcerpt("x".repeat(1000), 50);
    expect(Array.from(long)).toHaveLength(50);
    expect(long.endsWith("…")).toBe(true);
  });
});
