import { resolve } from "node:path";
import { type BuiltImage, buildImage } from "../build/build.js";
import type { CacheMode } from "../build/cache.js";
import { checkDocker } from "../build/docker-check.js";
import { planBuildJobs } from "../build/jobs.js";
import { LIVE_NOTHING } from "../deploy/failure.js";
import { type DeployOutcome, PhaseClock } from "../deploy/outcome.js";
import { pushImage } from "../deploy/push.js";
import { type DeployTarget, decideForkPolicy, decideTarget } from "../deploy/target.js";
import { wranglerDeploy } from "../deploy/wrangler-deploy.js";
import { ProjectError } from "../errors.js";
import { type Inputs, type NamedValue, parseInputs } from "../inputs.js";
import type { ActionEnv } from "../main.js";
import { validateStep } from "../main.js";
import { loadProject, type Project } from "../project/load.js";
import { classConfig } from "../rules/support/class-config.js";
import type { RunContext } from "../run-context.js";
import { type Exec, nodeExec } from "../shell/exec.js";
import type { Io } from "../shell/io.js";
import { containerPortOf } from "../smoke/plan.js";
import { smokeTest } from "../smoke/smoke.js";
import { rolloutFor } from "../wrangler/argv.js";
import { resolveWrangler } from "../wrangler/resolve.js";
import { wranglerRunner } from "../wrangler/runner.js";

export type { DeployOutcome, PhaseTiming } from "../deploy/outcome.js";

function loadFor(dir: string, inputs: Pick<Inputs, "config" | "environment">): Project {
  const project = loadProject(dir.replace(/\\/g, "/"), {
    ...(inputs.config !== undefined ? { config: inputs.config } : {}),
    ...(inputs.environment !== undefined ? { environment: inputs.environment } : {}),
  });
  if (!project.config) {
    throw new ProjectError(`No Wrangler config could be read in ${dir}.`, "Run `validate` for the details.");
  }
  return project;
}

export interface BuildAndSmokeOptions {
  project: Project;
  containerNames: ReadonlyMap<number, string>;
  sha: string;
  buildArgs: readonly NamedValue[];
  cache: CacheMode;
  smoke: boolean;
  smokeNetwork: "bridge" | "host";
  healthPath: string;
  healthExpectStatus: number;
  /** vars and secrets for the smoke container. */
  environment: readonly NamedValue[];
  onGitHub: boolean;
  exec: Exec;
  io: Io;
  env: NodeJS.ProcessEnv;
  clock: PhaseClock;
}

/** build (+ smoke) every Dockerfile container of the project; nothing leaves this machine. */
export async function buildAndSmoke(o: BuildAndSmokeOptions): Promise<BuiltImage[]> {
  const planned = planBuildJobs(o.project, o.containerNames, o.sha);
  if (planned.jobs.length === 0) {
    o.io.info("No container builds a Dockerfile here; nothing to build.");
    return [];
  }
  const built = await o.clock.time("build", async () => {
    await checkDocker(o.exec, o.env);
    const out: BuiltImage[] = [];
    for (const job of planned.jobs) {
      out.push(
        await buildImage(job, {
          exec: o.exec,
          io: o.io,
          env: o.env,
          sha: o.sha,
          buildArgs: o.buildArgs,
          cache: o.cache,
          onGitHub: o.onGitHub,
        }),
      );
    }
    return out;
  });
  if (!o.smoke) {
    o.io.info("smoke-test is false: the images are not run before pushing.");
    return built;
  }
  await o.clock.time("smoke", async () => {
    for (const image of built) {
      const spec = o.project.containers[image.index];
      const port = containerPortOf(classConfig(o.project, spec?.className)?.defaultPort, image.exposedPorts);
      o.io.info(`Smoke test port ${port.port} (from ${port.from}).`);
      await smokeTest({
        exec: o.exec,
        io: o.io,
        env: o.env,
        image: image.tag,
        containerPort: port.port,
        network: o.smokeNetwork,
        healthPath: o.healthPath,
        expectStatus: o.healthExpectStatus,
        environment: o.environment,
        live: LIVE_NOTHING,
      });
    }
  });
  return built;
}

/** `preflight [dir]`: validate + build + smoke test; nothing is pushed or deployed. */
export interface PreflightOptions {
  config?: string;
  environment?: string;
  sha?: string;
  buildArgs?: NamedValue[];
  vars?: NamedValue[];
  cache?: CacheMode;
  smokeTest?: boolean;
  smokeTestNetwork?: "bridge" | "host";
  healthPath?: string;
  healthExpectStatus?: number;
}

export async function preflight(
  dir: string,
  options: PreflightOptions,
  actionEnv: ActionEnv,
  exec: Exec = nodeExec,
): Promise<{ images: BuiltImage[]; phases: DeployOutcome["phases"] }> {
  const { io, env, cwd } = actionEnv;
  const abs = resolve(cwd, dir);
  const clock = new PhaseClock();
  const defaults = parseInputs({ read: () => undefined, env: {}, mask: () => {} });
  const inputs: Inputs = {
    ...defaults,
    workingDirectory: abs,
    ...(options.config !== undefined ? { config: options.config } : {}),
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
  };
  const ctx: RunContext = {
    eventName: env.GITHUB_EVENT_NAME ?? "",
    sha: options.sha ?? "local",
    apiUrl: env.GITHUB_API_URL ?? "https://api.github.com",
    workspace: cwd,
    onGitHub: env.GITHUB_ACTIONS === "true",
  };
  await clock.time("validate", () => validateStep(inputs, ctx, io));
  const project = loadFor(abs, options);
  const images = await buildAndSmoke({
    project,
    containerNames: new Map(),
    sha: ctx.sha,
    buildArgs: options.buildArgs ?? [],
    cache: options.cache ?? "auto",
    smoke: options.smokeTest ?? true,
    smokeNetwork: options.smokeTestNetwork ?? "bridge",
    healthPath: options.healthPath ?? "/api/health",
    healthExpectStatus: options.healthExpectStatus ?? 200,
    environment: options.vars ?? [],
    onGitHub: env.GITHUB_ACTIONS === "true",
    exec,
    io,
    env,
    clock,
  });
  io.info(
    `Preflight passed: ${images.map((i) => i.tag).join(", ") || "no images"} built${options.smokeTest === false ? "" : " and smoke-tested"}; nothing was pushed.`,
  );
  return { images, phases: clock.phases };
}

function setTargetOutputs(io: Io, target: DeployTarget): void {
  io.setOutput("worker-name", target.workerName);
  io.setOutput("preview", String(target.preview));
}

/** command: deploy — validate → build → smoke → push → deploy → (verify, report: wired by main). */
export async function deployCommand(
  inputs: Inputs,
  ctx: RunContext,
  actionEnv: ActionEnv,
  exec: Exec = nodeExec,
): Promise<DeployOutcome> {
  const { io, env } = actionEnv;
  const clock = new PhaseClock();
  // Credentials and fork policy first: a missing api-token fails before anything is built.
  const fork = decideForkPolicy(inputs, ctx);
  await clock.time("validate", () => validateStep(inputs, ctx, io));
  const dir = resolve(ctx.workspace, inputs.workingDirectory);
  const project = loadFor(dir, inputs);
  const config = project.config;
  if (!config) throw new ProjectError("No Wrangler config.");
  const target = decideTarget(inputs, ctx, config, project.containers);
  setTargetOutputs(io, target);
  io.info(
    target.preview
      ? `Deploying the preview Worker ${target.workerName} for PR #${target.prNumber} (production is not touched).`
      : `Deploying the production Worker ${target.workerName}.`,
  );

  let built: BuiltImage[] = [];
  if (inputs.build) {
    built = await buildAndSmoke({
      project,
      containerNames: target.containerNames,
      sha: ctx.sha,
      buildArgs: inputs.buildArgs,
      cache: inputs.cache,
      smoke: inputs.smokeTest,
      smokeNetwork: inputs.smokeTestNetwork,
      healthPath: inputs.healthPath,
      healthExpectStatus: inputs.healthExpectStatus,
      environment: [...inputs.vars, ...inputs.secrets],
      onGitHub: ctx.onGitHub,
      exec,
      io,
      env,
      clock,
    });
  } else {
    io.info(
      "build is false: wrangler builds the Dockerfile itself during deploy (no build cache, no smoke test).",
    );
  }

  if (fork.action === "build-only") {
    const message = `Not deployed: ${fork.reason}. Validation${inputs.build ? ", build" : ""}${inputs.build && inputs.smokeTest ? " and smoke test" : ""} passed. Previews deploy for PRs whose branch lives in this repository.`;
    io.warning(message);
    await io.summary(`### Cloudflare Containers: not deployed\n\n${message}\n`);
    return {
      workerName: target.workerName,
      images: [],
      preview: target.preview,
      deployed: false,
      phases: clock.phases,
      ...(target.prNumber !== undefined ? { prNumber: target.prNumber } : {}),
    };
  }

  const wrangler = wranglerRunner({
    wrangler: await resolveWrangler({
      workingDirectory: dir,
      version: inputs.wranglerVersion,
      env,
      exec,
      io,
      onGitHub: ctx.onGitHub,
    }),
    exec,
    io,
    env,
    ...(inputs.apiToken !== undefined ? { apiToken: inputs.apiToken } : {}),
    ...(inputs.accountId !== undefined ? { accountId: inputs.accountId } : {}),
  });

  const images = new Map<number, string>();
  if (built.length > 0) {
    await clock.time("push", async () => {
      for (const image of built) images.set(image.index, await pushImage(wrangler, image.tag, dir, io));
    });
  }

  const result = await clock.time("deploy", () =>
    wranglerDeploy(
      wrangler,
      {
        project,
        workerName: target.workerName,
        setName: target.preview || inputs.workerName !== undefined,
        containerNames: target.containerNames,
        images,
        secrets: inputs.secrets,
        vars: inputs.vars,
        ...(rolloutFor(inputs.containersRollout, target.preview) !== undefined
          ? { rollout: rolloutFor(inputs.containersRollout, target.preview) }
          : {}),
        env,
      },
      io,
    ),
  );

  const outcome: DeployOutcome = {
    workerName: target.workerName,
    ...(result.url !== undefined ? { url: result.url } : {}),
    ...(result.versionId !== undefined ? { versionId: result.versionId } : {}),
    images: [...images.values()],
    preview: target.preview,
    ...(target.prNumber !== undefined ? { prNumber: target.prNumber } : {}),
    deployed: true,
    phases: clock.phases,
  };
  io.setOutput("url", outcome.url ?? "");
  io.setOutput("version-id", outcome.versionId ?? "");
  io.setOutput("image", outcome.images[0] ?? "");
  io.info(
    `Deployed ${outcome.workerName}${outcome.url ? ` at ${outcome.url}` : ""} (version ${outcome.versionId ?? "unknown"}).`,
  );

  // ── VERIFY SEAM ────────────────────────────────────────────────────────────────────────────
  // The health poller (src/verify/) runs here: clock.time("verify", () => verify(outcome.url …)),
  // then the report (src/report/) renders `outcome` (phases included). Wired by the lead.
  // ───────────────────────────────────────────────────────────────────────────────────────────

  return outcome;
}
