// The bundled action (dist/index.js) deploying for real: real docker buildx, real wrangler
// (`containers push`, `deploy`, `delete`, `containers delete`, `containers images`), a real
// registry, against the loopback Cloudflare stand-in (test/standin/cloudflare) with its edge, so
// every deploy is verified by polling the new Worker's URL (through HTTPS_PROXY, as a self-hosted
// runner would) until the new image answers.
// Docker-backed: FAILS when docker is missing (run test/infra/setup-docker.sh first).
// Every fixture image gets its own free port and every name a per-process suffix: other test
// processes share this docker daemon and the host network.
import { appendFileSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxProject, cleanupBusyboxProjects } from "../fixtures/busybox.js";
import { type ActionRun, runAction } from "../helpers/run-action.js";
import {
  actionEnvFor,
  actionLog,
  freePort,
  pullRequestEvent,
  removeImagesOf,
  requireDocker,
  runSuffix,
  waitPortClosed,
  withoutProxy,
} from "../helpers/standin-action.js";
import { type CloudflareStandin, startCloudflareStandin } from "../standin/cloudflare/index.js";

const SHA = "0123456789abcdef0123456789abcdef01234567";
const PR_SHA = "fedcba9876543210fedcba9876543210fedcba98";
const PR_SHA_2 = "1111111111222222222233333333334444444444";
const SUFFIX = runSuffix();

let standin: CloudflareStandin;
let actionEnv: Record<string, string>;

beforeAll(async () => {
  requireDocker();
  // sleepAfterMs: an idle Worker container stops soon, so the next deploy's host-network smoke
  // test finds its port free (waitPortClosed below waits for exactly that).
  standin = await startCloudflareStandin({ logUnknown: true, edge: true, sleepAfterMs: 1000 });
  actionEnv = actionEnvFor(standin.env);
}, 120_000);

afterAll(async () => {
  await standin?.close();
  cleanupBusyboxProjects();
  removeImagesOf(SUFFIX);
});

const pullRequest = pullRequestEvent;

interface TestProject {
  workspace: string;
  dir: string;
  port: number;
  name: string;
}

/** A busybox backend named `<base>-<suffix>` listening on a port of its own. */
async function project(base: string, options: { linkWrangler?: boolean } = {}): Promise<TestProject> {
  const port = await freePort();
  const name = `${base}-${SUFFIX}`;
  return { ...busyboxProject({ port, name, ...options }), port, name };
}

async function deploy(
  target: TestProject,
  inputs: Record<string, string> = {},
  event?: { name: string; payload: unknown },
  env: Record<string, string> = {},
  options: { proxy?: boolean } = {},
): Promise<ActionRun> {
  // The previous deploy's Worker container (same image port) must have gone to sleep.
  await waitPortClosed(target.port);
  const base = options.proxy === false ? withoutProxy(actionEnv) : actionEnv;
  return runAction({
    inputs: {
      "working-directory": "backend",
      "api-token": standin.env.CLOUDFLARE_API_TOKEN ?? "",
      "smoke-test-network": "host",
      ...inputs,
    },
    env: { ...base, ...env },
    ...(event ? { event } : {}),
    workspace: target.workspace,
    timeoutMs: 240_000,
  });
}

const log = actionLog;

describe("deploy against the Cloudflare stand-in (dist/index.js, real wrangler, real buildx, real registry)", () => {
  let shop: TestProject;
  let shopPr: string;
  beforeAll(async () => {
    shop = await project("shop-api");
    shopPr = `${shop.name}-pr-42`;
  });

  it("production deploy: pushes the image, deploys the Worker, verifies it, sets the outputs", async () => {
    const run = await deploy(shop);
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs["worker-name"]).toBe(shop.name);
    expect(run.outputs.preview).toBe("false");
    expect(run.outputs.url).toBe(`https://${shop.name}.standin.workers.dev`);
    expect(run.outputs["version-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.outputs.image).toContain(`${shop.name}-backend:${SHA}`);
    // verify: the deployed URL answered through the stand-in's edge, with the new image's body
    expect(run.outputs.healthy).toBe("true");
    expect(run.outputs["time-to-healthy-ms"]).toMatch(/^\d+$/);
    expect(run.outputs["health-url"]).toBe(`https://${shop.name}.standin.workers.dev/api/health`);
    expect(log(run)).toMatch(new RegExp(`health: attempt \\d+: 200 "ok ${SHA}" — healthy`));
    const state = await standin.state();
    const worker = state.workers.find((w) => w.name === shop.name);
    expect(worker?.versionId).toBe(run.outputs["version-id"]);
    const app = state.applications.find((a) => a.workerName === shop.name);
    expect(app?.name).toBe(`${shop.name}-backend`);
    expect(app?.image).toContain(`${shop.name}-backend`);
    expect(state.images.some((i) => i.includes(`${shop.name}-backend:${SHA}`))).toBe(true);
    // production keeps the config's rollout settings: no --containers-rollout flag
    expect(log(run)).toContain(`$ wrangler deploy --config wrangler.cf-containers-deploy.${shop.name}.json`);
    expect(log(run)).not.toContain("--containers-rollout");
    // The generated config is removed in finally.
    expect(readdirSync(shop.dir).filter((f) => f.startsWith("wrangler.cf-containers-deploy"))).toEqual([]);
  }, 240_000);

  it("PR preview next to production: its own Worker and container application, immediate rollout, verified", async () => {
    const run = await deploy(shop, {}, pullRequest(42, PR_SHA));
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs["worker-name"]).toBe(shopPr);
    expect(run.outputs.preview).toBe("true");
    expect(run.outputs.url).toBe(`https://${shopPr}.standin.workers.dev`);
    expect(run.outputs.image).toContain(`${shopPr}-backend:${PR_SHA}`);
    expect(run.outputs.healthy).toBe("true");
    expect(run.outputs["time-to-healthy-ms"]).toMatch(/^\d+$/);
    expect(run.outputs["health-url"]).toBe(`https://${shopPr}.standin.workers.dev/api/health`);
    // the preview's URL serves the PR's commit (DEPLOY_SHA), not production's
    expect(log(run)).toMatch(new RegExp(`health: attempt \\d+: 200 "ok ${PR_SHA}" — healthy`));
    expect(log(run)).toMatch(
      new RegExp(
        `\\$ wrangler deploy --config wrangler\\.cf-containers-deploy\\.${shopPr}\\.json .*--containers-rollout immediate`,
      ),
    );
    const state = await standin.state();
    const names = state.workers.map((w) => w.name);
    expect(names).toEqual(expect.arrayContaining([shop.name, shopPr]));
    const prod = state.applications.find((a) => a.workerName === shop.name);
    const preview = state.applications.find((a) => a.workerName === shopPr);
    expect(prod?.name).toBe(`${shop.name}-backend`);
    expect(preview?.name).toBe(`${shopPr}-backend`);
    expect(preview?.id).not.toBe(prod?.id);
    expect(prod?.image).not.toContain("pr-42");
  }, 240_000);

  it("redeploying the same PR updates the same Worker and application (new version, new image)", async () => {
    const before = await standin.state();
    const appBefore = before.applications.find((a) => a.workerName === shopPr);
    const versionBefore = before.workers.find((w) => w.name === shopPr)?.versionId;
    const run = await deploy(shop, {}, pullRequest(42, PR_SHA_2));
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.healthy).toBe("true");
    expect(log(run)).toMatch(new RegExp(`health: attempt \\d+: 200 "ok ${PR_SHA_2}" — healthy`));
    const after = await standin.state();
    expect(after.workers.filter((w) => w.name === shopPr)).toHaveLength(1);
    const apps = after.applications.filter((a) => a.workerName === shopPr);
    expect(apps).toHaveLength(1);
    expect(apps[0]?.id).toBe(appBefore?.id);
    expect(apps[0]?.image).toContain(PR_SHA_2);
    const versionAfter = after.workers.find((w) => w.name === shopPr)?.versionId;
    expect(versionAfter).not.toBe(versionBefore);
    expect(run.outputs["version-id"]).toBe(versionAfter);
  }, 240_000);

  it("destroy removes the preview's Worker, container application and images; production is untouched; a second destroy is a quiet no-op", async () => {
    const before = await standin.state();
    const prodBefore = before.workers.find((w) => w.name === shop.name);
    const run = await deploy(shop, { command: "destroy" }, pullRequest(42, PR_SHA_2, "closed"));
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs["worker-name"]).toBe(shopPr);
    expect(log(run)).toContain("Removed the preview of PR #42");
    const after = await standin.state();
    expect(after.workers.map((w) => w.name)).not.toContain(shopPr);
    expect(after.applications.filter((a) => a.name.startsWith(shopPr))).toEqual([]);
    expect(after.images.filter((i) => i.includes(shopPr))).toEqual([]);
    // production: same Worker version, same application, same image
    expect(after.workers.find((w) => w.name === shop.name)).toEqual(prodBefore);
    expect(after.applications.filter((a) => a.workerName === shop.name)).toEqual(
      before.applications.filter((a) => a.workerName === shop.name),
    );
    expect(after.images.filter((i) => i.includes(`${shop.name}-backend`))).toEqual(
      before.images.filter((i) => i.includes(`${shop.name}-backend`)),
    );

    const again = await deploy(shop, { command: "destroy" }, pullRequest(42, PR_SHA_2, "closed"));
    expect(again.exitCode, log(again)).toBe(0);
    expect(log(again)).toContain("Nothing to remove");
  }, 240_000);

  it("destroy refuses a name that is not this PR's preview (production above all)", async () => {
    const run = await deploy(
      shop,
      { command: "destroy", "worker-name": `${shop.name}-pr-7` },
      pullRequest(42, PR_SHA),
    );
    expect(run.exitCode, log(run)).toBe(2);
    expect(log(run)).toMatch(new RegExp(`Refusing to (destroy|use) '${shop.name}-pr-7'`));
    expect(log(run)).toContain("PR #7");
    const push = await deploy(shop, { command: "destroy" });
    expect(push.exitCode, log(push)).toBe(2);
    expect(log(push)).toMatch(/destroy only removes PR previews/);
    expect((await standin.state()).workers.map((w) => w.name)).toContain(shop.name);
  }, 240_000);
});

describe("wrangler resolution and build: false", () => {
  it("without a project wrangler, installs wrangler-version once into the tool cache and reuses it", async () => {
    const p = await project("no-wrangler", { linkWrangler: false });
    const toolCache = join(tmpdir(), `cfcd-fresh-tool-cache-${process.pid}`);
    // destroy polls no Worker URL; npm must reach its registry, which the edge proxy does not serve
    const first = await deploy(
      p,
      { command: "destroy" },
      pullRequest(5, PR_SHA, "closed"),
      { RUNNER_TOOL_CACHE: toolCache },
      { proxy: false },
    );
    expect(first.exitCode, log(first)).toBe(0);
    expect(log(first)).toContain("installing wrangler@4.164.0 once into the tool cache");
    expect(log(first)).toContain("Nothing to remove");
    const second = await deploy(
      p,
      { command: "destroy" },
      pullRequest(5, PR_SHA, "closed"),
      { RUNNER_TOOL_CACHE: toolCache },
      { proxy: false },
    );
    expect(second.exitCode, log(second)).toBe(0);
    expect(log(second)).toMatch(/wrangler 4\.164\.0: cached \(.*cfcd-fresh-tool-cache/);
    expect(log(second)).not.toContain("installing wrangler");
  }, 240_000);

  it("build: false hands wrangler the Dockerfile (wrangler builds and pushes it); the result is verified", async () => {
    const p = await project("wrangler-builds");
    const run = await deploy(p, { build: "false" });
    expect(run.exitCode, log(run)).toBe(0);
    expect(log(run)).toContain("build is false");
    expect(log(run)).not.toContain(`docker buildx build ${p.name}`);
    const app = (await standin.state()).applications.find((a) => a.workerName === p.name);
    expect(app?.name).toBe(`${p.name}-backend`);
    expect(app?.image).toContain(`${p.name}-backend`);
    expect(run.outputs.url).toBe(`https://${p.name}.standin.workers.dev`);
    expect(run.outputs.healthy).toBe("true");
    expect(run.outputs["health-url"]).toBe(`https://${p.name}.standin.workers.dev/api/health`);
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
    const p = await project("envy");
    appendFileSync(join(p.dir, "wrangler.toml"), STAGING);
    const prod = await deploy(p, { environment: "staging" });
    expect(prod.exitCode, log(prod)).toBe(0);
    expect(prod.outputs["worker-name"]).toBe(`${p.name}-staging`);
    expect(prod.outputs.healthy).toBe("true");
    expect(log(prod)).toMatch(/\$ wrangler deploy --config \S+ --env staging/);
    const preview = await deploy(p, { environment: "staging" }, pullRequest(6, PR_SHA));
    expect(preview.exitCode, log(preview)).toBe(0);
    expect(preview.outputs["worker-name"]).toBe(`${p.name}-staging-pr-6`);
    expect(preview.outputs.healthy).toBe("true");
    expect(preview.outputs["health-url"]).toBe(
      `https://${p.name}-staging-pr-6.standin.workers.dev/api/health`,
    );
    const state = await standin.state();
    expect(state.applications.find((a) => a.workerName === `${p.name}-staging`)?.name).toBe(
      `${p.name}-backend-staging`,
    );
    expect(state.applications.find((a) => a.workerName === `${p.name}-staging-pr-6`)?.name).toBe(
      `${p.name}-staging-pr-6-backend`,
    );
    expect(state.workers.map((w) => w.name)).not.toContain(p.name);
  }, 240_000);
});

describe("secrets", () => {
  const SECRET_1 = "s3cr3t-Value-Never-Shown-9f8e7d";
  const SECRET_2 = "another-Secret-From-Env-42a1b0";

  it("reach the Worker through --secrets-file; no value in any output, log, summary or file left behind", async () => {
    const p = await project("vault-api");
    const run = await deploy(
      p,
      { secrets: `DATABASE_URL=${SECRET_1}\nAPI_KEY`, vars: "MODE=production" },
      undefined,
      { API_KEY: SECRET_2 },
    );
    expect(run.exitCode, log(run)).toBe(0);
    expect(run.outputs.healthy).toBe("true");
    const worker = (await standin.state()).workers.find((w) => w.name === p.name);
    expect(worker?.secrets).toEqual(["API_KEY", "DATABASE_URL"]);
    expect(worker?.vars).toMatchObject({ MODE: "production" });
    expect(standin.secretValues(p.name)).toMatchObject({ DATABASE_URL: SECRET_1, API_KEY: SECRET_2 });
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
      ...filesUnder(p.dir),
      ...filesUnder(join(run.outputFile, "..")),
    ].join("\n");
    for (const secret of [SECRET_1, SECRET_2]) expect(everything).not.toContain(secret);
  }, 240_000);
});

describe("wrangler failures", () => {
  it("command-failed before the upload: names the phase, wrangler's code and message; nothing changed", async () => {
    const p = await project("fail-early");
    standin.failNext({
      method: "PUT",
      pathPattern: `/workers/scripts/${p.name}$`,
      status: 400,
      body: {
        success: false,
        errors: [{ code: 10021, message: "Can't set compatibility date in the future" }],
        messages: [],
        result: null,
      },
    });
    const run = await deploy(p);
    expect(run.exitCode, log(run)).toBe(1);
    expect(log(run)).toMatch(
      /deploy failed: wrangler deploy failed: .*10021|deploy failed: wrangler deploy failed: .*compatibility date/,
    );
    expect(log(run)).toContain("Live now: Nothing changed");
    // nothing was deployed, so nothing was polled
    expect(run.outputs.healthy).toBeUndefined();
    expect(readdirSync(p.dir).filter((f) => f.startsWith("wrangler.cf-containers-deploy"))).toEqual([]);
  }, 240_000);

  it("command-failed after the upload (container application create fails): says the new Worker may be live without its containers", async () => {
    const p = await project("fail-late");
    standin.failNext({ method: "POST", pathPattern: "/containers/applications$", status: 500 });
    const run = await deploy(p);
    expect(run.exitCode, log(run)).toBe(1);
    expect(log(run)).toMatch(/deploy failed: wrangler deploy failed: /);
    expect(log(run)).toMatch(
      new RegExp(
        `Live now: The new Worker version of ${p.name} may already be live .* its containers were not rolled out`,
      ),
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
