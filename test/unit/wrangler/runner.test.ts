// The runner's retry loop with a real child process: a stand-in "wrangler" script that fails a set
// number of times (writing command-failed entries to WRANGLER_OUTPUT_FILE_PATH as wrangler does),
// then succeeds. Retry hints of 0 ms keep it fast; the waiting itself is the pure nextRetry's.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeExec } from "../../../src/shell/exec.js";
import type { Io } from "../../../src/shell/io.js";
import { wranglerRunner } from "../../../src/wrangler/runner.js";

const dir = mkdtempSync(join(tmpdir(), "cfcd-fake-wrangler-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAKE = join(dir, "wrangler.mjs");
writeFileSync(
  FAKE,
  `import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
const counter = process.env.FAKE_COUNTER;
let n = 0;
try { n = Number(readFileSync(counter, "utf8")); } catch {}
n += 1;
writeFileSync(counter, String(n));
const out = process.env.WRANGLER_OUTPUT_FILE_PATH;
appendFileSync(out, JSON.stringify({ type: "wrangler-session", version: 1, wrangler_version: "0.0.0-fake" }) + "\\n");
if (n <= Number(process.env.FAKE_FAIL_TIMES ?? "0")) {
  appendFileSync(out, process.env.FAKE_FAILURE + "\\n");
  process.stderr.write("attempt " + n + ": " + (process.env.FAKE_STDERR ?? "boom") + "\\n");
  process.exit(1);
}
process.stdout.write("Pushed image: registry.example/acct/app:abc\\n");
`,
);

function collectingIo(): Io & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(m),
    debug: () => {},
    warning: (m) => lines.push(`warning: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
    notice: (m) => lines.push(m),
    group: (_name, fn) => fn(),
    setOutput: () => {},
    summary: async () => {},
    mask: () => {},
  };
}

let counters = 0;
function runner(failTimes: number, failure: Record<string, unknown>, stderr?: string) {
  const counter = join(dir, `counter-${counters++}`);
  const io = collectingIo();
  const r = wranglerRunner({
    wrangler: { entry: FAKE, version: "0.0.0-fake", source: "project" },
    exec: nodeExec,
    io,
    env: {
      PATH: process.env.PATH,
      RUNNER_TEMP: dir,
      FAKE_COUNTER: counter,
      FAKE_FAIL_TIMES: String(failTimes),
      FAKE_FAILURE: JSON.stringify({ type: "command-failed", version: 1, ...failure }),
      ...(stderr !== undefined ? { FAKE_STDERR: stderr } : {}),
    },
  });
  const calls = () => Number(readFileSync(counter, "utf8"));
  return { r, io, calls };
}

const HINT_0 = { code: 10013, message: "A request to the Cloudflare API (/x) failed.", retry_after_ms: 0 };

describe("wranglerRunner retries", () => {
  it("an idempotent command (containers push) is run again after a transient fault and succeeds", async () => {
    const { r, io, calls } = runner(2, HINT_0);
    const run = await r.run(["containers", "push", "app:abc"], { cwd: dir, timeoutMs: 30_000 });
    expect(run.result.exitCode).toBe(0);
    expect(run.output.failures).toEqual([]);
    expect(run.attempts).toBe(3);
    expect(calls()).toBe(3);
    const retries = io.lines.filter((l) => l.includes("retrying in"));
    expect(retries).toEqual([
      "wrangler containers push app:abc failed (Cloudflare asked to retry after 0 s); retrying in 0 s (attempt 2 of 3).",
      "wrangler containers push app:abc failed (Cloudflare asked to retry after 0 s); retrying in 0 s (attempt 3 of 3).",
    ]);
  });

  it("gives up after the bounded number of attempts and says so", async () => {
    const { r, calls } = runner(10, HINT_0);
    const run = await r.run(["containers", "delete", "0123"], { cwd: dir, timeoutMs: 30_000 });
    expect(run.result.exitCode).toBe(1);
    expect(run.attempts).toBe(3);
    expect(run.exhausted).toBe(true);
    expect(run.verdict?.transient).toBe(true);
    expect(run.output.failures[0]?.retryAfterMs).toBe(0);
    expect(calls()).toBe(3);
  });

  it("wrangler deploy is never run twice, even on a transient fault", async () => {
    const { r, io, calls } = runner(1, HINT_0);
    const run = await r.run(["deploy", "--config", "wrangler.json"], { cwd: dir, timeoutMs: 30_000 });
    expect(run.result.exitCode).toBe(1);
    expect(run.attempts).toBe(1);
    expect(run.exhausted).toBe(false);
    expect(calls()).toBe(1);
    expect(io.lines.join("\n")).not.toContain("retrying");
  });

  it("a permanent fault of an idempotent command is not retried", async () => {
    const { r, calls } = runner(
      1,
      { code: 10000, message: "Authentication error" },
      "Authentication error [code: 10000]",
    );
    const run = await r.run(["containers", "images", "list", "--json"], { cwd: dir, timeoutMs: 30_000 });
    expect(run.result.exitCode).toBe(1);
    expect(run.attempts).toBe(1);
    expect(run.verdict?.transient).toBe(false);
    expect(calls()).toBe(1);
  });

  it("a network error in the output (registry refusing connections) is retried with a backoff", async () => {
    const { r, io, calls } = runner(
      1,
      { message: "Login failed with code: 1" },
      'Error response from daemon: Get "http://127.0.0.1:9/v2/": dial tcp 127.0.0.1:9: connect: connection refused',
    );
    const run = await r.run(["containers", "push", "app:abc"], { cwd: dir, timeoutMs: 30_000 });
    expect(run.result.exitCode).toBe(0);
    expect(run.attempts).toBe(2);
    expect(calls()).toBe(2);
    expect(io.lines.join("\n")).toMatch(
      /wrangler containers push app:abc failed \(a network error \(connection refused\)\); retrying in (?:0\.5|0\.6|0\.7|0\.8|0\.9|1) s \(attempt 2 of 3\)\./,
    );
  });
});
