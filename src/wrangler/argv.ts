/** Argument vectors for every wrangler call the action makes. Pure; never a secret value in them. */

export interface DeployArgs {
  config: string;
  environment?: string;
  /** Path of the temp secrets JSON (only when there are secrets). */
  secretsFile?: string;
  vars: readonly { name: string; value: string }[];
  /** Omitted = the config's rollout settings. */
  rollout?: "immediate" | "gradual";
}

export function deployArgv(a: DeployArgs): string[] {
  const argv = ["deploy", "--config", a.config];
  if (a.environment !== undefined) argv.push("--env", a.environment);
  if (a.secretsFile !== undefined) argv.push("--secrets-file", a.secretsFile);
  for (const v of a.vars) argv.push("--var", `${v.name}:${v.value}`);
  if (a.rollout !== undefined) argv.push("--containers-rollout", a.rollout);
  return argv;
}

/** `containers-rollout` input → the flag: auto = immediate for previews, the config's own for production. */
export function rolloutFor(
  input: "auto" | "immediate" | "gradual",
  preview: boolean,
): "immediate" | "gradual" | undefined {
  if (input === "auto") return preview ? "immediate" : undefined;
  return input;
}

export function pushArgv(localTag: string): string[] {
  return ["containers", "push", localTag];
}

export function deleteWorkerArgv(workerName: string): string[] {
  return ["delete", "--name", workerName, "--force"];
}

export function containersListArgv(): string[] {
  return ["containers", "list", "--json"];
}

export function containersDeleteArgv(applicationId: string): string[] {
  return ["containers", "delete", applicationId];
}

export function imagesListArgv(): string[] {
  return ["containers", "images", "list", "--json"];
}

export function imagesDeleteArgv(imageWithTag: string): string[] {
  return ["containers", "images", "delete", imageWithTag, "--skip-confirmation"];
}
