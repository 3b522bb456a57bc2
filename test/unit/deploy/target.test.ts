import { describe, expect, it } from "vitest";
import { previewContainerName } from "../../../src/deploy/preview.js";
import { decideForkPolicy, decideTarget, effectiveWorkerName } from "../../../src/deploy/target.js";
import { ProjectError, UsageError } from "../../../src/errors.js";
import { parseTomlDoc } from "../../../src/project/structured-doc.js";
import { makeWranglerConfig } from "../../../src/project/wrangler-config.js";
import type { PullRequestInfo } from "../../../src/run-context.js";

function config(toml: string, env?: string) {
  const parsed = parseTomlDoc(toml);
  if (!parsed.ok) throw new Error(parsed.message);
  return makeWranglerConfig("wrangler.toml", "toml", parsed.doc, env);
}

const base = config('name = "shop"\n[env.staging]\n[env.named]\nname = "shop-eu"\n');
const pr = (number: number, fromFork = false): PullRequestInfo => ({
  number,
  headSha: "abc",
  headRef: "f",
  fromFork,
  title: "t",
});

describe("effectiveWorkerName", () => {
  it.each([
    [undefined, "shop"],
    ["staging", "shop-staging"],
    ["named", "shop-eu"],
  ])("env %j → %j", (env, expected) => {
    expect(
      effectiveWorkerName(config('name = "shop"\n[env.staging]\n[env.named]\nname = "shop-eu"\n', env)),
    ).toBe(expected);
  });
});

describe("decideTarget", () => {
  const containers = [{ index: 0, className: "Backend" }];
  it.each([
    ["auto", "push", undefined, false, "shop"],
    ["auto", "pull_request", 12, true, "shop-pr-12"],
    ["auto", "pull_request_target", 12, true, "shop-pr-12"],
    ["false", "pull_request", 12, false, "shop"],
    ["true", "pull_request", 3, true, "shop-pr-3"],
  ] as const)("preview=%s on %s (PR %j) → preview %j, %j", (preview, eventName, n, isPreview, name) => {
    const t = decideTarget(
      { preview },
      { eventName, ...(n !== undefined ? { pullRequest: pr(n) } : {}) },
      base,
      containers,
    );
    expect(t.preview).toBe(isPreview);
    expect(t.workerName).toBe(name);
    if (isPreview) expect(t.containerNames.get(0)).toBe(`${name}-backend`);
    else expect(t.containerNames.size).toBe(0);
  });

  it("derives previews from the worker-name input when given", () => {
    const t = decideTarget(
      { preview: "auto", workerName: "Other" },
      { eventName: "pull_request", pullRequest: pr(5) },
      base,
      containers,
    );
    expect(t.workerName).toBe("other-pr-5");
    expect(t.baseName).toBe("Other");
  });

  it.each([
    ["api-pr-5", "api-pr-5", "api-pr-5-backend"],
    ["API-PR-5", "api-pr-5", "api-pr-5-backend"],
    ["api-pr-7-pr-5", "api-pr-7-pr-5", "api-pr-7-pr-5-backend"],
  ])(
    "a worker-name %j that already is PR 5's preview name is used as is: %j",
    (workerName, name, container) => {
      const t = decideTarget(
        { preview: "auto", workerName },
        { eventName: "pull_request", pullRequest: pr(5) },
        base,
        containers,
      );
      expect(t.workerName).toBe(name);
      expect(t.containerNames.get(0)).toBe(container);
    },
  );

  it.each([
    ["worker-name of another PR", { workerName: "api-pr-7" }, base, /preview name of PR #7/],
    ["config name of another PR", {}, config('name = "shop-pr-7"\n'), /preview name of PR #7/],
    ["the production name", {}, config('name = "shop-pr-5"\n'), /production Worker's name/],
  ])("refuses a preview named after %s (usage error, nothing deployed)", (_label, inputs, cfg, message) => {
    let error: unknown;
    try {
      decideTarget(
        { preview: "auto", ...inputs },
        { eventName: "pull_request", pullRequest: pr(5) },
        cfg,
        containers,
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  const long = `Container${"X".repeat(60)}`;
  it.each([
    ["'_' and '$'", "Foo_Bar", "Foo$Bar", "shop-pr-5-foo-bar"],
    ["case", "Backend", "BACKEND", "shop-pr-5-backend"],
    ["the same class twice", "Backend", "Backend", "shop-pr-5-backend"],
    ["no letters or digits", "É", "$", "shop-pr-5-container"],
    [
      "a difference after the 63-character cut",
      `${long}A`,
      `${long}B`,
      previewContainerName("shop", 5, long),
    ],
  ])("refuses two classes differing only in %s: one container application name", (_label, a, b, name) => {
    let error: unknown;
    try {
      decideTarget({ preview: "auto" }, { eventName: "pull_request", pullRequest: pr(5) }, base, [
        { index: 0, className: "Other" },
        { index: 1, className: a },
        { index: 2, className: b },
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProjectError);
    const message = (error as ProjectError).message;
    expect(message).toContain(`'${a}' (containers[1])`);
    expect(message).toContain(`'${b}' (containers[2])`);
    expect(message).toContain(`'${name}'`);
    expect((error as ProjectError).hint).toMatch(/Rename one of the two classes/);
  });

  it("distinct container names pass, and production never checks them (wrangler names those)", () => {
    const classes = [
      { index: 0, className: "FooBar" },
      { index: 1, className: "Foo_Bar" },
    ];
    const t = decideTarget(
      { preview: "auto" },
      { eventName: "pull_request", pullRequest: pr(5) },
      base,
      classes,
    );
    expect([...t.containerNames.values()]).toEqual(["shop-pr-5-foobar", "shop-pr-5-foo-bar"]);
    const dup = [
      { index: 0, className: "Foo_Bar" },
      { index: 1, className: "Foo$Bar" },
    ];
    expect(decideTarget({ preview: "auto" }, { eventName: "push" }, base, dup).containerNames.size).toBe(0);
  });

  it("preview=true without a PR event is a usage error", () => {
    expect(() => decideTarget({ preview: "true" }, { eventName: "push" }, base, containers)).toThrow(
      UsageError,
    );
  });

  it("a config without name and no worker-name is the project's fault", () => {
    expect(() =>
      decideTarget({ preview: "false" }, { eventName: "push" }, config('main = "x.js"\n'), []),
    ).toThrow(ProjectError);
  });
});

describe("decideForkPolicy", () => {
  const token = { apiToken: "t", allowForks: false, command: "deploy" as const };
  it("refuses pull_request_target from a fork unless allow-forks, naming the input and the risk", () => {
    const ctx = { eventName: "pull_request_target", pullRequest: pr(9, true) };
    let error: unknown;
    try {
      decideForkPolicy(token, ctx);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProjectError);
    expect((error as ProjectError).exitCode).toBe(1);
    expect(String((error as ProjectError).message)).toContain("secrets");
    expect((error as ProjectError).hint).toContain("allow-forks: true");
    expect(decideForkPolicy({ ...token, allowForks: true }, ctx)).toEqual({ action: "deploy" });
  });

  it("a fork pull_request without a token builds only, and says why", () => {
    const d = decideForkPolicy(
      { allowForks: false, command: "deploy" },
      { eventName: "pull_request", pullRequest: pr(4, true) },
    );
    expect(d.action).toBe("build-only");
    if (d.action === "build-only") expect(d.reason).toContain("fork");
  });

  it.each([
    ["push", undefined],
    ["pull_request", pr(4, false)],
    ["pull_request_target", pr(4, true)],
  ])("no api-token on %s is a usage error (exit 2)", (eventName, pullRequest) => {
    const inputs = { allowForks: eventName === "pull_request_target", command: "deploy" as const };
    expect(() => decideForkPolicy(inputs, { eventName, ...(pullRequest ? { pullRequest } : {}) })).toThrow(
      UsageError,
    );
  });

  it("same-repo PRs and pushes with a token deploy", () => {
    expect(decideForkPolicy(token, { eventName: "push" })).toEqual({ action: "deploy" });
    expect(decideForkPolicy(token, { eventName: "pull_request", pullRequest: pr(1) })).toEqual({
      action: "deploy",
    });
  });
});
