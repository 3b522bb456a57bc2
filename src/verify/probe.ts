/**
 * The HTTP side of the poller: one GET through undici with the proxy from the environment
 * (HTTPS_PROXY / HTTP_PROXY / NO_PROXY; NODE_EXTRA_CA_CERTS is trusted by Node itself), a
 * per-attempt timeout, redirects not followed, and the body read up to a byte cap.
 */
import { EnvHttpProxyAgent, fetch } from "undici";
import type { ErrorKind, ProbeOutcome } from "./classify.js";
import { sanitizeExcerpt } from "./classify.js";
import type { Probe, ProbeRequest } from "./poll.js";

export interface HttpProbe {
  readonly probe: Probe;
  close(): Promise<void>;
}

function pick(env: NodeJS.ProcessEnv, lower: string, upper: string): string {
  // undici's own precedence: the lower-case name first. "" means "none" (no fallback to process.env).
  return env[lower] ?? env[upper] ?? "";
}

/**
 * undici 6 (the major the Actions toolkit bundles, so ours is the same copy) marks EnvHttpProxyAgent
 * experimental and prints a warning once per process; undici 7 ships the same agent as stable. The
 * warning would only puzzle someone reading a deploy log, so exactly that one is not printed.
 */
function withoutExperimentalWarning<T>(make: () => T): T {
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const options = rest[0];
    const code =
      typeof options === "object" && options !== null ? (options as { code?: string }).code : rest[1];
    if (code === "UNDICI-EHPA") return;
    (emit as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return make();
  } finally {
    process.emitWarning = emit;
  }
}

/** Creates the agent once; call `close()` when done polling. */
export function createHttpProbe(env: NodeJS.ProcessEnv = process.env): HttpProbe {
  const agent = withoutExperimentalWarning(
    () =>
      new EnvHttpProxyAgent({
        httpProxy: pick(env, "http_proxy", "HTTP_PROXY"),
        httpsProxy: pick(env, "https_proxy", "HTTPS_PROXY"),
        noProxy: pick(env, "no_proxy", "NO_PROXY"),
      }),
  );
  const probe = async (request: ProbeRequest): Promise<ProbeOutcome> => {
    const signal = AbortSignal.timeout(Math.max(1, Math.round(request.timeoutMs)));
    let target: URL;
    const headers: Record<string, string> = {
      "user-agent": "cf-containers-deploy-health",
      accept: "*/*",
      "cache-control": "no-cache",
    };
    try {
      target = new URL(request.url);
    } catch {
      return { kind: "error", errorKind: "other", message: `invalid URL ${JSON.stringify(request.url)}` };
    }
    if (target.username || target.password) {
      const user = decodeURIComponent(target.username);
      const pass = decodeURIComponent(target.password);
      headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
      target.username = "";
      target.password = "";
    }
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(target, { dispatcher: agent, redirect: "manual", signal, headers });
    } catch (error) {
      return describeFetchError(error, request.timeoutMs);
    }
    const { text, truncated } = await readCapped(response.body, request.maxBodyBytes);
    return {
      kind: "response",
      status: response.status,
      body: text,
      bodyTruncated: truncated,
      retryAfter: response.headers.get("retry-after"),
      location: response.headers.get("location"),
    };
  };
  return { probe, close: () => agent.close() };
}

/**
 * Reads at most `maxBytes` of a body stream, then cancels it (which closes the connection when
 * more was coming). A body that fails midway (timeout, reset) yields what was read.
 */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  if (body === null) return { text: "", truncated: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let truncated = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = maxBytes - total;
      if (value.byteLength >= room) {
        if (room > 0) chunks.push(value.subarray(0, room));
        total += Math.max(0, room);
        truncated = value.byteLength > room;
        if (!truncated) {
          // Exactly full: one more read tells whether anything follows.
          const more = await reader.read();
          truncated = !more.done;
        }
        break;
      }
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    truncated = true;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return { text: new TextDecoder("utf-8").decode(Buffer.concat(chunks)), truncated };
}

const TLS_CODE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_|HOSTNAME_MISMATCH)/;

function kindOfCode(code: string, message: string): ErrorKind {
  if (code === "ECONNREFUSED") return "refused";
  if (["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "ECONNABORTED"].includes(code)) return "reset";
  if (["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME"].includes(code)) return "dns";
  if (
    ["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"].includes(code)
  ) {
    return "timeout";
  }
  if (TLS_CODE.test(code) || /certificate|ssl|tls/i.test(message)) return "tls";
  if (/proxy|tunnel/i.test(message)) return "proxy";
  return "other";
}

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  errors?: unknown;
}

function asErrorLike(value: unknown): ErrorLike | null {
  return typeof value === "object" && value !== null ? (value as ErrorLike) : null;
}

/** Turns what undici's fetch throws into an error kind and a one-line message. */
export function describeFetchError(error: unknown, timeoutMs: number): ProbeOutcome {
  const top = asErrorLike(error);
  if (top && (top.name === "TimeoutError" || top.name === "AbortError")) {
    return { kind: "error", errorKind: "timeout", message: `no answer within ${timeoutMs} ms` };
  }
  // Walk the cause chain (fetch failed → connect error → AggregateError of addresses) for a code.
  let node: ErrorLike | null = top;
  let code = "";
  let message = "";
  for (let depth = 0; node !== null && depth < 6; depth++) {
    if (typeof node.code === "string" && node.code && !code) code = node.code;
    if (typeof node.message === "string" && node.message && node.message !== "fetch failed") {
      message = node.message;
    }
    if (node.name === "TimeoutError") {
      return { kind: "error", errorKind: "timeout", message: `no answer within ${timeoutMs} ms` };
    }
    const next: ErrorLike | null =
      asErrorLike(node.cause) ?? (Array.isArray(node.errors) ? asErrorLike(node.errors[0]) : null);
    node = next;
  }
  if (!message) message = top && typeof top.message === "string" ? top.message : String(error);
  const errorKind = kindOfCode(code, message);
  const text = code && !message.includes(code) ? `${code}: ${message}` : message;
  return { kind: "error", errorKind, message: sanitizeExcerpt(text, 200) };
}
