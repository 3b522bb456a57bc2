import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { INPUT_DEFAULTS, type InputName, parseInputs, parseNamedLines } from "../../src/inputs.js";

function source(inputs: Partial<Record<InputName, string>>, env: Record<string, string> = {}) {
  const masked: string[] = [];
  return {
    masked,
    src: { read: (name: InputName) => inputs[name], env, mask: (v: string) => masked.push(v) },
  };
}

describe("parseInputs", () => {
  it("takes action.yml defaults for inputs that are not set", () => {
    const { src } = source({});
    const inputs = parseInputs(src);
    expect(inputs).toMatchObject({
      command: "deploy",
      workingDirectory: ".",
      preview: "auto",
      build: true,
      cache: "auto",
      smokeTest: true,
      smokeTestNetwork: "bridge",
      healthPath: "/api/health",
      healthTimeoutSeconds: 300,
      healthExpectStatus: 200,
      containersRollout: "auto",
      comment: true,
      githubDeployment: false,
      wranglerVersion: INPUT_DEFAULTS["wrangler-version"],
      allowForks: false,
      secrets: [],
      vars: [],
    });
    expect(inputs.apiToken).toBeUndefined();
  });

  it("masks the API token, the GitHub token and every secret value before returning", () => {
    const { src, masked } = source(
      { "api-token": "tok-123", "github-token": "ghs_abc", secrets: "A=one\nFROM_ENV" },
      { FROM_ENV: "two" },
    );
    const inputs = parseInputs(src);
    expect(inputs.secrets).toEqual([
      { name: "A", value: "one" },
      { name: "FROM_ENV", value: "two" },
    ]);
    expect(masked).toEqual(expect.arrayContaining(["tok-123", "ghs_abc", "one", "two"]));
  });

  it.each([
    ["command", "ship", /Input 'command' is 'ship'/],
    ["preview", "maybe", /one of: auto, true, false/],
    ["build", "yes", /not a boolean/],
    ["health-timeout", "soon", /not a whole number/],
    ["health-timeout", "0", /not a whole number from 1/],
    ["health-expect-status", "20x", /not a whole number/],
    ["health-path", "api/health", /must start with '\/'/],
    ["health-url", "ftp://x", /not an http\(s\) URL/],
    ["cache", "s3", /one of: auto, gha, local, none/],
  ] as const)("rejects %s = %s with a clear message", (name, value, message) => {
    const { src } = source({ [name]: value });
    expect(() => parseInputs(src)).toThrowError(message);
    expect(() => parseInputs(src)).toThrowError(UsageError);
  });

  it("refuses a secrets line naming an unset environment variable, naming the line", () => {
    const { src } = source({ secrets: "OK=1\nMISSING_VAR" });
    expect(() => parseInputs(src)).toThrowError(
      /line 2: 'MISSING_VAR' names an environment variable that is not set/,
    );
  });

  it("refuses a name that is both a secret and a var", () => {
    const { src } = source({ secrets: "TOKEN=a", vars: "TOKEN=b" });
    expect(() => parseInputs(src)).toThrowError(/both a secret and a var/);
  });
});

describe("parseNamedLines", () => {
  it("keeps values verbatim after the first '=' and skips blanks and comments", () => {
    expect(parseNamedLines("vars", 'A=b=c\n\n# note\nQ="quoted value" \nURL=https://x?a=1&b=2')).toEqual([
      { name: "A", value: "b=c" },
      { name: "Q", value: '"quoted value"' },
      { name: "URL", value: "https://x?a=1&b=2" },
    ]);
  });

  it.each([
    ["1BAD=x", /line 1: '1BAD' is not a valid name/],
    ["A-B=x", /'A-B' is not a valid name/],
    ["=x", /'' is not a valid name/],
    ["A=1\nA=2", /'A' is given twice \(lines 1 and 2\)/],
    ["NOVALUE", /'NOVALUE' has no value/],
  ])("rejects %j", (raw, message) => {
    expect(() => parseNamedLines("build-args", raw)).toThrowError(message);
  });
});
