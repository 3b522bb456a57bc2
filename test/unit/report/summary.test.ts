import { describe, expect, it } from "vitest";
import { renderSummary } from "../../../src/report/summary.js";
import type { HealthResult } from "../../../src/verify/index.js";
import { healthyReport } from "./fixtures.js";

describe("renderSummary", () => {
  it("has the same facts as the comment, with the PR and no hidden lines", () => {
    const summary = renderSummary(healthyReport({ title: "Add <login> @octocat" }));
    expect(summary).not.toContain("<!--");
    expect(summary.split("\n")[0]).toBe("## ✅ Healthy · Cloudflare Containers preview `backend-pr-12`");
    expect(summary).toContain("| **URL** | [https://backend-pr-12.example.workers.dev]");
    expect(summary).toContain("healthy in 12.3 s · 4 attempts");
    expect(summary).toContain("| **Commit** | `3f78685` |");
    expect(summary).toContain("| **Pull request** | #12 · Add &lt;login&gt; @\u200Doctocat |");
    expect(summary).toContain("| **Branch** | `feature/login` |");
    expect(summary).toContain("[View logs](https://github.com/octo/app/actions/runs/42)");
  });

  it("describes a production deploy failure", () => {
    const summary = renderSummary(
      healthyReport({
        preview: false,
        prNumber: undefined,
        status: "Failed",
        health: undefined,
        failure: { phase: "verify", message: "timed out", live: "version abc is live but unhealthy" },
      }),
    );
    expect(summary.split("\n")[0]).toBe("## ❌ Failed · Cloudflare Containers deploy `backend-pr-12`");
    expect(summary).toContain("**Failed during `verify`:** timed out");
    expect(summary).not.toContain("Pull request");
  });
});

describe("verify's HealthResult feeds the report as is", () => {
  it("renders an unhealthy result with its classification and hint", () => {
    const result: HealthResult = {
      healthy: false,
      url: "https://backend-pr-12.example.workers.dev/api/health",
      attempts: 9,
      elapsedMs: 30_000,
      timeToHealthyMs: null,
      lastStatus: 200,
      lastError: "body did not contain the expected text",
      lastBodyExcerpt: '{"sha":"0000000"}',
      classification: "old-version",
      hint: "the old image still answers",
    };
    const summary = renderSummary(healthyReport({ status: "Unhealthy", health: result }));
    expect(summary).toContain("❌ not healthy after 30.0 s · 9 attempts · last status 200 · old version");
    expect(summary).toContain("> **Hint:** the old image still answers");
    expect(summary).toContain('| **Last response** | `{"sha":"0000000"}` |');
  });
});
