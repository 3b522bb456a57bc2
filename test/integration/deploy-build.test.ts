// The bundled action (dist/index.js) building and smoke-testing real images with real docker buildx.
// No Cloudflare here: these runs stop before anything is pushed (fork PRs, failures, missing token).
// Docker-backed: they FAIL when docker is missing (run test/infra/setup-docker.sh first).
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preflight } from "../../src/commands/deploy.js";
import type { Io } from "../../src/shell/io.js";
import { busyboxProject, cleanupBusyboxProjects } from "../fixtures/busybox.js";
import { runAction } from "../helpers/run-action.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";

function docker(args: string[]) {
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 60_000 });
  return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function forkPullRequest(number: number) {
  return {
    name: "pull_request",
    payload: {
      number,
      pull_request: {
        number,
        title: "from a fork",
        head: { sha: SHA, ref: "feature", repo: { full_name: "someone/app" } },
        base: { ref: "main", repo: { full_name: "acme/app" } },
      },
    },
  };
}

beforeAll(() => {
  const info = docker(["info", "--format", "{{.ServerVersion}}"]);
  if (info.code !== 0)
    throw new Error(`docker is required for these tests (run test/infra/setup-docker.sh): ${info.stderr}`);
});
afterAll(cleanupBusyboxProjects);

/** Smoke containers are removed in finally: none of ours may be left behind. */
function leftoverSmokeContainers(): string {
  return docker(["ps", "-aq", "--filter", "label=cf-containers-deploy.smoke=1"]).stdout.trim();
}

describe("deploy: build and smoke test (dist/index.js, real buildx)", () => {
  it("a fork pull_request (no api-token) validates, builds linux/amd64 with DEPLOY_SHA, smoke-tests, and says it did not deploy", async () => {
    const { workspace } = busyboxProject({ port: 18431, name: "fork-build" });
    const run = await runAction({
      inputs: { "working-directory": "backend", "smoke-test-network": "host" },
      event: forkPullRequest(7),
      workspace,
      timeoutMs: 240_000,
    });
    const log = run.stdout + run.stderr;
    expect(run.exitCode, log).toBe(0);
    expect(log).toContain("docker buildx build");
    expect(log).toMatch(
      /Build cache: cache=auto: not running on a GitHub runner|Build cache: cache=auto: .*'docker' driver, which cannot export cache; using the daemon's layer cache/,
    );
    expect(log).toContain("Smoke test passed");
    expect(log).toMatch(/Not deployed: PR #7 comes from a fork/);
    expect(run.outputs["worker-name"]).toBe("fork-build-pr-7");
    expect(run.outputs.preview).toBe("true");
    expect(run.outputs.url ?? "").toBe("");
    const tag = `fork-build-pr-7-backend:${SHA}`;
    expect(docker(["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", tag]).stdout.trim()).toBe(
      "linux/amd64",
    );
    // DEPLOY_SHA reached the build: the image's health file carries it.
    expect(docker(["image", "inspect", "--format", "{{json .Config.Env}}", tag]).stdout).toContain(
      `DEPLOY_SHA=${SHA}`,
    );
    expect(leftoverSmokeContainers()).toBe("");
  }, 240_000);

  it("fails the smoke test on a crashing image, prints its last log lines, and pushes nothing", async () => {
    const { workspace } = busyboxProject({
      port: 18432,
      name: "crashy",
      cmd: '["/bin/busybox", "sh", "-c", "echo cannot-start-database >&2; exit 3"]',
    });
    const run = await runAction({
      inputs: { "working-directory": "backend", "smoke-test-network": "host" },
      event: forkPullRequest(8),
      workspace,
      timeoutMs: 240_000,
    });
    const log = run.stdout + run.stderr;
    expect(run.exitCode, log).toBe(1);
    expect(log).toMatch(
      /smoke failed: Smoke test of crashy-pr-8-backend:\w+ failed: the container exited \(code 3\)/,
    );
    expect(log).toContain("cannot-start-database");
    expect(log).toContain("Live now: Nothing changed");
    expect(log).not.toContain("Not deployed");
    expect(leftoverSmokeContainers()).toBe("");
  }, 240_000);

  it("host network: a server bound to another loopback address (127.0.0.2) never answers on 127.0.0.1, so the smoke test fails", async () => {
    // What this proves: a server not listening where the platform connects is caught before push.
    // The bridge-mode check (a server bound to 127.0.0.1 inside the container) needs a bridge network,
    // which this machine's daemon does not have; its docker argv is unit-tested.
    const { workspace } = busyboxProject({
      port: 18433,
      name: "wrongbind",
      cmd: '["/bin/busybox", "httpd", "-f", "-p", "127.0.0.2:18433", "-h", "/www"]',
    });
    const run = await runAction({
      inputs: { "working-directory": "backend", "smoke-test-network": "host" },
      event: forkPullRequest(9),
      workspace,
      timeoutMs: 240_000,
    });
    const log = run.stdout + run.stderr;
    expect(run.exitCode, log).toBe(1);
    expect(log).toMatch(/nothing answered http:\/\/127\.0\.0\.1:18433\/api\/health within 60 s/);
    expect(leftoverSmokeContainers()).toBe("");
  }, 240_000);

  it("missing api-token on a push event: exit 2 with the fix, before anything is built", async () => {
    const { workspace } = busyboxProject({ port: 18434, name: "notoken" });
    const tag = `notoken-backend:${SHA}`;
    docker(["image", "rm", "-f", tag]);
    const run = await runAction({
      inputs: { "working-directory": "backend", "smoke-test-network": "host" },
      workspace,
      timeoutMs: 120_000,
    });
    const log = run.stdout + run.stderr;
    expect(run.exitCode, log).toBe(2);
    expect(log).toContain("Input 'api-token' is empty");
    expect(log).toContain("secrets.CLOUDFLARE_API_TOKEN");
    expect(log).not.toContain("docker buildx build");
    expect(docker(["image", "inspect", tag]).code).not.toBe(0);
  }, 120_000);

  it("pull_request_target from a fork is refused unless allow-forks, naming the input and the risk", async () => {
    const { workspace } = busyboxProject({ port: 18435, name: "prt" });
    const event = forkPullRequest(10);
    const run = await runAction({
      inputs: { "working-directory": "backend", "api-token": "t0ken-value-xyz" },
      event: { ...event, name: "pull_request_target" },
      workspace,
      timeoutMs: 60_000,
    });
    const log = run.stdout + run.stderr;
    expect(run.exitCode, log).toBe(1);
    expect(log).toContain("allow-forks: true");
    expect(log).toMatch(/exfiltrate/);
    expect(log).not.toContain("docker buildx build");
  }, 60_000);

  it.each([
    ["docker is not installed", { PATH: "/nonexistent" }, /docker was not found on PATH/, /Install Docker/],
    [
      "the daemon is not running",
      { DOCKER_HOST: "unix:///nonexistent/docker.sock" },
      /Docker daemon is not reachable/,
      /Start the Docker daemon/,
    ],
    [
      "buildx is missing",
      { DOCKER_CONFIG: "/nonexistent-docker-config" },
      /docker buildx is not available/,
      /docker\/setup-buildx-action/,
    ],
  ])(
    "exit 2 with the fix when %s",
    async (_label, env, message, fix) => {
      const { workspace } = busyboxProject({ port: 18436, name: "nodocker" });
      const run = await runAction({
        inputs: { "working-directory": "backend", "smoke-test-network": "host" },
        event: forkPullRequest(11),
        env,
        workspace,
        timeoutMs: 120_000,
      });
      const log = run.stdout + run.stderr;
      expect(run.exitCode, log).toBe(2);
      expect(log).toMatch(message);
      expect(log).toMatch(fix);
    },
    120_000,
  );
});

describe("preflight (the CLI's `preflight [dir]`: validate + build + smoke, nothing pushed)", () => {
  function recordingIo(lines: string[], outputs: Record<string, string>): Io {
    return {
      info: (m) => lines.push(m),
      debug: () => {},
      warning: (m) => lines.push(`warning: ${m}`),
      error: (m) => lines.push(`error: ${m}`),
      notice: (m) => lines.push(`notice: ${m}`),
      group: async (name, fn) => {
        lines.push(`group: ${name}`);
        return fn();
      },
      setOutput: (name, value) => {
        outputs[name] = value;
      },
      summary: async () => {},
      mask: () => {},
    };
  }

  it("builds and smoke-tests the project and reports the phases", async () => {
    const { workspace } = busyboxProject({ port: 18437, name: "preflighted" });
    const lines: string[] = [];
    const outputs: Record<string, string> = {};
    const result = await preflight(
      "backend",
      { smokeTestNetwork: "host", sha: "feedface" },
      { env: { ...process.env, GITHUB_ACTIONS: "" }, cwd: workspace, io: recordingIo(lines, outputs) },
    );
    expect(result.images.map((i) => i.tag)).toEqual(["preflighted-backend:feedface"]);
    expect(result.phases.map((p) => [p.name, p.ok])).toEqual([
      ["validate", true],
      ["build", true],
      ["smoke", true],
    ]);
    expect(lines.join("\n")).toContain("nothing was pushed");
    expect(outputs).toMatchObject({ errors: "0" });
    expect(leftoverSmokeContainers()).toBe("");
  }, 240_000);
});
