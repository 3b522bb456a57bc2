/** Which URL the verify step polls. Pure. */

export interface HealthTarget {
  /** The `health-url` input: polled as is when set. */
  readonly healthUrl?: string | null;
  /** The deployed Worker's URL (e.g. https://name.sub.workers.dev). */
  readonly deployUrl?: string | null;
  /** The `health-path` input, default /api/health. */
  readonly healthPath?: string | null;
}

/** `health-url` when given, else `<url><health-path>` with exactly one slash between them; null if neither. */
export function resolveHealthUrl(target: HealthTarget): string | null {
  const explicit = target.healthUrl?.trim();
  if (explicit) return explicit;
  const base = target.deployUrl?.trim();
  if (!base) return null;
  const path = (target.healthPath ?? "/api/health").trim();
  if (path === "") return base;
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
