import { describe, expect, it } from "vitest";
import { resolveHealthUrl } from "../../../src/verify/target.js";

describe("resolveHealthUrl", () => {
  it("prefers health-url", () => {
    expect(resolveHealthUrl({ healthUrl: "https://api.example.com/h", deployUrl: "https://w.dev" })).toBe(
      "https://api.example.com/h",
    );
  });
  it("joins url and health-path with one slash", () => {
    expect(resolveHealthUrl({ deployUrl: "https://w.x.workers.dev", healthPath: "/api/health" })).toBe(
      "https://w.x.workers.dev/api/health",
    );
    expect(resolveHealthUrl({ deployUrl: "https://w.x.workers.dev/", healthPath: "healthz" })).toBe(
      "https://w.x.workers.dev/healthz",
    );
    expect(resolveHealthUrl({ deployUrl: "https://w.x.workers.dev" })).toBe(
      "https://w.x.workers.dev/api/health",
    );
  });
  it("is null without any URL", () => {
    expect(resolveHealthUrl({ healthUrl: " ", deployUrl: null })).toBeNull();
  });
});
