/**
 * Health polling: how soon the poller notices a server that turns healthy after a cold start,
 * and how many requests it spends doing so, next to the fixed 5 s retry loop users write
 * (`until curl -fsS $URL; do sleep 5; done`), measured in the same run against loopback servers.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import { createHttpProbe } from "../src/verify/probe.js";
import { DEFAULT_POLICY } from "../src/verify/schedule.js";
import { verifyHealth } from "../src/verify/verify.js";
import { median } from "./lib.js";

interface Target {
  readonly url: string;
  /** performance.now() at which the server turns healthy. */
  readonly healthyAt: number;
  readonly requests: () => number;
  close(): void;
}

async function coldStartServer(healthyAt: number): Promise<Target> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests += 1;
    if (performance.now() >= healthyAt) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"status":"ok"}');
    } else {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end("There is no Container instance available at this time.");
    }
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}/api/health`,
    healthyAt,
    requests: () => requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

interface Sample {
  /** ms between the server turning healthy and the client knowing. */
  readonly delayMs: number;
  readonly requests: number;
  /** ms from the client's start to detection. */
  readonly totalMs: number;
}

const NO_PROXY: NodeJS.ProcessEnv = {};
const DEADLINE_MS = 120_000;

async function ourPoller(target: Target, start: number): Promise<Sample> {
  const r = await verifyHealth(
    { url: target.url, timeoutMs: DEADLINE_MS },
    { log: () => undefined, env: NO_PROXY },
  );
  const at = performance.now();
  if (!r.healthy) throw new Error(`poller did not see ${target.url} healthy: ${r.lastError}`);
  return { delayMs: at - target.healthyAt, requests: target.requests(), totalMs: at - start };
}

/** `until curl -fsS --max-time 10 $URL; do sleep 5; done`, on the same HTTP client. */
async function fixedLoop(target: Target, start: number): Promise<Sample> {
  const http = createHttpProbe(NO_PROXY);
  try {
    for (;;) {
      const outcome = await http.probe({ url: target.url, timeoutMs: 10_000, maxBodyBytes: 64 * 1024 });
      if (outcome.kind === "response" && outcome.status >= 200 && outcome.status < 300) break;
      if (performance.now() - start > DEADLINE_MS) throw new Error("fixed loop never saw the server healthy");
      await sleep(5000);
    }
  } finally {
    await http.close();
  }
  const at = performance.now();
  return { delayMs: at - target.healthyAt, requests: target.requests(), totalMs: at - start };
}

function summarize(samples: Sample[]) {
  const requests = samples.reduce((a, s) => a + s.requests, 0);
  const seconds = samples.reduce((a, s) => a + s.totalMs, 0) / 1000;
  return {
    medianDelayMs: median(samples.map((s) => s.delayMs)),
    maxDelayMs: Math.max(...samples.map((s) => s.delayMs)),
    requestsPerRun: requests / samples.length,
    perSecond: requests / seconds,
  };
}

export interface HealthBenchOptions {
  /** Cold-start lengths in seconds; default 5, 15, 30. */
  readonly coldStartsS?: readonly number[];
  /** Runs per cold-start length and client; default 6. */
  readonly runs?: number;
}

/**
 * Every run gets its own pair of servers (one per client) and all runs go at once, so the whole
 * section takes about the longest cold start plus one 5 s loop period.
 */
export async function runHealthBench(options: HealthBenchOptions = {}): Promise<string> {
  const coldStarts = options.coldStartsS ?? [5, 15, 30];
  const runs = options.runs ?? 6;
  const period = 5000;
  const targets: Target[] = [];
  try {
    const jobs = coldStarts.map(async (coldS) => {
      const pollerRuns: Promise<Sample>[] = [];
      const loopRuns: Promise<Sample>[] = [];
      for (let i = 0; i < runs; i++) {
        // Phases spread over one loop period (±2.5 s around the nominal cold start), so the
        // fixed loop's 5 s beat neither lines up with nor misses the healthy moment by design.
        const phase = -period / 2 + ((i + 0.5) * period) / runs;
        const start = performance.now();
        const healthyAt = start + coldS * 1000 + phase;
        const a = await coldStartServer(healthyAt);
        const b = await coldStartServer(healthyAt);
        targets.push(a, b);
        pollerRuns.push(ourPoller(a, start));
        loopRuns.push(fixedLoop(b, start));
      }
      return {
        coldS,
        poller: summarize(await Promise.all(pollerRuns)),
        loop: summarize(await Promise.all(loopRuns)),
      };
    });
    const results = await Promise.all(jobs);
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const met = results.every((r) => r.poller.medianDelayMs < 1500 && r.poller.perSecond <= 1);
    return [
      "## Health polling: detection delay and requests, poller vs a fixed 5 s retry loop",
      "",
      "| cold start | poller: median delay (max) | poller: requests per run | poller: requests/s | 5 s loop: median delay (max) | 5 s loop: requests per run | 5 s loop: requests/s |",
      "|---|---:|---:|---:|---:|---:|---:|",
      ...results.map(
        (r) =>
          `| ${r.coldS} s | ${s(r.poller.medianDelayMs)} (${s(r.poller.maxDelayMs)}) | ${r.poller.requestsPerRun.toFixed(1)} | ${r.poller.perSecond.toFixed(2)} | ${s(r.loop.medianDelayMs)} (${s(r.loop.maxDelayMs)}) | ${r.loop.requestsPerRun.toFixed(1)} | ${r.loop.perSecond.toFixed(2)} |`,
      ),
      "",
      `Method: loopback servers answer 503 "no Container instance" until they turn healthy, then 200. For each cold start, ${runs} runs per client, all at once, each on its own server; ` +
        `run i turns healthy at cold start + phase, the phases spread evenly over ±2.5 s so the fixed loop meets the healthy moment at every point of its 5 s period rather than exactly on its beat. ` +
        "Delay = time from turning healthy to the client having the 200; requests/s = requests sent ÷ time from start to detection, over all runs. " +
        `Poller: the action's verify step (backoff ${DEFAULT_POLICY.initialMs} ms ×${DEFAULT_POLICY.factor}, cap ${DEFAULT_POLICY.capMs} ms, jitter ${DEFAULT_POLICY.jitter * 100}%). ` +
        "Fixed loop: request, then sleep 5 s until a 2xx, on the same HTTP client. " +
        `Target (delay < 1.5 s at every cold start, ≤ 1 request/s): ${met ? "met" : "NOT met"}.`,
      "",
    ].join("\n");
  } finally {
    for (const t of targets) t.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(await runHealthBench());
}
