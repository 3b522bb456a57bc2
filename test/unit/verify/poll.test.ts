import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ProbeOutcome } from "../../../src/verify/classify.js";
import {
  type HealthOptions,
  type PollDeps,
  type ProbeRequest,
  pollHealth,
} from "../../../src/verify/poll.js";
import { healthJson, renderHealthText } from "../../../src/verify/render.js";
import { DEFAULT_POLICY } from "../../../src/verify/schedule.js";

const SHA = "89abcdef0123456789abcdef0123456789abcdef";

function ok(status: number, body = "", extra: { retryAfter?: string } = {}): ProbeOutcome {
  return {
    kind: "response",
    status,
    body,
    bodyTruncated: false,
    retryAfter: extra.retryAfter ?? null,
    location: null,
  };
}

interface Seen {
  readonly at: number;
  readonly request: ProbeRequest;
}

/**
 * A fake clock: sleep advances virtual time, each probe takes `latencyMs` of it (or its whole
 * timeout when the answer is a timeout). Zero real waiting.
 */
function fakeShell(
  answer: (t: number, n: number) => ProbeOutcome,
  opts: { latencyMs?: number; random?: () => number; epochStart?: number } = {},
) {
  let t = 0;
  const seen: Seen[] = [];
  const sleeps: number[] = [];
  const logs: string[] = [];
  const deps: PollDeps = {
    now: () => t,
    epochMs: () => (opts.epochStart ?? 1_700_000_000_000) + t,
    sleep: async (ms) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      sleeps.push(ms);
      t += ms;
    },
    random: opts.random ?? (() => 0.5),
    probe: async (request) => {
      seen.push({ at: t, request });
      const outcome = answer(t, seen.length);
      t +=
        outcome.kind === "error" && outcome.errorKind === "timeout"
          ? request.timeoutMs
          : (opts.latencyMs ?? 5);
      return outcome;
    },
    log: (line) => logs.push(line),
  };
  return { deps, seen, sleeps, logs, now: () => t };
}

const base: HealthOptions = { url: "https://app.example.workers.dev/api/health", timeoutMs: 60_000 };

describe("pollHealth", () => {
  it("is healthy on the first attempt when the app already answers", async () => {
    const s = fakeShell(() => ok(200, '{"status":"ok"}'));
    const r = await pollHealth(base, s.deps);
    expect(r).toMatchObject({
      healthy: true,
      attempts: 1,
      lastStatus: 200,
      lastError: null,
      classification: null,
    });
    expect(r.timeToHealthyMs).toBe(5);
    expect(s.sleeps).toEqual([]);
  });

  it("detects a server that turns healthy after a cold start within one capped wait", async () => {
    const healthyAt = 10_000;
    const s = fakeShell((t) =>
      t >= healthyAt ? ok(200) : ok(503, "There is no Container instance available"),
    );
    const r = await pollHealth(base, s.deps);
    expect(r.healthy).toBe(true);
    expect(r.timeToHealthyMs).not.toBeNull();
    const detected = r.timeToHealthyMs ?? 0;
    expect(detected).toBeGreaterThanOrEqual(healthyAt);
    expect(detected - healthyAt).toBeLessThanOrEqual(DEFAULT_POLICY.capMs + 5);
    // Under one request per second on average.
    expect(r.attempts).toBeLessThanOrEqual(detected / 1000);
    expect(s.logs.length).toBe(r.attempts + 1);
  });

  it("gives up at the deadline with the last status, body and classification", async () => {
    const s = fakeShell(() => ok(503, "There is no Container instance available at this time.\n"));
    const r = await pollHealth({ ...base, timeoutMs: 20_000 }, s.deps);
    expect(r).toMatchObject({
      healthy: false,
      timeToHealthyMs: null,
      lastStatus: 503,
      lastError: "expected status 200, got 503",
      lastBodyExcerpt: "There is no Container instance available at this time.",
      classification: "container-not-starting",
    });
    expect(r.elapsedMs).toBeLessThanOrEqual(20_000);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(20_000 - DEFAULT_POLICY.minAttemptMs);
    for (const { at } of s.seen) expect(at).toBeLessThan(20_000);
    expect(r.attempts).toBe(s.seen.length);
  });

  it("never gives an attempt more time than the deadline leaves, nor more than the per-attempt cap", async () => {
    const s = fakeShell(() => ({ kind: "error", errorKind: "timeout", message: "no answer" }));
    const r = await pollHealth({ ...base, timeoutMs: 25_000, attemptTimeoutMs: 10_000 }, s.deps);
    for (const { at, request } of s.seen) {
      expect(request.timeoutMs).toBeLessThanOrEqual(10_000);
      expect(at + request.timeoutMs).toBeLessThanOrEqual(25_000);
    }
    expect(r.classification).toBe("timed-out");
    expect(r.lastStatus).toBeNull();
    expect(s.now()).toBeLessThanOrEqual(25_000);
  });

  it("honours Retry-After on 429 and 503, not on 500", async () => {
    const s = fakeShell((_t, n) =>
      n === 1
        ? ok(429, "slow down", { retryAfter: "6" })
        : n === 2
          ? ok(500, "x", { retryAfter: "6" })
          : ok(200),
    );
    const r = await pollHealth(base, s.deps);
    expect(r.healthy).toBe(true);
    expect(s.sleeps[0]).toBe(6000);
    expect(s.sleeps[1]).toBeLessThanOrEqual(DEFAULT_POLICY.capMs);
    expect(s.logs.some((l) => l.includes("Retry-After"))).toBe(true);
  });

  it("honours a Retry-After date, bounded", async () => {
    const epochStart = Date.parse("2026-03-01T12:00:00Z");
    const s = fakeShell(
      (_t, n) =>
        n === 1
          ? ok(503, "no container instance", { retryAfter: "Sun, 01 Mar 2026 12:00:04 GMT" })
          : n === 2
            ? ok(503, "", { retryAfter: "Sun, 01 Mar 2026 13:00:00 GMT" })
            : ok(200),
      { epochStart },
    );
    await pollHealth(base, s.deps);
    expect(s.sleeps[0]).toBeGreaterThan(3900);
    expect(s.sleeps[0]).toBeLessThanOrEqual(4000);
    expect(s.sleeps[1]).toBe(DEFAULT_POLICY.retryAfterMaxMs);
  });

  it("keeps polling while the old version answers, healthy once the new SHA does", async () => {
    const s = fakeShell((t) => ok(200, `{"status":"ok","sha":"${t >= 7000 ? SHA : "0000000feedface"}"}`));
    const r = await pollHealth({ ...base, expectBody: '"sha":"{sha}"', sha: SHA }, s.deps);
    expect(r.healthy).toBe(true);
    expect(r.timeToHealthyMs).toBeGreaterThanOrEqual(7000);
    expect(r.attempts).toBeGreaterThan(1);
    expect(s.logs[0]).toContain(SHA);
  });

  it("classifies a run where only the old version answered", async () => {
    const s = fakeShell(() => ok(200, '{"sha":"0000000"}'));
    const r = await pollHealth({ ...base, timeoutMs: 10_000, expectBody: "{short_sha}", sha: SHA }, s.deps);
    expect(r.classification).toBe("old-version");
    expect(r.lastStatus).toBe(200);
    expect(r.lastError).toContain('"89abcde"');
    expect(r.hint).toMatch(/old instances keep serving during a rollout/);
  });

  it("a server that never answers is never-answered", async () => {
    const s = fakeShell(() => ({
      kind: "error",
      errorKind: "refused",
      message: "ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9",
    }));
    const r = await pollHealth({ ...base, timeoutMs: 5_000 }, s.deps);
    expect(r).toMatchObject({ healthy: false, lastStatus: null, classification: "never-answered" });
    expect(r.lastError).toContain("ECONNREFUSED");
    expect(r.lastBodyExcerpt).toBeNull();
  });

  it("strips userinfo from the reported URL and logs", async () => {
    const s = fakeShell(() => ok(200));
    const r = await pollHealth({ ...base, url: "https://user:secret@app.example/h" }, s.deps);
    expect(r.url).toBe("https://app.example/h");
    expect(s.logs.join("\n")).not.toContain("secret");
    expect(s.seen[0]?.request.url).toBe("https://user:secret@app.example/h");
  });

  it("property: detection within one cap of turning healthy, attempts bounded, deadline respected", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 90_000 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1_000, max: 120_000 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 20,
        }),
        async (healthyAt, latencyMs, timeoutMs, randoms) => {
          let i = 0;
          const s = fakeShell((t) => (t >= healthyAt ? ok(200) : ok(503, "no container instance")), {
            latencyMs,
            random: () => randoms[i++ % randoms.length] ?? 0,
          });
          const r = await pollHealth({ ...base, timeoutMs }, s.deps);
          for (const { at } of s.seen) expect(at).toBeLessThan(timeoutMs);
          if (r.healthy) {
            expect((r.timeToHealthyMs ?? 0) - healthyAt).toBeLessThanOrEqual(
              DEFAULT_POLICY.capMs + 2 * latencyMs,
            );
          } else {
            // The last attempt started within minAttemptMs (+ one answer) of the deadline.
            expect(healthyAt).toBeGreaterThan(timeoutMs - DEFAULT_POLICY.minAttemptMs - latencyMs);
          }
          const minWait =
            Math.min(DEFAULT_POLICY.initialMs, DEFAULT_POLICY.capMs) * (1 - DEFAULT_POLICY.jitter);
          expect(r.attempts).toBeLessThanOrEqual(2 + r.elapsedMs / minWait);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("rendering", () => {
  it("healthJson has exactly the SPEC §3 keys in order, then classification and hint", async () => {
    const s = fakeShell(() => ok(500, "boom"));
    const r = await pollHealth({ ...base, timeoutMs: 3_000 }, s.deps);
    const json = healthJson(r);
    expect(Object.keys(json)).toEqual([
      "healthy",
      "url",
      "attempts",
      "elapsedMs",
      "timeToHealthyMs",
      "lastStatus",
      "lastError",
      "classification",
      "hint",
    ]);
    expect(JSON.parse(JSON.stringify(json))).toMatchObject({
      healthy: false,
      url: base.url,
      timeToHealthyMs: null,
      lastStatus: 500,
      classification: "app-erroring",
    });
  });

  it("text names the class, last status, body and hint; healthy text is one line", async () => {
    const bad = await pollHealth(
      { ...base, timeoutMs: 3_000 },
      fakeShell(() => ok(500, "Traceback: boom")).deps,
    );
    const text = renderHealthText(bad);
    expect(text).toMatch(/^unhealthy: /);
    expect(text).toContain("classification: app-erroring");
    expect(text).toContain("last status: 500");
    expect(text).toContain("last body: Traceback: boom");
    expect(text).toContain("hint: ");
    const good = await pollHealth(base, fakeShell(() => ok(200)).deps);
    expect(renderHealthText(good)).toMatch(
      /^healthy: https:\/\/app\.example\.workers\.dev\/api\/health answered \(200\) after 0\.0 s, 1 attempt\n$/,
    );
  });
});
