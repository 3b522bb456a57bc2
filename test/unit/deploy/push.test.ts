import { describe, expect, it } from "vitest";
import { describePushFailure } from "../../../src/deploy/push.js";
import type { ExecResult } from "../../../src/shell/exec.js";

function result(partial: Partial<ExecResult>): ExecResult {
  return { exitCode: 1, stdout: "", stderr: "", timedOut: false, notFound: false, ...partial };
}

describe("describePushFailure", () => {
  it("names wrangler's code and message, the attempts, and ends in the output tail (colours removed)", () => {
    const text = describePushFailure("app:abc", {
      result: result({
        stderr:
          'Error response from daemon: Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused\n\u001b[31m✘ [ERROR]\u001b[0m Login failed with code: 1\n',
      }),
      output: { failures: [{ message: "Login failed with code: 1" }] },
      attempts: 3,
      exhausted: true,
    });
    const [first, ...rest] = text.split("\n");
    expect(first).toBe(
      "wrangler containers push app:abc failed: Login failed with code: 1 (still failing after 3 attempts)",
    );
    expect(rest.join("\n")).toContain("dial tcp 127.0.0.1:9: connect: connection refused");
    expect(text).not.toContain("\u001b[");
  });

  it("without a command-failed entry: the exit status and the tail", () => {
    const text = describePushFailure("app:abc", {
      result: result({ exitCode: 7, stdout: "line 1\nline 2" }),
      output: { failures: [] },
      attempts: 1,
      exhausted: false,
    });
    expect(text).toBe("wrangler containers push app:abc failed (exit 7):\nline 1\nline 2");
  });

  it("a code is shown before the message", () => {
    const text = describePushFailure("app:abc", {
      result: result({}),
      output: { failures: [{ code: 10013, message: "There has been an internal error" }] },
      attempts: 2,
      exhausted: false,
    });
    expect(text).toBe(
      "wrangler containers push app:abc failed: 10013: There has been an internal error (attempt 2)",
    );
  });

  it("a push stopped by its time limit says so", () => {
    const text = describePushFailure("app:abc", {
      result: result({ timedOut: true, exitCode: 128, stdout: "e2b191d78a4b: Pushing" }),
      output: { failures: [] },
      attempts: 1,
      exhausted: false,
    });
    expect(text).toMatch(
      /^wrangler containers push app:abc did not finish within 30 min and was stopped:\ne2b191d78a4b: Pushing$/,
    );
  });
});
