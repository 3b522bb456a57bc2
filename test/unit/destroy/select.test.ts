import { describe, expect, it } from "vitest";
import {
  applicationsOf,
  decideDestroyTarget,
  imagesOf,
  parseImageList,
} from "../../../src/destroy/select.js";
import { UsageError } from "../../../src/errors.js";

const pr = (number: number) => ({ number, headSha: "a", headRef: "f", fromFork: false, title: "t" });

describe("decideDestroyTarget", () => {
  it("on a PR event: <base>-pr-<n> of that PR, with its container names", () => {
    const t = decideDestroyTarget({}, { eventName: "pull_request", pullRequest: pr(12) }, "shop", [
      "Backend",
      "Worker_2",
    ]);
    expect(t).toEqual({
      workerName: "shop-pr-12",
      prNumber: 12,
      containerNames: ["shop-pr-12-backend", "shop-pr-12-worker-2"],
    });
  });

  it("worker-name as the base, or already the preview name of this PR", () => {
    expect(
      decideDestroyTarget(
        { workerName: "api" },
        { eventName: "pull_request", pullRequest: pr(3) },
        "shop",
        [],
      ).workerName,
    ).toBe("api-pr-3");
    expect(
      decideDestroyTarget(
        { workerName: "api-pr-3" },
        { eventName: "pull_request", pullRequest: pr(3) },
        "shop",
        ["B"],
      ),
    ).toEqual({
      workerName: "api-pr-3",
      prNumber: 3,
      containerNames: ["api-pr-3-b"],
    });
  });

  it.each([
    [
      "another PR's preview",
      { workerName: "shop-pr-4" },
      { eventName: "pull_request", pullRequest: pr(3) },
      /PR #4, but this run is about PR #3/,
    ],
    ["production on a push", {}, { eventName: "push" }, /only removes PR previews/],
    [
      "a non-preview name without a PR",
      { workerName: "shop" },
      { eventName: "workflow_dispatch" },
      /Refusing to destroy 'shop'/,
    ],
  ])("refuses %s (exit 2)", (_label, inputs, ctx, message) => {
    let error: unknown;
    try {
      decideDestroyTarget(inputs, ctx, "shop", []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it("the CLI (no PR event) may name a preview explicitly", () => {
    expect(decideDestroyTarget({ workerName: "shop-pr-9" }, { eventName: "" }, "shop", ["Backend"])).toEqual({
      workerName: "shop-pr-9",
      prNumber: 9,
      containerNames: ["shop-pr-9-backend"],
    });
  });
});

describe("what belongs to a preview", () => {
  const target = { workerName: "shop-pr-1", prNumber: 1, containerNames: ["shop-pr-1-backend"] };
  it("applications by name, by name prefix and by the Worker's Durable Object namespace — not PR 11's, not production's", () => {
    const apps = [
      { id: "1", name: "shop-pr-1-backend" },
      { id: "2", name: "shop-pr-1-other" },
      { id: "3", name: "renamed", namespaceId: "ns1" },
      { id: "4", name: "shop-pr-11-backend" },
      { id: "5", name: "shop-backend", namespaceId: "nsprod" },
    ];
    expect(applicationsOf(target, apps, ["ns1"]).map((a) => a.id)).toEqual(["1", "2", "3"]);
  });

  it("images by repository", () => {
    const list = parseImageList(
      'some banner\n[{"name":"shop-pr-1-backend","tags":["abc","def"]},{"name":"shop-backend","tags":["abc"]},{"name":"shop-pr-11-backend","tags":["x"]}]',
    );
    expect(imagesOf(new Set(["shop-pr-1-backend"]), "shop-pr-1-", list)).toEqual([
      "shop-pr-1-backend:abc",
      "shop-pr-1-backend:def",
    ]);
    expect(parseImageList("no json")).toEqual([]);
    expect(parseImageList('[{"tags":[]}, 3]')).toEqual([]);
  });
});
