import { describe, expect, it } from "vitest";
import {
  buildxArgv,
  createBuilderArgv,
  imageTag,
  parseBuilderDriver,
  parseExposedPorts,
} from "../../../src/build/argv.js";
import { planCache } from "../../../src/build/cache.js";
import { dockerProblem } from "../../../src/build/docker-check.js";
import type { ExecResult } from "../../../src/shell/exec.js";

const job = {
  tag: "app-backend:abc",
  sha: "abc",
  buildArgs: [{ name: "PIP_INDEX", value: "https://x" }],
  imageVars: { PY: "3.11" },
  dockerfile: "/p/Dockerfile",
  context: "/p",
};

describe("buildxArgv", () => {
  it("daemon cache: amd64, no provenance, --load, tag, DEPLOY_SHA first, image_vars then build-args", () => {
    expect(buildxArgv({ ...job, cacheFlags: [] })).toEqual([
      "buildx",
      "build",
      "--platform",
      "linux/amd64",
      "--provenance=false",
      "--load",
      "-t",
      "app-backend:abc",
      "--build-arg",
      "DEPLOY_SHA=abc",
      "--build-arg",
      "PY=3.11",
      "--build-arg",
      "PIP_INDEX=https://x",
      "-f",
      "/p/Dockerfile",
      "/p",
    ]);
  });

  const facts = {
    onGitHub: false,
    actionsCacheEnv: false,
    driver: "docker",
    localDir: "/c/app",
    scope: "app-backend",
  };
  it.each([
    [
      "gha on GitHub (docker driver → own builder)",
      { ...facts, mode: "gha" as const, onGitHub: true, actionsCacheEnv: true },
      true,
      ["--cache-from", "type=gha,scope=app-backend", "--cache-to", "type=gha,mode=max,scope=app-backend"],
    ],
    [
      "local on a docker-container builder",
      { ...facts, mode: "local" as const, driver: "docker-container" },
      false,
      ["--cache-from", "type=local,src=/c/app", "--cache-to", "type=local,dest=/c/app-new,mode=max"],
    ],
    ["none", { ...facts, mode: "none" as const }, false, ["--no-cache"]],
    ["local on the docker driver (daemon cache)", { ...facts, mode: "local" as const }, false, []],
  ])("%s", (_label, f, builder, flags) => {
    const plan = planCache(f, true);
    const argv = buildxArgv({
      ...job,
      cacheFlags: plan.flags,
      ...(plan.createBuilder ? { builder: "cf-containers-deploy" } : {}),
    });
    expect(plan.createBuilder).toBe(builder);
    if (builder) expect(argv.slice(0, 4)).toEqual(["buildx", "build", "--builder", "cf-containers-deploy"]);
    expect(argv.slice(-3 - flags.length, -3)).toEqual(flags);
    expect(argv).toContain("--load");
  });
});

describe("planCache", () => {
  const base = { onGitHub: false, actionsCacheEnv: false, driver: "docker", localDir: "/c/app", scope: "s" };
  it.each([
    ["auto", { onGitHub: true, actionsCacheEnv: true }, "gha", /picked gha/],
    [
      "auto",
      { driver: "docker-container" },
      "local",
      /picked local \(\/c\/app\): not running on a GitHub runner, and the 'docker-container' builder can export cache/,
    ],
    [
      "auto",
      {},
      "daemon",
      /not running on a GitHub runner, and the current builder uses the 'docker' driver, which cannot export cache; using the daemon's layer cache/,
    ],
    ["auto", { onGitHub: true }, "daemon", /ACTIONS_CACHE_URL\/ACTIONS_RUNTIME_TOKEN are not set/],
    [
      "gha",
      {},
      "daemon",
      /cache=gha cannot work here \(not running on a GitHub runner\); using the daemon's layer cache/,
    ],
    [
      "gha",
      { onGitHub: true, actionsCacheEnv: true, driver: "docker-container" },
      "gha",
      /^cache=gha: GitHub Actions cache$/,
    ],
    ["local", {}, "daemon", /^cache=local needs a docker-container builder; using the daemon's layer cache$/],
    ["local", { driver: undefined }, "daemon", /needs a docker-container builder/],
    ["local", { driver: "remote" }, "local", /cache=local: \/c\/app/],
    ["none", {}, "none", /without any cache/],
  ] as const)("mode %s with %j → %s", (mode, extra, kind, reason) => {
    const plan = planCache({ ...base, ...extra, mode }, false);
    expect(plan.kind).toBe(kind);
    expect(plan.reason).toMatch(reason);
  });

  it("local without an existing cache dir only exports", () => {
    expect(planCache({ ...base, mode: "local", driver: "docker-container" }, false).flags).toEqual([
      "--cache-to",
      "type=local,dest=/c/app-new,mode=max",
    ]);
  });
});

describe("small parsers", () => {
  it.each([
    [
      "app-pr-1-backend",
      "0123456789abcdef0123456789abcdef01234567",
      "app-pr-1-backend:0123456789abcdef0123456789abcdef01234567",
    ],
    ["app", "", "app:local"],
    ["app", "a/b:c", "app:abc"],
  ])("imageTag(%j, %j) = %j", (repo, sha, expected) => {
    expect(imageTag(repo, sha)).toBe(expected);
  });

  it("reads the builder driver from docker buildx inspect", () => {
    expect(parseBuilderDriver("Name:          default\nDriver:        docker\n\nNodes:\n")).toBe("docker");
    expect(parseBuilderDriver("Name: b\nDriver: docker-container\n")).toBe("docker-container");
    expect(parseBuilderDriver("")).toBeUndefined();
  });

  it.each([
    ['{"8000/tcp":{}}', [8000]],
    ['{"8000/tcp":{},"9000/udp":{},"53":{}}', [53, 8000]],
    ["null", []],
    ["", []],
    ["garbage", []],
  ])("parseExposedPorts(%j) = %j", (json, ports) => {
    expect(parseExposedPorts(json)).toEqual(ports);
  });

  it("creates a docker-container builder", () => {
    expect(createBuilderArgv("b")).toEqual([
      "buildx",
      "create",
      "--name",
      "b",
      "--driver",
      "docker-container",
    ]);
  });
});

describe("dockerProblem", () => {
  const ok: ExecResult = { exitCode: 0, stdout: "", stderr: "", timedOut: false, notFound: false };
  const bad = (stderr: string): ExecResult => ({ ...ok, exitCode: 1, stderr });
  it.each([
    [
      "missing docker",
      { ...ok, exitCode: 127, notFound: true },
      undefined,
      undefined,
      /docker was not found/,
      /Install Docker/,
    ],
    [
      "daemon down",
      ok,
      bad("Cannot connect to the Docker daemon"),
      undefined,
      /daemon is not reachable[\s\S]*Cannot connect/,
      /Start the Docker daemon/,
    ],
    [
      "no buildx",
      ok,
      ok,
      bad("'buildx' is not a docker command"),
      /buildx is not available/,
      /docker\/setup-buildx-action/,
    ],
  ])("%s → exit 2 with the fix", (_label, version, info, buildx, message, hint) => {
    const e = dockerProblem(version, info, buildx);
    expect(e?.exitCode).toBe(2);
    expect(e?.message).toMatch(message);
    expect(e?.hint).toMatch(hint);
  });

  it("all good → no problem", () => {
    expect(dockerProblem(ok, ok, ok)).toBeUndefined();
  });
});
