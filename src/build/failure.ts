/**
 * What a failed `docker buildx build` means, from its exit status and output. Pure. Most failures
 * are the Dockerfile's (a RUN step failed); two are the machine's and need a different fix: a full
 * disk, and a Docker daemon that went away mid-build.
 */
import { LIVE_NOTHING } from "../deploy/failure.js";
import { PhaseError } from "../errors.js";
import { tail } from "../shell/exec.js";

export type BuildFailureKind = "disk-full" | "daemon-gone" | "build-step";

export interface BuildFailure {
  kind: BuildFailureKind;
  message: string;
  hint: string;
  /** 2 when the machine lacks what the build needs (a running daemon), else 1 (SPEC §3). */
  exitCode: 1 | 2;
}

const DISK_FULL = /no space left on device|disk quota exceeded|ENOSPC/i;
const DAEMON_GONE =
  /Cannot connect to the Docker daemon|error during connect|Is the docker daemon running|dial unix [^\s:]*docker\.sock|docker\.sock: connect: (?:no such file|connection refused)|failed to dial gRPC|buildkit.*(?:connection reset|closed network connection)|rpc error: code = Unavailable|failed to solve: Unavailable\b|error reading from server: EOF/i;

export function classifyBuildFailure(tag: string, exitCode: number, output: string): BuildFailure {
  const last = tail(output, 20);
  const disk = DISK_FULL.exec(output);
  if (disk) {
    return {
      kind: "disk-full",
      message: `docker buildx build of ${tag} failed because the disk is full ("${disk[0]}"):\n${last}`,
      hint: "Free disk space on the runner: `docker builder prune -af` and `docker image prune -af` remove build cache and unused images; on GitHub-hosted runners also remove preinstalled toolchains you do not need, or use a larger runner. With `cache: local` the layer cache lives under ~/.cache/cf-containers-deploy.",
      exitCode: 1,
    };
  }
  if (DAEMON_GONE.test(output)) {
    return {
      kind: "daemon-gone",
      message: `docker buildx build of ${tag} failed because the Docker daemon (or its BuildKit builder) stopped answering during the build:\n${last}`,
      hint: "Check that the Docker daemon is running and stays up (`docker info`; `sudo systemctl status docker`), that DOCKER_HOST points at it, and that the runner is not out of memory; then run the job again.",
      exitCode: 2,
    };
  }
  return {
    kind: "build-step",
    message: `docker buildx build of ${tag} failed (exit ${exitCode}):\n${last}`,
    hint: "Fix the Dockerfile step named above; the full build log is in the collapsed group.",
    exitCode: 1,
  };
}

/** The error a failed build throws: phase build, nothing changed remotely. */
export function buildFailureError(tag: string, exitCode: number, output: string): PhaseError {
  const f = classifyBuildFailure(tag, exitCode, output);
  return new PhaseError("build", f.message, LIVE_NOTHING, f.hint, f.exitCode === 2 ? 2 : undefined);
}
