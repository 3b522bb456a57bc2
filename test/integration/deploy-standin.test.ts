// The bundled action (dist/index.js) deploying for real: real docker buildx, real wrangler
// (`containers push`, `deploy`, `delete`, `containers delete`, `containers images`), a real
// registry, against the loopback Cloudflare stand-in (test/standin/cloudflare).
// Docker-backed: FAILS when docker is missing (run test/infra/setup-docker.sh first).
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxProject, cleanupBusyboxProjects } from "../fixtures/busybox.js";
import { type ActionRun, runAction } from "../helpers/run-action.js";
import { type CloudflareStandin, startCloudflareStandin } from "../standin/cloudflare/index.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const PR_SHA = "fedcba9876543210fedcba9876543210fedcba98";
const PR_SHA_2 = "1111111111222222222233333333334444444444";

let standin: CloudflareStandin;

beforeAll(async () => {
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8" });
  if (info.status !== 0)
    throw new Error(`docker is required (run test/infra/setup-docker.sh): ${info.stderr}`);
  standin = await startCloudflareStandin({ logUnknown: true });
}, 120_000);

afterAll(async () => {
  await standin?.close();
  cleanupBusyboxProjects();
});

function pullRequest(number: number, sha: string, action = "synchronize") {
  return {
    name: "pull_request",
    payload: {
      action,
      number,
      pull_request: {
        number,
        title: "a change",
        head: { sha, ref: "feature", repo: { full_name: "acme/app" } },
        base: { ref: "main", repo: { full_name: "acme/app" } },
      },
    },
  };
}

let caBundle: string | undefined;

/**
 * The stand-in's variables (its token comes in through the api-token input instead). Its CA bundle
 * is joined with this machine's NODE_EXTRA_CA_CERTS, if any, so npm still reaches the registry
 * (the situation of a self-hosted runner behind a TLS-inspecting proxy).
 */
function cfEnv(): Record<string, string> {
  const { CLOUDFLARE_API_TOKEN: _token, ...rest } = standin.env;
  const machineCa = process.env.NODE_EXTRA_CA_CERTS;
  if (caBundle === undefined && rest.NODE_EXTRA_CA_CERTS && machineCa && existsSync(machineCa)) {
    caBundle = join(mkdtempSync(join(tmpdir(), "cfcd-ca-")), "bundle.pem");
    writeFileSync(
      caBundle,
      `${readFileSync(rest.NODE_EXTRA_CA_CERTS, "utf8")}\n${readFileSync(machineCa, "utf8")}`,
    );
  }
  return {
    ...rest,
    ...(caBundle !== undefined ? { NODE_EXTRA_CA_CERTS: caBundle } : {}),
    RUNNER_TOOL_CACHE: join(tmpdir(), "cfcd-test-tool-cache"),
  };
}

async function deploy(
  workspace: string,
  inputs: Record<string, string> = {},
  event?: { name: string; payload: unknown },
  env: Record<string, string> = {},
): Promise<ActionRun> {
  return runAction({
    inputs: {
      "working-directory": "backend",
      "api-token": standin.env.CLOUDFLARE_API_TOKEN ?? "",
      "smoke-test-network": "host",
      ...inputs,
    },
    env: { ...cfEnv(), ...env },
    ...(event ? { event } : {}),
    workspace,
    timeoutMs: 240_000,
  });
}

function log(run: ActionRun): string {
  return `${run.stdout}\n${run.stderr}`;
}

describe("deploy against the Cloudflare stand-in (dist/index.js, real wrangler, real buildx, real registry)", () => {
  const project = busyboxProject({ port: 18441, name: "shop-api" });

  it("production deploy: pushes the image, deploys the Worker, sets the outputs", async () => {
    const run = await deploy(project.workspace);
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs["worker-name"]).toBe("shop-api");
    expect(run.outputs.preview).toBe("false");
    expect(run.outputs.url).toBe("https://shop-api.standin.workers.dev");
    expect(run.outputs["version-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.outputs.image).toContain(`shop-api-backend:${SHA}`);
    const state = await standin.state();
    const worker = state.workers.find((w) => w.name === "shop-api");
    expect(worker?.versionId).toBe(run.outputs["version-id"]);
    const app = state.applications.find((a) => a.workerName === "shop-api");
    expect(app?.name).toBe("shop-api-backend");
    expect(app?.image).toContain("shop-api-backend");
    expect(state.images.some((i) => i.includes(`shop-api-backend:${SHA}`))).toBe(true);
    // production keeps the config's rollout settings: no --containers-rollout flag
    expect(log(run)).toMatch(/\$ wrangler deploy --config wrangler\.cf-containers-deploy\.shop-api\.json/);
    expect(log(run)).not.toContain("--containers-rollout");
    // The generated config is removed in finally.
    expect(readdirSync(project.dir).filter((f) => f.startsWith("wrangler.cf-containers-deploy"))).toEqual([]);
  }, 240_000);

  it("PR preview next to production: its own Worker and container application, immediate rollout", async () => {
    const run = await deploy(project.workspace, {}, pullRequest(42, PR_SHA));
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs["worker-name"]).toBe("shop-api-pr-42");
    expect(run.outputs.preview).toBe("true");
    expect(run.outputs.url).toBe("https://shop-api-pr-42.standin.workers.dev");
    expect(run.outputs.image).toContain(`shop-api-pr-42-backend:${PR_SHA}`);
    expect(log(run)).toMatch(
      /\$ wrangler deploy --config wrangler\.cf-containers-deploy\.shop-api-pr-42\.json .*--containers-rollout immediate/,
    );
    const state = await standin.state();
    const names = state.workers.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining(["shop-api", "shop-api-pr-42"]));
    const prod = state.applications.find((a) => a.workerName === "shop-api");
    const preview = state.applications.find((a) => a.workerName === "shop-api-pr-42");
    expect(prod?.name).toBe("shop-api-backend");
    expect(preview?.name).toBe("shop-api-pr-42-backend");
    expect(preview?.id).not.toBe(prod?.id);
    expect(prod?.image).not.toContain("pr-42");
  }, 240_000);

  it("redeploying the same PR updates the same Worker and application (new version, new image)", async () => {
    const before = await standin.state();
    const appBefore = before.applications.find((a) => a.workerName === "shop-api-pr-42");
    const versionBefore = before.workers.find((w) => w.name === "shop-api-pr-42")?.versionId;
    const run = await deploy(project.workspace, {}, pullRequest(42, PR_SHA_2));
    expect(run.exitCode, log(run)).toBe(0);
    const after = await standin.state();
    expect(after.workers.filter((w) => w.name === "shop-api-pr-42")).toHaveLength(1);
    const apps = after.applications.filter((a) => a.workerName === "shop-api-pr-42");
    expect(apps).toHaveLength(1);
    expect(apps[0]?.id).toBe(appBefore?.id);
    expect(apps[0]?.image).toContain(PR_SHA_2);
    const versionAfter = after.workers.find((w) => w.name === "shop-api-pr-42")?.versionId;
    expect(versionAfter).not.toBe(versionBefore);
    expect(run.outputs["version-id"]).toBe(versionAfter);
  }, 240_000);

  it("destroy removes the preview's Worker, container application and images; production is untouched; a second destroy is a quiet no-op", async () => {
    const before = await standin.state();
    const prodBefore = before.workers.find((w) => w.name === "shop-api");
    const run = await deploy(project.workspace, { command: "destroy" }, pullRequest(42, PR_SHA_2, "closed"));
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs["worker-name"]).toBe("shop-api-pr-42");
    expect(log(run)).toContain("Removed the preview of PR #42");
    const after = await standin.state();
    expect(after.workers.map((w) => w.name)).not.toContain("shop-api-pr-42");
    expect(after.applications.filter((a) => a.name.startsWith("shop-api-pr-42"))).toEqual([]);
    expect(after.images.filter((i) => i.includes("shop-api-pr-42"))).toEqual([]);
    // production: same Worker version, same application, same image
    expect(after.workers.find((w) => w.name === "shop-api")).toEqual(prodBefore);
    expect(after.applications.filter((a) => a.workerName === "shop-api")).toEqual(
      before.applications.filter((a) => a.workerName === "shop-api"),
    );
    expect(after.images.filter((i) => i.includes("shop-api-backend"))).toEqual(
      before.images.filter((i) => i.includes("shop-api-backend")),
    );

    const again = await deploy(
      project.workspace,
      { command: "destroy" },
      pullRequest(42, PR_SHA_2, "closed"),
    );
    expect(again.exitCode, log(again)).toBe(0);
    expect(log(again)).toContain("Nothing to remove");
  }, 240_000);

  it("destroy refuses a name that is not this PR's preview (production above all)", async () => {
    const run = await deploy(
      project.workspace,
      { command: "destroy", "worker-name": "shop-api-pr-7" },
      pullRequest(42, PR_SHA),
    );
    expect(run.exitCode, log(run)).toBe(2);
    expect(log(run)).toContain("Refusing to destroy 'shop-api-pr-7'");
    const push = await deploy(project.workspace, { command: "destroy" });
    expect(push.exitCode, log(push)).toBe(2);
    expect(log(push)).toMatch(/destroy only removes PR previews/);
    expect((await standin.state()).workers.map((w) => w.name)).toContain("shop-api");
  }, 240_000);
});

describe("wrangler resolution and build: false", () => {
  it("without a project wrangler, installs wrangler-version once into the tool cache and reuses it", async () => {
    const project = busyboxProject({ port: 18445, name: "no-wrangler", linkWrangler: false });
    const toolCache = join(tmpdir(), `cfcd-fresh-tool-cache-${process.pid}`);
    const first = await deploy(project.workspace, { command: "destroy" }, pullRequest(5, PR_SHA, "closed"), {
      RUNNER_TOOL_CACHE: toolCache,
    });
    expect(first.exitCode, log(first)).toBe(0);
    expect(log(first)).toContain("installing wrangler@4.164.0 once into the tool cache");
    expect(log(first)).toContain("Nothing to remove");
    const second = await deploy(project.workspace, { command: "destroy" }, pullRequest(5, PR_SHA, "closed"), {
      RUNNER_TOOL_CACHE: toolCache,
    });
    expect(second.exitCode, log(second)).toBe(0);
    expect(log(second)).toMatch(/wrangler 4\.164\.0: cached \(.*cfcd-fresh-tool-cache/);
    expect(log(second)).not.toContain("installing wrangler");
  }, 240_000);

  it("build: false hands wrangler the Dockerfile (wrangler builds and pushes it)", async () => {
    const project = busyboxProject({ port: 18446, name: "wrangler-builds" });
    const run = await deploy(project.workspace, { build: "false" });
    expect(run.exitCode, log(run)).toBe(0);
    expect(log(run)).toContain("build is false");
    expect(log(run)).not.toContain("docker buildx build wrangler-builds");
    const app = (await standin.state()).applications.find((a) => a.workerName === "wrangler-builds");
    expect(app?.name).toBe("wrangler-builds-backend");
    expect(app?.image).toContain("wrangler-builds-backend");
    expect(run.outputs.url).toBe("https://wrangler-builds.standin.workers.dev");
  }, 240_000);
});

describe("environments (--env)", () => {
  const STAGING = `
[env.staging]

[[env.staging.containers]]
class_name = "Backend"
image = "./Dockerfile"
instance_type = "lite"
max_instances = 1

[[env.staging.durable_objects.bindings]]
name = "BACKEND"
class_name = "Backend"
`;
  it("deploys the selected environment with wrangler's own names, and its preview beside it", async () => {
    const project = busyboxProject({ port: 18447, name: "envy" });
    appendFileSync(join(project.dir, "wrangler.toml"), STAGING);
    const prod = await deploy(project.workspace, { environment: "staging" });
    expect(prod.exitCode, log(prod)).toBe(0);
    expect(prod.outputs["worker-name"]).toBe("envy-staging");
    expect(log(prod)).toMatch(/\$ wrangler deploy --config \S+ --env staging/);
    const preview = await deploy(project.workspace, { environment: "staging" }, pullRequest(6, PR_SHA));
    expect(preview.exitCode, log(preview)).toBe(0);
    expect(preview.outputs["worker-name"]).toBe("envy-staging-pr-6");
    const state = await standin.state();
    expect(state.applications.find((a) => a.workerName === "envy-staging")?.name).toBe(
      "envy-backend-staging",
    );
    expect(state.applications.find((a) => a.workerName === "envy-staging-pr-6")?.name).toBe(
      "envy-staging-pr-6-backend",
    );
    expect(state.workers.map((w) => w.name)).not.toContain("envy");
  }, 240_000);
});

describe("secrets", () => {
  const project = busyboxProject({ port: 18442, name: "vault-api" });
  const SECRET_1 = "s3cr3t-Value-Never-Shown-9f8e7d";
  const SECRET_2 = "another-Secret-From-Env-42a1b0";

  it("reach the Worker through --secrets-file; no value in any output, log, summary or file left behind", async () => {
    const run = await deploy(
      project.workspace,
      { secrets: `DATABASE_URL=${SECRET_1}\nAPI_KEY`, vars: "MODE=production" },
      undefined,
      { API_KEY: SECRET_2 },
    );
    expect(run.exitCode, log(run)).toBe(0);
    const worker = (await standin.state()).workers.find((w) => w.name === "vault-api");
    expect(worker?.secrets).toEqual(["API_KEY", "DATABASE_URL"]);
    expect(worker?.vars).toMatchObject({ MODE: "production" });
    expect(standin.secretValues("vault-api")).toMatchObject({ DATABASE_URL: SECRET_1, API_KEY: SECRET_2 });
    // `::add-mask::<value>` is the command that tells the runner to mask the value; the runner
    // consumes it and never shows it. Every other line must be free of the values.
    const stdout = run.stdout
      .split("\n")
      .filter((line) => !line.startsWith("::add-mask::"))
      .join("\n");
    expect(run.stdout).toContain(`::add-mask::${SECRET_1}`);
    const everything = [
      stdout,
      run.stderr,
      readFileSync(run.outputFile, "utf8"),
      readFileSync(run.summaryFile, "utf8"),
      ...filesUnder(project.dir),
      ...filesUnder(join(run.outputFile, "..")),
    ].join("\n");
    for (const secret of [SECRET_1, SECRET_2]) expect(everything).not.toContain(secret);
  }, 240_000);
});

describe("wrangler failures", () => {
  it("command-failed before the upload: names the phase, wrangler's code and message; nothing changed", async () => {
    const project = busyboxProject({ port: 18443, name: "fail-early" });
    standin.failNext({
      method: "PUT",
      pathPattern: "/workers/scripts/fail-early$",
      status: 400,
      body: {
        success: false,
        errors: [{ code: 10021, message: "Can't set compatibility date in the future" }],
        messages: [],
        result: null,
      },
    });
    const run = await deploy(project.workspace);
    expect(run.exitCode, log(run)).toBe(1);
    expect(log(run)).toMatch(
      /deploy failed: wrangler deploy failed: .*10021|deploy failed: wrangler deploy failed: .*compatibility date/,
    );
    expect(log(run)).toContain("Live now: Nothing changed");
    expect(readdirSync(project.dir).filter((f) => f.startsWith("wrangler.cf-containers-deploy"))).toEqual([]);
  }, 240_000);

  it("command-failed after the upload (container application create fails): says the new Worker may be live without its containers", async () => {
    const project = busyboxProject({ port: 18444, name: "fail-late" });
    standin.failNext({ method: "POST", pathPattern: "/containers/applications$", status: 500 });
    const run = await deploy(project.workspace);
    expect(run.exitCode, log(run)).toBe(1);
    expect(log(run)).toMatch(/deploy failed: wrangler deploy failed: /);
    expect(log(run)).toMatch(
      /Live now: The new Worker version of fail-late may already be live .* its containers were not rolled out/,
    );
  }, 240_000);
});

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory() && entry.name !== "node_modules") walk(p);
      else if (entry.isFile() && entry.name !== "busybox") out.push(readFileSync(p, "utf8"));
    }
  };
  walk(dir);
  return out;
}
