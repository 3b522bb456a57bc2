import type { Position } from "../project/source.js";
import { NOT_INHERITED, type WranglerConfig } from "../project/wrangler-config.js";
import { finding, type Rule } from "./rule.js";

// ---------------------------------------------------------------------------------------------
// Helpers. Every value read from the config is `unknown`: a wrong type is a finding, never a throw.
// ---------------------------------------------------------------------------------------------

/** A plain table / object (not an array, not a TOML date). */
function isObject(value: unknown): value is Record<string, unknown> {
  return Object.prototype.toString.call(value) === "[object Object]";
}

/** A value as the user would recognise it in a message: strings quoted, TOML dates as written. */
function show(value: unknown): string {
  let text: string;
  if (value instanceof Date)
    text = Number.isNaN(value.getTime()) ? "<date>" : value.toISOString().slice(0, 10);
  else if (value === undefined) text = "nothing";
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = `<${typeof value}>`;
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a TOML date";
  if (isObject(value)) return "a table/object";
  return `a ${typeof value}`;
}

/** `env.staging.containers[0].image`: the key path as it applies to the selected environment. */
function label(config: WranglerConfig, key: string, ...rest: (string | number)[]): string {
  return [...config.pathOf(key), ...rest]
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join("");
}

function isToml(config: WranglerConfig): boolean {
  return config.format === "toml";
}

/** Snippet in the config's own syntax. */
function snippet(config: WranglerConfig, toml: string, json: string): string {
  return isToml(config) ? toml : json;
}

interface ContainerEntry {
  index: number;
  entry: Record<string, unknown>;
}

/** The effective `containers` entries that are tables; odd shapes are reported by their own rule. */
function containerEntries(config: WranglerConfig): ContainerEntry[] {
  const containers = config.get("containers");
  if (!Array.isArray(containers)) return [];
  const out: ContainerEntry[] = [];
  containers.forEach((entry, index) => {
    if (isObject(entry)) out.push({ index, entry });
  });
  return out;
}

/** Durable-Object-managed containers (`scheduling_policy = "durable_object"`) follow another schema. */
function isDurableObjectManaged(entry: Record<string, unknown>): boolean {
  return entry.scheduling_policy === "durable_object";
}

interface DoBinding {
  index: number;
  name?: string;
  className?: string;
  scriptName?: string;
}

function doBindings(config: WranglerConfig): DoBinding[] {
  const durableObjects = config.get("durable_objects");
  if (!isObject(durableObjects) || !Array.isArray(durableObjects.bindings)) return [];
  const out: DoBinding[] = [];
  durableObjects.bindings.forEach((b, index) => {
    if (!isObject(b)) return;
    out.push({
      index,
      ...(typeof b.name === "string" ? { name: b.name } : {}),
      ...(typeof b.class_name === "string" ? { className: b.class_name } : {}),
      ...(typeof b.script_name === "string" ? { scriptName: b.script_name } : {}),
    });
  });
  return out;
}

interface MigrationClass {
  className: string;
  /** Index of the migration entry and the path inside it. */
  migration: number;
  path: (string | number)[];
  kind: "new_sqlite_classes" | "new_classes" | "renamed_classes" | "transferred_classes";
}

/** Classes the `migrations` array creates (or moves in), in order. */
function migrationClasses(config: WranglerConfig): MigrationClass[] {
  const migrations = config.get("migrations");
  if (!Array.isArray(migrations)) return [];
  const out: MigrationClass[] = [];
  migrations.forEach((m, migration) => {
    if (!isObject(m)) return;
    for (const kind of ["new_sqlite_classes", "new_classes"] as const) {
      const list = m[kind];
      if (!Array.isArray(list)) continue;
      list.forEach((c, j) => {
        if (typeof c === "string") out.push({ className: c, migration, path: [kind, j], kind });
      });
    }
    for (const kind of ["renamed_classes", "transferred_classes"] as const) {
      const list = m[kind];
      if (!Array.isArray(list)) continue;
      list.forEach((r, j) => {
        if (isObject(r) && typeof r.to === "string")
          out.push({ className: r.to, migration, path: [kind, j, "to"], kind });
      });
    }
  });
  return out;
}

function isLiveExport(entry: Record<string, unknown>): boolean {
  const state = entry.state ?? "created";
  return state === "created" || state === "expecting-transfer";
}

/** Live `exports` entries of type durable-object: class name → entry. */
function durableObjectExports(config: WranglerConfig): Map<string, Record<string, unknown>> {
  const exports = config.get("exports");
  const out = new Map<string, Record<string, unknown>>();
  if (!isObject(exports)) return out;
  for (const [className, entry] of Object.entries(exports)) {
    if (isObject(entry) && entry.type === "durable-object" && isLiveExport(entry)) out.set(className, entry);
  }
  return out;
}

/** Every Durable Object class this config declares (bindings, migrations, exports). */
function declaredClasses(config: WranglerConfig): Set<string> {
  const out = new Set<string>();
  for (const b of doBindings(config)) if (b.className !== undefined) out.add(b.className);
  for (const m of migrationClasses(config)) out.add(m.className);
  for (const c of durableObjectExports(config).keys()) out.add(c);
  return out;
}

/** The application name wrangler gives a container: `name`, else `<worker>-<class>[-<env>]` lowercased. */
function effectiveContainerName(config: WranglerConfig, entry: Record<string, unknown>): string | undefined {
  if (typeof entry.name === "string" && entry.name !== "") return entry.name;
  const worker = config.get("name");
  if (typeof worker !== "string" || worker === "" || typeof entry.class_name !== "string") return undefined;
  const env = config.environment !== undefined ? `-${config.environment}` : "";
  return `${worker}-${entry.class_name}${env}`.toLowerCase().replace(/ /g, "-");
}

/** Levenshtein distance, for "did you mean" suggestions on short keys. */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

/** The closest known spelling: same letters ignoring case/dashes/underscores, else edit distance ≤ 2. */
function closest(value: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_\s]/g, "");
  const exact = known.find((k) => norm(k) === norm(value));
  if (exact) return exact;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(value.toLowerCase(), k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------
// Top level
// ---------------------------------------------------------------------------------------------

export const wranglerParse: Rule = {
  id: "wrangler-parse",
  *check({ project }) {
    const failure = project.configFailure;
    if (!failure) return;
    const toml = failure.file.endsWith(".toml");
    yield finding(
      this.id,
      "error",
      failure.file,
      failure.position,
      `${failure.file} cannot be parsed as ${toml ? "TOML" : "JSON"}: ${failure.message} (line ${failure.position.line}, column ${failure.position.column}).`,
      toml
        ? "Fix the TOML syntax there: strings need double quotes, every key once per table, arrays of tables as [[containers]]."
        : "Fix the JSON syntax there (wrangler allows // comments and trailing commas in .json and .jsonc).",
    );
  },
};

export const wranglerNameMissing: Rule = {
  id: "wrangler-name-missing",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const name = config.get("name");
    if (name !== undefined && name !== "") return;
    yield finding(
      this.id,
      "error",
      config.file,
      name === "" ? config.locate("name") : 1,
      name === ""
        ? `${label(config, "name")} is empty: the Worker needs a name (it also prefixes the container application name).`
        : `${config.file} has no top-level "name": the Worker needs a name (it also prefixes the container application name).`,
      `Add ${snippet(config, 'name = "my-backend"', '"name": "my-backend"')} at the top of ${config.file}.`,
    );
  },
};

const WORKER_NAME_RE = /^[a-z0-9_][a-z0-9-_]*$/;

function suggestName(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  return s === "" ? "my-backend" : s;
}

export const wranglerNameFormat: Rule = {
  id: "wrangler-name-format",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const name = config.get("name");
    if (name === undefined || name === "") return;
    const at = config.locate("name");
    const key = label(config, "name");
    if (typeof name !== "string") {
      const suggested = typeof name === "number" ? suggestName(`worker-${name}`) : "my-backend";
      yield finding(
        this.id,
        "error",
        config.file,
        at,
        `${key} = ${show(name)} is ${typeName(name)}; wrangler expects a string of lowercase letters, digits and dashes.`,
        `Write it as a quoted string, e.g. ${snippet(config, `name = "${suggested}"`, `"name": "${suggested}"`)}.`,
      );
      return;
    }
    if (!WORKER_NAME_RE.test(name)) {
      yield finding(
        this.id,
        "error",
        config.file,
        at,
        `${key} = ${show(name)} is not a valid Worker name; wrangler: "Expected "name" to be of type string, alphanumeric and lowercase with dashes only".`,
        `Use lowercase letters, digits and dashes, e.g. "${suggestName(name)}".`,
      );
      return;
    }
    if (name.includes("_") || name.endsWith("-")) {
      yield finding(
        this.id,
        "warning",
        config.file,
        at,
        `${key} = ${show(name)} ${name.includes("_") ? "contains an underscore" : "ends with a dash"}; a Worker name must be a valid DNS label for its workers.dev URL.`,
        `Use lowercase letters, digits and dashes with no leading or trailing dash, e.g. "${suggestName(name)}".`,
      );
    }
  },
};

export const wranglerNameLength: Rule = {
  id: "wrangler-name-length",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const name = config.get("name");
    if (typeof name !== "string" || name === "") return;
    const env = config.environment;
    const ownName = env !== undefined && config.pathOf("name")[0] === "env";
    const effective = env !== undefined && !ownName ? `${name}-${env}` : name;
    if (effective.length <= 63) return;
    yield finding(
      this.id,
      "error",
      config.file,
      config.locate("name"),
      `The Worker name "${effective}" is ${effective.length} characters${effective !== name ? ` (${label(config, "name")} plus "-${env}" for the environment)` : ""}; it must fit a 63-character DNS label for workers.dev.`,
      `Shorten ${label(config, "name")} to at most ${63 - (effective.length - name.length)} characters.`,
    );
  },
};

export const wranglerMainMissing: Rule = {
  id: "wrangler-main-missing",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const main = config.get("main");
    const fix = `Add ${snippet(config, 'main = "src/index.js"', '"main": "src/index.js"')} pointing at the Worker entry.`;
    if (main === undefined) {
      yield finding(
        this.id,
        "error",
        config.file,
        1,
        `${config.file} has no "main": wrangler needs the Worker entry point (name, main and compatibility_date are the minimum).`,
        fix,
      );
    } else if (typeof main !== "string" || main.trim() === "") {
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("main"),
        `${label(config, "main")} = ${show(main)} is not a path to the Worker entry.`,
        fix,
      );
    }
  },
};

export const wranglerCompatDateMissing: Rule = {
  id: "wrangler-compat-date-missing",
  *check({ project, now }) {
    const config = project.config;
    if (!config || config.get("compatibility_date") !== undefined) return;
    const today = now.toISOString().slice(0, 10);
    yield finding(
      this.id,
      "error",
      config.file,
      1,
      `${config.file} has no "compatibility_date"; wrangler: "A compatibility_date is required when publishing."`,
      `Add ${snippet(config, `compatibility_date = "${today}"`, `"compatibility_date": "${today}"`)} (today's date in UTC, or earlier).`,
    );
  },
};

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** `YYYY-MM-DD` that names a real calendar day. */
function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export const wranglerCompatDateFormat: Rule = {
  id: "wrangler-compat-date-format",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const value = config.get("compatibility_date");
    if (value === undefined) return;
    const at = config.locate("compatibility_date");
    const key = label(config, "compatibility_date");
    if (value instanceof Date) {
      const written = show(value);
      yield finding(
        this.id,
        "error",
        config.file,
        at,
        `${key} = ${written} is an unquoted TOML date; wrangler requires a string ("Expected "compatibility_date" to be of type string").`,
        `Quote it: compatibility_date = "${written}".`,
      );
      return;
    }
    if (typeof value !== "string") {
      yield finding(
        this.id,
        "error",
        config.file,
        at,
        `${key} = ${show(value)} is ${typeName(value)}; wrangler requires a "YYYY-MM-DD" string.`,
        `Write it as ${snippet(config, 'compatibility_date = "2026-11-01"', '"compatibility_date": "2026-11-01"')}.`,
      );
      return;
    }
    if (/[\u2013\u2014]/.test(value)) {
      const fixed = value.replace(/[\u2013\u2014]/g, "-");
      yield finding(
        this.id,
        "error",
        config.file,
        at,
        `${key} = ${show(value)} uses en-dashes or em-dashes; wrangler: "should use ISO-8601 accepted hyphens (-) rather than en-dashes (–) or em-dashes (—)".`,
        `Type the date with ASCII hyphens: "${fixed}".`,
      );
      return;
    }
    if (!isCalendarDate(value)) {
      yield finding(
        this.id,
        "error",
        config.file,
        at,
        `${key} = ${show(value)} is not a valid ISO-8601 date (YYYY-MM-DD).`,
        'Use a real calendar date written YYYY-MM-DD with zero-padded month and day, e.g. "2026-11-01".',
      );
    }
  },
};

export const wranglerCompatDateFuture: Rule = {
  id: "wrangler-compat-date-future",
  *check({ project, now }) {
    const config = project.config;
    if (!config) return;
    const value = config.get("compatibility_date");
    if (typeof value !== "string" || !isCalendarDate(value)) return;
    // The API compares against the current date in UTC: a date that is "today" after local
    // midnight east of Greenwich is still tomorrow for Cloudflare (workers-sdk #5453, #5966).
    const today = now.toISOString().slice(0, 10);
    if (value <= today) return;
    yield finding(
      this.id,
      "error",
      config.file,
      config.locate("compatibility_date"),
      `${label(config, "compatibility_date")} = "${value}" is in the future (today is ${today} in UTC); the API rejects the deploy with code 10021 "Can't set compatibility date in the future".`,
      `Use today's UTC date ("${today}") or an earlier one.`,
    );
  },
};

export const wranglerCompatDateLocalRuntime: Rule = {
  id: "wrangler-compat-date-local-runtime",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const value = config.get("compatibility_date");
    if (typeof value !== "string" || !isCalendarDate(value)) return;
    const version = project.localRuntime?.workerdVersion;
    // workerd versions encode their release date: 1.YYYYMMDD.patch
    const m = version ? /^1\.(\d{4})(\d{2})(\d{2})\./.exec(version) : null;
    if (!m) return;
    const supported = `${m[1]}-${m[2]}-${m[3]}`;
    if (value <= supported) return;
    yield finding(
      this.id,
      "warning",
      config.file,
      config.locate("compatibility_date"),
      `${label(config, "compatibility_date")} = "${value}" is newer than the installed local runtime (workerd ${version} supports dates up to ${supported}); \`wrangler dev\` runs with ${supported} instead (older versions refused to start), so local behaviour can differ from production.`,
      `Update wrangler (npm i -D wrangler@latest) or use a compatibility_date on or before ${supported}.`,
    );
  },
};

const KNOWN_TOP_LEVEL_KEYS = [
  "$schema",
  "access",
  "account_id",
  "addresses",
  "agent_memory",
  "ai",
  "ai_search",
  "ai_search_namespaces",
  "alias",
  "analytics",
  "analytics_engine_datasets",
  "artifacts",
  "assets",
  "base_dir",
  "browser",
  "build",
  "cache",
  "cloudchamber",
  "compatibility_date",
  "compatibility_flags",
  "compliance_region",
  "connect",
  "containers",
  "d1_databases",
  "data_blobs",
  "define",
  "dependencies_instrumentation",
  "dev",
  "dispatch_namespaces",
  "durable_objects",
  "env",
  "exports",
  "find_additional_modules",
  "first_party_worker",
  "flagship",
  "hyperdrive",
  "images",
  "jsx_factory",
  "jsx_fragment",
  "k2",
  "keep_names",
  "keep_vars",
  "kv_namespaces",
  "limits",
  "logfwdr",
  "logpush",
  "main",
  "media",
  "migrations",
  "minify",
  "mtls_certificates",
  "name",
  "no_bundle",
  "observability",
  "pages_build_output_dir",
  "pipelines",
  "placement",
  "preserve_file_names",
  "preview_urls",
  "previews",
  "python_modules",
  "queues",
  "r2_buckets",
  "ratelimits",
  "route",
  "routes",
  "rules",
  "secrets",
  "secrets_store_secrets",
  "send_email",
  "send_metrics",
  "services",
  "site",
  "stream",
  "streaming_tail_consumers",
  "tail_consumers",
  "text_blobs",
  "triggers",
  "tsconfig",
  "unsafe",
  "unsafe_hello_world",
  "upload_source_maps",
  "vars",
  "vectorize",
  "version_metadata",
  "vpc_networks",
  "vpc_services",
  "wasm_modules",
  "worker_loaders",
  "workers_dev",
  "workflows",
  // Legacy keys wrangler still recognises (with deprecation warnings).
  "legacy_env",
  "node_compat",
  "type",
  "usage_model",
  "zone_id",
  "webpack_config",
  "miniflare",
  "experimental_services",
  "kv-namespaces",
] as const;

export const wranglerUnknownKey: Rule = {
  id: "wrangler-unknown-key",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const sections: { keys: string[]; path: string[] }[] = [{ keys: Object.keys(config.raw), path: [] }];
    const envs = config.raw.env;
    if (config.environment !== undefined && isObject(envs)) {
      const section = envs[config.environment];
      if (isObject(section)) sections.push({ keys: Object.keys(section), path: ["env", config.environment] });
    }
    for (const { keys, path } of sections) {
      for (const key of keys) {
        if ((KNOWN_TOP_LEVEL_KEYS as readonly string[]).includes(key)) continue;
        if (path.length > 0 && key === "env") continue;
        const guess = closest(key, KNOWN_TOP_LEVEL_KEYS);
        yield finding(
          this.id,
          "warning",
          config.file,
          config.doc.locate([...path, key]),
          `Unknown key "${[...path, key].join(".")}" in ${config.file}; wrangler only warns "Unexpected fields found in top-level field" and ignores it.`,
          guess
            ? `Did you mean "${guess}"?`
            : "Check the spelling against the Wrangler configuration reference, or remove it.",
        );
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// containers
// ---------------------------------------------------------------------------------------------

export const wranglerContainersMissing: Rule = {
  id: "wrangler-containers-missing",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const containers = config.get("containers");
    if (
      containers !== undefined &&
      containers !== null &&
      !(Array.isArray(containers) && containers.length === 0)
    ) {
      return;
    }
    // An environment that drops the top-level containers is reported by wrangler-env-not-inherited.
    if (config.environment !== undefined && config.raw.containers !== undefined && containers === undefined)
      return;
    const where =
      config.environment !== undefined
        ? `environment "${config.environment}" of ${config.file}`
        : config.file;
    yield finding(
      this.id,
      "error",
      config.file,
      containers === undefined
        ? config.environment !== undefined
          ? config.locate("containers")
          : 1
        : config.locate("containers"),
      `No container is configured in ${where}: without a containers entry the Durable Object throws "Containers have not been enabled for this Durable Object class".`,
      `Add ${snippet(config, '[[containers]] with class_name = "Backend" and image = "./Dockerfile"', '"containers": [{ "class_name": "Backend", "image": "./Dockerfile" }]')}.`,
    );
  },
};

export const wranglerContainersNotArray: Rule = {
  id: "wrangler-containers-not-array",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const containers = config.get("containers");
    if (containers === undefined || containers === null) return;
    if (!Array.isArray(containers)) {
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("containers"),
        `${label(config, "containers")} is ${typeName(containers)} (${show(containers)}); wrangler: ""containers" field should be an array".`,
        isToml(config)
          ? "Declare each container as an array of tables: [[containers]] (double brackets)."
          : 'Make it an array: "containers": [{ "class_name": "Backend", "image": "./Dockerfile" }].',
      );
      return;
    }
    for (const [index, entry] of containers.entries()) {
      if (isObject(entry)) continue;
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("containers", index),
        `${label(config, "containers", index)} is ${typeName(entry)} (${show(entry)}); each container must be a table with class_name and image.`,
        `Write it as ${snippet(config, "[[containers]] with class_name and image keys", '{ "class_name": "Backend", "image": "./Dockerfile" }')}.`,
      );
    }
  },
};

export const wranglerContainerImageMissing: Rule = {
  id: "wrangler-container-image-missing",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      if (isDurableObjectManaged(entry)) continue;
      const image = entry.image;
      const configured = isObject(entry.configuration) ? entry.configuration.image : undefined;
      if (image === undefined && typeof configured === "string" && configured !== "") continue;
      if (image === undefined) {
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("containers", index),
          `${label(config, "containers", index)} has no "image"; wrangler: ""containers.image" field must be defined for each container app".`,
          `Add ${snippet(config, 'image = "./Dockerfile"', '"image": "./Dockerfile"')} (a Dockerfile path relative to ${config.file}, or a registry image reference).`,
        );
      } else if (typeof image !== "string" || image.trim() === "") {
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("containers", index, "image"),
          `${label(config, "containers", index, "image")} = ${show(image)} is not a Dockerfile path or image reference.`,
          `Set ${snippet(config, 'image = "./Dockerfile"', '"image": "./Dockerfile"')}.`,
        );
      }
    }
  },
};

export const wranglerContainerClassMissing: Rule = {
  id: "wrangler-container-class-missing",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const linked = new Set<string>();
    for (const entry of durableObjectExports(config).values()) {
      if (typeof entry.container === "string") linked.add(entry.container);
    }
    for (const { index, entry } of containerEntries(config)) {
      const className = entry.class_name;
      if (className === undefined) {
        if (typeof entry.name === "string" && linked.has(entry.name)) continue;
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("containers", index),
          `${label(config, "containers", index)} has no "class_name" and no exports entry links to it; wrangler: "The container is not linked to a Durable Object".`,
          `Add ${snippet(config, 'class_name = "Backend"', '"class_name": "Backend"')}: the exported Container class that drives this image.`,
        );
      } else if (typeof className !== "string" || className.trim() === "") {
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("containers", index, "class_name"),
          `${label(config, "containers", index, "class_name")} = ${show(className)} is not a class name.`,
          `Set it to the name of the exported Container class, e.g. ${snippet(config, 'class_name = "Backend"', '"class_name": "Backend"')}.`,
        );
      }
    }
  },
};

export const wranglerContainerClassNoDo: Rule = {
  id: "wrangler-container-class-no-do",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const declared = declaredClasses(config);
    for (const { index, entry } of containerEntries(config)) {
      const className = entry.class_name;
      if (typeof className !== "string" || className.trim() === "" || declared.has(className)) continue;
      const nearly = [...declared].find((d) => d.toLowerCase() === className.toLowerCase().trim());
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("containers", index, "class_name"),
        `${label(config, "containers", index, "class_name")} = "${className}" does not match any Durable Object class in ${config.file}${nearly ? ` (there is "${nearly}"; class names are case-sensitive)` : ""}; wrangler: "The container class_name ${className} does not match any durable object class_name".`,
        nearly
          ? `Use one exact spelling ("${nearly}" or "${className}") in containers, durable_objects.bindings and migrations.`
          : `Bind the class as a Durable Object: ${snippet(config, `[[durable_objects.bindings]] name = "BACKEND", class_name = "${className}"`, `"durable_objects": { "bindings": [{ "name": "BACKEND", "class_name": "${className}" }] }`)}, and declare it in migrations.`,
      );
    }
  },
};

const CONTAINER_KEYS = [
  "name",
  "instances",
  "max_instances",
  "image",
  "image_build_context",
  "image_vars",
  "observability",
  "class_name",
  "scheduling_policy",
  "instance_type",
  "ssh",
  "wrangler_ssh",
  "authorized_keys",
  "trusted_user_ca_keys",
  "configuration",
  "constraints",
  "affinities",
  "rollout_step_percentage",
  "rollout_kind",
  "durable_objects",
  "rollout_active_grace_period",
  "unsafe",
] as const;

/** Keys of `scheduling_policy = "durable_object"` containers (wrangler ≥ 4.131). */
const DO_MANAGED_CONTAINER_KEYS = [
  "name",
  "class_name",
  "scheduling_policy",
  "images",
  "observability",
  "ssh",
  "authorized_keys",
  "unsafe",
] as const;

export const wranglerContainerUnknownKey: Rule = {
  id: "wrangler-container-unknown-key",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const known: readonly string[] = isDurableObjectManaged(entry)
        ? DO_MANAGED_CONTAINER_KEYS
        : CONTAINER_KEYS;
      for (const key of Object.keys(entry)) {
        if (known.includes(key)) continue;
        const guess = closest(key, known);
        const fallback =
          guess === "instance_type"
            ? ' and the container silently falls back to instance_type "lite"'
            : guess === "max_instances"
              ? " and max_instances silently falls back to 20"
              : "";
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("containers", index, key),
          `Unknown key "${key}" in ${label(config, "containers", index)}: wrangler only warns ("Unexpected fields found in containers field") and ignores it${fallback}.`,
          guess
            ? `Rename it to "${guess}" (container keys are snake_case).`
            : `Remove it; known keys: ${known.join(", ")}.`,
        );
      }
    }
  },
};

/** Registries the Containers platform cannot pull from (docs: image management). */
const UNSUPPORTED_REGISTRY = /^(gcr\.io|[a-z0-9-]+\.gcr\.io|public\.ecr\.aws)\//i;

export const wranglerContainerImageRef: Rule = {
  id: "wrangler-container-image-ref",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const c of project.containers) {
      if (c.imageKind !== "registry" || c.image === undefined) continue;
      const image = c.image;
      const at = config.locate("containers", c.index, "image");
      const key = label(config, "containers", c.index, "image");
      const segments = image.split("/");
      const last = segments[segments.length - 1] ?? "";
      let problem: string | undefined;
      let hint =
        "Use a full reference with a tag, e.g. registry.cloudflare.com/<account-id>/backend:1.0, or a Dockerfile path.";
      let valid = true;
      try {
        new URL(`https://${image}`);
      } catch {
        valid = false;
      }
      if (image.includes("://")) {
        problem = 'includes a protocol; wrangler: "Image reference should not include the protocol part"';
        hint = `Drop the protocol: "${image.replace(/^[a-z]+:\/\//i, "")}".`;
      } else if (!valid) {
        problem = "is neither a Dockerfile path nor a valid image registry path";
        if (segments.length === 1)
          hint = `For a Docker Hub official image write it in full: "docker.io/library/${last}".`;
      } else if (!last.includes(":")) {
        problem =
          "has no tag; wrangler: \"If this is an image registry path, it needs to include at least a tag ':'\"";
        hint = `Add a tag, e.g. "${image}:1.0".`;
      } else if (UNSUPPORTED_REGISTRY.test(image)) {
        problem =
          "is on a registry Cloudflare Containers cannot pull from (gcr.io and public ECR are not supported)";
        hint =
          "Push the image to the Cloudflare registry (wrangler containers push), Docker Hub or a private ECR.";
      } else if (
        segments.length === 1 ||
        (segments.length === 2 && /^(docker\.io|index\.docker\.io)$/i.test(segments[0] ?? ""))
      ) {
        problem = "names a Docker Hub official image without the library/ namespace";
        hint = `Write it in full: "docker.io/library/${last}".`;
      }
      if (!problem) continue;
      yield finding(this.id, "error", config.file, at, `${key} = "${image}" ${problem}.`, hint);
    }
  },
};

export const wranglerContainerDuplicate: Rule = {
  id: "wrangler-container-duplicate",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const seen = new Map<string, number>();
    const seenNames = new Map<string, number>();
    for (const { index, entry } of containerEntries(config)) {
      if (typeof entry.class_name === "string") {
        const first = seen.get(entry.class_name);
        if (first === undefined) seen.set(entry.class_name, index);
        else {
          yield finding(
            this.id,
            "error",
            config.file,
            config.locate("containers", index, "class_name"),
            `${label(config, "containers", index, "class_name")} = "${entry.class_name}" is already used by ${label(config, "containers", first)}; wrangler: "More than one container is attached to the Durable Object".`,
            "Attach one container per Durable Object class: remove the duplicate or give it its own class.",
          );
        }
      }
      if (typeof entry.name === "string") {
        const first = seenNames.get(entry.name);
        if (first === undefined) seenNames.set(entry.name, index);
        else {
          yield finding(
            this.id,
            "error",
            config.file,
            config.locate("containers", index, "name"),
            `${label(config, "containers", index, "name")} = "${entry.name}" is already used by ${label(config, "containers", first)}; wrangler: "Container names must be unique".`,
            "Give each container a unique name (or omit name to derive it from the Worker name and class).",
          );
        }
      }
    }
  },
};

export const wranglerContainerNameFormat: Rule = {
  id: "wrangler-container-name-format",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const effective = effectiveContainerName(config, entry);
      const explicit = typeof entry.name === "string" && entry.name !== "";
      // A derived name inherits the Worker name's problems, which wrangler-name-format reports.
      const worker = config.get("name");
      if (!explicit && (typeof worker !== "string" || !/^[a-z0-9-]+$/.test(worker))) continue;
      if (effective === undefined || /^[a-z][a-z0-9-]*$/.test(effective)) continue;
      const problem = /^[0-9]/.test(effective)
        ? "starts with a digit"
        : "has characters outside lowercase letters, digits and dashes";
      yield finding(
        this.id,
        "warning",
        config.file,
        explicit ? config.locate("containers", index, "name") : config.locate("containers", index),
        `The container application name "${effective}"${explicit ? "" : ` (derived from name and class_name)`} ${problem}; the containers API has rejected such names with VALIDATE_INPUT.`,
        explicit
          ? `Use a name that starts with a letter and has only a-z, 0-9 and dashes, e.g. "${suggestName(`app-${effective}`)}".`
          : `Set ${label(config, "containers", index, "name")} explicitly to a name that starts with a letter (a-z, 0-9, dashes).`,
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Instance types and scaling
// ---------------------------------------------------------------------------------------------

const INSTANCE_TYPES = ["lite", "basic", "standard-1", "standard-2", "standard-3", "standard-4"] as const;
const LEGACY_INSTANCE_TYPES = new Map<string, string>([
  ["dev", "lite"],
  ["standard", "standard-1"],
]);
const CUSTOM_KEYS = ["vcpu", "memory_mib", "disk_mb"] as const;

export const wranglerInstanceTypeInvalid: Rule = {
  id: "wrangler-instance-type-invalid",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const value = entry.instance_type;
      if (value === undefined || isObject(value)) continue;
      if (
        typeof value === "string" &&
        ((INSTANCE_TYPES as readonly string[]).includes(value) || LEGACY_INSTANCE_TYPES.has(value))
      ) {
        continue;
      }
      const guess = typeof value === "string" ? closest(value, INSTANCE_TYPES) : undefined;
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("containers", index, "instance_type"),
        `${label(config, "containers", index, "instance_type")} = ${show(value)} is not an instance type; wrangler expects one of ${INSTANCE_TYPES.join(", ")} or a custom { vcpu, memory_mib, disk_mb } table.`,
        guess
          ? `Did you mean "${guess}"?`
          : "Pick a listed type: lite (1/16 vCPU, 256 MiB), basic (1/4 vCPU, 1 GiB), standard-1 (1/2 vCPU, 4 GiB), ... standard-4 (4 vCPU, 12 GiB).",
      );
    }
  },
};

export const wranglerInstanceTypeDeprecated: Rule = {
  id: "wrangler-instance-type-deprecated",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const value = entry.instance_type;
      if (typeof value !== "string") continue;
      const replacement = LEGACY_INSTANCE_TYPES.get(value);
      if (replacement === undefined) continue;
      yield finding(
        this.id,
        "warning",
        config.file,
        config.locate("containers", index, "instance_type"),
        `${label(config, "containers", index, "instance_type")} = "${value}" is deprecated; wrangler: renamed to "${replacement}" and "will be removed in a subsequent version".`,
        `Use instance_type = "${replacement}" (same size).`,
      );
    }
  },
};

export const wranglerInstanceTypeCustomShape: Rule = {
  id: "wrangler-instance-type-custom-shape",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const value = entry.instance_type;
      if (!isObject(value)) continue;
      for (const [key, v] of Object.entries(value)) {
        const at = config.locate("containers", index, "instance_type", key);
        const where = label(config, "containers", index, "instance_type", key);
        if (!(CUSTOM_KEYS as readonly string[]).includes(key)) {
          const guess = closest(key, CUSTOM_KEYS);
          yield finding(
            this.id,
            "error",
            config.file,
            at,
            `Unknown key "${key}" in the custom instance type ${label(config, "containers", index, "instance_type")}; only vcpu, memory_mib and disk_mb are allowed.`,
            guess ? `Rename it to "${guess}".` : "Remove it.",
          );
        } else if (typeof v !== "number" || !Number.isFinite(v)) {
          yield finding(
            this.id,
            "error",
            config.file,
            at,
            `${where} = ${show(v)} is ${typeName(v)}; wrangler: ""containers.instance_type.${key}", when present, should be a number".`,
            `Write a bare number, e.g. ${key} = ${key === "vcpu" ? 1 : key === "memory_mib" ? 4096 : 8000}.`,
          );
        }
      }
    }
  },
};

export const wranglerInstanceTypeCustomBounds: Rule = {
  id: "wrangler-instance-type-custom-bounds",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const value = entry.instance_type;
      if (!isObject(value)) continue;
      const num = (key: string, fallback: number): number | undefined => {
        const v = value[key];
        if (v === undefined) return fallback;
        return typeof v === "number" && Number.isFinite(v) ? v : undefined;
      };
      // wrangler's defaults for missing custom fields (containers/config.ts).
      const vcpu = num("vcpu", 0.0625);
      const memory = num("memory_mib", 256);
      const disk = num("disk_mb", 2000);
      if (vcpu === undefined || memory === undefined || disk === undefined) continue; // custom-shape reports it
      const at = (key: string) =>
        value[key] !== undefined
          ? config.locate("containers", index, "instance_type", key)
          : config.locate("containers", index, "instance_type");
      const where = label(config, "containers", index, "instance_type");
      const shown = `{ vcpu = ${vcpu}, memory_mib = ${memory}, disk_mb = ${disk} }`;
      const problems: { key: string; message: string; hint: string }[] = [];
      if (vcpu < 1 || vcpu > 4) {
        problems.push({
          key: "vcpu",
          message: `vcpu = ${vcpu}${value.vcpu === undefined ? " (the default when omitted)" : ""} is outside 1-4`,
          hint:
            vcpu < 1
              ? "Use vcpu between 1 and 4, or a named type (lite, basic, standard-1) below 1 vCPU."
              : "Use at most 4 vCPU.",
        });
      }
      if (memory > 12288) {
        problems.push({
          key: "memory_mib",
          message: `memory_mib = ${memory} exceeds 12288 (12 GiB)`,
          hint: "Use at most 12288 MiB.",
        });
      }
      if (memory < 3072 * vcpu) {
        problems.push({
          key: "memory_mib",
          message: `memory_mib = ${memory} is below 3 GiB per vCPU (${3072 * vcpu} MiB for ${vcpu} vCPU)`,
          hint: `Raise memory_mib to at least ${Math.ceil(3072 * vcpu)} or lower vcpu.`,
        });
      }
      if (disk > 20000) {
        problems.push({
          key: "disk_mb",
          message: `disk_mb = ${disk} exceeds 20000 (20 GB)`,
          hint: "Use at most 20000 MB of disk.",
        });
      }
      const maxDisk = Math.floor((2000 * memory) / 1024);
      if (disk > maxDisk) {
        problems.push({
          key: "disk_mb",
          message: `disk_mb = ${disk} is more than 2 GB per GiB of memory (at most ${maxDisk} MB for ${memory} MiB); the API answers "Cannot have more GB disk than 2X your memory allotment in GiB"`,
          hint: `Lower disk_mb to ${maxDisk} or raise memory_mib to ${Math.ceil((disk * 1024) / 2000)}.`,
        });
      }
      for (const p of problems) {
        yield finding(
          this.id,
          "error",
          config.file,
          at(p.key),
          `Custom instance type ${where} = ${shown}: ${p.message}; the containers API rejects it with VALIDATE_INPUT (wrangler only checks the types).`,
          p.hint,
        );
      }
    }
  },
};

export const wranglerMaxInstancesInvalid: Rule = {
  id: "wrangler-max-instances-invalid",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const value = entry.max_instances;
      if (value === undefined) continue;
      if (typeof value === "number" && Number.isInteger(value) && value >= 0) continue;
      const reason =
        typeof value !== "number"
          ? `is ${typeName(value)}`
          : !Number.isFinite(value)
            ? "is not finite"
            : value < 0
              ? "is negative"
              : "is not a whole number";
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("containers", index, "max_instances"),
        `${label(config, "containers", index, "max_instances")} = ${show(value)} ${reason}; wrangler: ""containers.max_instances" field should be a positive number".`,
        `Write a whole number of at least 1, e.g. ${snippet(config, "max_instances = 5", '"max_instances": 5')} (unquoted).`,
      );
    }
  },
};

export const wranglerMaxInstancesZero: Rule = {
  id: "wrangler-max-instances-zero",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      if (entry.max_instances !== 0) continue;
      yield finding(
        this.id,
        "warning",
        config.file,
        config.locate("containers", index, "max_instances"),
        `${label(config, "containers", index, "max_instances")} = 0: no instance can ever start, every request gets 503 "There is no Container instance available".`,
        "Set max_instances to at least 1.",
      );
    }
  },
};

const ROLLOUT_SINGLE = [5, 10, 20, 25, 50, 100];
const ROLLOUT_KINDS = ["full_auto", "full_manual", "none"];

export const wranglerRollout: Rule = {
  id: "wrangler-rollout",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const file = config.file;
      const step = entry.rollout_step_percentage;
      if (step !== undefined) {
        const at = config.locate("containers", index, "rollout_step_percentage");
        const key = label(config, "containers", index, "rollout_step_percentage");
        if (typeof step === "number") {
          if (!ROLLOUT_SINGLE.includes(step)) {
            yield finding(
              this.id,
              "error",
              file,
              at,
              `${key} = ${show(step)}; wrangler: "must be one of [5, 10, 20, 25, 50, 100]".`,
              "Use one of 5, 10, 20, 25, 50, 100, or an ascending list of steps ending in 100.",
            );
          }
        } else if (Array.isArray(step)) {
          const problems: string[] = [];
          const numbers = step.filter((s): s is number => typeof s === "number");
          if (numbers.length !== step.length) problems.push("every step must be a number");
          if (numbers.some((s) => s < 10 || s > 100)) problems.push("steps must be between 10 and 100");
          if (numbers.some((s, i) => i > 0 && s < (numbers[i - 1] ?? 0)))
            problems.push("steps must be in ascending order");
          if (step.length === 0 || step[step.length - 1] !== 100) problems.push("the final step must be 100");
          const max = entry.max_instances;
          if (typeof max === "number" && step.length > max) {
            problems.push(`there are more steps (${step.length}) than max_instances (${max})`);
          }
          if (problems.length > 0) {
            yield finding(
              this.id,
              "error",
              file,
              at,
              `${key} = ${show(step)}: ${problems.join("; ")}.`,
              "Use an ascending list of percentages between 10 and 100 that ends in 100, e.g. [10, 50, 100].",
            );
          }
        } else {
          yield finding(
            this.id,
            "error",
            file,
            at,
            `${key} = ${show(step)} is ${typeName(step)}; wrangler: "must be a number or array of numbers".`,
            "Use a number (5, 10, 20, 25, 50, 100) or an ascending list ending in 100.",
          );
        }
      }
      const kind = entry.rollout_kind;
      if (kind !== undefined && (typeof kind !== "string" || !ROLLOUT_KINDS.includes(kind))) {
        yield finding(
          this.id,
          "error",
          file,
          config.locate("containers", index, "rollout_kind"),
          `${label(config, "containers", index, "rollout_kind")} = ${show(kind)} is not one of ${ROLLOUT_KINDS.join(", ")}.`,
          `Use "full_auto" (the default), "full_manual" or "none".`,
        );
      }
      const grace = entry.rollout_active_grace_period;
      if (grace !== undefined && (typeof grace !== "number" || !Number.isFinite(grace) || grace < 0)) {
        yield finding(
          this.id,
          "error",
          file,
          config.locate("containers", index, "rollout_active_grace_period"),
          `${label(config, "containers", index, "rollout_active_grace_period")} = ${show(grace)}; wrangler: "field should be a positive number".`,
          "Use a number of seconds, 0 or more.",
        );
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Durable Objects, migrations, exports
// ---------------------------------------------------------------------------------------------

export const wranglerLifecycleMissing: Rule = {
  id: "wrangler-lifecycle-missing",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const covered = new Set<string>([
      ...migrationClasses(config).map((m) => m.className),
      ...durableObjectExports(config).keys(),
    ]);
    const workerName = config.get("name");
    const reported = new Set<string>();
    const declared = declaredClasses(config);
    const classes: { className: string; at: Position; where: string }[] = [];
    for (const { index, entry } of containerEntries(config)) {
      // A class declared nowhere at all is reported once, by wrangler-container-class-no-do.
      if (
        typeof entry.class_name === "string" &&
        entry.class_name.trim() !== "" &&
        declared.has(entry.class_name)
      ) {
        classes.push({
          className: entry.class_name,
          at: config.locate("containers", index, "class_name"),
          where: label(config, "containers", index, "class_name"),
        });
      }
    }
    for (const b of doBindings(config)) {
      if (b.className === undefined) continue;
      if (b.scriptName !== undefined && b.scriptName !== workerName) continue; // defined by another Worker
      classes.push({
        className: b.className,
        at: config.locate("durable_objects", "bindings", b.index, "class_name"),
        where: label(config, "durable_objects", "bindings", b.index, "class_name"),
      });
    }
    for (const c of classes) {
      if (covered.has(c.className) || reported.has(c.className)) continue;
      reported.add(c.className);
      yield finding(
        this.id,
        "error",
        config.file,
        c.at,
        `Durable Object class "${c.className}" (${c.where}) is created by no migration (new_sqlite_classes) and no exports entry; the API then fails with 10061 "Cannot create binding for class '${c.className}' because it is not currently configured to implement Durable Objects".`,
        `Add ${snippet(config, `[[migrations]] tag = "v1", new_sqlite_classes = ["${c.className}"]`, `"migrations": [{ "tag": "v1", "new_sqlite_classes": ["${c.className}"] }]`)} (or a live exports entry with storage "sqlite").`,
      );
    }
  },
};

export const wranglerMigrationsNewClasses: Rule = {
  id: "wrangler-migrations-new-classes",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const containerClasses = new Set(
      containerEntries(config)
        .map((c) => c.entry.class_name)
        .filter((c): c is string => typeof c === "string"),
    );
    for (const m of migrationClasses(config)) {
      if (m.kind !== "new_classes" || !containerClasses.has(m.className)) continue;
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("migrations", m.migration, ...m.path),
        `Container class "${m.className}" is created with ${label(config, "migrations", m.migration, "new_classes")} (a KV-backed Durable Object); containers need SQLite-backed Durable Objects, and new accounts and the Free plan reject new KV-backed classes (API 10099/10097).`,
        `Use new_sqlite_classes = ["${m.className}"]. If the KV-backed class is already deployed it cannot be converted in place: delete it and create a new SQLite class.`,
      );
    }
    for (const [className, entry] of durableObjectExports(config)) {
      if (entry.storage !== "legacy-kv") continue;
      const linked = containerClasses.has(className) || typeof entry.container === "string";
      if (!linked) continue;
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("exports", className, "storage"),
        `${label(config, "exports", className, "storage")} = "legacy-kv" for container class "${className}"; containers need SQLite-backed Durable Objects.`,
        `Set storage = "sqlite" for ${className}.`,
      );
    }
  },
};

export const wranglerMigrationsAndExports: Rule = {
  id: "wrangler-migrations-and-exports",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const migrations = config.get("migrations");
    const exports = config.get("exports");
    if (!Array.isArray(migrations) || migrations.length === 0 || !isObject(exports)) return;
    const hasDo = Object.values(exports).some((e) => isObject(e) && e.type === "durable-object");
    if (!hasDo) return;
    yield finding(
      this.id,
      "error",
      config.file,
      config.locate("exports"),
      `${config.file} declares Durable Objects both in "migrations" and in "exports"; wrangler: "\`migrations\` and \`exports\` are mutually exclusive".`,
      "Keep one lifecycle scheme; the guide uses [[migrations]] with new_sqlite_classes.",
    );
  },
};

export const wranglerDoBindingMissing: Rule = {
  id: "wrangler-do-binding-missing",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const bound = new Set(doBindings(config).map((b) => b.className));
    const declared = declaredClasses(config);
    for (const { index, entry } of containerEntries(config)) {
      const className = entry.class_name;
      // Classes declared nowhere are reported by wrangler-container-class-no-do.
      if (typeof className !== "string" || bound.has(className) || !declared.has(className)) continue;
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("containers", index, "class_name"),
        `Container class "${className}" has no durable_objects binding, so the Worker cannot reach it (env.<BINDING> is undefined).`,
        `Add ${snippet(config, `[[durable_objects.bindings]] name = "BACKEND", class_name = "${className}"`, `"durable_objects": { "bindings": [{ "name": "BACKEND", "class_name": "${className}" }] }`)}.`,
      );
    }
  },
};

export const wranglerContainerExternalDo: Rule = {
  id: "wrangler-container-external-do",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const workerName = config.get("name");
    const containerClasses = new Set(containerEntries(config).map((c) => c.entry.class_name));
    for (const b of doBindings(config)) {
      if (b.scriptName === undefined || b.scriptName === workerName || !containerClasses.has(b.className))
        continue;
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("durable_objects", "bindings", b.index, "script_name"),
        `The binding for container class "${b.className}" sets script_name = "${b.scriptName}"; wrangler: "You cannot configure a container on a Durable Object that is defined in another Worker."`,
        "Remove script_name and export the class from this Worker's main module.",
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Further catalog rules: guide conventions, defaults, container schema details
// ---------------------------------------------------------------------------------------------

export const wranglerMainGuide: Rule = {
  id: "wrangler-main-guide",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const main = config.get("main");
    if (typeof main !== "string" || main.trim() === "") return;
    const normalized = main.replace(/^\.\//, "");
    if (normalized === "src/index.js" || normalized === "src/index.ts") return;
    yield finding(
      this.id,
      "warning",
      config.file,
      config.locate("main"),
      `${label(config, "main")} = "${main}"; the guide's layout puts the Worker entry at src/index.js (or src/index.ts).`,
      'Move the entry to src/index.js and set main = "src/index.js", or ignore this if the layout is deliberate.',
    );
  },
};

export const wranglerContainerImageGuide: Rule = {
  id: "wrangler-container-image-guide",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const c of project.containers) {
      if (c.image === undefined || c.imageKind !== "dockerfile") continue;
      if (c.image.replace(/^\.\//, "") === "Dockerfile") continue;
      yield finding(
        this.id,
        "warning",
        config.file,
        config.locate("containers", c.index, "image"),
        `${label(config, "containers", c.index, "image")} = "${c.image}"; the guide expects the Dockerfile next to ${config.file} (image = "./Dockerfile").`,
        'Move the Dockerfile beside the Wrangler config and set image = "./Dockerfile", or ignore this if the layout is deliberate.',
      );
    }
  },
};

export const wranglerInstanceTypeDefault: Rule = {
  id: "wrangler-instance-type-default",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      if (isDurableObjectManaged(entry) || entry.instance_type !== undefined) continue;
      if (Object.keys(entry).some((k) => k.toLowerCase().replace(/[-_]/g, "") === "instancetype")) continue; // misspelt: unknown-key
      yield finding(
        this.id,
        "warning",
        config.file,
        config.locate("containers", index),
        `${label(config, "containers", index)} sets no instance_type, so it runs as "lite" (1/16 vCPU, 256 MiB memory, 2 GB disk): too small for most Python/FastAPI images.`,
        `Set instance_type explicitly, e.g. ${snippet(config, 'instance_type = "basic"', '"instance_type": "basic"')} (lite, basic, standard-1 ... standard-4).`,
      );
    }
  },
};

export const wranglerMaxInstancesMissing: Rule = {
  id: "wrangler-max-instances-missing",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      if (isDurableObjectManaged(entry) || entry.max_instances !== undefined || entry.instances !== undefined)
        continue;
      if (Object.keys(entry).some((k) => k.toLowerCase().replace(/[-_]/g, "") === "maxinstances")) continue;
      yield finding(
        this.id,
        "warning",
        config.file,
        config.locate("containers", index),
        `${label(config, "containers", index)} sets no max_instances, so up to 20 instances can run at once (the default since wrangler 4.41.0): a cost exposure.`,
        `Set it explicitly, e.g. ${snippet(config, "max_instances = 5", '"max_instances": 5')}.`,
      );
    }
  },
};

const SCHEDULING_POLICIES = ["default", "regional", "moon", "durable_object"];

export const wranglerSchedulingPolicy: Rule = {
  id: "wrangler-scheduling-policy",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const value = entry.scheduling_policy;
      if (value === undefined) continue;
      const at = config.locate("containers", index, "scheduling_policy");
      const key = label(config, "containers", index, "scheduling_policy");
      if (typeof value !== "string" || !SCHEDULING_POLICIES.includes(value)) {
        yield finding(
          this.id,
          "error",
          config.file,
          at,
          `${key} = ${show(value)} is not a scheduling policy (default, regional, moon, or durable_object on wrangler ≥ 4.131).`,
          "Omit scheduling_policy (it means default) for the guide's layout.",
        );
      } else if (value === "durable_object") {
        yield finding(
          this.id,
          "error",
          config.file,
          at,
          `${key} = "durable_object" (public beta) is not supported by the Container class of @cloudflare/containers, which the guide's Worker extends; it also needs an images map and wrangler ≥ 4.131.`,
          "Omit scheduling_policy for the guide's layout, or drive the container with ctx.container from a DurableObject class.",
        );
      }
    }
  },
};

const REGIONS = ["ENAM", "WNAM", "EEUR", "WEUR", "APAC", "SAM", "ME", "OC", "AFR"];
const JURISDICTIONS = ["eu", "fedramp", "us"];

export const wranglerConstraints: Rule = {
  id: "wrangler-constraints",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const { index, entry } of containerEntries(config)) {
      const constraints = entry.constraints;
      if (constraints === undefined) continue;
      const key = label(config, "containers", index, "constraints");
      if (!isObject(constraints)) {
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("containers", index, "constraints"),
          `${key} = ${show(constraints)} is ${typeName(constraints)}; it must be a table.`,
          'Write it as a table, e.g. constraints = { regions = ["WEUR"] }.',
        );
        continue;
      }
      const regions = constraints.regions;
      if (regions !== undefined) {
        const bad = Array.isArray(regions)
          ? regions.filter((r) => typeof r !== "string" || !REGIONS.includes(r.toUpperCase()))
          : [regions];
        if (bad.length > 0) {
          yield finding(
            this.id,
            "error",
            config.file,
            config.locate("containers", index, "constraints", "regions"),
            `${key}.regions has invalid region(s) ${bad.map(show).join(", ")}; valid regions are ${REGIONS.join(", ")}.`,
            `Use a list of region codes, e.g. regions = ["WEUR", "ENAM"].`,
          );
        }
      }
      const jurisdiction = constraints.jurisdiction;
      if (
        jurisdiction !== undefined &&
        (typeof jurisdiction !== "string" || !JURISDICTIONS.includes(jurisdiction))
      ) {
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("containers", index, "constraints", "jurisdiction"),
          `${key}.jurisdiction = ${show(jurisdiction)}; wrangler: "must be one of: "eu", "fedramp", "us"".`,
          'Use "eu", "fedramp" or "us", or remove it.',
        );
      }
      if (constraints.tier !== undefined && constraints.tiers !== undefined) {
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("containers", index, "constraints", "tier"),
          `${key} sets both tier and tiers; wrangler: "cannot both be set".`,
          "Keep tiers (tier is deprecated).",
        );
      }
    }
  },
};

export const wranglerContainerConfigurationDeprecated: Rule = {
  id: "wrangler-container-configuration-deprecated",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const replacements: Record<string, string> = {
      configuration: 'top-level "image" and "instance_type"',
      instances: '"max_instances"',
      durable_objects: '"class_name"',
      wrangler_ssh: '"ssh"',
    };
    for (const { index, entry } of containerEntries(config)) {
      for (const [key, replacement] of Object.entries(replacements)) {
        if (!(key in entry)) continue;
        const customLimits =
          key === "configuration" &&
          isObject(entry.configuration) &&
          entry.instance_type !== undefined &&
          ["disk", "vcpu", "memory_mib"].some(
            (k) => isObject(entry.configuration) && entry.configuration[k] !== undefined,
          );
        yield finding(
          this.id,
          customLimits ? "error" : "warning",
          config.file,
          config.locate("containers", index, key),
          customLimits
            ? `${label(config, "containers", index)} sets limits in "configuration" and an instance_type; wrangler: "Cannot set custom limits via "containers.configuration" and use preset "instance_type" limits at the same time."`
            : `${label(config, "containers", index, key)} is deprecated; wrangler warns and expects ${replacement}.`,
          `Use ${replacement} instead.`,
        );
      }
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Durable Object bindings, migrations history, exports links, D1
// ---------------------------------------------------------------------------------------------

export const wranglerDoBindingFields: Rule = {
  id: "wrangler-do-binding-fields",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const durableObjects = config.get("durable_objects");
    if (durableObjects === undefined) return;
    if (!isObject(durableObjects) || !Array.isArray(durableObjects.bindings)) {
      const shape = isObject(durableObjects) ? durableObjects.bindings : durableObjects;
      yield finding(
        this.id,
        "error",
        config.file,
        isObject(durableObjects) && durableObjects.bindings !== undefined
          ? config.locate("durable_objects", "bindings")
          : config.locate("durable_objects"),
        `${label(config, "durable_objects")} must hold an array of bindings, but ${show(shape)} is ${typeName(shape)}.`,
        `Write ${snippet(config, "[[durable_objects.bindings]] with name and class_name", '"durable_objects": { "bindings": [{ "name": "BACKEND", "class_name": "Backend" }] }')}.`,
      );
      return;
    }
    for (const [index, binding] of durableObjects.bindings.entries()) {
      const where = label(config, "durable_objects", "bindings", index);
      if (!isObject(binding)) {
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("durable_objects", "bindings", index),
          `${where} is ${typeName(binding)}; each binding needs a string "name" and "class_name".`,
          'Write { name = "BACKEND", class_name = "Backend" }.',
        );
        continue;
      }
      for (const field of ["name", "class_name"]) {
        const value = binding[field];
        if (typeof value === "string" && value.trim() !== "") continue;
        yield finding(
          this.id,
          "error",
          config.file,
          value === undefined
            ? config.locate("durable_objects", "bindings", index)
            : config.locate("durable_objects", "bindings", index, field),
          value === undefined
            ? `${where} has no "${field}"; wrangler: "binding should have a string "${field}" field".`
            : `${where}.${field} = ${show(value)} is not a non-empty string.`,
          field === "name"
            ? 'Set name = "BACKEND": the Worker reaches the container as env.BACKEND.'
            : 'Set class_name to the exported Container class, e.g. "Backend".',
        );
      }
      if (binding.environment !== undefined && binding.script_name === undefined) {
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("durable_objects", "bindings", index, "environment"),
          `${where} sets "environment" without "script_name".`,
          "Remove environment, or add the script_name of the Worker that defines the class.",
        );
      }
    }
  },
};

/** Where each binding name is declared, for the uniqueness check. */
function bindingNames(config: WranglerConfig): { name: string; at: Position; where: string }[] {
  const out: { name: string; at: Position; where: string }[] = [];
  const arrays: [string, string][] = [
    ["kv_namespaces", "binding"],
    ["r2_buckets", "binding"],
    ["d1_databases", "binding"],
    ["services", "binding"],
    ["hyperdrive", "binding"],
    ["vectorize", "binding"],
    ["analytics_engine_datasets", "binding"],
    ["workflows", "binding"],
    ["mtls_certificates", "binding"],
    ["dispatch_namespaces", "binding"],
    ["secrets_store_secrets", "binding"],
    ["send_email", "name"],
  ];
  for (const [key, field] of arrays) {
    const list = config.get(key);
    if (!Array.isArray(list)) continue;
    list.forEach((b, i) => {
      if (isObject(b) && typeof b[field] === "string") {
        out.push({ name: b[field], at: config.locate(key, i, field), where: label(config, key, i, field) });
      }
    });
  }
  for (const b of doBindings(config)) {
    if (b.name !== undefined) {
      out.push({
        name: b.name,
        at: config.locate("durable_objects", "bindings", b.index, "name"),
        where: label(config, "durable_objects", "bindings", b.index, "name"),
      });
    }
  }
  const queues = config.get("queues");
  if (isObject(queues) && Array.isArray(queues.producers)) {
    queues.producers.forEach((b, i) => {
      if (isObject(b) && typeof b.binding === "string") {
        out.push({
          name: b.binding,
          at: config.locate("queues", "producers", i, "binding"),
          where: label(config, "queues", "producers", i, "binding"),
        });
      }
    });
  }
  for (const key of ["ai", "browser", "version_metadata", "images"]) {
    const b = config.get(key);
    if (isObject(b) && typeof b.binding === "string") {
      out.push({ name: b.binding, at: config.locate(key, "binding"), where: label(config, key, "binding") });
    }
  }
  const vars = config.get("vars");
  if (isObject(vars)) {
    for (const name of Object.keys(vars))
      out.push({ name, at: config.locate("vars", name), where: label(config, "vars", name) });
  }
  return out;
}

export const wranglerBindingNameDuplicate: Rule = {
  id: "wrangler-binding-name-duplicate",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const first = new Map<string, string>();
    for (const b of bindingNames(config)) {
      const earlier = first.get(b.name);
      if (earlier === undefined) {
        first.set(b.name, b.where);
        continue;
      }
      yield finding(
        this.id,
        "error",
        config.file,
        b.at,
        `${b.where} = "${b.name}" reuses a binding name already declared by ${earlier}; wrangler: "Bindings must have unique names".`,
        "Rename one of them: every binding, var and secret shares the env namespace.",
      );
    }
  },
};

export const wranglerMigrationsShape: Rule = {
  id: "wrangler-migrations-shape",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const migrations = config.get("migrations");
    if (migrations === undefined) return;
    if (!Array.isArray(migrations)) {
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("migrations"),
        `${label(config, "migrations")} = ${show(migrations)} is ${typeName(migrations)}; it must be an array of migration entries.`,
        `Write ${snippet(config, '[[migrations]] with tag = "v1" and new_sqlite_classes = ["Backend"]', '"migrations": [{ "tag": "v1", "new_sqlite_classes": ["Backend"] }]')}.`,
      );
      return;
    }
    const allowed = [
      "tag",
      "new_classes",
      "new_sqlite_classes",
      "renamed_classes",
      "deleted_classes",
      "transferred_classes",
    ];
    const tags = new Map<string, number>();
    for (const [index, m] of migrations.entries()) {
      const where = label(config, "migrations", index);
      if (!isObject(m)) {
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("migrations", index),
          `${where} is ${typeName(m)}; each migration must be a table with a tag.`,
          'Write { tag = "v1", new_sqlite_classes = ["Backend"] }.',
        );
        continue;
      }
      if (typeof m.tag !== "string" || m.tag === "") {
        yield finding(
          this.id,
          "error",
          config.file,
          m.tag === undefined
            ? config.locate("migrations", index)
            : config.locate("migrations", index, "tag"),
          `${where} has ${m.tag === undefined ? "no tag" : `tag = ${show(m.tag)}, not a string`}; wrangler requires a string "tag" on every migration.`,
          `Add tag = "v${index + 1}" (tags are never edited or reordered once applied).`,
        );
      } else {
        const earlier = tags.get(m.tag);
        if (earlier !== undefined) {
          yield finding(
            this.id,
            "error",
            config.file,
            config.locate("migrations", index, "tag"),
            `${where}.tag = "${m.tag}" duplicates the tag of ${label(config, "migrations", earlier)}.`,
            "Give every migration a unique tag (v1, v2, ...); never edit or reorder applied ones.",
          );
        } else tags.set(m.tag, index);
      }
      for (const key of Object.keys(m)) {
        if (allowed.includes(key)) continue;
        const guess = closest(key, allowed);
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("migrations", index, key),
          `Unknown key "${key}" in ${where}; migrations accept only ${allowed.join(", ")}.`,
          guess ? `Did you mean "${guess}"?` : "Remove it.",
        );
      }
      for (const key of ["new_classes", "new_sqlite_classes", "deleted_classes"]) {
        const list = m[key];
        if (list === undefined || (Array.isArray(list) && list.every((c) => typeof c === "string"))) continue;
        yield finding(
          this.id,
          "error",
          config.file,
          config.locate("migrations", index, key),
          `${where}.${key} = ${show(list)} must be an array of class names.`,
          `Write ${key} = ["Backend"].`,
        );
      }
    }
  },
};

interface ReplayProblem {
  at: Position;
  message: string;
}

export const wranglerMigrationsReplay: Rule = {
  id: "wrangler-migrations-replay",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const migrations = config.get("migrations");
    if (!Array.isArray(migrations)) return;
    const live = new Set<string>();
    const everCreated = new Set<string>();
    const deletedAt = new Map<string, Position>();
    const problems: ReplayProblem[] = [];
    const strings = (v: unknown): [string, number][] =>
      Array.isArray(v)
        ? v.flatMap((c, j): [string, number][] => (typeof c === "string" ? [[c, j]] : []))
        : [];
    for (const [index, m] of migrations.entries()) {
      if (!isObject(m)) continue;
      const tag = typeof m.tag === "string" ? ` (tag "${m.tag}")` : "";
      for (const key of ["new_classes", "new_sqlite_classes"]) {
        for (const [c, j] of strings(m[key])) {
          if (live.has(c)) {
            problems.push({
              at: config.locate("migrations", index, key, j),
              message: `migration ${index + 1}${tag} creates "${c}", which an earlier migration already created`,
            });
          }
          live.add(c);
          everCreated.add(c);
        }
      }
      const renamed = m.renamed_classes;
      if (Array.isArray(renamed)) {
        renamed.forEach((r, j) => {
          if (!isObject(r) || typeof r.from !== "string" || typeof r.to !== "string") return;
          if (!live.has(r.from)) {
            problems.push({
              at: config.locate("migrations", index, "renamed_classes", j),
              message: `migration ${index + 1}${tag} renames "${r.from}", which no earlier migration created`,
            });
          }
          live.delete(r.from);
          live.add(r.to);
          everCreated.add(r.to);
        });
      }
      const transferred = m.transferred_classes;
      if (Array.isArray(transferred)) {
        for (const t of transferred) {
          if (isObject(t) && typeof t.to === "string") {
            live.add(t.to);
            everCreated.add(t.to);
          }
        }
      }
      for (const [c, j] of strings(m.deleted_classes)) {
        const at = config.locate("migrations", index, "deleted_classes", j);
        if (!live.has(c)) {
          problems.push({
            at,
            message: `migration ${index + 1}${tag} deletes "${c}", which no earlier migration created (wrangler ≥ 4.131: "Cannot apply deleted_classes migration to non-existent class")`,
          });
        }
        live.delete(c);
        deletedAt.set(c, at);
      }
    }
    const inUse = new Set<string>();
    for (const { entry } of containerEntries(config))
      if (typeof entry.class_name === "string") inUse.add(entry.class_name);
    for (const b of doBindings(config))
      if (b.className !== undefined && b.scriptName === undefined) inUse.add(b.className);
    for (const c of inUse) {
      const at = deletedAt.get(c);
      if (at && everCreated.has(c) && !live.has(c)) {
        problems.push({
          at,
          message: `"${c}" is still bound or used by a container but the migration history deletes it`,
        });
      }
    }
    for (const p of problems) {
      yield finding(
        this.id,
        "warning",
        config.file,
        p.at,
        `Migration history is inconsistent: ${p.message}. Newer wrangler versions replay migrations locally and refuse such a history.`,
        "Keep the complete, append-only history (v1, v2, ...). If a class was created outside this file, check workers-sdk #15741 before rewriting history.",
      );
    }
  },
};

export const wranglerContainerClassRename: Rule = {
  id: "wrangler-container-class-rename",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const migrations = config.get("migrations");
    if (!Array.isArray(migrations)) return;
    const containerClasses = new Set(
      containerEntries(config)
        .map((c) => c.entry.class_name)
        .filter((c): c is string => typeof c === "string"),
    );
    for (const [index, m] of migrations.entries()) {
      if (!isObject(m) || !Array.isArray(m.renamed_classes)) continue;
      for (const [j, r] of m.renamed_classes.entries()) {
        if (!isObject(r) || typeof r.to !== "string" || !containerClasses.has(r.to)) continue;
        yield finding(
          this.id,
          "warning",
          config.file,
          config.locate("migrations", index, "renamed_classes", j),
          `${label(config, "migrations", index, "renamed_classes", j)} renames ${show(r.from)} to container class "${r.to}"; the old container application stays bound to the class (DURABLE_OBJECT_ALREADY_HAS_APPLICATION on later deploys).`,
          "Delete the old class (deleted_classes) and its container application (wrangler containers delete) in a separate deploy, then create the new class with new_sqlite_classes.",
        );
      }
    }
  },
};

export const wranglerExportsLinks: Rule = {
  id: "wrangler-exports-links",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const exports = durableObjectExports(config);
    if (exports.size === 0) return;
    const byName = new Map<string, { index: number; entry: Record<string, unknown> }>();
    for (const c of containerEntries(config)) {
      const name = effectiveContainerName(config, c.entry);
      if (name !== undefined && !byName.has(name)) byName.set(name, c);
    }
    const claimedBy = new Map<string, string>();
    for (const [className, entry] of exports) {
      const container = entry.container;
      if (typeof container !== "string" || container === "") continue;
      const at = config.locate("exports", className, "container");
      const where = label(config, "exports", className, "container");
      const target = byName.get(container);
      if (!target) {
        yield finding(
          this.id,
          "error",
          config.file,
          at,
          `${where} = "${container}" names no container; wrangler: "references a container named "${container}", but no container with that name is defined in "containers"".`,
          `Use one of: ${[...byName.keys()].map((n) => `"${n}"`).join(", ") || "(no containers are defined)"}.`,
        );
        continue;
      }
      const other = claimedBy.get(container);
      if (other !== undefined) {
        yield finding(
          this.id,
          "error",
          config.file,
          at,
          `${where} = "${container}" is also claimed by exports.${other}; a container can only back a single Durable Object.`,
          "Give each class its own container.",
        );
      } else claimedBy.set(container, className);
      const declared = target.entry.class_name;
      if (typeof declared === "string" && declared !== className) {
        yield finding(
          this.id,
          "error",
          config.file,
          at,
          `${where} = "${container}" links the container to "${className}", but its class_name says "${declared}".`,
          "Make class_name and the exports link name the same class.",
        );
      }
    }
  },
};

export const wranglerExportsContainerRisk: Rule = {
  id: "wrangler-exports-container-risk",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const exports = durableObjectExports(config);
    const migrationCreated = new Set(migrationClasses(config).map((m) => m.className));
    for (const { entry } of containerEntries(config)) {
      const className = entry.class_name;
      if (typeof className !== "string" || !exports.has(className) || migrationCreated.has(className))
        continue;
      yield finding(
        this.id,
        "warning",
        config.file,
        config.locate("exports", className),
        `Container class "${className}" is declared through "exports"; a July 2026 report had exports-created classes that were not container-enabled (DURABLE_OBJECT_NOT_CONTAINER_ENABLED), and a Worker cannot switch back to migrations afterwards.`,
        `Prefer ${snippet(config, `[[migrations]] tag = "v1", new_sqlite_classes = ["${className}"]`, `"migrations": [{ "tag": "v1", "new_sqlite_classes": ["${className}"] }]`)} for container classes on a new Worker, or verify with your wrangler version (workers-sdk #14614).`,
      );
    }
  },
};

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const wranglerD1Binding: Rule = {
  id: "wrangler-d1-binding",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const d1 = config.get("d1_databases");
    if (d1 === undefined) return;
    if (!Array.isArray(d1)) {
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("d1_databases"),
        `${label(config, "d1_databases")} is ${typeName(d1)}; it must be an array ([[d1_databases]]).`,
        "Run `wrangler d1 create <name>` and paste the [[d1_databases]] block it prints.",
      );
      return;
    }
    for (const [index, db] of d1.entries()) {
      const where = label(config, "d1_databases", index);
      if (!isObject(db)) continue;
      for (const field of ["binding", "database_name", "database_id"]) {
        const value = db[field];
        const ok =
          typeof value === "string" &&
          value.trim() !== "" &&
          (field !== "database_id" || UUID_RE.test(value));
        if (ok) continue;
        yield finding(
          this.id,
          "error",
          config.file,
          value === undefined
            ? config.locate("d1_databases", index)
            : config.locate("d1_databases", index, field),
          value === undefined
            ? `${where} has no "${field}": the D1 binding is incomplete.`
            : `${where}.${field} = ${show(value)} is not ${field === "database_id" ? "a database UUID" : "a non-empty string"}.`,
          "Run `wrangler d1 create <name>` and copy binding, database_name and database_id from its output.",
        );
      }
    }
  },
};

export const wranglerEnvNames: Rule = {
  id: "wrangler-env-names",
  *check({ project }) {
    const config = project.config;
    const env = config?.environment;
    if (!config || env === undefined || config.pathOf("name")[0] === "env") return;
    const name = config.get("name");
    if (typeof name !== "string" || name === "") return;
    yield finding(
      this.id,
      "info",
      config.file,
      config.doc.locate(["env", env]),
      `env.${env} has no name of its own: it deploys as the Worker "${name}-${env}", and its container applications get "-${env}" appended.`,
      `Set name under [env.${env}] if you want another Worker name.`,
    );
  },
};

// ---------------------------------------------------------------------------------------------
// Environments and vars
// ---------------------------------------------------------------------------------------------

/** Keys whose absence in a non-deployed environment is still worth a warning. */
const ENV_CORE_KEYS = ["containers", "durable_objects", "vars", "d1_databases"];

export const wranglerEnvNotInherited: Rule = {
  id: "wrangler-env-not-inherited",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const raw = config.raw;
    const envs = isObject(raw.env) ? raw.env : undefined;

    if (project.environmentMissing !== undefined) {
      const name = project.environmentMissing;
      const available = envs ? Object.keys(envs) : [];
      // wrangler: an error when other environments exist, a warning (top level used) when none do.
      yield finding(
        this.id,
        available.length > 0 ? "error" : "warning",
        config.file,
        envs ? config.doc.locate(["env"]) : 1,
        `The environment "${name}" was requested (--env / environment input) but ${config.file} has no [env.${name}] section${available.length > 0 ? `; defined: ${available.join(", ")}` : "; wrangler falls back to the top-level config"}.`,
        available.length > 0
          ? `Use one of ${available.map((a) => `"${a}"`).join(", ")}, or add ${snippet(config, `[env.${name}]`, `"env": { "${name}": { ... } }`)} with its own containers, durable_objects and vars.`
          : `Add ${snippet(config, `[env.${name}]`, `"env": { "${name}": { ... } }`)} with its own containers, durable_objects and vars, or drop the environment setting.`,
      );
    }

    if (!envs) return;
    for (const [envName, section] of Object.entries(envs)) {
      if (!isObject(section)) continue;
      const deployed = envName === config.environment;
      const keys = deployed ? (NOT_INHERITED as readonly string[]) : ENV_CORE_KEYS;
      const missing = keys.filter((k) => raw[k] !== undefined && !(k in section));
      if (missing.length === 0) continue;
      const names = missing.map((k) => `"${k}"`).join(", ");
      yield finding(
        this.id,
        deployed ? "error" : "warning",
        config.file,
        config.doc.locate(["env", envName]),
        `${names} ${missing.length === 1 ? "exists" : "exist"} at the top level but not in env.${envName}; wrangler does not inherit ${missing.length === 1 ? "it" : "them"}, so ${deployed ? "this deploy" : `a deploy with --env ${envName}`} gets ${missing.includes("containers") ? "no container" : "none of them"}.`,
        `Repeat ${missing.join(", ")} under ${snippet(config, `[env.${envName}]`, `"env": { "${envName}": { ... } }`)} (e.g. ${snippet(config, `[[env.${envName}.containers]]`, `"env.${envName}.containers"`)}).`,
      );
    }
  },
};

/** Token shapes that are secrets whatever the variable is called. */
export const TOKEN_SHAPES: { name: string; re: RegExp }[] = [
  { name: "an OpenAI-style secret key", re: /^sk-[A-Za-z0-9_-]{16,}/ },
  { name: "a Stripe secret key", re: /^(sk|rk)_(live|test)_[A-Za-z0-9]{10,}/ },
  { name: "an AWS access key id", re: /^(AKIA|ASIA)[A-Z0-9]{16}$/ },
  { name: "a GitHub token", re: /^(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|^github_pat_[A-Za-z0-9_]{20,}/ },
  { name: "a Slack token", re: /^xox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: "a JSON Web Token", re: /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
  { name: "a private key", re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { name: "a Google API key", re: /^AIza[0-9A-Za-z_-]{35}$/ },
  { name: "a URL with an embedded password", re: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i },
];

const SECRET_WORDS =
  /(TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|CREDENTIALS?|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY)/;
/** Names that mention a secret word but hold something public (a URL, an id, a flag...). */
const NON_SECRET_SUFFIX =
  /_(URL|URI|ENDPOINT|HOST|PORT|TTL|EXPIRY|EXPIRES|EXPIRATION|HEADER|NAME|FILE|PATH|ID|TYPE|LENGTH|ENABLED|DISABLED|REQUIRED|MODE|VERSION|ISSUER|AUDIENCE|REGION|LIFETIME|TIMEOUT)$/;
const PUBLIC_KEY_NAME = /(PUBLIC|PUBLISHABLE|SITE)_?KEY$/;

function upperSnake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Names that declare their value public: `*_URL`, `*_ID`, `PUBLIC_*`, `*_PUBLISHABLE_KEY`... */
function publicName(name: string): boolean {
  const upper = upperSnake(name);
  return (
    NON_SECRET_SUFFIX.test(upper) ||
    PUBLIC_KEY_NAME.test(upper) ||
    /(^|_)(PUBLIC|PUBLISHABLE)(_|$)/.test(upper)
  );
}

export function secretName(name: string): boolean {
  if (publicName(name)) return false;
  const upper = upperSnake(name);
  return SECRET_WORDS.test(upper) || /(^|_)KEY$/.test(upper);
}

/** Shannon entropy in bits per character. */
function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A long random-looking string: no spaces, several character classes, high entropy. */
function highEntropy(value: string): boolean {
  if (value.length < 24 || /\s/.test(value) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return false; // UUIDs are ids
  if (/^[\w.-]+\/[\w./-]+$/.test(value) && value.includes("/")) return false; // paths
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(value)).length;
  return classes >= 3 && entropy(value) >= 4;
}

/** A value that is obviously not a secret: empty, a flag, a number, a placeholder. */
function trivialValue(value: string): boolean {
  const v = value.trim();
  return (
    v.length < 8 ||
    /^(true|false|yes|no|on|off|null|none|undefined)$/i.test(v) ||
    /^-?\d+(\.\d+)?$/.test(v) ||
    /^(<.*>|\$\{.*\}|x+|\*+|changeme|change[-_ ]?me|todo|placeholder|your[-_ ].*)$/i.test(v)
  );
}

export const wranglerVarsSecret: Rule = {
  id: "wrangler-vars-secret",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    const vars = config.get("vars");
    if (!isObject(vars)) return;
    for (const [name, value] of Object.entries(vars)) {
      const text = typeof value === "string" ? value : undefined;
      let why: string | undefined;
      if (text !== undefined) {
        const shape = TOKEN_SHAPES.find((t) => t.re.test(text.trim()));
        if (shape) why = `its value looks like ${shape.name}`;
        else if (secretName(name) && !trivialValue(text)) why = "its name says it holds a secret";
        else if (!publicName(name) && highEntropy(text.trim()))
          why = "its value is a long random-looking string";
      } else if (isObject(value) && secretName(name)) {
        why = "its name says it holds a secret";
      }
      if (!why) continue;
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("vars", name),
        `${label(config, "vars", name)} looks like a secret (${why}); vars are plain text, stored with the Worker and visible in the dashboard and in this repository.`,
        `Remove it from vars, rotate it, and set it as a secret: \`wrangler secret put ${name}\` (or the action's \`secrets\` input).`,
      );
    }
  },
};

export const wranglerRules: Rule[] = [
  wranglerParse,
  wranglerNameMissing,
  wranglerNameFormat,
  wranglerNameLength,
  wranglerMainMissing,
  wranglerCompatDateMissing,
  wranglerCompatDateFormat,
  wranglerCompatDateFuture,
  wranglerCompatDateLocalRuntime,
  wranglerUnknownKey,
  wranglerContainersMissing,
  wranglerContainersNotArray,
  wranglerContainerImageMissing,
  wranglerContainerClassMissing,
  wranglerContainerClassNoDo,
  wranglerContainerUnknownKey,
  wranglerContainerImageRef,
  wranglerContainerDuplicate,
  wranglerContainerNameFormat,
  wranglerInstanceTypeInvalid,
  wranglerInstanceTypeDeprecated,
  wranglerInstanceTypeCustomShape,
  wranglerInstanceTypeCustomBounds,
  wranglerMaxInstancesInvalid,
  wranglerMaxInstancesZero,
  wranglerRollout,
  wranglerLifecycleMissing,
  wranglerMigrationsNewClasses,
  wranglerMigrationsAndExports,
  wranglerDoBindingMissing,
  wranglerContainerExternalDo,
  wranglerEnvNotInherited,
  wranglerVarsSecret,
  wranglerMainGuide,
  wranglerContainerImageGuide,
  wranglerInstanceTypeDefault,
  wranglerMaxInstancesMissing,
  wranglerSchedulingPolicy,
  wranglerConstraints,
  wranglerContainerConfigurationDeprecated,
  wranglerDoBindingFields,
  wranglerBindingNameDuplicate,
  wranglerMigrationsShape,
  wranglerMigrationsReplay,
  wranglerContainerClassRename,
  wranglerExportsLinks,
  wranglerExportsContainerRisk,
  wranglerD1Binding,
  wranglerEnvNames,
];
