import type { DockerfileSource, Project } from "../project/load.js";
import { positionAt, type SourceFile } from "../project/source.js";
import { finding, type Rule } from "./rule.js";
import { dockerModelOf, runsOf, type StartInfo, startOf } from "./support/class-config.js";
import { excerpt, instructionPos } from "./support/dockerfile-model.js";
import { limitPerFile } from "./support/limit.js";
import { boundedMatches, callArgs, literalAt, type PythonScan, scanPython } from "./support/python-scan.js";
import { isLoopback, type Token } from "./support/server-command.js";

/** Python files inside a build context, with their context-relative paths. */
function contextPython(project: Project, context: string): { file: SourceFile; rel: string }[] {
  const prefix = context === "" ? "" : `${context}/`;
  return project.pythonFiles.flatMap((file) =>
    file.path.startsWith(prefix) ? [{ file, rel: file.path.slice(prefix.length) }] : [],
  );
}

/** Context-relative candidates that may hold an image path like `/app/src/main.py` (longest suffix first). */
function suffixes(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "" && p !== ".");
  return parts.map((_, i) => parts.slice(i).join("/"));
}

function findBySuffix(
  files: { file: SourceFile; rel: string }[],
  candidates: string[],
): SourceFile | undefined {
  for (const c of candidates) {
    const hit = files.find((f) => f.rel === c || f.rel.endsWith(`/${c}`));
    if (hit) return hit.file;
  }
  return undefined;
}

/** Files a module name can live in: `pkg.mod` → pkg/mod.py, pkg/mod/__init__.py. */
function moduleFiles(module: string, main: boolean): string[] {
  const path = module.split(".").join("/");
  return main ? [`${path}.py`, `${path}/__main__.py`] : [`${path}.py`, `${path}/__init__.py`];
}

/** The Python file a `python app.py` / `python -m pkg` start command runs, if it is in the context. */
function startedScript(project: Project, source: DockerfileSource, info: StartInfo): SourceFile | undefined {
  const py = info.analysis.python;
  if (!py) return undefined;
  const files = contextPython(project, source.context);
  if (py.script !== undefined && !py.token.dynamic) return findBySuffix(files, suffixes(py.script));
  if (py.module !== undefined && !py.token.dynamic) {
    for (const c of moduleFiles(py.module, true)) {
      const f = findBySuffix(files, [c]);
      if (f) return f;
    }
  }
  return undefined;
}

function lineAt(file: SourceFile, offset: number) {
  return positionAt(file.text, offset);
}

interface LoopbackHit {
  offset: number;
  call: string;
  host?: string;
}

/** `uvicorn.run(…)` and Flask `app.run(…)` calls that end up on loopback. */
function loopbackCalls(scan: PythonScan): LoopbackHit[] {
  const m = scan.masked;
  const hits: LoopbackHit[] = [];
  const flaskApps = new Set<string>();
  for (const f of boundedMatches(m, /\b([A-Za-z_]\w*)\s*=\s*(?:flask\s*\.\s*)?Flask\s*\(/g))
    if (f[1]) flaskApps.add(f[1]);
  for (const call of boundedMatches(m, /\b([A-Za-z_]\w*)\s*\.\s*run\s*\(/g)) {
    const receiver = call[1] ?? "";
    const isUvicorn = receiver === "uvicorn";
    if (!isUvicorn && !flaskApps.has(receiver)) continue;
    const open = (call.index ?? 0) + call[0].length - 1;
    const args = callArgs(scan, open);
    const hostArg = args.keywords.get("host") ?? (isUvicorn ? undefined : args.positional[0]);
    const name = `${receiver}.run()`;
    if (hostArg) {
      const host = literalAt(scan, hostArg);
      if (host !== undefined && isLoopback(host)) hits.push({ offset: call.index ?? 0, call: name, host });
      continue;
    }
    if (args.spread) continue;
    hits.push({ offset: call.index ?? 0, call: name });
  }
  return hits;
}

export const appBindLoopback: Rule = {
  id: "app-bind-loopback",
  *check({ project }) {
    const seen = new Set<SourceFile>();
    for (const source of project.dockerfiles) {
      const info = startOf(project, source);
      if (!info) continue;
      const file = startedScript(project, source, info);
      if (!file || seen.has(file)) continue;
      seen.add(file);
      for (const hit of loopbackCalls(scanPython(file))) {
        const at = lineAt(file, hit.offset);
        yield finding(
          this.id,
          "error",
          file.path,
          at,
          hit.host !== undefined
            ? `${hit.call} (line ${at.line}) listens on ${hit.host}, and the container starts this file (\`${excerpt(info.analysis.python?.token.at.shellText ?? "", 40)}\`): the Worker cannot reach a loopback-only server.`
            : `${hit.call} (line ${at.line}) sets no host, so it listens on 127.0.0.1 only, and the container starts this file: the Worker cannot reach it.`,
          'Pass `host="0.0.0.0"` (and the port that matches the Container class `defaultPort`).',
        );
      }
    }
  },
};

const TMP = /^(\/tmp\/|\/dev\/|\/proc\/|\/run\/|:memory:|file::memory:)/;

interface StorageHit {
  offset: number;
  what: string;
}

function storageWrites(scan: PythonScan): StorageHit[] {
  const m = scan.masked;
  const hits: StorageHit[] = [];
  for (const c of boundedMatches(m, /\bsqlite3\s*\.\s*connect\s*\(/g)) {
    const args = callArgs(scan, (c.index ?? 0) + c[0].length - 1);
    const path = literalAt(scan, args.positional[0] ?? args.keywords.get("database"));
    if (path !== undefined && path !== "" && !TMP.test(path) && !path.includes("mode=memory")) {
      hits.push({
        offset: c.index ?? 0,
        what: `sqlite3.connect("${excerpt(path, 40)}") keeps a database file on the container disk`,
      });
    }
  }
  for (const [offset, value] of scan.strings) {
    const url = /^sqlite(\+\w+)?:\/\/\/(.*)$/.exec(value);
    if (!url) continue;
    const path = url[2] ?? "";
    if (
      path === "" ||
      path.startsWith(":memory:") ||
      path.startsWith("/tmp/") ||
      path.startsWith("file::memory:")
    )
      continue;
    hits.push({
      offset,
      what: `The SQLAlchemy URL "${excerpt(value, 50)}" keeps a SQLite database on the container disk`,
    });
  }
  for (const c of boundedMatches(m, /(^|[^.\w])open\s*\(/g)) {
    const open = (c.index ?? 0) + c[0].length - 1;
    const args = callArgs(scan, open);
    const mode = literalAt(scan, args.keywords.get("mode") ?? args.positional[1]);
    if (mode === undefined || !/[wax+]/.test(mode)) continue;
    const path = literalAt(scan, args.keywords.get("file") ?? args.positional[0]);
    if (path === undefined || path === "" || TMP.test(path)) continue;
    hits.push({
      offset: (c.index ?? 0) + (c[1]?.length ?? 0),
      what: `open("${excerpt(path, 40)}", "${mode}") writes to the container disk`,
    });
  }
  for (const c of boundedMatches(m, /\bPath\s*\(/g)) {
    const open = (c.index ?? 0) + c[0].length - 1;
    const args = callArgs(scan, open);
    const path = literalAt(scan, args.positional[0]);
    if (path === undefined || path === "" || TMP.test(path)) continue;
    // Find the matching ")" then `.write_text(` / `.write_bytes(` right after it.
    let depth = 0;
    let close = -1;
    for (let i = open; i < m.length && i - open < 5000; i++) {
      if (m[i] === "(") depth++;
      else if (m[i] === ")" && --depth === 0) {
        close = i;
        break;
      }
    }
    if (close === -1) continue;
    const after = /^\s*\.\s*(write_text|write_bytes)\s*\(/.exec(m.slice(close + 1, close + 40));
    if (after)
      hits.push({
        offset: c.index ?? 0,
        what: `Path("${excerpt(path, 40)}").${after[1]}() writes to the container disk`,
      });
  }
  for (const c of boundedMatches(m, /\b(shelve\s*\.\s*open|TinyDB)\s*\(/g)) {
    const args = callArgs(scan, (c.index ?? 0) + c[0].length - 1);
    const path = literalAt(scan, args.positional[0]);
    if (path !== undefined && TMP.test(path)) continue;
    hits.push({
      offset: c.index ?? 0,
      what: `${(c[1] ?? "").replace(/\s+/g, "")}(…) keeps data in a file on the container disk`,
    });
  }
  return hits.sort((a, b) => a.offset - b.offset);
}

/** Test files and packaging scripts write files on purpose; they never run in the container. */
const NOT_APP_CODE =
  /(^|\/)(tests?|scripts)\/|(^|\/)(test_[^/]*|[^/]*_test|conftest|setup|noxfile|fabfile)\.py$/;

/** Python files the images can contain: inside some build context (all files when no Dockerfile is known). */
function appFiles(project: Project): SourceFile[] {
  const contexts = project.dockerfiles.map((d) => d.context);
  return project.pythonFiles.filter(
    (f) =>
      !NOT_APP_CODE.test(f.path) &&
      (contexts.length === 0 || contexts.some((c) => c === "" || f.path.startsWith(`${c}/`))),
  );
}

export const appLocalStorageWrite: Rule = {
  id: "app-local-storage-write",
  *check({ project }) {
    for (const file of appFiles(project)) {
      let count = 0;
      for (const hit of storageWrites(scanPython(file))) {
        if (count++ >= 20) break;
        const at = lineAt(file, hit.offset);
        yield finding(
          this.id,
          "warning",
          file.path,
          at,
          `${hit.what} (line ${at.line}); container disk is ephemeral, so the data is lost whenever the instance sleeps, restarts or moves.`,
          "Keep data in D1 and files in R2 (through the Worker), or write only scratch data under /tmp.",
        );
      }
    }
  },
};

const DEPS_FILES =
  /^(requirements.*\.(txt|in)|pyproject\.toml|Pipfile(\.lock)?|uv\.lock|poetry\.lock|setup\.py|setup\.cfg|environment\.ya?ml|requirements)$/i;

/** `-r X` / `--requirement X` / `-rX` / `--requirement=X` values of pip commands in a RUN line. */
function requirementArgs(run: string): string[] {
  const out: string[] = [];
  if (!/\bpip3?\b|\buv\s+pip\b/.test(run)) return out;
  const words = run.split(/\s+/);
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? "";
    if (w === "-r" || w === "--requirement" || w === "-c" || w === "--constraint") {
      const v = words[i + 1];
      if (v && (w === "-r" || w === "--requirement")) out.push(v);
    } else if (w.startsWith("--requirement=")) out.push(w.slice("--requirement=".length));
    else if (/^-r[^-\s]/.test(w)) out.push(w.slice(2));
  }
  return out.map((v) => v.replace(/^["']|["';&|]+$/g, ""));
}

/** Where to point a finding about the start command: its instruction, when there is one. */
function startAnchor(info: StartInfo | undefined): { token: Token } | undefined {
  const s = info?.analysis.server?.token ?? info?.analysis.python?.token;
  return s ? { token: s } : undefined;
}

export const layoutPythonDepsMissing: Rule = {
  id: "layout-python-deps-missing",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const ctxName = source.context === "" ? "." : source.context;
      const listing = project.listing.get(ctxName);
      if (!listing) continue;
      const model = dockerModelOf(source);
      const info = startOf(project, source);
      const runs = runsOf(source);
      let copyTargets: string[] | undefined;
      let copySources: string[] | undefined;

      // `pip install -r X` where X is nowhere to be found.
      for (const { instruction: run, text: runText } of runs) {
        let shown: string | undefined;
        for (const req of new Set(requirementArgs(runText))) {
          if (!copyTargets || !copySources) {
            const copies = model.stages
              .flatMap((s) => s.instructions)
              .filter((i) => i.getKeyword() === "COPY" || i.getKeyword() === "ADD");
            copyTargets = copies.map((c) => c.getArguments().at(-1)?.getValue() ?? "");
            copySources = copies.flatMap((c) =>
              c
                .getArguments()
                .slice(0, -1)
                .map((a) => a.getValue()),
            );
          }
          if (req === "" || req.includes("$")) continue;
          const base = req.slice(req.lastIndexOf("/") + 1);
          const inContext = suffixes(req).some((s) => listing.includes(s.split("/")[0] ?? ""));
          const copiedAs =
            copyTargets.some((t) => t === req || t.endsWith(`/${base}`) || t === base) ||
            copySources.some(
              (src) =>
                (src === base || src.endsWith(`/${base}`)) &&
                listing.includes(suffixes(src)[0]?.split("/")[0] ?? ""),
            );
          if (inContext || copiedAs) continue;
          const at = instructionPos(run);
          shown ??= excerpt(runText, 60);
          yield finding(
            this.id,
            "error",
            source.path,
            at,
            `\`RUN ${shown}\` (line ${at.line}) installs from ${req}, but ${base} is not in the build context (${ctxName}), so the build fails.`,
            `Add ${base} to ${ctxName} (pinned dependencies, one per line) or fix the path.`,
          );
        }
      }

      // A Python app with no dependency manifest at all.
      const pythonApp =
        info?.analysis.server !== undefined ||
        info?.analysis.python !== undefined ||
        listing.some((n) => n.endsWith(".py"));
      if (!pythonApp) continue;
      if (listing.some((n) => DEPS_FILES.test(n))) continue;
      const inline = runs.some(
        ({ text: t }) =>
          /\b(pip3?|uv\s+pip|pipx|conda|mamba|micromamba)\s+install\b|\bpoetry\s+(add|install)\b/.test(t) ||
          (/\bapt-get\s+install\b/.test(t) && /\bpython3-/.test(t)),
      );
      if (inline) continue;
      const anchor = startAnchor(info);
      const reqPath = source.context === "" ? "requirements.txt" : `${source.context}/requirements.txt`;
      if (anchor) {
        const at = instructionPos(anchor.token.at.instruction);
        yield finding(
          this.id,
          "error",
          source.path,
          at,
          `The image starts a Python app (\`${excerpt(anchor.token.at.shellText || anchor.token.text, 50)}\`, line ${at.line}) but the build context (${ctxName}) has no requirements.txt, pyproject.toml, Pipfile or uv.lock, and no RUN installs packages: the server will not be installed.`,
          `Add ${reqPath} with pinned dependencies (e.g. fastapi==…, uvicorn==…) and \`RUN pip install --no-cache-dir -r requirements.txt\`.`,
        );
      } else {
        yield finding(
          this.id,
          "error",
          reqPath,
          undefined,
          `The build context (${ctxName}) holds Python files but no requirements.txt, pyproject.toml, Pipfile or uv.lock, and ${source.path} installs no packages.`,
          `Add ${reqPath} with pinned dependencies and install it in ${source.path}.`,
        );
      }
    }
  },
};

/** Top-level package names listed in requirements.txt (an installed package can provide the module). */
function requirementNames(project: Project): Set<string> {
  const names = new Set<string>();
  const req = project.extraFiles.get("requirements.txt");
  for (const line of (req?.text ?? "").split("\n")) {
    const m = /^\s*([A-Za-z0-9_.-]+)/.exec(line);
    if (m?.[1]) names.add(m[1].toLowerCase().replace(/-/g, "_"));
  }
  return names;
}

export const layoutAppModuleMissing: Rule = {
  id: "layout-app-module-missing",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const info = startOf(project, source);
      if (!info) continue;
      const files = contextPython(project, source.context);
      if (files.length >= 300) continue;
      const ctxName = source.context === "" ? "." : source.context;
      const server = info.analysis.server;
      const py = info.analysis.python;
      let module: string | undefined;
      let token: Token | undefined;
      let candidates: string[] = [];
      let shown = "";
      if (server?.app && !server.app.dynamic) {
        token = server.app;
        module = server.app.text.split(":")[0] ?? "";
        candidates = moduleFiles(module, false);
        shown = server.app.text;
      } else if (py && !py.token.dynamic) {
        token = py.token;
        if (py.script !== undefined) {
          candidates = [suffixes(py.script).at(-1) ?? py.script];
          shown = py.script;
        } else if (py.module !== undefined) {
          module = py.module;
          candidates = [...moduleFiles(py.module, true), ...moduleFiles(py.module, false)];
          shown = `-m ${py.module}`;
        }
      }
      if (!token || candidates.length === 0) continue;
      if (findBySuffix(files, candidates)) continue;
      const top = module?.split(".")[0]?.toLowerCase();
      if (top !== undefined && requirementNames(project).has(top)) continue;
      const at = instructionPos(token.at.instruction);
      yield finding(
        this.id,
        "error",
        source.path,
        at,
        `The start command (line ${at.line}) runs \`${excerpt(shown, 40)}\`, but ${candidates.slice(0, 2).join(" / ")} is not in the build context (${ctxName}): the container exits at start with an import error.`,
        "Fix the module path in the CMD or add the file to the build context (and COPY it into the image).",
      );
    }
  },
};

/** Dependency manifests of the project root (the only ones the loader reads). */
function rootManifests(project: Project): SourceFile[] {
  return ["requirements.txt", "pyproject.toml", "Pipfile"].flatMap((n) => {
    const f = project.extraFiles.get(n);
    return f ? [f] : [];
  });
}

function declares(manifests: SourceFile[], pkg: string): boolean {
  const re = new RegExp(`(^|[\\s"'\\[,=])${pkg.replace(/[-_]/g, "[-_]")}\\s*($|[\\s"'\\[\\]=<>~!;,@])`, "im");
  return manifests.some((m) => re.test(m.text));
}

const SERVER_PACKAGES: Record<string, string | undefined> = {
  uvicorn: "uvicorn",
  gunicorn: "gunicorn",
  hypercorn: "hypercorn",
  flask: "flask",
  django: "django",
  fastapi: undefined,
};

export const appServerDep: Rule = {
  id: "app-server-dep",
  *check({ project }) {
    const manifests = rootManifests(project);
    if (manifests.length === 0) return;
    // Includes (`-r other.txt`) and editable/local installs hide packages from a plain read.
    if (
      manifests.some(
        (m) => /^\s*(-r|--requirement|-c|--constraint|-e|\.)\b/m.test(m.text) || /^\s*-r\S/m.test(m.text),
      )
    )
      return;
    const manifest = manifests[0];
    if (!manifest) return;
    for (const source of project.dockerfiles) {
      if (source.context !== "") continue;
      const info = startOf(project, source);
      const installs = runsOf(source)
        .map((r) => r.text)
        .filter((t) => /\binstall\b/i.test(t));
      const needed: { pkg: string; why: string; line?: number }[] = [];
      const server = info?.analysis.server;
      const pkg = server ? SERVER_PACKAGES[server.server] : undefined;
      if (server && pkg) {
        needed.push({
          pkg,
          why: `the start command runs ${server.server} (${source.path} line ${instructionPos(server.token.at.instruction).line})`,
        });
      }
      for (const f of contextPython(project, source.context)) {
        if (NOT_APP_CODE.test(f.rel)) continue;
        const masked = scanPython(f.file).masked;
        for (const lib of ["fastapi", "flask"]) {
          const m = new RegExp(`^[ \\t]*(from|import)[ \\t]+${lib}\\b`, "m").exec(masked);
          if (m && !needed.some((n) => n.pkg === lib)) {
            needed.push({
              pkg: lib,
              why: `${f.file.path} imports it (line ${lineAt(f.file, m.index).line})`,
            });
          }
        }
      }
      for (const n of needed) {
        if (declares(manifests, n.pkg)) continue;
        const named = new RegExp(`\\b${n.pkg}\\b`, "i");
        if (installs.some((t) => named.test(t))) continue;
        yield finding(
          this.id,
          "error",
          manifest.path,
          1,
          `${n.pkg} is not listed in ${manifests.map((m) => m.path).join(" / ")}, but ${n.why}: the container fails at start (command not found / ModuleNotFoundError).`,
          `Add a pinned \`${n.pkg}==<version>\` line to ${manifest.path}.`,
        );
      }
    }
  },
};

export const appRules: Rule[] = [
  appBindLoopback,
  appLocalStorageWrite,
  appServerDep,
  layoutPythonDepsMissing,
  layoutAppModuleMissing,
].map((r) => limitPerFile(r));
