import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { preflight } from "./commands/deploy.js";
import { UsageError } from "./errors.js";
import { INPUT_DEFAULTS, type InputName, parseInputs } from "./inputs.js";
import { type ActionEnv, dispatch } from "./main.js";
import { type RunContext, readRunContext } from "./run-context.js";

/** Inputs the CLI takes from the environment when no flag is given (never put tokens on argv). */
const FROM_ENV: Partial<Record<InputName, string>> = {
  "api-token": "CLOUDFLARE_API_TOKEN",
  "account-id": "CLOUDFLARE_ACCOUNT_ID",
  "github-token": "GITHUB_TOKEN",
};

const INPUT_FLAGS = Object.fromEntries(
  (Object.keys(INPUT_DEFAULTS) as InputName[])
    .filter((n) => n !== "command" && n !== "working-directory")
    .map((n) => [n, { type: "string" as const, multiple: true }]),
);

function gitHead(cwd: string): string {
  const r = spawnSync("git", ["rev-parse", "HEAD"], { cwd, encoding: "utf8", timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : "";
}

/**
 * `deploy [dir]` / `destroy [dir]`: flags named like the action's inputs (`--worker-name x`,
 * `--vars 'A=1' --vars 'B=2'`: repeated multiline inputs join with newlines), plus `--sha` and
 * `--pr N` (deploy the preview of PR N, as a pull_request run would). The same code as the action.
 */
export async function pipelineCli(
  command: "deploy" | "destroy",
  args: string[],
  actionEnv: ActionEnv,
): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...INPUT_FLAGS, sha: { type: "string" }, pr: { type: "string" } },
  });
  if (positionals.length > 1)
    throw new UsageError(`${command} takes one directory, got ${positionals.length}.`);
  const given = values as Record<string, string[] | string | undefined>;
  const flag = (name: InputName): string | undefined => {
    const v = given[name];
    return Array.isArray(v) ? v.join("\n") : v;
  };
  for (const secretInput of ["api-token", "github-token"] as const) {
    if (flag(secretInput) !== undefined) {
      throw new UsageError(
        `--${secretInput} would put a token on the command line, where other users can read it.`,
        `Set ${FROM_ENV[secretInput]} in the environment instead.`,
      );
    }
  }
  const { env, cwd, io } = actionEnv;
  const inputs = parseInputs({
    read: (name) => {
      if (name === "command") return command;
      if (name === "working-directory") return positionals[0] ?? ".";
      const envName = FROM_ENV[name];
      return flag(name) ?? (envName ? env[envName] : undefined);
    },
    env,
    mask: (v) => io.mask(v),
  });
  const base = readRunContext(env, cwd);
  const sha = (given.sha as string | undefined) ?? (base.sha || gitHead(cwd));
  const prFlag = given.pr as string | undefined;
  let ctx: RunContext = { ...base, sha, workspace: cwd };
  if (prFlag !== undefined) {
    if (!/^[1-9]\d*$/.test(prFlag))
      throw new UsageError(`--pr must be a pull request number, not '${prFlag}'.`);
    ctx = {
      ...ctx,
      eventName: "pull_request",
      pullRequest: { number: Number(prFlag), headSha: sha, headRef: "", fromFork: false, title: "" },
    };
  }
  if (!ctx.sha)
    throw new UsageError(
      "Cannot tell which commit this is.",
      "Pass --sha <commit> or run inside a git checkout.",
    );
  await dispatch(inputs, ctx, actionEnv);
}

/** `preflight [dir]`: validate, build and smoke-test; nothing is pushed. */
export async function preflightCli(args: string[], actionEnv: ActionEnv): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      env: { type: "string" },
      sha: { type: "string" },
      cache: { type: "string" },
      "smoke-test-network": { type: "string" },
      "health-path": { type: "string" },
    },
  });
  // Reuse the inputs parser for the same checks and messages as the action.
  const inputs = parseInputs({
    read: (name) =>
      ({
        cache: values.cache,
        "smoke-test-network": values["smoke-test-network"],
        "health-path": values["health-path"],
      })[name as string],
    env: actionEnv.env,
    mask: () => {},
  });
  const dir = resolve(actionEnv.cwd, positionals[0] ?? ".");
  await preflight(
    dir,
    {
      ...(values.config !== undefined ? { config: values.config } : {}),
      ...(values.env !== undefined ? { environment: values.env } : {}),
      sha: values.sha ?? (gitHead(dir) || "local"),
      cache: inputs.cache,
      smokeTestNetwork: inputs.smokeTestNetwork,
      healthPath: inputs.healthPath,
    },
    actionEnv,
  );
}
