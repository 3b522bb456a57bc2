// The "edge" of the Cloudflare stand-in: serves deployed Worker URLs
// (https://<worker>.<subdomain>.workers.dev) by running each Worker's container image locally.
//
// Clients reach it the way self-hosted runners reach the internet: through an HTTP forward proxy
// (HTTPS_PROXY) whose CONNECT tunnels to *.<subdomain>.workers.dev are terminated here with TLS
// from a per-run CA (NODE_EXTRA_CA_CERTS). Plain proxy traffic to loopback is forwarded as is;
// anything else is refused with 502 — the edge never connects out.
//
// Containers run with `--network host` (the daemon has no bridge), so two Workers whose images
// bind the same port cannot run at once: like the platform's sleep, an idle container is stopped
// after `sleepAfterMs`, and a Worker that needs a port held by another Worker's idle container
// stops that one and cold-starts its own, answering 503 "no Container instance available" until
// its container accepts connections.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Duplex } from "node:stream";
import { createCertificates } from "./certs.js";
import { containerLogs, docker, dockerError, parseExposedPort } from "./docker.js";

export interface EdgeWorker {
  name: string;
  versionId: string;
  /** a ref `docker run` can use: local tag, 127.0.0.1:PORT/repo:tag or a @sha256 digest (pulled when needed) */
  image: string;
  /** vars + secret values, passed to the container as environment variables */
  env: Record<string, string>;
}

export interface EdgeOptions {
  /** e.g. "standin" → <worker>.standin.workers.dev */
  subdomain: string;
  resolveWorker(name: string): EdgeWorker | undefined;
  /** extra delay before a started container is considered up; default 0 */
  coldStartMs?: number;
  /** idle time before a container is stopped; default 2000 */
  sleepAfterMs?: number;
  /** after a worker's image/version changes, the old container keeps answering this long; default 0 */
  rolloutOverlapMs?: number;
}

export interface Edge {
  /** http://127.0.0.1:<port> */
  proxyUrl: string;
  /** PEM of the per-run CA that signs the *.<subdomain>.workers.dev certificate */
  caCertPath: string;
  /** HTTPS_PROXY, HTTP_PROXY, https_proxy, http_proxy, NO_PROXY, no_proxy, NODE_EXTRA_CA_CERTS */
  env: Record<string, string>;
  /** stops and removes every container it started, closes servers, deletes temp files */
  close(): Promise<void>;
}

/** What the platform answers while no container instance is ready (reference/wrangler.md §11). */
export const NO_INSTANCE_MESSAGE =
  "There is no Container instance available at this time. This is likely because you have reached your max concurrent instance count (set in wrangler config) or are you currently provisioning the Container.";

const NOTHING_HERE_BODY = `<!DOCTYPE html>
<html><head><title>There is nothing here yet</title></head>
<body><h1>There is nothing here yet</h1>
<p>If you expect something to be here, it may take some time. Please check back again later.</p></body></html>
`;

const NO_PROXY = "127.0.0.1,localhost,::1";
const DEFAULT_CONTAINER_PORT = 8080;
const PROXY_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 60_000;
const PULL_TIMEOUT_MS = 180_000;
const SWEEP_INTERVAL_MS = 200;
const READY_POLL_MS = 150;
/** a container that came up but never served a request is kept at least this long (slow pollers) */
const UNSERVED_GRACE_MS = 30_000;
const LABEL_EDGE = "cf-standin-edge";
const LABEL_SUBDOMAIN = "cf-standin-subdomain";
const LABEL_WORKER = "cf-standin-worker";
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

type InstanceState = "starting" | "up" | "crashed" | "stopping" | "gone";

interface Instance {
  worker: string;
  versionId: string;
  image: string;
  key: string;
  env: Record<string, string>;
  containerName: string;
  state: InstanceState;
  port: number | undefined;
  /** `docker run` was issued and the container has not been removed yet */
  hasContainer: boolean;
  createdAt: number;
  runAt: number | undefined;
  upAt: number | undefined;
  lastRequestAt: number;
  inflight: number;
  servedSinceUp: boolean;
  rolloutSeenAt: number | undefined;
  crashMessage: string | undefined;
  runPromise: Promise<void> | undefined;
  stopPromise: Promise<void> | undefined;
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function workerKey(worker: EdgeWorker): string {
  return `${worker.versionId}\u0000${worker.image}`;
}

function hostnameOf(hostHeader: string | undefined): string {
  if (!hostHeader) return "";
  const host = hostHeader.trim().toLowerCase();
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

function isLoopbackHost(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "::1" || hostname === "[::1]";
}

function loopbackAddress(hostname: string): string {
  return hostname === "::1" || hostname === "[::1]" ? "::1" : "127.0.0.1";
}

/** "host:port" or "[v6]:port" → [hostname, port] */
function parseAuthority(authority: string | undefined): [string, number] | undefined {
  if (!authority) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(authority.trim());
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  return [(match[1] ?? "").toLowerCase(), port];
}

function filterHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = value;
  }
  return out;
}

function sendText(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const payload = Buffer.from(body, "utf8");
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": payload.length,
    "cache-control": "no-store",
    server: "cloudflare",
  });
  res.end(payload);
}

/** Drain (bounded) and discard a request body we do not forward. */
function discardBody(req: http.IncomingMessage): void {
  req.on("error", () => {});
  req.resume();
}

async function tcpProbe(port: number, timeoutMs: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

function looksLikeRegistryRef(image: string): boolean {
  const first = image.split("/")[0] ?? "";
  return image.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
}

export async function startEdge(options: EdgeOptions): Promise<Edge> {
  const subdomain = options.subdomain.trim().toLowerCase();
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(subdomain)) {
    throw new Error(`invalid workers.dev subdomain: ${JSON.stringify(options.subdomain)}`);
  }
  const coldStartMs = Math.max(0, options.coldStartMs ?? 0);
  const sleepAfterMs = Math.max(0, options.sleepAfterMs ?? 2000);
  const rolloutOverlapMs = Math.max(0, options.rolloutOverlapMs ?? 0);
  /** a port holder is evicted once it has had no request for this long */
  const evictGraceMs = Math.min(sleepAfterMs, 1000);
  const edgeId = randomBytes(4).toString("hex");
  const workerHost = new RegExp(
    `^([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)\\.${escapeRegExp(subdomain)}\\.workers\\.dev\\.?$`,
  );

  const dir = await mkdtemp(path.join(tmpdir(), "cf-standin-edge-"));
  const current = new Map<string, Instance>();
  const instances = new Set<Instance>();
  const liveContainers = new Set<string>();
  const sockets = new Set<net.Socket>();
  let closed = false;
  let containerCounter = 0;
  let envFileCounter = 0;
  let lock: Promise<unknown> = Promise.resolve();

  const exitCleanup = () => {
    if (liveContainers.size > 0) {
      try {
        execFileSync("docker", ["rm", "-f", ...liveContainers], { timeout: 15_000, stdio: "ignore" });
      } catch {
        // best effort
      }
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  };
  process.on("exit", exitCleanup);

  let certs: Awaited<ReturnType<typeof createCertificates>>;
  try {
    certs = await createCertificates(dir, subdomain);
  } catch (error) {
    process.off("exit", exitCleanup);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  function withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = lock.then(fn, fn);
    lock = run.catch(() => undefined);
    return run;
  }

  function matchWorker(hostname: string): string | undefined {
    return workerHost.exec(hostname)?.[1];
  }

  function resolveSafely(name: string): EdgeWorker | undefined {
    try {
      return options.resolveWorker(name);
    } catch {
      return undefined;
    }
  }

  // ---------------------------------------------------------------- containers

  async function imagePort(image: string): Promise<number> {
    const inspect = () =>
      docker(["image", "inspect", "--format", "{{json .Config.ExposedPorts}}", image], { timeoutMs: 30_000 });
    let result: Awaited<ReturnType<typeof docker>> | undefined;
    if (looksLikeRegistryRef(image)) {
      const pulled = await docker(["pull", "--quiet", image], { timeoutMs: PULL_TIMEOUT_MS });
      result = await inspect();
      if (!result.ok) throw new Error(`image ${image} could not be pulled: ${dockerError(pulled)}`);
    } else {
      result = await inspect();
      if (!result.ok) {
        const pulled = await docker(["pull", "--quiet", image], { timeoutMs: PULL_TIMEOUT_MS });
        if (!pulled.ok) throw new Error(`image ${image} is not available: ${dockerError(pulled)}`);
        result = await inspect();
        if (!result.ok) throw new Error(`image ${image} is not available: ${dockerError(result)}`);
      }
    }
    return parseExposedPort(result.stdout) ?? DEFAULT_CONTAINER_PORT;
  }

  function newInstance(worker: EdgeWorker): Instance {
    containerCounter += 1;
    const now = Date.now();
    const inst: Instance = {
      worker: worker.name,
      versionId: worker.versionId,
      image: worker.image,
      key: workerKey(worker),
      env: { ...worker.env },
      containerName: `cfsi-${edgeId}-${worker.name}-${containerCounter}`.slice(0, 200),
      state: "starting",
      port: undefined,
      hasContainer: false,
      createdAt: now,
      runAt: undefined,
      upAt: undefined,
      lastRequestAt: now,
      inflight: 0,
      servedSinceUp: false,
      rolloutSeenAt: undefined,
      crashMessage: undefined,
      runPromise: undefined,
      stopPromise: undefined,
    };
    current.set(inst.worker, inst);
    instances.add(inst);
    void startInstance(inst).catch((error: unknown) =>
      crash(inst, error instanceof Error ? error.message : String(error), false),
    );
    return inst;
  }

  async function removeContainer(name: string): Promise<void> {
    const result = await docker(["rm", "-f", name], { timeoutMs: 30_000 });
    if (result.ok || /No such container/i.test(result.stderr)) liveContainers.delete(name);
  }

  function stopInstance(inst: Instance): Promise<void> {
    if (inst.stopPromise) return inst.stopPromise;
    inst.state = "stopping";
    if (current.get(inst.worker) === inst) current.delete(inst.worker);
    inst.stopPromise = (async () => {
      if (inst.runPromise) await inst.runPromise.catch(() => undefined);
      if (inst.hasContainer) await removeContainer(inst.containerName);
      inst.hasContainer = false;
      inst.state = "gone";
      instances.delete(inst);
    })();
    return inst.stopPromise;
  }

  /** A crash ends the start attempt; the next request for the Worker answers 500 with the message. */
  async function crash(inst: Instance, reason: string, withLogs: boolean): Promise<void> {
    if (inst.state !== "starting") return;
    const logs = withLogs && inst.hasContainer ? await containerLogs(inst.containerName).catch(() => "") : "";
    if (inst.state !== "starting") return;
    inst.crashMessage = `Failed to start container: ${reason}${logs ? `\nLast log lines:\n${logs}` : ""}\n`;
    inst.state = "crashed";
    if (inst.runPromise) await inst.runPromise.catch(() => undefined);
    if (inst.hasContainer) await removeContainer(inst.containerName);
    inst.hasContainer = false;
  }

  function evictable(holder: Instance, now: number): boolean {
    return holder.inflight === 0 && now - holder.lastRequestAt >= evictGraceMs;
  }

  async function writeEnvFile(
    env: Record<string, string>,
  ): Promise<{ file: string; processEnv: NodeJS.ProcessEnv }> {
    envFileCounter += 1;
    const file = path.join(dir, `env-${envFileCounter}-${randomBytes(4).toString("hex")}`);
    const processEnv: NodeJS.ProcessEnv = { ...process.env };
    const lines: string[] = [];
    for (const [name, value] of Object.entries(env)) {
      if (!ENV_NAME.test(name) || value.includes("\u0000")) continue;
      if (/[\r\n]/.test(value) || value.length > 32_000) {
        // docker's env-file format is one line per variable: a name alone takes the value from
        // the docker CLI's own environment, which keeps it off argv and out of the file.
        lines.push(name);
        processEnv[name] = value;
      } else {
        lines.push(`${name}=${value}`);
      }
    }
    await writeFile(file, `${lines.join("\n")}\n`, { mode: 0o600 });
    return { file, processEnv };
  }

  /** Must be called in the same synchronous block as the state check (sets runPromise at once). */
  function runContainer(inst: Instance): Promise<void> {
    inst.hasContainer = true;
    liveContainers.add(inst.containerName);
    inst.runPromise = (async () => {
      const { file, processEnv } = await writeEnvFile(inst.env);
      let result: Awaited<ReturnType<typeof docker>>;
      try {
        result = await docker(
          [
            "run",
            "-d",
            "--network",
            "host",
            "--name",
            inst.containerName,
            "--label",
            `${LABEL_EDGE}=${edgeId}`,
            "--label",
            `${LABEL_SUBDOMAIN}=${subdomain}`,
            "--label",
            `${LABEL_WORKER}=${inst.worker}`,
            "--env-file",
            file,
            inst.image,
          ],
          { timeoutMs: 60_000, env: processEnv },
        );
      } finally {
        await rm(file, { force: true });
      }
      inst.runAt = Date.now();
      if (!result.ok) throw new Error(`docker run failed: ${dockerError(result)}`);
    })();
    return inst.runPromise;
  }

  async function containerStatus(
    name: string,
  ): Promise<{ running: boolean; exitCode: string; error: string }> {
    const result = await docker(
      ["inspect", "--format", "{{.State.Running}} {{.State.ExitCode}} {{.State.Error}}", name],
      { timeoutMs: 15_000 },
    );
    if (!result.ok) return { running: false, exitCode: "?", error: dockerError(result) };
    const [running = "", exitCode = "?", ...rest] = result.stdout.trim().split(" ");
    return { running: running === "true", exitCode, error: rest.join(" ") };
  }

  async function startInstance(inst: Instance): Promise<void> {
    const port = await imagePort(inst.image);
    if (inst.state !== "starting") return;
    inst.port = port;
    const deadline = inst.createdAt + START_TIMEOUT_MS;

    // Host network: wait until no other container of ours holds the port, stopping idle holders.
    let started = false;
    for (let attempt = 0; attempt < 1000 && !started; attempt++) {
      if (inst.state !== "starting" || closed) return;
      if (Date.now() > deadline) {
        // nobody released the port: behave like "max instances reached" and let the next request retry
        await stopInstance(inst);
        return;
      }
      const outcome = await withLock(async () => {
        if (inst.state !== "starting" || closed) return "cancelled" as const;
        const now = Date.now();
        const holders = [...instances].filter(
          (other) => other !== inst && other.port === port && other.hasContainer && other.state !== "gone",
        );
        if (holders.length === 0) {
          const run = runContainer(inst);
          await run;
          return "started" as const;
        }
        let blocked = false;
        const waits: Promise<void>[] = [];
        for (const holder of holders) {
          if (holder.state === "stopping" && holder.stopPromise) waits.push(holder.stopPromise);
          else if (holder.state === "crashed" || evictable(holder, now)) waits.push(stopInstance(holder));
          else blocked = true;
        }
        await Promise.all(waits);
        return blocked ? ("blocked" as const) : ("retry" as const);
      });
      if (outcome === "cancelled") return;
      if (outcome === "started") started = true;
      if (outcome === "blocked") await delay(200);
    }
    if (!started) return;

    // Wait for the port to accept connections (and for the configured cold start).
    for (let attempt = 0; attempt < 2000; attempt++) {
      if (inst.state !== "starting") return;
      if (Date.now() > deadline) {
        await crash(inst, `the container did not listen on port ${port} within ${START_TIMEOUT_MS} ms`, true);
        return;
      }
      const open = await tcpProbe(port, 1000);
      if (inst.state !== "starting") return;
      if (open) {
        const wait = (inst.runAt ?? Date.now()) + coldStartMs - Date.now();
        if (wait > 0) await delay(Math.min(wait, START_TIMEOUT_MS));
        if (inst.state !== "starting") return;
        const status = await containerStatus(inst.containerName);
        if (inst.state !== "starting") return;
        if (!status.running) {
          await crash(inst, `the container exited with code ${status.exitCode}`, true);
          return;
        }
        inst.state = "up";
        inst.upAt = Date.now();
        return;
      }
      if (attempt % 3 === 2) {
        const status = await containerStatus(inst.containerName);
        if (!status.running) {
          const why = status.error ? `: ${status.error}` : "";
          await crash(inst, `the container exited with code ${status.exitCode}${why}`, true);
          return;
        }
      }
      await delay(READY_POLL_MS);
    }
  }

  // ---------------------------------------------------------------- sleep and rollouts

  let sweeping = false;
  function sweep(): void {
    if (sweeping || closed) return;
    sweeping = true;
    try {
      const now = Date.now();
      for (const inst of [...current.values()]) {
        const worker = resolveSafely(inst.worker);
        if (!worker) {
          void stopInstance(inst);
          continue;
        }
        if (workerKey(worker) === inst.key) {
          inst.rolloutSeenAt = undefined; // a rollout reverted before its overlap ended
        } else {
          if (inst.state === "up") {
            inst.rolloutSeenAt ??= now;
            if (now - inst.rolloutSeenAt >= rolloutOverlapMs) void stopInstance(inst);
          } else if (inst.state !== "crashed") {
            void stopInstance(inst);
          }
          continue;
        }
        if (inst.state === "up" && inst.inflight === 0) {
          const idleFor = now - Math.max(inst.lastRequestAt, inst.upAt ?? 0);
          const sinceUp = now - (inst.upAt ?? now);
          if (
            idleFor >= sleepAfterMs &&
            (inst.servedSinceUp || sinceUp >= Math.max(sleepAfterMs, UNSERVED_GRACE_MS))
          ) {
            void stopInstance(inst);
          }
        }
      }
    } finally {
      sweeping = false;
    }
  }
  const sweeper = setInterval(sweep, SWEEP_INTERVAL_MS);
  sweeper.unref();

  // ---------------------------------------------------------------- request routing

  function proxyToContainer(
    inst: Instance,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    urlPath: string,
  ) {
    const port = inst.port ?? DEFAULT_CONTAINER_PORT;
    inst.inflight += 1;
    inst.lastRequestAt = Date.now();
    inst.servedSinceUp = true;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      inst.inflight -= 1;
      inst.lastRequestAt = Date.now();
    };
    const headers = filterHeaders(req.headers);
    headers["x-forwarded-proto"] =
      req.socket instanceof net.Socket && "encrypted" in req.socket ? "https" : "http";
    headers["cf-connecting-ip"] = "127.0.0.1";
    const upstream = http.request({
      host: "127.0.0.1",
      port,
      method: req.method,
      path: urlPath,
      headers,
      agent: false,
    });
    upstream.setTimeout(PROXY_TIMEOUT_MS, () =>
      upstream.destroy(new Error(`the container did not answer within ${PROXY_TIMEOUT_MS} ms`)),
    );
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, filterHeaders(answer.headers));
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (error) => {
      finish();
      if (!res.headersSent) {
        sendText(res, 500, `Error proxying request to container: ${error.message}\n`);
        if (inst.state === "up") {
          void containerStatus(inst.containerName).then((status) => {
            if (!status.running) void stopInstance(inst);
          });
        }
      } else {
        res.destroy();
      }
    });
    res.on("close", () => {
      finish();
      if (!res.writableFinished) upstream.destroy();
    });
    req.on("error", () => upstream.destroy());
    req.pipe(upstream);
  }

  function routeWorker(
    name: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    urlPath: string,
  ): void {
    const worker = resolveSafely(name);
    if (!worker) {
      discardBody(req);
      sendText(res, 404, NOTHING_HERE_BODY, "text/html; charset=utf-8");
      return;
    }
    const now = Date.now();
    let inst = current.get(name);
    if (inst && inst.key !== workerKey(worker)) {
      if (inst.state === "up") {
        inst.rolloutSeenAt ??= now;
        if (now - inst.rolloutSeenAt < rolloutOverlapMs) {
          proxyToContainer(inst, req, res, urlPath);
          return;
        }
      }
      void stopInstance(inst);
      inst = undefined;
    } else if (inst) {
      inst.rolloutSeenAt = undefined;
    }
    if (!inst) inst = newInstance(worker);
    inst.lastRequestAt = now;
    if (inst.state === "up") {
      proxyToContainer(inst, req, res, urlPath);
      return;
    }
    discardBody(req);
    if (inst.state === "crashed") {
      const message = inst.crashMessage ?? "Failed to start container\n";
      // the next request tries a fresh start, as the platform does
      void stopInstance(inst);
      sendText(res, 500, message);
      return;
    }
    sendText(res, 503, `${NO_INSTANCE_MESSAGE}\n`);
  }

  /** Requests arriving inside a tunnel (TLS-terminated or plain) for *.<subdomain>.workers.dev. */
  function innerRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const name = matchWorker(hostnameOf(req.headers.host));
    if (closed) {
      discardBody(req);
      sendText(res, 503, "The Cloudflare stand-in edge is shutting down\n");
      return;
    }
    if (name === undefined) {
      discardBody(req);
      sendText(res, 404, NOTHING_HERE_BODY, "text/html; charset=utf-8");
      return;
    }
    routeWorker(name, req, res, req.url ?? "/");
  }

  const tlsServer = https.createServer({ key: certs.leafKeyPem, cert: certs.leafCertPem }, innerRequest);
  const plainServer = http.createServer(innerRequest);
  for (const server of [tlsServer, plainServer]) {
    server.on("clientError", (_error, socket) => socket.destroy());
    server.on("tlsClientError", (_error, socket) => socket.destroy());
  }

  function refusal(host: string): string {
    return `The Cloudflare stand-in edge proxy only serves *.${subdomain}.workers.dev and loopback addresses (127.0.0.1, localhost, ::1); it never connects to ${host || "other hosts"}.\n`;
  }

  function forwardLoopback(target: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
    const upstream = http.request({
      host: loopbackAddress(target.hostname),
      port: target.port ? Number(target.port) : 80,
      method: req.method,
      path: `${target.pathname}${target.search}`,
      headers: filterHeaders(req.headers),
      agent: false,
    });
    upstream.setTimeout(PROXY_TIMEOUT_MS, () =>
      upstream.destroy(new Error(`no answer within ${PROXY_TIMEOUT_MS} ms`)),
    );
    upstream.on("response", (answer) => {
      res.writeHead(answer.statusCode ?? 502, filterHeaders(answer.headers));
      answer.pipe(res);
      answer.on("error", () => res.destroy());
    });
    upstream.on("error", (error) => {
      if (!res.headersSent)
        sendText(res, 502, `Cloudflare stand-in edge proxy: ${target.host}: ${error.message}\n`);
      else res.destroy();
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.on("error", () => upstream.destroy());
    req.pipe(upstream);
  }

  const proxyServer = http.createServer((req, res) => {
    const raw = req.url ?? "/";
    if (closed) {
      discardBody(req);
      sendText(res, 503, "The Cloudflare stand-in edge is shutting down\n");
      return;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
      let target: URL;
      try {
        target = new URL(raw);
      } catch {
        discardBody(req);
        sendText(res, 400, `Cloudflare stand-in edge proxy: bad request target ${raw.slice(0, 200)}\n`);
        return;
      }
      const hostname = target.hostname.toLowerCase();
      const name = matchWorker(hostname);
      if (name !== undefined && (target.protocol === "http:" || target.protocol === "https:")) {
        routeWorker(name, req, res, `${target.pathname}${target.search}`);
        return;
      }
      if (target.protocol === "http:" && isLoopbackHost(hostname)) {
        forwardLoopback(target, req, res);
        return;
      }
      discardBody(req);
      sendText(res, 502, refusal(target.host));
      return;
    }
    // origin-form request straight to the proxy: route by Host when it names a Worker
    const name = matchWorker(hostnameOf(req.headers.host));
    if (name !== undefined) {
      routeWorker(name, req, res, raw);
      return;
    }
    discardBody(req);
    sendText(
      res,
      400,
      `This is the Cloudflare stand-in edge proxy for *.${subdomain}.workers.dev; use it as HTTPS_PROXY/HTTP_PROXY.\n`,
    );
  });
  proxyServer.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  proxyServer.on("clientError", (_error, socket) => socket.destroy());
  proxyServer.on("connect", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const authority = parseAuthority(req.url);
    const hostname = authority?.[0] ?? "";
    const port = authority?.[1] ?? 0;
    const reject = (status: string, body: string) => {
      const payload = Buffer.from(body, "utf8");
      socket.end(
        `HTTP/1.1 ${status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${payload.length}\r\nconnection: close\r\n\r\n${body}`,
      );
    };
    if (closed) {
      reject("503 Service Unavailable", "The Cloudflare stand-in edge is shutting down\n");
      return;
    }
    if (!authority) {
      reject(
        "400 Bad Request",
        `Cloudflare stand-in edge proxy: bad CONNECT target ${String(req.url).slice(0, 200)}\n`,
      );
      return;
    }
    const isWorkersDev = matchWorker(hostname) !== undefined || hostname === `${subdomain}.workers.dev`;
    if (isWorkersDev && (port === 443 || port === 80)) {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) socket.unshift(head);
      (port === 443 ? tlsServer : plainServer).emit("connection", socket);
      return;
    }
    if (!isLoopbackHost(hostname)) {
      reject("502 Bad Gateway", refusal(`${hostname}:${port}`));
      return;
    }
    const upstream = net.connect({ host: loopbackAddress(hostname), port });
    sockets.add(upstream);
    upstream.on("close", () => sockets.delete(upstream));
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error("connect timeout")));
    upstream.once("connect", () => {
      upstream.setTimeout(300_000); // idle tunnels are closed after 5 minutes
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on("error", (error) => {
      if (upstream.readyState === "opening" || !upstream.remoteAddress) {
        reject("502 Bad Gateway", `Cloudflare stand-in edge proxy: ${hostname}:${port}: ${error.message}\n`);
      } else {
        socket.destroy();
      }
    });
    socket.on("close", () => upstream.destroy());
    upstream.on("close", () => socket.destroy());
  });

  try {
    await new Promise<void>((resolve, reject) => {
      proxyServer.once("error", reject);
      proxyServer.listen(0, "127.0.0.1", () => {
        proxyServer.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    clearInterval(sweeper);
    process.off("exit", exitCleanup);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const address = proxyServer.address();
  const proxyPort = typeof address === "object" && address !== null ? address.port : 0;
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;

  const env: Record<string, string> = {
    HTTPS_PROXY: proxyUrl,
    https_proxy: proxyUrl,
    HTTP_PROXY: proxyUrl,
    http_proxy: proxyUrl,
    NO_PROXY,
    no_proxy: NO_PROXY,
    NODE_EXTRA_CA_CERTS: certs.caCertPath,
    // Deliberately no NODE_USE_ENV_PROXY: a self-hosted runner sets only the variables above, so
    // code under test must honour them itself (SPEC §7).
  };

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closed = true;
    clearInterval(sweeper);
    const serverClosed = new Promise<void>((resolve) => proxyServer.close(() => resolve()));
    proxyServer.closeAllConnections();
    for (const socket of sockets) socket.destroy();
    await serverClosed;
    await Promise.all([...instances].map((inst) => stopInstance(inst)));
    // anything a racing start left behind (label-based, bounded)
    const leftovers = await docker(["ps", "-aq", "--filter", `label=${LABEL_EDGE}=${edgeId}`], {
      timeoutMs: 30_000,
    });
    const ids = leftovers.stdout.split(/\s+/).filter((id) => id !== "");
    if (ids.length > 0) await docker(["rm", "-f", ...ids], { timeoutMs: 60_000 });
    if (liveContainers.size > 0) {
      const names = [...liveContainers];
      const result = await docker(["rm", "-f", ...names], { timeoutMs: 60_000 });
      if (result.ok) liveContainers.clear();
    }
    await rm(dir, { recursive: true, force: true });
    process.off("exit", exitCleanup);
  }

  return {
    proxyUrl,
    caCertPath: certs.caCertPath,
    env,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
