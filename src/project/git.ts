import { spawnSync } from "node:child_process";
import { posix } from "node:path";

/** Exit status and standard output of one git run. */
export interface GitOutput {
  status: number;
  stdout: string;
}

/**
 * The git seam of the loader: run `git <args>` in `cwd` with `input` on stdin. Undefined when git
 * could not run at all (not installed, timed out, killed).
 */
export type GitRunner = (args: readonly string[], cwd: string, input?: string) => GitOutput | undefined;

const GIT_TIMEOUT_MS = 10_000;

/** Variables that would point git at another repository than the one around `cwd`. */
const REPOSITORY_OVERRIDES = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_PREFIX"];

/** The real git CLI: an argv array (no shell), a short timeout, output captured. */
export const runGit: GitRunner = (args, cwd, input) => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Never prompt, never take index.lock for an optional refresh.
    GIT_TERMINAL_PROMPT: "0",
    GIT_OPTIONAL_LOCKS: "0",
  };
  for (const name of REPOSITORY_OVERRIDES) delete env[name];
  // core.fsmonitor names a program git would run: a checked-out repository must not choose it.
  const result = spawnSync("git", ["-c", "core.fsmonitor=false", ...args], {
    cwd,
    env,
    input: input ?? "",
    encoding: "utf8",
    timeout: GIT_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
    stdio: ["pipe", "pipe", "pipe"],
    windowsHide: true,
  });
  if (result.error || result.status === null) return undefined;
  return { status: result.status, stdout: result.stdout };
};

/** What git says about one project file; undefined where git cannot tell (no repository, git missing). */
export interface GitPathFacts {
  /** In the index (`git ls-files --cached`), i.e. committed or staged. */
  tracked: boolean | undefined;
  /** Matched by git's ignore rules (every .gitignore up to the repository root, .git/info/exclude, core.excludesFile). */
  ignored: boolean | undefined;
}

const UNKNOWN: GitPathFacts = { tracked: undefined, ignored: undefined };

function splitZ(text: string): string[] {
  return text.split("\u0000").filter((s) => s !== "");
}

/**
 * Ask git about project-relative (posix) paths of the project in `dir`. Three runs at most:
 * `rev-parse` places the project in its work tree, `ls-files` reads the index, and
 * `check-ignore --no-index` applies the ignore rules (so a tracked file still says whether
 * .gitignore covers it). Paths outside the work tree, and every path when `dir` is not in one,
 * get undefined facts.
 */
export function gitPathFacts(
  dir: string,
  paths: readonly string[],
  run: GitRunner = runGit,
): Map<string, GitPathFacts> {
  const facts = new Map<string, GitPathFacts>(paths.map((p) => [p, UNKNOWN]));
  if (paths.length === 0) return facts;
  const top = run(["rev-parse", "--is-inside-work-tree", "--show-prefix"], dir);
  if (top?.status !== 0 || !top.stdout.startsWith("true\n")) return facts;
  // The project dir relative to the work tree root: "" or "backend/".
  const prefix = top.stdout.slice("true\n".length).replace(/\n$/, "");
  const byRepoPath = new Map<string, string>();
  for (const p of paths) {
    const repoPath = posix.normalize(prefix + p);
    if (repoPath === ".." || repoPath.startsWith("../") || posix.isAbsolute(repoPath)) continue;
    byRepoPath.set(repoPath, p);
  }
  const inside = [...byRepoPath.values()];
  if (inside.length === 0) return facts;

  let tracked: Set<string> | undefined;
  const listed = run(
    ["ls-files", "--cached", "--full-name", "-z", "--", ...inside.map((p) => `:(literal)${p}`)],
    dir,
  );
  if (listed?.status === 0) {
    tracked = new Set(splitZ(listed.stdout).flatMap((r) => byRepoPath.get(r) ?? []));
  }
  let ignored: Set<string> | undefined;
  // Plain paths here (check-ignore rejects pathspec magic), echoed back as given.
  // Exit 0: some paths are ignored (and printed); 1: none is; anything else: git failed.
  const checked = run(["check-ignore", "--no-index", "-z", "--stdin"], dir, `${inside.join("\u0000")}\u0000`);
  if (checked && (checked.status === 0 || checked.status === 1)) {
    ignored = new Set(checked.status === 0 ? splitZ(checked.stdout) : []);
  }
  for (const p of inside) {
    facts.set(p, {
      tracked: tracked ? tracked.has(p) : undefined,
      ignored: ignored ? ignored.has(p) : undefined,
    });
  }
  return facts;
}
