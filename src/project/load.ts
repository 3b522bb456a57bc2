import { dirname, join, posix, resolve } from "node:path";
import { type ParseResult as BabelFile, parse as babelParse } from "@babel/parser";
import balenaDockerignore from "@balena/dockerignore";
import { type Dockerfile, DockerfileParser } from "dockerfile-ast";
import { type GitRunner, gitPathFacts, runGit } from "./git.js";
import {
  decodeText,
  isUnreadable,
  nodeFs,
  type Position,
  type ProjectFs,
  type ReadResult,
  type SourceFile,
  type Unreadable,
} from "./source.js";
import { type DocResult, parseJsonDoc, parseTomlDoc, type StructuredDoc } from "./structured-doc.js";
import { CONFIG_NAMES, isRecord, makeWranglerConfig, type WranglerConfig } from "./wrangler-config.js";

export interface ParseFailure {
  file: string;
  message: string;
  position: Position;
}

export interface JsonFile extends SourceFile {
  doc: StructuredDoc;
}

export interface ContainerSpec {
  index: number;
  className?: string;
  /** `image` as written. */
  image?: string;
  /**
   * dockerfile: `image` is an existing file; directory: it names a folder; missing: it looks like a
   * path but nothing is there; registry: a registry reference; absent: no `image` key.
   */
  imageKind: "dockerfile" | "directory" | "missing" | "registry" | "absent";
  /** Project-relative Dockerfile path, when `image` is a path. */
  dockerfile?: string;
  /** Project-relative build context (image_build_context or the Dockerfile's folder). */
  context?: string;
  imageVars: Record<string, string>;
}

export interface DockerfileSource extends SourceFile {
  ast: Dockerfile;
  /** Indexes into `containers` that build this file. */
  containers: number[];
  context: string;
  /**
   * The ignore file Docker applies to this build: `<Dockerfile>.dockerignore` next to the
   * Dockerfile, else `<context>/.dockerignore`; absent when there is neither.
   */
  dockerignore?: SourceFile;
}

/** A local secret file (`.env`, `.env.*`, `.dev.vars`, `.dev.vars.*`; not templates) and who would ship it. */
export interface SecretEnvFile {
  /** Project-relative path, in the project dir or at the top of a build context. */
  path: string;
  /** In git's index; undefined when git cannot tell (no repository around the project, git missing). */
  tracked: boolean | undefined;
  /** Covered by git's ignore rules (any .gitignore up to the repository root, .git/info/exclude); undefined as above. */
  gitIgnored: boolean | undefined;
  /**
   * For each Dockerfile (by its project path) whose build context holds the file: whether that
   * build's dockerignore excludes it. Files outside every build context have no entries.
   */
  dockerIgnored: Record<string, boolean>;
}

export interface WorkerEntry extends SourceFile {
  program: BabelFile<import("@babel/types").File>;
}

/** Everything the rules look at, read once. Paths are relative to `dir`, posix style. */
export interface Project {
  /** Absolute project directory. */
  dir: string;
  /** Config names present in the directory, in wrangler's order. */
  configCandidates: string[];
  config?: WranglerConfig;
  configFailure?: ParseFailure;
  /** `--env` asked for but not defined in the config. */
  environmentMissing?: string;
  containers: ContainerSpec[];
  dockerfiles: DockerfileSource[];
  packageJson?: JsonFile;
  packageJsonFailure?: ParseFailure;
  worker?: WorkerEntry;
  workerFailure?: ParseFailure;
  /** `main` as written, and whether a file is there. */
  main?: { value: string; file: string; exists: boolean };
  pythonFiles: SourceFile[];
  sqlFiles: SourceFile[];
  /** Small text files rules ask about by name (.gitignore, .dockerignore, requirements.txt, ...). */
  extraFiles: Map<string, SourceFile>;
  /** Every file name present at the top of the project dir and of each build context. */
  listing: Map<string, string[]>;
  /** Local secret files at the top of the project dir and of each build context, with git and Docker facts. */
  secretEnvFiles: SecretEnvFile[];
  /** The local Workers runtime `wrangler dev` would use: the nearest `node_modules/workerd` up from `dir`. */
  localRuntime?: { workerdVersion: string };
  unreadable: Unreadable[];
}

export interface LoadOptions {
  /** Config path relative to the project dir; default: the first of wrangler.json, .jsonc, .toml. */
  config?: string;
  environment?: string;
  fs?: ProjectFs;
  /** How git is run for the tracked/ignored facts of secret files; default: the real git CLI. */
  git?: GitRunner;
}

const SKIP_DIRS = new Set([
  "node_modules",
  ".git",
  ".venv",
  "venv",
  "__pycache__",
  ".wrangler",
  "dist",
  ".tox",
]);
const MAX_SCANNED_FILES = 400;

// A CommonJS package (`module.exports = factory; factory.default = factory`) whose typings only
// declare `default`: reading `.default` off the module works under Node, vitest and esbuild alike.
const dockerignore = balenaDockerignore.default;
const MAX_MANIFEST_BYTES = 64 * 1024;

export function isRegistryReference(image: string): boolean {
  // wrangler treats anything that is not an existing file as a registry reference; a value that
  // looks like a path (./x, ../x, /x, x/Dockerfile, *.Dockerfile) is a missing file instead.
  if (/^\.{0,2}\//.test(image) || /(^|\/)Dockerfile[^/:]*$/i.test(image) || /\.dockerfile$/i.test(image)) {
    return false;
  }
  if (image.includes(":") || image.includes("@")) return true;
  // A tagless reference still names its registry host first, as Docker reads it:
  // `registry.cloudflare.com/acc/app`, `localhost/app`.
  const slash = image.indexOf("/");
  if (slash <= 0) return false;
  const host = image.slice(0, slash);
  return host.includes(".") || host === "localhost";
}

/** `.env`, `.env.production`, `.dev.vars`, `.dev.vars.staging`; not the committed templates. */
export function isSecretEnvName(name: string): boolean {
  if (!/^\.env(\..+)?$/.test(name) && !/^\.dev\.vars(\..+)?$/.test(name)) return false;
  return !/\.(example|sample|template|dist)$/i.test(name);
}

/** Does a dockerignore file exclude `path` (relative to the build context)? Docker's own matcher. */
export function dockerIgnores(ignoreText: string, path: string): boolean {
  try {
    return dockerignore({ ignorecase: false }).add(ignoreText.split(/\r?\n/)).ignores(path);
  } catch {
    return false; // an invalid pattern (e.g. "[z-a]") fails the docker build itself; exclude nothing
  }
}

/** Read and parse a project. Never throws on bad input: problems become fields the rules report. */
export function loadProject(dir: string, options: LoadOptions = {}): Project {
  const fs = options.fs ?? nodeFs;
  const abs = (rel: string) => posix.join(dir, rel);
  const unreadable: Unreadable[] = [];
  const read = (rel: string): SourceFile | undefined => {
    const bytes = fs.read(abs(rel));
    if (bytes === undefined) return undefined;
    const result: ReadResult = decodeText(rel, bytes);
    if (isUnreadable(result)) {
      unreadable.push(result);
      return undefined;
    }
    return result;
  };
  const listing = new Map<string, string[]>();
  const list = (rel: string): string[] => {
    const key = rel === "" ? "." : rel;
    let names = listing.get(key);
    if (!names) {
      names = fs.list(abs(rel));
      listing.set(key, names);
    }
    return names;
  };

  const project: Project = {
    dir,
    configCandidates: CONFIG_NAMES.filter((n) => fs.kind(abs(n)) === "file"),
    containers: [],
    dockerfiles: [],
    pythonFiles: [],
    sqlFiles: [],
    extraFiles: new Map(),
    listing,
    secretEnvFiles: [],
    unreadable,
  };
  list("");

  const configFile = options.config ? posix.normalize(options.config) : project.configCandidates[0];
  if (configFile) loadConfig(project, configFile, options.environment, read, fs, abs);
  const configDir = project.config ? posix.dirname(project.config.file) : "";
  const rel = (p: string) => posix.normalize(posix.join(configDir, p)).replace(/^\.\//, "");

  for (const name of [
    ".gitignore",
    ".dockerignore",
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "schema.sql",
  ]) {
    const f = read(name);
    if (f) project.extraFiles.set(name, f);
  }

  // Containers and their Dockerfiles.
  const containers = project.config?.get("containers");
  if (Array.isArray(containers)) {
    containers.forEach((entry, index) => {
      const c = isRecord(entry) ? entry : {};
      const image = typeof c.image === "string" ? c.image : undefined;
      const spec: ContainerSpec = {
        index,
        ...(typeof c.class_name === "string" ? { className: c.class_name } : {}),
        ...(image !== undefined ? { image } : {}),
        imageKind: "absent",
        imageVars: isRecord(c.image_vars)
          ? Object.fromEntries(Object.entries(c.image_vars).map(([k, v]) => [k, String(v)]))
          : {},
      };
      if (image !== undefined) {
        const path = rel(image);
        const kind = fs.kind(abs(path));
        if (kind === "file") spec.imageKind = "dockerfile";
        else if (kind === "dir") spec.imageKind = "directory";
        else spec.imageKind = isRegistryReference(image) ? "registry" : "missing";
        if (spec.imageKind !== "registry") spec.dockerfile = path;
        if (spec.imageKind === "dockerfile") {
          const ctx =
            typeof c.image_build_context === "string" ? rel(c.image_build_context) : posix.dirname(path);
          spec.context = ctx === "." ? "" : ctx;
        }
      }
      project.containers.push(spec);
    });
  }
  for (const spec of project.containers) {
    if (spec.imageKind !== "dockerfile" || spec.dockerfile === undefined) continue;
    const existing = project.dockerfiles.find((d) => d.path === spec.dockerfile);
    if (existing) {
      existing.containers.push(spec.index);
      continue;
    }
    const file = read(spec.dockerfile);
    if (!file) continue;
    project.dockerfiles.push({
      ...file,
      ast: DockerfileParser.parse(file.text),
      containers: [spec.index],
      context: spec.context ?? "",
    });
  }

  // package.json, strict JSON as npm and wrangler read it.
  const pkg = read("package.json");
  if (pkg) {
    const parsed = parseJsonDoc(pkg.text, { strict: true });
    if (parsed.ok) project.packageJson = { ...pkg, doc: parsed.doc };
    else project.packageJsonFailure = { file: pkg.path, message: parsed.message, position: parsed.position };
  }

  // Worker entry (`main`), parsed as an ES module; TypeScript syntax for .ts/.mts/.tsx.
  const main = project.config?.get("main");
  if (typeof main === "string") {
    const file = rel(main);
    const exists = fs.kind(abs(file)) === "file";
    project.main = { value: main, file, exists };
    const source = exists ? read(file) : undefined;
    if (source) {
      try {
        const typescript = /\.(c|m)?tsx?$/.test(file);
        const program = babelParse(source.text, {
          sourceType: "module",
          errorRecovery: false,
          plugins: typescript ? ["typescript", "decorators-legacy"] : ["jsx"],
        });
        project.worker = { ...source, program };
      } catch (error) {
        const e = error as { message?: string; loc?: { line: number; column: number } };
        project.workerFailure = {
          file,
          message: String(e.message ?? error).replace(/\s*\(\d+:\d+\)$/, ""),
          position: e.loc ? { line: e.loc.line, column: e.loc.column + 1 } : { line: 1, column: 1 },
        };
      }
    }
  }

  // Python files of every build context (and the project dir), bounded in depth and count.
  const roots = new Set<string>(["", ...project.dockerfiles.map((d) => d.context)]);
  const seen = new Set<string>();
  for (const root of roots) scanPython(root, 0);
  function scanPython(folder: string, depth: number): void {
    if (depth > 3 || seen.size >= MAX_SCANNED_FILES) return;
    for (const name of list(folder)) {
      const path = folder === "" ? name : `${folder}/${name}`;
      if (seen.has(path) || SKIP_DIRS.has(name)) continue;
      seen.add(path);
      const kind = fs.kind(abs(path));
      if (kind === "dir") scanPython(path, depth + 1);
      else if (kind === "file" && name.endsWith(".py")) {
        const f = read(path);
        if (f) project.pythonFiles.push(f);
      }
    }
  }

  // SQL: every D1 migrations_dir (default migrations/) and schema.sql.
  const d1 = project.config?.get("d1_databases");
  const migrationDirs = new Set<string>();
  if (Array.isArray(d1)) {
    for (const db of d1) {
      const d = isRecord(db) && typeof db.migrations_dir === "string" ? db.migrations_dir : "migrations";
      migrationDirs.add(rel(d));
    }
  }
  if (fs.kind(abs(rel("migrations"))) === "dir") migrationDirs.add(rel("migrations"));
  for (const d of migrationDirs) {
    for (const name of list(d)) {
      if (!name.endsWith(".sql")) continue;
      const f = read(`${d}/${name}`);
      if (f) project.sqlFiles.push(f);
    }
  }
  const schema = project.extraFiles.get("schema.sql");
  if (schema) project.sqlFiles.push(schema);

  // Which ignore file each build uses, then the local secret files and who would ship them.
  for (const d of project.dockerfiles) {
    const specific = `${d.path}.dockerignore`;
    const generic = d.context === "" ? ".dockerignore" : `${d.context}/.dockerignore`;
    const chosen = [specific, generic].find((f) => fs.kind(abs(f)) === "file");
    const file = chosen !== undefined ? read(chosen) : undefined;
    if (file) d.dockerignore = file;
  }
  const folders = new Set<string>(["", ...project.dockerfiles.map((d) => d.context)]);
  const secretPaths: { path: string; folder: string; name: string }[] = [];
  for (const folder of folders) {
    for (const name of list(folder)) {
      if (!isSecretEnvName(name)) continue;
      const path = folder === "" ? name : `${folder}/${name}`;
      if (fs.kind(abs(path)) === "file") secretPaths.push({ path, folder, name });
    }
  }
  const git = gitPathFacts(
    dir,
    secretPaths.map((s) => s.path),
    options.git ?? runGit,
  );
  for (const { path, folder, name } of secretPaths) {
    const dockerIgnored: Record<string, boolean> = Object.fromEntries(
      project.dockerfiles
        .filter((d) => d.context === folder)
        .map((d) => [d.path, d.dockerignore ? dockerIgnores(d.dockerignore.text, name) : false]),
    );
    const facts = git.get(path);
    project.secretEnvFiles.push({
      path,
      tracked: facts?.tracked,
      gitIgnored: facts?.ignored,
      dockerIgnored,
    });
  }

  const workerdVersion = localWorkerdVersion(dir, fs);
  if (workerdVersion !== undefined) project.localRuntime = { workerdVersion };

  return project;
}

/** `node_modules/workerd/package.json` nearest to the project (npm hoists it up to the workspace root). */
function localWorkerdVersion(dir: string, fs: ProjectFs): string | undefined {
  let current = resolve(dir);
  for (let depth = 0; depth < 8; depth++) {
    const bytes = fs.read(join(current, "node_modules", "workerd", "package.json"));
    if (bytes !== undefined && bytes.length <= MAX_MANIFEST_BYTES) {
      try {
        const json: unknown = JSON.parse(bytes.toString("utf8"));
        if (isRecord(json) && typeof json.version === "string") return json.version;
      } catch {
        // not JSON; keep walking up as npm's resolution would not stop here either
      }
    }
    const parent = dirname(current);
    if (parent === current) return undefined;
    current = parent;
  }
  return undefined;
}

function loadConfig(
  project: Project,
  file: string,
  environment: string | undefined,
  read: (rel: string) => SourceFile | undefined,
  fs: ProjectFs,
  abs: (rel: string) => string,
): void {
  if (fs.kind(abs(file)) !== "file") return;
  const source = read(file);
  if (!source) return;
  const format = file.endsWith(".toml") ? "toml" : file.endsWith(".jsonc") ? "jsonc" : "json";
  // wrangler reads .json and .jsonc alike, comments and trailing commas allowed.
  const parsed: DocResult =
    format === "toml" ? parseTomlDoc(source.text) : parseJsonDoc(source.text, { strict: false });
  if (!parsed.ok) {
    project.configFailure = { file, message: parsed.message, position: parsed.position };
    return;
  }
  project.config = makeWranglerConfig(file, format, parsed.doc, environment);
  if (environment !== undefined && project.config.environment === undefined) {
    project.environmentMissing = environment;
  }
}
