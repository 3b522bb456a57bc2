import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  containersDeleteArgv,
  deleteWorkerArgv,
  deployArgv,
  imagesDeleteArgv,
  imagesListArgv,
  pushArgv,
  rolloutFor,
} from "../../../src/wrangler/argv.js";
import { wranglerEnv } from "../../../src/wrangler/env.js";
import { actionsCacheKey, findProjectWrangler } from "../../../src/wrangler/resolve.js";

describe("wrangler argv", () => {
  it.each([
    [{ config: "g.json", vars: [] }, ["deploy", "--config", "g.json"]],
    [
      {
        config: "g.json",
        environment: "staging",
        secretsFile: "/tmp/s/secrets.json",
        vars: [
          { name: "A", value: "1" },
          { name: "B", value: "x:y z" },
        ],
        rollout: "immediate" as const,
      },
      [
        "deploy",
        "--config",
        "g.json",
        "--env",
        "staging",
        "--secrets-file",
        "/tmp/s/secrets.json",
        "--var",
        "A:1",
        "--var",
        "B:x:y z",
        "--containers-rollout",
        "immediate",
      ],
    ],
  ])("deployArgv(%j)", (args, expected) => {
    expect(deployArgv(args)).toEqual(expected);
  });

  it.each([
    ["auto", true, "immediate"],
    ["auto", false, undefined],
    ["gradual", true, "gradual"],
    ["immediate", false, "immediate"],
  ] as const)("rolloutFor(%s, preview=%s) = %j", (input, preview, expected) => {
    expect(rolloutFor(input, preview)).toBe(expected);
  });

  it("the other commands", () => {
    expect(pushArgv("app:abc")).toEqual(["containers", "push", "app:abc"]);
    expect(deleteWorkerArgv("app-pr-1")).toEqual(["delete", "--name", "app-pr-1", "--force"]);
    expect(containersDeleteArgv("id1")).toEqual(["containers", "delete", "id1"]);
    expect(imagesListArgv()).toEqual(["containers", "images", "list", "--json"]);
    expect(imagesDeleteArgv("app:1")).toEqual([
      "containers",
      "images",
      "delete",
      "app:1",
      "--skip-confirmation",
    ]);
  });
});

describe("wranglerEnv", () => {
  it("inherits, adds credentials, metrics off, the output file and CI; drops INPUT_* and the output dir", () => {
    const env = wranglerEnv(
      {
        PATH: "/bin",
        HTTPS_PROXY: "http://proxy:3128",
        CLOUDFLARE_API_BASE_URL: "http://127.0.0.1:1/client/v4",
        INPUT_SECRETS: "A=secret",
        WRANGLER_OUTPUT_FILE_DIRECTORY: "/x",
        UNSET: undefined,
      },
      { apiToken: "tok", accountId: "acc", outputFile: "/tmp/o.ndjson" },
    );
    expect(env).toEqual({
      PATH: "/bin",
      HTTPS_PROXY: "http://proxy:3128",
      CLOUDFLARE_API_BASE_URL: "http://127.0.0.1:1/client/v4",
      CLOUDFLARE_API_TOKEN: "tok",
      CLOUDFLARE_ACCOUNT_ID: "acc",
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_OUTPUT_FILE_PATH: "/tmp/o.ndjson",
      CI: "true",
    });
  });

  it("keeps an inherited token when the input is empty", () => {
    expect(wranglerEnv({ CLOUDFLARE_API_TOKEN: "env" }, { outputFile: "/o" }).CLOUDFLARE_API_TOKEN).toBe(
      "env",
    );
  });
});

describe("findProjectWrangler", () => {
  it("walks up from the working directory to the nearest node_modules/wrangler", () => {
    const root = mkdtempSync(join(tmpdir(), "cfcd-wr-"));
    const pkg = join(root, "node_modules", "wrangler");
    mkdirSync(join(pkg, "bin"), { recursive: true });
    writeFileSync(
      join(pkg, "package.json"),
      JSON.stringify({ version: "4.100.0", bin: { wrangler: "./bin/wrangler.js" } }),
    );
    writeFileSync(join(pkg, "bin", "wrangler.js"), "");
    mkdirSync(join(root, "apps", "backend"), { recursive: true });
    expect(findProjectWrangler(join(root, "apps", "backend"))).toEqual({
      entry: join(pkg, "bin", "wrangler.js"),
      version: "4.100.0",
    });
  });

  it("is undefined when none is installed up to the root", () => {
    expect(findProjectWrangler(mkdtempSync(join(tmpdir(), "cfcd-nowr-")))).toBeUndefined();
  });

  it("keys the Actions cache by version, platform and arch", () => {
    expect(actionsCacheKey("4.164.0", "linux", "x64")).toBe("wrangler-4.164.0-linux-x64");
  });
});
