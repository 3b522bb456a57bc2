/** The job summary (GITHUB_STEP_SUMMARY) for a deploy or destroy: the comment's facts, no marker. */
import { inlineCode } from "./escape.js";
import type { DeployReport } from "./model.js";
import { renderFacts, STATUS_EMOJI, scaledLimits } from "./render.js";

/** Markdown for the job summary; pure. */
export function renderSummary(report: DeployReport): string {
  const scope = report.preview ? "preview" : "deploy";
  const heading = `## ${STATUS_EMOJI[report.status]} ${report.status} · Cloudflare Containers ${scope} ${inlineCode(report.workerName, { maxLength: 80 })}`;
  return `${heading}\n\n${renderFacts(report, scaledLimits(1), { pullRequest: true })}\n`;
}
