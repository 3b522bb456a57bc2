import { join } from "node:path";
import type { Project } from "../project/load.js";
import { isRecord } from "../project/wrangler-config.js";
import { imageTag } from "./argv.js";
import type { BuildJob } from "./build.js";

/**
 * The container application name wrangler derives for an entry without `name`
 * (`<top-level name>-<class_name>[-<env>]`, lowercased, spaces to dashes — workers-utils validation).
 */
export function wranglerDefaultContainerName(
  topLevelName: string,
  className: string,
  environment: string | undefined,
): string {
  const name = `${topLevelName}-${className}${environment !== undefined ? `-${environment}` : ""}`;
  return name.toLowerCase().replace(/ /g, "-");
}

/** A docker repository name: lowercase, [a-z0-9._-] only. */
export function repositoryName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, "-")
      .replace(/^[^a-z0-9]+/, "")
      .slice(0, 128) || "image"
  );
}

export interface PlannedImages {
  jobs: BuildJob[];
  /** Entries whose `image` is already a registry reference: nothing to build or push. */
  registry: { index: number; image: string }[];
}

/** One build job per `containers` entry that builds a Dockerfile. Pure given the loaded project. */
export function planBuildJobs(
  project: Project,
  containerNames: ReadonlyMap<number, string>,
  sha: string,
): PlannedImages {
  const config = project.config;
  const out: PlannedImages = { jobs: [], registry: [] };
  const entries = config?.get("containers");
  const top = typeof config?.raw.name === "string" ? config.raw.name : "worker";
  for (const spec of project.containers) {
    if (spec.imageKind === "registry" && spec.image !== undefined) {
      out.registry.push({ index: spec.index, image: spec.image });
      continue;
    }
    if (spec.imageKind !== "dockerfile" || spec.dockerfile === undefined) continue;
    const entry = Array.isArray(entries) && isRecord(entries[spec.index]) ? entries[spec.index] : {};
    const explicit = isRecord(entry) && typeof entry.name === "string" ? entry.name : undefined;
    const name =
      containerNames.get(spec.index) ??
      explicit ??
      wranglerDefaultContainerName(top, spec.className ?? `container${spec.index}`, config?.environment);
    const repository = repositoryName(name);
    out.jobs.push({
      index: spec.index,
      repository,
      tag: imageTag(repository, sha),
      dockerfile: join(project.dir, spec.dockerfile),
      context: join(project.dir, spec.context ?? ""),
      imageVars: spec.imageVars,
    });
  }
  return out;
}
