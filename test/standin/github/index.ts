// The GitHub REST stand-in: the few endpoints reporting uses (issue comments, pulls.get,
// deployments and their statuses) on 127.0.0.1, for real octokit pointed at it through
// GITHUB_API_URL. Single repository: owner/repo in paths are accepted and recorded, not keyed.
// Faults are injectable per method + path so tests can play 403s, 5xx, rate limits and races.
import http from "node:http";
import type { AddressInfo } from "node:net";

export const STANDIN_GITHUB_TOKEN = "ghs_standin0123456789abcdefghijklmnop";
const BOT = { login: "github-actions[bot]", id: 41898282, type: "Bot" };

export interface StandinComment {
  id: number;
  issueNumber: number;
  body: string;
  user: { login: string; id: number; type: string };
  createdAt: string;
  updatedAt: string;
}

export interface StandinDeploymentStatus {
  id: number;
  state: string;
  environmentUrl?: string;
  logUrl?: string;
  description?: string;
}

export interface StandinDeployment {
  id: number;
  ref: string;
  sha: string;
  environment: string;
  transientEnvironment: boolean;
  productionEnvironment: boolean;
  description: string | null;
  statuses: StandinDeploymentStatus[];
}

export interface GitHubFault {
  /** HTTP method, e.g. "POST"; any method when omitted. */
  method?: string;
  /** Matched against the request path (without query): a RegExp or a substring. */
  pathPattern: RegExp | string;
  status: number;
  /** How many matching requests fail; default 1. */
  times?: number;
  headers?: Record<string, string>;
  /** The error `message` in the JSON body; a sensible default per status. */
  message?: string;
  /** Runs when the fault fires, before the response (e.g. delete the comment to play a race). */
  onMatch?: () => void;
}

export interface GitHubStandin {
  /** Use as GITHUB_API_URL. */
  url: string;
  token: string;
  /** Create or move the PR's head. */
  setPullHead(number: number, sha: string): void;
  /** Comments on issue/PR `number`, oldest first (copies). */
  comments(number: number): StandinComment[];
  /** Seed a comment as if someone (default: a human) had posted it. Returns its id. */
  addComment(number: number, body: string, login?: string): number;
  /** Delete a comment behind the client's back (e.g. a user deleting it). */
  deleteComment(id: number): void;
  deployments(): StandinDeployment[];
  failNext(fault: GitHubFault): void;
  /** Every request, in order (path includes the query). */
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return "Bad credentials";
    case 403:
      return "Resource not accessible by integration";
    case 404:
      return "Not Found";
    case 422:
      return "Validation Failed";
    default:
      return status >= 500 ? "Server Error" : "Error";
  }
}

/** Start the stand-in on a free loopback port. */
export async function startGitHubStandin(options: { token?: string } = {}): Promise<GitHubStandin> {
  const token = options.token ?? STANDIN_GITHUB_TOKEN;
  const comments: StandinComment[] = [];
  const pulls = new Map<number, { sha: string }>();
  const deployments: StandinDeployment[] = [];
  const faults: (GitHubFault & { left: number })[] = [];
  const requests: { method: string; path: string }[] = [];
  let nextId = 1000;
  let baseUrl = "";

  const now = () => new Date().toISOString();

  function commentJson(c: StandinComment, owner: string, repo: string) {
    return {
      id: c.id,
      node_id: `IC_${c.id}`,
      body: c.body,
      user: c.user,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      html_url: `https://github.test/${owner}/${repo}/pull/${c.issueNumber}#issuecomment-${c.id}`,
      issue_url: `${baseUrl}/repos/${owner}/${repo}/issues/${c.issueNumber}`,
      url: `${baseUrl}/repos/${owner}/${repo}/issues/comments/${c.id}`,
      author_association: c.user.type === "Bot" ? "NONE" : "MEMBER",
    };
  }

  function deploymentJson(d: StandinDeployment, owner: string, repo: string) {
    return {
      id: d.id,
      node_id: `DE_${d.id}`,
      ref: d.ref,
      sha: d.sha,
      task: "deploy",
      environment: d.environment,
      original_environment: d.environment,
      transient_environment: d.transientEnvironment,
      production_environment: d.productionEnvironment,
      description: d.description,
      creator: BOT,
      payload: {},
      created_at: now(),
      updated_at: now(),
      url: `${baseUrl}/repos/${owner}/${repo}/deployments/${d.id}`,
      statuses_url: `${baseUrl}/repos/${owner}/${repo}/deployments/${d.id}/statuses`,
      repository_url: `${baseUrl}/repos/${owner}/${repo}`,
    };
  }

  function send(
    res: http.ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const text = body === undefined ? "" : JSON.stringify(body);
    res.writeHead(status, {
      ...(text ? { "content-type": "application/json; charset=utf-8" } : {}),
      "x-github-media-type": "github.v3; format=json",
      ...headers,
    });
    res.end(text);
  }

  function takeFault(method: string, path: string): (GitHubFault & { left: number }) | undefined {
    const fault = faults.find(
      (f) =>
        f.left > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.pathPattern === "string" ? path.includes(f.pathPattern) : f.pathPattern.test(path)),
    );
    if (fault) fault.left--;
    return fault;
  }

  function paginate<T>(items: T[], url: URL, path: string): { page: T[]; link?: string } {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? "30") || 30));
    const pageNo = Math.max(1, Number(url.searchParams.get("page") ?? "1") || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const page = items.slice((pageNo - 1) * perPage, pageNo * perPage);
    const at = (n: number) => {
      const u = new URL(`${baseUrl}${path}`);
      for (const [k, v] of url.searchParams) if (k !== "page") u.searchParams.set(k, v);
      u.searchParams.set("page", String(n));
      return u.href;
    };
    const links: string[] = [];
    if (pageNo < last) links.push(`<${at(pageNo + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
    if (pageNo > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(pageNo - 1)}>; rel="prev"`);
    return links.length > 0 ? { page, link: links.join(", ") } : { page };
  }

  async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    if (!text) return {};
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", baseUrl);
    const path = url.pathname;
    requests.push({ method, path: `${path}${url.search}` });

    const auth = req.headers.authorization ?? "";
    if (auth !== `token ${token}` && auth !== `Bearer ${token}`) {
      send(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
      return;
    }
    const fault = takeFault(method, path);
    if (fault) {
      fault.onMatch?.();
      send(res, fault.status, { message: fault.message ?? defaultMessage(fault.status) }, fault.headers);
      return;
    }

    const m = /^\/repos\/([^/]+)\/([^/]+)\/(.*)$/.exec(path);
    if (!m) {
      send(res, 404, { message: "Not Found" });
      return;
    }
    const [, owner = "", repo = "", rest = ""] = m;

    // Issue comments
    const issueComments = /^issues\/(\d+)\/comments$/.exec(rest);
    if (issueComments) {
      const issueNumber = Number(issueComments[1]);
      if (method === "GET") {
        const mine = comments.filter((c) => c.issueNumber === issueNumber);
        const { page, link } = paginate(mine, url, path);
        send(
          res,
          200,
          page.map((c) => commentJson(c, owner, repo)),
          link ? { link } : {},
        );
        return;
      }
      if (method === "POST") {
        const body = await readJson(req);
        if (typeof body.body !== "string") {
          send(res, 422, { message: "Validation Failed" });
          return;
        }
        if (body.body.length > 65_536) {
          send(res, 422, { message: "Validation Failed: body is too long (maximum is 65536 characters)" });
          return;
        }
        const c: StandinComment = {
          id: nextId++,
          issueNumber,
          body: body.body,
          user: BOT,
          createdAt: now(),
          updatedAt: now(),
        };
        comments.push(c);
        send(res, 201, commentJson(c, owner, repo));
        return;
      }
    }
    const oneComment = /^issues\/comments\/(\d+)$/.exec(rest);
    if (oneComment) {
      const id = Number(oneComment[1]);
      const c = comments.find((x) => x.id === id);
      if (!c) {
        send(res, 404, { message: "Not Found" });
        return;
      }
      if (method === "GET") {
        send(res, 200, commentJson(c, owner, repo));
        return;
      }
      if (method === "PATCH") {
        const body = await readJson(req);
        if (typeof body.body !== "string" || body.body.length > 65_536) {
          send(res, 422, { message: "Validation Failed" });
          return;
        }
        c.body = body.body;
        c.updatedAt = now();
        send(res, 200, commentJson(c, owner, repo));
        return;
      }
      if (method === "DELETE") {
        comments.splice(comments.indexOf(c), 1);
        send(res, 204);
        return;
      }
    }

    // Pull requests
    const pull = /^pulls\/(\d+)$/.exec(rest);
    if (pull && method === "GET") {
      const number = Number(pull[1]);
      const pr = pulls.get(number);
      if (!pr) {
        send(res, 404, { message: "Not Found" });
        return;
      }
      send(res, 200, {
        id: number,
        number,
        state: "open",
        title: `PR ${number}`,
        head: { sha: pr.sha, ref: `branch-${number}`, repo: { full_name: `${owner}/${repo}` } },
        base: { sha: "0".repeat(40), ref: "main", repo: { full_name: `${owner}/${repo}` } },
      });
      return;
    }

    // Deployments
    if (rest === "deployments") {
      if (method === "POST") {
        const body = await readJson(req);
        if (typeof body.ref !== "string") {
          send(res, 422, { message: "Validation Failed" });
          return;
        }
        const d: StandinDeployment = {
          id: nextId++,
          ref: body.ref,
          sha: body.ref,
          environment: typeof body.environment === "string" ? body.environment : "production",
          transientEnvironment: body.transient_environment === true,
          productionEnvironment: body.production_environment === true,
          description: typeof body.description === "string" ? body.description : null,
          statuses: [],
        };
        deployments.push(d);
        send(res, 201, deploymentJson(d, owner, repo));
        return;
      }
      if (method === "GET") {
        const env = url.searchParams.get("environment");
        const sha = url.searchParams.get("sha");
        const ref = url.searchParams.get("ref");
        const matching = deployments
          .filter((d) => (env === null || d.environment === env) && (sha === null || d.sha === sha))
          .filter((d) => ref === null || d.ref === ref)
          .slice()
          .reverse();
        const { page, link } = paginate(matching, url, path);
        send(
          res,
          200,
          page.map((d) => deploymentJson(d, owner, repo)),
          link ? { link } : {},
        );
        return;
      }
    }
    const statuses = /^deployments\/(\d+)\/statuses$/.exec(rest);
    if (statuses) {
      const d = deployments.find((x) => x.id === Number(statuses[1]));
      if (!d) {
        send(res, 404, { message: "Not Found" });
        return;
      }
      if (method === "POST") {
        const body = await readJson(req);
        const states = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];
        if (typeof body.state !== "string" || !states.includes(body.state)) {
          send(res, 422, { message: "Validation Failed" });
          return;
        }
        const s: StandinDeploymentStatus = { id: nextId++, state: body.state };
        if (typeof body.environment_url === "string") s.environmentUrl = body.environment_url;
        if (typeof body.log_url === "string") s.logUrl = body.log_url;
        if (typeof body.description === "string") s.description = body.description;
        d.statuses.push(s);
        // GitHub's auto_inactive (default true): a success retires earlier deployments of the environment.
        if (s.state === "success" && body.auto_inactive !== false) {
          for (const other of deployments) {
            if (
              other !== d &&
              other.environment === d.environment &&
              other.statuses.at(-1)?.state === "success"
            ) {
              other.statuses.push({ id: nextId++, state: "inactive" });
            }
          }
        }
        send(res, 201, {
          id: s.id,
          state: s.state,
          environment_url: s.environmentUrl ?? "",
          log_url: s.logUrl ?? "",
          description: s.description ?? "",
          creator: BOT,
          deployment_url: `${baseUrl}/repos/${owner}/${repo}/deployments/${d.id}`,
        });
        return;
      }
      if (method === "GET") {
        send(
          res,
          200,
          d.statuses
            .slice()
            .reverse()
            .map((s) => ({ id: s.id, state: s.state, environment_url: s.environmentUrl ?? "" })),
        );
        return;
      }
    }
    send(res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { message: `stand-in error: ${String(error)}` });
      else res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    token,
    setPullHead(number, sha) {
      pulls.set(number, { sha });
    },
    comments: (number) => comments.filter((c) => c.issueNumber === number).map((c) => ({ ...c })),
    addComment(number, body, login = "octocat") {
      const c: StandinComment = {
        id: nextId++,
        issueNumber: number,
        body,
        user: { login, id: 583231, type: login.endsWith("[bot]") ? "Bot" : "User" },
        createdAt: now(),
        updatedAt: now(),
      };
      comments.push(c);
      return c.id;
    },
    deleteComment(id) {
      const index = comments.findIndex((c) => c.id === id);
      if (index >= 0) comments.splice(index, 1);
    },
    deployments: () => deployments.map((d) => ({ ...d, statuses: d.statuses.map((s) => ({ ...s })) })),
    failNext(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
