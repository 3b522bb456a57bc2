// The fork and event matrix: what dist/index.js does for each event GitHub can run it on, and
// from where the code comes (this repository or a fork), against the Cloudflare stand-in (with its
// edge, so deploys are verified) and the GitHub REST stand-in.
//
// | event                                  | deploy                                   | destroy                |
// |----------------------------------------|------------------------------------------|------------------------|
// | pull_request, same repository          | preview <name>-pr-<n>                    | removes that preview   |
// | pull_request from a fork (no secrets)  | validate + build only, warns, exit 0     | nothing to remove, 0   |
// | pull_request from a fork, with secrets | preview <name>-pr-<n>                    | removes that preview   |
// | pull_request_target, same repository   | preview <name>-pr-<n>                    | removes that preview   |
// | pull_request_target from a fork        | refused before any build, exit 1         | removes that preview   |
// | … with allow-forks: true               | preview <name>-pr-<n>                    | removes that preview   |
// | push, workflow_dispatch, release       | production Worker <name>                 | refused, exit 2        |
//
// Which processes ran is recorded by PATH wrappers and a Node preload
// (test/helpers/spawn-recorder.ts): "nothing was built" means docker was never started, "nothing
// was deployed" means wrangler never ran and the stand-in's state did not change.
// Docker-backed: FAILS when docker is missing (run test/infra/setup-docker.sh first).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxProject, cleanupBusyboxProjects } from "../fixtures/busybox.js";
import { type ActionRun, runAction } from "../helpers/run-action.js";
import {
  describeRecords,
  type SpawnRecord,
  type SpawnRecorder,
  startSpawnRecorder,
} from "../helpers/spawn-recorder.js";
import { actionEnvFor, actionLog, freePort, requireDocker, runSuffix } from "../helpers/standin-action.js";
import {
  type CloudflareStandin,
  STANDIN_API_TOKEN,
  type StandinState,
  startCloudflareStandin,
} from "../standin/cloudflare/index.js";
import { type GitHubStandin, startGitHubStandin } from "../standin/github/index.js";

const SUFFIX = runSuffix();
const SHA = "7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a7a";

let cf: CloudflareStandin;
let gh: GitHubStandin;
let recorder: SpawnRecorder;

beforeAll(async () => {
  requireDocker();
  cf = await startCloudflareStandin({ edge: true, logUnknown: false });
  gh = await startGitHubStandin();
  recorder = startSpawnRecorder();
}, 180_000);

afterAll(async () => {
  await cf?.close();
  await gh?.close();
  recorder?.dispose();
  cleanupBusyboxProjects();
});

interface Project {
  workspace: string;
  name: string;
}

/** A busybox backend of its own (name, image port) per case. */
async function project(base: string): Promise<Project> {
  const name = `${base}-${SUFFIX}`;
  const { workspace } = busyboxProject({ port: await freePort(), name });
  return { workspace, name };
}

type Event = { name: string; payload: unknown };

function prEvent(
  name: "pull_request" | "pull_request_target",
  number: number,
  options: { fork: boolean; action?: string },
): Event {
  gh.setPullHead(number, SHA);
  return {
    name,
    payload: {
      action: options.action ?? "synchronize",
      number,
      pull_request: {
        number,
        title: "a change",
        head: { sha: SHA, ref: "patch-1", repo: { full_name: options.fork ? "mallory/app" : "acme/app" } },
        base: { ref: "main", repo: { full_name: "acme/app" } },
      },
    },
  };
}

const otherEvent = (name: string): Event => ({
  name,
  payload: name === "release" ? { action: "published", release: { tag_name: "v1.0.0" } } : {},
});

/** Run the action; every process it starts is recorded afresh. */
async function run(
  target: Project,
  event: Event,
  inputs: Record<string, string> = {},
): Promise<{ run: ActionRun; spawned: SpawnRecord[] }> {
  recorder.clear();
  const result = await runAction({
    inputs: {
      "working-directory": "backend",
      "api-token": STANDIN_API_TOKEN,
      "github-token": gh.token,
      "smoke-test": "false",
      "health-timeout": "90",
      ...inputs,
    },
    env: { ...actionEnvFor(cf.env), ...recorder.env, GITHUB_API_URL: gh.url },
    event,
    workspace: target.workspace,
    timeoutMs: 180_000,
  });
  return { run: result, spawned: recorder.records() };
}

const dockerRuns = (spawned: SpawnRecord[]) =>
  spawned.filter((r) => r.via === "path" && r.program === "docker");
const wranglerRuns = (spawned: SpawnRecord[]) =>
  spawned.filter((r) => r.via === "node" && r.argv.some((a) => /wrangler/.test(a)));

/** Every Worker, application and image of the stand-in that carries `name`. */
function traces(state: StandinState, name: string) {
  return {
    workers: state.workers.filter((w) => w.name.startsWith(name)).map((w) => w.name),
    applications: state.applications.filter((a) => a.name.startsWith(name)).map((a) => a.name),
    images: state.images.filter((i) => i.includes(name)),
  };
}

const nothing = { workers: [], applications: [], images: [] };

describe("pull_request from a fork: GitHub gives it no secrets", () => {
  it("validates and builds, says it did not deploy, exits 0; no wrangler, no comment, nothing on Cloudflare", async () => {
    const p = await project("fork-pr");
    const requestsBefore = cf.requests.length;
    const { run: r, spawned } = await run(p, prEvent("pull_request", 11, { fork: true }), {
      "api-token": "",
    });
    expect(r.exitCode, actionLog(r)).toBe(0);
    expect(actionLog(r)).toContain("Not deployed: PR #11 comes from a fork");
    expect(r.summary).toContain("not deployed");
    expect(r.outputs.preview).toBe("true");
    expect(r.outputs["worker-name"]).toBe(`${p.name}-pr-11`);
    expect(r.outputs.url ?? "").toBe("");
    // built: the image exists locally …
    expect(
      dockerRuns(spawned).some((d) => d.argv[0] === "buildx" && d.argv[1] === "build"),
      describeRecords(spawned),
    ).toBe(true);
    // … and went nowhere.
    expect(wranglerRuns(spawned), describeRecords(spawned)).toEqual([]);
    expect(cf.requests.length).toBe(requestsBefore);
    expect(traces(await cf.state(), p.name)).toEqual(nothing);
    expect(gh.comments(11)).toEqual([]);
  }, 200_000);

  it("destroy on the fork PR's close: nothing to remove, exit 0, no wrangler", async () => {
    const p = await project("fork-pr-close");
    const { run: r, spawned } = await run(p, prEvent("pull_request", 12, { fork: true, action: "closed" }), {
      command: "destroy",
      "api-token": "",
    });
    expect(r.exitCode, actionLog(r)).toBe(0);
    expect(actionLog(r)).toContain("Nothing to remove: PR #12 comes from a fork");
    expect(wranglerRuns(spawned)).toEqual([]);
    expect(dockerRuns(spawned)).toEqual([]);
  }, 60_000);
});

describe("pull_request from a fork with an api-token", () => {
  it("deploys the preview: the token is there only when the repository sends secrets to fork PRs", async () => {
    // GitHub passes secrets to pull_request runs from forks only when an admin enabled "Send
    // secrets to workflows from fork pull requests" (private repositories); the fork's code then
    // already runs with them, so the action deploys the preview like any other PR's.
    const p = await project("fork-pr-secrets");
    const { run: r } = await run(p, prEvent("pull_request", 13, { fork: true }));
    expect(r.exitCode, actionLog(r)).toBe(0);
    expect(r.outputs.preview).toBe("true");
    expect(traces(await cf.state(), p.name).workers).toEqual([`${p.name}-pr-13`]);
  }, 200_000);
});

describe("pull_request_target: runs with this repository's secrets", () => {
  it("from a fork without allow-forks: refused before anything is built (exit 1), nothing deployed, no comment", async () => {
    const p = await project("fork-prt");
    const requestsBefore = cf.requests.length;
    const { run: r, spawned } = await run(p, prEvent("pull_request_target", 21, { fork: true }));
    expect(r.exitCode, actionLog(r)).toBe(1);
    expect(actionLog(r)).toContain("Refusing to deploy PR #21");
    expect(actionLog(r)).toContain("allow-forks");
    expect(dockerRuns(spawned), describeRecords(spawned)).toEqual([]);
    expect(wranglerRuns(spawned), describeRecords(spawned)).toEqual([]);
    expect(cf.requests.length).toBe(requestsBefore);
    expect(traces(await cf.state(), p.name)).toEqual(nothing);
    expect(gh.comments(21)).toEqual([]);
  }, 60_000);

  it("from a fork with allow-forks: true: deploys the preview (not production); destroy on close removes it", async () => {
    const p = await project("fork-prt-allowed");
    const { run: r } = await run(p, prEvent("pull_request_target", 22, { fork: true }), {
      "allow-forks": "true",
    });
    expect(r.exitCode, actionLog(r)).toBe(0);
    expect(r.outputs.preview).toBe("true");
    expect(r.outputs["worker-name"]).toBe(`${p.name}-pr-22`);
    expect(r.outputs.healthy).toBe("true");
    expect(traces(await cf.state(), p.name)).toMatchObject({
      workers: [`${p.name}-pr-22`],
      applications: [`${p.name}-pr-22-backend`],
    });
    expect(gh.comments(22)).toHaveLength(1);

    // Closing runs no code from the fork, so it needs no allow-forks: the preview must not linger.
    const { run: closed } = await run(
      p,
      prEvent("pull_request_target", 22, { fork: true, action: "closed" }),
      {
        command: "destroy",
      },
    );
    expect(closed.exitCode, actionLog(closed)).toBe(0);
    expect(traces(await cf.state(), p.name)).toEqual(nothing);
  }, 300_000);

  it("from this repository: deploys the preview without allow-forks", async () => {
    const p = await project("same-prt");
    const { run: r } = await run(p, prEvent("pull_request_target", 23, { fork: false }));
    expect(r.exitCode, actionLog(r)).toBe(0);
    expect(r.outputs["worker-name"]).toBe(`${p.name}-pr-23`);
    expect(traces(await cf.state(), p.name).workers).toEqual([`${p.name}-pr-23`]);
  }, 200_000);
});

describe("push, workflow_dispatch, release: production", () => {
  it.each(["push", "workflow_dispatch", "release"])(
    "%s deploys the production Worker under the config's name; destroy refuses to run (exit 2)",
    async (eventName) => {
      const p = await project(`prod-${eventName.replace("_", "-")}`);
      const { run: r } = await run(p, otherEvent(eventName));
      expect(r.exitCode, actionLog(r)).toBe(0);
      expect(r.outputs.preview).toBe("false");
      expect(r.outputs["worker-name"]).toBe(p.name);
      expect(r.outputs.image).toContain(`:${"0123456789abcdef0123456789abcdef01234567"}`);
      const state = await cf.state();
      expect(traces(state, p.name)).toMatchObject({ workers: [p.name], applications: [`${p.name}-backend`] });
      const before = state.workers.find((w) => w.name === p.name);

      for (const inputs of [{}, { "worker-name": p.name }] as Record<string, string>[]) {
        const { run: d, spawned } = await run(p, otherEvent(eventName), { command: "destroy", ...inputs });
        expect(d.exitCode, actionLog(d)).toBe(2);
        expect(actionLog(d)).toMatch(/Refusing to destroy.*destroy only removes PR previews/);
        expect(wranglerRuns(spawned)).toEqual([]);
      }
      // An explicit preview name is the one thing destroy takes outside a PR event (the CLI's way).
      const named = await run(p, otherEvent(eventName), {
        command: "destroy",
        "worker-name": `${p.name}-pr-1`,
      });
      expect(named.run.exitCode, actionLog(named.run)).toBe(0);
      expect(actionLog(named.run)).toContain(`Nothing to remove: the preview ${p.name}-pr-1`);
      const after = await cf.state();
      expect(after.workers.find((w) => w.name === p.name)).toEqual(before);
      expect(traces(after, p.name)).toMatchObject({ workers: [p.name], applications: [`${p.name}-backend`] });
    },
    240_000,
  );
});
