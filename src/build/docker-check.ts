import { UsageError } from "../errors.js";
import type { Exec, ExecResult } from "../shell/exec.js";
import { tail } from "../shell/exec.js";

/** The messages for a docker that cannot build. Pure. */
export function dockerProblem(
  version: ExecResult,
  info: ExecResult | undefined,
  buildx: ExecResult | undefined,
): UsageError | undefined {
  if (version.notFound) {
    return new UsageError(
      "docker was not found on PATH, so the image cannot be built.",
      "Install Docker (GitHub-hosted Ubuntu runners have it; on self-hosted runners install Docker Engine), or set `build: false` only if wrangler can build elsewhere.",
    );
  }
  if (info && info.exitCode !== 0) {
    return new UsageError(
      `The Docker daemon is not reachable (\`docker info\` failed):\n${tail(info.stderr || info.stdout, 5)}`,
      "Start the Docker daemon (e.g. `sudo systemctl start docker`), or point DOCKER_HOST at a running one.",
    );
  }
  if (buildx && buildx.exitCode !== 0) {
    return new UsageError(
      `docker buildx is not available (\`docker buildx version\` failed):\n${tail(buildx.stderr || buildx.stdout, 5)}`,
      "Add `- uses: docker/setup-buildx-action@v3` before this step, or install the docker-buildx plugin.",
    );
  }
  return undefined;
}

/** Throws UsageError (exit 2) with the fix when docker, its daemon or buildx is missing. */
export async function checkDocker(exec: Exec, env: NodeJS.ProcessEnv): Promise<void> {
  const version = await exec("docker", ["version", "--format", "{{.Client.Version}}"], {
    env,
    timeoutMs: 30_000,
  });
  let problem = dockerProblem(version, undefined, undefined);
  if (problem) throw problem;
  const info = await exec("docker", ["info", "--format", "{{.ServerVersion}}"], { env, timeoutMs: 60_000 });
  problem = dockerProblem(version, info, undefined);
  if (problem) throw problem;
  const buildx = await exec("docker", ["buildx", "version"], { env, timeoutMs: 30_000 });
  problem = dockerProblem(version, info, buildx);
  if (problem) throw problem;
}
