/**
 * Preview naming (SPEC §5), pure. A preview Worker is `<base>-pr-<n>`; each of its container
 * applications is `<preview worker>-<class lowercased>`. Everything fits a DNS label (63 chars).
 */

import { UsageError } from "../errors.js";

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

/** Every name of one PR's preview, as deploy creates them and destroy removes them. */
export interface PreviewNames {
  /** The sanitised base the names derive from, without any `-pr-<n>` it already carried. */
  base: string;
  /** The preview Worker: `<base>-pr-<n>`. */
  workerName: string;
  /** One container application name per class, in the order given. */
  containerNames: string[];
}

/**
 * The one mapping from (base name or worker-name input, PR number) to a preview's names, shared by
 * deploy and destroy so they always agree. The base is sanitised first; a base that then already
 * ends in `-pr-<n>` of this PR is taken as the preview name itself (no double suffix), and its
 * container names derive from the base without that suffix. A base ending in `-pr-<m>` of another
 * PR is refused: that name belongs to PR #m's preview. So is a preview name equal to production's.
 */
export function resolvePreviewNames(
  base: string,
  prNumber: number,
  classNames: readonly string[],
  productionName?: string,
): PreviewNames {
  const sanitized = sanitizeName(base);
  const carried = previewNumberOf(sanitized);
  if (carried !== undefined && carried !== prNumber) {
    throw new UsageError(
      `Refusing to use '${base}' as the Worker name of PR #${prNumber}'s preview: it is already the preview name of PR #${carried}, but this run is about PR #${prNumber}.`,
      `Set \`worker-name\` (or the config's \`name\`) to the base name without '-pr-${carried}'; previews are named <base>-pr-<number> automatically.`,
    );
  }
  const stripped = carried === undefined ? sanitized : sanitized.replace(/-pr-\d+$/, "");
  const workerName = previewWorkerName(stripped, prNumber);
  if (
    productionName !== undefined &&
    (workerName === productionName || workerName === sanitizeName(productionName))
  ) {
    throw new UsageError(
      `Refusing to use '${workerName}' as PR #${prNumber}'s preview Worker: it is the production Worker's name.`,
      "Give production a name that does not end in -pr-<number>, or set `worker-name` to a different base for previews.",
    );
  }
  return {
    base: stripped,
    workerName,
    containerNames: classNames.map((c) => previewContainerName(stripped, prNumber, c)),
  };
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
