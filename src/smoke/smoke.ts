import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { PhaseError } from "../errors.js";
import type { Exec } from "../shell/exec.js";
import { tail } from "../shell/exec.js";
import { removeContainerOnInterrupt, removePathOnInterrupt } from "../shell/interrupt.js";
import type { Io } from "../shell/io.js";
import { describeSmokeFailure, envFileText, type ProbeOutcome, smokeRunArgv } from "./plan.js";

export interface SmokeOptions {
  exec: Exec;
  io: Io;
  env: NodeJS.ProcessEnv;
  image: string;
  containerPort: number;
  network: "bridge" | "host";
  healthPath: string;
  expectStatus: number;
  /** vars and secrets, given to the container as environment (through a mode-600 file). */
  environment: readonly { name: string; value: string }[];
  /** Overall probe budget. */
  timeoutSeconds?: number;
  /** What is live, for the failure message. */
  live: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Something already accepts connections on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
  });
}

async function probeOnce(url: string): Promise<{ status?: number; error?: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000), redirect: "manual" });
    await response.body?.cancel();
    return { status: response.status };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

/**
 * Run the built image locally and probe its health path until it answers the expected status or the
 * budget is spent. Prints the container's last log lines on failure; always removes the container.
 */
export async function smokeTest(o: SmokeOptions): Promise<ProbeOutcome> {
  const seconds = o.timeoutSeconds ?? 60;
  const name = `cfcd-smoke-${process.pid}-${Date.now().toString(36)}`;
  let hostPort: number | undefined;
  if (o.network === "host") {
    if (await portInUse(o.containerPort)) {
      throw new PhaseError(
        "smoke",
        `Port ${o.containerPort} on this machine is already in use, so a host-network smoke test cannot tell the image's server from whatever listens there.`,
        o.live,
        "Stop what uses that port, or use `smoke-test-network: bridge` where the daemon has a bridge network.",
      );
    }
  } else hostPort = await freePort();
  const port = hostPort ?? o.containerPort;
  const url = `http://127.0.0.1:${port}${o.healthPath}`;

  const dir = mkdtempSync(join(o.env.RUNNER_TEMP || tmpdir(), "cfcd-smoke-"));
  const envFile = join(dir, "env");
  const { text, skipped } = envFileText(o.environment);
  if (skipped.length) {
    o.io.warning(
      `Smoke test: ${skipped.join(", ")} contain line breaks, which docker's --env-file cannot carry; the smoke container runs without them.`,
    );
  }
  const forgetDir = removePathOnInterrupt(dir);
  const forgetContainer = removeContainerOnInterrupt(name, o.env);
  try {
    writeFileSync(envFile, text, { mode: 0o600 });
    chmodSync(envFile, 0o600);
    const run = await o.exec(
      "docker",
      smokeRunArgv({
        image: o.image,
        name,
        network: o.network,
        containerPort: o.containerPort,
        hostPort,
        envFile,
      }),
      { env: o.env, timeoutMs: 120_000 },
    );
    // The env file only needs to exist for `docker run`.
    rmSync(dir, { recursive: true, force: true });
    if (run.exitCode !== 0) {
      throw new PhaseError(
        "smoke",
        `docker run of ${o.image} failed (exit ${run.exitCode}):\n${tail(run.stderr || run.stdout, 8)}`,
        o.live,
        o.network === "bridge"
          ? "If this daemon has no bridge network (dockerd --bridge=none), set `smoke-test-network: host`."
          : undefined,
      );
    }
    o.io.info(
      `Smoke test: ${o.image} on ${o.network} network, probing ${url} (expect ${o.expectStatus}, up to ${seconds} s).`,
    );
    const deadline = Date.now() + seconds * 1000;
    const outcome: ProbeOutcome = {
      healthy: false,
      attempts: 0,
      exited: false,
      url,
      expectStatus: o.expectStatus,
      seconds,
      network: o.network,
    };
    const maxAttempts = seconds * 4 + 10;
    while (outcome.attempts < maxAttempts) {
      outcome.attempts++;
      const r = await probeOnce(url);
      if (r.status !== undefined) {
        outcome.lastStatus = r.status;
        delete outcome.lastError;
        if (r.status === o.expectStatus) {
          outcome.healthy = true;
          break;
        }
      } else if (r.error !== undefined) outcome.lastError = r.error;
      const state = await o.exec(
        "docker",
        ["inspect", "--format", "{{.State.Running}} {{.State.ExitCode}}", name],
        {
          env: o.env,
          timeoutMs: 30_000,
        },
      );
      const [running, code] = state.stdout.trim().split(" ");
      if (state.exitCode === 0 && running === "false") {
        outcome.exited = true;
        outcome.exitCode = Number(code);
        break;
      }
      if (Date.now() >= deadline) break;
      await sleep(500);
    }
    if (!outcome.healthy) {
      const logs = await o.exec("docker", ["logs", "--tail", "50", name], { env: o.env, timeoutMs: 30_000 });
      const lines = `${logs.stdout}${logs.stderr}`.trimEnd();
      o.io.info(`Last container log lines of ${o.image}:\n${lines || "(no output)"}`);
      throw new PhaseError(
        "smoke",
        `Smoke test of ${o.image} failed: ${describeSmokeFailure(outcome)}`,
        o.live,
        "Run the image locally (`docker run`) and fix the start command, port or bind address; the container's last log lines are printed above.",
      );
    }
    o.io.info(`Smoke test passed: ${url} answered ${o.expectStatus} after ${outcome.attempts} attempt(s).`);
    return outcome;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    forgetDir();
    await o.exec("docker", ["rm", "-f", name], { env: o.env, timeoutMs: 60_000 });
    forgetContainer();
  }
}
