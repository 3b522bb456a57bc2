import { describe, expect, it } from "vitest";
import { HealthUsageError, healthCommand, parseHealthArgs } from "../../../src/verify/health-command.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) }, out, err };
}

describe("parseHealthArgs", () => {
  it("applies defaults", () => {
    expect(parseHealthArgs(["https://a.example/api/health"], {})).toEqual({
      url: "https://a.example/api/health",
      timeoutMs: 300_000,
      expectStatus: 200,
      expectBody: null,
      sha: null,
      format: "text",
    });
  });

  it("reads every flag", () => {
    expect(
      parseHealthArgs(
        [
          "http://127.0.0.1:8080/h",
          "--timeout",
          "2.5",
          "--expect-status",
          "204",
          "--expect-body",
          "{sha}",
          "--sha",
          SHA,
          "--format",
          "json",
        ],
        {},
      ),
    ).toEqual({
      url: "http://127.0.0.1:8080/h",
      timeoutMs: 2500,
      expectStatus: 204,
      expectBody: "{sha}",
      sha: SHA,
      format: "json",
    });
  });

  it("takes the SHA for tokens from GITHUB_SHA when --sha is absent", () => {
    expect(
      parseHealthArgs(["https://a.example/", "--expect-body", "{short_sha}"], { GITHUB_SHA: SHA })?.sha,
    ).toBe(SHA);
  });

  it("returns null for --help", () => {
    expect(parseHealthArgs(["--help"], {})).toBeNull();
  });

  const bad: [string, string[], RegExp][] = [
    ["no URL", [], /needs a URL/],
    ["two URLs", ["https://a.example/", "https://b.example/"], /one URL/],
    ["not a URL", ["a.example/health"], /not a URL/],
    ["not http", ["ftp://a.example/"], /http/],
    ["timeout zero", ["https://a.example/", "--timeout", "0"], /--timeout/],
    ["timeout text", ["https://a.example/", "--timeout", "5m"], /--timeout/],
    ["timeout negative", ["https://a.example/", "--timeout", "-1"], /timeout/],
    ["status text", ["https://a.example/", "--expect-status", "ok"], /--expect-status/],
    ["status out of range", ["https://a.example/", "--expect-status", "700"], /--expect-status/],
    ["empty body", ["https://a.example/", "--expect-body", ""], /--expect-body/],
    ["bad sha", ["https://a.example/", "--sha", "main"], /--sha/],
    ["token without sha", ["https://a.example/", "--expect-body", "{sha}"], /--sha/],
    ["bad format", ["https://a.example/", "--format", "yaml"], /--format/],
    ["unknown flag", ["https://a.example/", "--retries", "3"], /retries/],
    ["missing value", ["https://a.example/", "--timeout"], /timeout/],
  ];
  for (const [name, args, message] of bad) {
    it(`rejects ${name}`, () => {
      expect(() => parseHealthArgs(args, {})).toThrow(HealthUsageError);
      expect(() => parseHealthArgs(args, {})).toThrow(message);
    });
  }
});

describe("healthCommand usage", () => {
  it("bad usage prints the message and usage to stderr and returns 2", async () => {
    const c = capture();
    expect(await healthCommand(["https://a.example/", "--format", "xml"], c.io, {})).toBe(2);
    expect(c.out).toEqual([]);
    expect(c.err.join("")).toMatch(/--format must be text or json[\s\S]*Usage: cf-containers-deploy health/);
  });

  it("--help prints usage and returns 0", async () => {
    const c = capture();
    expect(await healthCommand(["--help"], c.io, {})).toBe(0);
    expect(c.out.join("")).toContain("Exit codes: 0 healthy, 1 unhealthy, 2 bad usage.");
  });
});
