import { describe, expect, it } from "vitest";
import { decideTarget } from "../../../src/deploy/target.js";
import {
  applicationsOf,
  decideDestroyTarget,
  imagesOf,
  parseImageList,
} from "../../../src/destroy/select.js";
import { UsageError } from "../../../src/errors.js";
import { parseJsonDoc } from "../../../src/project/structured-doc.js";
import { makeWranglerConfig } from "../../../src/project/wrangler-config.js";

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

describe("decideDestroyTarget: names as deploy writes them", () => {
  it.each([
    ["API-PR-3", "api-pr-3", ["api-pr-3-b"]],
    ["api-pr-03", "api-pr-3", ["api-pr-3-b"]],
    ["api-pr-7-pr-3", "api-pr-7-pr-3", ["api-pr-7-pr-3-b"]],
  ])("worker-name %j on PR 3 → %j (sanitised, no double suffix)", (workerName, name, containers) => {
    expect(
      decideDestroyTarget({ workerName }, { eventName: "pull_request", pullRequest: pr(3) }, "shop", ["B"]),
    ).toEqual({ workerName: name, prNumber: 3, containerNames: containers });
  });

  it.each([
    [
      "a worker-name of another PR after sanitising",
      { workerName: "Api PR 7" },
      "shop",
      { eventName: "pull_request", pullRequest: pr(3) },
      /PR #7, but this run is about PR #3/,
    ],
    [
      "a config name of another PR",
      {},
      "shop-pr-7",
      { eventName: "pull_request", pullRequest: pr(3) },
      /PR #7, but this run is about PR #3/,
    ],
    [
      "production named like this PR's preview",
      {},
      "shop-pr-3",
      { eventName: "pull_request", pullRequest: pr(3) },
      /production Worker's name/,
    ],
    [
      "production named like this PR's preview, as worker-name",
      { workerName: "shop-pr-3" },
      "shop-pr-3",
      { eventName: "pull_request", pullRequest: pr(3) },
      /production Worker's name/,
    ],
    [
      "(CLI) production named like a preview",
      { workerName: "shop-pr-9" },
      "shop-pr-9",
      { eventName: "" },
      /production Worker's name/,
    ],
    [
      "(CLI) a name deploy never writes",
      { workerName: "SHOP-pr-9" },
      "shop",
      { eventName: "" },
      /deploy never creates that name; PR #9's preview of it is 'shop-pr-9'/,
    ],
    [
      "(CLI) a padded PR number",
      { workerName: "shop-pr-09" },
      "shop",
      { eventName: "" },
      /deploy never creates that name/,
    ],
  ])("refuses %s (exit 2)", (_label, inputs, configName, ctx, message) => {
    let error: unknown;
    try {
      decideDestroyTarget(inputs, ctx, configName, ["Backend"]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });
});

describe("deploy and destroy agree (one naming function)", () => {
  const classes = ["Backend", "Worker_2"];
  it.each([
    [undefined, "shop", 5],
    ["api", "shop", 5],
    ["api-pr-5", "shop", 5],
    ["API_PR_5", "shop", 5],
    ["api-pr-7-pr-5", "shop", 5],
    ["api-pr-5-pr-5", "shop", 5],
    [undefined, "Shop App", 12],
    [`${"Long".repeat(20)}-pr-12`, "shop", 12],
  ])("worker-name %j, config name %j, PR %i", (workerName, configName, n) => {
    const inputs = workerName !== undefined ? { workerName } : {};
    const ctx = { eventName: "pull_request", pullRequest: pr(n) };
    const cfg = parseJsonDoc(JSON.stringify({ name: configName }), { strict: true });
    if (!cfg.ok) throw new Error(cfg.message);
    const deployed = decideTarget(
      { preview: "auto", ...inputs },
      ctx,
      makeWranglerConfig("wrangler.json", "json", cfg.doc, undefined),
      classes.map((className, index) => ({ index, className })),
    );
    const destroyed = decideDestroyTarget(inputs, ctx, configName, classes);
    expect(destroyed.workerName).toBe(deployed.workerName);
    expect(destroyed.containerNames).toEqual([...deployed.containerNames.values()]);
    expect(destroyed.workerName).not.toBe(configName);
    // and the CLI, given the deployed name, removes the same
    const cli = decideDestroyTarget(
      { workerName: deployed.workerName },
      { eventName: "" },
      configName,
      classes,
    );
    expect(cli).toEqual(destroyed);
  });

  it.each([
    ["api-pr-7", 5],
    ["api-pr-50", 5],
  ])("worker-name %j on PR %i: both refuse", (workerName, n) => {
    const ctx = { eventName: "pull_request", pullRequest: pr(n) };
    const cfg = parseJsonDoc('{"name":"shop"}', { strict: true });
    if (!cfg.ok) throw new Error(cfg.message);
    const config = makeWranglerConfig("wrangler.json", "json", cfg.doc, undefined);
    expect(() => decideTarget({ preview: "auto", workerName }, ctx, config, [])).toThrow(UsageError);
    expect(() => decideDestroyTarget({ workerName }, ctx, "shop", [])).toThrow(UsageError);
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
