// A real OCI registry for the stand-in: Debian's reference registry (docker-registry 2.8) on a
// private loopback port, behind a small front on the port clients use. The front speaks plain
// HTTP and TLS on the same port (docker tries HTTPS first for 127.0.0.0/8 registries and falls
// back to HTTP; wrangler's `containers images list|delete` always use https://<registry>), and
// adds what registry.cloudflare.com has and the reference registry lacks:
//   GET    /v2/_catalog?tags=true          → {"repositories": {"<repo>": ["<tag>", …]}}
//   DELETE /v2/<repo>/manifests/<tag>      → resolves the tag to its digest, deletes that
//   PUT    /v2/gc/layers                   → accepted (no-op: the reference registry has no online GC)
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Duplex } from "node:stream";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

export const REGISTRY_BINARY = "/usr/bin/docker-registry";
const MANIFEST_ACCEPT = [
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
].join(", ");

export interface Registry {
  /** host:port clients use (docker, wrangler), e.g. 127.0.0.1:41234 */
  host: string;
  /** http://host:port */
  url: string;
  /** PEM file of the self-signed certificate the front serves over TLS */
  caCertPath: string;
  catalog(): Promise<string[]>;
  tags(repo: string): Promise<string[]>;
  /** every "<repo>:<tag>" currently in the registry */
  images(): Promise<string[]>;
  /** digest of a tag, or undefined when the tag does not exist */
  digest(repo: string, tag: string): Promise<string | undefined>;
  deleteTag(repo: string, tag: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
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

async function waitForRegistry(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (let attempt = 0; attempt < 200 && Date.now() < deadline; attempt++) {
    if (child.exitCode !== null) {
      throw new Error(`docker-registry exited with ${child.exitCode}: ${output()}`);
    }
    try {
      const response = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`docker-registry did not answer GET /v2/ within 20 s: ${output()}`);
}

async function makeCertificate(dir: string): Promise<{ key: string; cert: string; certPath: string }> {
  const keyPath = path.join(dir, "registry-key.pem");
  const certPath = path.join(dir, "registry-cert.pem");
  await execFileAsync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "7",
    "-subj",
    "/CN=127.0.0.1",
    "-addext",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
  ]);
  return { key: await readFile(keyPath, "utf8"), cert: await readFile(certPath, "utf8"), certPath };
}

/** tags cannot contain ":", digests always do ("sha256:…") */
function isDigest(reference: string): boolean {
  return reference.includes(":");
}

interface RegistryProcess {
  child: ChildProcess;
  innerPort: number;
  exited: Promise<void>;
}

async function spawnRegistry(dir: string, storage: string): Promise<RegistryProcess> {
  let lastError: unknown;
  // the private port is picked before the registry binds it: retry if another process took it
  for (let attempt = 0; attempt < 3; attempt++) {
    const innerPort = await freePort();
    const configPath = path.join(dir, "config.yml");
    await writeFile(
      configPath,
      [
        "version: 0.1",
        "log:",
        "  level: error",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        `    rootdirectory: ${storage}`,
        "  delete:",
        "    enabled: true",
        "  maintenance:",
        "    uploadpurging:",
        "      enabled: false",
        "http:",
        `  addr: 127.0.0.1:${innerPort}`,
        "  relativeurls: true",
        "",
      ].join("\n"),
    );
    let output = "";
    const child = spawn(REGISTRY_BINARY, ["serve", configPath], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const spawnFailed = new Promise<never>((_, reject) => child.once("error", reject));
    try {
      await Promise.race([
        waitForRegistry(`http://127.0.0.1:${innerPort}`, child, () => output),
        spawnFailed,
      ]);
      return { child, innerPort, exited };
    } catch (error) {
      lastError = error;
      if (child.pid === undefined) break; // could not spawn at all
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    }
  }
  throw lastError;
}

export interface RegistryOptions {
  /**
   * Checks the password of Basic credentials a client sends (wrangler's `containers images`
   * commands send `v1:<password from the credentials endpoint>`). Clients that send none pass:
   * docker never sends credentials to a registry that does not challenge.
   */
  acceptPassword?: (password: string) => boolean;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<Registry> {
  if (!existsSync(REGISTRY_BINARY)) {
    throw new Error(
      `${REGISTRY_BINARY} is missing: install Debian's docker-registry package (test/infra/setup-docker.sh does)`,
    );
  }
  const dir = await mkdtemp(path.join(tmpdir(), "standin-registry-"));
  const storage = path.join(dir, "storage");
  await mkdir(storage, { recursive: true });
  let registryProcess: RegistryProcess;
  try {
    registryProcess = await spawnRegistry(dir, storage);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const { child, innerPort, exited } = registryProcess;
  const inner = `http://127.0.0.1:${innerPort}`;

  const catalog = async (): Promise<string[]> => {
    const repos: string[] = [];
    let next: string | undefined = "/v2/_catalog?n=1000";
    for (let page = 0; page < 100 && next !== undefined; page++) {
      const response: Response = await fetch(`${inner}${next}`);
      const body = (await response.json()) as { repositories?: string[] };
      repos.push(...(body.repositories ?? []));
      const link = response.headers.get("link");
      const match = link ? /<([^>]+)>/.exec(link) : null;
      next = match?.[1];
    }
    return repos;
  };
  const tags = async (repo: string): Promise<string[]> => {
    const response = await fetch(`${inner}/v2/${repo}/tags/list`);
    if (response.status !== 200) {
      await response.arrayBuffer();
      return [];
    }
    const body = (await response.json()) as { tags?: string[] | null };
    return [...(body.tags ?? [])].sort();
  };
  const digest = async (repo: string, tag: string): Promise<string | undefined> => {
    const response = await fetch(`${inner}/v2/${repo}/manifests/${tag}`, {
      method: "HEAD",
      headers: { accept: MANIFEST_ACCEPT },
    });
    if (response.status !== 200) return undefined;
    return response.headers.get("docker-content-digest") ?? undefined;
  };
  const deleteDigest = async (repo: string, ref: string): Promise<number> => {
    const response = await fetch(`${inner}/v2/${repo}/manifests/${ref}`, { method: "DELETE" });
    await response.arrayBuffer();
    return response.status;
  };
  const deleteTag = async (repo: string, tag: string): Promise<boolean> => {
    const found = await digest(repo, tag);
    if (found === undefined) return false;
    const status = await deleteDigest(repo, found);
    return status === 202 || status === 200;
  };
  const images = async (): Promise<string[]> => {
    const out: string[] = [];
    for (const repo of await catalog()) {
      for (const tag of await tags(repo)) out.push(`${repo}:${tag}`);
    }
    return out.sort();
  };

  const sendJson = (
    res: http.ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "docker-distribution-api-version": "registry/2.0",
      ...headers,
    });
    res.end(text);
  };

  const proxy = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const upstream = http.request(
      {
        host: "127.0.0.1",
        port: innerPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: `127.0.0.1:${innerPort}` },
      },
      (upstreamResponse) => {
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        upstreamResponse.pipe(res);
      },
    );
    upstream.on("error", (error) => {
      if (!res.headersSent) sendJson(res, 502, { errors: [{ code: "UNAVAILABLE", message: error.message }] });
      else res.destroy(error);
    });
    req.pipe(upstream);
  };

  const authorized = (req: http.IncomingMessage): boolean => {
    const header = req.headers.authorization;
    if (options.acceptPassword === undefined || header === undefined) return true;
    const basic = /^Basic\s+(.+)$/i.exec(header);
    if (basic === null) return true;
    const decoded = Buffer.from(basic[1] ?? "", "base64").toString("utf8");
    return options.acceptPassword(decoded.slice(decoded.indexOf(":") + 1));
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://registry");
    const method = req.method ?? "GET";
    void (async () => {
      if (!authorized(req)) {
        req.resume();
        sendJson(
          res,
          401,
          {
            errors: [{ code: "UNAUTHORIZED", message: "authentication required: unknown registry password" }],
          },
          { "www-authenticate": 'Basic realm="standin-registry"' },
        );
        return;
      }
      if (method === "GET" && url.pathname === "/v2/_catalog" && url.searchParams.get("tags") === "true") {
        req.resume();
        const repositories: Record<string, string[]> = {};
        for (const repo of await catalog()) {
          const list = await tags(repo);
          if (list.length > 0) repositories[repo] = list;
        }
        sendJson(res, 200, { repositories });
        return;
      }
      if (method === "PUT" && url.pathname === "/v2/gc/layers") {
        req.resume();
        sendJson(res, 202, {});
        return;
      }
      const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(url.pathname);
      if (method === "DELETE" && manifest !== null) {
        const [, repo = "", reference = ""] = manifest;
        if (!isDigest(reference)) {
          req.resume();
          const found = await digest(repo, reference);
          if (found === undefined) {
            sendJson(res, 404, { errors: [{ code: "MANIFEST_UNKNOWN", message: "manifest unknown" }] });
            return;
          }
          const status = await deleteDigest(repo, found);
          sendJson(res, status, {}, { "docker-content-digest": found });
          return;
        }
      }
      proxy(req, res);
    })().catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { errors: [{ code: "UNKNOWN", message: String(error) }] });
      else res.destroy();
    });
  };

  const { key, cert, certPath } = await makeCertificate(dir);
  const httpServer = http.createServer(handle);
  const httpsServer = https.createServer({ key, cert }, handle);
  const sockets = new Set<net.Socket>();
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.once("data", (first: Buffer) => {
      socket.pause();
      if (first[0] !== 0x16) {
        socket.unshift(first);
        httpServer.emit("connection", socket);
        socket.resume();
        return;
      }
      // 0x16 = TLS handshake record. TLS on a net.Socket reads its native handle directly and
      // would lose the peeked bytes, so hand the TLS server a plain Duplex over the socket.
      const wrapper = new Duplex({
        read() {
          socket.resume();
        },
        write(chunk: Buffer, _encoding, callback) {
          socket.write(chunk, callback);
        },
        final(callback) {
          socket.end();
          callback();
        },
        destroy(error, callback) {
          socket.destroy();
          callback(error);
        },
      });
      socket.on("data", (chunk: Buffer) => {
        if (!wrapper.push(chunk)) socket.pause();
      });
      socket.once("end", () => wrapper.push(null));
      socket.once("close", () => wrapper.destroy());
      wrapper.push(first);
      httpsServer.emit("connection", wrapper);
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    front.once("error", reject);
    front.listen(0, "127.0.0.1", () => resolve());
  });
  const address = front.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const host = `127.0.0.1:${port}`;

  let closed = false;
  return {
    host,
    url: `http://${host}`,
    caCertPath: certPath,
    catalog,
    tags,
    images,
    digest,
    deleteTag,
    close: async () => {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      httpServer.closeAllConnections();
      httpsServer.closeAllConnections?.();
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
