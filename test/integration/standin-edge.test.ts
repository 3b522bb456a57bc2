// The Cloudflare stand-in's edge: deployed Worker URLs served by running the Worker's container
// image locally (docker, host network), reached through an HTTPS proxy with a per-run CA.
// Needs docker + buildx: without them these tests fail (they never skip).
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ProxyAgent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Edge,
  type EdgeWorker,
  NO_INSTANCE_MESSAGE,
  startEdge,
} from "../standin/cloudflare/edge/index.js";

const execFileAsync = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const NODE24 = path.join(ROOT, "node_modules/.bin/node");
const BUSYBOX = "/bin/busybox";
const LONG = 120_000;

async function docker(args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await execFileAsync("docker", args, { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 });
  return stdout;
}

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

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  body: string;
}

describe("Cloudflare stand-in edge (docker)", () => {
  const suffix = randomBytes(3).toString("hex");
  const subdomain = `edgetest${suffix}`;
  const tags = {
    aaa: `cfsi-edge-test-${suffix}:aaa`,
    bbb: `cfsi-edge-test-${suffix}:bbb`,
    crash: `cfsi-edge-test-${suffix}:crash`,
  };
  const workers = new Map<string, EdgeWorker>();
  const greeting = `hello from w1 = ok ${suffix}`;
  const multiLine = `line one ${suffix}\nline two`;
  let buildDir = "";
  let port = 0;
  let edge: Edge;
  let agent: ProxyAgent;
  let caPem = "";

  const url = (worker: string, urlPath: string) => `https://${worker}.${subdomain}.workers.dev${urlPath}`;

  async function get(target: string): Promise<Answer> {
    const response = await undiciFetch(target, { dispatcher: agent, signal: AbortSignal.timeout(20_000) });
    return { status: response.status, body: await response.text() };
  }

  /** GETs `target` until `done` says so; bounded in attempts and time. Returns every answer seen. */
  async function poll(target: string, done: (answer: Answer) => boolean, attempts = 240): Promise<Answer[]> {
    const seen: Answer[] = [];
    const deadline = Date.now() + 90_000;
    for (let attempt = 0; attempt < attempts && Date.now() < deadline; attempt++) {
      const answer = await get(target);
      seen.push(answer);
      if (done(answer)) return seen;
      await delay(250);
    }
    const last = seen.at(-1);
    throw new Error(
      `${target}: condition not met after ${seen.length} attempts; last ${last?.status} ${last?.body}`,
    );
  }

  async function containers(filters: string[] = []): Promise<string[]> {
    const out = await docker([
      "ps",
      "-a",
      "--filter",
      `label=cf-standin-subdomain=${subdomain}`,
      ...filters.flatMap((f) => ["--filter", f]),
      "--format",
      '{{.Names}} {{.Label "cf-standin-worker"}}',
    ]);
    return out.split("\n").filter((line) => line.trim() !== "");
  }

  async function buildImage(tag: string, files: Record<string, string>, cmd: string[]): Promise<void> {
    const context = path.join(buildDir, tag.replace(/[^a-z0-9]/g, "-"));
    await mkdir(path.join(context, "www"), { recursive: true });
    await copyFile(BUSYBOX, path.join(context, "busybox"));
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(context, "www", name)), { recursive: true });
      await writeFile(path.join(context, "www", name), content);
    }
    await writeFile(
      path.join(context, "Dockerfile"),
      [
        "FROM scratch",
        "COPY busybox /bin/busybox",
        "COPY www /www",
        `EXPOSE ${port}`,
        `CMD ${JSON.stringify(cmd)}`,
        "",
      ].join("\n"),
    );
    await docker(["buildx", "build", "--platform", "linux/amd64", "--load", "-t", tag, context], 180_000);
  }

  beforeAll(async () => {
    // fails (not skips) without a daemon or buildx
    await docker(["info", "--format", "{{.ServerVersion}}"], 30_000);
    await docker(["buildx", "version"], 30_000);
    buildDir = await mkdtemp(path.join(tmpdir(), "cfsi-edge-test-"));
    port = await freePort();
    const httpd = `exec /bin/busybox httpd -f -p 0.0.0.0:${port} -h /www`;
    const serve = [
      "/bin/busybox",
      "sh",
      "-c",
      `echo "$GREETING" > /www/env.txt; echo "$MULTI" > /www/multi.txt; ${httpd}`,
    ];
    await buildImage(tags.aaa, { "api/health": '{"sha":"aaa"}' }, serve);
    await buildImage(tags.bbb, { "api/health": '{"sha":"bbb"}' }, serve);
    await buildImage(tags.crash, {}, ["/bin/busybox", "sh", "-c", "echo boom-crash-marker >&2; exit 1"]);

    workers.set("w1", {
      name: "w1",
      versionId: "v1",
      image: tags.aaa,
      env: { GREETING: greeting, MULTI: multiLine },
    });
    workers.set("w2", { name: "w2", versionId: "v1", image: tags.bbb, env: { GREETING: "w2" } });
    workers.set("crashy", { name: "crashy", versionId: "v1", image: tags.crash, env: {} });
    edge = await startEdge({
      subdomain,
      resolveWorker: (name) => workers.get(name),
      coldStartMs: 1500,
      sleepAfterMs: 3000,
      rolloutOverlapMs: 4000,
    });
    caPem = await readFile(edge.caCertPath, "utf8");
    agent = new ProxyAgent({ uri: edge.proxyUrl, requestTls: { ca: caPem } });
  }, 300_000);

  afterAll(async () => {
    await agent?.close();
    await edge?.close();
    await docker(["rmi", "-f", ...Object.values(tags)]).catch(() => "");
    if (buildDir) await rm(buildDir, { recursive: true, force: true });
  }, LONG);

  it("exposes proxy variables and a CA a client can use", () => {
    expect(edge.proxyUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(edge.env.HTTPS_PROXY).toBe(edge.proxyUrl);
    expect(edge.env.https_proxy).toBe(edge.proxyUrl);
    expect(edge.env.HTTP_PROXY).toBe(edge.proxyUrl);
    expect(edge.env.NODE_EXTRA_CA_CERTS).toBe(edge.caCertPath);
    for (const host of ["127.0.0.1", "localhost", "::1"]) {
      expect(edge.env.NO_PROXY?.split(",")).toContain(host);
      expect(edge.env.no_proxy?.split(",")).toContain(host);
    }
    expect(caPem).toContain("BEGIN CERTIFICATE");
  });

  it(
    "cold-starts a Worker's container: 503 while it starts, then its answer; vars and secrets reach it",
    async () => {
      const first = await get(url("w1", "/api/health"));
      expect(first.status).toBe(503);
      expect(first.body).toContain(NO_INSTANCE_MESSAGE);
      expect(first.body).toContain("There is no Container instance available at this time");

      const seen = await poll(url("w1", "/api/health"), (a) => a.status === 200);
      expect(seen.at(-1)?.body).toBe('{"sha":"aaa"}');
      // only 503s before the first 200
      expect(seen.slice(0, -1).every((a) => a.status === 503)).toBe(true);

      const env = await get(url("w1", "/env.txt"));
      expect(env).toEqual({ status: 200, body: `${greeting}\n` });
      const multi = await get(url("w1", "/multi.txt"));
      expect(multi).toEqual({ status: 200, body: `${multiLine}\n` });

      const running = await containers(["status=running"]);
      expect(running).toHaveLength(1);
      expect(running[0]).toMatch(/ w1$/);
      // the env file that carried the values to `docker run` is gone
      const leftovers = await readdir(path.dirname(edge.caCertPath));
      expect(leftovers.filter((name) => name.startsWith("env-"))).toEqual([]);
    },
    LONG,
  );

  it("answers 404 'There is nothing here yet' for a Worker that does not exist", async () => {
    const answer = await get(url("nope", "/api/health"));
    expect(answer.status).toBe(404);
    expect(answer.body).toContain("There is nothing here yet");
  });

  it(
    "lets two Workers whose images bind the same port take turns",
    async () => {
      const w2 = await poll(url("w2", "/api/health"), (a) => a.status === 200);
      expect(w2.at(-1)?.body).toBe('{"sha":"bbb"}');
      expect(w2.slice(0, -1).every((a) => a.status === 503)).toBe(true);

      const w1 = await poll(url("w1", "/api/health"), (a) => a.status === 200);
      expect(w1.at(-1)?.body).toBe('{"sha":"aaa"}');
      expect(w1.slice(0, -1).every((a) => a.status === 503)).toBe(true);

      // w1 took the port back: w2's container was stopped and removed
      const all = await containers();
      expect(all).toHaveLength(1);
      expect(all[0]).toMatch(/ w1$/);
    },
    LONG,
  );

  it(
    "keeps the old container answering during a rollout's overlap, then switches to the new image",
    async () => {
      const before = await poll(url("w1", "/api/health"), (a) => a.status === 200);
      expect(before.at(-1)?.body).toBe('{"sha":"aaa"}');

      workers.set("w1", { name: "w1", versionId: "v2", image: tags.bbb, env: { GREETING: "v2" } });
      const during = await get(url("w1", "/api/health"));
      expect(during).toEqual({ status: 200, body: '{"sha":"aaa"}' });

      const seen = await poll(
        url("w1", "/api/health"),
        (a) => a.status === 200 && a.body === '{"sha":"bbb"}',
      );
      // old answers, then (possibly) 503 while the new one starts, then the new answer: never old again
      const firstNotOld = seen.findIndex((a) => a.body !== '{"sha":"aaa"}');
      expect(firstNotOld).toBeGreaterThanOrEqual(0);
      for (const answer of seen.slice(firstNotOld)) {
        expect(answer.body).not.toBe('{"sha":"aaa"}');
        expect([200, 503]).toContain(answer.status);
      }
      const env = await get(url("w1", "/env.txt"));
      expect(env).toEqual({ status: 200, body: "v2\n" });
    },
    LONG,
  );

  it(
    "answers 500 'Failed to start container' with the last log lines when the container exits",
    async () => {
      const seen = await poll(url("crashy", "/api/health"), (a) => a.status === 500);
      const last = seen.at(-1);
      expect(last?.body).toContain("Failed to start container");
      expect(last?.body).toContain("boom-crash-marker");
      expect(seen.slice(0, -1).every((a) => a.status === 503)).toBe(true);
    },
    LONG,
  );

  it("forwards plain proxy requests to loopback and refuses every other host", async () => {
    const local = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`local ${req.method} ${req.url}`);
    });
    await new Promise<void>((resolve) => local.listen(0, "127.0.0.1", resolve));
    const address = local.address();
    const localPort = typeof address === "object" && address !== null ? address.port : 0;
    const proxyPort = Number(new URL(edge.proxyUrl).port);
    const viaProxy = (target: string, method = "GET") =>
      new Promise<Answer>((resolve, reject) => {
        const req = http.request({
          host: "127.0.0.1",
          port: proxyPort,
          method,
          path: target,
          timeout: 10_000,
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
        req.on("connect", (res, socket) => {
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, body: "" });
        });
        req.on("response", (res) => {
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.end();
      });
    try {
      // absolute-URI form (what a client that ignores NO_PROXY sends for http:// URLs)
      expect(await viaProxy(`http://127.0.0.1:${localPort}/x?y=1`)).toEqual({
        status: 200,
        body: "local GET /x?y=1",
      });
      // undici's ProxyAgent tunnels http:// too (CONNECT 127.0.0.1:port)
      const tunnelled = await undiciFetch(`http://127.0.0.1:${localPort}/tunnel`, {
        dispatcher: agent,
        signal: AbortSignal.timeout(10_000),
      });
      expect(await tunnelled.text()).toBe("local GET /tunnel");
      // never connects out
      const refused = await viaProxy("http://example.com/");
      expect(refused.status).toBe(502);
      expect(refused.body).toContain("never connects");
      expect((await viaProxy("example.com:443", "CONNECT")).status).toBe(502);
    } finally {
      await new Promise<void>((resolve) => local.close(() => resolve()));
    }
  });

  it(
    "serves a client that only has the environment variables (EnvHttpProxyAgent as global dispatcher)",
    async () => {
      const script = [
        'import { EnvHttpProxyAgent, setGlobalDispatcher } from "undici";',
        "if (process.env.USE_UNDICI === '1') setGlobalDispatcher(new EnvHttpProxyAgent());",
        "const deadline = Date.now() + 60_000;",
        "let last = 'none';",
        "for (let i = 0; i < 200 && Date.now() < deadline; i++) {",
        "  try {",
        "    const r = await fetch(process.env.TARGET_URL, { signal: AbortSignal.timeout(15_000) });",
        "    const body = await r.text();",
        '    last = r.status + " " + body;',
        "    if (r.status === 200) { console.log(JSON.stringify({ status: r.status, body })); process.exit(0); }",
        "  } catch (e) { last = String(e?.cause ?? e); }",
        "  await new Promise((r) => setTimeout(r, 250));",
        "}",
        "console.error(last); process.exit(1);",
      ].join("\n");
      const run = (extra: Record<string, string>) =>
        new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
          const env: NodeJS.ProcessEnv = {};
          for (const [key, value] of Object.entries(process.env)) {
            if (!/^(https?_proxy|no_proxy|node_extra_ca_certs|node_use_env_proxy|node_options)$/i.test(key)) {
              env[key] = value;
            }
          }
          Object.assign(env, extra, { TARGET_URL: url("w1", "/api/health") });
          const child = spawn(NODE24, ["--input-type=module", "-e", script], {
            cwd: ROOT,
            env,
            stdio: ["ignore", "pipe", "pipe"],
          });
          let stdout = "";
          let stderr = "";
          child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
            stdout += chunk.slice(0, 10_000);
          });
          child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
            stderr += chunk.slice(0, 10_000);
          });
          const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
          child.on("error", reject);
          child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
          });
        });

      expect(edge.env.NODE_USE_ENV_PROXY).toBeUndefined();
      const viaUndici = await run({ ...edge.env, USE_UNDICI: "1" });
      // undici 6 announces EnvHttpProxyAgent as experimental; anything else on stderr is a failure.
      expect(viaUndici.stderr.replace(/^.*(UNDICI-EHPA|--trace-warnings).*\n?/gm, "")).toBe("");
      expect(viaUndici.code).toBe(0);
      expect(JSON.parse(viaUndici.stdout)).toEqual({ status: 200, body: '{"sha":"bbb"}' });

      // Node 24's built-in fetch when the process opts in to the proxy variables
      const builtin = await run({ ...edge.env, NODE_USE_ENV_PROXY: "1", USE_UNDICI: "0" });
      expect(builtin.code).toBe(0);
      expect(JSON.parse(builtin.stdout)).toEqual({ status: 200, body: '{"sha":"bbb"}' });
    },
    LONG,
  );

  it(
    "pulls a registry image (tag or digest) that is not present locally",
    async () => {
      const registryPort = await freePort();
      const registryDir = await mkdtemp(path.join(tmpdir(), "cfsi-edge-registry-"));
      const config = path.join(registryDir, "config.yml");
      await writeFile(
        config,
        [
          "version: 0.1",
          "log:",
          "  level: error",
          "storage:",
          "  filesystem:",
          `    rootdirectory: ${path.join(registryDir, "data")}`,
          "http:",
          `  addr: 127.0.0.1:${registryPort}`,
          "",
        ].join("\n"),
      );
      const registry = spawn("/usr/bin/docker-registry", ["serve", config], { stdio: "ignore" });
      const ref = `127.0.0.1:${registryPort}/edge-test-${suffix}:bbb`;
      let digestRef = "";
      try {
        let ready = false;
        for (let attempt = 0; attempt < 100 && !ready; attempt++) {
          ready = await new Promise<boolean>((resolve) => {
            const req = http.get(`http://127.0.0.1:${registryPort}/v2/`, { timeout: 2000 }, (res) => {
              res.resume();
              resolve(res.statusCode === 200);
            });
            req.on("timeout", () => req.destroy());
            req.on("error", () => resolve(false));
          });
          if (!ready) await delay(100);
        }
        expect(ready).toBe(true);
        await docker(["tag", tags.bbb, ref]);
        await docker(["push", ref]);
        digestRef = (await docker(["image", "inspect", "--format", "{{index .RepoDigests 0}}", ref])).trim();
        expect(digestRef).toMatch(/@sha256:[0-9a-f]{64}$/);
        await docker(["rmi", ref]);
        await expect(docker(["image", "inspect", ref])).rejects.toThrow();

        workers.set("w3", { name: "w3", versionId: "v1", image: ref, env: { GREETING: "w3" } });
        const byTag = await poll(url("w3", "/api/health"), (a) => a.status === 200);
        expect(byTag.at(-1)?.body).toBe('{"sha":"bbb"}');
        expect(byTag.slice(0, -1).every((a) => a.status === 503)).toBe(true);

        await docker(["rmi", ref]);
        workers.set("w3", { name: "w3", versionId: "v2", image: digestRef, env: { GREETING: "w3 digest" } });
        const byDigest = await poll(
          url("w3", "/env.txt"),
          (a) => a.status === 200 && a.body === "w3 digest\n",
        );
        expect(byDigest.at(-1)?.body).toBe("w3 digest\n");
      } finally {
        workers.delete("w3");
        registry.kill("SIGTERM");
        for (const image of [ref, digestRef].filter((r) => r !== "")) {
          await docker(["rmi", image]).catch(() => "");
        }
        await rm(registryDir, { recursive: true, force: true });
      }
    },
    LONG,
  );

  it(
    "stops an idle container after sleepAfterMs and cold-starts it again on the next request",
    async () => {
      await poll(url("w2", "/api/health"), (a) => a.status === 200);
      let remaining = await containers();
      const deadline = Date.now() + 60_000;
      for (let attempt = 0; attempt < 120 && remaining.length > 0 && Date.now() < deadline; attempt++) {
        await delay(500);
        remaining = await containers();
      }
      expect(remaining).toEqual([]);
      const cold = await get(url("w2", "/api/health"));
      expect(cold.status).toBe(503);
      const seen = await poll(url("w2", "/api/health"), (a) => a.status === 200);
      expect(seen.at(-1)?.body).toBe('{"sha":"bbb"}');
    },
    LONG,
  );

  it(
    "close() removes every container it started and its temporary files",
    async () => {
      // make sure something is running, then close
      await poll(url("w2", "/api/health"), (a) => a.status === 200);
      expect((await containers()).length).toBeGreaterThan(0);
      await edge.close();
      expect(await containers()).toEqual([]);
      await expect(stat(edge.caCertPath)).rejects.toThrow();
      const proxyPort = Number(new URL(edge.proxyUrl).port);
      const refused = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ host: "127.0.0.1", port: proxyPort });
        socket.once("connect", () => {
          socket.destroy();
          resolve(false);
        });
        socket.once("error", () => resolve(true));
      });
      expect(refused).toBe(true);
    },
    LONG,
  );
});
