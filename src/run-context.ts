import { readFileSync } from "node:fs";
import { isRecord } from "./project/wrangler-config.js";

export interface PullRequestInfo {
  number: number;
  headSha: string;
  headRef: string;
  /** The head branch lives in another repository than the base. */
  fromFork: boolean;
  title: string;
}

/** What a run is about, from the GitHub environment (or the CLI's flags). */
export interface RunContext {
  eventName: string;
  /** The commit: the PR head on pull request events, else GITHUB_SHA. */
  sha: string;
  repository?: { owner: string; repo: string };
  pullRequest?: PullRequestInfo;
  /** e.g. https://github.com/o/r/actions/runs/1 */
  runUrl?: string;
  apiUrl: string;
  /** Repository root, for annotation paths. */
  workspace: string;
  /** True when running inside GitHub Actions. */
  onGitHub: boolean;
}

export const PULL_REQUEST_EVENTS = ["pull_request", "pull_request_target"] as const;

export function isPullRequestEvent(eventName: string): boolean {
  return (PULL_REQUEST_EVENTS as readonly string[]).includes(eventName);
}

function readEvent(path: string | undefined): Record<string, unknown> {
  if (!path) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, "utf8"));
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function readRunContext(env: Record<string, string | undefined>, cwd: string): RunContext {
  const eventName = env.GITHUB_EVENT_NAME ?? "";
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? "").split("/");
  const pr = isRecord(event.pull_request) ? event.pull_request : undefined;
  let pullRequest: PullRequestInfo | undefined;
  if (pr && isPullRequestEvent(eventName)) {
    const head = isRecord(pr.head) ? pr.head : {};
    const base = isRecord(pr.base) ? pr.base : {};
    const headRepo = isRecord(head.repo) ? str(head.repo.full_name) : "";
    const baseRepo = isRecord(base.repo) ? str(base.repo.full_name) : "";
    pullRequest = {
      number: typeof pr.number === "number" ? pr.number : Number(event.number ?? 0),
      headSha: str(head.sha),
      headRef: str(head.ref),
      fromFork: headRepo !== "" && baseRepo !== "" && headRepo !== baseRepo,
      title: str(pr.title),
    };
  }
  const server = env.GITHUB_SERVER_URL ?? "https://github.com";
  const runUrl =
    env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined;
  return {
    eventName,
    sha: pullRequest?.headSha || env.GITHUB_SHA || "",
    ...(owner && repo ? { repository: { owner, repo } } : {}),
    ...(pullRequest ? { pullRequest } : {}),
    ...(runUrl ? { runUrl } : {}),
    apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    workspace: env.GITHUB_WORKSPACE ?? cwd,
    onGitHub: env.GITHUB_ACTIONS === "true",
  };
}
