import type { Arg, Env, From, Instruction, JSONInstruction } from "dockerfile-ast";
import type { DockerfileSource } from "../../project/load.js";
import type { Position } from "../../project/source.js";

/** Build args Docker defines in the global scope without an `ARG` line. */
export const PLATFORM_ARGS = new Set([
  "TARGETPLATFORM",
  "TARGETOS",
  "TARGETARCH",
  "TARGETVARIANT",
  "BUILDPLATFORM",
  "BUILDOS",
  "BUILDARCH",
  "BUILDVARIANT",
]);

/** One build stage: its FROM and the instructions up to the next FROM. */
export interface Stage {
  index: number;
  from: From;
  /** `AS name`, lower-cased. */
  name?: string;
  instructions: Instruction[];
  /** The earlier stage this one is built `FROM`, when it names one. */
  parent?: Stage;
}

/** A start command as written: exec (JSON) form or shell form. */
export interface StartInstruction {
  instruction: Instruction;
  keyword: "CMD" | "ENTRYPOINT";
  form: "exec" | "shell";
  /** exec form: the JSON strings; shell form: the raw command text. */
  argv: string[];
  shellText: string;
  /** exec form that is not valid JSON (Docker then runs the text through /bin/sh). */
  malformed: boolean;
}

export interface DockerModel {
  source: DockerfileSource;
  stages: Stage[];
  final?: Stage;
  /** ARGs declared before the first FROM: name → default (undefined = no default). */
  globalArgs: Map<string, string | undefined>;
  /** Instructions before the first FROM. */
  preamble: Instruction[];
}

/** 1-based position of an instruction's start (its keyword). */
export function instructionPos(i: Instruction): Position {
  const r = i.getRange().start;
  return { line: r.line + 1, column: r.character + 1 };
}

export function rangePos(r: { start: { line: number; character: number } }): Position {
  return { line: r.start.line + 1, column: r.start.character + 1 };
}

/** Shorten text for quoting in a message. */
export function excerpt(text: string, max = 80): string {
  const one = text
    .slice(0, max * 8)
    .replace(/\s+/g, " ")
    .trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

export function buildModel(source: DockerfileSource): DockerModel {
  const stages: Stage[] = [];
  const preamble: Instruction[] = [];
  const globalArgs = new Map<string, string | undefined>();
  let current: Stage | undefined;
  const byName = new Map<string, Stage>();
  for (const inst of source.ast.getInstructions()) {
    const keyword = inst.getKeyword();
    if (keyword === "FROM") {
      const from = inst as From;
      const stage: Stage = { index: stages.length, from, instructions: [] };
      const alias = from.getBuildStage();
      if (alias) stage.name = alias.toLowerCase();
      const image = from.getImage();
      const parent = image ? byName.get(image.toLowerCase()) : undefined;
      if (parent) stage.parent = parent;
      stages.push(stage);
      if (stage.name) byName.set(stage.name, stage);
      current = stage;
      continue;
    }
    if (current) current.instructions.push(inst);
    else {
      preamble.push(inst);
      if (keyword === "ARG") {
        const p = (inst as Arg).getProperty();
        if (p) globalArgs.set(p.getName(), p.getValue() ?? undefined);
      }
    }
  }
  const model: DockerModel = { source, stages, globalArgs, preamble };
  const final = stages[stages.length - 1];
  if (final) model.final = final;
  return model;
}

/** Stages from the root of the chain to `stage` (a stage built FROM another stage inherits from it). */
export function stageChain(stage: Stage): Stage[] {
  const chain: Stage[] = [];
  let s: Stage | undefined = stage;
  // Parents are always earlier stages, so this ends; the bound is for safety only.
  while (s && chain.length < 100_000) {
    chain.push(s);
    s = s.parent;
  }
  return chain.reverse();
}

export interface Expansion {
  value: string;
  /** Names referenced without a value. */
  unresolved: string[];
}

/**
 * Expand `$X`, `${X}`, `${X:-default}`, `${X:+alt}` (and the non-colon forms) in one linear pass.
 * `lookup` returns undefined for an unknown or empty variable.
 */
export function expandVars(
  text: string,
  lookup: (name: string) => string | undefined,
  escapeChar = "\\",
): Expansion {
  let out = "";
  const unresolved: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === escapeChar && text[i + 1] === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    if (text[i + 1] === "{") {
      const close = text.indexOf("}", i + 2);
      if (close === -1) {
        out += text.slice(i);
        break;
      }
      const body = text.slice(i + 2, close);
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(:?[-+])?([\s\S]*)$/.exec(body);
      if (!m) {
        out += text.slice(i, close + 1);
      } else {
        const name = m[1] ?? "";
        const op = m[2];
        const word = m[3] ?? "";
        const v = lookup(name);
        if (op === undefined) {
          if (word !== "") out += text.slice(i, close + 1);
          else if (v === undefined || v === "") unresolved.push(name);
          else out += v;
        } else if (op.endsWith("-")) out += v === undefined || v === "" ? word : v;
        else out += v === undefined || v === "" ? "" : word;
      }
      i = close + 1;
      continue;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1, i + 200));
    if (!m) {
      out += c;
      i++;
      continue;
    }
    const name = m[0];
    const v = lookup(name);
    if (v === undefined || v === "") unresolved.push(name);
    else out += v;
    i += 1 + name.length;
  }
  return { value: out, unresolved };
}

/** Runtime environment (ENV) declared along a stage chain, up to (not including) `until`. */
export function chainEnv(chain: Stage[], until?: Instruction): Map<string, string> {
  const env = new Map<string, string>();
  for (const stage of chain) {
    for (const inst of stage.instructions) {
      if (inst === until) return env;
      if (inst.getKeyword() !== "ENV") continue;
      for (const p of (inst as Env).getProperties()) {
        const v = p.getValue();
        if (v !== null) env.set(p.getName(), v);
      }
    }
  }
  return env;
}

function stringArray(text: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((x) => typeof x === "string")
      ? (parsed as string[])
      : undefined;
  } catch {
    return undefined;
  }
}

function parseStart(inst: Instruction, keyword: "CMD" | "ENTRYPOINT"): StartInstruction {
  const raw = (inst.getRawArgumentsContent() ?? "").trim();
  const shellText = inst.getArgumentsContent() ?? "";
  if (raw.startsWith("[")) {
    // The raw text first; with line continuations inside the JSON, the joined argument text.
    for (const candidate of [raw, shellText.trim()]) {
      const argv = stringArray(candidate);
      if (argv) return { instruction: inst, keyword, form: "exec", argv, shellText, malformed: false };
    }
    return { instruction: inst, keyword, form: "shell", argv: [], shellText, malformed: true };
  }
  return { instruction: inst, keyword, form: "shell", argv: [], shellText, malformed: false };
}

/** The effective CMD and ENTRYPOINT of a stage, inherited through its stage chain. */
export function effectiveStart(chain: Stage[]): { cmd?: StartInstruction; entrypoint?: StartInstruction } {
  let cmd: StartInstruction | undefined;
  let entrypoint: StartInstruction | undefined;
  chain.forEach((stage, n) => {
    let cmdInherited = n > 0;
    for (const inst of stage.instructions) {
      const k = inst.getKeyword();
      if (k === "CMD") {
        cmd = parseStart(inst, "CMD");
        cmdInherited = false;
      } else if (k === "ENTRYPOINT") {
        entrypoint = parseStart(inst, "ENTRYPOINT");
        // Setting ENTRYPOINT clears a CMD inherited from the base image.
        if (cmdInherited) cmd = undefined;
      }
    }
  });
  return { ...(cmd ? { cmd } : {}), ...(entrypoint ? { entrypoint } : {}) };
}

/** Every CMD / ENTRYPOINT instruction of the file (any stage), for form checks. */
export function isJsonInstruction(i: Instruction): i is JSONInstruction {
  return typeof (i as Partial<JSONInstruction>).getJSONStrings === "function";
}

/** Image of a FROM with variables expanded from the global ARGs and build args. */
export function fromImage(
  model: DockerModel,
  stage: Stage,
  buildArgs: Record<string, string>,
): { image: string | undefined; unresolved: string[] } {
  const image = stage.from.getImage();
  if (image === null) return { image: undefined, unresolved: [] };
  const lookup = globalLookup(model, buildArgs);
  const e = expandVars(image, lookup, model.source.ast.getEscapeCharacter());
  return { image: e.value, unresolved: e.unresolved };
}

/** Resolution of a name in the global (pre-FROM) scope: build args override ARG defaults. */
export function globalLookup(
  model: DockerModel,
  buildArgs: Record<string, string>,
): (name: string) => string | undefined {
  return (name) => {
    if (!model.globalArgs.has(name) && !PLATFORM_ARGS.has(name)) return undefined;
    const fromBuild = buildArgs[name];
    if (fromBuild !== undefined && fromBuild !== "") return fromBuild;
    if (name === "TARGETPLATFORM") return "linux/amd64";
    if (name === "TARGETOS") return "linux";
    if (name === "TARGETARCH") return "amd64";
    return model.globalArgs.get(name);
  };
}

/** Root image of a stage chain as written (`scratch`, `python:3.11-slim`, ...). */
export function rootImage(chain: Stage[]): string | undefined {
  return chain[0]?.from.getImage() ?? undefined;
}

/** `sh -c`-style shell text split into simple commands (argv lists), quotes removed. */
export function splitShell(text: string): string[][] {
  const commands: string[][] = [];
  let argv: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const endWord = () => {
    if (inWord) argv.push(word);
    word = "";
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (argv.length > 0) commands.push(argv);
    argv = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? "";
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < text.length) {
      const next = text[++i] ?? "";
      if (next !== "\n") {
        word += next;
        inWord = true;
      }
    } else if (c === ";" || c === "|" || c === "&" || c === "\n" || c === "(" || c === ")") {
      endCommand();
    } else if (c === " " || c === "\t" || c === "\r") endWord();
    else {
      word += c;
      inWord = true;
    }
  }
  endCommand();
  return commands;
}
