import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { PhaseError, UsageError } from "../errors.js";
import type { Exec } from "../shell/exec.js";
import { tail } from "../shell/exec.js";
import type { Io } from "../shell/io.js";
import {
  buildxArgv,
  createBuilderArgv,
  exposedPortsArgv,
  imagePlatformArgv,
  inspectBuilderArgv,
  PLATFORM,
  parseBuilderDriver,
  parseExposedPorts,
} from "./argv.js";
import { type CacheMode, type CachePlan, planCache } from "./cache.js";
import { buildFailureError } from "./failure.js";

export const NOTHING_CHANGED = "Nothing changed: the previous deployment still serves.";

/** One image to build. */
export interface BuildJob {
  /** Index into the config's `containers`. */
  index: number;
  /** Local tag `<repository>:<sha>`. */
  tag: string;
  /** Repository part of the tag: the container application name. */
  repository: string;
  /** Absolute paths. */
  dockerfile: string;
  context: string;
  imageVars: Record<string, string>;
}

export interface BuiltImage extends BuildJob {
  exposedPorts: number[];
  cache: CachePlan["kind"];
}

export interface BuildOptions {
  exec: Exec;
  io: Io;
  env: NodeJS.ProcessEnv;
  sha: string;
  buildArgs: readonly { name: string; value: string }[];
  cache: CacheMode;
  onGitHub: boolean;
}

const GHA_BUILDER = "cf-containers-deploy";

function localCacheDir(env: NodeJS.ProcessEnv, repository: string): string {
  const root = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(root, "cf-containers-deploy", "buildx-cache", repository.replace(/[^a-z0-9._-]/g, "-"));
}

async function currentDriver(o: BuildOptions): Promise<string | undefined> {
  const r = await o.exec("docker", inspectBuilderArgv(), { env: o.env, timeoutMs: 60_000 });
  return r.exitCode === 0 ? parseBuilderDriver(r.stdout) : undefined;
}

async function ensureGhaBuilder(o: BuildOptions): Promise<void> {
  const existing = await o.exec("docker", inspectBuilderArgv(GHA_BUILDER), { env: o.env, timeoutMs: 60_000 });
  if (existing.exitCode === 0) return;
  const created = await o.exec("docker", createBuilderArgv(GHA_BUILDER), { env: o.env, timeoutMs: 120_000 });
  if (created.exitCode !== 0) {
    throw new PhaseError(
      "build",
      `Could not create the docker-container builder that cache=gha needs:\n${tail(created.stderr || created.stdout, 8)}`,
      NOTHING_CHANGED,
      "Use `cache: local` or `cache: none`, or set up buildx with docker/setup-buildx-action@v3 before this step.",
    );
  }
}

/** Build one image with buildx, streamed into a collapsed log group; check it is linux/amd64. */
export async function buildImage(job: BuildJob, o: BuildOptions): Promise<BuiltImage> {
  const driver = await currentDriver(o);
  const localDir = localCacheDir(o.env, job.repository);
  const plan = planCache(
    {
      mode: o.cache,
      onGitHub: o.onGitHub,
      actionsCacheEnv: Boolean(
        o.env.ACTIONS_RUNTIME_TOKEN && (o.env.ACTIONS_CACHE_URL || o.env.ACTIONS_RESULTS_URL),
      ),
      driver,
      localDir,
      scope: job.repository,
    },
    existsSync(localDir),
  );
  o.io.info(`Build cache: ${plan.reason}.`);
  if (plan.createBuilder) await ensureGhaBuilder(o);
  if (plan.kind === "local") mkdirSync(dirname(localDir), { recursive: true });
  const argv = buildxArgv({
    tag: job.tag,
    sha: o.sha,
    buildArgs: o.buildArgs,
    imageVars: job.imageVars,
    cacheFlags: plan.flags,
    ...(plan.createBuilder ? { builder: GHA_BUILDER } : {}),
    dockerfile: job.dockerfile,
    context: job.context,
  });
  const result = await o.io.group(`docker buildx build ${job.tag}`, async () => {
    let pending = "";
    const r = await o.exec("docker", argv, {
      env: o.env,
      timeoutMs: 60 * 60_000,
      onOutput: (chunk) => {
        pending += chunk;
        const lines = pending.split(/\r?\n/);
        pending = lines.pop() ?? "";
        for (const line of lines) o.io.info(line);
      },
    });
    if (pending !== "") o.io.info(pending);
    return r;
  });
  if (result.exitCode !== 0)
    throw buildFailureError(job.tag, result.exitCode, result.stderr || result.stdout);
  if (plan.kind === "local" && existsSync(`${localDir}-new`)) {
    rmSync(localDir, { recursive: true, force: true });
    renameSync(`${localDir}-new`, localDir);
  }
  const platform = await o.exec("docker", imagePlatformArgv(job.tag), { env: o.env, timeoutMs: 60_000 });
  const actual = platform.stdout.trim();
  if (platform.exitCode !== 0 || actual !== PLATFORM) {
    throw new UsageError(
      `The built image ${job.tag} is ${actual || "of an unknown platform"}, not ${PLATFORM}; Cloudflare Containers run linux/amd64 only.`,
      "Remove any other --platform from the Dockerfile's final FROM (use `FROM --platform=linux/amd64 …`), and make sure buildx can build amd64 here (docker/setup-qemu-action on arm runners).",
    );
  }
  const ports = await o.exec("docker", exposedPortsArgv(job.tag), { env: o.env, timeoutMs: 60_000 });
  return { ...job, exposedPorts: parseExposedPorts(ports.stdout), cache: plan.kind };
}
