import { rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { PhaseError } from "../errors.js";
import type { Project } from "../project/load.js";
import { tail } from "../shell/exec.js";
import { removePathOnInterrupt } from "../shell/interrupt.js";
import type { Io } from "../shell/io.js";
import { deployArgv } from "../wrangler/argv.js";
import { workerUploaded } from "../wrangler/output-file.js";
import type { WranglerRunner } from "../wrangler/runner.js";
import { deployFailureMessage, liveAfterDeployFailure } from "./failure.js";
import { buildGeneratedConfig, generatedConfigName } from "./generated-config.js";
import { secretFiles, secretsJson } from "./temp-files.js";

export interface WranglerDeployOptions {
  project: Project;
  workerName: string;
  /** Set `name` in the generated config (previews and worker-name overrides). */
  setName: boolean;
  containerNames: ReadonlyMap<number, string>;
  images: ReadonlyMap<number, string>;
  secrets: readonly { name: string; value: string }[];
  vars: readonly { name: string; value: string }[];
  rollout?: "immediate" | "gradual";
  env: Record<string, string | undefined>;
}

export interface WranglerDeployResult {
  url?: string;
  versionId?: string;
  targets: string[];
}

/**
 * Write the generated config beside the original, run `wrangler deploy --config <generated>`
 * (secrets through a mode-600 temp file), read the result from the output file. Both files are
 * removed in finally.
 */
export async function wranglerDeploy(
  wrangler: WranglerRunner,
  o: WranglerDeployOptions,
  io: Io,
): Promise<WranglerDeployResult> {
  const config = o.project.config;
  if (!config) throw new Error("wranglerDeploy needs a loaded config");
  const configDir = dirname(join(o.project.dir, config.file));
  const generatedPath = join(configDir, generatedConfigName(o.workerName));
  const generated = buildGeneratedConfig(config.raw, {
    ...(config.environment !== undefined ? { environment: config.environment } : {}),
    ...(o.setName ? { workerName: o.workerName } : {}),
    containerNames: o.containerNames,
    images: o.images,
  });
  const files = o.secrets.length > 0 ? secretFiles(o.env) : undefined;
  const forgetGenerated = removePathOnInterrupt(generatedPath);
  try {
    writeFileSync(generatedPath, `${JSON.stringify(generated, null, 2)}\n`);
    const secretsFile = files?.write("secrets.json", secretsJson(o.secrets));
    const argv = deployArgv({
      config: basename(generatedPath),
      ...(config.environment !== undefined ? { environment: config.environment } : {}),
      ...(secretsFile !== undefined ? { secretsFile } : {}),
      vars: o.vars,
      ...(o.rollout !== undefined ? { rollout: o.rollout } : {}),
    });
    const run = await io.group(`wrangler deploy (${o.workerName})`, () =>
      wrangler.run(argv, { cwd: configDir, stream: true, timeoutMs: 30 * 60_000 }),
    );
    const deploy = run.output.deploy;
    if (run.result.exitCode !== 0 || run.output.failures.length > 0 || !deploy) {
      const out = `${run.result.stdout}\n${run.result.stderr}`;
      throw new PhaseError(
        "deploy",
        deployFailureMessage(run.output.failures, run.result.exitCode, tail(out, 15)),
        liveAfterDeployFailure(workerUploaded(run.result.stdout), o.workerName),
        "Fix what wrangler names above and run again; a rerun with the same commit redeploys the same image.",
      );
    }
    return {
      targets: deploy.targets,
      ...(deploy.url !== undefined ? { url: deploy.url } : {}),
      ...(deploy.versionId !== undefined ? { versionId: deploy.versionId } : {}),
    };
  } finally {
    rmSync(generatedPath, { force: true });
    forgetGenerated();
    files?.dispose();
  }
}
