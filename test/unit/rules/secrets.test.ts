import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/diagnostics.js";
import { dockerIgnores, isSecretEnvName, loadProject } from "../../../src/project/load.js";
import { validateProject } from "../../../src/rules/index.js";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../../helpers/project.js";

const repos: string[] = [];
afterAll(() => {
  cleanupProjects();
  for (const dir of repos.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "init.defaultBranch=main", ...args], { cwd, stdio: "ignore" });
}

function secretsOnly(d: Diagnostic[]): Diagnostic[] {
  return d.filter((x) => x.rule.startsWith("secrets-") || x.rule === "internal-error");
}

/** The example with `files` written over it, as the root of a fresh git repository. */
function repoWith(files: Record<string, string | null>): string {
  const dir = exampleWith(files);
  git(dir, "init", "-q");
  return dir;
}

/** A git repository holding the example under backend/, with the given extra files (repo-relative). */
function repoWithBackend(files: Record<string, string | null>): { repo: string; backend: string } {
  const repo = mkdtempSync(join(tmpdir(), "cfcd-repo-"));
  repos.push(repo);
  const backend = join(repo, "backend");
  cpSync(fastapiExample, backend, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    const path = join(repo, name);
    if (content === null) rmSync(path, { force: true });
    else writeFileSync(path, content);
  }
  git(repo, "init", "-q");
  return { repo, backend };
}

const SECRET = "API_KEY=sk-live-0123456789abcdef\n";

describe("the valid example", () => {
  it("raises no secrets finding", () => {
    expect(secretsOnly(validateDir(fastapiExample))).toEqual([]);
  });

  it("stays silent with a .env that .gitignore and .dockerignore both cover", () => {
    expect(secretsOnly(validateDir(repoWith({ ".env": SECRET, ".dev.vars": SECRET })))).toEqual([]);
  });
});

describe("secrets-env-not-ignored", () => {
  it("warns about a .env when there is no .gitignore", () => {
    const d = byRule(
      validateDir(repoWith({ ".env": SECRET, ".gitignore": null })),
      "secrets-env-not-ignored",
    );
    expect(d).toMatchObject([{ severity: "warning", file: ".env" }]);
    expect(d[0]?.hint).toContain(".gitignore");
  });

  it("warns about .dev.vars.staging, which the example's `.dev.vars` line does not cover", () => {
    const d = byRule(validateDir(repoWith({ ".dev.vars.staging": SECRET })), "secrets-env-not-ignored");
    expect(d).toMatchObject([{ severity: "warning", file: ".dev.vars.staging" }]);
  });

  it("honours negation: `!.env.production` re-includes the file", () => {
    const gitignore = ".env*\n!.env.production\n";
    const d = validateDir(
      repoWith({ ".env.production": SECRET, ".env.local": SECRET, ".gitignore": gitignore }),
    );
    expect(byRule(d, "secrets-env-not-ignored").map((x) => x.file)).toEqual([".env.production"]);
  });

  it.each([
    [".env.example", { ".env.example": SECRET }],
    [".env.sample", { ".env.sample": SECRET }],
    [".dev.vars.template", { ".dev.vars.template": SECRET }],
    ["a .env/ virtualenv directory", { ".env/bin/activate": "# venv\n" }],
  ])("ignores %s", (_what, files) => {
    const d = validateDir(repoWith({ ...files, ".gitignore": null, ".dockerignore": null }));
    expect(byRule(d, "secrets-env-not-ignored")).toEqual([]);
    expect(byRule(d, "secrets-env-build-context")).toEqual([]);
  });

  it("reads the repository's .gitignore above the project folder", () => {
    const { backend } = repoWithBackend({ ".gitignore": "node_modules/\n.env\n" });
    rmSync(join(backend, ".gitignore"));
    writeFileSync(join(backend, ".env"), SECRET);
    expect(byRule(validateDir(backend), "secrets-env-not-ignored")).toEqual([]);
    writeFileSync(join(backend, ".dev.vars"), SECRET);
    expect(byRule(validateDir(backend), "secrets-env-not-ignored")).toMatchObject([{ file: ".dev.vars" }]);
  });

  it("honours .git/info/exclude and an ignored parent folder, as git does", () => {
    const { repo, backend } = repoWithBackend({});
    rmSync(join(backend, ".gitignore"));
    writeFileSync(join(backend, ".env"), SECRET);
    writeFileSync(join(backend, ".dev.vars"), SECRET);
    expect(byRule(validateDir(backend), "secrets-env-not-ignored").map((x) => x.file)).toEqual([
      ".dev.vars",
      ".env",
    ]);
    writeFileSync(join(repo, ".git", "info", "exclude"), ".dev.vars\n");
    expect(byRule(validateDir(backend), "secrets-env-not-ignored").map((x) => x.file)).toEqual([".env"]);
    writeFileSync(join(repo, ".gitignore"), "backend/\n");
    expect(byRule(validateDir(backend), "secrets-env-not-ignored")).toEqual([]);
  });

  it("says nothing about git outside a repository", () => {
    const dir = exampleWith({ ".env": SECRET, ".gitignore": null });
    const d = validateDir(dir);
    expect(byRule(d, "secrets-env-not-ignored")).toEqual([]);
    expect(byRule(d, "secrets-env-committed")).toEqual([]);
  });

  it("says nothing about git when git cannot run, but still judges the build context", () => {
    const dir = repoWith({ ".env": SECRET, ".gitignore": null, ".dockerignore": null });
    git(dir, "add", "-f", ".env");
    const project = loadProject(dir, { git: () => undefined });
    expect(project.secretEnvFiles).toEqual([
      { path: ".env", tracked: undefined, gitIgnored: undefined, dockerIgnored: { Dockerfile: false } },
    ]);
    const d = secretsOnly(validateProject(project, new Date("2026-12-03T12:00:00Z")));
    expect(d.map((x) => x.rule)).toEqual(["secrets-env-build-context"]);
  });
});

describe("secrets-env-committed", () => {
  it("is an error for a .env tracked by git, even when .gitignore now lists it", () => {
    const dir = repoWith({ ".env": SECRET });
    git(dir, "add", "-f", ".env");
    const d = validateDir(dir);
    expect(byRule(d, "secrets-env-committed")).toMatchObject([{ severity: "error", file: ".env" }]);
    expect(byRule(d, "secrets-env-committed")[0]?.hint).toContain("git rm --cached .env");
    expect(byRule(d, "secrets-env-committed")[0]?.hint).toContain("already covers it");
    expect(byRule(d, "secrets-env-not-ignored")).toEqual([]);
  });

  it("tells to add it to .gitignore when nothing covers the tracked file", () => {
    const dir = repoWith({ ".dev.vars.ci": SECRET });
    git(dir, "add", ".dev.vars.ci");
    const d = byRule(validateDir(dir), "secrets-env-committed");
    expect(d).toMatchObject([{ file: ".dev.vars.ci" }]);
    expect(d[0]?.hint).toContain("add it to .gitignore");
  });

  it("is silent for an untracked, ignored .env in a repository", () => {
    const dir = repoWith({ ".env": SECRET });
    git(dir, "add", "Dockerfile");
    expect(secretsOnly(validateDir(dir))).toEqual([]);
  });

  it.each([2, 3, 4])(
    "finds it with index version %i for a project in a subfolder of the repository",
    (version) => {
      const { repo, backend } = repoWithBackend({});
      writeFileSync(join(backend, ".dev.vars"), SECRET);
      git(repo, "add", "-A");
      git(repo, "add", "-f", "backend/.dev.vars");
      git(repo, "update-index", "--index-version", String(version));
      const d = byRule(validateDir(backend), "secrets-env-committed");
      expect(d).toMatchObject([{ severity: "error", file: ".dev.vars" }]);
    },
  );

  it("checks the secret files of a build context in another folder too", () => {
    const toml = readFileSync(join(fastapiExample, "wrangler.toml"), "utf8").replace(
      'image = "./Dockerfile"',
      'image = "./api/Dockerfile"',
    );
    const dir = repoWith({ "wrangler.toml": toml, "api/.env": SECRET, "api/.dockerignore": ".env\n" });
    cpSync(join(fastapiExample, "Dockerfile"), join(dir, "api", "Dockerfile"));
    git(dir, "add", "-f", "api/.env");
    expect(secretsOnly(validateDir(dir))).toMatchObject([
      { rule: "secrets-env-committed", file: "api/.env" },
    ]);
  });
});

describe("secrets-env-build-context", () => {
  it("warns when no .dockerignore keeps .env out of the build context", () => {
    const d = byRule(
      validateDir(exampleWith({ ".env": SECRET, ".dockerignore": null })),
      "secrets-env-build-context",
    );
    expect(d).toMatchObject([{ severity: "warning", file: ".env" }]);
    expect(d[0]?.message).toContain("no .dockerignore");
  });

  it("warns when .dockerignore exists but does not exclude the file", () => {
    const d = byRule(
      validateDir(exampleWith({ ".env.local": SECRET, ".dockerignore": "node_modules\n.git\n" })),
      "secrets-env-build-context",
    );
    expect(d).toMatchObject([{ severity: "warning", file: ".env.local" }]);
    expect(d[0]?.hint).toContain(".dockerignore");
  });

  it("matches case-sensitively, as the Docker CLI does on Linux", () => {
    const d = byRule(
      validateDir(exampleWith({ ".env": SECRET, ".dockerignore": ".ENV\n" })),
      "secrets-env-build-context",
    );
    expect(d).toMatchObject([{ file: ".env" }]);
  });

  it("uses <Dockerfile>.dockerignore in preference to .dockerignore", () => {
    const d = byRule(
      validateDir(exampleWith({ ".env": SECRET, "Dockerfile.dockerignore": "node_modules\n" })),
      "secrets-env-build-context",
    );
    expect(d).toMatchObject([{ file: ".env" }]);
    expect(d[0]?.message).toContain("Dockerfile.dockerignore");
    const covered = exampleWith({
      ".env": SECRET,
      ".dockerignore": "node_modules\n",
      "Dockerfile.dockerignore": ".env\n",
    });
    expect(byRule(validateDir(covered), "secrets-env-build-context")).toEqual([]);
  });

  it("checks a build context in another folder", () => {
    const toml = readFileSync(join(fastapiExample, "wrangler.toml"), "utf8").replace(
      'image = "./Dockerfile"',
      'image = "./api/Dockerfile"',
    );
    const dir = exampleWith({ "wrangler.toml": toml, "api/.env": SECRET });
    cpSync(join(fastapiExample, "Dockerfile"), join(dir, "api", "Dockerfile"));
    const d = byRule(validateDir(dir), "secrets-env-build-context");
    expect(d).toMatchObject([{ severity: "warning", file: "api/.env" }]);
    mkdirSync(join(dir, "api"), { recursive: true });
    writeFileSync(join(dir, "api", ".dockerignore"), "**/.env\n");
    expect(byRule(validateDir(dir), "secrets-env-build-context")).toEqual([]);
  });
});

describe("secret file names and dockerignore matching", () => {
  it.each([
    [".env", true],
    [".env.production", true],
    [".dev.vars", true],
    [".dev.vars.staging", true],
    [".env.example", false],
    [".env.dist", false],
    [".envrc", false],
    ["env", false],
  ])("isSecretEnvName(%s) = %s", (name, expected) => {
    expect(isSecretEnvName(name)).toBe(expected);
  });

  it.each([
    [".env", ".env", true],
    [".env", "sub/.env", false],
    ["**/.env", "sub/.env", true],
    ["./.env*", ".env.prod", true],
    ["*\n!app.py", ".env", true],
    ["*\n!app.py", "app.py", false],
    ["# .env\n", ".env", false],
    ["[z-a]\n.env", ".env", false],
  ])("dockerignore %j on %s → %s", (text, path, expected) => {
    expect(dockerIgnores(text, path)).toBe(expected);
  });

  it("never throws on arbitrary dockerignore text and paths", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), fc.string({ maxLength: 20 }), (text, path) => {
        expect(typeof dockerIgnores(text, path)).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });
});
