import type * as t from "@babel/types";
import type { WorkerEntry } from "../../project/load.js";
import type { Position } from "../../project/source.js";

/** A literal-ish value of a class field, as far as it can be read statically. */
export type FieldValue =
  | { kind: "number"; value: number }
  | { kind: "string"; value: string }
  | { kind: "array"; items: FieldValue[] }
  | { kind: "object"; entries: Map<string, FieldValue> }
  | { kind: "other" };

export interface ClassField {
  name: string;
  value: FieldValue;
  position: Position;
}

export interface ClassInfo {
  name: string;
  node: t.ClassDeclaration | t.ClassExpression;
  position: Position;
  /** Name of the superclass identifier, when it is one. */
  superName?: string;
  superPosition?: Position;
  /** Instance fields (`defaultPort = 8000`) and `this.x = …` assignments in the constructor. */
  fields: Map<string, ClassField>;
  /** The class body reads `.container` (Durable Object Container API: `this.ctx.container`). */
  usesCtxContainer: boolean;
}

export interface ImportBinding {
  source: string;
  /** Imported name; "default" or "*" for default / namespace imports. */
  imported: string;
}

export interface EnvUse {
  name: string;
  position: Position;
  /** How the binding is used: passed to getContainer/getRandom, or `.idFromName(…)` etc. on it. */
  asDurableObject: boolean;
  /** A short description of the use, for messages. */
  how: string;
}

export interface WorkerModel {
  imports: Map<string, ImportBinding>;
  /** Top-level classes by local name. */
  classes: Map<string, ClassInfo>;
  /** Exported name → local name (or undefined for `export … from` re-exports). */
  exports: Map<string, { local?: string; from?: string; position: Position }>;
  /** The module has `export * from …`: any name may be exported. */
  exportAll: boolean;
  hasDefault: boolean;
  /** `export default { … }`: whether the object has a `fetch` handler, and where it is. */
  defaultObject?: { hasFetch: boolean; position: Position };
  firstExport?: Position;
  envUses: EnvUse[];
  /** Any call of these methods exists in the module (port selection without defaultPort). */
  calls: Set<string>;
}

function pos(node: t.Node): Position {
  const s = node.loc?.start;
  return s ? { line: s.line, column: s.column + 1 } : { line: 1, column: 1 };
}

function keyName(key: t.Node, computed: boolean): string | undefined {
  if (computed) return key.type === "StringLiteral" ? key.value : undefined;
  if (key.type === "Identifier") return key.name;
  if (key.type === "StringLiteral") return key.value;
  return undefined;
}

function unwrapTs(node: t.Node): t.Node {
  let n = node;
  for (let k = 0; k < 50; k++) {
    if (
      n.type === "TSAsExpression" ||
      n.type === "TSSatisfiesExpression" ||
      n.type === "TSNonNullExpression" ||
      n.type === "TSTypeAssertion" ||
      n.type === "ParenthesizedExpression"
    ) {
      n = n.expression;
    } else break;
  }
  return n;
}

export function readValue(node: t.Node | null | undefined, depth = 0): FieldValue {
  if (!node || depth > 20) return { kind: "other" };
  const n = unwrapTs(node);
  switch (n.type) {
    case "NumericLiteral":
      return { kind: "number", value: n.value };
    case "UnaryExpression":
      if (n.operator === "-" && n.argument.type === "NumericLiteral")
        return { kind: "number", value: -n.argument.value };
      return { kind: "other" };
    case "StringLiteral":
      return { kind: "string", value: n.value };
    case "TemplateLiteral":
      if (n.expressions.length === 0 && n.quasis.length === 1) {
        return { kind: "string", value: n.quasis[0]?.value.cooked ?? "" };
      }
      return { kind: "other" };
    case "ArrayExpression":
      return {
        kind: "array",
        items: n.elements.map((e) =>
          e && e.type !== "SpreadElement" ? readValue(e, depth + 1) : { kind: "other" },
        ),
      };
    case "ObjectExpression": {
      const entries = new Map<string, FieldValue>();
      for (const p of n.properties) {
        if (p.type !== "ObjectProperty") continue;
        const k = keyName(p.key, p.computed);
        if (k !== undefined) entries.set(k, readValue(p.value, depth + 1));
      }
      return { kind: "object", entries };
    }
    default:
      return { kind: "other" };
  }
}

const SKIP_KEYS = new Set([
  "type",
  "start",
  "end",
  "loc",
  "range",
  "extra",
  "leadingComments",
  "trailingComments",
  "innerComments",
  "comments",
  "tokens",
  "errors",
  "operator",
  "computed",
  "optional",
  "kind",
  "static",
  "async",
  "generator",
  "method",
  "shorthand",
  "prefix",
  "directives",
]);

/** Children of a node, in source order (keys with nodes or node arrays). */
function children(node: t.Node, out: t.Node[]): void {
  const record = node as unknown as Record<string, unknown>;
  for (const key in record) {
    if (SKIP_KEYS.has(key)) continue;
    const v = record[key];
    if (v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) {
      for (const x of v) if (isNode(x)) out.push(x);
    } else if (isNode(v)) out.push(v);
  }
}

function isNode(v: unknown): v is t.Node {
  return typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string";
}

/** Visit every node under `root` (iterative; no recursion depth limit). */
export function walk(root: t.Node, visit: (node: t.Node) => void): void {
  const stack: t.Node[] = [root];
  const kids: t.Node[] = [];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!node) continue;
    visit(node);
    kids.length = 0;
    children(node, kids);
    for (let i = kids.length - 1; i >= 0; i--) {
      const k = kids[i];
      if (k) stack.push(k);
    }
  }
}

function isEnvObject(node: t.Node): boolean {
  const n = unwrapTs(node);
  if (n.type === "Identifier") return n.name === "env";
  if (n.type === "MemberExpression" && !n.computed && n.property.type === "Identifier")
    return n.property.name === "env";
  return false;
}

/** `env.X` / `this.env.X` / `c.env.X` → X. */
function envMember(node: t.Node): { name: string; node: t.Node } | undefined {
  const n = unwrapTs(node);
  if (n.type !== "MemberExpression" || !isEnvObject(n.object)) return undefined;
  if (!n.computed && n.property.type === "Identifier") return { name: n.property.name, node: n.property };
  if (n.computed && n.property.type === "StringLiteral") return { name: n.property.value, node: n.property };
  return undefined;
}

const DO_HELPERS = new Set(["getContainer", "getRandom", "loadBalance", "getContainerById"]);
const DO_METHODS = new Set(["idFromName", "idFromString", "newUniqueId", "getByName"]);

function calleeName(callee: t.Node): string | undefined {
  const c = unwrapTs(callee);
  if (c.type === "Identifier") return c.name;
  if (c.type === "MemberExpression" && !c.computed && c.property.type === "Identifier")
    return c.property.name;
  return undefined;
}

function classInfo(name: string, node: t.ClassDeclaration | t.ClassExpression): ClassInfo {
  const info: ClassInfo = {
    name,
    node,
    position: pos(node.id ?? node),
    fields: new Map(),
    usesCtxContainer: false,
  };
  const sup = node.superClass ? unwrapTs(node.superClass) : undefined;
  if (sup?.type === "Identifier") {
    info.superName = sup.name;
    info.superPosition = pos(sup);
  } else if (sup) info.superPosition = pos(sup);
  for (const member of node.body.body) {
    if ((member.type === "ClassProperty" || member.type === "ClassAccessorProperty") && !member.static) {
      const k = member.key.type === "PrivateName" ? undefined : keyName(member.key, member.computed);
      if (k !== undefined)
        info.fields.set(k, { name: k, value: readValue(member.value), position: pos(member) });
    }
    if (member.type === "ClassMethod" && member.kind === "constructor") {
      walk(member.body, (n) => {
        if (n.type !== "AssignmentExpression" || n.operator !== "=") return;
        const l = n.left;
        if (
          l.type === "MemberExpression" &&
          l.object.type === "ThisExpression" &&
          !l.computed &&
          l.property.type === "Identifier"
        ) {
          if (!info.fields.has(l.property.name)) {
            info.fields.set(l.property.name, {
              name: l.property.name,
              value: readValue(n.right),
              position: pos(n),
            });
          }
        }
      });
    }
  }
  walk(node.body, (n) => {
    if (
      n.type === "MemberExpression" &&
      !n.computed &&
      n.property.type === "Identifier" &&
      n.property.name === "container"
    ) {
      info.usesCtxContainer = true;
    }
  });
  return info;
}

export function buildWorkerModel(entry: WorkerEntry): WorkerModel {
  const program = entry.program.program;
  const model: WorkerModel = {
    imports: new Map(),
    classes: new Map(),
    exports: new Map(),
    exportAll: false,
    hasDefault: false,
    envUses: [],
    calls: new Set(),
  };
  const noteExport = (node: t.Node) => {
    if (!model.firstExport) model.firstExport = pos(node);
  };
  for (const stmt of program.body) {
    switch (stmt.type) {
      case "ImportDeclaration":
        for (const s of stmt.specifiers) {
          const imported =
            s.type === "ImportDefaultSpecifier"
              ? "default"
              : s.type === "ImportNamespaceSpecifier"
                ? "*"
                : s.imported.type === "Identifier"
                  ? s.imported.name
                  : s.imported.value;
          model.imports.set(s.local.name, { source: stmt.source.value, imported });
        }
        break;
      case "ClassDeclaration":
        if (stmt.id) model.classes.set(stmt.id.name, classInfo(stmt.id.name, stmt));
        break;
      case "VariableDeclaration":
        for (const d of stmt.declarations) {
          const init = d.init ? unwrapTs(d.init) : undefined;
          if (d.id.type === "Identifier" && init?.type === "ClassExpression") {
            model.classes.set(d.id.name, classInfo(d.id.name, init));
          }
        }
        break;
      case "ExportNamedDeclaration": {
        noteExport(stmt);
        const decl = stmt.declaration;
        if (decl?.type === "ClassDeclaration" && decl.id) {
          model.classes.set(decl.id.name, classInfo(decl.id.name, decl));
          model.exports.set(decl.id.name, { local: decl.id.name, position: pos(decl) });
        } else if (decl?.type === "VariableDeclaration") {
          for (const d of decl.declarations) {
            if (d.id.type !== "Identifier") continue;
            const init = d.init ? unwrapTs(d.init) : undefined;
            if (init?.type === "ClassExpression") model.classes.set(d.id.name, classInfo(d.id.name, init));
            model.exports.set(d.id.name, { local: d.id.name, position: pos(d) });
          }
        } else if (decl && "id" in decl && decl.id && decl.id.type === "Identifier") {
          model.exports.set(decl.id.name, { local: decl.id.name, position: pos(decl) });
        }
        for (const s of stmt.specifiers) {
          const exported = s.exported.type === "Identifier" ? s.exported.name : s.exported.value;
          const entry: { local?: string; from?: string; position: Position } = { position: pos(s) };
          if (stmt.source) entry.from = stmt.source.value;
          else if (s.type === "ExportSpecifier") entry.local = s.local.name;
          if (exported === "default") model.hasDefault = true;
          model.exports.set(exported, entry);
        }
        break;
      }
      case "ExportAllDeclaration":
        noteExport(stmt);
        model.exportAll = true;
        break;
      case "ExportDefaultDeclaration": {
        noteExport(stmt);
        model.hasDefault = true;
        const decl = stmt.declaration;
        if (decl.type === "ClassDeclaration" && decl.id)
          model.classes.set(decl.id.name, classInfo(decl.id.name, decl));
        const value = unwrapTs(decl);
        if (value.type === "ObjectExpression") {
          const hasFetch = value.properties.some(
            (p) =>
              p.type === "SpreadElement" ||
              ((p.type === "ObjectProperty" || p.type === "ObjectMethod") &&
                keyName(p.key, p.computed) === "fetch") ||
              ((p.type === "ObjectProperty" || p.type === "ObjectMethod") && p.computed),
          );
          model.defaultObject = { hasFetch, position: pos(stmt) };
        }
        break;
      }
      default:
        break;
    }
  }

  // env.X uses and calls anywhere in the module.
  walk(program, (n) => {
    if (n.type === "CallExpression" || n.type === "OptionalCallExpression") {
      const name = calleeName(n.callee);
      if (name) model.calls.add(name);
      if (name && DO_HELPERS.has(name)) {
        const first = n.arguments[0];
        const m = first ? envMember(first) : undefined;
        if (m)
          model.envUses.push({
            name: m.name,
            position: pos(m.node),
            asDurableObject: true,
            how: `${name}(env.${m.name})`,
          });
      }
      const callee = unwrapTs(n.callee);
      if (
        callee.type === "MemberExpression" &&
        !callee.computed &&
        callee.property.type === "Identifier" &&
        DO_METHODS.has(callee.property.name)
      ) {
        const m = envMember(callee.object);
        if (m) {
          model.envUses.push({
            name: m.name,
            position: pos(m.node),
            asDurableObject: true,
            how: `env.${m.name}.${callee.property.name}(…)`,
          });
        }
      }
    }
  });
  return model;
}

/** Where a superclass name comes from, following local classes (`class A extends Container`, `class B extends A`). */
export type BaseKind =
  | { kind: "container" }
  | { kind: "durable-object" }
  | { kind: "imported"; source: string; imported: string }
  | { kind: "none" }
  | { kind: "unknown-global"; name: string }
  | { kind: "expression" };

export function resolveBase(model: WorkerModel, cls: ClassInfo): { base: BaseKind; chain: ClassInfo[] } {
  const chain: ClassInfo[] = [cls];
  let current = cls;
  for (let k = 0; k < 20; k++) {
    if (!current.node.superClass) return { base: { kind: "none" }, chain };
    const name = current.superName;
    if (name === undefined) return { base: { kind: "expression" }, chain };
    const imp = model.imports.get(name);
    if (imp) {
      if (imp.source === "@cloudflare/containers" && imp.imported === "Container")
        return { base: { kind: "container" }, chain };
      if (imp.source === "cloudflare:workers" && imp.imported === "DurableObject") {
        return { base: { kind: "durable-object" }, chain };
      }
      return { base: { kind: "imported", source: imp.source, imported: imp.imported }, chain };
    }
    const local = model.classes.get(name);
    if (!local || chain.includes(local)) return { base: { kind: "unknown-global", name }, chain };
    chain.push(local);
    current = local;
  }
  return { base: { kind: "expression" }, chain };
}

/** A field looked up along the local class chain (subclass first). */
export function fieldOf(chain: ClassInfo[], name: string): ClassField | undefined {
  for (const c of chain) {
    const f = c.fields.get(name);
    if (f) return f;
  }
  return undefined;
}

/** Resolve an exported name to the local class it denotes, if it is one. */
export function exportedClass(model: WorkerModel, exported: string): ClassInfo | undefined {
  const e = model.exports.get(exported);
  if (!e || e.local === undefined) return undefined;
  return model.classes.get(e.local);
}
