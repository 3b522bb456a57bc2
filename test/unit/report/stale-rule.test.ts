import { describe, expect, it } from "vitest";
import { decideCommentWrite, deploymentEnvironment, reportingWarning } from "../../../src/report/github.js";

describe("decideCommentWrite (stale-run rule)", () => {
  it.each([
    // run is the head: always write
    [{ runSha: "b", headSha: "b", existingSha: "a", hasExisting: true }, "write"],
    // head unknown (not a PR): write
    [{ runSha: "a", headSha: undefined, existingSha: "b", hasExisting: true }, "write"],
    // superseded run, no comment yet: create
    [{ runSha: "a", headSha: "b", existingSha: undefined, hasExisting: false }, "write"],
    // superseded run updating its own comment: fine
    [{ runSha: "a", headSha: "b", existingSha: "a", hasExisting: true }, "write"],
    // superseded run vs the head's comment: skip
    [{ runSha: "a", headSha: "b", existingSha: "b", hasExisting: true }, "skip-stale"],
    // superseded run vs another commit's comment: skip
    [{ runSha: "a", headSha: "c", existingSha: "b", hasExisting: true }, "skip-stale"],
  ] as const)("%j → %s", (input, expected) => {
    expect(decideCommentWrite(input)).toBe(expected);
  });
});

describe("deploymentEnvironment", () => {
  it("names previews per PR and production otherwise", () => {
    expect(deploymentEnvironment({ preview: true, prNumber: 7 })).toBe("preview/pr-7");
    expect(deploymentEnvironment({ preview: false, environment: "staging" })).toBe("staging");
    expect(deploymentEnvironment({ preview: false })).toBe("production");
  });
});

describe("reportingWarning", () => {
  it("names the permission on 403 and mentions forks", () => {
    const error = Object.assign(new Error("Resource not accessible by integration"), { status: 403 });
    const comment = reportingWarning(error, "comment");
    expect(comment).toContain("pull-requests: write");
    expect(comment).toMatch(/fork/i);
    expect(reportingWarning(error, "deployment")).toContain("deployments: write");
  });

  it("reports status and message otherwise", () => {
    const error = Object.assign(new Error("Server Error"), { status: 502 });
    expect(reportingWarning(error, "comment")).toContain("HTTP 502: Server Error");
    expect(reportingWarning(new Error("socket hang up"), "comment")).toContain("socket hang up");
  });
});
