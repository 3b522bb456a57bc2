/** `docker buildx build` and friends, as argv arrays. Pure. */

export interface BuildArgs {
  tag: string;
  sha: string;
  /** `build-args` input, then the container's `image_vars` (later ones win in docker). */
  buildArgs: readonly { name: string; value: string }[];
  imageVars: Readonly<Record<string, string>>;
  cacheFlags: readonly string[];
  builder?: string;
  dockerfile: string;
  context: string;
}

export const PLATFORM = "linux/amd64";

export function buildxArgv(a: BuildArgs): string[] {
  const argv = ["buildx", "build"];
  if (a.builder !== undefined) argv.push("--builder", a.builder);
  argv.push("--platform", PLATFORM, "--provenance=false", "--load", "-t", a.tag);
  argv.push("--build-arg", `DEPLOY_SHA=${a.sha}`);
  for (const [name, value] of Object.entries(a.imageVars)) argv.push("--build-arg", `${name}=${value}`);
  for (const b of a.buildArgs) argv.push("--build-arg", `${b.name}=${b.value}`);
  argv.push(...a.cacheFlags, "-f", a.dockerfile, a.context);
  return argv;
}

/** Tag of the image built for a container: `<repository>:<tag from the commit>`. */
export function imageTag(repository: string, sha: string): string {
  const t = sha.replace(/[^A-Za-z0-9_.-]/g, "").slice(0, 40);
  return `${repository}:${t === "" ? "local" : t}`;
}

export function createBuilderArgv(name: string): string[] {
  return ["buildx", "create", "--name", name, "--driver", "docker-container"];
}

export function inspectBuilderArgv(builder?: string): string[] {
  return builder === undefined ? ["buildx", "inspect"] : ["buildx", "inspect", builder];
}

/** `Driver: docker-container` from `docker buildx inspect`. */
export function parseBuilderDriver(inspectOutput: string): string | undefined {
  return /^Driver:\s*(\S+)/m.exec(inspectOutput)?.[1];
}

export function imagePlatformArgv(tag: string): string[] {
  return ["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", tag];
}

export function exposedPortsArgv(tag: string): string[] {
  return ["image", "inspect", "--format", "{{json .Config.ExposedPorts}}", tag];
}

/** `{"8000/tcp":{}}` → [8000]; TCP ports only, ascending (docker keeps no EXPOSE order). */
export function parseExposedPorts(json: string): number[] {
  try {
    const parsed: unknown = JSON.parse(json.trim() || "null");
    if (typeof parsed !== "object" || parsed === null) return [];
    return Object.keys(parsed)
      .map((k) => /^(\d+)(\/tcp)?$/.exec(k)?.[1])
      .filter((p): p is string => p !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
}
