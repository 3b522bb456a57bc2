import type { Position } from "../../project/source.js";

export type SqlTokenKind = "word" | "ident" | "string" | "number" | "dollar" | "param" | "punct";

/** One SQL token. Comments and whitespace are dropped; string contents never look like keywords. */
export interface SqlToken {
  kind: SqlTokenKind;
  /** Word/ident text as written (idents without their quotes); punctuation as written. */
  text: string;
  /** Upper-cased `text` for words, else `text`. */
  upper: string;
  start: number;
  end: number;
}

export interface SqlStatement {
  tokens: SqlToken[];
  /** Offset of the first token. */
  start: number;
}

export interface SqlScan {
  tokens: SqlToken[];
  statements: SqlStatement[];
  /** Offset → 1-based position. */
  position(offset: number): Position;
}

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c > 127;
}

function isWordPart(c: number): boolean {
  return isWordStart(c) || (c >= 48 && c <= 57) || c === 36;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Tokenize SQL in one linear pass (PostgreSQL dollar quotes included, so they can be reported). */
export function tokenize(text: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  const n = text.length;
  let i = 0;
  const push = (kind: SqlTokenKind, start: number, end: number, value?: string) => {
    const t = value ?? text.slice(start, end);
    tokens.push({ kind, text: t, upper: kind === "word" ? t.toUpperCase() : t, start, end });
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    const ch = text[i];
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      i++;
      continue;
    }
    if (ch === "-" && text[i + 1] === "-") {
      const e = text.indexOf("\n", i);
      i = e === -1 ? n : e + 1;
      continue;
    }
    if (ch === "/" && text[i + 1] === "*") {
      const e = text.indexOf("*/", i + 2);
      i = e === -1 ? n : e + 2;
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`") {
      // Quoted: a doubled quote is an escaped quote.
      let j = i + 1;
      for (;;) {
        const e = text.indexOf(ch, j);
        if (e === -1) {
          j = n;
          break;
        }
        if (text[e + 1] === ch) {
          j = e + 2;
          continue;
        }
        j = e + 1;
        break;
      }
      const inner = text.slice(i + 1, Math.max(i + 1, j - 1));
      push(ch === "'" ? "string" : "ident", i, j, ch === "'" ? undefined : inner);
      i = j;
      continue;
    }
    if (ch === "$") {
      // $$…$$ / $tag$…$tag$ (PostgreSQL), else a $name / $1 parameter.
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 66));
      if (m) {
        const delim = m[0];
        const e = text.indexOf(delim, i + delim.length);
        const j = e === -1 ? n : e + delim.length;
        push("dollar", i, j);
        i = j;
        continue;
      }
      let j = i + 1;
      while (j < n && isWordPart(text.charCodeAt(j))) j++;
      push("param", i, j);
      i = j;
      continue;
    }
    if (isWordStart(c)) {
      let j = i + 1;
      while (j < n && isWordPart(text.charCodeAt(j))) j++;
      push("word", i, j);
      i = j;
      continue;
    }
    if (isDigit(c) || (ch === "." && isDigit(text.charCodeAt(i + 1)))) {
      let j = i + 1;
      while (j < n && (isDigit(text.charCodeAt(j)) || text[j] === "." || /[eExX]/.test(text[j] ?? ""))) j++;
      push("number", i, j);
      i = j;
      continue;
    }
    const two = text.slice(i, i + 2);
    if (
      two === "::" ||
      two === "||" ||
      two === "->" ||
      two === "<>" ||
      two === "!=" ||
      two === ">=" ||
      two === "<="
    ) {
      // `->>` stays one token too.
      const j = two === "->" && text[i + 2] === ">" ? i + 3 : i + 2;
      push("punct", i, j);
      i = j;
      continue;
    }
    push("punct", i, i + 1);
    i++;
  }
  return tokens;
}

/**
 * Split tokens into statements at `;`, keeping `CREATE TRIGGER … BEGIN … END;` bodies (and
 * `CASE … END` inside them) in one statement, as SQLite does.
 */
export function splitStatements(tokens: SqlToken[]): SqlStatement[] {
  const out: SqlStatement[] = [];
  let current: SqlToken[] = [];
  let trigger = false;
  let depth = 0;
  const flush = () => {
    const first = current[0];
    if (first) out.push({ tokens: current, start: first.start });
    current = [];
    trigger = false;
    depth = 0;
  };
  for (const t of tokens) {
    if (t.kind === "punct" && t.text === ";" && depth === 0) {
      flush();
      continue;
    }
    current.push(t);
    if (t.kind !== "word") continue;
    if (current.length <= 4 && t.upper === "TRIGGER" && current[0]?.upper === "CREATE") trigger = true;
    if (!trigger) continue;
    if (t.upper === "BEGIN" || t.upper === "CASE") depth++;
    else if (t.upper === "END" && depth > 0) depth--;
  }
  flush();
  return out;
}

/** Line starts, for offset → position lookups by binary search. */
export function locator(text: string): (offset: number) => Position {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (starts[lo] ?? 0) + 1 };
  };
}

const cache = new WeakMap<object, SqlScan>();

/** Scan a SQL file once (cached per file object). */
export function scanSql(file: { text: string }): SqlScan {
  let s = cache.get(file);
  if (!s) {
    const tokens = tokenize(file.text);
    s = { tokens, statements: splitStatements(tokens), position: locator(file.text) };
    cache.set(file, s);
  }
  return s;
}
