// destroy's own Cloudflare API reads against a real HTTP server on 127.0.0.1 that misbehaves on
// cue: transient answers are retried (Retry-After honoured), permanent ones are not.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError, cloudflareApi } from "../../../src/destroy/cloudflare-api.js";

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const TOKEN = "test-token";
let server: http.Server;
let base: string;
/** answers to give before the real one, consumed in order */
let script: { status: number; headers?: Record<string, string> }[] = [];
let hits = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    hits++;
    req.resume();
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    const next = script.shift();
    if (next !== undefined) {
      res.writeHead(next.status, { "content-type": "application/json", ...next.headers });
      res.end(
        JSON.stringify({
          success: false,
          errors: [{ code: 10013, message: `fault ${next.status}` }],
          result: null,
        }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        success: true,
        errors: [],
        result: [{ id: "app-1", name: "shop-pr-1-backend", durable_objects: { namespace_id: "ns-1" } }],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function api(baseUrl = base) {
  const lines: string[] = [];
  const client = cloudflareApi({
    env: { CLOUDFLARE_API_BASE_URL: baseUrl },
    apiToken: TOKEN,
    accountId: ACCOUNT,
    log: (l) => lines.push(l),
  });
  return { client, lines };
}

describe("cloudflareApi retries", () => {
  it("503 and 429 with Retry-After are retried, each retry logged, and the read succeeds", async () => {
    script = [
      { status: 503, headers: { "retry-after": "0" } },
      { status: 429, headers: { "retry-after": "0" } },
    ];
    hits = 0;
    const { client, lines } = api();
    try {
      const apps = await client.applications();
      expect(apps).toEqual([{ id: "app-1", name: "shop-pr-1-backend", namespaceId: "ns-1" }]);
      expect(hits).toBe(3);
      expect(lines).toEqual([
        `GET /client/v4/accounts/${ACCOUNT}/containers/applications failed (HTTP 503, Retry-After 0 s); retrying in 0 s (attempt 2 of 3).`,
        `GET /client/v4/accounts/${ACCOUNT}/containers/applications failed (HTTP 429, Retry-After 0 s); retrying in 0 s (attempt 3 of 3).`,
      ]);
    } finally {
      await client.close();
    }
  });

  it("still failing after the attempts: an error with the status, Cloudflare's message and the count", async () => {
    script = [1, 2, 3].map(() => ({ status: 500, headers: { "retry-after": "0" } }));
    hits = 0;
    const { client } = api();
    try {
      const error = await client.applications().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(500);
      expect((error as ApiError).message).toBe(
        "Listing container applications failed: HTTP 500 (10013 fault 500) (still failing after 3 attempts)",
      );
      expect(hits).toBe(3);
    } finally {
      await client.close();
    }
  });

  it("a 403 is not retried", async () => {
    script = [{ status: 403 }];
    hits = 0;
    const { client, lines } = api();
    try {
      await expect(client.workerExists("shop-pr-1")).rejects.toThrow(
        /Looking up the Worker shop-pr-1 failed: HTTP 403/,
      );
      expect(hits).toBe(1);
      expect(lines).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("a refused connection is a network error: retried with a backoff, then reported", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { client, lines } = api(`http://127.0.0.1:${port}/client/v4`);
    try {
      await expect(client.applications()).rejects.toThrow(
        /GET \/client\/v4\/accounts\/[0-9a-f]+\/containers\/applications failed: a network error \(ECONNREFUSED\) \(still failing after 3 attempts\)/,
      );
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/a network error \(ECONNREFUSED\)\); retrying in [\d.]+ s \(attempt 2 of 3\)/);
    } finally {
      await client.close();
    }
  }, 20_000);
});
