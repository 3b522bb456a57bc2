/**
 * The health poller against real HTTP servers on 127.0.0.1: cold starts, platform answers,
 * Retry-After, old versions, hangs, huge bodies, resets, redirects, and an HTTPS origin behind a
 * CONNECT proxy trusted through NODE_EXTRA_CA_CERTS (in a Node 24 child process).
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, createServer as createNetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { healthCommand } from "../../src/verify/health-command.js";
import type { HealthOptions, HealthResult } from "../../src/verify/poll.js";
import { createHttpProbe } from "../../src/verify/probe.js";
import { verifyHealth } from "../../src/verify/verify.js";

const REPO = resolve(import.meta.dirname, "../..");
const NODE24 = join(REPO, "node_modules", ".bin", "node");
const SHA = "c0ffee00112233445566778899aabbccddeeff00";
const NO_PROXY_ENV: NodeJS.ProcessEnv = {};

interface Running {
  readonly port: number;
  readonly url: string;
  readonly requests: () => number;
  close(): Promise<void>;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number, sinceStartMs: number) => void;

const servers: { close(): Promise<void> }[] = [];

async function listen(server: Server | ReturnType<typeof createNetServer>): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function serve(handler: Handler): Promise<Running> {
  let n = 0;
  const started = performance.now();
  const server = createServer((req, res) => {
    n += 1;
    handler(req, res, n, performance.now() - started);
  });
  const port = await listen(server);
  const running = {
    port,
    url: `http://127.0.0.1:${port}/api/health`,
    requests: () => n,
    close: async () => {
      server.closeAllConnections();
      server.close();
    },
  };
  servers.push(running);
  return running;
}

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function answer(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "text/plain", ...headers });
  res.end(body);
}

async function poll(options: HealthOptions, logs: string[] = []): Promise<HealthResult> {
  return verifyHealth(options, { log: (l) => logs.push(l), env: NO_PROXY_ENV });
}

describe.concurrent("health poller against loopback servers", () => {
  it("detects a server that turns healthy after a cold start", async ({ expect }) => {
    const coldMs = 1500;
    const s = await serve((_req, res, _n, since) =>
      since >= coldMs
        ? answer(res, 200, '{"status":"ok"}')
        : answer(res, 503, "There is no Container instance available at this time."),
    );
    const r = await poll({ url: s.url, timeoutMs: 15_000 });
    expect(r.healthy).toBe(true);
    expect(r.timeToHealthyMs).not.toBeNull();
    expect(r.timeToHealthyMs ?? 0).toBeGreaterThanOrEqual(coldMs);
    expect(r.attempts).toBeGreaterThanOrEqual(2);
    expect(r.attempts).toBe(s.requests());
    expect(r.lastStatus).toBe(200);
  });

  it("retries 503 then is healthy on 200", async ({ expect }) => {
    const s = await serve((_req, res, n) =>
      n <= 2 ? answer(res, 503, "There is no Container instance available") : answer(res, 200, "ok"),
    );
    const r = await poll({ url: s.url, timeoutMs: 15_000 });
    expect(r).toMatchObject({ healthy: true, attempts: 3, lastStatus: 200, lastError: null });
  });

  it("honours Retry-After on 429", async ({ expect }) => {
    const s = await serve((_req, res, n) =>
      n === 1 ? answer(res, 429, "rate limited", { "retry-after": "3" }) : answer(res, 200, "ok"),
    );
    const logs: string[] = [];
    const r = await poll({ url: s.url, timeoutMs: 15_000 }, logs);
    expect(r).toMatchObject({ healthy: true, attempts: 2 });
    expect(logs.some((l) => l.includes("attempt 1: 429") && l.includes("Retry-After"))).toBe(true);
  });

  it("reports a server that never gets healthy, through the CLI command as JSON", async ({ expect }) => {
    const s = await serve((_req, res) => answer(res, 500, "Traceback (most recent call last):\n  boom\n"));
    const out: string[] = [];
    const err: string[] = [];
    const code = await healthCommand(
      [s.url, "--timeout", "2.5", "--format", "json"],
      { stdout: (x) => out.push(x), stderr: (x) => err.push(x) },
      NO_PROXY_ENV,
    );
    expect(code).toBe(1);
    const json = JSON.parse(out.join(""));
    expect(Object.keys(json).slice(0, 7)).toEqual([
      "healthy",
      "url",
      "attempts",
      "elapsedMs",
      "timeToHealthyMs",
      "lastStatus",
      "lastError",
    ]);
    expect(json).toMatchObject({
      healthy: false,
      url: s.url,
      timeToHealthyMs: null,
      lastStatus: 500,
      lastError: "expected status 200, got 500",
      classification: "app-erroring",
    });
    expect(json.attempts).toBe(s.requests());
    expect(err.join("")).toContain("attempt 1: 500");
  });

  it("text output names classification, last status and body excerpt", async ({ expect }) => {
    const s = await serve((_req, res) =>
      answer(res, 503, "There is no Container instance available at this time."),
    );
    const out: string[] = [];
    const code = await healthCommand(
      [s.url, "--timeout", "2"],
      { stdout: (x) => out.push(x), stderr: () => undefined },
      NO_PROXY_ENV,
    );
    expect(code).toBe(1);
    const text = out.join("");
    expect(text).toContain("classification: container-not-starting");
    expect(text).toContain("last status: 503");
    expect(text).toContain("last body: There is no Container instance available at this time.");
  });

  it("with {sha}, keeps polling while the old version answers", async ({ expect }) => {
    const s = await serve((_req, res, n) =>
      answer(
        res,
        200,
        JSON.stringify({ status: "ok", sha: n <= 2 ? "0000000000000000000000000000000000000000" : SHA }),
      ),
    );
    const out: string[] = [];
    const code = await healthCommand(
      [s.url, "--timeout", "15", "--expect-body", '"sha":"{sha}"', "--sha", SHA, "--format", "json"],
      { stdout: (x) => out.push(x), stderr: () => undefined },
      NO_PROXY_ENV,
    );
    expect(code).toBe(0);
    expect(JSON.parse(out.join(""))).toMatchObject({ healthy: true, attempts: 3, lastStatus: 200 });
  });

  it("old version only → old-version", async ({ expect }) => {
    const s = await serve((_req, res) => answer(res, 200, '{"sha":"0000000"}'));
    const r = await poll({ url: s.url, timeoutMs: 2000, expectBody: "{short_sha}", sha: SHA });
    expect(r).toMatchObject({ healthy: false, classification: "old-version", lastStatus: 200 });
    expect(r.lastBodyExcerpt).toBe('{"sha":"0000000"}');
  });

  it("times out attempts against a server that accepts and never answers", async ({ expect }) => {
    const sockets = new Set<Socket>();
    const hang = createNetServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
    });
    const port = await listen(hang);
    servers.push({
      close: async () => {
        for (const s of sockets) s.destroy();
        hang.close();
      },
    });
    const r = await poll({
      url: `http://127.0.0.1:${port}/api/health`,
      timeoutMs: 2500,
      attemptTimeoutMs: 500,
    });
    expect(r).toMatchObject({ healthy: false, classification: "timed-out", lastStatus: null });
    expect(r.lastError).toMatch(/no answer within \d+ ms/);
    expect(r.attempts).toBeGreaterThanOrEqual(2);
  });

  it("bounds each attempt against a slow-drip body (one byte every 200 ms)", async ({ expect }) => {
    const timers = new Set<NodeJS.Timeout>();
    const server = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      let sent = 0;
      const t = setInterval(() => {
        // Bounded: stops after 200 bytes (40 s) or when the client hangs up.
        if (sent++ >= 200 || res.destroyed) {
          clearInterval(t);
          res.end();
          return;
        }
        res.write("x");
      }, 200);
      timers.add(t);
    });
    // The body never contains "ok": each attempt ends at its own timeout (so several fit in the
    // 3 s deadline), never at the end of the 40 s drip.
    const r = await poll({ url: server.url, expectBody: "ok", timeoutMs: 3000, attemptTimeoutMs: 700 });
    // Without a body expectation the 200 status is enough, read within one attempt's bound.
    const statusOnly = await poll({ url: server.url, timeoutMs: 3000, attemptTimeoutMs: 700 });
    for (const t of timers) clearInterval(t);
    expect(r.healthy).toBe(false);
    expect(r.attempts).toBeGreaterThanOrEqual(2);
    expect(statusOnly).toMatchObject({ healthy: true, attempts: 1 });
  });

  it("reads at most the body cap of a 50 MB answer and drops the connection", async ({ expect }) => {
    const total = 50 * 1024 * 1024;
    let written = 0;
    let finished = false;
    let closed: Promise<unknown> = Promise.resolve();
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": String(total) });
      closed = once(res, "close");
      const chunk = Buffer.alloc(64 * 1024, "a");
      const pump = async () => {
        while (written < total && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) {
            await new Promise<void>((go) => {
              const done = () => {
                res.off("drain", done);
                res.off("close", done);
                go();
              };
              res.on("drain", done);
              res.on("close", done);
            });
          }
        }
        if (!res.destroyed) {
          res.end();
          finished = true;
        }
      };
      void pump();
    });
    const http = createHttpProbe(NO_PROXY_ENV);
    try {
      const outcome = await http.probe({ url: s.url, timeoutMs: 10_000, maxBodyBytes: 64 * 1024 });
      expect(outcome.kind).toBe("response");
      if (outcome.kind !== "response") return;
      expect(outcome.status).toBe(200);
      expect(Buffer.byteLength(outcome.body)).toBe(64 * 1024);
      expect(outcome.bodyTruncated).toBe(true);
      await closed;
      expect(finished).toBe(false);
      expect(written).toBeLessThan(total);
    } finally {
      await http.close();
    }
    // The poller on the same kind of answer: healthy on status, body capped.
    const r = await poll({ url: s.url, timeoutMs: 10_000 });
    expect(r.healthy).toBe(true);
    expect(r.lastBodyExcerpt?.length).toBeLessThanOrEqual(160);
  });

  it("retries connection resets", async ({ expect }) => {
    const s = await serve((req, res, n) => (n <= 2 ? req.socket.destroy() : answer(res, 200, "ok")));
    const logs: string[] = [];
    const r = await poll({ url: s.url, timeoutMs: 15_000 }, logs);
    expect(r).toMatchObject({ healthy: true, attempts: 3 });
    expect(logs[1]).toMatch(/attempt 1: .*(ECONNRESET|socket|closed)/i);
  });

  it("a server that only resets is never-answered", async ({ expect }) => {
    const s = await serve((req) => req.socket.destroy());
    const r = await poll({ url: s.url, timeoutMs: 2000 });
    expect(r).toMatchObject({ healthy: false, classification: "never-answered", lastStatus: null });
    expect(r.lastError).toMatch(/ECONNRESET|socket|closed/i);
  });

  it("a refused port is never-answered", async ({ expect }) => {
    const s = await serve((_req, res) => answer(res, 200, "ok"));
    const port = s.port;
    await s.close();
    const r = await poll({ url: `http://127.0.0.1:${port}/api/health`, timeoutMs: 1500 });
    expect(r).toMatchObject({ healthy: false, classification: "never-answered" });
    expect(r.lastError).toContain("ECONNREFUSED");
  });

  it("does not follow a redirect to another origin", async ({ expect }) => {
    const other = await serve((_req, res) => answer(res, 200, "ok"));
    const s = await serve((_req, res) => answer(res, 302, "", { location: other.url }));
    const r = await poll({ url: s.url, timeoutMs: 2000 });
    expect(r).toMatchObject({ healthy: false, lastStatus: 302, classification: "app-erroring" });
    expect(r.lastError).toContain(`redirect to ${other.url}, not followed`);
    expect(other.requests()).toBe(0);
    const expected = await poll({ url: s.url, timeoutMs: 2000, expectStatus: 302 });
    expect(expected).toMatchObject({ healthy: true, attempts: 1 });
    expect(other.requests()).toBe(0);
  });
});

describe("through an HTTPS CONNECT proxy with NODE_EXTRA_CA_CERTS (Node 24 child process)", () => {
  let dir = "";
  let bundle = "";
  let originPort = 0;
  let proxyPort = 0;
  const tunnels: string[] = [];
  let originRequests = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "health-tls-"));
    const ossl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
    ossl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=health test CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign",
    ]);
    ossl([
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "srv.key",
      "-out",
      "srv.csr",
      "-subj",
      "/CN=health.test",
    ]);
    writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:health.test\nextendedKeyUsage=serverAuth\n");
    ossl([
      "x509",
      "-req",
      "-in",
      "srv.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "srv.pem",
      "-days",
      "2",
      "-extfile",
      "ext.cnf",
    ]);

    const { readFileSync } = await import("node:fs");
    const origin = createHttpsServer(
      { key: readFileSync(join(dir, "srv.key")), cert: readFileSync(join(dir, "srv.pem")) },
      (_req, res) => {
        originRequests += 1;
        if (originRequests === 1) answer(res, 503, "There is no Container instance available");
        else answer(res, 200, JSON.stringify({ status: "ok", sha: SHA }));
      },
    );
    originPort = await listen(origin);

    // A minimal CONNECT proxy: records the requested authority, always tunnels to 127.0.0.1.
    const proxySockets = new Set<Socket>();
    const proxy = createServer((_req, res) => answer(res, 405, "CONNECT only"));
    proxy.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? "");
      const port = Number((req.url ?? "").split(":").pop());
      const upstream = connect(port, "127.0.0.1", () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        if (head.length) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      proxySockets.add(client).add(upstream);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    });
    proxyPort = await listen(proxy);
    servers.push({
      close: async () => {
        for (const s of proxySockets) s.destroy();
        proxy.closeAllConnections();
        proxy.close();
        origin.closeAllConnections();
        origin.close();
      },
    });

    const entry = join(dir, "entry.ts");
    writeFileSync(
      entry,
      `import { healthCommand } from ${JSON.stringify(join(REPO, "src/verify/health-command.js"))};\n` +
        "process.exitCode = await healthCommand(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }, process.env);\n",
    );
    bundle = join(dir, "health.mjs");
    await build({
      entryPoints: [entry],
      outfile: bundle,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      logLevel: "error",
      // undici is CommonJS; give the ESM bundle a require().
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runChild(args: string[], env: NodeJS.ProcessEnv) {
    const child = spawn(NODE24, [bundle, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    const [code] = (await once(child, "close")) as [number | null];
    clearTimeout(killer);
    return { code, stdout, stderr };
  }

  it("reaches a name only the proxy can resolve and trusts the extra CA", async () => {
    const url = `https://health.test:${originPort}/api/health`;
    const r = await runChild(
      [url, "--timeout", "15", "--expect-body", "{sha}", "--sha", SHA, "--format", "json"],
      {
        HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
        NODE_EXTRA_CA_CERTS: join(dir, "ca.pem"),
      },
    );
    expect(r.stderr).toContain("attempt 1: 503");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      healthy: true,
      url,
      attempts: 2,
      lastStatus: 200,
      lastError: null,
    });
    expect(tunnels).toContain(`health.test:${originPort}`);
  }, 40_000);

  it("without the CA it fails as never-answered with the TLS error", async () => {
    const url = `https://health.test:${originPort}/api/health`;
    const r = await runChild([url, "--timeout", "2", "--format", "json"], {
      HTTPS_PROXY: `http://127.0.0.1:${proxyPort}`,
    });
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ healthy: false, lastStatus: null, classification: "never-answered" });
    expect(json.lastError).toMatch(/certificate|issuer/i);
  }, 40_000);
});
