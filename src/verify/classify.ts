/**
 * What an answer means (healthy or not, and why) and, when the deadline passes, what kind of
 * failure the whole run was. Pure functions.
 */

export type ErrorKind = "timeout" | "refused" | "reset" | "dns" | "tls" | "proxy" | "other";

export type ProbeOutcome =
  | {
      readonly kind: "response";
      readonly status: number;
      /** The body, at most the byte cap, decoded as UTF-8. */
      readonly body: string;
      readonly bodyTruncated: boolean;
      readonly retryAfter: string | null;
      readonly location: string | null;
    }
  | { readonly kind: "error"; readonly errorKind: ErrorKind; readonly message: string };

export interface Expectation {
  readonly status: number;
  /** Already expanded substring, or null for "any body". */
  readonly body: string | null;
}

export type FailureClass =
  | "never-answered"
  | "container-not-starting"
  | "app-erroring"
  | "old-version"
  | "timed-out";

export type Verdict =
  | { readonly healthy: true }
  | { readonly healthy: false; readonly reason: string; readonly bodyMismatch: boolean };

const TOKEN = /\{(sha|short_sha)\}/g;

export function usesShaTokens(template: string): boolean {
  return /\{(sha|short_sha)\}/.test(template);
}

/** Expands `{sha}` and `{short_sha}` (first 7 characters). Throws when a token has no SHA to expand. */
export function expandExpectation(template: string, sha: string | null | undefined): string {
  return template.replace(TOKEN, (_m, name: string) => {
    if (!sha) throw new Error(`the expected body uses {${name}} but no commit SHA is known`);
    return name === "sha" ? sha : sha.slice(0, 7);
  });
}

/** One line, printable, at most `max` characters: safe to put in a log, a comment or JSON. */
export function sanitizeExcerpt(text: string, max = 160): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\s]+/g, " ").trim();
  const chars = Array.from(flat);
  return chars.length > max ? `${chars.slice(0, max - 1).join("")}…` : flat;
}

export function judge(outcome: ProbeOutcome, expect: Expectation): Verdict {
  if (outcome.kind === "error") return { healthy: false, reason: outcome.message, bodyMismatch: false };
  if (outcome.status !== expect.status) {
    const where = outcome.location ? ` (redirect to ${outcome.location}, not followed)` : "";
    return {
      healthy: false,
      reason: `expected status ${expect.status}, got ${outcome.status}${where}`,
      bodyMismatch: false,
    };
  }
  if (expect.body !== null && !outcome.body.includes(expect.body)) {
    const capped = outcome.bodyTruncated ? " (in the first bytes read)" : "";
    return {
      healthy: false,
      reason: `status ${outcome.status} but the body does not contain ${JSON.stringify(expect.body)}${capped}`,
      bodyMismatch: true,
    };
  }
  return { healthy: true };
}

const PLATFORM_NOT_READY =
  /no container instance|failed to start container|container suddenly disconnected|error proxying request to container|too many containers/i;

/** The platform's own "the container is not up yet" answers (reference/wrangler.md §11). */
export function isContainerNotReady(status: number, body: string): boolean {
  if (status === 429) return true;
  if (status === 503 || status === 500) return PLATFORM_NOT_READY.test(body);
  return false;
}

/** What the poller remembers across attempts to classify a failure. */
export interface AttemptTally {
  readonly responses: number;
  readonly networkErrors: number;
  readonly timeouts: number;
  /** Attempts at the end of the run that all timed out. */
  readonly trailingTimeouts: number;
  readonly lastResponse: { readonly status: number; readonly body: string } | null;
  /** Whether the last response had the expected status but not the expected body. */
  readonly lastResponseBodyMismatch: boolean;
}

export const EMPTY_TALLY: AttemptTally = {
  responses: 0,
  networkErrors: 0,
  timeouts: 0,
  trailingTimeouts: 0,
  lastResponse: null,
  lastResponseBodyMismatch: false,
};

export function tallyAttempt(tally: AttemptTally, outcome: ProbeOutcome, verdict: Verdict): AttemptTally {
  if (outcome.kind === "error") {
    const timeout = outcome.errorKind === "timeout";
    return {
      ...tally,
      networkErrors: tally.networkErrors + (timeout ? 0 : 1),
      timeouts: tally.timeouts + (timeout ? 1 : 0),
      trailingTimeouts: timeout ? tally.trailingTimeouts + 1 : 0,
    };
  }
  return {
    ...tally,
    responses: tally.responses + 1,
    trailingTimeouts: 0,
    lastResponse: { status: outcome.status, body: outcome.body },
    lastResponseBodyMismatch: !verdict.healthy && verdict.bodyMismatch,
  };
}

export interface Classification {
  readonly classification: FailureClass;
  readonly hint: string;
}

/** Why a run that never became healthy failed, with a one-line hint for each class. */
export function classifyFailure(tally: AttemptTally, expect: Expectation, timeoutMs: number): Classification {
  const seconds = `${Math.round(timeoutMs / 1000)} s`;
  const timedOut: Classification = {
    classification: "timed-out",
    hint: "requests kept timing out without an answer: the app may hang on the health path, or a proxy or firewall drops the connection; check the path and HTTPS_PROXY/NO_PROXY",
  };
  const last = tally.lastResponse;
  if (last === null) {
    if (tally.timeouts > 0 && tally.timeouts >= tally.networkErrors) return timedOut;
    return {
      classification: "never-answered",
      hint: "nothing ever answered: check the URL (workers.dev subdomain, route, custom domain), DNS, TLS trust (NODE_EXTRA_CA_CERTS) and HTTPS_PROXY/NO_PROXY",
    };
  }
  if (tally.trailingTimeouts >= 2) return timedOut;
  if (tally.lastResponseBodyMismatch) {
    return {
      classification: "old-version",
      hint: `the new image did not answer within health-timeout (${seconds}); old instances keep serving during a rollout — check the rollout or raise health-timeout (expected body ${JSON.stringify(expect.body ?? "")})`,
    };
  }
  if (isContainerNotReady(last.status, last.body)) {
    return {
      classification: "container-not-starting",
      hint: `the Worker answered but its container was not ready within ${seconds} (${last.status}): check that the image starts and listens on 0.0.0.0 at defaultPort (try the smoke test), and allow minutes on a first deploy`,
    };
  }
  if (last.status >= 300 && last.status < 400) {
    return {
      classification: "app-erroring",
      hint: `the app answers ${last.status} (a redirect, not followed): poll the final URL with health-url, or set health-expect-status`,
    };
  }
  if (last.status === 404) {
    return {
      classification: "app-erroring",
      hint: "the app answers 404: check health-path and that the Worker routes it to the container",
    };
  }
  return {
    classification: "app-erroring",
    hint: `the app answers ${last.status} instead of ${expect.status}: check its logs (wrangler tail) and the health endpoint`,
  };
}
