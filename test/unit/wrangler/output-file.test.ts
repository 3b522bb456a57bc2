import { describe, expect, it } from "vitest";
import {
  parsePushedImage,
  parseWranglerOutput,
  stripAnsi,
  workersDevUrl,
  workerUploaded,
} from "../../../src/wrangler/output-file.js";

const DEPLOY =
  '{"type":"deploy","version":1,"worker_name":"myapp-pr-12","worker_tag":null,"version_id":"4f9c2b7e-0000-4000-8000-000000000000","targets":["example.com/*","https://myapp-pr-12.acme.workers.dev","schedule: * * * * *"],"worker_name_overridden":false,"bundle_size":{"raw_bytes":457,"gzip_bytes":296},"timestamp":"2026-12-03T00:00:00Z"}';

describe("parseWranglerOutput", () => {
  it("reads deploy: worker, version id, targets and the workers.dev url", () => {
    const out = parseWranglerOutput(
      `{"type":"wrangler-session","version":1,"wrangler_version":"4.164.0","command_line_args":["deploy"]}\n${DEPLOY}\n`,
    );
    expect(out.wranglerVersion).toBe("4.164.0");
    expect(out.failures).toEqual([]);
    expect(out.deploy).toEqual({
      workerName: "myapp-pr-12",
      versionId: "4f9c2b7e-0000-4000-8000-000000000000",
      targets: ["example.com/*", "https://myapp-pr-12.acme.workers.dev", "schedule: * * * * *"],
      url: "https://myapp-pr-12.acme.workers.dev",
    });
  });

  it("reads command-failed entries", () => {
    const out = parseWranglerOutput(
      '{"type":"command-failed","version":1,"code":10021,"message":"Can\'t set compatibility date in the future","retry_after_ms":null}\n',
    );
    expect(out.deploy).toBeUndefined();
    expect(out.failures).toEqual([{ code: 10021, message: "Can't set compatibility date in the future" }]);
  });

  it.each([
    ["empty", ""],
    ["garbage lines", "not json\n{broken\n[1,2]\n42\nnull\n"],
    ["unknown types", '{"type":"autoconfig","version":1}\n{"no":"type"}\n'],
    ["CRLF and blanks", "\r\n\r\n"],
  ])("tolerates %s", (_label, text) => {
    expect(parseWranglerOutput(text)).toEqual({ failures: [] });
  });

  it("reads retry_after_ms (the API's Retry-After) when it is a number, ignores it otherwise", () => {
    const out = parseWranglerOutput(
      [
        '{"type":"command-failed","version":1,"code":10013,"message":"A request to the Cloudflare API (/x) failed.","retry_after_ms":2000}',
        '{"type":"command-failed","version":1,"message":"m","retry_after_ms":"2000"}',
        '{"type":"command-failed","version":1,"message":"m","retry_after_ms":-1}',
      ].join("\n"),
    );
    expect(out.failures[0]).toEqual({
      code: 10013,
      message: "A request to the Cloudflare API (/x) failed.",
      retryAfterMs: 2000,
    });
    expect(out.failures[1]?.retryAfterMs).toBeUndefined();
    expect(out.failures[2]?.retryAfterMs).toBeUndefined();
  });

  it("keeps going after a garbage line, and a failure without fields still counts", () => {
    const out = parseWranglerOutput(`garbage\n${DEPLOY}\n{"type":"command-failed"}\n`);
    expect(out.deploy?.versionId).toBe("4f9c2b7e-0000-4000-8000-000000000000");
    expect(out.failures).toEqual([{ message: "wrangler reported a failure" }]);
  });

  it("dry-run deploy entries have no targets and a null version id", () => {
    const out = parseWranglerOutput('{"type":"deploy","worker_name":"w","version_id":null}');
    expect(out.deploy).toEqual({ workerName: "w", targets: [] });
  });
});

describe("workersDevUrl", () => {
  it.each([
    [["a.com/*", "https://w.acct.workers.dev"], "https://w.acct.workers.dev"],
    [["https://api.example.com"], "https://api.example.com"],
    [["a.com/*"], undefined],
    [[], undefined],
  ])("%j → %j", (targets, expected) => {
    expect(workersDevUrl(targets)).toBe(expected);
  });
});

describe("stdout lines", () => {
  it("finds 'Pushed image: <ref>' (ANSI colours and surrounding lines allowed)", () => {
    const stdout =
      "Image does not exist remotely, pushing\n\u001b[32mPushed image: 127.0.0.1:5000/acct/app-backend:abc\u001b[0m\ndone\n";
    expect(parsePushedImage(stdout)).toBe("127.0.0.1:5000/acct/app-backend:abc");
    expect(parsePushedImage("nothing here")).toBeUndefined();
  });

  it("stripAnsi removes colour codes only", () => {
    expect(stripAnsi("\u001b[31m✘ \u001b[41;31m[ERROR]\u001b[0m Login failed")).toBe(
      "✘ [ERROR] Login failed",
    );
  });

  it("sees the Worker upload line (wording hint only)", () => {
    expect(workerUploaded("Total Upload: 1 KiB\nUploaded shop-pr-1 (1.2 sec)\n")).toBe(true);
    expect(workerUploaded("Building image\n")).toBe(false);
  });
});
