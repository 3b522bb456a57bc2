import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { busyboxProject, cleanupBusyboxProjects } from "../fixtures/busybox.js";
import { repoRoot } from "../helpers/project.js";
import { node24 } from "../helpers/run-action.js";
import { freePort } from "../helpers/standin-action.js";

afterAll(cleanupBusyboxProjects);

function smokeContainers(pid: number): string[] {
  const r = spawnSync(
    "docker",
    ["ps", "-a", "--filter", `name=cfcd-smoke-${pid}-`, "--format", "{{.Names}}"],
    {
      encoding: "utf8",
    },
  );
  if (r.status !== 0) throw new Error(`docker ps failed: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l !== "");
}

describe("a cancelled run (SIGTERM, as the runner sends on cancel)", () => {
  it("removes the smoke container and its mode-600 env file before exiting 143", async () => {
    const port = await freePort();
    // A server that never answers the probed address, so the smoke test is still waiting when cancelled.
    const { dir } = busyboxProject({
      port,
      cmd: `["/bin/busybox", "httpd", "-f", "-p", "127.0.0.2:${port}", "-h", "/www"]`,
    });
    const runnerTemp = mkdtempSync(join(tmpdir(), "cfcd-cancel-"));
    const child = spawn(
      node24,
      [
        join(repoRoot, "dist", "cli.js"),
        "preflight",
        dir,
        "--smoke-test-network",
        "host",
        "--sha",
        "cancelled0",
      ],
      { env: { ...process.env, RUNNER_TEMP: runnerTemp }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    child.stdout.on("data", (c: Buffer) => {
      log += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      log += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const pid = child.pid ?? 0;
    // Wait (bounded) until the smoke container runs, then cancel.
    for (let i = 0; i < 240 && smokeContainers(pid).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(smokeContainers(pid), log).toHaveLength(1);
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    expect(smokeContainers(pid)).toEqual([]);
    expect(readdirSync(runnerTemp).filter((n) => n.startsWith("cfcd-smoke-"))).toEqual([]);
    rmSync(runnerTemp, { recursive: true, force: true });
  }, 180_000);
});
