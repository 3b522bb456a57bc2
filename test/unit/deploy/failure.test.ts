import { describe, expect, it } from "vitest";
import {
  deployFailureMessage,
  LIVE_NOTHING,
  liveAfterDeployFailure,
  pushFailureMessage,
} from "../../../src/deploy/failure.js";
import { PhaseClock } from "../../../src/deploy/outcome.js";

describe("deploy failure wording", () => {
  it.each([
    [
      [{ code: 10021, message: "Can't set compatibility date in the future" }],
      1,
      "",
      "wrangler deploy failed: 10021: Can't set compatibility date in the future",
    ],
    [[{ message: "boom" }], 1, "", "wrangler deploy failed: boom"],
    [[], 3, "last lines", "wrangler deploy failed (exit 3) without a machine-readable result:\nlast lines"],
  ])("%j → %j", (failures, exit, tailText, expected) => {
    expect(deployFailureMessage(failures, exit, tailText)).toBe(expected);
  });

  it("says what is live: after the upload the new Worker may serve without its containers", () => {
    expect(liveAfterDeployFailure(false, "w")).toBe(LIVE_NOTHING);
    const after = liveAfterDeployFailure(true, "w-pr-1");
    expect(after).toContain("may already be live");
    expect(after).toContain("containers were not rolled out");
    expect(after).toContain("wrangler deployments list --name w-pr-1");
  });

  it("push failures name the tag", () => {
    expect(pushFailureMessage("a:b", [{ code: 7003, message: "no" }], 1, "")).toBe(
      "wrangler containers push a:b failed: 7003: no",
    );
    expect(pushFailureMessage("a:b", [], 2, "t")).toBe("wrangler containers push a:b failed (exit 2):\nt");
  });
});

describe("PhaseClock", () => {
  it("records name, duration and outcome, and re-throws failures", async () => {
    let t = 0;
    const clock = new PhaseClock(() => t);
    await clock.time("build", async () => {
      t += 1500;
    });
    await expect(
      clock.time("push", async () => {
        t += 20;
        throw new Error("x");
      }),
    ).rejects.toThrow("x");
    expect(clock.phases).toEqual([
      { name: "build", ms: 1500, ok: true },
      { name: "push", ms: 20, ok: false },
    ]);
  });
});
