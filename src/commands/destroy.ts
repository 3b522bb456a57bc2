import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { repositoryName } from "../build/jobs.js";
import { effectiveWorkerName } from "../deploy/target.js";
import { cloudflareApi } from "../destroy/cloudflare-api.js";
import { applicationsOf, decideDestroyTarget, imagesOf, parseImageList } from "../destroy/select.js";
import { PhaseError, UsageError } from "../errors.js";
import type { Inputs } from "../inputs.js";
import type { ActionEnv } from "../main.js";
import { loadProject } from "../project/load.js";
import { startReporting } from "../report/deploy-reporting.js";
import type { RunContext } from "../run-context.js";
import { type Exec, nodeExec, tail } from "../shell/exec.js";
import {
  containersDeleteArgv,
  deleteWorkerArgv,
  imagesDeleteArgv,
  imagesListArgv,
} from "../wrangler/argv.js";
import { openWrangler, runFailed, type WranglerRun } from "../wrangler/runner.js";

export interface DestroyOutcome {
  workerName: string;
  workerDeleted: boolean;
  applicationsDeleted: string[];
  imagesDeleted: string[];
}

const failed = runFailed;

function why(run: WranglerRun): string {
  const f = run.output.failures[0];
  const base = f
    ? `${f.code !== undefined ? `${f.code}: ` : ""}${f.message}`
    : `exit ${run.result.exitCode}${run.result.timedOut ? " (timed out)" : ""}: ${tail(run.result.stderr || run.result.stdout, 8)}`;
  return run.exhausted ? `${base} (still failing after ${run.attempts} attempts)` : base;
}

/** command: destroy — remove a PR's preview Worker, its container applications and its pushed images. */
export async function destroyCommand(
  inputs: Inputs,
  ctx: RunContext,
  actionEnv: ActionEnv,
  exec: Exec = nodeExec,
): Promise<DestroyOutcome> {
  const { io, env } = actionEnv;
  const dir = resolve(ctx.workspace, inputs.workingDirectory);
  const project = loadProject(dir.replace(/\\/g, "/"), {
    ...(inputs.config !== undefined ? { config: inputs.config } : {}),
    ...(inputs.environment !== undefined ? { environment: inputs.environment } : {}),
  });
  const configName = project.config ? effectiveWorkerName(project.config) : undefined;
  const classes = project.containers.map((c) => c.className ?? `container-${c.index}`);
  const target = decideDestroyTarget(inputs, ctx, configName, classes);
  io.setOutput("worker-name", target.workerName);

  if (!inputs.apiToken) {
    if (ctx.eventName === "pull_request" && ctx.pullRequest?.fromFork) {
      io.info(
        `Nothing to remove: PR #${target.prNumber} comes from a fork, whose runs get no api-token and never deploy a preview.`,
      );
      return {
        workerName: target.workerName,
        workerDeleted: false,
        applicationsDeleted: [],
        imagesDeleted: [],
      };
    }
    throw new UsageError(
      "Input 'api-token' is empty; command 'destroy' needs a Cloudflare API token.",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
      "Pass `api-token: ${{ secrets.CLOUDFLARE_API_TOKEN }}`.",
    );
  }
  const live = `The preview ${target.workerName} may be partly removed; run destroy again to finish (it is idempotent).`;
  const api = cloudflareApi({
    env,
    log: (line) => io.info(line),
    apiToken: inputs.apiToken,
    ...(inputs.accountId !== undefined
      ? { accountId: inputs.accountId }
      : env.CLOUDFLARE_ACCOUNT_ID
        ? { accountId: env.CLOUDFLARE_ACCOUNT_ID }
        : {}),
  });
  // wrangler runs from an empty folder, so it reads no wrangler config: only --name says what to delete.
  const scratch = mkdtempSync(join(env.RUNNER_TEMP || tmpdir(), "cfcd-destroy-"));
  try {
    const wrangler = await openWrangler({
      workingDirectory: dir,
      version: inputs.wranglerVersion,
      env,
      exec,
      io,
      onGitHub: ctx.onGitHub,
      apiToken: inputs.apiToken,
      accountId: await api.accountId(),
    });

    // Look everything up before deleting: the Worker's DO namespaces vanish with it.
    let exists: boolean;
    let apps: Awaited<ReturnType<typeof api.applications>>;
    let namespaces: string[];
    try {
      exists = await api.workerExists(target.workerName);
      namespaces = exists ? await api.namespacesOf(target.workerName) : [];
      apps = applicationsOf(target, await api.applications(), namespaces);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new PhaseError(
        "destroy",
        `Could not list what belongs to ${target.workerName}: ${String((error as Error).message ?? error)}`,
        "Nothing was removed.",
        "Check the api-token's permissions (Workers Scripts and Containers read/edit) and account-id.",
      );
    }

    const outcome: DestroyOutcome = {
      workerName: target.workerName,
      workerDeleted: false,
      applicationsDeleted: [],
      imagesDeleted: [],
    };
    await io.group(`Removing the preview ${target.workerName}`, async () => {
      if (exists) {
        const run = await wrangler.run(deleteWorkerArgv(target.workerName), {
          cwd: scratch,
          stream: true,
          timeoutMs: 10 * 60_000,
        });
        if (failed(run))
          throw new PhaseError("destroy", `wrangler delete ${target.workerName} failed: ${why(run)}`, live);
        outcome.workerDeleted = true;
      }
      // wrangler delete leaves container applications running (and billing) in CI: delete each.
      for (const app of apps) {
        const run = await wrangler.run(containersDeleteArgv(app.id), {
          cwd: scratch,
          stream: true,
          timeoutMs: 10 * 60_000,
        });
        if (failed(run))
          throw new PhaseError(
            "destroy",
            `wrangler containers delete ${app.id} (${app.name}) failed: ${why(run)}`,
            live,
          );
        outcome.applicationsDeleted.push(app.name);
      }
      const repositories = new Set(
        [...target.containerNames, ...apps.map((a) => a.name)].map(repositoryName),
      );
      const list = await wrangler.run(imagesListArgv(), { cwd: scratch, timeoutMs: 5 * 60_000 });
      if (failed(list)) {
        io.warning(`Could not list pushed images (${why(list)}); the preview's images were not deleted.`);
        return;
      }
      for (const image of imagesOf(
        repositories,
        `${target.workerName}-`,
        parseImageList(list.result.stdout),
      )) {
        const run = await wrangler.run(imagesDeleteArgv(image), {
          cwd: scratch,
          stream: true,
          timeoutMs: 5 * 60_000,
        });
        if (failed(run)) io.warning(`Could not delete the image ${image}: ${why(run)}`);
        else outcome.imagesDeleted.push(image);
      }
    });

    const removed = [
      outcome.workerDeleted ? `Worker ${target.workerName}` : undefined,
      outcome.applicationsDeleted.length
        ? `container application(s) ${outcome.applicationsDeleted.join(", ")}`
        : undefined,
      outcome.imagesDeleted.length ? `image(s) ${outcome.imagesDeleted.join(", ")}` : undefined,
    ].filter((s): s is string => s !== undefined);
    const line = removed.length
      ? `Removed the preview of PR #${target.prNumber}: ${removed.join("; ")}.`
      : `Nothing to remove: the preview ${target.workerName} of PR #${target.prNumber} does not exist (already destroyed).`;
    io.info(line);
    await io.summary(`### Cloudflare Containers: preview removed\n\n${line}\n`);
    const reporting = startReporting({
      inputs,
      ctx,
      io,
      workerName: target.workerName,
      preview: true,
      prNumber: target.prNumber,
    });
    await reporting.publish({ status: "Removed" });
    await reporting.finish({ summary: false });
    return outcome;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await api.close();
  }
}
