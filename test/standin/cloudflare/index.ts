// The Cloudflare stand-in: a loopback Cloudflare API (/client/v4) that the real wrangler deploys
// against, a real OCI registry standing in for registry.cloudflare.com, a state JSON
// (SPEC §8) and, optionally, the edge (test/standin/cloudflare/edge/) that serves deployed
// Workers' URLs by running their images.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { CloudflareApi } from "./api.js";
import type { Edge, EdgeWorker } from "./edge/index.js";
import { type Registry, startRegistry } from "./registry.js";
import type { Fault, StandinState } from "./types.js";

export type { Edge, EdgeWorker } from "./edge/index.js";
export type { Fault, StandinApplication, StandinState, StandinWorker } from "./types.js";

/** Fixed account id of the stand-in (32 hex, as Cloudflare's). */
export const STANDIN_ACCOUNT_ID = "5ad1c0ffee5ad1c0ffee5ad1c0ffee00";
export const STANDIN_API_TOKEN = "standin-api-token-0123456789abcdef";
export const STANDIN_SUBDOMAIN = "standin";

export interface StandinOptions {
  /** start the edge (HTTPS proxy serving *.workers.dev from the deployed images); default false */
  edge?: boolean;
  coldStartMs?: number;
  sleepAfterMs?: number;
  rolloutOverlapMs?: number;
  /** API port on 127.0.0.1; default: a free one */
  port?: number;
  /** log 404s of unknown endpoints to stderr; default true */
  logUnknown?: boolean;
}

export interface CloudflareStandin {
  /** every variable a client needs (API, registry, token, account, state URL, edge proxy + CA) */
  env: Record<string, string>;
  apiBaseUrl: string;
  /** host:port of the registry (CLOUDFLARE_CONTAINER_REGISTRY) */
  registry: string;
  stateUrl: string;
  accountId: string;
  state(): Promise<StandinState>;
  failNext(fault: Fault): void;
  /** secret values of a Worker's current version (in process only, never over HTTP) */
  secretValues(worker: string): Record<string, string>;
  /** log of API calls, path relative to /client/v4 */
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

/** Maps a Cloudflare-registry reference to the stand-in registry (which already hosts it). */
export function toLocalImage(image: string, registryHost: string): string {
  const match = /^(?:staging\.)?registry(?:\.fed)?\.cloudflare\.com\/(.+)$/.exec(image);
  if (match !== null) return `${registryHost}/${match[1]}`;
  return image;
}

export async function startCloudflareStandin(options: StandinOptions = {}): Promise<CloudflareStandin> {
  let acceptPassword: (password: string) => boolean = () => false;
  const registry: Registry = await startRegistry({ acceptPassword: (password) => acceptPassword(password) });
  const log = options.logUnknown === false ? undefined : (line: string) => process.stderr.write(`${line}\n`);
  const api = new CloudflareApi({
    accountId: STANDIN_ACCOUNT_ID,
    token: STANDIN_API_TOKEN,
    subdomain: STANDIN_SUBDOMAIN,
    images: () => registry.images(),
    ...(log === undefined ? {} : { log }),
  });
  acceptPassword = (password) => api.registryPasswords.has(password);

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://standin");
    void (async () => {
      if (url.pathname === "/__standin/state" && req.method === "GET") {
        req.resume();
        const text = JSON.stringify(await api.state());
        res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
        res.end(text);
        return;
      }
      if (url.pathname === "/__standin/faults" && req.method === "POST") {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        let fault: Fault;
        try {
          const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
          if (
            typeof parsed !== "object" ||
            parsed === null ||
            typeof Reflect.get(parsed, "pathPattern") !== "string"
          ) {
            throw new Error("pathPattern (string) is required");
          }
          fault = parsed as Fault;
          api.failNext(fault);
        } catch (error) {
          res.writeHead(400, { "content-type": "application/json; charset=utf-8" });
          res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
          return;
        }
        res.writeHead(201, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ ok: true }));
        return;
      }
      if (await api.handle(req, res)) return;
      req.resume();
      res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ success: false, errors: [{ code: 7000, message: "No route for that URI" }] }));
    })().catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (error) {
    await registry.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const origin = `http://127.0.0.1:${port}`;
  const apiBaseUrl = `${origin}/client/v4`;
  const stateUrl = `${origin}/__standin/state`;

  const env: Record<string, string> = {
    CLOUDFLARE_API_BASE_URL: apiBaseUrl,
    CLOUDFLARE_CONTAINER_REGISTRY: registry.host,
    CLOUDFLARE_API_TOKEN: STANDIN_API_TOKEN,
    CLOUDFLARE_ACCOUNT_ID: STANDIN_ACCOUNT_ID,
    CLOUDFLARE_STANDIN_STATE_URL: stateUrl,
    WRANGLER_SEND_METRICS: "false",
  };

  const resolveWorker = (name: string): EdgeWorker | undefined => {
    const script = api.scripts.get(name);
    if (script === undefined) return undefined;
    const app = api.liveApplicationsOf(name)[0];
    if (app === undefined) return undefined;
    return {
      name,
      versionId: script.currentVersionId,
      image: toLocalImage(app.configuration.image, registry.host),
      env: { ...api.vars(script), ...api.secretValues(name) },
    };
  };

  let edge: Edge | undefined;
  const bundleDir = await mkdtemp(path.join(tmpdir(), "standin-ca-"));
  try {
    if (options.edge === true) {
      // loaded on demand: API-only users of the stand-in do not pay for (or depend on) the edge
      const { startEdge } = await import("./edge/index.js");
      edge = await startEdge({
        subdomain: STANDIN_SUBDOMAIN,
        resolveWorker,
        ...(options.coldStartMs === undefined ? {} : { coldStartMs: options.coldStartMs }),
        ...(options.sleepAfterMs === undefined ? {} : { sleepAfterMs: options.sleepAfterMs }),
        ...(options.rolloutOverlapMs === undefined ? {} : { rolloutOverlapMs: options.rolloutOverlapMs }),
      });
      Object.assign(env, edge.env);
    }
    // One CA bundle for Node clients: the registry front's certificate (wrangler's
    // `containers images` commands use https://<registry>) plus the edge's CA.
    const pems = [await readFile(registry.caCertPath, "utf8")];
    if (edge !== undefined) pems.push(await readFile(edge.caCertPath, "utf8"));
    const bundle = path.join(bundleDir, "ca-bundle.pem");
    await writeFile(bundle, `${pems.map((p) => p.trim()).join("\n")}\n`);
    env.NODE_EXTRA_CA_CERTS = bundle;
    // The API and the registry are on loopback, and the npm registry (the action may install
    // wrangler into the tool cache) is reached directly: only *.workers.dev goes through the edge.
    if (env.NO_PROXY !== undefined || env.HTTPS_PROXY !== undefined || env.HTTP_PROXY !== undefined) {
      const noProxy = new Set((env.NO_PROXY ?? "").split(",").filter((s) => s !== ""));
      const npmRegistry = new URL(process.env.npm_config_registry || "https://registry.npmjs.org/").hostname;
      for (const host of ["127.0.0.1", "localhost", "::1", npmRegistry]) noProxy.add(host);
      env.NO_PROXY = [...noProxy].join(",");
      env.no_proxy = env.NO_PROXY;
    }
  } catch (error) {
    await edge?.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await registry.close();
    await rm(bundleDir, { recursive: true, force: true });
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    env,
    apiBaseUrl,
    registry: registry.host,
    stateUrl,
    accountId: STANDIN_ACCOUNT_ID,
    state: () => api.state(),
    failNext: (fault) => api.failNext(fault),
    secretValues: (worker) => api.secretValues(worker),
    requests: api.requests,
    close: () => {
      closing ??= (async () => {
        const errors: unknown[] = [];
        if (edge !== undefined) await edge.close().catch((e: unknown) => errors.push(e));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await registry.close().catch((e: unknown) => errors.push(e));
        await rm(bundleDir, { recursive: true, force: true });
        if (errors.length > 0) throw new AggregateError(errors, "closing the Cloudflare stand-in failed");
      })();
      return closing;
    },
  };
}
