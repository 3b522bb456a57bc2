/**
 * One object the deploy and destroy flows call at every phase change: it keeps the sticky PR
 * comment and the GitHub Deployment in step with the report. Every failure is a warning; after a
 * permission failure (403/401) that channel stops trying, so a read-only fork token costs one
 * warning, not one per phase.
 */
import { renderComment } from "./comment.js";
import {
  createDeployment,
  type DeploymentState,
  findStickyComment,
  type GitHubClient,
  markEnvironmentInactive,
  type ReportKind,
  reportingWarning,
  setDeploymentStatus,
  statusOf,
  upsertStickyComment,
} from "./github.js";
import type { DeployReport, DeployStatus } from "./model.js";

export interface ReporterOptions {
  client: GitHubClient;
  owner: string;
  repo: string;
  /** The PR to comment on; no comment without one. */
  prNumber?: number;
  /** The `comment` input. */
  comment: boolean;
  /** The `github-deployment` input. */
  deployment: boolean;
  /** GitHub environment name, see deploymentEnvironment(). */
  environment: string;
  warn: (message: string) => void;
  info?: (message: string) => void;
}

export interface Reporter {
  /** Bring the comment and the deployment up to date with `report`. Never throws. */
  publish(report: DeployReport): Promise<void>;
  /** The sticky comment's id once known (the `comment-id` output). */
  commentId(): number | undefined;
  /** The GitHub Deployment's id once created. */
  deploymentId(): number | undefined;
}

const DEPLOYMENT_STATE: Record<DeployStatus, DeploymentState> = {
  Deploying: "in_progress",
  Healthy: "success",
  Unhealthy: "failure",
  Failed: "failure",
  Removed: "inactive",
};

export function createReporter(options: ReporterOptions): Reporter {
  const { client, owner, repo } = options;
  const info = options.info ?? (() => {});
  let commentId: number | undefined;
  let deploymentId: number | undefined;
  const disabled = new Set<ReportKind>();

  async function attempt<T>(kind: ReportKind, fn: () => Promise<T>): Promise<T | undefined> {
    if (disabled.has(kind)) return undefined;
    try {
      return await fn();
    } catch (error) {
      const status = statusOf(error);
      if (status === 401 || status === 403) disabled.add(kind);
      options.warn(reportingWarning(error, kind));
      return undefined;
    }
  }

  async function publishComment(report: DeployReport, issueNumber: number): Promise<void> {
    let toRender = report;
    if (report.status === "Removed" && report.url === undefined) {
      // Destroy knows the name, not the URL: say which URL went away, from the comment's own state.
      const found = await attempt("comment", () =>
        findStickyComment(client, { owner, repo, issueNumber, workerName: report.workerName }),
      );
      if (found?.state?.url) toRender = { ...report, url: found.state.url };
    }
    const result = await attempt("comment", () =>
      upsertStickyComment(client, {
        owner,
        repo,
        issueNumber,
        workerName: report.workerName,
        body: renderComment(toRender),
        sha: report.sha,
        ...(commentId !== undefined ? { commentId } : {}),
      }),
    );
    if (!result) return;
    commentId = result.commentId;
    if (result.action === "skipped-stale") {
      info(
        `Not updating the PR comment: commit ${report.sha.slice(0, 7)} is no longer the head of PR #${issueNumber}.`,
      );
    }
  }

  async function publishDeployment(report: DeployReport): Promise<void> {
    if (report.status === "Removed") {
      await attempt("deployment", () =>
        markEnvironmentInactive(client, {
          owner,
          repo,
          environment: options.environment,
          ...(report.runUrl ? { logUrl: report.runUrl } : {}),
        }),
      );
      return;
    }
    if (deploymentId === undefined) {
      deploymentId = await attempt("deployment", () =>
        createDeployment(client, {
          owner,
          repo,
          sha: report.sha,
          environment: options.environment,
          preview: report.preview,
          description: `Cloudflare Containers: ${report.workerName}`,
        }),
      );
    }
    const id = deploymentId;
    if (id === undefined) return;
    await attempt("deployment", () =>
      setDeploymentStatus(client, {
        owner,
        repo,
        deploymentId: id,
        state: DEPLOYMENT_STATE[report.status],
        ...(report.url && report.status === "Healthy" ? { environmentUrl: report.url } : {}),
        ...(report.runUrl ? { logUrl: report.runUrl } : {}),
        description: report.failure ? `${report.failure.phase} failed` : report.status,
      }),
    );
  }

  return {
    async publish(report) {
      if (options.comment && options.prNumber !== undefined) await publishComment(report, options.prNumber);
      if (options.deployment) await publishDeployment(report);
    },
    commentId: () => commentId,
    deploymentId: () => deploymentId,
  };
}
