import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INPUT_DEFAULTS } from "../../src/inputs.js";
import { repoRoot } from "../helpers/project.js";

interface ActionYml {
  inputs: Record<string, { description?: string; default?: string }>;
  outputs: Record<string, { description?: string }>;
  runs: { using: string; main: string };
}

const action = parse(readFileSync(join(repoRoot, "action.yml"), "utf8")) as ActionYml;

describe("action.yml", () => {
  it("declares exactly the inputs the code parses, with the same defaults", () => {
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(INPUT_DEFAULTS).sort());
    for (const [name, spec] of Object.entries(action.inputs)) {
      // The runner's expression syntax, literally: action.yml defaults the token to the job's token.
      const jobToken = ["$", "{{ github.token }}"].join("");
      const expected =
        name === "github-token" ? jobToken : INPUT_DEFAULTS[name as keyof typeof INPUT_DEFAULTS];
      expect(String(spec.default), name).toBe(expected);
      expect(spec.description?.length, `${name} has a description`).toBeGreaterThan(10);
    }
  });

  it("declares the SPEC outputs, each described", () => {
    expect(Object.keys(action.outputs).sort()).toEqual(
      [
        "url",
        "health-url",
        "worker-name",
        "version-id",
        "image",
        "preview",
        "healthy",
        "time-to-healthy-ms",
        "comment-id",
        "errors",
        "warnings",
      ].sort(),
    );
    for (const spec of Object.values(action.outputs)) expect(spec.description?.length).toBeGreaterThan(5);
  });

  it("runs the committed bundle on node24", () => {
    expect(action.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });
});
