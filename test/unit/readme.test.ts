import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/project.js";
// @ts-expect-error: plain ESM helper shared with `npm run docs`, no type declarations
import { END, renderReference, START } from "../infra/readme-reference.mjs";

describe("README", () => {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");

  it("carries the input/output reference exactly as action.yml renders it (run `npm run docs`)", () => {
    const expected = (renderReference as (y: string) => string)(
      readFileSync(join(repoRoot, "action.yml"), "utf8"),
    );
    const start = readme.indexOf(START as string);
    const end = readme.indexOf(END as string);
    expect(start).toBeGreaterThan(-1);
    expect(readme.slice(start, end + (END as string).length)).toBe(expected);
  });

  it("names the test command CI runs", () => {
    expect(readme).toContain("npm install\nnpm test");
    expect(readFileSync(join(repoRoot, ".ci", "run"), "utf8")).toContain("npm test");
  });
});
