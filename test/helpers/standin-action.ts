// Shared plumbing for tests that run dist/index.js against the Cloudflare stand-in (with its edge)
// and the GitHub REST stand-in: free ports for fixture images, the action's environment, events.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ActionRun } from "./run-action.js";

/** A short random suffix: names unique to this test process (docker tags are daemon-wide). */
export function runSuffix(): string {
  return randomBytes(3).toString("hex");
}

/**
 * Removes the local docker images (built and pulled) whose names carry `-<suffix>-`, i.e. this test
 * process's images; best effort (they share the busybox layer, so this is tidiness, not space).
 */
export function removeImagesOf(suffix: string): void {
  const list = spawnSync("docker", ["images", "--format", "{{.Repository}}:{{.Tag}}"], {
    encoding: "utf8",
    timeout: 30_000,
  });
  const refs = (list.stdout ?? "").split("\n").filter((ref) => ref.includes(`-${suffix}-`));
  for (let i = 0; i < refs.length; i += 50) {
    spawnSync("docker", ["image", "rm", "-f", ...refs.slice(i, i + 50)], {
      timeout: 60_000,
      stdio: "ignore",
    });
  }
}

/**
 * A port nothing on this machine listens on right now. Containers run on the host network and
 * other test processes share the daemon, so every fixture image gets its own.
 */
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

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Waits (bounded) until nothing accepts connections on 127.0.0.1:`port`, e.g. until the edge put an
 * idle Worker container to sleep, so a host-network smoke test of the next deploy finds it free.
 */
export async function waitPortClosed(port: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (!(await connects(port))) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`port ${port} is still in use after ${timeoutMs} ms`);
}

/**
 * The stand-in's variables for the action (without its token, which goes in through the api-token
 * input). Its CA bundle is joined with this machine's NODE_EXTRA_CA_CERTS, if any, so npm still
 * reaches the registry (the situation of a self-hosted runner behind a TLS-inspecting proxy).
 */
export function actionEnvFor(standinEnv: Record<string, string>): Record<string, string> {
  const { CLOUDFLARE_API_TOKEN: _token, ...rest } = standinEnv;
  const machineCa = process.env.NODE_EXTRA_CA_CERTS;
  let bundle: string | undefined;
  if (rest.NODE_EXTRA_CA_CERTS && machineCa && existsSync(machineCa)) {
    bundle = join(mkdtempSync(join(tmpdir(), "cfcd-ca-")), "bundle.pem");
    writeFileSync(
      bundle,
      `${readFileSync(rest.NODE_EXTRA_CA_CERTS, "utf8")}\n${readFileSync(machineCa, "utf8")}`,
    );
  }
  return {
    ...rest,
    ...(bundle !== undefined ? { NODE_EXTRA_CA_CERTS: bundle } : {}),
    RUNNER_TOOL_CACHE: join(tmpdir(), "cfcd-test-tool-cache"),
  };
}

const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];

/**
 * `env` without the edge's proxy variables. The edge proxy only serves *.workers.dev and loopback
 * (it never connects out), so a run that must reach the npm registry (installing wrangler into the
 * tool cache) and never polls a Worker URL goes without it.
 */
export function withoutProxy(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !PROXY_VARIABLES.includes(name)));
}

/** A pull_request event payload from a branch of the same repository (acme/app). */
export function pullRequestEvent(
  number: number,
  sha: string,
  action = "synchronize",
): { name: string; payload: unknown } {
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

/** Everything the run printed, for assertions and failure messages. */
export function actionLog(run: ActionRun): string {
  return `${run.stdout}\n${run.stderr}`;
}

/** The `health: attempt N: …` lines the verify step printed, in order. */
export function healthAttempts(run: ActionRun): string[] {
  return actionLog(run)
    .split("\n")
    .filter((line) => /health: attempt \d+:/.test(line));
}

/** Docker-backed tests fail (never skip) when there is no daemon, and say how to get one. */
export function requireDocker(): void {
  const info = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { encoding: "utf8" });
  if (info.status !== 0) {
    throw new Error(
      `docker is required (run test/infra/setup-docker.sh): ${info.stderr || info.error?.message}`,
    );
  }
}
