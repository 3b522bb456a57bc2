import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../../src/project/load.js";
import { validateProject } from "../../../src/rules/index.js";
import { scanSql } from "../../../src/rules/support/sql-scan.js";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../../helpers/project.js";

afterAll(cleanupProjects);

const MIGRATION = "migrations/0001_init.sql";

function sql(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

function run(rule: string, text: string, file = MIGRATION) {
  return byRule(validateDir(exampleWith({ [file]: text })), rule);
}

describe("the valid example", () => {
  it("has no SQL finding", () => {
    expect(validateDir(fastapiExample).filter((d) => d.rule.startsWith("sql-"))).toEqual([]);
  });
});

interface Case {
  name: string;
  rule: string;
  text: string;
  severity: "error" | "warning";
  line: number;
  column?: number;
  message?: string;
  file?: string;
}

const firing: Case[] = [
  {
    name: "SERIAL id",
    rule: "sql-serial",
    text: sql("CREATE TABLE users (", "  id SERIAL PRIMARY KEY,", "  name TEXT", ");"),
    severity: "error",
    line: 2,
    column: 6,
    message: "SERIAL",
  },
  {
    name: "BIGSERIAL in ALTER",
    rule: "sql-serial",
    text: sql("ALTER TABLE t ADD COLUMN n bigserial;"),
    severity: "error",
    line: 1,
  },
  {
    name: "::int cast",
    rule: "sql-pg-cast",
    text: sql("SELECT 1;", "SELECT count(*)::int FROM users;"),
    severity: "error",
    line: 2,
    message: "::int",
  },
  {
    name: "DEFAULT now()",
    rule: "sql-pg-functions",
    text: sql("CREATE TABLE t (", "  id INTEGER PRIMARY KEY,", "  created_at TEXT DEFAULT now()", ");"),
    severity: "error",
    line: 3,
    message: "now()",
  },
  {
    name: "gen_random_uuid",
    rule: "sql-pg-functions",
    text: sql("INSERT INTO t (id) VALUES (gen_random_uuid());"),
    severity: "error",
    line: 1,
  },
  {
    name: "EXTRACT",
    rule: "sql-pg-functions",
    text: sql("SELECT", "  EXTRACT(YEAR FROM created_at)", "FROM t;"),
    severity: "error",
    line: 2,
  },
  {
    name: "CREATE EXTENSION",
    rule: "sql-create-extension",
    text: sql("-- uuid support", 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";'),
    severity: "error",
    line: 2,
  },
  {
    name: "CREATE FUNCTION plpgsql",
    rule: "sql-plpgsql",
    text: sql(
      "CREATE TABLE t (id INTEGER PRIMARY KEY);",
      "CREATE OR REPLACE FUNCTION touch() RETURNS trigger AS $$",
      "BEGIN NEW.updated_at = now(); RETURN NEW; END;",
      "$$ LANGUAGE plpgsql;",
    ),
    severity: "error",
    line: 2,
  },
  {
    name: "DO $$ block",
    rule: "sql-plpgsql",
    text: sql("DO $$ BEGIN RAISE NOTICE 'x'; END $$;"),
    severity: "error",
    line: 1,
  },
  {
    name: "EXECUTE FUNCTION trigger",
    rule: "sql-plpgsql",
    text: sql("CREATE TRIGGER t BEFORE UPDATE ON x", "FOR EACH ROW EXECUTE FUNCTION touch();"),
    severity: "error",
    line: 2,
  },
  {
    name: "BEGIN/COMMIT",
    rule: "sql-transaction",
    text: sql("BEGIN TRANSACTION;", "CREATE TABLE t (id INTEGER PRIMARY KEY);", "COMMIT;"),
    severity: "error",
    line: 1,
    message: "BEGIN TRANSACTION",
  },
  {
    name: "COMMIT line",
    rule: "sql-transaction",
    text: sql("BEGIN;", "CREATE TABLE t (id INTEGER PRIMARY KEY);", "COMMIT;"),
    severity: "error",
    line: 3,
  },
  { name: "SAVEPOINT", rule: "sql-transaction", text: sql("SAVEPOINT a;"), severity: "error", line: 1 },
  {
    name: "PRAGMA journal_mode",
    rule: "sql-pragma",
    text: sql("PRAGMA foreign_keys = ON;", "PRAGMA journal_mode = WAL;"),
    severity: "error",
    line: 2,
    message: "journal_mode",
  },
  {
    name: "setting page_size",
    rule: "sql-pragma",
    text: sql("PRAGMA main.page_size = 8192;"),
    severity: "error",
    line: 1,
  },
  {
    name: "foreign_keys OFF",
    rule: "sql-foreign-keys-off",
    text: sql("PRAGMA foreign_keys=off;"),
    severity: "warning",
    line: 1,
  },
  {
    name: "GENERATED AS IDENTITY",
    rule: "sql-identity",
    text: sql("CREATE TABLE t (", "  id INTEGER GENERATED ALWAYS AS IDENTITY", ");"),
    severity: "error",
    line: 2,
  },
  {
    name: "CREATE TYPE enum",
    rule: "sql-types-enum-domain",
    text: sql("CREATE TYPE mood AS ENUM ('sad', 'ok');"),
    severity: "error",
    line: 1,
  },
  {
    name: "public.users",
    rule: "sql-schema",
    text: sql("CREATE TABLE public.users (id INTEGER PRIMARY KEY);"),
    severity: "error",
    line: 1,
  },
  {
    name: "CREATE TEMP TABLE",
    rule: "sql-forbidden-objects",
    text: sql("CREATE TEMP TABLE scratch (x);"),
    severity: "error",
    line: 1,
  },
  {
    name: "schema.sql is checked too",
    rule: "sql-serial",
    text: sql("CREATE TABLE t (id serial);"),
    severity: "error",
    line: 1,
    file: "schema.sql",
  },
];

describe("SQL rules fire", () => {
  it.each(firing)("$rule: $name", (c) => {
    const file = c.file ?? MIGRATION;
    const d = run(c.rule, c.text, file);
    const hit = d.find((x) => x.line === c.line);
    expect(hit, JSON.stringify(d)).toBeDefined();
    expect(hit).toMatchObject({ rule: c.rule, severity: c.severity, file, line: c.line });
    if (c.column !== undefined) expect(hit?.column).toBe(c.column);
    expect(hit?.hint.length).toBeGreaterThan(5);
    if (c.message) expect(hit?.message).toContain(c.message);
  });
});

const silent: { name: string; rule: string; text: string }[] = [
  {
    name: "keywords inside strings and comments",
    rule: "sql-serial",
    text: sql(
      "-- id SERIAL PRIMARY KEY",
      "/* BIGSERIAL */",
      "INSERT INTO t (note) VALUES ('id SERIAL, x::int, now()');",
    ),
  },
  {
    name: "a column named serial",
    rule: "sql-serial",
    text: sql("CREATE TABLE devices (id INTEGER PRIMARY KEY, serial TEXT NOT NULL);"),
  },
  {
    name: "casts inside strings",
    rule: "sql-pg-cast",
    text: sql("INSERT INTO t VALUES ('a::b');", "SELECT CAST(x AS INTEGER) FROM t;"),
  },
  {
    name: "a table named age and an age column",
    rule: "sql-pg-functions",
    text: sql(
      "CREATE TABLE age (id INTEGER PRIMARY KEY, age INTEGER);",
      "INSERT INTO age(id, age) VALUES (1, 2);",
      "SELECT max(a, b), datetime('now') FROM age;",
    ),
  },
  {
    name: "SQLite trigger body",
    rule: "sql-transaction",
    text: sql(
      "CREATE TRIGGER touch AFTER UPDATE ON t",
      "BEGIN",
      "  UPDATE t SET n = CASE WHEN n > 0 THEN n ELSE 0 END WHERE id = NEW.id;",
      "  SELECT RAISE(ROLLBACK, 'no');",
      "END;",
      "CREATE TABLE u (id INTEGER PRIMARY KEY);",
    ),
  },
  {
    name: "allowed pragmas",
    rule: "sql-pragma",
    text: sql(
      "PRAGMA foreign_keys = ON;",
      "PRAGMA defer_foreign_keys = true;",
      "PRAGMA table_info(users);",
      "PRAGMA page_size;",
    ),
  },
  { name: "a $name bind parameter", rule: "sql-plpgsql", text: sql("SELECT * FROM t WHERE id = $id;") },
  { name: "fts5", rule: "sql-forbidden-objects", text: sql("CREATE VIRTUAL TABLE docs USING fts5(body);") },
];

describe("SQL rules stay silent", () => {
  it.each(silent)("$rule: $name", (c) => {
    expect(run(c.rule, c.text)).toEqual([]);
  });

  it("a correct SQLite migration raises nothing", () => {
    const text = sql(
      "PRAGMA defer_foreign_keys = on;",
      "CREATE TABLE IF NOT EXISTS users (",
      "  id INTEGER PRIMARY KEY,",
      "  email TEXT NOT NULL UNIQUE,",
      "  created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP",
      ");",
      "CREATE INDEX IF NOT EXISTS users_email ON users(email);",
      "INSERT INTO users (email) VALUES ('a@b.c') ON CONFLICT(email) DO UPDATE SET email = excluded.email;",
    );
    const d = validateDir(exampleWith({ [MIGRATION]: text })).filter((x) => x.rule.startsWith("sql-"));
    expect(d).toEqual([]);
  });
});

describe("the SQL scanner", () => {
  it("keeps a trigger body with CASE … END in one statement", () => {
    const scan = scanSql({
      text: "CREATE TRIGGER x AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; UPDATE t SET a = 1; END; SELECT 1;",
    });
    expect(scan.statements).toHaveLength(2);
    expect(scan.statements[1]?.tokens[0]?.upper).toBe("SELECT");
  });

  it("maps offsets to lines and columns", () => {
    const text = "a\n  bb\r\nccc";
    const scan = scanSql({ text });
    expect(scan.position(text.indexOf("bb"))).toEqual({ line: 2, column: 3 });
    expect(scan.position(text.indexOf("ccc"))).toEqual({ line: 3, column: 1 });
  });

  it("scans 1 MiB of SQL quickly", () => {
    const text = "INSERT INTO t VALUES (1, 'x'' y', now()::text); -- c\n"
      .repeat(20000)
      .slice(0, 1024 * 1024 - 10);
    const dir = exampleWith({ [MIGRATION]: text });
    const started = performance.now();
    const d = validateDir(dir);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(byRule(d, "sql-pg-cast").length).toBe(50);
    expect(byRule(d, "internal-error")).toEqual([]);
  });

  it("unterminated strings, comments and dollar quotes are fine", () => {
    for (const text of [
      "SELECT 'abc",
      "/* never closed",
      "SELECT $$ body",
      'SELECT "x',
      "SELECT $tag$ a $other$",
    ]) {
      const d = validateDir(exampleWith({ [MIGRATION]: text }));
      expect(byRule(d, "internal-error")).toEqual([]);
    }
  });
});

describe("hostile SQL", () => {
  it("random SQL text never breaks validation (property)", () => {
    const dir = exampleWith({ [MIGRATION]: "" });
    const fragment = fc.constantFrom(
      "CREATE ",
      "TABLE ",
      "TRIGGER ",
      "BEGIN",
      "END",
      "CASE ",
      ";",
      "(",
      ")",
      ",",
      "'",
      '"',
      "`",
      "--",
      "/*",
      "*/",
      "$$",
      "$a$",
      "::",
      "SERIAL ",
      "now(",
      "PRAGMA ",
      "journal_mode",
      "=",
      "\n",
      "\r\n",
      " ",
      "id ",
      "public.",
      "AS IDENTITY",
      "GENERATED ",
      "DO ",
      "x",
      "é",
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 80 }), (parts) => {
        const text = parts.join("");
        writeFileSync(join(dir, MIGRATION), text);
        const diagnostics = validateProject(loadProject(dir));
        const lines = text.split("\n").length;
        for (const d of diagnostics) {
          expect(d.rule).not.toBe("internal-error");
          if (d.file === MIGRATION) {
            expect(Number.isInteger(d.line)).toBe(true);
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.line).toBeLessThanOrEqual(lines);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
