import type { JsonFile, Project } from "../project/load.js";
import type { Position } from "../project/source.js";
import { finding, type Rule } from "./rule.js";

const CONTAINERS_PKG = "@cloudflare/containers";

function isObject(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === "[object Object]";
}

type DepField = "dependencies" | "devDependencies" | "optionalDependencies" | "peerDependencies";

/** The names of one dependency map; a wrong shape (string, array) counts as empty. */
function deps(pkg: JsonFile, field: DepField): string[] {
  const value = isObject(pkg.doc.value) ? pkg.doc.value[field] : undefined;
  return isObject(value) ? Object.keys(value) : [];
}

function pkgField(pkg: JsonFile, field: string): unknown {
  return isObject(pkg.doc.value) ? pkg.doc.value[field] : undefined;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; relative and `node:` specifiers → undefined. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith(".") || specifier.startsWith("/") || /^[a-z]+:/.test(specifier)) return undefined;
  const parts = specifier.split("/");
  if (specifier.startsWith("@")) return parts.length >= 2 ? `${parts[0]}/${parts[1]}` : undefined;
  return parts[0];
}

interface ImportSite {
  pkg: string;
  line: number;
  column: number;
}

/**
 * Bare module specifiers the Worker entry imports: static imports, re-exports, dynamic import()
 * and require() with a literal. Walks the Babel AST iteratively so deep nesting cannot overflow.
 */
export function workerImports(project: Project): ImportSite[] {
  const program = project.worker?.program;
  if (!program) return [];
  const out: ImportSite[] = [];
  const add = (source: unknown, node: unknown) => {
    if (!isObject(source) || typeof source.value !== "string") return;
    const pkg = packageOf(source.value);
    if (pkg === undefined) return;
    const loc = isObject(node) && isObject(node.loc) && isObject(node.loc.start) ? node.loc.start : undefined;
    out.push({
      pkg,
      line: typeof loc?.line === "number" ? loc.line : 1,
      column: typeof loc?.column === "number" ? loc.column + 1 : 1,
    });
  };
  const stack: unknown[] = [program.program];
  let visited = 0;
  while (stack.length > 0 && visited < 200_000) {
    const node = stack.pop();
    visited++;
    if (Array.isArray(node)) {
      for (const n of node) stack.push(n);
      continue;
    }
    if (!isObject(node) || typeof node.type !== "string") continue;
    switch (node.type) {
      case "ImportDeclaration":
      case "ExportAllDeclaration":
      case "ExportNamedDeclaration":
        if (node.source) add(node.source, node);
        break;
      case "ImportExpression":
        add(node.source, node);
        break;
      case "CallExpression": {
        const callee = node.callee;
        const first = Array.isArray(node.arguments) ? node.arguments[0] : undefined;
        if (
          isObject(callee) &&
          (callee.type === "Import" || (callee.type === "Identifier" && callee.name === "require"))
        ) {
          if (isObject(first) && first.type === "StringLiteral") add(first, node);
        }
        break;
      }
      default:
        break;
    }
    for (const [key, child] of Object.entries(node)) {
      if (
        key === "loc" ||
        key === "start" ||
        key === "end" ||
        key === "leadingComments" ||
        key === "trailingComments"
      )
        continue;
      if (typeof child === "object" && child !== null) stack.push(child);
    }
  }
  return out;
}

function locateDep(pkg: JsonFile, field: DepField, name: string): Position {
  return pkg.doc.locate([field, name]);
}

export const pkgParse: Rule = {
  id: "pkg-parse",
  *check({ project }) {
    const failure = project.packageJsonFailure;
    if (!failure) return;
    yield finding(
      this.id,
      "error",
      failure.file,
      failure.position,
      `${failure.file} is not valid JSON: ${failure.message} (line ${failure.position.line}, column ${failure.position.column}).`,
      "Fix the syntax there: package.json is strict JSON (no comments, no trailing commas, double-quoted keys).",
    );
  },
};

export const pkgContainersDep: Rule = {
  id: "pkg-containers-dep",
  *check({ project }) {
    const pkg = project.packageJson;
    if (!pkg || !project.config) return;
    const containers = project.config.get("containers");
    const hasContainers = Array.isArray(containers) && containers.length > 0;
    const imports = workerImports(project).filter((i) => i.pkg === CONTAINERS_PKG);
    if (!hasContainers && imports.length === 0) return;
    if (deps(pkg, "dependencies").includes(CONTAINERS_PKG)) return;
    const inDev = deps(pkg, "devDependencies").includes(CONTAINERS_PKG);
    const importedAt = imports[0];
    const where =
      importedAt && project.worker ? ` (imported at ${project.worker.path}:${importedAt.line})` : "";
    if (inDev) {
      yield finding(
        this.id,
        "warning",
        pkg.path,
        locateDep(pkg, "devDependencies", CONTAINERS_PKG),
        `${CONTAINERS_PKG} is only a devDependency${where}; wrangler still bundles it, but the guide keeps runtime packages in "dependencies".`,
        `Move it to "dependencies": npm i ${CONTAINERS_PKG}.`,
      );
      return;
    }
    // The Worker may drive containers through the lower-level DurableObject API (ctx.container):
    // only an import makes bundling fail; otherwise it is the guide's convention (a warning).
    const dependencies = pkgField(pkg, "dependencies");
    yield finding(
      this.id,
      imports.length > 0 ? "error" : "warning",
      pkg.path,
      isObject(dependencies) ? pkg.doc.locate(["dependencies"]) : 1,
      imports.length > 0
        ? `The Worker imports "${CONTAINERS_PKG}"${where} but package.json does not depend on it: bundling fails with 'Could not resolve "${CONTAINERS_PKG}"'.`
        : `Containers are configured but package.json has no "${CONTAINERS_PKG}" dependency; the guide's Worker (export class Backend extends Container) needs it, unless the Worker drives the container through ctx.container itself.`,
      `Run \`npm i ${CONTAINERS_PKG}\` so it lands in "dependencies".`,
    );
  },
};

export const pkgTypeModule: Rule = {
  id: "pkg-type-module",
  *check({ project }) {
    const pkg = project.packageJson;
    if (!pkg || !project.config) return;
    const type = pkgField(pkg, "type");
    if (type === "module") return;
    yield finding(
      this.id,
      "warning",
      pkg.path,
      type === undefined ? 1 : pkg.doc.locate(["type"]),
      type === undefined
        ? `${pkg.path} has no "type": "module"; the guide's backend is an ES module package (wrangler bundles ESM anyway, but Node tooling treats .js files as CommonJS).`
        : `${pkg.path} sets "type": ${JSON.stringify(type)}; the guide's backend is an ES module package ("type": "module").`,
      'Set "type": "module" in package.json.',
    );
  },
};

/** Packages with native (.node) addons that cannot run in the Workers runtime. */
const NATIVE_PACKAGES = new Map<string, string>([
  ["sqlite3", "use D1 (env.DB) from the Worker"],
  ["better-sqlite3", "use D1 (env.DB) from the Worker"],
  ["bcrypt", "use bcryptjs or Web Crypto (PBKDF2)"],
  ["argon2", "use Web Crypto (PBKDF2) or a WASM build"],
  ["sharp", "use the Cloudflare Images binding"],
  ["canvas", "render inside the container instead"],
  ["node-canvas", "render inside the container instead"],
  ["@tensorflow/tfjs-node", "run inference inside the container or use Workers AI"],
  ["node-gyp-build", "move the native work into the container"],
  ["cpu-features", "move the native work into the container"],
  ["bufferutil", "the Workers runtime has WebSocket built in"],
  ["utf-8-validate", "the Workers runtime has WebSocket built in"],
  ["pg-native", "use pg (pure JS) with Hyperdrive"],
  ["libxmljs", "use a pure-JS XML parser"],
  ["re2", "use the built-in RegExp"],
  ["zeromq", "move the native work into the container"],
  ["serialport", "move the native work into the container"],
  ["leveldown", "use KV or D1"],
  ["lmdb", "use KV or D1"],
  ["duckdb", "run it inside the container"],
  ["usb", "move the native work into the container"],
]);

function nativeAdvice(name: string): string | undefined {
  const known = NATIVE_PACKAGES.get(name);
  if (known) return known;
  if (name.startsWith("@node-rs/") || name.startsWith("@napi-rs/"))
    return "use a WASM or pure-JS alternative";
  return undefined;
}

export const pkgNativeModule: Rule = {
  id: "pkg-native-module",
  *check({ project }) {
    const pkg = project.packageJson;
    if (!pkg) return;
    const imported = new Map<string, { line: number }>();
    for (const i of workerImports(project)) if (!imported.has(i.pkg)) imported.set(i.pkg, { line: i.line });
    const fields: DepField[] = ["dependencies", "devDependencies", "optionalDependencies"];
    for (const field of fields) {
      for (const name of deps(pkg, field)) {
        const advice = nativeAdvice(name);
        if (!advice) continue;
        const site = imported.get(name);
        // Only runtime dependencies or packages the Worker imports matter; dev tooling never ships.
        if (!site && field === "devDependencies") continue;
        yield finding(
          this.id,
          site ? "error" : "warning",
          pkg.path,
          locateDep(pkg, field, name),
          site
            ? `"${name}" is a native addon and the Worker imports it (${project.worker?.path ?? "main"}:${site.line}); bundling fails with 'No loader is configured for ".node" files' or it crashes at runtime.`
            : `"${name}" (${field}) is a native addon; it cannot run in the Workers runtime if the Worker ever imports it.`,
          `Worker side: ${advice}. Inside the container image native packages are fine: install them from the image's own dependency file, not the Worker's package.json.`,
        );
      }
    }
  },
};

/** Frontend frameworks; the guide keeps backend/ API-only. */
const FRONTEND_PACKAGES = [
  "next",
  "react-dom",
  "vue",
  "nuxt",
  "@angular/core",
  "svelte",
  "@sveltejs/kit",
  "astro",
  "gatsby",
];

function isFrontendPackage(name: string): boolean {
  return (
    FRONTEND_PACKAGES.includes(name) || name.startsWith("@remix-run/") || name.startsWith("@react-router/")
  );
}

const FRONTEND_COMMAND =
  /\b(next\s+(start|dev)|nuxt\s+(start|preview|dev)|nuxi\s+(preview|dev)|vite\s+preview|astro\s+(preview|dev)|remix-serve|react-scripts\s+start|ng\s+serve)\b/;

export const pkgFrontendFramework: Rule = {
  id: "pkg-frontend-framework",
  *check({ project }) {
    const pkg = project.packageJson;
    const hint =
      "Deploy the frontend with Workers static assets or Pages, and keep this folder an API-only backend (the container serves /api).";
    if (pkg) {
      for (const field of ["dependencies", "devDependencies"] as const) {
        for (const name of deps(pkg, field)) {
          if (!isFrontendPackage(name)) continue;
          yield finding(
            this.id,
            "error",
            pkg.path,
            locateDep(pkg, field, name),
            `"${name}" (${field}) is a frontend framework; the guide deploys only the backend API to Containers.`,
            hint,
          );
        }
      }
      const scripts = pkgField(pkg, "scripts");
      if (isObject(scripts)) {
        for (const script of ["start", "serve"]) {
          const cmd = scripts[script];
          if (typeof cmd !== "string" || !/\bvite(\s|$)/.test(cmd)) continue;
          yield finding(
            this.id,
            "error",
            pkg.path,
            pkg.doc.locate(["scripts", script]),
            `scripts.${script} = ${JSON.stringify(cmd)} serves a frontend with Vite; the guide deploys only the backend API to Containers.`,
            hint,
          );
        }
      }
    }
    for (const dockerfile of project.dockerfiles) {
      for (const instruction of dockerfile.ast.getInstructions()) {
        const keyword = instruction.getKeyword().toUpperCase();
        if (keyword !== "CMD" && keyword !== "ENTRYPOINT") continue;
        const text = instruction
          .getArguments()
          .map((a) => a.getValue().replace(/^\[?\s*"?|"?\s*,?\]?$/g, ""))
          .join(" ");
        const match = FRONTEND_COMMAND.exec(text);
        if (!match) continue;
        const start = instruction.getRange().start;
        yield finding(
          this.id,
          "error",
          dockerfile.path,
          { line: start.line + 1, column: start.character + 1 },
          `${keyword} runs "${match[0]}", a frontend server; the guide deploys only the backend API to Containers.`,
          hint,
        );
      }
    }
  },
};

export const pkgRules: Rule[] = [
  pkgParse,
  pkgContainersDep,
  pkgTypeModule,
  pkgNativeModule,
  pkgFrontendFramework,
];
