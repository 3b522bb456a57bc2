/**
 * Preview naming (SPEC §5), pure. A preview Worker is `<base>-pr-<n>`; each of its container
 * applications is `<preview worker>-<class lowercased>`. Everything fits a DNS label (63 chars).
 */

export const MAX_NAME_LENGTH = 63;

/** Lowercase; anything outside [a-z0-9-] becomes '-'; repeated dashes collapse; no dash at either end. */
export function sanitizeName(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** Cut `value` to at most `max` characters without leaving a trailing dash. */
function cut(value: string, max: number): string {
  return value.slice(0, Math.max(0, max)).replace(/-+$/, "");
}

export function previewSuffix(prNumber: number): string {
  return `-pr-${prNumber}`;
}

/** `<base>-pr-<n>`, the base cut so the whole name is at most 63 characters. */
export function previewWorkerName(base: string, prNumber: number): string {
  const suffix = previewSuffix(prNumber);
  const b = cut(sanitizeName(base), MAX_NAME_LENGTH - suffix.length) || "worker";
  return `${b}${suffix}`;
}

/**
 * The container application name of a preview: `<preview worker>-<class lowercased>`. When that is
 * longer than 63 characters the base part of the Worker name is cut (never the `-pr-<n>` marker, so
 * two PRs never share a name), and the class part only when it alone leaves no room.
 */
export function previewContainerName(base: string, prNumber: number, className: string): string {
  const worker = previewWorkerName(base, prNumber);
  const cls = sanitizeName(className) || "container";
  const whole = `${worker}-${cls}`;
  if (whole.length <= MAX_NAME_LENGTH) return whole;
  const marker = `${previewSuffix(prNumber)}-`;
  const clsRoom = MAX_NAME_LENGTH - marker.length - 1; // keep at least one base character
  const clsPart = cls.length > clsRoom ? cut(cls, clsRoom) : cls;
  const baseRoom = MAX_NAME_LENGTH - marker.length - clsPart.length;
  const basePart = cut(worker.slice(0, worker.length - previewSuffix(prNumber).length), baseRoom) || "w";
  return `${basePart}${marker}${clsPart}`;
}

/** True when `name` is the preview name of PR `prNumber` (ends in `-pr-<n>`, nothing after). */
export function isPreviewNameOf(name: string, prNumber: number): boolean {
  return name.endsWith(previewSuffix(prNumber)) && name.length > previewSuffix(prNumber).length;
}

/** The PR number a preview name carries, if it is one. */
export function previewNumberOf(name: string): number | undefined {
  const m = /-pr-(\d+)$/.exec(name);
  return m?.[1] !== undefined && m.index > 0 ? Number(m[1]) : undefined;
}
