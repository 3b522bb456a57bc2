import { type Node as JsonNode, type ParseError, parseTree, printParseErrorCode } from "jsonc-parser";
import type { AST } from "toml-eslint-parser";
import { getStaticTOMLValue, parseTOML, traverseNodes } from "toml-eslint-parser";
import { type Position, positionAt } from "./source.js";

export type DocPath = readonly (string | number)[];

/** A parsed TOML / JSON / JSONC document that knows where each key is written. */
export interface StructuredDoc {
  value: unknown;
  /** Position of the key (or array element) at `path`; the nearest written ancestor when the key is absent. */
  locate(path: DocPath): Position;
}

export type DocResult = { ok: true; doc: StructuredDoc } | { ok: false; message: string; position: Position };

const MAX_NESTING = 200;

/**
 * Set an own, enumerable data property. Plain assignment would run the `__proto__` setter and
 * swap the object's prototype for a key written `"__proto__"` in a config file.
 */
function defineKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function pathKey(path: DocPath): string {
  return path.map(String).join("\u0000");
}

function locator(positions: Map<string, Position>): (path: DocPath) => Position {
  return (path) => {
    for (let n = path.length; n > 0; n--) {
      const p = positions.get(pathKey(path.slice(0, n)));
      if (p) return p;
    }
    return { line: 1, column: 1 };
  };
}

/** Rejects documents nested deeper than any real config, before a recursive walk could overflow. */
function nestingProblem(text: string): number | undefined {
  let depth = 0;
  let inString: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === inString) inString = undefined;
      continue;
    }
    if (c === '"' || c === "'") inString = c;
    else if (c === "[" || c === "{") {
      if (++depth > MAX_NESTING) return i;
    } else if (c === "]" || c === "}") depth--;
  }
  return undefined;
}

function tooDeep(text: string): DocResult | undefined {
  const at = nestingProblem(text);
  if (at === undefined) return undefined;
  return { ok: false, message: `nesting deeper than ${MAX_NESTING} levels`, position: positionAt(text, at) };
}

export function parseJsonDoc(text: string, options: { strict: boolean }): DocResult {
  const deep = tooDeep(text);
  if (deep) return deep;
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, {
    allowTrailingComma: !options.strict,
    disallowComments: options.strict,
    allowEmptyContent: false,
  });
  const first = errors[0];
  if (first || !root) {
    const offset = first?.offset ?? 0;
    const code = first ? printParseErrorCode(first.error) : "EmptyDocument";
    return { ok: false, message: describeJsonError(code), position: positionAt(text, offset) };
  }
  const positions = new Map<string, Position>();
  const walk = (node: JsonNode, path: (string | number)[]): unknown => {
    if (node.type === "object") {
      const out: Record<string, unknown> = {};
      for (const prop of node.children ?? []) {
        const [keyNode, valueNode] = prop.children ?? [];
        if (!keyNode || !valueNode) continue;
        const key = String(keyNode.value);
        const childPath = [...path, key];
        positions.set(pathKey(childPath), positionAt(text, keyNode.offset));
        defineKey(out, key, walk(valueNode, childPath));
      }
      return out;
    }
    if (node.type === "array") {
      return (node.children ?? []).map((child, i) => {
        const childPath = [...path, i];
        positions.set(pathKey(childPath), positionAt(text, child.offset));
        return walk(child, childPath);
      });
    }
    return node.value;
  };
  const value = walk(root, []);
  return { ok: true, doc: { value, locate: locator(positions) } };
}

function describeJsonError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: "unexpected character",
    InvalidNumberFormat: "invalid number",
    PropertyNameExpected: "a property name is expected",
    ValueExpected: "a value is expected",
    ColonExpected: "':' is expected",
    CommaExpected: "',' is expected",
    CloseBraceExpected: "'}' is expected",
    CloseBracketExpected: "']' is expected",
    EndOfFileExpected: "end of file is expected",
    InvalidCommentToken: "comments are not allowed here",
    UnexpectedEndOfComment: "unterminated comment",
    UnexpectedEndOfString: "unterminated string",
    UnexpectedEndOfNumber: "unterminated number",
    InvalidUnicode: "invalid unicode escape",
    InvalidEscapeCharacter: "invalid escape character",
    InvalidCharacter: "invalid character",
    EmptyDocument: "the document is empty",
  };
  return words[code] ?? code;
}

export function parseTomlDoc(text: string): DocResult {
  const deep = tooDeep(text);
  if (deep) return deep;
  let ast: AST.TOMLProgram;
  try {
    ast = parseTOML(text);
  } catch (error) {
    const e = error as { message?: string; lineNumber?: number; column?: number };
    return {
      ok: false,
      message: String(e.message ?? error),
      position: { line: e.lineNumber ?? 1, column: (e.column ?? 0) + 1 },
    };
  }
  const positions = new Map<string, Position>();
  const at = (node: AST.TOMLNode): Position => ({
    line: node.loc.start.line,
    column: node.loc.start.column + 1,
  });
  const keyName = (k: AST.TOMLBare | AST.TOMLQuoted): string => (k.type === "TOMLBare" ? k.name : k.value);
  const visitValue = (node: AST.TOMLContentNode, path: (string | number)[]): void => {
    if (node.type === "TOMLInlineTable") {
      for (const kv of node.body) visitKeyValue(kv, path);
    } else if (node.type === "TOMLArray") {
      node.elements.forEach((el, i) => {
        const p = [...path, i];
        positions.set(pathKey(p), at(el));
        visitValue(el, p);
      });
    }
  };
  const visitKeyValue = (kv: AST.TOMLKeyValue, base: (string | number)[]): void => {
    const path = [...base];
    for (const k of kv.key.keys) {
      path.push(keyName(k));
      if (!positions.has(pathKey(path))) positions.set(pathKey(path), at(k));
    }
    visitValue(kv.value, path);
  };
  const top = ast.body[0];
  for (const node of top?.body ?? []) {
    if (node.type === "TOMLKeyValue") visitKeyValue(node, []);
    else {
      const path = node.resolvedKey;
      // The table header positions its own path and every implicit ancestor not written elsewhere.
      for (let n = 1; n <= path.length; n++) {
        const key = pathKey(path.slice(0, n));
        if (n === path.length || !positions.has(key)) positions.set(key, at(node));
      }
      for (const kv of node.body) visitKeyValue(kv, [...path]);
    }
  }
  let value: unknown;
  try {
    value = staticTomlValue(ast);
  } catch (error) {
    return {
      ok: false,
      message: String((error as Error).message ?? error),
      position: { line: 1, column: 1 },
    };
  }
  return { ok: true, doc: { value, locate: locator(positions) } };
}

/** Marks every key while toml-eslint-parser builds the value, so no key can name `__proto__`. */
const KEY_MARK = "\u0000";

/**
 * `getStaticTOMLValue` assigns keys with `table[key] = ...`: a `[__proto__]` table would write
 * into `Object.prototype` for the whole process. Every key is prefixed with a NUL while it
 * runs (restored afterwards) and the result is rebuilt with own properties.
 */
function staticTomlValue(ast: AST.TOMLProgram): unknown {
  const keys: (AST.TOMLBare | AST.TOMLQuoted)[] = [];
  traverseNodes(ast, {
    enterNode(node) {
      if (node.type === "TOMLBare" || node.type === "TOMLQuoted") keys.push(node);
    },
    leaveNode() {},
  });
  const mark = (k: AST.TOMLBare | AST.TOMLQuoted, on: boolean) => {
    const strip = (s: string) => (s.startsWith(KEY_MARK) ? s.slice(KEY_MARK.length) : s);
    if (k.type === "TOMLBare") k.name = on ? KEY_MARK + k.name : strip(k.name);
    else k.value = on ? KEY_MARK + k.value : strip(k.value);
  };
  for (const k of keys) mark(k, true);
  try {
    return unmark(getStaticTOMLValue(ast));
  } finally {
    for (const k of keys) mark(k, false);
  }
}

function unmark(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unmark);
  if (typeof value !== "object" || value === null || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    defineKey(out, key.startsWith(KEY_MARK) ? key.slice(KEY_MARK.length) : key, unmark(child));
  }
  return out;
}
