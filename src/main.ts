import { resolve } from "node:path";
import { reportValidation, validateDirectory } from "./commands/validate.js";
import { errorMessage, exitCodeOf, PhaseError, ProjectError, UsageError } from "./errors.js";
import { envInputSource, type Inputs, parseInputs } from "./inputs.js";
import { type RunContext, readRunContext } from "./run-context.js";
import type { Io } from "./shell/io.js";

/** Everything a command needs from the outside world. */
export interface ActionEnv {
  env: NodeJS.ProcessEnv;
  cwd: string;
  io: Io;
}

export async function validateStep(inputs: Inputs, ctx: RunContext, io: Io): Promise<void> {
  const dir = resolve(ctx.workspace, inputs.workingDirectory);
  const outcome = validateDirectory(dir, {
    ...(inputs.config !== undefined ? { config: inputs.config } : {}),
    ...(inputs.environment !== undefined ? { environment: inputs.environment } : {}),
  });
  await reportValidation(outcome, io, ctx.workspace);
  if (outcome.counts.errors > 0) {
    throw new ProjectError(
      `Validation found ${outcome.counts.errors} error(s) in ${inputs.workingDirectory}; see the annotations above.`,
      "Fix each error at the file and line it names, then run again.",
    );
  }
}

/** Turn any failure into one clear error line (what, then how to fix) and the exit code. */
export function reportFailure(error: unknown, io: Io): number {
  const hint = error instanceof UsageError || error instanceof ProjectError ? error.hint : undefined;
  let message = errorMessage(error);
  if (error instanceof PhaseError) message = `${error.phase} failed: ${message}\nLive now: ${error.live}`;
  else if (!(error instanceof UsageError || error instanceof ProjectError)) {
    message = `Unexpected error: ${message}. This is a bug in cf-containers-deploy; please report it with the log above.`;
  }
  io.error(hint ? `${message}\nFix: ${hint}` : message);
  return exitCodeOf(error);
}

/** Run one command with parsed inputs; throws on failure (the caller's funnel reports it). */
export async function dispatch(inputs: Inputs, ctx: RunContext, actionEnv: ActionEnv): Promise<void> {
  switch (inputs.command) {
    case "validate":
      await validateStep(inputs, ctx, actionEnv.io);
      return;
    // Loaded on demand: validate stays fast without the docker, wrangler and GitHub machinery.
    case "deploy": {
      const { deployCommand } = await import("./commands/deploy.js");
      await deployCommand(inputs, ctx, actionEnv);
      return;
    }
    case "destroy": {
      const { destroyCommand } = await import("./commands/destroy.js");
      await destroyCommand(inputs, ctx, actionEnv);
      return;
    }
  }
}

/** The action: parse inputs once, run the command, one failure funnel. Returns the exit code. */
export async function run(actionEnv: ActionEnv): Promise<number> {
  const { env, cwd, io } = actionEnv;
  try {
    const inputs = parseInputs(envInputSource(env, (v) => io.mask(v)));
    const ctx = readRunContext(env, cwd);
    // Inputs are parsed once; from here on no child process (docker, git, npm, wrangler) may
    // inherit INPUT_* variables, which hold the secrets and tokens.
    for (const name of Object.keys(env)) if (name.startsWith("INPUT_")) delete env[name];
    await dispatch(inputs, ctx, actionEnv);
    return 0;
  } catch (error) {
    return reportFailure(error, io);
  }
}
