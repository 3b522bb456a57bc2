/**
 * The report's life during one run: the facts gathered so far, published to the sticky comment and
 * the GitHub Deployment at each phase change, and written once to the job summary at the end.
 * Reporting never fails a deploy: every GitHub error becomes a warning inside the reporter.
 */
import type { Inputs } from "../inputs.js";
import { isPullRequestEvent, type RunContext } from "../run-context.js";
import type { Io } from "../shell/io.js";
import { createGitHubClient, deploymentEnvironment } from "./github.js";
import type { DeployReport } from "./model.js";
import { createReporter, type Reporter } from "./reporter.js";
import { renderSummary } from "./summary.js";

export type ReportUpdate = Partial<Omit<DeployReport, "workerName" | "sha" | "preview" | "updatedAt">>;

export interface DeployReporting {
  /** Merge `update` into the report and publish it (comment, deployment). Never throws. */
  publish(update: ReportUpdate): Promise<void>;
  /** Set the `comment-id` output and (unless told not to) write the job summary; call once, at the end. */
  finish(options?: { summary?: boolean }): Promise<void>;
  readonly report: DeployReport;
}

export interface ReportingOptions {
  inputs: Pick<Inputs, "comment" | "githubDeployment" | "githubToken" | "environment">;
  ctx: RunContext;
  io: Io;
  workerName: string;
  preview: boolean;
  prNumber?: number;
  now?: () => Date;
}

function makeReporter(o: ReportingOptions): Reporter | undefined {
  const { inputs, ctx, io } = o;
  const wantsComment = inputs.comment && o.prNumber !== undefined && isPullRequestEvent(ctx.eventName);
  if (!(wantsComment || inputs.githubDeployment)) return undefined;
  if (!inputs.githubToken || !ctx.repository) {
    io.info("No github-token or repository: skipping the PR comment and the GitHub Deployment.");
    return undefined;
  }
  const client = createGitHubClient({
    token: inputs.githubToken,
    apiUrl: ctx.apiUrl,
    userAgent: "cf-containers-deploy",
    log: (m) => io.info(m),
  });
  return createReporter({
    client,
    owner: ctx.repository.owner,
    repo: ctx.repository.repo,
    ...(wantsComment && o.prNumber !== undefined ? { prNumber: o.prNumber } : {}),
    comment: wantsComment,
    deployment: inputs.githubDeployment,
    environment: deploymentEnvironment({
      preview: o.preview,
      ...(o.prNumber !== undefined ? { prNumber: o.prNumber } : {}),
      ...(inputs.environment !== undefined ? { environment: inputs.environment } : {}),
    }),
    warn: (m) => io.warning(m),
    info: (m) => io.info(m),
  });
}

export function startReporting(o: ReportingOptions): DeployReporting {
  const now = o.now ?? (() => new Date());
  const reporter = makeReporter(o);
  const pr = o.ctx.pullRequest;
  let report: DeployReport = {
    workerName: o.workerName,
    status: "Deploying",
    sha: o.ctx.sha,
    preview: o.preview,
    phases: [],
    updatedAt: now().toISOString(),
    ...(o.ctx.runUrl ? { runUrl: o.ctx.runUrl } : {}),
    ...(o.prNumber !== undefined ? { prNumber: o.prNumber } : {}),
    ...(pr?.headRef ? { branch: pr.headRef } : {}),
    ...(pr?.title ? { title: pr.title } : {}),
  };
  return {
    get report() {
      return report;
    },
    async publish(update) {
      report = { ...report, ...update, updatedAt: now().toISOString() };
      if (reporter) await reporter.publish(report);
    },
    async finish(options = {}) {
      o.io.setOutput("comment-id", String(reporter?.commentId() ?? ""));
      if (options.summary === false) return;
      try {
        await o.io.summary(renderSummary(report));
      } catch (error) {
        o.io.warning(`Could not write the job summary: ${(error as Error).message}`);
      }
    },
  };
}
