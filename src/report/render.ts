/** The visible facts shared by the PR comment and the job summary (pure). */
import { escapeMarkdown, inlineCode, markdownLink, safeUrl } from "./escape.js";
import type { DeployReport, DeployStatus, HealthFacts, PhaseTiming } from "./model.js";

export const STATUS_EMOJI: Record<DeployStatus, string> = {
  Deploying: "⏳",
  Healthy: "✅",
  Unhealthy: "⚠️",
  Failed: "❌",
  Removed: "🗑️",
};

/** How much of each user-controlled field is shown; scaled down when a body runs too long. */
export interface RenderLimits {
  message: number;
  live: number;
  text: number;
  image: number;
  url: number;
  phases: number;
}

const BASE_LIMITS: RenderLimits = { message: 3000, live: 600, text: 300, image: 400, url: 400, phases: 25 };

export function scaledLimits(scale: number): RenderLimits {
  const at = (n: number, floor: number) => Math.max(floor, Math.floor(n * scale));
  return {
    message: at(BASE_LIMITS.message, 80),
    live: at(BASE_LIMITS.live, 40),
    text: at(BASE_LIMITS.text, 20),
    image: at(BASE_LIMITS.image, 40),
    url: at(BASE_LIMITS.url, 40),
    phases: at(BASE_LIMITS.phases, 5),
  };
}

/** 850 ms · 12.3 s · 2 min 05 s */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes} min ${String(seconds).padStart(2, "0")} s`;
}

/** A short commit for display: the first 7 characters of a hex SHA. */
export function shortSha(sha: string): string {
  return /^[0-9a-f]{7,64}$/i.test(sha) ? sha.slice(0, 7) : sha;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function healthCell(report: DeployReport, health: HealthFacts | undefined, limits: RenderLimits): string {
  const where = report.healthUrl ? ` · ${markdownLink(pathOf(report.healthUrl), report.healthUrl)}` : "";
  if (!health) {
    if (report.status === "Deploying") return `⏳ pending${where}`;
    return report.status === "Removed" ? "—" : "not checked";
  }
  const attempts = plural(health.attempts, "attempt");
  if (health.healthy) {
    const time =
      health.timeToHealthyMs === null
        ? formatDuration(health.elapsedMs)
        : formatDuration(health.timeToHealthyMs);
    return `✅ healthy in ${time} · ${attempts}${where}`;
  }
  const parts = [`❌ not healthy after ${formatDuration(health.elapsedMs)}`, attempts];
  if (health.lastStatus !== null) parts.push(`last status ${health.lastStatus}`);
  if (health.classification) {
    parts.push(escapeMarkdown(health.classification.replace(/-/g, " "), Math.min(limits.text, 200)));
  }
  return parts.join(" · ") + where;
}

function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search || "/";
  } catch {
    return url;
  }
}

function timingsCell(phases: PhaseTiming[], limits: RenderLimits): string {
  if (phases.length === 0) return "";
  const shown = phases.slice(0, limits.phases).map((p) => {
    const name = escapeMarkdown(p.name, 40);
    return `${p.ok ? "" : "❌ "}${name} ${formatDuration(p.ms)}`;
  });
  if (phases.length > limits.phases) shown.push(`… ${phases.length - limits.phases} more`);
  const total = phases.reduce((sum, p) => sum + (Number.isFinite(p.ms) && p.ms > 0 ? p.ms : 0), 0);
  return `${shown.join(" · ")} · **total ${formatDuration(total)}**`;
}

function updatedCell(updatedAt: string): string {
  const time = Date.parse(updatedAt);
  if (Number.isNaN(time)) return escapeMarkdown(updatedAt, 64);
  return `${new Date(time).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

function urlCell(report: DeployReport, limits: RenderLimits): string | undefined {
  if (!report.url) return undefined;
  const href = safeUrl(report.url);
  if (report.status === "Removed")
    return `removed (was ${inlineCode(report.url, { maxLength: limits.url, inTable: true })})`;
  if (!href) return inlineCode(report.url, { maxLength: limits.url, inTable: true });
  return `[${escapeMarkdown(href, limits.url)}](${href})`;
}

/**
 * The failure lines (when there is a failure) and the facts table. `pullRequest` adds the PR
 * number and title (useful in the job summary; redundant in a comment on the PR itself).
 */
export function renderFacts(
  report: DeployReport,
  limits: RenderLimits,
  options: { pullRequest?: boolean } = {},
): string {
  const lines: string[] = [];
  if (report.failure) {
    const phase = inlineCode(report.failure.phase, { maxLength: 40 }) || "unknown";
    lines.push(`> **Failed during ${phase}:** ${escapeMarkdown(report.failure.message, limits.message)}`);
    lines.push(">");
    lines.push(`> **Live now:** ${escapeMarkdown(report.failure.live, limits.live)}`);
    lines.push("");
  } else if (report.health && !report.health.healthy && report.health.hint) {
    lines.push(`> **Hint:** ${escapeMarkdown(report.health.hint, limits.live)}`);
    lines.push("");
  } else if (report.status === "Removed") {
    lines.push("The preview Worker, its container application and its images were deleted.");
    lines.push("");
  }
  const rows: [string, string | undefined][] = [
    ["URL", urlCell(report, limits)],
    [
      "Health",
      report.status === "Removed" && !report.health ? undefined : healthCell(report, report.health, limits),
    ],
    [
      "Last response",
      report.health && !report.health.healthy && report.health.lastBodyExcerpt
        ? inlineCode(report.health.lastBodyExcerpt, { maxLength: Math.min(limits.live, 200), inTable: true })
        : undefined,
    ],
    ["Commit", inlineCode(shortSha(report.sha), { maxLength: 64, inTable: true }) || undefined],
    [
      "Version",
      report.versionId ? inlineCode(report.versionId, { maxLength: 128, inTable: true }) : undefined,
    ],
    [
      "Image",
      report.image ? inlineCode(report.image, { maxLength: limits.image, inTable: true }) : undefined,
    ],
  ];
  if (options.pullRequest && report.prNumber !== undefined) {
    const title = report.title ? ` · ${escapeMarkdown(report.title, limits.text)}` : "";
    rows.push(["Pull request", `#${report.prNumber}${title}`]);
  }
  rows.push(
    [
      "Branch",
      report.branch ? inlineCode(report.branch, { maxLength: limits.text, inTable: true }) : undefined,
    ],
    ["Timings", timingsCell(report.phases, limits) || undefined],
    ["Updated", updatedCell(report.updatedAt)],
    ["Run", report.runUrl && safeUrl(report.runUrl) ? markdownLink("View logs", report.runUrl) : undefined],
  );
  lines.push("| | |", "|---|---|");
  for (const [label, value] of rows) {
    if (value !== undefined && value !== "") lines.push(`| **${label}** | ${value} |`);
  }
  return lines.join("\n");
}
