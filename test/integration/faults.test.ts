// Faults, through the bundled action (dist/index.js) with real docker buildx, real wrangler and a
// real registry, against the loopback Cloudflare stand-in made to fail on cue (failNext): 5xx and
// 429 with Retry-After during push and destroy, a command-failed after the Worker is live, a
// destroy interrupted midway, an API call that never answers, the registry down, no Docker daemon.
// Health is polled at a local 127.0.0.1 server given as health-url (the edge is not under test).
// Docker-backed: FAILS when docker is missing (run test/infra/setup-docker.sh first).
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxProject, cleanupBusyboxProjects } from "../fixtures/busybox.js";
import { type ActionRun, runAction } from "../helpers/run-action.js";
import { actionEnvFor, pullRequestEvent, requireDocker } from "../helpers/standin-action.js";
import { type CloudflareStandin, startCloudflareStandin } from "../standin/cloudflare/index.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const PR_SHA = "fedcba9876543210fedcba9876543210fedcba98";
/** names unique to this run: docker tags are daemon-wide and other test files share the daemon */
const RUN = randomBytes(3).toString("hex");

let standin: CloudflareStandin;
let health: http.Server;
let healthUrl: string;

async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  requireDocker();
  standin = await startCloudflareStandin({ logUnknown: true });
  health = http.createServer((req, res) => {
    req.resume();
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
  await new Promise<void>((resolve) => health.listen(0, "127.0.0.1", resolve));
  const address = health.address();
  healthUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/api/health`;
}, 120_000);

afterAll(async () => {
  // this run's local images (built and registry-tagged), by the run's unique suffix
  const images = spawnSync("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}"], {
    encoding: "utf8",
  });
  const mine = (images.stdout ?? "").split("\n").filter((i) => i.includes(`-${RUN}`));
  if (mine.length > 0) spawnSync("docker", ["image", "rm", "-f", ...mine], { encoding: "utf8" });
  await standin?.close();
  health?.closeAllConnections();
  await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
  cleanupBusyboxProjects();
});

async function action(
  workspace: string,
  inputs: Record<string, string> = {},
  event?: { name: string; payload: unknown },
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction({
    inputs: {
      "working-directory": "backend",
      "api-token": standin.env.CLOUDFLARE_API_TOKEN ?? "",
      // the image runs nowhere here: smoke tests and the edge are covered elsewhere
      "smoke-test": "false",
      "health-url": healthUrl,
      "health-timeout": "20",
      comment: "false",
      ...inputs,
    },
    env: { ...actionEnvFor(standin.env), ...env },
    ...(event ? { event } : {}),
    workspace,
    timeoutMs: 180_000,
  });
}

/** stdout + stderr with the runner's command escaping (`::error::…%0A…`) undone. */
function log(run: ActionRun): string {
  return `${run.stdout}\n${run.stderr}`.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%25/g, "%");
}

async function project(name: string) {
  return busyboxProject({ port: await freePort(), name });
}

function count(method: string, pattern: RegExp, from = 0): number {
  return standin.requests.slice(from).filter((r) => r.method === method && pattern.test(r.path)).length;
}

const CREDENTIALS = "/containers/registries/[^/]+/credentials$";

describe("faults during push", () => {
  it("Cloudflare API 500, then 429 with Retry-After, on the registry credentials: retried, logged, deployed", async () => {
    const name = `fault-push-${RUN}`;
    const p = await project(name);
    const from = standin.requests.length;
    standin.failNext({ method: "POST", pathPattern: CREDENTIALS, status: 500 });
    standin.failNext({
      method: "POST",
      pathPattern: CREDENTIALS,
      status: 429,
      headers: { "retry-after": "1" },
    });
    const run = await action(p.workspace);
    expect(run.exitCode, log(run)).toBe(0);
    expect(log(run)).toMatch(
      new RegExp(
        `wrangler containers push ${name}-backend:${SHA} failed \\(a transient Cloudflare API error: There has been an internal error\\); retrying in [\\d.]+ s \\(attempt 2 of 3\\)\\.`,
      ),
    );
    // the Containers API client words a 429 "Generic Error" (it drops the header): backoff, not the hint
    expect(log(run)).toMatch(
      /failed \(a transient Cloudflare API error: Generic Error\); retrying in [\d.]+ s \(attempt 3 of 3\)\./,
    );
    expect(log(run)).toContain("(after 3 attempts)");
    expect(count("POST", new RegExp(CREDENTIALS), from)).toBe(3);
    const state = await standin.state();
    expect(state.workers.map((w) => w.name)).toContain(name);
    expect(state.images).toContain(`${name}-backend:${SHA}`);
    expect(run.outputs.healthy).toBe("true");
  }, 180_000);

  it("still failing after 3 attempts: exit 1, the push phase, wrangler's message; nothing deployed", async () => {
    const name = `fault-push-out-${RUN}`;
    const p = await project(name);
    const before = await standin.state();
    standin.failNext({ method: "POST", pathPattern: CREDENTIALS, status: 503, times: 3 });
    const run = await action(p.workspace);
    expect(run.exitCode, log(run)).toBe(1);
    expect(log(run)).toContain(
      `push failed: wrangler containers push ${name}-backend:${SHA} failed: Service Unavailable (still failing after 3 attempts)`,
    );
    expect(log(run)).toContain("Live now: Nothing changed: the previous deployment still serves.");
    expect(log(run)).toContain("cloudflarestatus.com");
    expect(log(run)).not.toContain("$ wrangler deploy");
    const after = await standin.state();
    expect(after.workers.map((w) => w.name)).not.toContain(name);
    expect(after.images.filter((i) => i.startsWith(`${name}-`))).toEqual([]);
    expect(after.applications).toEqual(before.applications);
  }, 180_000);

  it("registry down (CLOUDFLARE_CONTAINER_REGISTRY at a closed port): the push phase, docker's words, nothing deployed", async () => {
    const name = `fault-registry-${RUN}`;
    const p = await project(name);
    const closed = await freePort();
    const run = await action(p.workspace, {}, undefined, {
      CLOUDFLARE_CONTAINER_REGISTRY: `127.0.0.1:${closed}`,
    });
    expect(run.exitCode, log(run)).toBe(1);
    const text = log(run);
    expect(text).toContain(
      `push failed: wrangler containers push ${name}-backend:${SHA} failed: Login failed with code: 1`,
    );
    // the stderr tail of the command says why: the registry refused the connection
    expect(text).toMatch(
      new RegExp(
        `push failed:[^]*127\\.0\\.0\\.1:${closed}[^]*connection refused[^]*Live now: Nothing changed`,
      ),
    );
    expect(text).toMatch(/retrying in [\d.]+ s \(attempt 2 of 3\)/);
    expect(text).not.toContain("$ wrangler deploy");
    const state = await standin.state();
    expect(state.workers.map((w) => w.name)).not.toContain(name);
  }, 180_000);
});

describe("faults during deploy", () => {
  it("command-failed after the Worker is live (container application create fails): exit 1, deploy phase, code and message, what is live; never re-run", async () => {
    const name = `fault-deploy-${RUN}`;
    const p = await project(name);
    const from = standin.requests.length;
    standin.failNext({ method: "POST", pathPattern: "/containers/applications$", status: 500 });
    const run = await action(p.workspace);
    expect(run.exitCode, log(run)).toBe(1);
    const text = log(run);
    expect(text).toMatch(
      /deploy failed: wrangler deploy failed: Error creating application:\s*\{"error":"standin: injected fault \(500\) for POST [^"]*\/containers\/applications"\}/,
    );
    expect(text).toContain(`Live now: The new Worker version of ${name} may already be live`);
    expect(text).toContain("its containers were not rolled out");
    // deploy is not idempotent: one wrangler deploy, no retry line
    expect(text.match(/\$ wrangler deploy /g)).toHaveLength(1);
    expect(text).not.toMatch(/wrangler deploy .*retrying in/);
    expect(count("POST", /\/containers\/applications$/, from)).toBe(1);
    // and that is the truth: the Worker is up, its container application is not
    const state = await standin.state();
    expect(state.workers.map((w) => w.name)).toContain(name);
    expect(state.applications.filter((a) => a.name === `${name}-backend`)).toEqual([]);
    expect(run.outputs.healthy ?? "").not.toBe("true");
  }, 180_000);
});

describe("faults during destroy", () => {
  const pr = 900 + Number.parseInt(RUN.slice(0, 2), 16);
  let destroyWorkspace = "";
  const worker = () => `fault-destroy-${RUN}-pr-${pr}`;
  const destroy = () =>
    action(destroyWorkspace, { command: "destroy" }, pullRequestEvent(pr, PR_SHA, "closed"));

  it("a PR preview to destroy", async () => {
    const p = await project(`fault-destroy-${RUN}`);
    const run = await action(p.workspace, {}, pullRequestEvent(pr, PR_SHA));
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs["worker-name"]).toBe(`fault-destroy-${RUN}-pr-${pr}`);
    destroyWorkspace = p.workspace;
  }, 180_000);

  it("listing the applications keeps failing (500 x3): exit 1, the destroy phase, nothing removed", async () => {
    expect(destroyWorkspace).not.toBe("");
    const before = await standin.state();
    standin.failNext({
      method: "GET",
      pathPattern: "/containers/applications$",
      status: 500,
      times: 3,
      headers: { "retry-after": "0" },
    });
    const run = await destroy();
    expect(run.exitCode, log(run)).toBe(1);
    expect(log(run)).toContain(
      `destroy failed: Could not list what belongs to ${worker()}: Listing container applications failed: HTTP 500`,
    );
    expect(log(run)).toContain("(still failing after 3 attempts)");
    expect(log(run)).toContain("Live now: Nothing was removed.");
    expect(await standin.state()).toEqual(before);
  }, 180_000);

  it("503 and 429 with Retry-After on the list and on the Worker delete are retried; a containers delete that keeps failing interrupts midway; a re-run finishes", async () => {
    const from = standin.requests.length;
    const app = (await standin.state()).applications.find((a) => a.workerName === worker());
    expect(app).toBeDefined();
    standin.failNext({
      method: "GET",
      pathPattern: "/containers/applications$",
      status: 503,
      headers: { "retry-after": "1" },
    });
    standin.failNext({
      method: "GET",
      pathPattern: "/containers/applications$",
      status: 429,
      headers: { "retry-after": "0" },
    });
    standin.failNext({
      method: "DELETE",
      pathPattern: `/containers/applications/${app?.id}$`,
      status: 500,
      times: 3,
    });
    // wrangler delete gets a 429 with Retry-After: its command-failed carries retry_after_ms
    standin.failNext({
      method: "DELETE",
      pathPattern: `/workers/services/${worker()}$`,
      status: 429,
      headers: { "retry-after": "1" },
    });
    const interrupted = await destroy();
    expect(interrupted.exitCode, log(interrupted)).toBe(1);
    expect(log(interrupted)).toContain(
      `wrangler delete --name ${worker()} --force failed (Cloudflare asked to retry after 1 s); retrying in 1 s (attempt 2 of 3).`,
    );
    expect(count("DELETE", new RegExp(`/workers/services/${worker()}$`), from)).toBe(2);
    // our list was read on the 3rd try; each of the two wrangler delete runs lists once more
    expect(count("GET", /\/containers\/applications$/, from)).toBe(3 + 2);
    const text = log(interrupted);
    // wrangler's own words: a 5xx on delete is an "unknown error", followed by the response body
    expect(text).toContain(
      `destroy failed: wrangler containers delete ${app?.id} (${worker()}-backend) failed: There has been an unknown error deleting the container.\n{"error":"standin: injected fault (500)`,
    );
    expect(text).toMatch(
      /wrangler containers delete \S+ failed \(a transient Cloudflare API error: There has been an unknown error deleting the container\.\); retrying in [\d.]+ s \(attempt 3 of 3\)\./,
    );
    expect(text).toContain(
      `Live now: The preview ${worker()} may be partly removed; run destroy again to finish`,
    );
    expect(count("DELETE", /\/containers\/applications\/[^/]+$/, from)).toBe(3);
    const half = await standin.state();
    expect(half.workers.map((w) => w.name)).not.toContain(worker());
    expect(half.applications.map((a) => a.id)).toContain(app?.id);

    const rerun = await destroy();
    expect(rerun.exitCode, log(rerun)).toBe(0);
    expect(log(rerun)).toContain(
      `Removed the preview of PR #${pr}: container application(s) ${worker()}-backend`,
    );
    const done = await standin.state();
    expect(done.applications.filter((a) => a.name.startsWith(worker()))).toEqual([]);
    expect(done.images.filter((i) => i.startsWith(worker()))).toEqual([]);
  }, 180_000);
});

describe("a Cloudflare API call that never answers", () => {
  it("is cut off by the per-request timeout and retried; destroy then succeeds", async () => {
    const pr = 950 + Number.parseInt(RUN.slice(2, 4), 16);
    const p = await project(`fault-hang-${RUN}`);
    const deployed = await action(p.workspace, {}, pullRequestEvent(pr, PR_SHA));
    expect(deployed.exitCode, log(deployed)).toBe(0);
    const name = `fault-hang-${RUN}-pr-${pr}`;
    const from = standin.requests.length;
    standin.failNext({ method: "GET", pathPattern: "/containers/applications$", hang: true });
    const run = await action(p.workspace, { command: "destroy" }, pullRequestEvent(pr, PR_SHA, "closed"));
    expect(run.exitCode, log(run)).toBe(0);
    // ours timed out once, then answered (a 3rd GET is wrangler delete's own look-up)
    expect(count("GET", /\/containers\/applications$/, from)).toBe(2 + 1);
    const state = await standin.state();
    expect(state.workers.map((w) => w.name)).not.toContain(name);
    expect(state.applications.filter((a) => a.name.startsWith(name))).toEqual([]);
  }, 180_000);
});

describe("no Docker daemon", () => {
  it("DOCKER_HOST at a dead socket: exit 2 with the fix, before anything is pushed", async () => {
    const p = await project(`fault-nodocker-${RUN}`);
    const from = standin.requests.length;
    const run = await action(p.workspace, {}, undefined, {
      DOCKER_HOST: `unix:///tmp/nonexistent-${RUN}.sock`,
    });
    expect(run.exitCode, log(run)).toBe(2);
    expect(log(run)).toContain("The Docker daemon is not reachable");
    expect(log(run)).toContain("point DOCKER_HOST at a running one");
    expect(standin.requests.length).toBe(from);
  }, 60_000);
});
