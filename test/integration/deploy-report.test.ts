// Verify and report, end to end: the bundled action (dist/index.js) deploys PR previews against the
// Cloudflare stand-in with its edge (deployed Worker URLs served by the Worker's image, reached
// through HTTPS_PROXY + NODE_EXTRA_CA_CERTS) and reports to the GitHub REST stand-in through real
// octokit (GITHUB_API_URL): one sticky comment per Worker edited through the phases, the stale-run
// rule, cold starts, rollouts where the old version answers first, unhealthy images, a 403 on
// comments, destroy. Real docker, buildx, wrangler and registry.
// Docker-backed: FAILS when docker is missing (run test/infra/setup-docker.sh first).
// Every fixture image gets its own free port and every name a per-process suffix: other test
// processes share this docker daemon and the host network.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxProject, cleanupBusyboxProjects } from "../fixtures/busybox.js";
import { type ActionRun, runAction } from "../helpers/run-action.js";
import {
  actionEnvFor,
  actionLog,
  freePort,
  healthAttempts,
  pullRequestEvent,
  removeImagesOf,
  requireDocker,
  runSuffix,
  waitPortClosed,
} from "../helpers/standin-action.js";
import { type CloudflareStandin, startCloudflareStandin } from "../standin/cloudflare/index.js";
import { type GitHubStandin, type StandinComment, startGitHubStandin } from "../standin/github/index.js";

const SUFFIX = runSuffix();
const SHA_1 = "1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a";
const SHA_2 = "2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b";
const SHA_403 = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c";
const SHA_SICK = "4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d";
const SHA_COLD = "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
const SHA_ROLL = "6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f6f";
const STATE_PREFIX = "<!-- cloudflare-containers-deploy-state:";

let gh: GitHubStandin;

beforeAll(async () => {
  requireDocker();
  gh = await startGitHubStandin();
}, 120_000);

afterAll(async () => {
  await gh?.close();
  cleanupBusyboxProjects();
  removeImagesOf(SUFFIX);
});

interface TestProject {
  workspace: string;
  dir: string;
  port: number;
  name: string;
}

/** A busybox backend named `<base>-<suffix>` listening on a port of its own. */
async function project(base: string, cmd?: string): Promise<TestProject> {
  const port = await freePort();
  const name = `${base}-${SUFFIX}`;
  return { ...busyboxProject({ port, name, ...(cmd !== undefined ? { cmd } : {}) }), port, name };
}

const envs = new WeakMap<CloudflareStandin, Record<string, string>>();

/** The action's environment for `standin` (one CA bundle file per stand-in). */
function envOf(standin: CloudflareStandin): Record<string, string> {
  const known = envs.get(standin);
  if (known !== undefined) return known;
  const env = actionEnvFor(standin.env);
  envs.set(standin, env);
  return env;
}

/** Runs the action like the runner on a pull_request event of PR `pr` at commit `sha`. */
async function runOn(
  standin: CloudflareStandin,
  target: TestProject,
  pr: number,
  sha: string,
  inputs: Record<string, string> = {},
  action = "synchronize",
): Promise<ActionRun> {
  // Host-network smoke test: the previous deploy's Worker container must have gone to sleep.
  if (inputs["smoke-test"] !== "false") await waitPortClosed(target.port);
  return runAction({
    inputs: {
      "working-directory": "backend",
      "api-token": standin.env.CLOUDFLARE_API_TOKEN ?? "",
      "github-token": gh.token,
      "smoke-test-network": "host",
      ...inputs,
    },
    env: { ...envOf(standin), GITHUB_API_URL: gh.url },
    event: pullRequestEvent(pr, sha, action),
    workspace: target.workspace,
    timeoutMs: 240_000,
  });
}

const log = actionLog;

function marker(worker: string): string {
  return `<!-- cloudflare-containers-deploy:${worker} -->`;
}

/** The hidden state line of a comment, parsed (the test's own reading of SPEC §6). */
function stateOf(comment: StandinComment | undefined): Record<string, unknown> {
  const line = comment?.body.split("\n").find((l) => l.startsWith(STATE_PREFIX) && l.endsWith(" -->"));
  if (line === undefined) throw new Error(`no state line in ${comment?.body}`);
  const parsed: unknown = JSON.parse(line.slice(STATE_PREFIX.length, -" -->".length));
  if (typeof parsed !== "object" || parsed === null) throw new Error(`state is not an object: ${line}`);
  return parsed as Record<string, unknown>;
}

/** What a reader sees: the body without the HTML comment lines. */
function visible(comment: StandinComment | undefined): string {
  return (comment?.body ?? "")
    .split("\n")
    .filter((l) => !l.startsWith("<!--"))
    .join("\n");
}

function warnings(run: ActionRun): string[] {
  return run.stdout.split("\n").filter((l) => l.startsWith("::warning"));
}

function countRequests(method: string, path: RegExp): number {
  return gh.requests.filter((r) => r.method === method && path.test(r.path)).length;
}

describe("the sticky PR comment through a preview's life (edge, no cold start)", () => {
  const PR = 7;
  let standin: CloudflareStandin;
  let app: TestProject;
  let worker = "";
  let commentId = "";

  beforeAll(async () => {
    // sleepAfterMs: idle Worker containers stop soon, so each host-network smoke test finds its port free
    standin = await startCloudflareStandin({ edge: true, sleepAfterMs: 1000, logUnknown: false });
    app = await project("report-api");
    worker = `${app.name}-pr-${PR}`;
  }, 120_000);

  afterAll(async () => {
    await standin?.close();
  });

  it("a PR deploy posts exactly one comment (marker, state, Healthy) and sets comment-id; the summary says the same", async () => {
    gh.setPullHead(PR, SHA_1);
    const run = await runOn(standin, app, PR, SHA_1, { "github-deployment": "true" });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.healthy).toBe("true");
    expect(run.outputs["time-to-healthy-ms"]).toMatch(/^\d+$/);
    const url = `https://${worker}.standin.workers.dev`;
    expect(run.outputs.url).toBe(url);
    expect(run.outputs["health-url"]).toBe(`${url}/api/health`);

    const comments = gh.comments(PR);
    expect(comments).toHaveLength(1);
    const comment = comments[0];
    expect(comment?.body.split("\n")[0]).toBe(marker(worker));
    expect(stateOf(comment)).toMatchObject({
      sha: SHA_1,
      url,
      versionId: run.outputs["version-id"],
      image: run.outputs.image,
      healthy: true,
    });
    expect(run.outputs.image).toContain(SHA_1);
    const seen = visible(comment);
    expect(seen).toContain("Healthy");
    expect(seen).not.toMatch(/Deploying|Unhealthy|Failed/);
    expect(seen).toContain(url);
    expect(seen).toMatch(/healthy in .* · \d+ attempts?/);
    expect(seen).toContain(SHA_1.slice(0, 7));
    expect(seen).toContain(run.outputs["version-id"]);
    expect(run.outputs["comment-id"]).toBe(String(comment?.id));
    commentId = String(comment?.id);
    // created once, then edited in place through the phases (Deploying → deployed → Healthy)
    expect(countRequests("POST", new RegExp(`/issues/${PR}/comments$`))).toBe(1);
    expect(countRequests("PATCH", new RegExp(`/issues/comments/${commentId}$`))).toBeGreaterThanOrEqual(1);

    expect(run.summary).toContain(url);
    expect(run.summary).toContain("Healthy");

    // github-deployment: one Deployment of the PR's environment, in progress then success with the URL
    const deployments = gh.deployments().filter((d) => d.environment === `preview/pr-${PR}`);
    expect(deployments).toHaveLength(1);
    expect(deployments[0]?.sha).toBe(SHA_1);
    expect(deployments[0]?.statuses[0]?.state).toBe("in_progress");
    expect(deployments[0]?.statuses.at(-1)).toMatchObject({ state: "success", environmentUrl: url });
  }, 240_000);

  it("a second push edits the same comment: still one, now about the new commit", async () => {
    gh.setPullHead(PR, SHA_2);
    const run = await runOn(standin, app, PR, SHA_2);
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.healthy).toBe("true");
    const comments = gh.comments(PR);
    expect(comments).toHaveLength(1);
    expect(String(comments[0]?.id)).toBe(commentId);
    expect(run.outputs["comment-id"]).toBe(commentId);
    expect(stateOf(comments[0])).toMatchObject({
      sha: SHA_2,
      versionId: run.outputs["version-id"],
      image: run.outputs.image,
      healthy: true,
    });
    expect(visible(comments[0])).toContain(SHA_2.slice(0, 7));
    expect(visible(comments[0])).toContain("Healthy");
    expect(countRequests("POST", new RegExp(`/issues/${PR}/comments$`))).toBe(1);
  }, 240_000);

  it("a stale run (its commit is no longer the PR head) does not overwrite the newer comment", async () => {
    const before = gh.comments(PR);
    expect(stateOf(before[0])).toMatchObject({ sha: SHA_2 });
    // a re-run of the first push's workflow, while the PR head is SHA_2
    const run = await runOn(standin, app, PR, SHA_1);
    expect(run.exitCode, log(run)).toBe(0);
    expect(log(run)).toContain(
      `Not updating the PR comment: commit ${SHA_1.slice(0, 7)} is no longer the head of PR #${PR}`,
    );
    const after = gh.comments(PR);
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(before[0]?.id);
    expect(after[0]?.body).toBe(before[0]?.body);
    expect(stateOf(after[0])).toMatchObject({ sha: SHA_2 });
  }, 240_000);

  it("a 403 on creating the comment leaves the deploy green, with one warning naming pull-requests: write", async () => {
    const pr = 8;
    gh.setPullHead(pr, SHA_403);
    gh.failNext({ method: "POST", pathPattern: new RegExp(`/issues/${pr}/comments$`), status: 403 });
    const run = await runOn(standin, app, pr, SHA_403);
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.healthy).toBe("true");
    expect(run.outputs["worker-name"]).toBe(`${app.name}-pr-${pr}`);
    const permission = warnings(run).filter((w) => w.includes("pull-requests: write"));
    expect(permission, log(run)).toHaveLength(1);
    expect(gh.comments(pr)).toEqual([]);
    expect(run.outputs["comment-id"]).toBe("");
    // one try, then the comment channel is off for the rest of the run
    expect(countRequests("POST", new RegExp(`/issues/${pr}/comments$`))).toBe(1);
    expect(run.summary).toContain("Healthy");
  }, 240_000);

  it("an image that never gets healthy fails (exit 1) with its classification, in the log and the comment", async () => {
    const pr = 10;
    // never listens: the platform (the edge) answers 503 "no Container instance available"
    const sick = await project("sick-api", '["/bin/busybox", "sleep", "3600"]');
    gh.setPullHead(pr, SHA_SICK);
    const run = await runOn(standin, sick, pr, SHA_SICK, {
      // the smoke test would catch this before the push; here the platform has to
      "smoke-test": "false",
      "health-timeout": "20",
    });
    expect(run.exitCode, log(run)).toBe(1);
    expect(run.outputs.healthy).toBe("false");
    expect(run.outputs["time-to-healthy-ms"]).toBe("");
    expect(log(run)).toContain("classification: container-not-starting");
    expect(log(run)).toMatch(/last status: 503/);
    expect(log(run)).toMatch(/verify failed: /);
    expect(healthAttempts(run).length).toBeGreaterThan(1);
    const comments = gh.comments(pr);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body.split("\n")[0]).toBe(marker(`${sick.name}-pr-${pr}`));
    expect(stateOf(comments[0])).toMatchObject({ sha: SHA_SICK, healthy: false, status: "Unhealthy" });
    const seen = visible(comments[0]);
    expect(seen).toContain("Unhealthy");
    expect(seen).toContain("container not starting");
    expect(seen).toContain("last status 503");
    expect(run.outputs["comment-id"]).toBe(String(comments[0]?.id));
  }, 240_000);

  it("destroy marks the same comment Removed", async () => {
    const run = await runOn(
      standin,
      app,
      PR,
      SHA_2,
      { command: "destroy", "github-deployment": "true" },
      "closed",
    );
    expect(run.exitCode, log(run)).toBe(0);
    expect(log(run)).toContain(`Removed the preview of PR #${PR}`);
    const comments = gh.comments(PR);
    expect(comments).toHaveLength(1);
    expect(String(comments[0]?.id)).toBe(commentId);
    expect(run.outputs["comment-id"]).toBe(commentId);
    expect(comments[0]?.body.split("\n")[0]).toBe(marker(worker));
    expect(stateOf(comments[0])).toMatchObject({ status: "Removed", healthy: false });
    const seen = visible(comments[0]);
    expect(seen).toContain("Removed");
    expect(seen).not.toContain("Healthy");
    // which URL went away, taken from the comment's own state
    expect(seen).toContain(`https://${worker}.standin.workers.dev`);
    expect((await standin.state()).workers.map((w) => w.name)).not.toContain(worker);
    // and the PR's GitHub Deployment is marked inactive
    const deployments = gh.deployments().filter((d) => d.environment === `preview/pr-${PR}`);
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) expect(d.statuses.at(-1)?.state).toBe("inactive");
  }, 240_000);
});

describe("verify through cold starts and rollouts (edge: 10 s cold start, old version keeps answering)", () => {
  const PR = 9;
  let standin: CloudflareStandin;
  let app: TestProject;
  let worker = "";

  beforeAll(async () => {
    standin = await startCloudflareStandin({
      edge: true,
      logUnknown: false,
      coldStartMs: 10_000,
      // the old version keeps answering this long after the new one is uploaded
      rolloutOverlapMs: 8_000,
      // containers stay up between the two deploys, so the rollout has an old version to serve
      sleepAfterMs: 300_000,
    });
    app = await project("slow-api");
    worker = `${app.name}-pr-${PR}`;
  }, 120_000);

  afterAll(async () => {
    await standin?.close();
  });

  it("a cold start of 10 s passes: 503 no instance first, then healthy", async () => {
    gh.setPullHead(PR, SHA_COLD);
    const run = await runOn(standin, app, PR, SHA_COLD);
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.healthy).toBe("true");
    expect(run.outputs["time-to-healthy-ms"]).toMatch(/^\d+$/);
    const attempts = healthAttempts(run);
    expect(attempts.length, log(run)).toBeGreaterThan(1);
    // the platform's answer while the container starts, then the new image
    expect(attempts[0]).toMatch(/503 .*no Container instance available/);
    expect(attempts.at(-1)).toMatch(new RegExp(`200 "ok ${SHA_COLD}" — healthy`));
    const comments = gh.comments(PR);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body.split("\n")[0]).toBe(marker(worker));
    expect(stateOf(comments[0])).toMatchObject({ sha: SHA_COLD, healthy: true });
    expect(visible(comments[0])).toContain(`· ${attempts.length} attempts`);
    expect(visible(comments[0])).toContain("Healthy");
  }, 240_000);

  it("with health-expect-body '{sha}', a rollout where the old version answers first is healthy only once the new SHA answers", async () => {
    gh.setPullHead(PR, SHA_ROLL);
    // the old container still holds the image port: no host-network smoke test for this push
    const run = await runOn(standin, app, PR, SHA_ROLL, {
      "health-expect-body": "{sha}",
      "smoke-test": "false",
    });
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.healthy).toBe("true");
    const attempts = healthAttempts(run);
    const firstOld = attempts.findIndex((a) => a.includes(`200 "ok ${SHA_COLD}"`));
    const healthy = attempts.findIndex((a) => /— healthy after/.test(a));
    expect(firstOld, log(run)).toBeGreaterThanOrEqual(0);
    expect(healthy).toBe(attempts.length - 1);
    expect(firstOld).toBeLessThan(healthy);
    expect(attempts[healthy]).toContain(`200 "ok ${SHA_ROLL}"`);
    // the old version's answer was not taken for the new one
    expect(attempts[firstOld]).not.toContain("healthy after");
    const comments = gh.comments(PR);
    expect(comments).toHaveLength(1);
    expect(stateOf(comments[0])).toMatchObject({
      sha: SHA_ROLL,
      healthy: true,
      versionId: run.outputs["version-id"],
    });
    expect(visible(comments[0])).toContain("Healthy");
    expect(run.summary).toContain("Healthy");
  }, 240_000);
});
