/**
 * The GitHub side of reporting (shell): an octokit with retry and throttling, the sticky comment
 * upsert with the stale-run rule, GitHub Deployments, and a wrapper that turns every reporting
 * failure into a warning. Point it at GitHub Enterprise (or the test stand-in) with `apiUrl`.
 */
import { getOctokit } from "@actions/github";
import { defaults as actionsDefaults } from "@actions/github/lib/utils";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import { type CommentState, commentMarker, isOurComment, parseCommentState } from "./comment.js";

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface GitHubClientOptions {
  token: string;
  /** GITHUB_API_URL: https://api.github.com, a GHES `/api/v3` URL, or a stand-in. */
  apiUrl: string;
  userAgent?: string;
  /** Where retry notes go (e.g. Io.info); silent by default. */
  log?: (message: string) => void;
  /** Retries for 5xx and other transient failures (plugin-retry); default 3. */
  retries?: number;
  /** Base of plugin-retry's quadratic backoff (1×, 4×, 9× this); default 1000 ms. */
  retryBaseMs?: number;
  /** How often a rate-limited request is retried before giving up; default 2. */
  rateLimitRetries?: number;
  /** A rate limit that asks us to wait longer than this is not waited for; default 60 s. */
  maxRateLimitWaitSeconds?: number;
  /** Per-request timeout; default 30 s. A hung API must not hang a deploy. */
  requestTimeoutMs?: number;
}

/**
 * An octokit for reporting. Rate limits (primary and secondary) are retried a bounded number of
 * times, honouring Retry-After, and only when the wait is short; 5xx responses are retried with
 * backoff; 4xx other than rate limits are not retried.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const log = options.log ?? (() => {});
  const maxRetries = options.rateLimitRetries ?? 2;
  const maxWait = options.maxRateLimitWaitSeconds ?? 60;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      request: { method: string; url: string },
      _octokit: unknown,
      retryCount: number,
    ): boolean => {
      const what = `${request.method} ${request.url}`;
      if (retryCount >= maxRetries || retryAfter > maxWait) {
        log(`GitHub ${kind} rate limit on ${what}; not retrying (asked to wait ${retryAfter} s).`);
        return false;
      }
      log(
        `GitHub ${kind} rate limit on ${what}; retrying in ${retryAfter} s (retry ${retryCount + 1} of ${maxRetries}).`,
      );
      return true;
    };
  // The toolkit's fetch honours HTTPS_PROXY/NO_PROXY; keep it and add a per-request timeout.
  const baseFetch = actionsDefaults.request?.fetch ?? globalThis.fetch;
  const fetchWithTimeout = (url: string | URL, init?: RequestInit): Promise<Response> =>
    baseFetch(url, { ...init, signal: init?.signal ?? AbortSignal.timeout(timeoutMs) });
  return getOctokit(
    options.token,
    {
      baseUrl: options.apiUrl.replace(/\/+$/, ""),
      ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      request: { ...actionsDefaults.request, fetch: fetchWithTimeout },
      log: { debug: () => {}, info: () => {}, warn: (m: string) => log(m), error: (m: string) => log(m) },
      retry: { retries: options.retries ?? 3, retryAfterBaseValue: options.retryBaseMs ?? 1000 },
      throttle: { onRateLimit: onLimit("primary"), onSecondaryRateLimit: onLimit("secondary") },
    },
    retry,
    throttling,
  );
}

/** The HTTP status of an octokit error, when it has one. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error === "object" && error !== null && "status" in error && typeof error.status === "number") {
    return error.status;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

// ---------------------------------------------------------------------------------------------
// Sticky comment

/** Where our comment lives: the PR and the Worker it reports on. */
export interface CommentLocation {
  owner: string;
  repo: string;
  issueNumber: number;
  workerName: string;
}

export interface UpsertCommentParams extends CommentLocation {
  /** The rendered comment (renderComment); its first line must be the marker. */
  body: string;
  /** The commit this run is about. */
  sha: string;
  /** A comment id from an earlier call in this run: read directly instead of listing all comments. */
  commentId?: number;
}

export type UpsertAction = "created" | "updated" | "skipped-stale";

export interface UpsertResult {
  commentId: number;
  action: UpsertAction;
}

export type WriteDecision = "write" | "skip-stale";

/**
 * The stale-run rule (SPEC §6), pure. A run whose commit is still the PR head (or whose head
 * could not be read) writes. A superseded run may still create the comment, or update the one
 * that already shows its own commit; it never overwrites a comment about another commit, which
 * is the head's or at least as new as ours (commits cannot be ordered without git, and a
 * superseded run is older than the head by definition).
 */
export function decideCommentWrite(input: {
  runSha: string;
  headSha: string | undefined;
  existingSha: string | undefined;
  hasExisting: boolean;
}): WriteDecision {
  const { runSha, headSha, existingSha, hasExisting } = input;
  if (!headSha || headSha === runSha) return "write";
  if (!hasExisting || existingSha === undefined || existingSha === runSha) return "write";
  return "skip-stale";
}

interface FoundComment {
  id: number;
  body: string;
}

async function readHeadSha(client: GitHubClient, params: UpsertCommentParams): Promise<string | undefined> {
  try {
    const { data } = await client.rest.pulls.get({
      owner: params.owner,
      repo: params.repo,
      pull_number: params.issueNumber,
    });
    return data.head.sha;
  } catch (error) {
    // An issue that is not a PR has no head; anything else (403, 5xx after retries) is real.
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** All our comments for this worker, oldest first, paging through every comment on the PR. */
async function findOurComments(client: GitHubClient, params: CommentLocation): Promise<FoundComment[]> {
  const comments = await client.paginate(client.rest.issues.listComments, {
    owner: params.owner,
    repo: params.repo,
    issue_number: params.issueNumber,
    per_page: 100,
  });
  return comments
    .filter((c) => isOurComment(c.body, params.workerName))
    .map((c) => ({ id: c.id, body: c.body ?? "" }))
    .sort((a, b) => a.id - b.id);
}

async function findComment(
  client: GitHubClient,
  params: UpsertCommentParams,
): Promise<FoundComment | undefined> {
  if (params.commentId !== undefined) {
    try {
      const { data } = await client.rest.issues.getComment({
        owner: params.owner,
        repo: params.repo,
        comment_id: params.commentId,
      });
      if (isOurComment(data.body, params.workerName)) return { id: data.id, body: data.body ?? "" };
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
  return (await findOurComments(client, params))[0];
}

/**
 * Our comment for `workerName` and its hidden state, if there is one (e.g. for destroy, to say
 * which URL was removed).
 */
export async function findStickyComment(
  client: GitHubClient,
  params: CommentLocation,
): Promise<{ commentId: number; state: CommentState | undefined } | undefined> {
  const found = await findOurComments(client, params);
  const first = found[0];
  return first ? { commentId: first.id, state: parseCommentState(first.body) } : undefined;
}

async function createComment(client: GitHubClient, params: UpsertCommentParams): Promise<number> {
  const { data } = await client.rest.issues.createComment({
    owner: params.owner,
    repo: params.repo,
    issue_number: params.issueNumber,
    body: params.body,
  });
  return data.id;
}

/**
 * Two runs that both found no comment both create one. After creating, look again: the oldest of
 * our comments wins; a younger duplicate we just made is deleted and the winner updated instead
 * (subject to the stale rule against the winner's state).
 */
async function settleDuplicates(
  client: GitHubClient,
  params: UpsertCommentParams,
  createdId: number,
  headSha: string | undefined,
): Promise<UpsertResult> {
  const ours = await findOurComments(client, params);
  const winner = ours[0];
  if (!winner || winner.id === createdId) return { commentId: createdId, action: "created" };
  await client.rest.issues.deleteComment({ owner: params.owner, repo: params.repo, comment_id: createdId });
  const decision = decideCommentWrite({
    runSha: params.sha,
    headSha,
    existingSha: parseCommentState(winner.body)?.sha,
    hasExisting: true,
  });
  if (decision === "skip-stale") return { commentId: winner.id, action: "skipped-stale" };
  await client.rest.issues.updateComment({
    owner: params.owner,
    repo: params.repo,
    comment_id: winner.id,
    body: params.body,
  });
  return { commentId: winner.id, action: "updated" };
}

/**
 * Create or update the one comment for `workerName` on the PR (SPEC §6). Matches only comments
 * whose first line is exactly our marker; edits in place; never overwrites a newer commit's
 * report from a superseded run; recreates the comment if it was deleted meanwhile.
 */
export async function upsertStickyComment(
  client: GitHubClient,
  params: UpsertCommentParams,
): Promise<UpsertResult> {
  if (!isOurComment(params.body, params.workerName)) {
    throw new Error(`comment body must start with ${commentMarker(params.workerName)}`);
  }
  const headSha = await readHeadSha(client, params);
  const existing = await findComment(client, params);
  const decision = decideCommentWrite({
    runSha: params.sha,
    headSha,
    existingSha: existing ? parseCommentState(existing.body)?.sha : undefined,
    hasExisting: existing !== undefined,
  });
  if (existing && decision === "skip-stale") return { commentId: existing.id, action: "skipped-stale" };
  if (existing) {
    if (existing.body === params.body) return { commentId: existing.id, action: "updated" };
    try {
      await client.rest.issues.updateComment({
        owner: params.owner,
        repo: params.repo,
        comment_id: existing.id,
        body: params.body,
      });
      return { commentId: existing.id, action: "updated" };
    } catch (error) {
      // Deleted between our read and our write: make a new one.
      if (statusOf(error) !== 404) throw error;
    }
  }
  const createdId = await createComment(client, params);
  return settleDuplicates(client, params, createdId, headSha);
}

// ---------------------------------------------------------------------------------------------
// GitHub Deployments

/** "preview/pr-<n>" for previews, else the given environment name, else "production". */
export function deploymentEnvironment(input: {
  preview: boolean;
  prNumber?: number;
  environment?: string;
}): string {
  if (input.preview && input.prNumber !== undefined) return `preview/pr-${input.prNumber}`;
  return input.environment?.trim() || "production";
}

export interface CreateDeploymentParams {
  owner: string;
  repo: string;
  /** The commit being deployed. */
  sha: string;
  environment: string;
  preview: boolean;
  description?: string;
}

/** Create a GitHub Deployment for `sha` (no auto-merge, no required status contexts). */
export async function createDeployment(
  client: GitHubClient,
  params: CreateDeploymentParams,
): Promise<number> {
  const response = await client.rest.repos.createDeployment({
    owner: params.owner,
    repo: params.repo,
    ref: params.sha,
    environment: params.environment,
    auto_merge: false,
    required_contexts: [],
    transient_environment: params.preview,
    production_environment: !params.preview,
    description: (params.description ?? "Cloudflare Containers deploy").slice(0, 140),
  });
  if (response.status !== 201 || !("id" in response.data)) {
    throw new Error(`GitHub did not create the deployment (HTTP ${response.status})`);
  }
  return response.data.id;
}

export type DeploymentState = "in_progress" | "success" | "failure" | "error" | "inactive";

export interface DeploymentStatusParams {
  owner: string;
  repo: string;
  deploymentId: number;
  state: DeploymentState;
  environmentUrl?: string;
  logUrl?: string;
  description?: string;
}

/** Add a status to a deployment; a `success` marks earlier deployments of the environment inactive. */
export async function setDeploymentStatus(
  client: GitHubClient,
  params: DeploymentStatusParams,
): Promise<void> {
  await client.rest.repos.createDeploymentStatus({
    owner: params.owner,
    repo: params.repo,
    deployment_id: params.deploymentId,
    state: params.state,
    ...(params.environmentUrl ? { environment_url: params.environmentUrl } : {}),
    ...(params.logUrl ? { log_url: params.logUrl } : {}),
    ...(params.description ? { description: params.description.slice(0, 140) } : {}),
    auto_inactive: params.state === "success",
  });
}

/** On destroy: mark every deployment of the environment inactive. Returns how many were marked. */
export async function markEnvironmentInactive(
  client: GitHubClient,
  params: { owner: string; repo: string; environment: string; logUrl?: string },
): Promise<number> {
  const deployments = await client.paginate(client.rest.repos.listDeployments, {
    owner: params.owner,
    repo: params.repo,
    environment: params.environment,
    per_page: 100,
  });
  for (const deployment of deployments) {
    await setDeploymentStatus(client, {
      owner: params.owner,
      repo: params.repo,
      deploymentId: deployment.id,
      state: "inactive",
      description: "Preview removed",
      ...(params.logUrl ? { logUrl: params.logUrl } : {}),
    });
  }
  return deployments.length;
}

// ---------------------------------------------------------------------------------------------
// Failures become warnings

export type ReportKind = "comment" | "deployment";

const PERMISSION: Record<ReportKind, { permission: string; what: string }> = {
  comment: { permission: "pull-requests: write", what: "update the pull request comment" },
  deployment: { permission: "deployments: write", what: "record the GitHub Deployment" },
};

/** The warning for a failed reporting call: what failed, and for a 403 the permission to grant. */
export function reportingWarning(error: unknown, kind: ReportKind): string {
  const { permission, what } = PERMISSION[kind];
  const status = statusOf(error);
  const message = messageOf(error);
  if (status === 401) {
    return (
      `Could not ${what} (HTTP 401: ${message}). The deploy itself is unaffected. ` +
      "GitHub rejected the token: check the `github-token` input (it defaults to the workflow token)."
    );
  }
  if (status === 403) {
    return (
      `Could not ${what} (HTTP ${status}: ${message}). The deploy itself is unaffected. ` +
      `Grant the workflow's token \`permissions: ${permission}\` (or pass a token with it as \`github-token\`). ` +
      "Pull requests from forks get a read-only token under `pull_request`, so they cannot be commented on or deployed to GitHub from that event."
    );
  }
  return `Could not ${what} (${status !== undefined ? `HTTP ${status}: ` : ""}${message}). The deploy itself is unaffected.`;
}

/**
 * Run a reporting call; any failure becomes a warning and `undefined`, never a thrown error, so
 * reporting can never fail a good deploy.
 */
export async function reportSafely<T>(
  fn: () => Promise<T>,
  warn: (message: string) => void,
  kind: ReportKind = "comment",
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    warn(reportingWarning(error, kind));
    return undefined;
  }
}
