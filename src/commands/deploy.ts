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
import { errorMessage, PhaseError, ProjectError } from "../errors.js";
import { type Inputs, type NamedValue, parseInputs } from "../inputs.js";
import type { ActionEnv } from "../main.js";
import { validateStep } from "../main.js";
import { loadProject, type Project } from "../project/load.js";
import { startReporting } from "../report/deploy-reporting.js";
import { classConfig } from "../rules/support/class-config.js";
import type { RunContext } from "../run-context.js";
import { type Exec, nodeExec } from "../shell/exec.js";
import type { Io } from "../shell/io.js";
import { containerPortOf } from "../smoke/plan.js";
import { smokeTest } from "../smoke/smoke.js";
import type { HealthResult } from "../verify/poll.js";
import { renderHealthText } from "../verify/render.js";
import { resolveHealthUrl } from "../verify/target.js";
import { verifyHealth } from "../verify/verify.js";
import { rolloutFor } from "../wrangler/argv.js";
import { openWrangler } from "../wrangler/runner.js";

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

/** command: deploy — validate → build → smoke → push → deploy → verify, reported at each phase. */
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

  // A fork's read-only run never reports: it cannot comment and deploys nothing.
  const reporting =
    fork.action === "build-only"
      ? undefined
      : startReporting({
          inputs,
          ctx,
          io,
          workerName: target.workerName,
          preview: target.preview,
          ...(target.prNumber !== undefined ? { prNumber: target.prNumber } : {}),
        });
  await reporting?.publish({ status: "Deploying", phases: clock.phases });
  try {
    return await buildDeployVerify();
  } catch (error) {
    if (reporting && reporting.report.status !== "Unhealthy") {
      await reporting.publish({
        status: "Failed",
        phases: clock.phases,
        failure: failureFacts(error, clock),
      });
    }
    throw error;
  } finally {
    await reporting?.finish();
  }

  async function buildDeployVerify(): Promise<DeployOutcome> {
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

    const wrangler = await openWrangler({
      workingDirectory: dir,
      version: inputs.wranglerVersion,
      env,
      exec,
      io,
      onGitHub: ctx.onGitHub,
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

    await reporting?.publish({
      phases: clock.phases,
      ...(outcome.url !== undefined ? { url: outcome.url } : {}),
      ...(outcome.versionId !== undefined ? { versionId: outcome.versionId } : {}),
      ...(outcome.images[0] !== undefined ? { image: outcome.images[0] } : {}),
    });
    const health = await verifyDeploy(outcome);
    await reporting?.publish({
      status: health.healthy ? "Healthy" : "Unhealthy",
      phases: clock.phases,
      health,
      healthUrl: health.url,
    });
    if (!health.healthy) {
      throw new PhaseError(
        "verify",
        `${outcome.workerName} did not answer healthy: ${renderHealthText(health)}`,
        `Version ${outcome.versionId ?? "(unknown)"} of ${outcome.workerName} is deployed${outcome.url ? ` at ${outcome.url}` : ""}, but its new image never answered ${health.url} as expected${outcome.preview ? "" : "; old container instances may still be serving"}.`,
        health.hint ?? undefined,
      );
    }
    io.info(
      `${outcome.workerName} is healthy after ${health.timeToHealthyMs} ms (${health.attempts} attempt(s)).`,
    );
    return outcome;
  }

  /** verify: poll the new version until it answers healthy or health-timeout passes. */
  async function verifyDeploy(outcome: DeployOutcome): Promise<HealthResult> {
    const url = resolveHealthUrl({
      ...(inputs.healthUrl !== undefined ? { healthUrl: inputs.healthUrl } : {}),
      ...(outcome.url !== undefined ? { deployUrl: outcome.url } : {}),
      healthPath: inputs.healthPath,
    });
    if (!url) {
      throw new PhaseError(
        "verify",
        "wrangler reported no workers.dev URL, so there is nothing to poll.",
        `Version ${outcome.versionId ?? "(unknown)"} of ${outcome.workerName} is deployed.`,
        "Set `health-url` to the route or custom domain that serves this Worker.",
      );
    }
    io.setOutput("health-url", url);
    const result = await clock.time("verify", () =>
      io.group(`verify: ${url}`, () =>
        verifyHealth(
          {
            url,
            timeoutMs: inputs.healthTimeoutSeconds * 1000,
            expectStatus: inputs.healthExpectStatus,
            ...(inputs.healthExpectBody !== undefined ? { expectBody: inputs.healthExpectBody } : {}),
            sha: ctx.sha,
          },
          { log: (line) => io.info(line), env },
        ),
      ),
    );
    const phase = clock.phases[clock.phases.length - 1];
    if (phase && !result.healthy) phase.ok = false;
    io.setOutput("healthy", String(result.healthy));
    io.setOutput("time-to-healthy-ms", result.timeToHealthyMs === null ? "" : String(result.timeToHealthyMs));
    return result;
  }
}

/** The phase that failed and what is live, for the report; PhaseError knows both. */
function failureFacts(error: unknown, clock: PhaseClock): { phase: string; message: string; live: string } {
  if (error instanceof PhaseError) return { phase: error.phase, message: error.message, live: error.live };
  const failed = [...clock.phases].reverse().find((p) => !p.ok);
  return {
    phase: failed?.name ?? "deploy",
    message: errorMessage(error),
    live:
      failed && ["validate", "build", "smoke", "push"].includes(failed.name)
        ? LIVE_NOTHING
        : "Unknown: check the log.",
  };
}
