// The Cloudflare stand-in (test/standin/cloudflare): the REAL wrangler 4.164.0 pushes, deploys,
// lists and deletes against it, a real registry holds the images, the state JSON (SPEC §8)
// reflects every call, and `npm run emulator` runs it all in the foreground.
// Needs docker + buildx: without them these tests fail (they never skip).
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ProxyAgent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CloudflareStandin,
  type StandinState,
  startCloudflareStandin,
} from "../standin/cloudflare/index.js";

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const NODE24 = path.join(ROOT, "node_modules/.bin/node");
const WRANGLER = path.join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const EMULATOR = path.join(ROOT, "test/standin/emulator.mjs");
const LONG = 180_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** ND-JSON lines of WRANGLER_OUTPUT_FILE_PATH */
  output: Record<string, unknown>[];
}

async function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await execFileAsync("docker", args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Environment for a child: PATH/HOME from here, never a Cloudflare variable of the caller. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (
      /^(CLOUDFLARE_|CF_|WRANGLER_|HTTPS?_PROXY$|https?_proxy$|NO_PROXY$|no_proxy$|NODE_EXTRA_CA_CERTS$)/.test(
        key,
      )
    )
      continue;
    env[key] = value;
  }
  return env;
}

let workDir = "";
let runCounter = 0;

async function wrangler(
  standin: CloudflareStandin,
  cwd: string,
  args: string[],
  timeoutMs = 120_000,
): Promise<Run> {
  runCounter += 1;
  const outputFile = path.join(workDir, `wrangler-output-${runCounter}.ndjson`);
  const env = {
    ...baseEnv(),
    ...standin.env,
    CI: "true",
    WRANGLER_OUTPUT_FILE_PATH: outputFile,
    WRANGLER_LOG_PATH: path.join(workDir, "wrangler-logs"),
  };
  return await new Promise<Run>((resolve, reject) => {
    const child = spawn(NODE24, [WRANGLER, ...args], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: timeoutMs,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => {
      void readFile(outputFile, "utf8")
        .catch(() => "")
        .then((text) => {
          const output = text
            .split("\n")
            .filter((line) => line.trim() !== "")
            .map((line) => JSON.parse(line) as Record<string, unknown>);
          resolve({ code, stdout, stderr, output });
        });
    });
  });
}

function describeRun(run: Run): string {
  return `exit ${run.code}\n--- stdout\n${run.stdout.slice(-3000)}\n--- stderr\n${run.stderr.slice(-3000)}`;
}

function expectSuccess(run: Run): void {
  if (run.code !== 0) throw new Error(`wrangler failed: ${describeRun(run)}`);
}

async function stateOverHttp(standin: CloudflareStandin): Promise<{ text: string; state: StandinState }> {
  const response = await fetch(standin.stateUrl, { signal: AbortSignal.timeout(10_000) });
  expect(response.status).toBe(200);
  const text = await response.text();
  return { text, state: JSON.parse(text) as StandinState };
}

/** A FROM-scratch busybox image serving /www (and CGI under /www/cgi-bin) on `port`. */
async function buildImage(tag: string, port: number, marker: string): Promise<void> {
  const context = await mkdtemp(path.join(workDir, "image-"));
  await copyFile("/bin/busybox", path.join(context, "busybox"));
  await mkdir(path.join(context, "www", "cgi-bin"), { recursive: true });
  await writeFile(path.join(context, "www", "index.html"), `${marker}\n`);
  await writeFile(
    path.join(context, "www", "cgi-bin", "env"),
    '#!/bin/busybox sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\necho "GREETING=$GREETING API_KEY=$API_KEY"\n',
    { mode: 0o755 },
  );
  await writeFile(path.join(context, "Dockerfile"), dockerfile(port));
  await docker([
    "buildx",
    "build",
    "--platform",
    "linux/amd64",
    "--provenance=false",
    "--load",
    "-t",
    tag,
    context,
  ]);
}

function dockerfile(port: number): string {
  return [
    "FROM scratch",
    "COPY busybox /bin/busybox",
    "COPY www /www",
    `EXPOSE ${port}`,
    `CMD ["/bin/busybox", "httpd", "-f", "-p", "0.0.0.0:${port}", "-h", "/www"]`,
    "",
  ].join("\n");
}

/** A containers Worker project (only bundled by wrangler, never executed). */
async function workerProject(
  name: string,
  image: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const dir = await mkdtemp(path.join(workDir, `${name}-`));
  await writeFile(
    path.join(dir, "index.js"),
    'export class Backend {}\nexport default { fetch() { return new Response("worker"); } };\n',
  );
  const config = {
    name,
    main: "index.js",
    compatibility_date: "2025-01-01",
    containers: [{ class_name: "Backend", image, max_instances: 2, instance_type: "basic", ...extra }],
    durable_objects: { bindings: [{ name: "BACKEND", class_name: "Backend" }] },
    migrations: [{ tag: "v1", new_sqlite_classes: ["Backend"] }],
  };
  await writeFile(path.join(dir, "wrangler.json"), JSON.stringify(config, null, 2));
  return dir;
}

async function waitForFile(file: string, alive: () => boolean, timeoutMs = 60_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000 && Date.now() < deadline && alive(); attempt++) {
    const found = await stat(file).then(
      () => true,
      () => false,
    );
    if (found) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

async function readEnvFile(file: string): Promise<Record<string, string>> {
  return Object.fromEntries(
    (await readFile(file, "utf8"))
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function childPids(parent: number): Promise<{ pid: number; comm: string }[]> {
  const { stdout } = await execFileAsync("ps", ["-o", "pid=,comm=", "--ppid", String(parent)]).catch(() => ({
    stdout: "",
  }));
  return stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid]) => pid !== undefined && pid !== "")
    .map(([pid, comm]) => ({ pid: Number(pid), comm: comm ?? "" }));
}

const suffix = randomBytes(3).toString("hex");
const builtTags: string[] = [];

beforeAll(async () => {
  // fail (never skip) when docker is missing
  await docker(["info", "--format", "{{.ServerVersion}}"], 30_000);
  await docker(["buildx", "version"], 30_000);
  workDir = await mkdtemp(path.join(tmpdir(), "standin-cf-test-"));
}, LONG);

afterAll(async () => {
  for (const tag of builtTags) await docker(["image", "rm", "-f", tag]).catch(() => "");
  if (workDir !== "") await rm(workDir, { recursive: true, force: true });
}, LONG);

describe("Cloudflare stand-in with the real wrangler", () => {
  let standin: CloudflareStandin;
  beforeAll(async () => {
    standin = await startCloudflareStandin({ logUnknown: true });
  }, LONG);
  afterAll(async () => {
    await standin?.close();
  }, LONG);

  it("exposes the variables a client needs and checks the API token", async () => {
    expect(standin.env).toMatchObject({
      CLOUDFLARE_API_BASE_URL: standin.apiBaseUrl,
      CLOUDFLARE_CONTAINER_REGISTRY: standin.registry,
      CLOUDFLARE_STANDIN_STATE_URL: standin.stateUrl,
      WRANGLER_SEND_METRICS: "false",
    });
    expect(standin.env.CLOUDFLARE_ACCOUNT_ID).toMatch(/^[0-9a-f]{32}$/);
    expect(standin.env.CLOUDFLARE_API_TOKEN).toBeTruthy();
    expect(standin.apiBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
    expect(standin.registry).toMatch(/^127\.0\.0\.1:\d+$/);

    const url = `${standin.apiBaseUrl}/accounts/${standin.accountId}/workers/subdomain`;
    const wrong = await fetch(url, {
      headers: { authorization: "Bearer nope" },
      signal: AbortSignal.timeout(10_000),
    });
    expect(wrong.status).toBe(401);
    const body = (await wrong.json()) as { success: boolean; errors: { message: string }[] };
    expect(body.success).toBe(false);
    expect(body.errors[0]?.message).toMatch(/Authentication error/);

    const right = await fetch(url, {
      headers: { authorization: `Bearer ${standin.env.CLOUDFLARE_API_TOKEN}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(await right.json()).toEqual({
      success: true,
      errors: [],
      messages: [],
      result: { subdomain: "standin" },
    });

    const registry = await fetch(`http://${standin.registry}/v2/`, { signal: AbortSignal.timeout(10_000) });
    expect(registry.status).toBe(200);
    await registry.arrayBuffer();
    // registry.cloudflare.com's extended catalog; Basic credentials must come from the API
    const catalog = await fetch(`http://${standin.registry}/v2/_catalog?tags=true`, {
      signal: AbortSignal.timeout(10_000),
    });
    expect(await catalog.json()).toEqual({ repositories: {} });
    const forged = await fetch(`http://${standin.registry}/v2/_catalog?tags=true`, {
      headers: { authorization: `Basic ${Buffer.from("v1:forged").toString("base64")}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(forged.status).toBe(401);
    await forged.arrayBuffer();
  });

  it(
    "pushes, deploys with secrets and vars, redeploys, lists and deletes — the state follows",
    async () => {
      const repo = `standin-it-${suffix}`;
      const tag = `${repo}:v1`;
      builtTags.push(tag);
      await buildImage(tag, 18000 + Math.floor(Math.random() * 1000), `hello ${suffix}`);

      // containers push
      const push = await wrangler(standin, workDir, ["containers", "push", tag]);
      expectSuccess(push);
      const ref = `${standin.registry}/${standin.accountId}/${tag}`;
      expect(push.stdout).toContain(`Pushed image: ${ref}`);
      builtTags.push(ref);
      expect((await standin.state()).images).toContain(tag);
      // really in the registry: the manifest is served
      const manifest = await fetch(
        `http://${standin.registry}/v2/${standin.accountId}/${repo}/manifests/v1`,
        {
          headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" },
          signal: AbortSignal.timeout(10_000),
        },
      );
      expect(manifest.status).toBe(200);
      await manifest.arrayBuffer();

      // deploy with a secrets file, a var and an immediate rollout
      const worker = `standin-it-w-${suffix}`;
      const dir = await workerProject(worker, ref);
      const secretValue = `s3cret-${randomBytes(8).toString("hex")}`;
      const secretsFile = path.join(dir, "secrets.json");
      await writeFile(secretsFile, JSON.stringify({ API_KEY: secretValue }), { mode: 0o600 });
      const deploy = await wrangler(standin, dir, [
        "deploy",
        "--config",
        path.join(dir, "wrangler.json"),
        "--secrets-file",
        secretsFile,
        "--var",
        "GREETING:hello",
        "--containers-rollout",
        "immediate",
      ]);
      expectSuccess(deploy);
      const deployed = deploy.output.find((line) => line.type === "deploy");
      expect(deployed).toMatchObject({
        worker_name: worker,
        targets: [`https://${worker}.standin.workers.dev`],
      });
      const versionId = deployed?.version_id;
      expect(versionId).toMatch(/^[0-9a-f-]{36}$/);

      const { text, state } = await stateOverHttp(standin);
      expect(text).not.toContain(secretValue);
      expect(state.workers).toEqual([
        {
          name: worker,
          versionId,
          secrets: ["API_KEY"],
          vars: { GREETING: "hello" },
          url: `https://${worker}.standin.workers.dev`,
        },
      ]);
      expect(state.applications).toEqual([
        {
          id: expect.any(String),
          name: `${worker}-backend`,
          workerName: worker,
          image: ref,
          instanceType: "basic",
          maxInstances: 2,
        },
      ]);
      expect(state.images).toEqual([tag]);
      expect(standin.secretValues(worker)).toEqual({ API_KEY: secretValue });
      const appId = state.applications[0]?.id ?? "";
      expect(standin.requests).toContainEqual({
        method: "POST",
        path: `/accounts/${standin.accountId}/containers/applications`,
      });

      // a second deploy: secrets are kept, vars replaced, the application is unchanged
      const redeploy = await wrangler(standin, dir, [
        "deploy",
        "--config",
        path.join(dir, "wrangler.json"),
        "--var",
        "GREETING:again",
        "--containers-rollout",
        "gradual",
      ]);
      expectSuccess(redeploy);
      const again = await standin.state();
      expect(again.workers[0]).toMatchObject({ secrets: ["API_KEY"], vars: { GREETING: "again" } });
      expect(again.workers[0]?.versionId).not.toBe(versionId);
      expect(again.applications.map((a) => a.id)).toEqual([appId]);

      // containers list
      const list = await wrangler(standin, dir, ["containers", "list", "--json"]);
      expectSuccess(list);
      const apps = JSON.parse(list.stdout.slice(list.stdout.indexOf("["))) as {
        id: string;
        name: string;
        image: string;
      }[];
      expect(apps).toEqual([expect.objectContaining({ id: appId, name: `${worker}-backend`, image: ref })]);

      // images list
      const images = await wrangler(standin, dir, ["containers", "images", "list", "--json"]);
      expectSuccess(images);
      const listed = JSON.parse(images.stdout.slice(images.stdout.indexOf("["))) as {
        name: string;
        tags: string[];
      }[];
      expect(listed).toEqual([{ name: repo, tags: ["v1"] }]);

      // delete the Worker (CI/--force leaves the application), then the application, then the image
      const del = await wrangler(standin, dir, ["delete", "--name", worker, "--force"]);
      expectSuccess(del);
      expect(del.stdout + del.stderr).toContain(appId);
      const afterDelete = await standin.state();
      expect(afterDelete.workers).toEqual([]);
      expect(afterDelete.applications).toEqual([expect.objectContaining({ id: appId, workerName: worker })]);

      const delApp = await wrangler(standin, dir, ["containers", "delete", appId]);
      expectSuccess(delApp);
      expect((await standin.state()).applications).toEqual([]);

      const delImage = await wrangler(standin, dir, ["containers", "images", "delete", tag]);
      expectSuccess(delImage);
      expect(await standin.state()).toEqual({ workers: [], applications: [], images: [] });
    },
    LONG,
  );

  it(
    "deploys a Worker whose image is a Dockerfile (wrangler builds, logs in and pushes)",
    async () => {
      const worker = `standin-it-df-${suffix}`;
      const dir = await workerProject(worker, "./Dockerfile", { max_instances: 1, instance_type: "lite" });
      await copyFile("/bin/busybox", path.join(dir, "busybox"));
      await mkdir(path.join(dir, "www", "cgi-bin"), { recursive: true });
      await writeFile(path.join(dir, "www", "index.html"), "dockerfile\n");
      await writeFile(path.join(dir, "Dockerfile"), dockerfile(18000 + Math.floor(Math.random() * 1000)));
      const deploy = await wrangler(standin, dir, ["deploy", "--config", path.join(dir, "wrangler.json")]);
      expectSuccess(deploy);
      const versionId = String(deploy.output.find((line) => line.type === "deploy")?.version_id);
      const state = await standin.state();
      const app = state.applications.find((a) => a.workerName === worker);
      expect(app).toMatchObject({ name: `${worker}-backend`, instanceType: "lite", maxInstances: 1 });
      // wrangler configures the application with the pushed digest
      expect(app?.image).toMatch(
        new RegExp(
          `^${standin.registry.replaceAll(".", "\\.")}/${standin.accountId}/${worker}-backend@sha256:[0-9a-f]{64}$`,
        ),
      );
      expect(state.images).toContain(`${worker}-backend:${versionId.slice(0, 8)}`);
      builtTags.push(`${standin.registry}/${standin.accountId}/${worker}-backend:${versionId.slice(0, 8)}`);

      const del = await wrangler(standin, dir, ["delete", "--name", worker, "--force"]);
      expectSuccess(del);
      const delApp = await wrangler(standin, dir, ["containers", "delete", app?.id ?? ""]);
      expectSuccess(delApp);
      const delImage = await wrangler(standin, dir, [
        "containers",
        "images",
        "delete",
        `${worker}-backend:${versionId.slice(0, 8)}`,
      ]);
      expectSuccess(delImage);
      expect(await standin.state()).toEqual({ workers: [], applications: [], images: [] });
    },
    LONG,
  );

  it(
    "an injected fault makes wrangler fail with a command-failed line (in process and over HTTP)",
    async () => {
      const worker = `standin-it-fault-${suffix}`;
      const dir = await workerProject(worker, `${standin.registry}/${standin.accountId}/does-not-matter:v1`);
      standin.failNext({ method: "POST", pathPattern: "/containers/applications$", status: 500 });
      const deploy = await wrangler(standin, dir, ["deploy", "--config", path.join(dir, "wrangler.json")]);
      expect(deploy.code, describeRun(deploy)).not.toBe(0);
      expect(deploy.output.some((line) => line.type === "deploy")).toBe(false);
      const failed = deploy.output.find((line) => line.type === "command-failed");
      expect(failed).toBeDefined();
      expect(String(failed?.message)).toMatch(/application/i);
      // the Worker went live before the container step failed (not transactional)
      const state = await standin.state();
      expect(state.workers.map((w) => w.name)).toEqual([worker]);
      expect(state.applications).toEqual([]);

      // the fault was used up: the same deploy now succeeds
      const retry = await wrangler(standin, dir, ["deploy", "--config", path.join(dir, "wrangler.json")]);
      expectSuccess(retry);

      // over HTTP, for subprocess users
      const injected = await fetch(`${new URL(standin.stateUrl).origin}/__standin/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          method: "GET",
          pathPattern: "/containers/dash/applications",
          status: 503,
          times: 1,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      expect(injected.status).toBe(201);
      await injected.arrayBuffer();
      const list = await wrangler(standin, dir, ["containers", "list", "--json"]);
      expect(list.code).not.toBe(0);
      expect(list.output.some((line) => line.type === "command-failed")).toBe(true);
      const listAgain = await wrangler(standin, dir, ["containers", "list", "--json"]);
      expectSuccess(listAgain);

      const bad = await fetch(`${new URL(standin.stateUrl).origin}/__standin/faults`, {
        method: "POST",
        body: "{}",
        signal: AbortSignal.timeout(10_000),
      });
      expect(bad.status).toBe(400);
      await bad.arrayBuffer();

      const appId = (await standin.state()).applications[0]?.id ?? "";
      expectSuccess(await wrangler(standin, dir, ["delete", "--name", worker, "--force"]));
      expectSuccess(await wrangler(standin, dir, ["containers", "delete", appId]));
      expect(await standin.state()).toEqual({ workers: [], applications: [], images: [] });
    },
    LONG,
  );
});

describe("Cloudflare stand-in with the edge", () => {
  it(
    "serves a deployed Worker's URL from its image with vars and secret values as env",
    async () => {
      const standin = await startCloudflareStandin({ edge: true, sleepAfterMs: 2_000 });
      try {
        expect(standin.env.HTTPS_PROXY).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(standin.env.NODE_EXTRA_CA_CERTS).toBeTruthy();
        expect(standin.env.NO_PROXY).toContain("127.0.0.1");
        const tag = `standin-it-edge-${suffix}:v1`;
        builtTags.push(tag);
        await buildImage(tag, 19000 + Math.floor(Math.random() * 1000), `edge ${suffix}`);
        const push = await wrangler(standin, workDir, ["containers", "push", tag]);
        expectSuccess(push);
        const ref = `${standin.registry}/${standin.accountId}/${tag}`;
        builtTags.push(ref);
        const worker = `standin-it-edge-${suffix}`;
        const dir = await workerProject(worker, ref);
        const secretsFile = path.join(dir, "secrets.json");
        await writeFile(secretsFile, JSON.stringify({ API_KEY: "edge-secret" }), { mode: 0o600 });
        expectSuccess(
          await wrangler(standin, dir, [
            "deploy",
            "--config",
            path.join(dir, "wrangler.json"),
            "--secrets-file",
            secretsFile,
            "--var",
            "GREETING:edge-hello",
          ]),
        );
        const ca = await readFile(String(standin.env.NODE_EXTRA_CA_CERTS), "utf8");
        const dispatcher = new ProxyAgent({ uri: String(standin.env.HTTPS_PROXY), requestTls: { ca } });
        try {
          let last = "";
          let body = "";
          const deadline = Date.now() + 90_000;
          for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
            try {
              const response = await undiciFetch(`https://${worker}.standin.workers.dev/cgi-bin/env`, {
                dispatcher,
                signal: AbortSignal.timeout(10_000),
              });
              body = await response.text();
              last = `${response.status} ${body.slice(0, 200)}`;
              if (response.status === 200) break;
            } catch (error) {
              last = String(error);
            }
            await new Promise((resolve) => setTimeout(resolve, 300));
          }
          expect(last).toMatch(/^200 /);
          expect(body.trim()).toBe("GREETING=edge-hello API_KEY=edge-secret");
        } finally {
          await dispatcher.close();
        }
        const appId = (await standin.state()).applications[0]?.id ?? "";
        expectSuccess(await wrangler(standin, dir, ["delete", "--name", worker, "--force"]));
        expectSuccess(await wrangler(standin, dir, ["containers", "delete", appId]));
      } finally {
        await standin.close();
      }
    },
    LONG,
  );
});

describe("npm run emulator", () => {
  it(
    "writes the env file once ready, serves the state and stops everything on SIGTERM",
    async () => {
      const envFile = path.join(workDir, "emulator.env");
      // `--` keeps Node 24 from reading `--env-file` itself (the npm script ends in `--` too)
      const child = spawn(NODE24, [EMULATOR, "--", "--env-file", envFile, "--sleep-after-ms", "1500"], {
        cwd: ROOT,
        env: baseEnv(),
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once("exit", (code, signal) => resolve({ code, signal })),
      );
      try {
        const ready = await waitForFile(envFile, () => child.exitCode === null);
        expect(ready, `emulator did not write ${envFile}\n${stdout}\n${stderr}`).toBe(true);
        const env = await readEnvFile(envFile);
        for (const key of [
          "CLOUDFLARE_API_BASE_URL",
          "CLOUDFLARE_CONTAINER_REGISTRY",
          "CLOUDFLARE_API_TOKEN",
          "CLOUDFLARE_ACCOUNT_ID",
          "CLOUDFLARE_STANDIN_STATE_URL",
          "HTTPS_PROXY",
          "NODE_EXTRA_CA_CERTS",
        ]) {
          expect(env[key], key).toBeTruthy();
        }
        expect(stdout).toContain("Cloudflare stand-in ready");
        const response = await fetch(String(env.CLOUDFLARE_STANDIN_STATE_URL), {
          signal: AbortSignal.timeout(10_000),
        });
        expect(await response.json()).toEqual({ workers: [], applications: [], images: [] });
        const registry = await fetch(`http://${env.CLOUDFLARE_CONTAINER_REGISTRY}/v2/`, {
          signal: AbortSignal.timeout(10_000),
        });
        expect(registry.status).toBe(200);
        await registry.arrayBuffer();

        // the registry process the emulator started (a direct child)
        const children = (await childPids(child.pid ?? 0))
          .filter((c) => c.comm === "docker-registry")
          .map((c) => c.pid);
        expect(children).toHaveLength(1);

        child.kill("SIGTERM");
        const result = await Promise.race([
          exited,
          new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 60_000)),
        ]);
        expect(result, stderr).toEqual({ code: 0, signal: null });
        await expect(
          fetch(`http://${env.CLOUDFLARE_CONTAINER_REGISTRY}/v2/`, { signal: AbortSignal.timeout(5_000) }),
        ).rejects.toThrow();
        await expect(
          fetch(String(env.CLOUDFLARE_STANDIN_STATE_URL), { signal: AbortSignal.timeout(5_000) }),
        ).rejects.toThrow();
        await expect(
          fetch(String(env.HTTPS_PROXY), { signal: AbortSignal.timeout(5_000) }),
        ).rejects.toThrow();
        for (const pid of children) expect(isRunning(pid)).toBe(false);
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
    LONG,
  );

  it(
    "stops when its parent goes away (npm run's `sh -c` does not pass SIGTERM on)",
    async () => {
      const envFile = path.join(workDir, "emulator-orphan.env");
      const quote = (arg: string) => `'${arg.replaceAll("'", "'\\''")}'`;
      const command = [NODE24, EMULATOR, "--", "--env-file", envFile, "--no-edge"].map(quote).join(" ");
      // a second command after it keeps sh from exec-ing node, as under npm run
      const shell = spawn("sh", ["-c", `${command}; true`], { cwd: ROOT, env: baseEnv(), stdio: "ignore" });
      let emulatorPid = 0;
      try {
        expect(await waitForFile(envFile, () => shell.exitCode === null)).toBe(true);
        const env = await readEnvFile(envFile);
        emulatorPid = (await childPids(shell.pid ?? 0)).find((c) => c.comm !== "docker-registry")?.pid ?? 0;
        expect(emulatorPid).toBeGreaterThan(0);
        const registries = (await childPids(emulatorPid)).filter((c) => c.comm === "docker-registry");
        expect(registries).toHaveLength(1);
        shell.kill("SIGTERM");
        const deadline = Date.now() + 60_000;
        for (let attempt = 0; attempt < 600 && Date.now() < deadline && isRunning(emulatorPid); attempt++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(isRunning(emulatorPid)).toBe(false);
        for (const registry of registries) expect(isRunning(registry.pid)).toBe(false);
        await expect(
          fetch(`http://${env.CLOUDFLARE_CONTAINER_REGISTRY}/v2/`, { signal: AbortSignal.timeout(5_000) }),
        ).rejects.toThrow();
      } finally {
        if (shell.exitCode === null) shell.kill("SIGKILL");
        if (emulatorPid > 0 && isRunning(emulatorPid)) process.kill(emulatorPid, "SIGKILL");
      }
    },
    LONG,
  );
});
