import { isPreviewNameOf, previewNumberOf, resolvePreviewNames } from "../deploy/preview.js";
import { ProjectError, UsageError } from "../errors.js";
import type { Inputs } from "../inputs.js";
import type { RunContext } from "../run-context.js";
import type { ContainerApplication } from "./cloudflare-api.js";

/** What destroy removes, decided before anything is touched. Pure. */
export interface DestroyTarget {
  workerName: string;
  prNumber: number;
  /** Container application names the preview's deploys used (from the config's classes). */
  containerNames: string[];
}

/**
 * The preview Worker to remove, named by the same function deploy uses (resolvePreviewNames), so
 * destroy removes exactly what deploy created. On a PR event it is that PR's preview of the
 * worker-name input or the config's name (a base that already is this PR's preview name is taken
 * as is; one of another PR's is refused). Without a PR event (the CLI) worker-name must itself be
 * a preview name, exactly as deploy writes it. Anything else — production above all — is refused.
 */
export function decideDestroyTarget(
  inputs: Pick<Inputs, "workerName">,
  ctx: Pick<RunContext, "eventName" | "pullRequest">,
  configName: string | undefined,
  classNames: readonly string[],
): DestroyTarget {
  const given = inputs.workerName;
  const pr = ctx.pullRequest?.number;
  let prNumber: number;
  let base: string;
  if (pr !== undefined && pr > 0) {
    base = given ?? configName ?? "";
    if (base === "") {
      throw new ProjectError(
        "There is no Worker name to derive the preview name from (no `worker-name` input, no `name` in the config).",
        "Set `worker-name` to the same value the deploy step used.",
      );
    }
    prNumber = pr;
  } else {
    const n = given !== undefined ? previewNumberOf(given) : undefined;
    if (given === undefined || n === undefined) {
      throw new UsageError(
        `Refusing to destroy${given !== undefined ? ` '${given}'` : ""}: destroy only removes PR previews (names ending in -pr-<number>), and this run (event '${ctx.eventName || "none"}') is not about a pull request.`,
        "Run destroy on the pull_request `closed` event, or (CLI) pass --worker-name <name>-pr-<number>.",
      );
    }
    base = given;
    prNumber = n;
  }
  const names = resolvePreviewNames(base, prNumber, classNames, configName);
  if (pr === undefined || pr <= 0) {
    if (names.workerName !== given) {
      throw new UsageError(
        `Refusing to destroy '${given}': deploy never creates that name; PR #${prNumber}'s preview of it is '${names.workerName}'.`,
        `Pass --worker-name ${names.workerName} if that is the preview to remove.`,
      );
    }
  }
  if (!isPreviewNameOf(names.workerName, prNumber)) {
    throw new UsageError(
      `Refusing to destroy '${names.workerName}': it is not a preview name of PR #${prNumber}.`,
      "destroy never removes production; it only removes <name>-pr-<number> Workers.",
    );
  }
  return { workerName: names.workerName, prNumber, containerNames: names.containerNames };
}

/** The container applications that belong to the preview: by its names, its name prefix, or its DO namespaces. */
export function applicationsOf(
  target: DestroyTarget,
  apps: readonly ContainerApplication[],
  namespaceIds: readonly string[],
): ContainerApplication[] {
  const names = new Set(target.containerNames);
  const prefix = `${target.workerName}-`;
  const namespaces = new Set(namespaceIds);
  return apps.filter(
    (a) =>
      names.has(a.name) ||
      a.name.startsWith(prefix) ||
      (a.namespaceId !== undefined && namespaces.has(a.namespaceId)),
  );
}

export interface ImageListEntry {
  name: string;
  tags: string[];
}

/** `containers images list --json` → entries, tolerant of junk. */
export function parseImageList(stdout: string): ImageListEntry[] {
  const start = stdout.indexOf("[");
  if (start === -1) return [];
  try {
    const parsed: unknown = JSON.parse(stdout.slice(start));
    if (!Array.isArray(parsed)) return [];
    return parsed
      .map((e) => (typeof e === "object" && e !== null ? (e as Record<string, unknown>) : {}))
      .filter((e) => typeof e.name === "string")
      .map((e) => ({
        name: String(e.name),
        tags: Array.isArray(e.tags) ? e.tags.filter((t): t is string => typeof t === "string") : [],
      }));
  } catch {
    return [];
  }
}

/** `<repo>:<tag>` of every pushed image whose repository is one of the preview's applications. */
export function imagesOf(
  repositories: ReadonlySet<string>,
  prefix: string,
  list: readonly ImageListEntry[],
): string[] {
  const out: string[] = [];
  for (const entry of list) {
    const repo = entry.name.replace(/^.*\//, "");
    if (!repositories.has(repo) && !repo.startsWith(prefix)) continue;
    for (const tag of entry.tags) out.push(`${entry.name}:${tag}`);
  }
  return out;
}
