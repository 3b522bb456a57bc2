import type { Position } from "./source.js";
import type { DocPath, StructuredDoc } from "./structured-doc.js";

/** Config files wrangler looks for, in its order of preference. */
export const CONFIG_NAMES = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"] as const;

/**
 * Keys wrangler does not inherit from the top level into `env.<name>`; they must be repeated
 * per environment (workers-sdk `validation.ts`, `notInheritable`).
 */
export const NOT_INHERITED = [
  "define",
  "vars",
  "durable_objects",
  "kv_namespaces",
  "r2_buckets",
  "d1_databases",
  "vectorize",
  "hyperdrive",
  "services",
  "analytics_engine_datasets",
  "queues",
  "workflows",
  "containers",
  "secrets",
  "browser",
  "ai",
  "version_metadata",
  "unsafe",
  "tail_consumers",
  "dispatch_namespaces",
  "mtls_certificates",
  "send_email",
  "pipelines",
  "secrets_store_secrets",
] as const;

/** A wrangler config for one target environment: the effective keys and where each is written. */
export interface WranglerConfig {
  /** Path relative to the project dir. */
  file: string;
  format: "toml" | "json" | "jsonc";
  doc: StructuredDoc;
  /** The whole parsed document (top level plus every `env.*`). */
  raw: Record<string, unknown>;
  /** The selected `--env`, when it exists in the file. */
  environment?: string;
  /** Effective value of a top-level key for the selected environment. */
  get(key: string): unknown;
  /** Document path of a top-level key as it applies to the environment (`["env","staging","vars"]`). */
  pathOf(key: string): DocPath;
  /** Position of `key` (and deeper path) as it applies to the environment. */
  locate(key: string, ...rest: (string | number)[]): Position;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function makeWranglerConfig(
  file: string,
  format: WranglerConfig["format"],
  doc: StructuredDoc,
  environment: string | undefined,
): WranglerConfig {
  const raw = isRecord(doc.value) ? doc.value : {};
  const envs = isRecord(raw.env) ? raw.env : {};
  const envSection = environment !== undefined && isRecord(envs[environment]) ? envs[environment] : undefined;
  const inheritable = (key: string) => !(NOT_INHERITED as readonly string[]).includes(key);
  const pathOf = (key: string): DocPath => {
    if (envSection === undefined || environment === undefined) return [key];
    if (key in envSection) return ["env", environment, key];
    return inheritable(key) ? [key] : ["env", environment, key];
  };
  const get = (key: string): unknown => {
    if (envSection === undefined) return raw[key];
    if (key in envSection) return envSection[key];
    return inheritable(key) ? raw[key] : undefined;
  };
  return {
    file,
    format,
    doc,
    raw,
    ...(envSection !== undefined ? { environment } : {}),
    get,
    pathOf,
    locate: (key, ...rest) => doc.locate([...pathOf(key), ...rest]),
  };
}
