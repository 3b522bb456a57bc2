import { ProjectError, UsageError } from "../errors.js";
import type { Inputs } from "../inputs.js";
import type { WranglerConfig } from "../project/wrangler-config.js";
import { isPullRequestEvent, type RunContext } from "../run-context.js";
import { resolvePreviewNames } from "./preview.js";

/** Where a deploy goes: production or a PR's preview Worker, with every name it will use. */
export interface DeployTarget {
  preview: boolean;
  /** The Worker name deployed to. */
  workerName: string;
  /** The base name previews derive from (worker-name input or the config's effective name). */
  baseName: string;
  prNumber?: number;
  /**
   * Container application name per `containers` index, set in the generated config. Empty for
   * production without a worker-name override: wrangler's own derivation stays in charge there,
   * so production keeps exactly the application names it always had.
   */
  containerNames: Map<number, string>;
}

/** The Worker name wrangler would deploy for the selected environment (`<name>-<env>` when the env sets none). */
export function effectiveWorkerName(config: WranglerConfig): string | undefined {
  const top = config.raw.name;
  if (config.environment === undefined) return typeof top === "string" ? top : undefined;
  const envs = config.raw.env as Record<string, Record<string, unknown>> | undefined;
  const own = envs?.[config.environment]?.name;
  if (typeof own === "string") return own;
  return typeof top === "string" ? `${top}-${config.environment}` : undefined;
}

export interface ContainerClass {
  index: number;
  className?: string;
}

/** Decide production vs preview and every name, from the inputs, the event and the config. Pure. */
export function decideTarget(
  inputs: Pick<Inputs, "preview" | "workerName">,
  ctx: Pick<RunContext, "eventName" | "pullRequest">,
  config: WranglerConfig,
  containers: readonly ContainerClass[],
): DeployTarget {
  const base = inputs.workerName ?? effectiveWorkerName(config);
  if (base === undefined || base === "") {
    throw new ProjectError(
      `The Wrangler config ${config.file} has no 'name', so there is no Worker name to deploy to.`,
      'Add `name = "my-backend"` to the config, or set the `worker-name` input.',
    );
  }
  const preview =
    inputs.preview === "true" ? true : inputs.preview === "false" ? false : isPullRequestEvent(ctx.eventName);
  if (!preview) {
    const names = new Map<number, string>();
    return { preview: false, workerName: base, baseName: base, containerNames: names };
  }
  const pr = ctx.pullRequest;
  if (!pr || !Number.isInteger(pr.number) || pr.number <= 0) {
    throw new UsageError(
      `preview is '${inputs.preview}' but this run (event '${ctx.eventName || "none"}') is not about a pull request, so there is no PR number to name the preview after.`,
      "Use `preview: auto` (previews on pull_request / pull_request_target events only) or `preview: false`.",
    );
  }
  const classes = containers.map((c) => c.className ?? `container-${c.index}`);
  const names = resolvePreviewNames(base, pr.number, classes, effectiveWorkerName(config));
  const containerNames = new Map<number, string>();
  const owner = new Map<string, number>();
  containers.forEach((c, i) => {
    const name = names.containerNames[i] ?? "";
    const first = owner.get(name);
    if (first !== undefined) {
      throw new ProjectError(
        `Container classes '${classes[first]}' (containers[${containers[first]?.index}]) and '${classes[i]}' (containers[${c.index}]) would both get the container application name '${name}' in PR #${pr.number}'s preview, so one would overwrite the other.`,
        "Rename one of the two classes so they differ in letters and digits (case, '_' and '$' are not kept), within the first characters that fit a 63-character name.",
      );
    }
    owner.set(name, i);
    containerNames.set(c.index, name);
  });
  return {
    preview: true,
    workerName: names.workerName,
    baseName: base,
    prNumber: pr.number,
    containerNames,
  };
}

/** What to do with a PR run given fork status and credentials. */
export type ForkDecision = { action: "deploy" } | { action: "build-only"; reason: string };

/**
 * Fork policy. pull_request_target runs with this repository's secrets: a fork's code there is
 * refused unless allow-forks. A fork pull_request gets no secrets: validate and build, then stop.
 * Anything else without an api-token is a usage error, raised before any build starts.
 */
export function decideForkPolicy(
  inputs: Pick<Inputs, "allowForks" | "apiToken" | "command">,
  ctx: Pick<RunContext, "eventName" | "pullRequest">,
): ForkDecision {
  const fork = ctx.pullRequest?.fromFork === true;
  if (ctx.eventName === "pull_request_target" && fork && !inputs.allowForks) {
    throw new ProjectError(
      `Refusing to deploy PR #${ctx.pullRequest?.number}: this pull_request_target run would deploy code from a fork with this repository's secrets (the api-token). Code from a fork could read and exfiltrate them.`,
      "Set `allow-forks: true` only if every fork PR is reviewed before this workflow runs it; otherwise deploy previews from the `pull_request` event.",
    );
  }
  if (!inputs.apiToken) {
    if (ctx.eventName === "pull_request" && fork) {
      return {
        action: "build-only",
        reason: `PR #${ctx.pullRequest?.number} comes from a fork, and GitHub gives pull_request runs from forks no secrets, so there is no api-token`,
      };
    }
    throw new UsageError(
      `Input 'api-token' is empty; command '${inputs.command}' needs a Cloudflare API token.`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
      "Pass `api-token: ${{ secrets.CLOUDFLARE_API_TOKEN }}` (a token with Workers Scripts and Containers edit permissions).",
    );
  }
  return { action: "deploy" };
}
