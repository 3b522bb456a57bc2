/** The poller on the real shell: clock, timers, Math.random, undici through the environment's proxy. */
import { setTimeout as delay } from "node:timers/promises";
import { type HealthOptions, type HealthResult, type PollDeps, pollHealth } from "./poll.js";
import { createHttpProbe } from "./probe.js";

export interface VerifyShell {
  /** One line per attempt (e.g. core.info). */
  log(line: string): void;
  /** Where HTTPS_PROXY / HTTP_PROXY / NO_PROXY come from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Real-shell poller deps over a given probe. */
export function realDeps(probe: PollDeps["probe"], log: (line: string) => void): PollDeps {
  return {
    now: () => performance.now(),
    epochMs: () => Date.now(),
    sleep: async (ms) => {
      await delay(ms);
    },
    random: () => Math.random(),
    probe,
    log,
  };
}

/** Polls `options.url` until healthy or `options.timeoutMs`; never throws for an unhealthy target. */
export async function verifyHealth(options: HealthOptions, shell: VerifyShell): Promise<HealthResult> {
  const http = createHttpProbe(shell.env ?? process.env);
  try {
    return await pollHealth(options, realDeps(http.probe, shell.log));
  } finally {
    await http.close();
  }
}
