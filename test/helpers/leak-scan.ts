// Leak scanning for the secrets test: a secret is searched for as written and in the encodings a
// leak usually takes (JSON string escaping, URL encoding, base64 at any byte alignment), in texts
// and in every regular file under a directory (symlinks are not followed).
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface Needle {
  /** What it is, for messages ("secret DATABASE_URL", "api-token"); never the value. */
  label: string;
  value: string;
}

export interface Hit {
  label: string;
  /** Where: a file path or a named text ("stdout", "comment 1001"). */
  where: string;
  /** Which form matched: raw, json, url, base64. */
  form: string;
  /** The line around the hit, the value itself replaced by «label». */
  context: string;
}

/** The base64 text that any embedding of `value` must contain, for each of the 3 byte alignments. */
function base64Cores(value: string): string[] {
  const cores: string[] = [];
  for (let pad = 0; pad < 3; pad++) {
    const encoded = Buffer.from(`${"\0".repeat(pad)}${value}`, "utf8").toString("base64");
    // Drop the group mixing pad bytes with the value, and the last group (mixed with what follows).
    const core = encoded.slice(pad > 0 ? 4 : 0, encoded.length - 4);
    if (core.length >= 12) cores.push(core);
  }
  return cores;
}

function forms(value: string): { form: string; text: string }[] {
  const out = new Map<string, string>();
  out.set(value, "raw");
  const json = JSON.stringify(value).slice(1, -1);
  if (!out.has(json)) out.set(json, "json");
  const url = encodeURIComponent(value);
  if (!out.has(url)) out.set(url, "url");
  for (const core of base64Cores(value)) if (!out.has(core)) out.set(core, "base64");
  return [...out.entries()].map(([text, form]) => ({ form, text }));
}

/** Every occurrence of any needle (in any form) in `text`. */
export function findLeaks(text: string, where: string, needles: readonly Needle[]): Hit[] {
  const hits: Hit[] = [];
  for (const needle of needles) {
    for (const { form, text: f } of forms(needle.value)) {
      let from = 0;
      for (let guard = 0; guard < 10_000; guard++) {
        const at = text.indexOf(f, from);
        if (at === -1) break;
        const start = text.lastIndexOf("\n", at) + 1;
        const endNl = text.indexOf("\n", at + f.length);
        const line = text.slice(start, endNl === -1 ? undefined : endNl);
        hits.push({
          label: needle.label,
          where,
          form,
          context: line.split(f).join(`«${needle.label}»`).slice(0, 300),
        });
        from = at + f.length;
      }
    }
  }
  return hits;
}

/** Regular files under `dir` (not following symlinks), skipping names in `skip`. */
export function filesUnder(
  dir: string,
  skip: (name: string, path: string) => boolean = () => false,
): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 40) return;
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return; // vanished or unreadable
    }
    for (const entry of entries) {
      const p = join(d, entry.name);
      if (skip(entry.name, p)) continue;
      if (entry.isDirectory()) walk(p, depth + 1);
      else if (entry.isFile()) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

/** Leaks in every regular file under each dir (files over `maxBytes` are read up to it). */
export function scanDirs(
  dirs: readonly string[],
  needles: readonly Needle[],
  skip?: (name: string, path: string) => boolean,
  maxBytes = 64 * 1024 * 1024,
): { hits: Hit[]; files: number } {
  const hits: Hit[] = [];
  let files = 0;
  for (const dir of dirs) {
    for (const file of filesUnder(dir, skip)) {
      let buffer: Buffer;
      try {
        if (lstatSync(file).size > maxBytes) buffer = readFileSync(file).subarray(0, maxBytes);
        else buffer = readFileSync(file);
      } catch {
        continue;
      }
      files++;
      hits.push(...findLeaks(buffer.toString("utf8"), file, needles));
    }
  }
  return { hits, files };
}

/** Top-level entry names of `dir` now (for before/after diffs of a shared temp dir). */
export function entriesOf(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir));
  } catch {
    return new Set();
  }
}

export function describeHits(hits: readonly Hit[]): string {
  return hits.map((h) => `${h.label} (${h.form}) in ${h.where}: ${h.context}`).join("\n");
}
