/** How a health result is shown: text for people, the SPEC §3 JSON for machines. Pure. */
import type { FailureClass } from "./classify.js";
import type { HealthResult } from "./poll.js";

export interface HealthJson {
  readonly healthy: boolean;
  readonly url: string;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly timeToHealthyMs: number | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly classification: FailureClass | null;
  readonly hint: string | null;
}

/** SPEC §3 `health --format json`, key order included; `classification` and `hint` follow. */
export function healthJson(result: HealthResult): HealthJson {
  return {
    healthy: result.healthy,
    url: result.url,
    attempts: result.attempts,
    elapsedMs: result.elapsedMs,
    timeToHealthyMs: result.timeToHealthyMs,
    lastStatus: result.lastStatus,
    lastError: result.lastError,
    classification: result.classification,
    hint: result.hint,
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function renderHealthText(result: HealthResult): string {
  if (result.healthy) {
    const status = result.lastStatus === null ? "" : ` (${result.lastStatus})`;
    return `healthy: ${result.url} answered${status} after ${seconds(result.timeToHealthyMs ?? result.elapsedMs)}, ${plural(result.attempts, "attempt")}\n`;
  }
  const lines = [
    `unhealthy: ${result.url} did not become healthy in ${seconds(result.elapsedMs)} (${plural(result.attempts, "attempt")})`,
  ];
  if (result.classification !== null) lines.push(`  classification: ${result.classification}`);
  lines.push(`  last status: ${result.lastStatus === null ? "none (nothing answered)" : result.lastStatus}`);
  if (result.lastError !== null) lines.push(`  last error: ${result.lastError}`);
  if (result.lastBodyExcerpt) lines.push(`  last body: ${result.lastBodyExcerpt}`);
  if (result.hint !== null) lines.push(`  hint: ${result.hint}`);
  return `${lines.join("\n")}\n`;
}
