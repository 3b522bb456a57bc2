import type { Diagnostic, Severity } from "../diagnostics.js";
import type { Project } from "../project/load.js";
import type { SourceFile } from "../project/source.js";
import { finding, type Rule } from "./rule.js";
import { type SqlStatement, type SqlToken, scanSql } from "./support/sql-scan.js";

/** At most this many findings of one rule per file: a pasted pg_dump should not drown the report. */
const MAX_PER_FILE = 50;

interface Hit {
  token: SqlToken;
  message: string;
  hint: string;
}

function statementText(file: SourceFile, stmt: SqlStatement, max = 60): string {
  const last = stmt.tokens[stmt.tokens.length - 1];
  const raw = file.text.slice(stmt.start, Math.min(last ? last.end : stmt.start, stmt.start + max * 4));
  const one = raw.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** A SQL rule: `find` yields hits per statement; positions, caps and the diagnostic shape are shared. */
function sqlRule(
  id: string,
  severity: Severity,
  find: (stmt: SqlStatement, file: SourceFile) => Iterable<Hit>,
  severityOf?: (hit: Hit) => Severity,
): Rule {
  return {
    id,
    *check({ project }: { project: Project }): Generator<Diagnostic> {
      for (const file of project.sqlFiles) {
        const scan = scanSql(file);
        let count = 0;
        for (const stmt of scan.statements) {
          for (const hit of find(stmt, file)) {
            if (count++ >= MAX_PER_FILE) break;
            const at = scan.position(hit.token.start);
            yield finding(
              id,
              severityOf?.(hit) ?? severity,
              file.path,
              at,
              `${hit.message} (line ${at.line})`,
              hit.hint,
            );
          }
          if (count >= MAX_PER_FILE) break;
        }
      }
    },
  };
}

function word(t: SqlToken | undefined, ...upper: string[]): boolean {
  return t !== undefined && t.kind === "word" && upper.includes(t.upper);
}

function punct(t: SqlToken | undefined, text: string): boolean {
  return t !== undefined && t.kind === "punct" && t.text === text;
}

const isCreateOrAlter = (stmt: SqlStatement) => word(stmt.tokens[0], "CREATE", "ALTER");

export const sqlSerial = sqlRule("sql-serial", "error", function* (stmt) {
  if (!isCreateOrAlter(stmt)) return;
  const ts = stmt.tokens;
  for (let i = 2; i < ts.length; i++) {
    const t = ts[i];
    if (!word(t, "SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL2", "SERIAL4", "SERIAL8") || !t) continue;
    const name = ts[i - 1];
    const before = ts[i - 2];
    if (!name || (name.kind !== "word" && name.kind !== "ident")) continue;
    if (!(punct(before, "(") || punct(before, ",") || word(before, "COLUMN", "ADD"))) continue;
    yield {
      token: t,
      message: `Column ${name.text} is declared ${t.text}: SQLite accepts the type name but never fills it in, so inserted rows get id NULL`,
      hint: `Declare \`${name.text} INTEGER PRIMARY KEY\` (add AUTOINCREMENT only if ids must never be reused).`,
    };
  }
});

export const sqlPgCast = sqlRule("sql-pg-cast", "error", function* (stmt, file) {
  for (let i = 0; i < stmt.tokens.length; i++) {
    const t = stmt.tokens[i];
    if (!t || !punct(t, "::")) continue;
    const type = stmt.tokens[i + 1];
    const prev = stmt.tokens[i - 1];
    const shown = `${prev ? file.text.slice(prev.start, Math.min(prev.end, prev.start + 30)) : ""}::${type?.text ?? ""}`;
    yield {
      token: t,
      message: `\`${shown}\` is a PostgreSQL cast; SQLite/D1 has no \`::\` operator ("unrecognized token: \\":\\"")`,
      hint: `Use \`CAST(x AS ${type?.kind === "word" ? sqliteType(type.upper) : "INTEGER"})\`.`,
    };
  }
});

function sqliteType(pg: string): string {
  if (/INT|SERIAL/.test(pg)) return "INTEGER";
  if (/REAL|FLOAT|DOUBLE|NUMERIC|DECIMAL/.test(pg)) return "REAL";
  if (/BYTEA|BLOB/.test(pg)) return "BLOB";
  return "TEXT";
}

const PG_FUNCTIONS: Record<string, string> = {
  NOW: "Use `CURRENT_TIMESTAMP`, `datetime('now')` or `unixepoch()` (as a default: `DEFAULT CURRENT_TIMESTAMP`).",
  GEN_RANDOM_UUID: "Generate ids in the app (crypto.randomUUID()) or use `lower(hex(randomblob(16)))`.",
  UUID_GENERATE_V4: "Generate ids in the app (crypto.randomUUID()) or use `lower(hex(randomblob(16)))`.",
  DATE_TRUNC: "Use `strftime('%Y-%m-01', x)` / `date(x, 'start of month')`.",
  TO_CHAR: "Use `strftime(format, x)`.",
  TO_TIMESTAMP: "Use `datetime(x, 'unixepoch')`.",
  AGE: "Use `julianday(a) - julianday(b)` or `unixepoch(a) - unixepoch(b)`.",
  EXTRACT: "Use `strftime('%Y', x)` (or `%m`, `%d`, `%H` …) and CAST it to INTEGER.",
  ARRAY_AGG: "Use `json_group_array(x)` or `group_concat(x)`.",
  JSON_BUILD_OBJECT: "Use `json_object(…)`.",
  JSONB_BUILD_OBJECT: "Use `json_object(…)`.",
  JSON_AGG: "Use `json_group_array(x)`.",
  JSONB_AGG: "Use `json_group_array(x)`.",
  GREATEST: "Use the multi-argument `max(a, b, …)`.",
  LEAST: "Use the multi-argument `min(a, b, …)`.",
  POSITION: "Use `instr(haystack, needle)`.",
  NEXTVAL: "Use an `INTEGER PRIMARY KEY` column; SQLite has no sequences.",
  TO_TSVECTOR: "Use an FTS5 virtual table for full-text search.",
  TO_TSQUERY: "Use an FTS5 virtual table for full-text search.",
  REGEXP_REPLACE: "Use `replace()` or do it in application code (D1 has no regexp functions).",
  STRING_TO_ARRAY: "Store JSON text and use `json_each()`.",
};

/** Keywords after which `name(` is a table or column list, not a call. */
const NOT_A_CALL_AFTER = new Set([
  "TABLE",
  "EXISTS",
  "INTO",
  "REFERENCES",
  "ON",
  "VIEW",
  "INDEX",
  "TRIGGER",
  "UPDATE",
  "JOIN",
  "FROM",
]);

export const sqlPgFunctions = sqlRule("sql-pg-functions", "error", function* (stmt) {
  const ts = stmt.tokens;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (t?.kind !== "word") continue;
    const hint = PG_FUNCTIONS[t.upper];
    if (hint === undefined || !punct(ts[i + 1], "(")) continue;
    const prev = ts[i - 1];
    if (prev && ((prev.kind === "word" && NOT_A_CALL_AFTER.has(prev.upper)) || punct(prev, "."))) continue;
    yield {
      token: t,
      message: `\`${t.text}()\` is a PostgreSQL function that SQLite/D1 does not have ("no such function")`,
      hint,
    };
  }
});

export const sqlCreateExtension = sqlRule("sql-create-extension", "error", function* (stmt) {
  const [a, b, c] = stmt.tokens;
  if (!word(a, "CREATE") || !word(b, "EXTENSION") || !b) return;
  yield {
    token: a,
    message: `\`CREATE EXTENSION${c ? ` ${c.text}` : ""}\` is PostgreSQL-only; SQLite/D1 has no extensions to load (syntax error)`,
    hint: "Remove it and use SQLite built-ins (e.g. `lower(hex(randomblob(16)))` instead of uuid-ossp/pgcrypto).",
  };
});

export const sqlPlpgsql = sqlRule("sql-plpgsql", "error", function* (stmt, file) {
  const ts = stmt.tokens;
  const shown = statementText(file, stmt, 50);
  const hint =
    "SQLite/D1 has no stored procedures: move the logic into application code, or use a SQLite trigger (`CREATE TRIGGER … BEGIN … END;`).";
  let k = 1;
  if (word(ts[0], "CREATE")) {
    if (word(ts[1], "OR") && word(ts[2], "REPLACE")) k = 3;
    if (word(ts[k], "FUNCTION", "PROCEDURE") && ts[0]) {
      yield {
        token: ts[0],
        message: `\`${shown}\` defines a PostgreSQL ${ts[k]?.text.toLowerCase()}, which SQLite/D1 cannot run`,
        hint,
      };
      return;
    }
  }
  if (
    word(ts[0], "DO") &&
    ts[0] &&
    (ts[1]?.kind === "dollar" || ts[1]?.kind === "string" || word(ts[1], "LANGUAGE"))
  ) {
    yield {
      token: ts[0],
      message: `\`${shown}\` is a PostgreSQL anonymous code block (DO $$ … $$); SQLite/D1 cannot run it`,
      hint,
    };
    return;
  }
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (!t) continue;
    if (word(t, "LANGUAGE") && ts[i + 1]) {
      yield {
        token: t,
        message: `\`LANGUAGE ${ts[i + 1]?.text}\` is PostgreSQL procedural code; SQLite/D1 has none`,
        hint,
      };
      return;
    }
    if (word(t, "EXECUTE") && word(ts[i + 1], "FUNCTION", "PROCEDURE")) {
      yield {
        token: t,
        message: `\`EXECUTE ${ts[i + 1]?.text}\` calls a PostgreSQL trigger function; SQLite triggers have inline bodies`,
        hint: "Write the trigger body inline: `CREATE TRIGGER … BEGIN UPDATE …; END;`.",
      };
      return;
    }
    if (t.kind === "dollar") {
      yield {
        token: t,
        message: `A PostgreSQL dollar-quoted body (\`${t.text.slice(0, t.text.indexOf("$", 1) + 1)}…\`) is not SQLite syntax; SQLite reads \`$name\` as a bind parameter`,
        hint,
      };
      return;
    }
  }
});

export const sqlTransaction = sqlRule("sql-transaction", "error", function* (stmt, file) {
  const first = stmt.tokens[0];
  const isTx =
    word(first, "BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE") ||
    (word(first, "START") && word(stmt.tokens[1], "TRANSACTION"));
  if (!first || !isTx) return;
  yield {
    token: first,
    message: `\`${statementText(file, stmt, 40)}\` controls a transaction; D1 rejects explicit transactions (it works in local SQLite and fails on the remote database)`,
    hint: "Remove BEGIN/COMMIT/ROLLBACK/SAVEPOINT: a D1 migration file already applies atomically; in code use `db.batch([...])`.",
  };
});

const ALLOWED_PRAGMAS = new Set([
  "table_list",
  "table_info",
  "table_xinfo",
  "data_version",
  "page_size",
  "case_sensitive_like",
  "foreign_keys",
  "defer_foreign_keys",
  "ignore_check_constraints",
  "legacy_alter_table",
  "recursive_triggers",
  "reverse_unordered_selects",
  "foreign_key_check",
  "foreign_key_list",
  "index_info",
  "index_list",
  "index_xinfo",
  "quick_check",
  "optimize",
]);

/** `PRAGMA [schema.]name [= value | (value)]`: the name token and the assigned value, if any. */
function pragmaOf(stmt: SqlStatement): { name: SqlToken; value?: SqlToken; assigns: boolean } | undefined {
  const ts = stmt.tokens;
  if (!word(ts[0], "PRAGMA")) return undefined;
  let k = 1;
  if (punct(ts[2], ".")) k = 3;
  const name = ts[k];
  if (!name || (name.kind !== "word" && name.kind !== "ident")) return undefined;
  const next = ts[k + 1];
  const assigns = punct(next, "=");
  const value = assigns || punct(next, "(") ? ts[k + 2] : undefined;
  return { name, assigns, ...(value ? { value } : {}) };
}

export const sqlPragma = sqlRule("sql-pragma", "error", function* (stmt, file) {
  const p = pragmaOf(stmt);
  const first = stmt.tokens[0];
  if (!p || !first) return;
  const name = p.name.text.toLowerCase();
  if (ALLOWED_PRAGMAS.has(name) && !(name === "page_size" && p.assigns)) return;
  yield {
    token: first,
    message:
      name === "page_size"
        ? `\`${statementText(file, stmt, 40)}\`: D1 allows reading page_size, not setting it ("not authorized")`
        : `\`${statementText(file, stmt, 40)}\`: PRAGMA ${p.name.text} is not authorized on D1 (only a short allowlist is, e.g. foreign_keys, defer_foreign_keys, table_info)`,
    hint: "Remove it; D1 manages journal mode, synchronous and cache settings itself.",
  };
});

export const sqlForeignKeysOff = sqlRule("sql-foreign-keys-off", "warning", function* (stmt) {
  const p = pragmaOf(stmt);
  const first = stmt.tokens[0];
  if (!p || !first || p.name.text.toLowerCase() !== "foreign_keys" || !p.value) return;
  const v = p.value.text.toLowerCase().replace(/^'|'$/g, "");
  if (!["off", "0", "false", "no"].includes(v)) return;
  yield {
    token: first,
    message:
      "`PRAGMA foreign_keys = OFF` does not switch off foreign keys on D1: D1 enforces them and the pragma only lasts for the current transaction",
    hint: "Use `PRAGMA defer_foreign_keys = on` before statements that violate constraints temporarily.",
  };
});

export const sqlIdentity = sqlRule("sql-identity", "error", function* (stmt) {
  const ts = stmt.tokens;
  for (let i = 1; i < ts.length; i++) {
    if (!word(ts[i], "IDENTITY") || !word(ts[i - 1], "AS")) continue;
    let g = i - 2;
    while (g >= 0 && g >= i - 4 && !word(ts[g], "GENERATED")) g--;
    const t = g >= 0 && word(ts[g], "GENERATED") ? ts[g] : ts[i];
    if (!t) continue;
    yield {
      token: t,
      message: "`GENERATED … AS IDENTITY` is PostgreSQL syntax; SQLite/D1 rejects it (syntax error)",
      hint: "Declare the column `INTEGER PRIMARY KEY`; SQLite assigns ids automatically.",
    };
  }
});

export const sqlTypesEnumDomain = sqlRule("sql-types-enum-domain", "error", function* (stmt, file) {
  const [a, b] = stmt.tokens;
  if (!a || !word(a, "CREATE") || !word(b, "TYPE", "DOMAIN")) return;
  yield {
    token: a,
    message: `\`${statementText(file, stmt, 50)}\`: SQLite/D1 has no user-defined types or domains (syntax error)`,
    hint: "Use a base type with a CHECK constraint, e.g. `status TEXT CHECK (status IN ('a','b'))`.",
  };
});

export const sqlSchema = sqlRule("sql-schema", "error", function* (stmt, file) {
  const ts = stmt.tokens;
  const [a, b] = ts;
  if (a && word(a, "CREATE") && word(b, "SCHEMA")) {
    yield {
      token: a,
      message: `\`${statementText(file, stmt, 50)}\`: SQLite/D1 has a single schema (main); CREATE SCHEMA is a syntax error`,
      hint: "Remove it and drop schema prefixes from table names.",
    };
    return;
  }
  if (a && word(a, "SET") && word(b, "SEARCH_PATH")) {
    yield {
      token: a,
      message: "`SET search_path` is PostgreSQL-only; SQLite/D1 rejects it",
      hint: "Remove it.",
    };
    return;
  }
  for (let i = 0; i + 2 < ts.length; i++) {
    const t = ts[i];
    if (
      t &&
      word(t, "PUBLIC") &&
      punct(ts[i + 1], ".") &&
      (ts[i + 2]?.kind === "word" || ts[i + 2]?.kind === "ident")
    ) {
      yield {
        token: t,
        message: `\`${t.text}.${ts[i + 2]?.text}\` names a PostgreSQL schema; SQLite/D1 fails with "unknown database ${t.text}"`,
        hint: `Write \`${ts[i + 2]?.text}\` without the schema prefix.`,
      };
      return;
    }
  }
});

const ALLOWED_VTABLES = new Set(["fts5", "fts5vocab", "rtree", "rtree_i32"]);

export const sqlForbiddenObjects = sqlRule("sql-forbidden-objects", "error", function* (stmt, file) {
  const ts = stmt.tokens;
  const a = ts[0];
  if (!a) return;
  if (word(a, "ATTACH", "DETACH")) {
    yield {
      token: a,
      message: `\`${statementText(file, stmt, 40)}\`: ATTACH/DETACH is not authorized on D1`,
      hint: "Use one database per binding; copy data with application code.",
    };
    return;
  }
  if (!word(a, "CREATE")) return;
  if (word(ts[1], "TEMP", "TEMPORARY")) {
    yield {
      token: a,
      message: `\`${statementText(file, stmt, 50)}\`: temporary objects are not authorized on D1`,
      hint: "Create a regular table (and drop it when done) or use a CTE (`WITH …`).",
    };
    return;
  }
  if (word(ts[1], "VIRTUAL") && word(ts[2], "TABLE")) {
    const using = ts.findIndex((t) => word(t, "USING"));
    const mod = using === -1 ? undefined : ts[using + 1];
    if (mod && !ALLOWED_VTABLES.has(mod.text.toLowerCase())) {
      yield {
        token: a,
        message: `Virtual table module \`${mod.text}\` is not available on D1 (only fts5, fts5vocab, rtree, rtree_i32)`,
        hint: "Use FTS5 for search, or a regular table.",
      };
    }
  }
});

export const sqlRules: Rule[] = [
  sqlSerial,
  sqlPgCast,
  sqlPgFunctions,
  sqlCreateExtension,
  sqlPlpgsql,
  sqlTransaction,
  sqlPragma,
  sqlForeignKeysOff,
  sqlIdentity,
  sqlTypesEnumDomain,
  sqlSchema,
  sqlForbiddenObjects,
];
