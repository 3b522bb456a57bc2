import { describe, expect, it } from "vitest";
import {
  commentMarker,
  isOurComment,
  MAX_COMMENT_CHARS,
  parseCommentState,
  renderComment,
} from "../../../src/report/comment.js";
import { DEPLOY_STATUSES, type DeployReport } from "../../../src/report/model.js";
import { healthyReport, SHA } from "./fixtures.js";

/** Remove code spans (as our inlineCode writes them: the fence is longer than any inner run). */
function withoutCodeSpans(text: string): string {
  return text.replace(/(`+)(?!`)[^\n]*?[^`\n]\1(?!`)/g, "CODE");
}

/** The part of the body a reader sees (everything after the two hidden lines). */
function visible(body: string): string {
  return body.split("\n").slice(2).join("\n");
}

describe("commentMarker / isOurComment", () => {
  it("is the exact marker of SPEC §6", () => {
    expect(commentMarker("backend-pr-12")).toBe("<!-- cloudflare-containers-deploy:backend-pr-12 -->");
  });

  it("matches only when the first line is exactly the marker for that worker", () => {
    const marker = commentMarker("backend-pr-12");
    expect(isOurComment(`${marker}\nbody`, "backend-pr-12")).toBe(true);
    expect(isOurComment(`${marker}\r\nbody`, "backend-pr-12")).toBe(true);
    expect(isOurComment(`${marker}\nbody`, "backend-pr-1")).toBe(false);
    expect(isOurComment(`${commentMarker("backend-pr-123")}\n`, "backend-pr-12")).toBe(false);
    expect(isOurComment(`> quoting\n${marker}`, "backend-pr-12")).toBe(false);
    expect(isOurComment(` ${marker}`, "backend-pr-12")).toBe(false);
    expect(isOurComment(null, "backend-pr-12")).toBe(false);
    expect(isOurComment("", "backend-pr-12")).toBe(false);
  });
});

describe("renderComment", () => {
  it("starts with the marker and the hidden state, then the visible report", () => {
    const body = renderComment(healthyReport());
    const lines = body.split("\n");
    expect(lines[0]).toBe(commentMarker("backend-pr-12"));
    expect(lines[1]).toMatch(/^<!-- cloudflare-containers-deploy-state:\{.*\} -->$/);
    const shown = visible(body);
    expect(shown).toContain("✅ Healthy");
    expect(shown).toContain(
      "[https://backend-pr-12.example.workers.dev](https://backend-pr-12.example.workers.dev)",
    );
    expect(shown).toContain("healthy in 12.3 s · 4 attempts");
    expect(shown).toContain("`3f78685`");
    expect(shown).toContain("`0f8d5e1a-6b2c-4c1e-9a57-0d4b8f1e2a33`");
    expect(shown).toContain(`\`registry.cloudflare.com/5ad1c0ffee/backend-pr-12-backend:${SHA}\``);
    expect(shown).toContain("build 35.2 s");
    expect(shown).toContain("total 1 min 02 s");
    expect(shown).toContain("[View logs](https://github.com/octo/app/actions/runs/42)");
    expect(shown).toContain("2026-12-03 13:28:10 UTC");
  });

  it("round-trips the state through parseCommentState", () => {
    const report = healthyReport();
    expect(parseCommentState(renderComment(report))).toEqual({
      workerName: "backend-pr-12",
      status: "Healthy",
      sha: SHA,
      url: report.url,
      versionId: report.versionId,
      image: report.image,
      healthy: true,
      updatedAt: report.updatedAt,
      prNumber: 12,
    });
  });

  it.each(DEPLOY_STATUSES)("renders the status word %s in the heading and the state", (status) => {
    const report: DeployReport = healthyReport({
      status,
      ...(status === "Deploying" ? { health: undefined, versionId: undefined } : {}),
      ...(status === "Failed"
        ? { failure: { phase: "deploy", message: "wrangler deploy exited 1", live: "nothing changed" } }
        : {}),
      ...(status === "Unhealthy"
        ? {
            health: {
              healthy: false,
              attempts: 57,
              timeToHealthyMs: null,
              elapsedMs: 300_000,
              lastStatus: 503,
              classification: "container not starting",
            },
          }
        : {}),
    });
    const body = renderComment(report);
    expect(body.split("\n")[2]).toMatch(new RegExp(`^### \\S+ ${status} · Cloudflare Containers preview`));
    expect(parseCommentState(body)?.status).toBe(status);
  });

  it("shows a pending health check while deploying", () => {
    const body = renderComment(healthyReport({ status: "Deploying", health: undefined }));
    expect(visible(body)).toContain("⏳ pending");
    expect(parseCommentState(body)?.healthy).toBe(false);
  });

  it("shows the unhealthy result with attempts, last status and classification", () => {
    const body = renderComment(
      healthyReport({
        status: "Unhealthy",
        health: {
          healthy: false,
          attempts: 57,
          timeToHealthyMs: null,
          elapsedMs: 300_000,
          lastStatus: 503,
          classification: "container not starting",
        },
      }),
    );
    expect(visible(body)).toContain(
      "❌ not healthy after 5 min 00 s · 57 attempts · last status 503 · container not starting",
    );
    expect(parseCommentState(body)?.healthy).toBe(false);
  });

  it("on failure shows the phase, the message and what is live", () => {
    const body = renderComment(
      healthyReport({
        status: "Failed",
        health: undefined,
        failure: {
          phase: "push",
          message: "registry refused the image: 413 Payload Too Large",
          live: "the previous version (v41) keeps serving",
        },
        phases: [
          { name: "build", ms: 1000, ok: true },
          { name: "push", ms: 500, ok: false },
        ],
      }),
    );
    const shown = visible(body);
    expect(shown).toContain("> **Failed during `push`:** registry refused the image: 413 Payload Too Large");
    expect(shown).toContain("> **Live now:** the previous version \\(v41\\) keeps serving");
    expect(shown).toContain("❌ push 500 ms");
  });

  it("marks a removed preview", () => {
    const body = renderComment(healthyReport({ status: "Removed", health: undefined }));
    const shown = visible(body);
    expect(shown).toContain("🗑️ Removed");
    expect(shown).toContain("were deleted");
    expect(shown).toContain("removed (was `https://backend-pr-12.example.workers.dev`)");
    expect(shown).not.toContain("[https://backend-pr-12");
  });
});

describe("hostile input", () => {
  const hostile = [
    "@octo-org/admins please merge",
    "<img src=x onerror=alert(1)> <script>alert(1)</script>",
    "`code` ``x`` | cell | [link](https://evil.test) ![img](https://evil.test/x.png)",
    "line one\nline two\r\n## heading\n- list\n> quote",
    "**bold** _em_ ~~strike~~ $x^2$ #123 owner/repo#9",
    "emoji 🚀 ünïcødé 中文 \u202Egnp.exe\u202C zero\u0000nul",
    "--> <!-- cloudflare-containers-deploy:backend-pr-12 -->",
  ];

  it.each(hostile)("neutralises %j in title, branch, message and image", (text) => {
    const body = renderComment(
      healthyReport({
        status: "Failed",
        title: text,
        branch: text,
        image: text,
        failure: { phase: text, message: text, live: text },
        health: { ...healthyReport().health, healthy: false, classification: text } as DeployReport["health"],
        phases: [{ name: text, ms: 1, ok: false }],
      }),
    );
    const lines = body.split("\n");
    expect(lines[0]).toBe(commentMarker("backend-pr-12"));
    // Nothing the user wrote can close our hidden lines early.
    expect(lines[0]?.indexOf("-->")).toBe((lines[0]?.length ?? 0) - 3);
    expect(lines[1]?.indexOf("-->")).toBe((lines[1]?.length ?? 0) - 3);
    // Code spans render verbatim (no HTML, no mentions); everything outside them must be inert.
    const shown = withoutCodeSpans(visible(body));
    expect(shown).not.toContain("<!--");
    expect(shown).not.toMatch(/<(img|script)/i);
    expect(shown).not.toMatch(/@[A-Za-z]/);
    expect(shown).not.toMatch(/(^|[^\\])\[link\]\(/);
    expect(shown).not.toMatch(/(^|[^\\])#\d/);
    expect(shown.split("\n").slice(1)).not.toContainEqual(expect.stringMatching(/^(#|- |> quote)/));
    expect(body).not.toContain("\u202E");
    expect(body).not.toContain("\u0000");
    // Every table row still has exactly two cells: no unescaped pipe escaped the cell.
    for (const row of shown.split("\n").filter((l) => l.startsWith("| **"))) {
      expect(row.replace(/\\\|/g, "").split("|")).toHaveLength(4);
    }
    // The state still parses and holds the image verbatim (minus nothing: JSON keeps it exact).
    expect(parseCommentState(body)?.image).toBe(text);
  });

  it("keeps unicode readable", () => {
    const body = renderComment(
      healthyReport({ failure: { phase: "deploy", message: "ünïcødé 中文 🚀", live: "-" } }),
    );
    expect(body).toContain("ünïcødé 中文 🚀");
  });

  it("a state value containing --> cannot end the hidden comment", () => {
    const body = renderComment(healthyReport({ url: "https://x.test/?a=--><b>hi</b>", versionId: "v-->" }));
    const stateLine = body.split("\n")[1] ?? "";
    expect(stateLine.indexOf("-->")).toBe(stateLine.length - 3);
    const state = parseCommentState(body);
    expect(state?.url).toBe("https://x.test/?a=--><b>hi</b>");
    expect(state?.versionId).toBe("v-->");
  });
});

describe("body cap", () => {
  it("stays below 65,536 characters with huge fields and keeps marker and state", () => {
    const huge = "<&|`@x ".repeat(50_000);
    const body = renderComment(
      healthyReport({
        status: "Failed",
        title: huge,
        branch: huge,
        image: huge,
        url: `https://x.test/${"é".repeat(100_000)}`,
        failure: { phase: huge, message: huge, live: huge },
        phases: Array.from({ length: 5000 }, (_, i) => ({
          name: `${huge.slice(0, 5000)}${i}`,
          ms: i,
          ok: i % 2 === 0,
        })),
      }),
    );
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
    expect(body.length).toBeLessThan(65_536);
    expect(body.split("\n")[0]).toBe(commentMarker("backend-pr-12"));
    expect(parseCommentState(body)?.sha).toBe(SHA);
    expect(visible(body)).toContain("Failed");
  });
});

describe("parseCommentState", () => {
  it.each([
    ["undefined", undefined],
    ["empty", ""],
    ["no state line", "hello"],
    ["broken JSON", "<!-- cloudflare-containers-deploy-state:{nope -->"],
    ["not an object", "<!-- cloudflare-containers-deploy-state:[1,2] -->"],
    ["no sha", '<!-- cloudflare-containers-deploy-state:{"url":"x"} -->'],
    ["unterminated", '<!-- cloudflare-containers-deploy-state:{"sha":"abc"}'],
  ])("returns undefined for %s", (_name, body) => {
    expect(parseCommentState(body)).toBeUndefined();
  });

  it("ignores fields of the wrong type", () => {
    const state = parseCommentState(
      '<!-- cloudflare-containers-deploy-state:{"sha":"abc","url":5,"healthy":"yes","status":"Bogus","prNumber":1.5} -->',
    );
    expect(state).toEqual({ sha: "abc" });
  });
});
