import { describe, expect, it } from "vitest";
import { buildFailureError, classifyBuildFailure } from "../../../src/build/failure.js";
import { PhaseError } from "../../../src/errors.js";

// Output shapes as buildx prints them (BuildKit progress on stderr).
const DISK_FULL = `#7 [3/4] RUN pip install -r requirements.txt
#7 12.31 Collecting numpy
#7 ERROR: failed to copy: write /var/lib/docker/buildkit/content/ingest/abc/data: no space left on device
------
 > [3/4] RUN pip install -r requirements.txt:
------
ERROR: failed to solve: failed to copy: write /var/lib/docker/buildkit/content/ingest/abc/data: no space left on device`;

const DISK_FULL_EXPORT = `#9 exporting to image
#9 ERROR: write /var/lib/docker/overlay2/x/diff/usr/lib/libfoo.so: no space left on device
ERROR: failed to solve: ENOSPC: no space left on device, write`;

const DAEMON_GONE = `#5 [2/3] RUN sleep 30
ERROR: failed to solve: Canceled: context canceled
error during connect: Post "http://%2Fvar%2Frun%2Fdocker.sock/v1.47/build": EOF`;

const DAEMON_GONE_2 = `ERROR: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?`;

// What buildx printed when the daemon's socket went away while it loaded the build context.
const DAEMON_GONE_3 = `#3 [internal] load build context
ERROR: failed to solve: Unavailable: error reading from server: EOF`;

const STEP_FAILED = `#6 [2/3] RUN false
#6 ERROR: process "/bin/sh -c false" did not complete successfully: exit code: 1
ERROR: failed to solve: process "/bin/sh -c false" did not complete successfully: exit code: 1`;

describe("classifyBuildFailure", () => {
  it.each([
    [
      "no space left on device during a RUN",
      DISK_FULL,
      "disk-full",
      1,
      /disk is full \("no space left on device"\)/,
    ],
    ["no space left on device while exporting", DISK_FULL_EXPORT, "disk-full", 1, /disk is full/],
    [
      "daemon gone mid-build (error during connect)",
      DAEMON_GONE,
      "daemon-gone",
      2,
      /Docker daemon .* stopped answering/,
    ],
    ["daemon gone (cannot connect)", DAEMON_GONE_2, "daemon-gone", 2, /stopped answering/],
    ["daemon gone (gRPC stream cut)", DAEMON_GONE_3, "daemon-gone", 2, /stopped answering/],
    ["a Dockerfile step failed", STEP_FAILED, "build-step", 1, /failed \(exit 1\)/],
  ])("%s", (_label, output, kind, exitCode, message) => {
    const f = classifyBuildFailure("app:abc", 1, output);
    expect(f.kind).toBe(kind);
    expect(f.exitCode).toBe(exitCode);
    expect(f.message).toMatch(message);
    expect(f.message).toContain("app:abc");
    // the command's own words are kept (the last lines)
    expect(f.message).toContain(output.split("\n").at(-1));
  });

  it("the disk-full hint says how to free space; the daemon hint how to start docker", () => {
    expect(classifyBuildFailure("t", 1, DISK_FULL).hint).toMatch(/docker builder prune/);
    expect(classifyBuildFailure("t", 1, DAEMON_GONE).hint).toMatch(/Docker daemon is running/);
    expect(classifyBuildFailure("t", 1, STEP_FAILED).hint).toMatch(/Fix the Dockerfile step/);
  });

  it("keeps only the tail of a long log", () => {
    const long = `${Array.from({ length: 500 }, (_, i) => `#5 line ${i}`).join("\n")}\n${DISK_FULL}`;
    const f = classifyBuildFailure("t", 1, long);
    expect(f.kind).toBe("disk-full");
    expect(f.message).not.toContain("#5 line 1\n");
    expect(f.message.split("\n").length).toBeLessThanOrEqual(22);
  });
});

describe("buildFailureError", () => {
  it("is a build PhaseError: exit 2 when the daemon went away, 1 otherwise; nothing changed remotely", () => {
    const gone = buildFailureError("t", 1, DAEMON_GONE);
    expect(gone).toBeInstanceOf(PhaseError);
    expect(gone.phase).toBe("build");
    expect(gone.exitCode).toBe(2);
    expect(gone.live).toMatch(/Nothing changed/);
    const disk = buildFailureError("t", 1, DISK_FULL);
    expect(disk.exitCode).toBe(1);
    expect(disk.hint).toMatch(/prune/);
  });
});
