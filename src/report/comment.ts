/**
 * The sticky PR comment (SPEC §6), rendered purely: a marker line that finds the comment again,
 * a hidden state line that later runs read, then the visible report.
 */
import { inlineCode, toOneLine, truncate } from "./escape.js";
import { DEPLOY_STATUSES, type DeployReport, type DeployStatus } from "./model.js";
import { type RenderLimits, renderFacts, STATUS_EMOJI, scaledLimits } from "./render.js";

const MARKER_PREFIX = "<!-- cloudflare-containers-deploy:";
const STATE_PREFIX = "<!-- cloudflare-containers-deploy-state:";
const COMMENT_END = " -->";

/** GitHub rejects comment bodies over 65,536 characters; stay well below. */
export const MAX_COMMENT_CHARS = 60_000;

/** The machine-readable state hidden in the comment. */
export interface CommentState {
  workerName?: string;
  status?: DeployStatus;
  sha: string;
  url?: string;
  versionId?: string;
  image?: string;
  healthy?: boolean;
  updatedAt?: string;
  prNumber?: number;
}

/** Worker names are `[a-z0-9-]`; anything that could end the HTML comment is dropped regardless. */
function markerName(workerName: string): string {
  return toOneLine(workerName).replace(/[<>\s]/g, "");
}

/** The first line of our comment for `workerName`, exactly. */
export function commentMarker(workerName: string): string {
  return `${MARKER_PREFIX}${markerName(workerName)}${COMMENT_END}`;
}

/** True when the body's first line is exactly our marker for `workerName`. */
export function isOurComment(body: string | null | undefined, workerName: string): boolean {
  if (!body) return false;
  const firstLine = body.split("\n", 1)[0] ?? "";
  return firstLine.replace(/\r$/, "") === commentMarker(workerName);
}

/**
 * JSON that cannot end or open an HTML comment (`-->`, `--!>`, `<!--`) or break the line:
 * `<`, `>`, `&`, Unicode line separators and bidi overrides become \u escapes (JSON.parse undoes them).
 */
function stateJson(state: CommentState): string {
  return JSON.stringify(state).replace(
    /[<>&\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Strings in the state are bounded so a hostile value cannot blow the body cap. */
function stateOf(report: DeployReport): CommentState {
  const cut = (v: string | undefined) => (v === undefined ? undefined : truncate(v, 512));
  const state: CommentState = {
    workerName: truncate(report.workerName, 128),
    status: report.status,
    sha: truncate(report.sha, 64),
    ...(report.url !== undefined ? { url: cut(report.url) } : {}),
    ...(report.versionId !== undefined ? { versionId: cut(report.versionId) } : {}),
    ...(report.image !== undefined ? { image: cut(report.image) } : {}),
    healthy: report.health?.healthy ?? report.status === "Healthy",
    updatedAt: truncate(report.updatedAt, 64),
    ...(report.prNumber !== undefined ? { prNumber: report.prNumber } : {}),
  };
  return state;
}

export function renderStateLine(report: DeployReport): string {
  return `${STATE_PREFIX}${stateJson(stateOf(report))}${COMMENT_END}`;
}

function renderVisible(report: DeployReport, limits: RenderLimits): string {
  const scope = report.preview ? "preview" : "deploy";
  const heading = `### ${STATUS_EMOJI[report.status]} ${report.status} · Cloudflare Containers ${scope} ${inlineCode(report.workerName, { maxLength: 80 })}`;
  return [heading, "", renderFacts(report, limits)].join("\n");
}

/**
 * The whole comment body. First line: the marker; second: the hidden state; then the visible
 * report. Always below MAX_COMMENT_CHARS: user fields are cut (harder on each retry) and, as a
 * last resort, the visible part is cut while marker and state stay intact.
 */
export function renderComment(report: DeployReport): string {
  const head = `${commentMarker(report.workerName)}\n${renderStateLine(report)}\n`;
  let body = "";
  for (const scale of [1, 0.5, 0.2, 0.05]) {
    body = head + renderVisible(report, scaledLimits(scale));
    if (body.length <= MAX_COMMENT_CHARS) return body;
  }
  const note = "\n\n_(report truncated)_";
  return body.slice(0, MAX_COMMENT_CHARS - note.length) + note;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const optionalString = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The hidden state of a comment body, or undefined when there is none or it is not ours. */
export function parseCommentState(body: string | null | undefined): CommentState | undefined {
  if (typeof body !== "string") return undefined;
  for (const rawLine of body.split("\n")) {
    const line = rawLine.replace(/\r$/, "");
    if (!line.startsWith(STATE_PREFIX) || !line.endsWith(COMMENT_END)) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.slice(STATE_PREFIX.length, line.length - COMMENT_END.length));
    } catch {
      return undefined;
    }
    if (!isRecord(parsed) || typeof parsed.sha !== "string") return undefined;
    const status = DEPLOY_STATUSES.find((s) => s === parsed.status);
    const state: CommentState = { sha: parsed.sha };
    const workerName = optionalString(parsed.workerName);
    const url = optionalString(parsed.url);
    const versionId = optionalString(parsed.versionId);
    const image = optionalString(parsed.image);
    const updatedAt = optionalString(parsed.updatedAt);
    if (workerName !== undefined) state.workerName = workerName;
    if (status !== undefined) state.status = status;
    if (url !== undefined) state.url = url;
    if (versionId !== undefined) state.versionId = versionId;
    if (image !== undefined) state.image = image;
    if (typeof parsed.healthy === "boolean") state.healthy = parsed.healthy;
    if (updatedAt !== undefined) state.updatedAt = updatedAt;
    if (typeof parsed.prNumber === "number" && Number.isInteger(parsed.prNumber))
      state.prNumber = parsed.prNumber;
    return state;
  }
  return undefined;
}
