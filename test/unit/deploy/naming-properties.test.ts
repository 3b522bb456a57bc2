// Property-based tests (fast-check) of names (issue 5, "Hostile input: names"). For hostile base
// names (unicode, markdown, HTML, @mentions, backticks, newlines, spaces, very long) and any PR
// number: every preview Worker / container application name is valid, different PRs never share a
// name, destroy removes exactly what deploy created and can never target production. For hostile
// branch names, PR titles and error messages: the PR comment and the job summary keep their shape
// (no line, HTML tag, mention or table cell added by user text) and the hidden state round-trips.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  isPreviewNameOf,
  MAX_NAME_LENGTH,
  previewContainerName,
  previewNumberOf,
  previewWorkerName,
  resolvePreviewNames,
  sanitizeName,
} from "../../../src/deploy/preview.js";
import { decideTarget } from "../../../src/deploy/target.js";
import { decideDestroyTarget } from "../../../src/destroy/select.js";
import { ProjectError, UsageError } from "../../../src/errors.js";
import { parseJsonDoc } from "../../../src/project/structured-doc.js";
import { makeWranglerConfig, type WranglerConfig } from "../../../src/project/wrangler-config.js";
import {
  commentMarker,
  MAX_COMMENT_CHARS,
  parseCommentState,
  renderComment,
} from "../../../src/report/comment.js";
import type { DeployReport } from "../../../src/report/model.js";
import { renderSummary } from "../../../src/report/summary.js";
import type { PullRequestInfo } from "../../../src/run-context.js";

const VALID = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const RUNS = { numRuns: 400 };

/** Fragments users really put in branch names, PR titles and Worker names. */
const HOSTILE = [
  "@octocat",
  "@acme/security-team",
  "**bold**",
  "_em_",
  "`code`",
  "```js\nalert(1)\n```",
  "<img src=x onerror=alert(1)>",
  "<!-- cloudflare-containers-deploy:prod -->",
  "[link](https://evil.example)",
  "| a | b |",
  "# heading",
  "line\nbreak",
  "tab\there",
  "  spaced  out  ",
  "Ünïcödé",
  "日本語のブランチ",
  "🚀🔥",
  "e\u0301",
  "\u202eevil",
  "\u0000nul",
  "-",
  "---",
  "x-pr-12",
  "shop-pr-",
  "PR-7",
  "feature/JIRA-123_fix",
  "..",
  "",
] as const;

const baseName = fc.oneof(
  fc.constantFrom(...HOSTILE),
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.string({ unit: "binary", maxLength: 80 }),
  fc.string({ minLength: 60, maxLength: 300 }),
  fc.stringMatching(/^[a-z0-9-]{1,120}$/),
  fc.array(fc.constantFrom(...HOSTILE), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(" ")),
);

/** What Worker class names look like (JS identifiers), plus junk. */
const className = fc.oneof(
  fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$]{0,90}$/),
  fc.constantFrom("Backend", "API", "Container", "My_Backend", "É", "$", "_"),
  fc.string({ maxLength: 40 }),
);

const prNumber = fc.oneof(
  fc.integer({ min: 1, max: 100_000 }),
  fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
);

const pr = (number: number): PullRequestInfo => ({
  number,
  headSha: "a".repeat(40),
  headRef: "feature",
  fromFork: false,
  title: "t",
});

function configNamed(name: string | undefined): WranglerConfig {
  const parsed = parseJsonDoc(JSON.stringify(name === undefined ? {} : { name }), { strict: true });
  if (!parsed.ok) throw new Error(parsed.message);
  return makeWranglerConfig("wrangler.json", "json", parsed.doc, undefined);
}

/**
 * Deploy refuses three inputs on purpose (see resolvePreviewNames and decideTarget): a base already
 * carrying another PR's `-pr-<m>`, a preview name equal to production's, and two classes whose
 * container application names coincide. Properties about what deploy creates look at the rest.
 */
function deployable(base: string, n: number, classes: readonly string[], production?: string): boolean {
  const carried = previewNumberOf(sanitizeName(base));
  if (carried !== undefined && carried !== n) return false;
  const names = resolvePreviewNames(base, n, classes);
  if (production !== undefined && [production, sanitizeName(production)].includes(names.workerName))
    return false;
  return new Set(names.containerNames).size === classes.length;
}

function expectValidName(name: string): void {
  expect(name).toMatch(VALID);
  expect(name.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
}

describe("preview names are always valid", () => {
  it("Worker: [a-z0-9-], no dash at either end, at most 63 characters, ends in -pr-<n> and reads back as <n>", () => {
    fc.assert(
      fc.property(baseName, prNumber, (base, n) => {
        const name = previewWorkerName(base, n);
        expectValidName(name);
        expect(name.endsWith(`-pr-${n}`)).toBe(true);
        expect(previewNumberOf(name)).toBe(n);
        expect(isPreviewNameOf(name, n)).toBe(true);
      }),
      RUNS,
    );
  });

  it("container application: valid, at most 63 characters, carries the PR's -pr-<n>- marker", () => {
    fc.assert(
      fc.property(baseName, prNumber, className, (base, n, cls) => {
        const name = previewContainerName(base, n, cls);
        expectValidName(name);
        expect(name).toContain(`-pr-${n}-`);
      }),
      RUNS,
    );
  });

  it("the deploy target's names are the same functions' output, for every container of the project", () => {
    fc.assert(
      fc.property(
        baseName,
        prNumber,
        fc.array(className, { minLength: 1, maxLength: 4 }),
        (base, n, classes) => {
          fc.pre(deployable(base === "" ? "x" : base, n, classes, "production-name"));
          const target = decideTarget(
            { preview: "auto", workerName: base === "" ? "x" : base },
            { eventName: "pull_request", pullRequest: pr(n) },
            configNamed("production-name"),
            classes.map((c, index) => ({ index, className: c })),
          );
          expect(target.preview).toBe(true);
          expectValidName(target.workerName);
          expect(target.containerNames.size).toBe(classes.length);
          for (const name of target.containerNames.values()) expectValidName(name);
        },
      ),
      RUNS,
    );
  });
});

describe("different PRs never share a name", () => {
  it("same base, distinct PR numbers: distinct Worker names", () => {
    fc.assert(
      fc.property(baseName, prNumber, prNumber, (base, a, b) => {
        fc.pre(a !== b);
        expect(previewWorkerName(base, a)).not.toBe(previewWorkerName(base, b));
      }),
      RUNS,
    );
  });

  it("any bases, distinct PR numbers: distinct Worker names (the -pr-<n> suffix is never cut)", () => {
    fc.assert(
      fc.property(baseName, baseName, prNumber, prNumber, (baseA, baseB, a, b) => {
        fc.pre(a !== b);
        expect(previewWorkerName(baseA, a)).not.toBe(previewWorkerName(baseB, b));
      }),
      RUNS,
    );
  });

  it("same base and classes, distinct PR numbers: no container application name is shared", () => {
    fc.assert(
      fc.property(
        baseName,
        prNumber,
        prNumber,
        fc.array(className, { minLength: 1, maxLength: 3 }),
        (base, a, b, classes) => {
          fc.pre(a !== b);
          const ofA = new Set(classes.map((c) => previewContainerName(base, a, c)));
          for (const c of classes) expect(ofA.has(previewContainerName(base, b, c))).toBe(false);
        },
      ),
      RUNS,
    );
  });

  it("a preview's container names never equal a preview Worker name of another PR", () => {
    fc.assert(
      fc.property(baseName, prNumber, prNumber, className, (base, a, b, cls) => {
        expect(previewContainerName(base, a, cls)).not.toBe(previewWorkerName(base, b));
      }),
      RUNS,
    );
  });
});

type Event = { eventName: string; pullRequest?: PullRequestInfo };

const event: fc.Arbitrary<Event> = fc.oneof(
  fc
    .tuple(fc.constantFrom("pull_request", "pull_request_target"), prNumber)
    .map(([eventName, n]) => ({ eventName, pullRequest: pr(n) })),
  fc.constantFrom("push", "workflow_dispatch", "release", "schedule", "").map((eventName) => ({ eventName })),
);

/** worker-name inputs a user (or an attacker editing a workflow's inputs) could pass to destroy. */
function givenNames(configName: string | undefined, n: number | undefined): fc.Arbitrary<string | undefined> {
  const near = [
    configName,
    configName !== undefined && n !== undefined ? `${configName}-pr-${n}` : undefined,
    configName !== undefined ? `${configName}-pr-${(n ?? 1) + 1}` : undefined,
    configName !== undefined && n !== undefined ? previewWorkerName(configName, n) : undefined,
    n !== undefined ? `-pr-${n}` : undefined,
    n !== undefined ? `pr-${n}` : undefined,
  ].filter((s): s is string => s !== undefined);
  return fc.oneof(
    fc.constant(undefined),
    baseName,
    ...(near.length > 0 ? [fc.constantFrom(...near)] : []),
    prNumber.map((k) => `prod-pr-${k}`),
  );
}

const scenario = fc
  .record({
    configName: fc.option(baseName, { nil: undefined }),
    event,
    classes: fc.array(className, { maxLength: 3 }),
  })
  .chain((s) => givenNames(s.configName, s.event.pullRequest?.number).map((given) => ({ ...s, given })));

describe("destroy never targets production", () => {
  it("whatever the worker-name input and the event: a refusal, or a -pr-<n> name that is not the production name", () => {
    fc.assert(
      fc.property(scenario, ({ configName, event: ev, classes, given }) => {
        let target: ReturnType<typeof decideDestroyTarget>;
        try {
          target = decideDestroyTarget(
            given !== undefined ? { workerName: given } : {},
            ev,
            configName,
            classes,
          );
        } catch (error) {
          // Refusals are clear input errors, never a crash.
          expect(error instanceof UsageError || error instanceof ProjectError).toBe(true);
          return;
        }
        // Production is the config's name (or the worker-name input when it is not a preview name).
        expect(target.workerName).not.toBe(configName);
        if (given !== undefined && previewNumberOf(given) === undefined) {
          expect(target.workerName).not.toBe(given);
        }
        expect(isPreviewNameOf(target.workerName, target.prNumber)).toBe(true);
        expect(previewNumberOf(target.workerName)).toBe(target.prNumber);
        // On a PR event, only that PR's preview; without one, only an explicit preview name.
        if (ev.pullRequest !== undefined) expect(target.prNumber).toBe(ev.pullRequest.number);
        else expect(target.workerName).toBe(given);
        for (const name of target.containerNames) expect(name).toContain(`-pr-${target.prNumber}-`);
      }),
      { numRuns: 1000 },
    );
  });

  it("outside a PR event, only a worker-name that is itself a preview name is accepted", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("push", "workflow_dispatch", "release", "schedule", ""),
        fc.option(baseName, { nil: undefined }),
        baseName,
        (eventName, configName, given) => {
          fc.pre(previewNumberOf(given) === undefined);
          expect(() => decideDestroyTarget({ workerName: given }, { eventName }, configName, [])).toThrow(
            UsageError,
          );
          expect(() => decideDestroyTarget({}, { eventName }, configName, [])).toThrow(UsageError);
        },
      ),
      RUNS,
    );
  });

  it("destroy on a PR event removes exactly the Worker and container applications deploy created", () => {
    fc.assert(
      fc.property(
        fc.option(baseName, { nil: undefined }),
        fc.option(baseName, { nil: undefined }),
        fc.constantFrom("pull_request", "pull_request_target"),
        prNumber,
        fc.array(className, { minLength: 1, maxLength: 3 }),
        (configName, given, eventName, n, classes) => {
          fc.pre((given ?? configName ?? "") !== "");
          fc.pre(deployable(given ?? configName ?? "", n, classes, configName));
          const ctx = { eventName, pullRequest: pr(n) };
          const deployed = decideTarget(
            { preview: "auto", ...(given !== undefined ? { workerName: given } : {}) },
            ctx,
            configNamed(configName),
            classes.map((c, index) => ({ index, className: c })),
          );
          const destroyed = decideDestroyTarget(
            given !== undefined ? { workerName: given } : {},
            ctx,
            configName,
            classes,
          );
          expect(destroyed.workerName).toBe(deployed.workerName);
          expect(destroyed.containerNames).toEqual([...deployed.containerNames.values()]);
        },
      ),
      RUNS,
    );
  });
});

/** Remove code spans (as inlineCode writes them: the fence is longer than any inner run). */
function withoutCodeSpans(text: string): string {
  return text.replace(/(`+)(?!`)[^\n]*?[^`\n]\1(?!`)/g, "CODE");
}

const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";

function report(text: string, worker: string, n: number): DeployReport {
  return {
    workerName: worker,
    status: "Failed",
    sha: SHA,
    url: `https://${worker}.example.workers.dev`,
    versionId: "0f8d5e1a-6b2c-4c1e-9a57-0d4b8f1e2a33",
    image: `registry.cloudflare.com/acc/${worker}-backend:${SHA}`,
    preview: true,
    phases: [
      { name: "build", ms: 1000, ok: true },
      { name: "deploy", ms: 2000, ok: false },
    ],
    failure: { phase: "deploy", message: text, live: text },
    runUrl: "https://github.com/acme/app/actions/runs/42",
    prNumber: n,
    branch: text,
    title: text,
    updatedAt: "2026-12-03T13:28:10.000Z",
  };
}

/** Tags, comments and mentions as GitHub would render them. */
const ACTIVE = /<[A-Za-z!/?]|@[\p{L}\p{N}_]|(^|[^\\])#\p{N}/gu;
/** NUL or a bidi override/isolate (text that disguises what it says). */
const hasDisguise = (text: string) =>
  [...text].some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code === 0 || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
  });
const count = (text: string, re: RegExp) => (text.match(re) ?? []).length;
/** Cells of each table row, unescaped pipes only ("| **a** | b |" → 4 parts). */
const rows = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("| "))
    .map((l) => l.replace(/\\\|/g, "").split("|").length);

const userText = fc.oneof(
  baseName,
  fc.string({ unit: "grapheme", maxLength: 400 }),
  fc
    .array(fc.constantFrom(...HOSTILE, "\n", "\r\n", "|", "@", "#1", "<b>", "-->"), { maxLength: 20 })
    .map((p) => p.join("")),
);

describe("hostile branch names, PR titles and messages in the comment and the summary", () => {
  it("comment: marker and state lines intact, no line/tag/mention/table cell added, state round-trips", () => {
    fc.assert(
      fc.property(userText, baseName, prNumber, (text, base, n) => {
        const worker = previewWorkerName(base, n);
        const body = renderComment(report(text, worker, n));
        const plain = renderComment(report("plain text", worker, n));
        const lines = body.split("\n");
        expect(lines[0]).toBe(commentMarker(worker));
        expect(lines[1]?.startsWith("<!-- cloudflare-containers-deploy-state:")).toBe(true);
        expect(lines[1]?.indexOf("-->")).toBe((lines[1]?.length ?? 0) - 3);
        expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_CHARS);
        // (empty text drops its row, so fewer lines are fine; more never)
        expect(lines.length).toBeLessThanOrEqual(plain.split("\n").length);
        const shown = withoutCodeSpans(lines.slice(2).join("\n"));
        const plainShown = withoutCodeSpans(plain.split("\n").slice(2).join("\n"));
        expect(count(shown, ACTIVE)).toBeLessThanOrEqual(count(plainShown, ACTIVE));
        for (const cells of rows(shown)) expect(cells).toBe(4);
        expect(parseCommentState(body)).toMatchObject({
          sha: SHA,
          status: "Failed",
          url: `https://${worker}.example.workers.dev`,
        });
        expect(hasDisguise(body)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("summary: no line, tag, mention or table cell added by user text", () => {
    fc.assert(
      fc.property(userText, baseName, prNumber, (text, base, n) => {
        const worker = previewWorkerName(base, n);
        const summary = renderSummary(report(text, worker, n));
        const plain = renderSummary(report("plain text", worker, n));
        expect(summary.split("\n").length).toBeLessThanOrEqual(plain.split("\n").length);
        expect(count(withoutCodeSpans(summary), ACTIVE)).toBeLessThanOrEqual(
          count(withoutCodeSpans(plain), ACTIVE),
        );
        for (const cells of rows(withoutCodeSpans(summary))) expect(cells).toBe(4);
        expect(hasDisguise(summary)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
