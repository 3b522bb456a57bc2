// Issue 5's fault "Docker daemon gone mid-build", through the bundled CLI (dist/cli.js preflight)
// with real docker buildx. The real daemon is never stopped: the CLI talks to it through a UNIX
// socket proxy in this process (DOCKER_HOST=unix://<proxy>), and once the proxy sees the build's
// BuildKit session open (`POST /session`, which only `docker buildx build` sends; `buildx inspect`
// uses /grpc alone) it destroys every proxied connection and closes, so reconnects fail too. To
// the CLI that is a daemon that went away mid-build. The build is made slow enough to be caught
// mid-way by a large fresh random file in the context (no RUN steps: the build argv has no
// --network and this daemon has no bridge).
// Docker-backed: FAILS when docker is missing (run test/infra/setup-docker.sh first).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxProject, cleanupBusyboxProjects, repoRoot } from "../fixtures/busybox.js";
import { node24 } from "../helpers/run-action.js";
import { freePort, removeImagesOf, runSuffix } from "../helpers/standin-action.js";

const DAEMON_SOCKET = "/var/run/docker.sock";
const RUN = runSuffix();
/** After the build's session opens, how long the proxy lets it run before cutting it off. */
const CUT_AFTER_MS = 400;
/** Size of the random file the build COPYs: long enough that the cut lands mid-build. */
const BLOB_MIB = 160;

interface CuttingProxy {
  socketPath: string;
  /** First request lines seen, in order (for diagnostics). */
  requests: string[];
  /** Set when the proxy cut everything off. */
  cutAt: number | undefined;
  /** `POST /session` connections still open at the cut (>0: the build was in progress). */
  openSessionsAtCut: number;
  close(): Promise<void>;
}

/** A UNIX-socket proxy to the real daemon that dies CUT_AFTER_MS after the first build session. */
async function startCuttingProxy(dir: string): Promise<CuttingProxy> {
  const socketPath = join(dir, "docker.sock");
  const sockets = new Set<net.Socket>();
  const sessions = new Set<net.Socket>();
  let timer: NodeJS.Timeout | undefined;
  const proxy: CuttingProxy = {
    socketPath,
    requests: [],
    cutAt: undefined,
    openSessionsAtCut: 0,
    close: async () => {
      if (timer !== undefined) clearTimeout(timer);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const cut = () => {
    proxy.cutAt = Date.now();
    proxy.openSessionsAtCut = [...sessions].filter((s) => !s.destroyed).length;
    for (const s of sockets) s.destroy();
    server.close();
  };
  const server = net.createServer((client) => {
    if (proxy.cutAt !== undefined) {
      client.destroy();
      return;
    }
    const upstream = net.connect(DAEMON_SOCKET);
    sockets.add(client);
    sockets.add(upstream);
    let first = true;
    client.on("data", (chunk: Buffer) => {
      if (first) {
        first = false;
        const line = chunk.subarray(0, 256).toString("latin1").split("\r\n")[0] ?? "";
        proxy.requests.push(line);
        if (/^POST \S*\/session\b/.test(line)) {
          sessions.add(client);
          if (timer === undefined) timer = setTimeout(cut, CUT_AFTER_MS);
        }
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    client.on("error", () => {});
    upstream.on("error", () => {});
    client.on("close", () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(socketPath, () => resolve());
  });
  return proxy;
}

interface CliRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliRun> {
  const child = spawn(node24, [join(repoRoot, "dist", "cli.js"), ...args], {
    env,
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (code, sig) => resolve([code, sig])),
  );
  clearTimeout(timer);
  return { exitCode, signal, stdout, stderr };
}

function writeRandomFile(path: string, mib: number): void {
  const fd = openSync(path, "w");
  try {
    for (let i = 0; i < mib; i += 8) writeSync(fd, randomBytes(8 * 1024 * 1024));
  } finally {
    closeSync(fd);
  }
}

const temps: string[] = [];
let proxy: CuttingProxy | undefined;

beforeAll(() => {
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (info.status !== 0)
    throw new Error(`docker is required (run test/infra/setup-docker.sh): ${info.stderr}`);
}, 90_000);

afterAll(async () => {
  await proxy?.close();
  removeImagesOf(RUN);
  cleanupBusyboxProjects();
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}, 120_000);

describe("docker daemon gone mid-build", () => {
  it("fails in phase build with docker's stderr tail, the fix, and exit 2", async () => {
    const port = await freePort();
    const { dir } = busyboxProject({
      port,
      name: `docker-gone-${RUN}-app`,
      files: {
        Dockerfile: [
          "FROM --platform=linux/amd64 scratch",
          "COPY busybox /bin/busybox",
          "COPY www /www",
          // fresh random bytes every run: never a cache hit, so the build is still transferring
          // the context when the proxy cuts it off
          "COPY blob/random.bin /blob/random.bin",
          `EXPOSE ${port}`,
          `CMD ["/bin/busybox", "httpd", "-f", "-p", "0.0.0.0:${port}", "-h", "/www"]`,
          "",
        ].join("\n"),
        "blob/.keep": "",
      },
    });
    writeRandomFile(join(dir, "blob", "random.bin"), BLOB_MIB);

    const scratch = mkdtempSync(join(tmpdir(), "cfcd-dgone-"));
    temps.push(scratch);
    const cuttingProxy = await startCuttingProxy(scratch);
    proxy = cuttingProxy;

    const run = await runCli(
      ["preflight", dir, "--smoke-test-network", "host", "--sha", "x"],
      {
        ...process.env,
        DOCKER_HOST: `unix://${cuttingProxy.socketPath}`,
        // a fresh local layer cache, not this machine's
        XDG_CACHE_HOME: join(scratch, "cache"),
        NO_COLOR: "1",
      },
      120_000,
    );
    const log = `${run.stdout}\n${run.stderr}`;
    const context = `exit ${run.exitCode} signal ${run.signal}; proxy saw ${JSON.stringify(cuttingProxy.requests)}; cut at ${cuttingProxy.cutAt}, open sessions then ${cuttingProxy.openSessionsAtCut}\n${log}`;

    // the fault really was injected mid-build
    expect(cuttingProxy.cutAt, context).toBeDefined();
    expect(cuttingProxy.openSessionsAtCut, context).toBeGreaterThan(0);
    // the real daemon is untouched
    expect(spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { timeout: 60_000 }).status).toBe(
      0,
    );

    // SPEC §3: 2 = a missing tool (docker's daemon); failure.ts: daemon-gone → exit 2
    expect(run.signal, context).toBeNull();
    expect(run.exitCode, context).toBe(2);
    // the phase, and what is live (nothing was pushed)
    expect(log, context).toMatch(
      /build failed: docker buildx build of \S+:x failed because the Docker daemon/,
    );
    expect(log, context).toContain("Live now:");
    // the tail of the exact command's stderr: buildx's own ERROR line about the lost connection
    expect(log, context).toMatch(
      /build failed:[\s\S]*\n.*ERROR: .*(?:Unavailable|EOF|connection reset|dial)/,
    );
    // the fix
    expect(log, context).toContain(
      "Fix: Check that the Docker daemon is running and stays up (`docker info`; `sudo systemctl status docker`), that DOCKER_HOST points at it",
    );
  }, 180_000);
});
