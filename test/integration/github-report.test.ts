// Reporting against the GitHub REST stand-in with the real octokit (retry + throttling plugins),
// pointed at it the way GitHub Enterprise users point it: through the API base URL.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commentMarker, parseCommentState, renderComment } from "../../src/report/comment.js";
import {
  createDeployment,
  createGitHubClient,
  deploymentEnvironment,
  type GitHubClient,
  markEnvironmentInactive,
  reportSafely,
  setDeploymentStatus,
  upsertStickyComment,
} from "../../src/report/github.js";
import type { DeployReport } from "../../src/report/model.js";
import { createReporter } from "../../src/report/reporter.js";
import { type GitHubStandin, startGitHubStandin } from "../standin/github/index.js";

const OWNER = "octo";
const REPO = "app";
const PR = 12;
const WORKER = "backend-pr-12";
const SHA_A = "a".repeat(40);
const SHA_B = "b".repeat(40);

let gh: GitHubStandin;
let client: GitHubClient;
let logs: string[];

function report(overrides: Partial<DeployReport> = {}): DeployReport {
  return {
    workerName: WORKER,
    status: "Deploying",
    sha: SHA_A,
    url: "https://backend-pr-12.standin.workers.dev",
    preview: true,
    phases: [],
    prNumber: PR,
    updatedAt: "2026-12-03T13:00:00.000Z",
    ...overrides,
  };
}

function upsert(r: DeployReport, extra: { commentId?: number; workerName?: string } = {}) {
  return upsertStickyComment(client, {
    owner: OWNER,
    repo: REPO,
    issueNumber: PR,
    workerName: extra.workerName ?? r.workerName,
    body: renderComment(r),
    sha: r.sha,
    ...(extra.commentId !== undefined ? { commentId: extra.commentId } : {}),
  });
}

function ours(): { id: number; body: string }[] {
  return gh.comments(PR).filter((c) => c.body.split("\n")[0] === commentMarker(WORKER));
}

beforeEach(async () => {
  gh = await startGitHubStandin();
  gh.setPullHead(PR, SHA_A);
  logs = [];
  client = createGitHubClient({
    token: gh.token,
    apiUrl: gh.url,
    retryBaseMs: 20,
    log: (m) => logs.push(m),
  });
});

afterEach(async () => {
  await gh.close();
});

describe("sticky comment", () => {
  it("creates once, then edits the same comment in place", async () => {
    const first = await upsert(report());
    expect(first.action).toBe("created");
    expect(ours()).toHaveLength(1);

    const second = await upsert(report({ status: "Healthy", versionId: "v-1" }));
    expect(second).toEqual({ commentId: first.commentId, action: "updated" });
    const comments = ours();
    expect(comments).toHaveLength(1);
    expect(parseCommentState(comments[0]?.body)).toMatchObject({
      status: "Healthy",
      versionId: "v-1",
      sha: SHA_A,
    });
  });

  it("leaves other workers' comments and comments quoting our marker alone", async () => {
    const other = gh.addComment(PR, `${commentMarker("backend-pr-1")}\nother worker`, "github-actions[bot]");
    const quoting = gh.addComment(PR, `> earlier:\n${commentMarker(WORKER)}\nquoted by a human`);
    const prefixed = gh.addComment(PR, `${commentMarker(`${WORKER}-api`)}\nlonger name`);

    const result = await upsert(report());
    expect(result.action).toBe("created");
    expect([other, quoting, prefixed]).not.toContain(result.commentId);
    const all = gh.comments(PR);
    expect(all).toHaveLength(4);
    expect(all.find((c) => c.id === other)?.body).toBe(`${commentMarker("backend-pr-1")}\nother worker`);
    expect(all.find((c) => c.id === quoting)?.body).toContain("quoted by a human");
    expect(all.find((c) => c.id === prefixed)?.body).toContain("longer name");
  });

  it("pages through every comment and finds ours on page 2", async () => {
    for (let i = 0; i < 150; i++) gh.addComment(PR, `chatter ${i}`);
    const id = gh.addComment(PR, renderComment(report()), "github-actions[bot]");

    const result = await upsert(report({ status: "Healthy" }));
    expect(result).toEqual({ commentId: id, action: "updated" });
    expect(gh.comments(PR)).toHaveLength(151);
    expect(
      gh.requests.some((r) => r.method === "GET" && /\/issues\/12\/comments\?.*page=2/.test(r.path)),
    ).toBe(true);
    expect(gh.requests.some((r) => r.method === "GET" && /per_page=100/.test(r.path))).toBe(true);
  });

  it("a superseded run does not overwrite the head's report", async () => {
    gh.setPullHead(PR, SHA_B);
    const newer = await upsert(report({ sha: SHA_B, status: "Healthy" }));
    expect(newer.action).toBe("created");

    const stale = await upsert(report({ sha: SHA_A, status: "Failed" }));
    expect(stale).toEqual({ commentId: newer.commentId, action: "skipped-stale" });
    const comments = ours();
    expect(comments).toHaveLength(1);
    expect(parseCommentState(comments[0]?.body)).toMatchObject({ sha: SHA_B, status: "Healthy" });
    expect(gh.requests.filter((r) => r.method === "PATCH")).toHaveLength(0);
  });

  it("a superseded run may still finish its own report", async () => {
    const mine = await upsert(report({ sha: SHA_A }));
    gh.setPullHead(PR, SHA_B);
    const result = await upsert(report({ sha: SHA_A, status: "Healthy" }));
    expect(result).toEqual({ commentId: mine.commentId, action: "updated" });
    expect(parseCommentState(ours()[0]?.body)?.status).toBe("Healthy");
  });

  it("reuses a known comment id without listing, and falls back to listing when it is gone", async () => {
    const first = await upsert(report());
    const listsBefore = gh.requests.filter(
      (r) => r.method === "GET" && r.path.includes("/issues/12/comments"),
    ).length;
    const second = await upsert(report({ status: "Healthy" }), { commentId: first.commentId });
    expect(second).toEqual({ commentId: first.commentId, action: "updated" });
    const listsAfter = gh.requests.filter(
      (r) => r.method === "GET" && r.path.includes("/issues/12/comments"),
    ).length;
    expect(listsAfter).toBe(listsBefore);

    gh.deleteComment(first.commentId);
    const third = await upsert(report({ status: "Healthy" }), { commentId: first.commentId });
    expect(third.action).toBe("created");
    expect(ours()).toHaveLength(1);
  });

  it("recreates the comment when it is deleted between lookup and update (404 on PATCH)", async () => {
    const first = await upsert(report());
    gh.failNext({
      method: "PATCH",
      pathPattern: `/issues/comments/${first.commentId}`,
      status: 404,
      onMatch: () => gh.deleteComment(first.commentId),
    });
    const second = await upsert(report({ status: "Healthy" }));
    expect(second.action).toBe("created");
    expect(second.commentId).not.toBe(first.commentId);
    const comments = ours();
    expect(comments).toHaveLength(1);
    expect(parseCommentState(comments[0]?.body)?.status).toBe("Healthy");
  });

  it("two runs racing on an empty PR end with one comment", async () => {
    const [a, b] = await Promise.all([upsert(report()), upsert(report({ status: "Healthy" }))]);
    expect(ours()).toHaveLength(1);
    expect(a.commentId).toBe(b.commentId);
    expect([a.action, b.action].sort()).toEqual(["created", "updated"]);
  });
});

describe("faults", () => {
  it("403 on comment create becomes a warning naming the permission, never a throw", async () => {
    gh.failNext({ method: "POST", pathPattern: /\/issues\/12\/comments$/, status: 403 });
    const warnings: string[] = [];
    const result = await reportSafely(
      () => upsert(report()),
      (m) => warnings.push(m),
      "comment",
    );
    expect(result).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("HTTP 403");
    expect(warnings[0]).toContain("pull-requests: write");
    expect(warnings[0]).toMatch(/fork/i);
    expect(ours()).toHaveLength(0);
    // 403 without rate-limit signs is not retried.
    expect(gh.requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("retries a 500 and succeeds", async () => {
    gh.failNext({ method: "POST", pathPattern: /\/issues\/12\/comments$/, status: 500, times: 2 });
    const result = await upsert(report());
    expect(result.action).toBe("created");
    expect(ours()).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === "POST")).toHaveLength(3);
  });

  it("gives up after bounded retries on a persistent 502 and warns", async () => {
    gh.failNext({ method: "GET", pathPattern: /\/pulls\/12$/, status: 502, times: 100 });
    const warnings: string[] = [];
    const result = await reportSafely(
      () => upsert(report()),
      (m) => warnings.push(m),
    );
    expect(result).toBeUndefined();
    expect(warnings[0]).toContain("HTTP 502");
    // 1 try + 3 retries
    expect(gh.requests.filter((r) => r.path.endsWith("/pulls/12"))).toHaveLength(4);
  });

  it("honours Retry-After on a secondary rate limit", async () => {
    gh.failNext({
      method: "POST",
      pathPattern: /\/issues\/12\/comments$/,
      status: 403,
      headers: { "retry-after": "1" },
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    });
    const result = await upsert(report());
    expect(result.action).toBe("created");
    expect(ours()).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === "POST")).toHaveLength(2);
    expect(logs.join("\n")).toMatch(/secondary rate limit .* retrying in 1 s/);
  });

  it("does not wait out a long rate limit: warns instead", async () => {
    gh.failNext({
      method: "POST",
      pathPattern: /\/issues\/12\/comments$/,
      status: 403,
      headers: { "retry-after": "3600" },
      message: "You have exceeded a secondary rate limit.",
    });
    const warnings: string[] = [];
    const result = await reportSafely(
      () => upsert(report()),
      (m) => warnings.push(m),
    );
    expect(result).toBeUndefined();
    expect(warnings[0]).toContain("secondary rate limit");
    expect(logs.join("\n")).toContain("not retrying");
  });

  it("a wrong token is a warning too", async () => {
    const bad = createGitHubClient({ token: "wrong", apiUrl: gh.url });
    const warnings: string[] = [];
    const result = await reportSafely(
      () =>
        upsertStickyComment(bad, {
          owner: OWNER,
          repo: REPO,
          issueNumber: PR,
          workerName: WORKER,
          body: renderComment(report()),
          sha: SHA_A,
        }),
      (m) => warnings.push(m),
    );
    expect(result).toBeUndefined();
    expect(warnings[0]).toContain("HTTP 401");
    expect(warnings[0]).toContain("github-token");
  });
});

describe("GitHub Deployments", () => {
  it("creates a deployment with the environment URL, then marks it inactive on destroy", async () => {
    const environment = deploymentEnvironment({ preview: true, prNumber: PR });
    const runUrl = "https://github.com/octo/app/actions/runs/42";
    const id = await createDeployment(client, {
      owner: OWNER,
      repo: REPO,
      sha: SHA_A,
      environment,
      preview: true,
    });
    await setDeploymentStatus(client, {
      owner: OWNER,
      repo: REPO,
      deploymentId: id,
      state: "in_progress",
      logUrl: runUrl,
    });
    await setDeploymentStatus(client, {
      owner: OWNER,
      repo: REPO,
      deploymentId: id,
      state: "success",
      environmentUrl: "https://backend-pr-12.standin.workers.dev",
      logUrl: runUrl,
    });
    let [deployment] = gh.deployments();
    expect(deployment).toMatchObject({
      id,
      ref: SHA_A,
      environment: "preview/pr-12",
      transientEnvironment: true,
      productionEnvironment: false,
    });
    expect(deployment?.statuses.map((s) => s.state)).toEqual(["in_progress", "success"]);
    expect(deployment?.statuses[1]).toMatchObject({
      environmentUrl: "https://backend-pr-12.standin.workers.dev",
      logUrl: runUrl,
    });

    const marked = await markEnvironmentInactive(client, { owner: OWNER, repo: REPO, environment });
    expect(marked).toBe(1);
    [deployment] = gh.deployments();
    expect(deployment?.statuses.at(-1)?.state).toBe("inactive");
  });

  it("403 on deployments becomes a warning naming deployments: write", async () => {
    gh.failNext({ method: "POST", pathPattern: /\/deployments$/, status: 403 });
    const warnings: string[] = [];
    const result = await reportSafely(
      () =>
        createDeployment(client, {
          owner: OWNER,
          repo: REPO,
          sha: SHA_A,
          environment: "production",
          preview: false,
        }),
      (m) => warnings.push(m),
      "deployment",
    );
    expect(result).toBeUndefined();
    expect(warnings[0]).toContain("deployments: write");
    expect(gh.deployments()).toHaveLength(0);
  });
});

describe("reporter (what the deploy and destroy flows call)", () => {
  it("walks a PR deploy through Deploying → Healthy → Removed with one comment and one deployment", async () => {
    const warnings: string[] = [];
    const reporter = createReporter({
      client,
      owner: OWNER,
      repo: REPO,
      prNumber: PR,
      comment: true,
      deployment: true,
      environment: deploymentEnvironment({ preview: true, prNumber: PR }),
      warn: (m) => warnings.push(m),
    });
    const runUrl = "https://github.com/octo/app/actions/runs/42";
    await reporter.publish(report({ runUrl }));
    const id = reporter.commentId();
    expect(id).toBeTypeOf("number");
    await reporter.publish(
      report({
        runUrl,
        status: "Healthy",
        versionId: "v-2",
        health: { healthy: true, attempts: 3, timeToHealthyMs: 9000, elapsedMs: 9000, lastStatus: 200 },
      }),
    );
    expect(reporter.commentId()).toBe(id);
    expect(ours()).toHaveLength(1);
    expect(parseCommentState(ours()[0]?.body)).toMatchObject({
      status: "Healthy",
      healthy: true,
      versionId: "v-2",
    });
    const [deployment] = gh.deployments();
    expect(deployment?.statuses.map((s) => s.state)).toEqual(["in_progress", "success"]);
    expect(deployment?.statuses[1]?.environmentUrl).toBe("https://backend-pr-12.standin.workers.dev");

    // destroy: a fresh reporter (another run), no URL known; the comment says which URL went away
    const destroyer = createReporter({
      client,
      owner: OWNER,
      repo: REPO,
      prNumber: PR,
      comment: true,
      deployment: true,
      environment: deploymentEnvironment({ preview: true, prNumber: PR }),
      warn: (m) => warnings.push(m),
    });
    await destroyer.publish({ ...report({ status: "Removed" }), url: undefined });
    expect(destroyer.commentId()).toBe(id);
    const body = ours()[0]?.body ?? "";
    expect(parseCommentState(body)?.status).toBe("Removed");
    expect(body).toContain("removed (was `https://backend-pr-12.standin.workers.dev`)");
    expect(gh.deployments()[0]?.statuses.at(-1)?.state).toBe("inactive");
    expect(warnings).toEqual([]);
  });

  it("a read-only token costs one warning per channel, not one per phase", async () => {
    gh.failNext({ method: "POST", pathPattern: /\/issues\/12\/comments$/, status: 403 });
    gh.failNext({ method: "POST", pathPattern: /\/deployments$/, status: 403 });
    const warnings: string[] = [];
    const reporter = createReporter({
      client,
      owner: OWNER,
      repo: REPO,
      prNumber: PR,
      comment: true,
      deployment: true,
      environment: "preview/pr-12",
      warn: (m) => warnings.push(m),
    });
    await reporter.publish(report());
    await reporter.publish(report({ status: "Healthy" }));
    expect(warnings).toHaveLength(2);
    expect(warnings.some((w) => w.includes("pull-requests: write"))).toBe(true);
    expect(warnings.some((w) => w.includes("deployments: write"))).toBe(true);
    expect(reporter.commentId()).toBeUndefined();
    expect(gh.comments(PR)).toHaveLength(0);
  });

  it("comments only when asked and only on a PR", async () => {
    const reporter = createReporter({
      client,
      owner: OWNER,
      repo: REPO,
      comment: true,
      deployment: false,
      environment: "production",
      warn: () => {},
    });
    await reporter.publish(report({ prNumber: undefined, preview: false }));
    expect(gh.requests).toHaveLength(0);
  });
});
