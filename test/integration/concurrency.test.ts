// Runs of dist/index.js at the same time, against the Cloudflare stand-in (with its edge) and the
// GitHub REST stand-in, as happens when a workflow has no `concurrency` group or two PRs push at
// once: two runs of one PR end with one comment about the PR's head commit; two PRs get their own
// Workers and container applications; a destroy racing a deploy leaves nothing billing.
//
// Each run gets its own checkout (busybox project) and image port, as two runners would: the
// stand-in's containers share the host network, which Cloudflare's do not.
// Every wait is bounded; nothing here asserts on timing.
// Docker-backed: FAILS when docker is missing (run test/infra/setup-docker.sh first).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commentMarker, parseCommentState } from "../../src/report/comment.js";
import { busyboxProject, cleanupBusyboxProjects } from "../fixtures/busybox.js";
import { type ActionRun, runAction } from "../helpers/run-action.js";
import { actionEnvFor, actionLog, freePort, requireDocker, runSuffix } from "../helpers/standin-action.js";
import {
  type CloudflareStandin,
  STANDIN_API_TOKEN,
  type StandinState,
  startCloudflareStandin,
} from "../standin/cloudflare/index.js";
import { type GitHubStandin, startGitHubStandin } from "../standin/github/index.js";

const SUFFIX = runSuffix();
const OLD_SHA = "1111111111111111111111111111111111111111";
const NEW_SHA = "2222222222222222222222222222222222222222";

let cf: CloudflareStandin;
let gh: GitHubStandin;

beforeAll(async () => {
  requireDocker();
  cf = await startCloudflareStandin({ edge: true, logUnknown: false });
  gh = await startGitHubStandin();
}, 180_000);

afterAll(async () => {
  await cf?.close();
  await gh?.close();
  cleanupBusyboxProjects();
});

/** A checkout of the backend named `name`, with an image port of its own. */
async function checkout(name: string): Promise<string> {
  return busyboxProject({ port: await freePort(), name }).workspace;
}

function prEvent(number: number, sha: string, action = "synchronize") {
  return {
    name: "pull_request",
    payload: {
      action,
      number,
      pull_request: {
        number,
        title: "a change",
        head: { sha, ref: `branch-${number}`, repo: { full_name: "acme/app" } },
        base: { ref: "main", repo: { full_name: "acme/app" } },
      },
    },
  };
}

function run(
  workspace: string,
  event: { name: string; payload: unknown },
  inputs: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction({
    inputs: {
      "working-directory": "backend",
      "api-token": STANDIN_API_TOKEN,
      "github-token": gh.token,
      "smoke-test": "false",
      "health-timeout": "60",
      ...inputs,
    },
    env: { ...actionEnvFor(cf.env), GITHUB_API_URL: gh.url },
    event,
    workspace,
    timeoutMs: 200_000,
  });
}

/** What of the preview `worker` is on Cloudflare: its Worker, its container applications, its images. */
function left(state: StandinState, worker: string) {
  return {
    workers: state.workers.filter((w) => w.name === worker).map((w) => w.name),
    applications: state.applications
      .filter((a) => a.workerName === worker || a.name.startsWith(`${worker}-`))
      .map((a) => a.name),
    images: state.images.filter((i) => i.includes(`${worker}-`)),
  };
}

function ourComments(pr: number, worker: string) {
  return gh.comments(pr).filter((c) => c.body.split("\n")[0] === commentMarker(worker));
}

/** Resolves when `test` holds, or when `stop` has settled, or after `timeoutMs` (bounded). */
async function until(test: () => boolean, stop: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let stopped = false;
  void stop.then(
    () => {
      stopped = true;
    },
    () => {
      stopped = true;
    },
  );
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000 && Date.now() < deadline; i++) {
    if (test()) return true;
    if (stopped) return test();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return test();
}

describe("two runs of the same PR at once (no concurrency group)", () => {
  it("end with one comment, about the PR's head (the newer commit)", async () => {
    const name = `same-${SUFFIX}`;
    const worker = `${name}-pr-31`;
    const [older, newer] = await Promise.all([checkout(name), checkout(name)]);
    // The PR was opened and deployed once; then two pushes in quick succession start two runs.
    gh.setPullHead(31, OLD_SHA);
    const opened = await run(older, prEvent(31, OLD_SHA, "opened"));
    expect(opened.exitCode, actionLog(opened)).toBe(0);
    gh.setPullHead(31, NEW_SHA);
    const [a, b] = await Promise.all([run(older, prEvent(31, OLD_SHA)), run(newer, prEvent(31, NEW_SHA))]);
    expect(b.exitCode, actionLog(b)).toBe(0);
    expect([0, 1]).toContain(a.exitCode);

    const comments = ourComments(31, worker);
    expect(comments, JSON.stringify(gh.comments(31).map((c) => c.body))).toHaveLength(1);
    const state = parseCommentState(comments[0]?.body);
    expect(state?.sha).toBe(NEW_SHA);
    expect(comments[0]?.body).toContain(NEW_SHA.slice(0, 7));
    // One preview Worker, one container application: the runs updated the same ones.
    const cloud = left(await cf.state(), worker);
    expect(cloud.workers).toEqual([worker]);
    expect(cloud.applications).toEqual([`${worker}-backend`]);
  }, 400_000);

  it("also when neither had deployed before: one comment about the head, one Worker, one application", async () => {
    const name = `first-${SUFFIX}`;
    const worker = `${name}-pr-32`;
    const [older, newer] = await Promise.all([checkout(name), checkout(name)]);
    gh.setPullHead(32, NEW_SHA);
    const [a, b] = await Promise.all([run(older, prEvent(32, OLD_SHA)), run(newer, prEvent(32, NEW_SHA))]);
    // Both create the application: one of them may lose that race (the platform answers 409).
    expect([0, 1], actionLog(a)).toContain(a.exitCode);
    expect([0, 1], actionLog(b)).toContain(b.exitCode);
    expect(a.exitCode + b.exitCode, `${actionLog(a)}\n${actionLog(b)}`).toBeLessThan(2);

    const comments = ourComments(32, worker);
    expect(comments, JSON.stringify(gh.comments(32).map((c) => c.body))).toHaveLength(1);
    expect(parseCommentState(comments[0]?.body)?.sha).toBe(NEW_SHA);
    const cloud = left(await cf.state(), worker);
    expect(cloud.workers).toEqual([worker]);
    expect(cloud.applications).toEqual([`${worker}-backend`]);
  }, 400_000);
});

describe("two PRs deploying at once", () => {
  it("get their own Worker, container application, image and comment", async () => {
    const name = `pair-${SUFFIX}`;
    const [one, two] = await Promise.all([checkout(name), checkout(name)]);
    gh.setPullHead(41, OLD_SHA);
    gh.setPullHead(42, NEW_SHA);
    const [a, b] = await Promise.all([run(one, prEvent(41, OLD_SHA)), run(two, prEvent(42, NEW_SHA))]);
    expect(a.exitCode, actionLog(a)).toBe(0);
    expect(b.exitCode, actionLog(b)).toBe(0);
    expect(a.outputs["worker-name"]).toBe(`${name}-pr-41`);
    expect(b.outputs["worker-name"]).toBe(`${name}-pr-42`);
    expect(a.outputs.url).not.toBe(b.outputs.url);

    const state = await cf.state();
    const apps = state.applications.filter((x) => x.name.startsWith(`${name}-`));
    expect(apps.map((x) => [x.name, x.workerName]).sort()).toEqual([
      [`${name}-pr-41-backend`, `${name}-pr-41`],
      [`${name}-pr-42-backend`, `${name}-pr-42`],
    ]);
    expect(new Set(apps.map((x) => x.id)).size).toBe(2);
    expect(apps.find((x) => x.workerName === `${name}-pr-41`)?.image).toContain(
      `${name}-pr-41-backend:${OLD_SHA}`,
    );
    expect(apps.find((x) => x.workerName === `${name}-pr-42`)?.image).toContain(
      `${name}-pr-42-backend:${NEW_SHA}`,
    );
    expect(
      state.workers
        .map((w) => w.name)
        .filter((w) => w.startsWith(name))
        .sort(),
    ).toEqual([`${name}-pr-41`, `${name}-pr-42`]);
    // production was never touched
    expect(state.workers.map((w) => w.name)).not.toContain(name);
    expect(ourComments(41, `${name}-pr-41`)).toHaveLength(1);
    expect(ourComments(42, `${name}-pr-42`)).toHaveLength(1);
    expect(parseCommentState(ourComments(41, `${name}-pr-41`)[0]?.body)?.sha).toBe(OLD_SHA);
    expect(parseCommentState(ourComments(42, `${name}-pr-42`)[0]?.body)?.sha).toBe(NEW_SHA);
  }, 400_000);
});

describe("a destroy racing a deploy of the same PR", () => {
  // When the destroy starts: with the deploy, as wrangler uploads the Worker, as wrangler creates
  // the container application. Whatever the order, after both (and, when the deploy finished
  // last, the closed-PR destroy run again) nothing of the preview is left.
  const triggers: [string, (r: { method: string; path: string }, worker: string) => boolean][] = [
    ["with the deploy", () => true],
    [
      "as the Worker is uploaded",
      (r, worker) => r.method === "PUT" && r.path.endsWith(`/workers/scripts/${worker}`),
    ],
    [
      "as the container application is created",
      (r) => r.method === "POST" && r.path.endsWith("/containers/applications"),
    ],
  ];

  it.each(triggers.map((t, i) => [t[0], i] as const))(
    "destroy starting %s leaves nothing billing",
    async (_label, index) => {
      const trigger = triggers[index]?.[1];
      if (trigger === undefined) throw new Error("no trigger");
      const pr = 51 + index;
      const name = `race${index}-${SUFFIX}`;
      const worker = `${name}-pr-${pr}`;
      const workspace = await checkout(name);
      gh.setPullHead(pr, NEW_SHA);
      const seen = cf.requests.length;

      const deploy = run(workspace, prEvent(pr, NEW_SHA), { "health-timeout": "20" });
      const fired = await until(
        () => cf.requests.slice(seen).some((r) => trigger(r, worker)),
        deploy,
        180_000,
      );
      const destroy = run(workspace, prEvent(pr, NEW_SHA, "closed"), { command: "destroy" });
      const [deployed, destroyed] = await Promise.all([deploy, destroy]);
      expect(fired, actionLog(deployed)).toBe(true);
      expect([0, 1], actionLog(deployed)).toContain(deployed.exitCode);
      expect(destroyed.exitCode, actionLog(destroyed)).toBe(0);

      // The deploy may have finished after the destroy: the PR's close handler runs destroy again
      // (it is idempotent). Bounded: at most two more runs.
      let reruns = 0;
      for (let attempt = 0; attempt < 2; attempt++) {
        const remaining = left(await cf.state(), worker);
        if (remaining.workers.length + remaining.applications.length + remaining.images.length === 0) break;
        const again = await run(workspace, prEvent(pr, NEW_SHA, "closed"), { command: "destroy" });
        expect(again.exitCode, actionLog(again)).toBe(0);
        reruns++;
      }
      expect(left(await cf.state(), worker)).toEqual({ workers: [], applications: [], images: [] });
      // Still one comment. When a destroy ran last, it says the preview is gone. (A deploy that
      // publishes after the destroy's last word leaves its own status there instead: the workflow's
      // per-PR `concurrency` group with cancel-in-progress is what prevents that.)
      const comments = ourComments(pr, worker);
      expect(comments).toHaveLength(1);
      const status = parseCommentState(comments[0]?.body)?.status;
      if (reruns > 0) expect(status).toBe("Removed");
      else expect(["Removed", "Healthy", "Unhealthy", "Failed"]).toContain(status);
    },
    400_000,
  );
});
