import type { Instruction } from "dockerfile-ast";
import type { DockerfileSource, Project } from "../../project/load.js";
import type { Position } from "../../project/source.js";
import {
  buildModel,
  chainEnv,
  type DockerModel,
  effectiveStart,
  type Stage,
  type StartInstruction,
  stageChain,
} from "./dockerfile-model.js";
import { analyzeStart, type StartAnalysis, startCommands, type Token } from "./server-command.js";
import { type BaseKind, buildWorkerModel, fieldOf, resolveBase, type WorkerModel } from "./worker-model.js";

const workerModels = new WeakMap<Project, WorkerModel | null>();
const dockerModels = new WeakMap<DockerfileSource, DockerModel>();

/** The parsed Worker entry's model, built once per project. */
export function workerModelOf(project: Project): WorkerModel | undefined {
  let m = workerModels.get(project);
  if (m === undefined) {
    m = project.worker ? buildWorkerModel(project.worker) : null;
    workerModels.set(project, m);
  }
  return m ?? undefined;
}

export function dockerModelOf(source: DockerfileSource): DockerModel {
  let m = dockerModels.get(source);
  if (!m) {
    m = buildModel(source);
    dockerModels.set(source, m);
  }
  return m;
}

/** What the Worker's container class says about ports, start command and environment. */
export interface ClassConfig {
  className: string;
  base: BaseKind;
  defaultPort?: number;
  defaultPortPosition?: Position;
  requiredPorts: number[];
  /** The class sets `entrypoint`, replacing the image's CMD/ENTRYPOINT. */
  entrypoint: boolean;
  envVars: Map<string, string>;
}

export function classConfig(project: Project, className: string | undefined): ClassConfig | undefined {
  if (className === undefined) return undefined;
  const model = workerModelOf(project);
  if (!model) return undefined;
  const exported = model.exports.get(className);
  const local = exported?.local ?? className;
  const cls = model.classes.get(local);
  if (!cls) return undefined;
  const { base, chain } = resolveBase(model, cls);
  const config: ClassConfig = { className, base, requiredPorts: [], entrypoint: false, envVars: new Map() };
  const dp = fieldOf(chain, "defaultPort");
  if (dp?.value.kind === "number") {
    config.defaultPort = dp.value.value;
    config.defaultPortPosition = dp.position;
  }
  const rp = fieldOf(chain, "requiredPorts");
  if (rp?.value.kind === "array") {
    for (const item of rp.value.items) if (item.kind === "number") config.requiredPorts.push(item.value);
  }
  if (fieldOf(chain, "entrypoint")) config.entrypoint = true;
  const ev = fieldOf(chain, "envVars");
  if (ev?.value.kind === "object") {
    for (const [k, v] of ev.value.entries) {
      if (v.kind === "string") config.envVars.set(k, v.value);
      else if (v.kind === "number") config.envVars.set(k, String(v.value));
    }
  }
  return config;
}

/** Container classes (from wrangler `containers[].class_name`) that build a Dockerfile. */
export function classesOf(project: Project, source: DockerfileSource): ClassConfig[] {
  const out: ClassConfig[] = [];
  for (const index of source.containers) {
    const spec = project.containers[index];
    const c = classConfig(project, spec?.className);
    if (c) out.push(c);
  }
  return out;
}

/** How the final stage of a Dockerfile starts, as far as it can be read. */
export interface StartInfo {
  model: DockerModel;
  chain: Stage[];
  start: { cmd?: StartInstruction; entrypoint?: StartInstruction };
  classes: ClassConfig[];
  /** A container class sets `entrypoint`, so the image's start command is not used. */
  overridden: boolean;
  analysis: StartAnalysis;
  /** The simple commands the image runs at start (empty when overridden by the class). */
  commands: Token[][];
  /** Runtime environment lookup: the class's envVars over the image's ENV. */
  env: (name: string) => string | undefined;
}

const starts = new WeakMap<DockerfileSource, StartInfo | null>();

export function startOf(project: Project, source: DockerfileSource): StartInfo | undefined {
  const cached = starts.get(source);
  if (cached !== undefined) return cached ?? undefined;
  const model = dockerModelOf(source);
  const final = model.final;
  if (!final) {
    starts.set(source, null);
    return undefined;
  }
  const chain = stageChain(final);
  const start = effectiveStart(chain);
  const classes = classesOf(project, source);
  const imageEnv = chainEnv(chain);
  const env = (name: string): string | undefined => {
    for (const c of classes) {
      const v = c.envVars.get(name);
      if (v !== undefined) return v;
    }
    return imageEnv.get(name);
  };
  const ctx = source.context;
  const confPath = ctx === "" ? "gunicorn.conf.py" : `${ctx}/gunicorn.conf.py`;
  const gunicornConf = project.pythonFiles.some((f) => f.path === confPath);
  const overridden = classes.some((c) => c.entrypoint);
  const commands = overridden ? [] : startCommands(start, env);
  const analysis = analyzeStart(commands, { env, gunicornConf });
  const info: StartInfo = { model, chain, start, classes, overridden, analysis, commands, env };
  starts.set(source, info);
  return info;
}

const runTexts = new WeakMap<DockerfileSource, { instruction: Instruction; text: string }[]>();

/** Every RUN instruction of a Dockerfile with its argument text, computed once per file. */
export function runsOf(source: DockerfileSource): { instruction: Instruction; text: string }[] {
  let r = runTexts.get(source);
  if (!r) {
    r = dockerModelOf(source)
      .stages.flatMap((s) => s.instructions)
      .filter((i) => i.getKeyword() === "RUN")
      .map((instruction) => ({ instruction, text: instruction.getArgumentsContent() ?? "" }));
    runTexts.set(source, r);
  }
  return r;
}
