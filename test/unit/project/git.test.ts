import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type GitRunner, gitPathFacts, runGit } from "../../../src/project/git.js";

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "cfcd-git-"));
  made.push(dir);
  return dir;
}

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "init.defaultBranch=main", ...args], { cwd, stdio: "ignore" });
}

/** repo/.gitignore, repo/backend/{files}; returns both paths. */
function repo(files: Record<string, string>, gitignore = ""): { root: string; backend: string } {
  const root = tempDir();
  const backend = join(root, "backend");
  mkdirSync(backend);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(backend, name, ".."), { recursive: true });
    writeFileSync(join(backend, name), text);
  }
  writeFileSync(join(root, ".gitignore"), gitignore);
  git(root, "init", "-q");
  return { root, backend };
}

describe("gitPathFacts with the real git CLI", () => {
  it("tells tracked and ignored files apart, relative to a project in a subfolder", () => {
    const { root, backend } = repo(
      { ".env": "x", ".dev.vars": "x", "api/.env": "x", "odd name [1].env": "x" },
      "backend/.env\nbackend/api/\n",
    );
    git(root, "add", "-f", "backend/.env", "backend/odd name [1].env");
    const facts = gitPathFacts(backend, [".env", ".dev.vars", "api/.env", "odd name [1].env", "missing"]);
    expect(Object.fromEntries(facts)).toEqual({
      ".env": { tracked: true, ignored: true },
      ".dev.vars": { tracked: false, ignored: false },
      "api/.env": { tracked: false, ignored: true },
      "odd name [1].env": { tracked: true, ignored: false },
      missing: { tracked: false, ignored: false },
    });
  });

  it("reads pathspec characters literally", () => {
    const { root, backend } = repo({ ".env.a": "x", ".env.*": "x" });
    git(root, "add", "-f", "backend/.env.a");
    expect(gitPathFacts(backend, [".env.*"]).get(".env.*")).toEqual({ tracked: false, ignored: false });
  });

  it("answers for paths above the project dir inside the repository, and nothing for paths outside it", () => {
    const { root, backend } = repo({}, ".env\n");
    writeFileSync(join(root, ".env"), "x");
    git(root, "add", "-f", ".env");
    const facts = gitPathFacts(backend, ["../.env", "../../.env"]);
    expect(facts.get("../.env")).toEqual({ tracked: true, ignored: true });
    expect(facts.get("../../.env")).toEqual({ tracked: undefined, ignored: undefined });
  });

  it("knows nothing outside a repository or inside .git", () => {
    const dir = tempDir();
    expect(gitPathFacts(dir, [".env"]).get(".env")).toEqual({ tracked: undefined, ignored: undefined });
    const { root } = repo({});
    expect(gitPathFacts(join(root, ".git"), ["config"]).get("config")).toEqual({
      tracked: undefined,
      ignored: undefined,
    });
  });

  it("ignores GIT_DIR from the environment and reports the repository around the project", () => {
    const { root, backend } = repo({ ".env": "x" });
    git(root, "add", "-f", "backend/.env");
    const other = tempDir();
    git(other, "init", "-q");
    const saved = process.env.GIT_DIR;
    process.env.GIT_DIR = join(other, ".git");
    try {
      expect(gitPathFacts(backend, [".env"]).get(".env")?.tracked).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.GIT_DIR;
      else process.env.GIT_DIR = saved;
    }
  });
});

describe("the git seam", () => {
  it("runs nothing for no paths", () => {
    let runs = 0;
    const counting: GitRunner = (args, cwd, input) => {
      runs++;
      return runGit(args, cwd, input);
    };
    expect(gitPathFacts(tempDir(), [], counting).size).toBe(0);
    expect(runs).toBe(0);
  });

  it("keeps the facts git gave when one of the two queries fails", () => {
    const { root, backend } = repo({ ".env": "x" });
    git(root, "add", "-f", "backend/.env");
    const noCheckIgnore: GitRunner = (args, cwd, input) =>
      args[0] === "check-ignore" ? { status: 128, stdout: "" } : runGit(args, cwd, input);
    expect(gitPathFacts(backend, [".env"], noCheckIgnore).get(".env")).toEqual({
      tracked: true,
      ignored: undefined,
    });
  });

  it("treats a missing git as no facts", () => {
    expect(gitPathFacts(tempDir(), [".env"], () => undefined).get(".env")).toEqual({
      tracked: undefined,
      ignored: undefined,
    });
  });

  it("returns undefined when the git binary does not exist", () => {
    const saved = process.env.PATH;
    process.env.PATH = tempDir();
    try {
      expect(runGit(["--version"], tmpdir())).toBeUndefined();
    } finally {
      process.env.PATH = saved;
    }
  });
});
