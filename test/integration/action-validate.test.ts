import { spawnSync } from "node:child_process";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupProjects, exampleWith, fastapiExample, repoRoot } from "../helpers/project.js";
import { node24, runAction } from "../helpers/run-action.js";

afterAll(cleanupProjects);

function cli(args: string[]) {
  const r = spawnSync(node24, [join(repoRoot, "dist", "cli.js"), ...args], {
    encoding: "utf8",
    timeout: 30_000,
  });
  return { exitCode: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

describe("the action, command: validate (dist/index.js as the runner runs it)", () => {
  it("passes the valid example and writes the outputs and the summary", async () => {
    const run = await runAction({
      inputs: { command: "validate", "working-directory": relative(repoRoot, fastapiExample) },
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ errors: "0", warnings: "0" });
    expect(run.summary).toContain("0 error(s), 0 warning(s)");
    expect(run.stdout).not.toMatch(/^::error/m);
  });

  it("annotates each error with file and line relative to the workspace, and exits 1", async () => {
    const dir = exampleWith({ Dockerfile: null, "src/index.js": null });
    const workspace = join(dir, "..");
    const run = await runAction({
      inputs: { command: "validate", "working-directory": relative(workspace, dir) },
      workspace,
    });
    expect(run.exitCode).toBe(1);
    const rel = relative(workspace, dir);
    expect(run.stdout).toContain(`::error title=layout-dockerfile-missing,file=${rel}/wrangler.toml,line=7`);
    expect(run.stdout).toContain(
      `::error title=layout-worker-entry-missing,file=${rel}/wrangler.toml,line=2`,
    );
    expect(Number(run.outputs.errors)).toBeGreaterThanOrEqual(2);
    expect(run.summary).toContain("layout-dockerfile-missing");
    expect(run.stdout).toMatch(/::error::Validation found \d+ error\(s\)/);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
  });

  it("fails with exit 2 and the fix for a bad input, before reading the project", async () => {
    const run = await runAction({ inputs: { command: "validate", "health-timeout": "soon" } });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toContain("Input 'health-timeout' is 'soon'");
  });

  it("fails with exit 2 for a working directory that does not exist", async () => {
    const run = await runAction({ inputs: { command: "validate", "working-directory": "no/such/dir" } });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toContain("does not exist");
  });
});

describe("the CLI, validate", () => {
  it("prints the SPEC JSON shape and exits 0 on the example", () => {
    const r = cli(["validate", fastapiExample, "--format", "json"]);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ errors: 0, warnings: 0, diagnostics: [] });
  });

  it("prints diagnostics with rule, severity, relative file, line and hint; exits 1 on errors", () => {
    const dir = exampleWith({ Dockerfile: null });
    const r = cli(["validate", dir, "--format", "json"]);
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(r.stdout) as { errors: number; diagnostics: Record<string, unknown>[] };
    expect(out.errors).toBeGreaterThan(0);
    expect(out.diagnostics).toContainEqual(
      expect.objectContaining({
        rule: "layout-dockerfile-missing",
        severity: "error",
        file: "wrangler.toml",
        line: 7,
      }),
    );
    for (const d of out.diagnostics) expect(typeof d.hint).toBe("string");
  });

  it("prints GitHub annotation lines with --format github", () => {
    const dir = exampleWith({ Dockerfile: null });
    const r = cli(["validate", dir, "--format", "github"]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(
      /^::error file=[^,]*wrangler\.toml,line=7,col=\d+,title=layout-dockerfile-missing::/m,
    );
  });

  it("prints readable text by default", () => {
    const dir = exampleWith({ Dockerfile: null });
    const r = cli(["validate", dir]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/wrangler\.toml:7:\d+: error layout-dockerfile-missing: /);
    expect(r.stdout).toContain("fix: ");
  });

  it.each([
    [["validate", "--format", "xml"], /--format must be text, json or github/],
    [["validate", "--bogus"], /Unknown option/],
    [["frobnicate"], /Unknown command 'frobnicate'/],
  ])("exits 2 on bad usage: %j", (args, message) => {
    const r = cli(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
