import { readdirSync, readFileSync, statSync } from "node:fs";

export interface Position {
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

/** A text file of the project, read and decoded. `path` is relative to the project dir (posix). */
export interface SourceFile {
  path: string;
  text: string;
}

/** Why a file could not be read as text. Rules turn this into their `*-parse` diagnostic. */
export interface Unreadable {
  path: string;
  problem: string;
}

export type ReadResult = SourceFile | Unreadable | undefined;

export function isUnreadable(r: ReadResult): r is Unreadable {
  return r !== undefined && "problem" in r;
}

/** The file-system seam of the loader; `nodeFs` is the real one. */
export interface ProjectFs {
  read(absPath: string): Buffer | undefined;
  kind(absPath: string): "file" | "dir" | undefined;
  list(absDir: string): string[];
}

export const nodeFs: ProjectFs = {
  read(absPath) {
    try {
      return readFileSync(absPath);
    } catch {
      return undefined;
    }
  },
  kind(absPath) {
    try {
      const s = statSync(absPath);
      return s.isDirectory() ? "dir" : s.isFile() ? "file" : undefined;
    } catch {
      return undefined;
    }
  },
  list(absDir) {
    try {
      return readdirSync(absDir).sort();
    } catch {
      return [];
    }
  },
};

/** Project files larger than this are reported, not parsed: keeps hostile input from stalling a run. */
export const MAX_TEXT_BYTES = 1024 * 1024;

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decode a file as UTF-8 text, or say why it is not one. */
export function decodeText(path: string, bytes: Buffer): SourceFile | Unreadable {
  if (bytes.length > MAX_TEXT_BYTES) {
    return {
      path,
      problem: `is ${(bytes.length / 1024 / 1024).toFixed(1)} MiB; files over 1 MiB are not read`,
    };
  }
  if (bytes.includes(0)) return { path, problem: "is a binary file (it contains NUL bytes), not text" };
  try {
    let text = utf8.decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { path, text };
  } catch {
    return { path, problem: "is not valid UTF-8 text" };
  }
}

/** 1-based line and column of a character offset. */
export function positionAt(text: string, offset: number): Position {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = text.indexOf("\n"); i !== -1 && i < end; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** Offsets of line starts, for repeated lookups on one text. */
export function lineOf(text: string, offset: number): number {
  return positionAt(text, offset).line;
}
