import { isRecord } from "../project/wrangler-config.js";
import { sanitizeName } from "./preview.js";

/**
 * The generated wrangler config (SPEC §1 step 5), pure. It is the user's config document with the
 * target's names and images written in, as JSON, meant to be written BESIDE the original so every
 * relative path (main, Dockerfiles, migrations) still resolves. The `env` tree is kept and the
 * command passes `--env`, so wrangler applies its own environment rules (inheritance, default names)
 * exactly as it would for the original.
 */
export interface GeneratedConfigChanges {
  /** Selected `--env`, if any: the changes go into `env.<environment>`. */
  environment?: string;
  /** Set `name` (omit to leave wrangler's name, and its container-name derivation, untouched). */
  workerName?: string;
  /** `containers[i].name` per index (previews). */
  containerNames: ReadonlyMap<number, string>;
  /** `containers[i].image` per index: the pushed reference. Indexes absent keep their `image`. */
  images: ReadonlyMap<number, string>;
}

/** File name of the generated config for a Worker, next to the original. */
export function generatedConfigName(workerName: string): string {
  return `wrangler.cf-containers-deploy.${sanitizeName(workerName) || "worker"}.json`;
}

/** TOML dates come out of the parser as Date objects; wrangler wants the text it would have read. */
function toJsonValue(value: unknown): unknown {
  if (value instanceof Date) {
    const iso = value.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonValue(v)]));
  return value;
}

export function buildGeneratedConfig(
  raw: Record<string, unknown>,
  changes: GeneratedConfigChanges,
): Record<string, unknown> {
  const doc = toJsonValue(raw) as Record<string, unknown>;
  let section: Record<string, unknown> = doc;
  if (changes.environment !== undefined) {
    const envs = isRecord(doc.env) ? doc.env : {};
    const selected = isRecord(envs[changes.environment]) ? envs[changes.environment] : {};
    doc.env = { ...envs, [changes.environment]: selected };
    section = selected as Record<string, unknown>;
  }
  if (changes.workerName !== undefined) section.name = changes.workerName;
  // `containers` is not inherited into env.<name>: it always lives in the selected section.
  if (!Array.isArray(section.containers)) return doc;
  section.containers = section.containers.map((entry: unknown, index: number) => {
    if (!isRecord(entry)) return entry;
    const next: Record<string, unknown> = { ...entry };
    const name = changes.containerNames.get(index);
    if (name !== undefined) next.name = name;
    const image = changes.images.get(index);
    if (image !== undefined) {
      next.image = image;
      // A registry reference has no build context or build vars.
      delete next.image_build_context;
      delete next.image_vars;
    }
    return next;
  });
  return doc;
}
