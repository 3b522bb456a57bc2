/**
 * The few Cloudflare API reads destroy needs that wrangler does not offer completely (wrangler's
 * `containers list` fetches only the first page). Base URL from CLOUDFLARE_API_BASE_URL, as
 * wrangler itself honours it; proxies from HTTPS_PROXY/HTTP_PROXY/NO_PROXY.
 */
import { EnvHttpProxyAgent, fetch } from "undici";
import { UsageError } from "../errors.js";
import {
  classifyHttpStatus,
  classifyRequestError,
  nextRetry,
  RETRY_POLICY,
  type RetryVerdict,
  retryLine,
} from "../wrangler/retry.js";

export const DEFAULT_API_BASE_URL = "https://api.cloudflare.com/client/v4";

export interface ContainerApplication {
  id: string;
  name: string;
  namespaceId?: string;
}

export interface CloudflareApi {
  accountId(): Promise<string>;
  /** Does the Worker (service) exist? */
  workerExists(name: string): Promise<boolean>;
  /** Every container application of the account, all pages. */
  applications(): Promise<ContainerApplication[]>;
  /** Durable Object namespace ids whose script is `workerName`, all pages. */
  namespacesOf(workerName: string): Promise<string[]>;
  close(): Promise<void>;
}

export class ApiError extends Error {
  constructor(
    message: string,
    /** HTTP status; 0 when no answer came (network error, timeout). */
    readonly status: number,
  ) {
    super(message);
  }
}

/** Bound of each API request; these reads answer in well under a second. */
export const REQUEST_TIMEOUT_MS = 20_000;

interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** attempts it took */
  attempts: number;
  /** the last answer was transient but the attempts ran out */
  exhausted: boolean;
}

function errorFacts(error: unknown): { name?: string; message?: string; code?: string } {
  if (!(error instanceof Error)) return { message: String(error) };
  const cause: unknown = error.cause;
  const causeCode =
    typeof cause === "object" && cause !== null && typeof Reflect.get(cause, "code") === "string"
      ? String(Reflect.get(cause, "code"))
      : undefined;
  const causeMessage = cause instanceof Error ? cause.message : undefined;
  return {
    name: error.name,
    message: causeMessage !== undefined ? `${error.message}: ${causeMessage}` : error.message,
    ...(causeCode !== undefined ? { code: causeCode } : {}),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

const MAX_PAGES = 100;

export function cloudflareApi(options: {
  env: Record<string, string | undefined>;
  apiToken: string;
  accountId?: string;
  /** Where retries of transient faults are logged (one line each). */
  log?: (line: string) => void;
}): CloudflareApi {
  const base = (
    options.env.CLOUDFLARE_API_BASE_URL ||
    options.env.CF_API_BASE_URL ||
    DEFAULT_API_BASE_URL
  ).replace(/\/+$/, "");
  const agent = new EnvHttpProxyAgent({
    ...(options.env.HTTP_PROXY || options.env.http_proxy
      ? { httpProxy: options.env.http_proxy || options.env.HTTP_PROXY }
      : {}),
    ...(options.env.HTTPS_PROXY || options.env.https_proxy
      ? { httpsProxy: options.env.https_proxy || options.env.HTTPS_PROXY }
      : {}),
    ...(options.env.NO_PROXY || options.env.no_proxy
      ? { noProxy: options.env.no_proxy || options.env.NO_PROXY }
      : {}),
  });

  /** One GET, no retry: an answer, or the error that kept it from coming. */
  async function getOnce(url: URL): Promise<{ status: number; retryAfter: string | null; text: string }> {
    const response = await fetch(url, {
      dispatcher: agent,
      headers: { authorization: `Bearer ${options.apiToken}`, accept: "application/json" },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get("retry-after"),
      text: await response.text(),
    };
  }

  /**
   * GET with bounded retries: 408/429/5xx answers, timeouts and network errors are tried again
   * (a GET is idempotent) after Retry-After (capped) or a backoff; each retry is logged.
   */
  async function get(path: string, query: Record<string, string> = {}): Promise<Answer> {
    const url = new URL(`${base}${path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const what = `GET ${url.pathname}`;
    let verdict: RetryVerdict = { transient: false, reason: "not tried" };
    for (let attempt = 1; attempt <= RETRY_POLICY.attempts; attempt++) {
      let answer: { status: number; retryAfter: string | null; text: string } | undefined;
      let error: unknown;
      try {
        answer = await getOnce(url);
      } catch (e) {
        error = e;
      }
      if (answer !== undefined) {
        let body: Record<string, unknown> = {};
        try {
          body = record(JSON.parse(answer.text));
        } catch {
          body = {};
        }
        verdict = classifyHttpStatus(answer.status, answer.retryAfter, Date.now());
        const step = nextRetry(attempt, verdict, RETRY_POLICY, Math.random());
        if (!step.retry) return { status: answer.status, body, attempts: attempt, exhausted: step.exhausted };
        options.log?.(retryLine(what, verdict, attempt, RETRY_POLICY, step.delayMs));
        await sleep(step.delayMs);
        continue;
      }
      const facts = errorFacts(error);
      verdict = classifyRequestError(facts, REQUEST_TIMEOUT_MS);
      const step = nextRetry(attempt, verdict, RETRY_POLICY, Math.random());
      if (!step.retry) {
        throw new ApiError(
          `${what} failed: ${verdict.reason}${step.exhausted ? ` (still failing after ${attempt} attempts)` : ""}`,
          0,
        );
      }
      options.log?.(retryLine(what, verdict, attempt, RETRY_POLICY, step.delayMs));
      await sleep(step.delayMs);
    }
    throw new ApiError(`${what} failed: ${verdict.reason}`, 0);
  }

  function failure(what: string, r: Answer): ApiError {
    const errors = Array.isArray(r.body.errors) ? r.body.errors.map((e) => record(e)) : [];
    const detail = errors.map((e) => `${String(e.code ?? "")} ${String(e.message ?? "")}`.trim()).join("; ");
    const attempts = r.exhausted ? ` (still failing after ${r.attempts} attempts)` : "";
    return new ApiError(`${what}: HTTP ${r.status}${detail ? ` (${detail})` : ""}${attempts}`, r.status);
  }

  let account: string | undefined = options.accountId;
  const api: CloudflareApi = {
    async accountId() {
      if (account) return account;
      const r = await get("/accounts", { per_page: "50" });
      if (r.status !== 200) throw failure("Listing the token's accounts failed", r);
      const list = Array.isArray(r.body.result) ? r.body.result.map((a) => record(a)) : [];
      if (list.length !== 1) {
        throw new UsageError(
          `The api-token can see ${list.length} accounts, so the account to clean up is ambiguous.`,
          "Set the `account-id` input.",
        );
      }
      account = String(list[0]?.id ?? "");
      return account;
    },
    async workerExists(name) {
      const r = await get(`/accounts/${await api.accountId()}/workers/services/${encodeURIComponent(name)}`);
      if (r.status === 404) return false;
      if (r.status === 200) return true;
      throw failure(`Looking up the Worker ${name} failed`, r);
    },
    async applications() {
      const out: ContainerApplication[] = [];
      const path = `/accounts/${await api.accountId()}/containers/applications`;
      let pageToken: string | undefined;
      let page = 1;
      for (let i = 0; i < MAX_PAGES; i++) {
        const r = await get(
          path,
          pageToken !== undefined ? { page_token: pageToken } : i > 0 ? { page: String(page) } : {},
        );
        if (r.status !== 200) throw failure("Listing container applications failed", r);
        const result = Array.isArray(r.body.result) ? r.body.result.map((a) => record(a)) : [];
        for (const app of result) {
          const ns = record(app.durable_objects).namespace_id;
          out.push({
            id: String(app.id ?? ""),
            name: String(app.name ?? ""),
            ...(typeof ns === "string" ? { namespaceId: ns } : {}),
          });
        }
        const info = record(r.body.result_info);
        if (typeof info.next_page_token === "string" && info.next_page_token !== "") {
          pageToken = info.next_page_token;
          continue;
        }
        const total = typeof info.total_count === "number" ? info.total_count : undefined;
        const perPage = typeof info.per_page === "number" ? info.per_page : undefined;
        if (total !== undefined && perPage !== undefined && page * perPage < total && result.length > 0) {
          page++;
          pageToken = undefined;
          continue;
        }
        break;
      }
      return out.filter((a) => a.id !== "");
    },
    async namespacesOf(workerName) {
      const ids: string[] = [];
      const path = `/accounts/${await api.accountId()}/workers/durable_objects/namespaces`;
      for (let page = 1; page <= MAX_PAGES; page++) {
        const r = await get(path, { page: String(page), per_page: "1000" });
        if (r.status !== 200) throw failure("Listing Durable Object namespaces failed", r);
        const result = Array.isArray(r.body.result) ? r.body.result.map((a) => record(a)) : [];
        for (const ns of result) if (ns.script === workerName && typeof ns.id === "string") ids.push(ns.id);
        const info = record(r.body.result_info);
        const total = typeof info.total_count === "number" ? info.total_count : 0;
        const perPage = typeof info.per_page === "number" ? info.per_page : 1000;
        if (result.length === 0 || page * perPage >= total) break;
      }
      return ids;
    },
    async close() {
      await agent.close();
    },
  };
  return api;
}
