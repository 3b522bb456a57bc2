/** A Python source with comments blanked and string contents hidden, so patterns only see code. */
export interface PythonScan {
  /** Same length as the text: comments and string contents replaced by spaces (quotes kept). */
  masked: string;
  /** Decoded-enough value of each string literal, by the offset of its opening quote. */
  strings: Map<number, string>;
}

const cache = new WeakMap<object, PythonScan>();

export function scanPython(file: { text: string }): PythonScan {
  const hit = cache.get(file);
  if (hit) return hit;
  const text = file.text;
  const n = text.length;
  const out: string[] = [];
  const strings = new Map<number, string>();
  let i = 0;
  let last = 0;
  const blank = (from: number, to: number) => {
    out.push(text.slice(last, from));
    out.push(text.slice(from, to).replace(/[^\n]/g, " "));
    last = to;
  };
  while (i < n) {
    const c = text[i];
    if (c === "#") {
      const e = text.indexOf("\n", i);
      const end = e === -1 ? n : e;
      blank(i, end);
      i = end;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      // Raw prefix (r"…", rb"…") keeps backslashes literal.
      const prefix = /[rR][bBfF]?$|[bBfF][rR]$/.test(text.slice(Math.max(0, i - 2), i));
      let j = i + q.length;
      let value = "";
      while (j < n) {
        const d = text[j];
        if (d === "\\" && !prefix) {
          value += text[j + 1] ?? "";
          j += 2;
          continue;
        }
        if (text.startsWith(q, j)) break;
        if (!triple && d === "\n") break;
        value += d;
        j++;
      }
      const end = Math.min(n, text.startsWith(q, j) ? j + q.length : j);
      strings.set(i, value);
      blank(i + q.length, Math.max(i + q.length, end - (text.startsWith(q, j) ? q.length : 0)));
      i = end;
      continue;
    }
    i++;
  }
  out.push(text.slice(last));
  const scan = { masked: out.join(""), strings };
  cache.set(file, scan);
  return scan;
}

/** At most this many matches of one call pattern are examined per file (bounds hostile input). */
export const MAX_CALLS = 500;

/** `text.matchAll(re)`, stopping after MAX_CALLS matches. */
export function* boundedMatches(text: string, re: RegExp): Generator<RegExpExecArray> {
  let n = 0;
  for (const m of text.matchAll(re)) {
    if (n++ >= MAX_CALLS) return;
    yield m;
  }
}

export interface CallArgs {
  /** Offset of the `(`. */
  open: number;
  /** Positional arguments, trimmed masked text with their start offsets. */
  positional: { start: number; text: string }[];
  /** Keyword arguments by name. */
  keywords: Map<string, { start: number; text: string }>;
  /** `*args` / `**kwargs` present. */
  spread: boolean;
}

/** Arguments of the call whose `(` is at `open` (balanced over the masked text). */
export function callArgs(scan: PythonScan, open: number): CallArgs {
  const m = scan.masked;
  const args: CallArgs = { open, positional: [], keywords: new Map(), spread: false };
  let depth = 0;
  let start = open + 1;
  const flush = (end: number) => {
    const raw = m.slice(start, end);
    const lead = raw.length - raw.trimStart().length;
    const text = raw.trim();
    const at = start + lead;
    start = end + 1;
    if (text === "") return;
    if (text.startsWith("*")) {
      args.spread = true;
      return;
    }
    const kw = /^([A-Za-z_]\w*)\s*=(?!=)\s*/.exec(text);
    if (kw?.[1]) args.keywords.set(kw[1], { start: at + kw[0].length, text: text.slice(kw[0].length) });
    else args.positional.push({ start: at, text });
  };
  for (let i = open; i < m.length && i - open < 4000; i++) {
    const c = m[i];
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) {
        flush(i);
        return args;
      }
    } else if (c === "," && depth === 1) flush(i);
  }
  return args;
}

/** The string literal value of an argument that is exactly one literal, else undefined. */
export function literalAt(
  scan: PythonScan,
  arg: { start: number; text: string } | undefined,
): string | undefined {
  if (!arg) return undefined;
  // Allow string prefixes (r, b, f, u) before the quote.
  const m = /^([rRbBuUfF]{0,2})(["'])/.exec(arg.text);
  if (!m) return undefined;
  const quoteAt = arg.start + (m[1]?.length ?? 0);
  const v = scan.strings.get(quoteAt);
  if (v === undefined) return undefined;
  // Reject concatenations / expressions after the literal.
  const q = m[2] ?? '"';
  const rest = arg.text.slice((m[1]?.length ?? 0) + 1);
  const close = rest.indexOf(q);
  if (close === -1) return undefined;
  const tail = rest
    .slice(close)
    .replace(new RegExp(`^${q}{1,3}`), "")
    .trim();
  return tail === "" ? v : undefined;
}
