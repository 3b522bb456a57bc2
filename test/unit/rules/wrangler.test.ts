import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/diagnostics.js";
import { loadProject } from "../../../src/project/load.js";
import { nodeFs, type ProjectFs } from "../../../src/project/source.js";
import { validateProject } from "../../../src/rules/index.js";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../../helpers/project.js";

afterAll(cleanupProjects);

/** examples/fastapi/wrangler.toml: line 1 name, 2 main, 3 compatibility_date, 5 [[containers]],
 * 6 class_name, 7 image, 8 instance_type, 9 max_instances, 11 [[durable_objects.bindings]],
 * 12 name, 13 class_name, 15 [[migrations]], 16 tag, 17 new_sqlite_classes. */
const EXAMPLE = readFileSync(join(fastapiExample, "wrangler.toml"), "utf8");

function edit(from: string, to: string, text = EXAMPLE): string {
  if (!text.includes(from)) throw new Error(`example config has no ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

const CONTAINERS_BLOCK = `[[containers]]
class_name = "Backend"
image = "./Dockerfile"
instance_type = "basic"
max_instances = 5
`;
const MIGRATIONS_BLOCK = `[[migrations]]
tag = "v1"
new_sqlite_classes = ["Backend"]
`;

function wranglerOnly(d: Diagnostic[]): Diagnostic[] {
  return d.filter((x) => x.rule.startsWith("wrangler-") || x.rule === "internal-error");
}

function validateToml(toml: string, options: { environment?: string; now?: Date } = {}): Diagnostic[] {
  return validateDir(exampleWith({ "wrangler.toml": toml }), options);
}

describe("the valid example", () => {
  it("raises no wrangler finding", () => {
    expect(wranglerOnly(validateDir(fastapiExample))).toEqual([]);
  });
});

interface Case {
  name: string;
  toml: string;
  rule: string;
  severity: Diagnostic["severity"];
  line: number;
  message: string;
}

const cases: Case[] = [
  {
    name: "bad TOML",
    toml: edit('main = "src/index.js"', "main = "),
    rule: "wrangler-parse",
    severity: "error",
    line: 3,
    message: "cannot be parsed as TOML",
  },
  {
    name: "duplicate TOML key",
    toml: `name = "again"\n${EXAMPLE}`,
    rule: "wrangler-parse",
    severity: "error",
    line: 2,
    message: "multiple times",
  },
  {
    name: "no name",
    toml: edit('name = "fastapi-backend"', "# nameless"),
    rule: "wrangler-name-missing",
    severity: "error",
    line: 1,
    message: '"name"',
  },
  {
    name: "empty name",
    toml: edit('name = "fastapi-backend"', 'name = ""'),
    rule: "wrangler-name-missing",
    severity: "error",
    line: 1,
    message: "empty",
  },
  {
    name: "uppercase name",
    toml: edit('name = "fastapi-backend"', 'name = "FastAPI Backend"'),
    rule: "wrangler-name-format",
    severity: "error",
    line: 1,
    message: '"FastAPI Backend"',
  },
  {
    name: "numeric name",
    toml: edit('name = "fastapi-backend"', "name = 42"),
    rule: "wrangler-name-format",
    severity: "error",
    line: 1,
    message: "name = 42",
  },
  {
    name: "underscore in name",
    toml: edit('name = "fastapi-backend"', 'name = "fastapi_backend"'),
    rule: "wrangler-name-format",
    severity: "warning",
    line: 1,
    message: "underscore",
  },
  {
    name: "64-character name",
    toml: edit('name = "fastapi-backend"', `name = "${"a".repeat(64)}"`),
    rule: "wrangler-name-length",
    severity: "error",
    line: 1,
    message: "64 characters",
  },
  {
    name: "no main",
    toml: edit('main = "src/index.js"', "# no main"),
    rule: "wrangler-main-missing",
    severity: "error",
    line: 1,
    message: '"main"',
  },
  {
    name: "main not a string",
    toml: edit('main = "src/index.js"', "main = 1"),
    rule: "wrangler-main-missing",
    severity: "error",
    line: 2,
    message: "main = 1",
  },
  {
    name: "no compatibility_date",
    toml: edit('compatibility_date = "2026-11-01"', "# none"),
    rule: "wrangler-compat-date-missing",
    severity: "error",
    line: 1,
    message: "compatibility_date",
  },
  {
    name: "en-dashes in the date",
    toml: edit('"2026-11-01"', '"2026\u201311\u201301"'),
    rule: "wrangler-compat-date-format",
    severity: "error",
    line: 3,
    message: "en-dashes",
  },
  {
    name: "impossible date",
    toml: edit('"2026-11-01"', '"2026-02-30"'),
    rule: "wrangler-compat-date-format",
    severity: "error",
    line: 3,
    message: '"2026-02-30"',
  },
  {
    name: "unpadded date",
    toml: edit('"2026-11-01"', '"2026-11-1"'),
    rule: "wrangler-compat-date-format",
    severity: "error",
    line: 3,
    message: "YYYY-MM-DD",
  },
  {
    name: "unquoted TOML date",
    toml: edit('"2026-11-01"', "2026-11-01"),
    rule: "wrangler-compat-date-format",
    severity: "error",
    line: 3,
    message: "unquoted TOML date",
  },
  {
    name: "date in the future",
    toml: edit('"2026-11-01"', '"2026-12-04"'),
    rule: "wrangler-compat-date-future",
    severity: "error",
    line: 3,
    message: "today is 2026-12-03 in UTC",
  },
  {
    name: "unknown top-level key",
    toml: `compat_flags = ["nodejs_compat"]\n${EXAMPLE}`,
    rule: "wrangler-unknown-key",
    severity: "warning",
    line: 1,
    message: '"compat_flags"',
  },
  {
    name: "no containers",
    toml: edit(CONTAINERS_BLOCK, ""),
    rule: "wrangler-containers-missing",
    severity: "error",
    line: 1,
    message: "No container",
  },
  {
    name: "containers as a string",
    toml: edit(CONTAINERS_BLOCK, 'containers = "x"\n'),
    rule: "wrangler-containers-not-array",
    severity: "error",
    line: 5,
    message: "should be an array",
  },
  {
    name: "[containers] single table",
    toml: edit("[[containers]]", "[containers]"),
    rule: "wrangler-containers-not-array",
    severity: "error",
    line: 5,
    message: "a table/object",
  },
  {
    name: "no image",
    toml: edit('image = "./Dockerfile"\n', ""),
    rule: "wrangler-container-image-missing",
    severity: "error",
    line: 5,
    message: 'no "image"',
  },
  {
    name: "image not a string",
    toml: edit('image = "./Dockerfile"', "image = 7"),
    rule: "wrangler-container-image-missing",
    severity: "error",
    line: 7,
    message: "image = 7",
  },
  {
    name: "no class_name",
    toml: edit('[[containers]]\nclass_name = "Backend"\n', "[[containers]]\n"),
    rule: "wrangler-container-class-missing",
    severity: "error",
    line: 5,
    message: 'no "class_name"',
  },
  {
    name: "class_name in the wrong case",
    toml: edit('[[containers]]\nclass_name = "Backend"', '[[containers]]\nclass_name = "backend"'),
    rule: "wrangler-container-class-no-do",
    severity: "error",
    line: 6,
    message: 'there is "Backend"',
  },
  {
    name: "camelCase container key",
    toml: edit('instance_type = "basic"', 'instanceType = "basic"'),
    rule: "wrangler-container-unknown-key",
    severity: "error",
    line: 8,
    message: '"instanceType"',
  },
  {
    name: "dashed container key",
    toml: edit("max_instances = 5", "max-instances = 5"),
    rule: "wrangler-container-unknown-key",
    severity: "error",
    line: 9,
    message: "falls back to 20",
  },
  {
    name: "unknown instance type",
    toml: edit('instance_type = "basic"', 'instance_type = "huge"'),
    rule: "wrangler-instance-type-invalid",
    severity: "error",
    line: 8,
    message: '"huge"',
  },
  {
    name: "instance type as a number",
    toml: edit('instance_type = "basic"', "instance_type = 4"),
    rule: "wrangler-instance-type-invalid",
    severity: "error",
    line: 8,
    message: "instance_type = 4",
  },
  {
    name: "legacy instance type",
    toml: edit('instance_type = "basic"', 'instance_type = "dev"'),
    rule: "wrangler-instance-type-deprecated",
    severity: "warning",
    line: 8,
    message: '"lite"',
  },
  {
    name: "custom type with a string value",
    toml: edit('instance_type = "basic"', 'instance_type = { vcpu = "1", memory_mib = 4096 }'),
    rule: "wrangler-instance-type-custom-shape",
    severity: "error",
    line: 8,
    message: "should be a number",
  },
  {
    name: "custom type with too much disk",
    toml: edit('instance_type = "basic"', "instance_type = { vcpu = 1, memory_mib = 3072, disk_mb = 8000 }"),
    rule: "wrangler-instance-type-custom-bounds",
    severity: "error",
    line: 8,
    message: "2X your memory",
  },
  {
    name: "max_instances as a word",
    toml: edit("max_instances = 5", 'max_instances = "five"'),
    rule: "wrangler-max-instances-invalid",
    severity: "error",
    line: 9,
    message: '"five"',
  },
  {
    name: "negative max_instances",
    toml: edit("max_instances = 5", "max_instances = -1"),
    rule: "wrangler-max-instances-invalid",
    severity: "error",
    line: 9,
    message: "negative",
  },
  {
    name: "fractional max_instances",
    toml: edit("max_instances = 5", "max_instances = 1.5"),
    rule: "wrangler-max-instances-invalid",
    severity: "error",
    line: 9,
    message: "whole number",
  },
  {
    name: "zero max_instances",
    toml: edit("max_instances = 5", "max_instances = 0"),
    rule: "wrangler-max-instances-zero",
    severity: "warning",
    line: 9,
    message: "no instance",
  },
  {
    name: "rollout step 33",
    toml: edit("max_instances = 5", "max_instances = 5\nrollout_step_percentage = 33"),
    rule: "wrangler-rollout",
    severity: "error",
    line: 10,
    message: "[5, 10, 20, 25, 50, 100]",
  },
  {
    name: "rollout steps descending",
    toml: edit("max_instances = 5", "max_instances = 5\nrollout_step_percentage = [50, 20]"),
    rule: "wrangler-rollout",
    severity: "error",
    line: 10,
    message: "ascending",
  },
  {
    name: "rollout kind",
    toml: edit("max_instances = 5", 'max_instances = 5\nrollout_kind = "fast"'),
    rule: "wrangler-rollout",
    severity: "error",
    line: 10,
    message: '"fast"',
  },
  {
    name: "no migrations",
    toml: edit(MIGRATIONS_BLOCK, ""),
    rule: "wrangler-lifecycle-missing",
    severity: "error",
    line: 6,
    message: "10061",
  },
  {
    name: "KV-backed new_classes",
    toml: edit("new_sqlite_classes", "new_classes"),
    rule: "wrangler-migrations-new-classes",
    severity: "error",
    line: 17,
    message: "SQLite-backed",
  },
  {
    name: "migrations and exports",
    toml: `${EXAMPLE}\n[exports.Backend]\ntype = "durable-object"\nstorage = "sqlite"\n`,
    rule: "wrangler-migrations-and-exports",
    severity: "error",
    line: 19,
    message: "mutually exclusive",
  },
  {
    name: "duplicate container class",
    toml: edit("\n[[durable_objects", `\n${CONTAINERS_BLOCK}\n[[durable_objects`),
    rule: "wrangler-container-duplicate",
    severity: "error",
    line: 12,
    message: "already used",
  },
  {
    name: "container name with a leading digit",
    toml: edit('class_name = "Backend"\nimage', 'class_name = "Backend"\nname = "1password-cli"\nimage'),
    rule: "wrangler-container-name-format",
    severity: "warning",
    line: 7,
    message: "starts with a digit",
  },
  {
    name: "derived container name with an underscore",
    toml: edit('[[containers]]\nclass_name = "Backend"', '[[containers]]\nclass_name = "My_Backend"'),
    rule: "wrangler-container-name-format",
    severity: "warning",
    line: 5,
    message: '"fastapi-backend-my_backend"',
  },
  {
    name: "class without binding",
    toml: edit('[[durable_objects.bindings]]\nname = "BACKEND"\nclass_name = "Backend"\n', ""),
    rule: "wrangler-do-binding-missing",
    severity: "error",
    line: 6,
    message: "no durable_objects binding",
  },
  {
    name: "binding to another Worker",
    toml: edit(
      'name = "BACKEND"\nclass_name = "Backend"',
      'name = "BACKEND"\nclass_name = "Backend"\nscript_name = "other-worker"',
    ),
    rule: "wrangler-container-external-do",
    severity: "error",
    line: 14,
    message: "another Worker",
  },
  {
    name: "secret-named var",
    toml: `${EXAMPLE}\n[vars]\nSTRIPE_API_KEY = "rk9x2Lp0qWm4"\n`,
    rule: "wrangler-vars-secret",
    severity: "error",
    line: 20,
    message: "vars.STRIPE_API_KEY",
  },
  {
    name: "token-shaped var value",
    toml: `${EXAMPLE}\n[vars]\nGREETING = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\n`,
    rule: "wrangler-vars-secret",
    severity: "error",
    line: 20,
    message: "GitHub token",
  },
  {
    name: "high-entropy var value",
    toml: `${EXAMPLE}\n[vars]\nSIGNING = "q8Zr2LkV9xW4mN7pT1cY6bH3"\n`,
    rule: "wrangler-vars-secret",
    severity: "error",
    line: 20,
    message: "random-looking",
  },
  {
    name: "main outside src/",
    toml: edit('main = "src/index.js"', 'main = "worker.js"'),
    rule: "wrangler-main-guide",
    severity: "warning",
    line: 2,
    message: "src/index.js",
  },
  {
    name: "no instance_type",
    toml: edit('instance_type = "basic"\n', ""),
    rule: "wrangler-instance-type-default",
    severity: "warning",
    line: 5,
    message: '"lite"',
  },
  {
    name: "no max_instances",
    toml: edit("max_instances = 5\n", ""),
    rule: "wrangler-max-instances-missing",
    severity: "warning",
    line: 5,
    message: "20 instances",
  },
  {
    name: "unknown scheduling policy",
    toml: edit("max_instances = 5", 'max_instances = 5\nscheduling_policy = "fastest"'),
    rule: "wrangler-scheduling-policy",
    severity: "error",
    line: 10,
    message: '"fastest"',
  },
  {
    name: "durable_object scheduling with the Container class",
    toml: edit("max_instances = 5", 'max_instances = 5\nscheduling_policy = "durable_object"'),
    rule: "wrangler-scheduling-policy",
    severity: "error",
    line: 10,
    message: "Container class",
  },
  {
    name: "unknown region",
    toml: edit("max_instances = 5", 'max_instances = 5\nconstraints = { regions = ["WEUR", "MARS"] }'),
    rule: "wrangler-constraints",
    severity: "error",
    line: 10,
    message: '"MARS"',
  },
  {
    name: "deprecated instances key",
    toml: edit("max_instances = 5", "max_instances = 5\ninstances = 3"),
    rule: "wrangler-container-configuration-deprecated",
    severity: "warning",
    line: 10,
    message: '"max_instances"',
  },
  {
    name: "binding without class_name",
    toml: edit('name = "BACKEND"\nclass_name = "Backend"', 'name = "BACKEND"'),
    rule: "wrangler-do-binding-fields",
    severity: "error",
    line: 11,
    message: '"class_name"',
  },
  {
    name: "var named like a binding",
    toml: `${EXAMPLE}\n[vars]\nBACKEND = "x"\n`,
    rule: "wrangler-binding-name-duplicate",
    severity: "error",
    line: 20,
    message: "durable_objects.bindings[0].name",
  },
  {
    name: "duplicate migration tag",
    toml: `${EXAMPLE}\n[[migrations]]\ntag = "v1"\n`,
    rule: "wrangler-migrations-shape",
    severity: "error",
    line: 20,
    message: "duplicates",
  },
  {
    name: "migration without a tag",
    toml: `${EXAMPLE}\n[[migrations]]\ndeleted_classes = ["Old"]\n`,
    rule: "wrangler-migrations-shape",
    severity: "error",
    line: 19,
    message: "no tag",
  },
  {
    name: "deleting a class never created",
    toml: `${EXAMPLE}\n[[migrations]]\ntag = "v2"\ndeleted_classes = ["Old"]\n`,
    rule: "wrangler-migrations-replay",
    severity: "warning",
    line: 21,
    message: '"Old"',
  },
  {
    name: "deleting the container class",
    toml: `${EXAMPLE}\n[[migrations]]\ntag = "v2"\ndeleted_classes = ["Backend"]\n`,
    rule: "wrangler-migrations-replay",
    severity: "warning",
    line: 21,
    message: "still bound",
  },
  {
    name: "renaming into the container class",
    toml: edit(
      'new_sqlite_classes = ["Backend"]',
      'new_sqlite_classes = ["Old"]\n\n[[migrations]]\ntag = "v2"\nrenamed_classes = [{ from = "Old", to = "Backend" }]',
    ),
    rule: "wrangler-container-class-rename",
    severity: "warning",
    line: 21,
    message: "DURABLE_OBJECT_ALREADY_HAS_APPLICATION",
  },
  {
    name: "exports link to an unknown container",
    toml: edit(
      MIGRATIONS_BLOCK,
      '[exports.Backend]\ntype = "durable-object"\nstorage = "sqlite"\ncontainer = "nope"\n',
    ),
    rule: "wrangler-exports-links",
    severity: "error",
    line: 18,
    message: '"nope"',
  },
  {
    name: "D1 id that is not a UUID",
    toml: `${EXAMPLE}\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "app"\ndatabase_id = "paste-me"\n`,
    rule: "wrangler-d1-binding",
    severity: "error",
    line: 22,
    message: "UUID",
  },
];

describe("wrangler rules fire with the right id, severity, file and line (wrangler.toml)", () => {
  it.each(cases)("$rule: $name", ({ toml, rule, severity, line, message }) => {
    const all = validateToml(toml);
    expect(byRule(all, "internal-error")).toEqual([]);
    const found = byRule(all, rule);
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found[0]).toMatchObject({ rule, severity, file: "wrangler.toml", line });
    expect(found[0]?.message).toContain(message);
    expect(found[0]?.hint.length).toBeGreaterThan(10);
  });
});

describe("wrangler-container-image-ref", () => {
  it.each([
    ["https://docker.io/library/httpd:2", "protocol"],
    ["gcr.io/my-project/api:1.0", "gcr.io"],
    ["python:3.11-slim", "docker.io/library/python:3.11-slim"],
    ["docker.io/httpd:2.4", "docker.io/library/httpd:2.4"],
  ])("reports image = %j", (image, expected) => {
    const d = byRule(
      validateToml(edit('image = "./Dockerfile"', `image = "${image}"`)),
      "wrangler-container-image-ref",
    );
    expect(d).toMatchObject([{ severity: "error", file: "wrangler.toml", line: 7 }]);
    expect(`${d[0]?.message} ${d[0]?.hint}`).toContain(expected);
  });

  it.each([
    "registry.cloudflare.com/0123abcd/backend:1.0",
    "docker.io/library/httpd:2.4",
    "ghcr.io/acme/api@sha256:0f3c",
  ])("accepts image = %j", (image) => {
    const d = byRule(
      validateToml(edit('image = "./Dockerfile"', `image = "${image}"`)),
      "wrangler-container-image-ref",
    );
    expect(d).toEqual([]);
  });
});

describe("wrangler-compat-date-local-runtime", () => {
  const workerd = (version: string) => JSON.stringify({ name: "workerd", version });

  it("warns when the installed workerd is older than the compatibility date", () => {
    const dir = exampleWith({ "node_modules/workerd/package.json": workerd("1.20261001.0") });
    const d = byRule(validateDir(dir), "wrangler-compat-date-local-runtime");
    expect(d).toMatchObject([{ severity: "warning", file: "wrangler.toml", line: 3, column: 1 }]);
    expect(d[0]?.message).toContain("2026-10-01");
  });

  it("is silent when the runtime supports the date, or when none is installed", () => {
    const dir = exampleWith({ "node_modules/workerd/package.json": workerd("1.20261117.1") });
    expect(byRule(validateDir(dir), "wrangler-compat-date-local-runtime")).toEqual([]);
    expect(byRule(validateDir(exampleWith()), "wrangler-compat-date-local-runtime")).toEqual([]);
  });

  it("finds workerd hoisted to a workspace root above the project", () => {
    const root = exampleWith({ "node_modules/workerd/package.json": workerd("1.20261001.0") });
    const backend = join(root, "backend");
    cpSync(fastapiExample, backend, { recursive: true, filter: (src) => !src.includes("node_modules") });
    expect(loadProject(backend).localRuntime).toEqual({ workerdVersion: "1.20261001.0" });
    expect(byRule(validateDir(backend), "wrangler-compat-date-local-runtime")).toMatchObject([
      { file: "wrangler.toml", line: 3 },
    ]);
  });

  it("reads the runtime through the loader's file-system seam, not the disk", () => {
    const dir = exampleWith();
    const manifest = join(dir, "node_modules", "workerd", "package.json");
    const fs: ProjectFs = {
      ...nodeFs,
      read: (path) => (path === manifest ? Buffer.from(workerd("1.20260101.0")) : nodeFs.read(path)),
    };
    const project = loadProject(dir, { fs });
    expect(project.localRuntime).toEqual({ workerdVersion: "1.20260101.0" });
    expect(
      byRule(
        validateProject(project, new Date("2026-12-03T12:00:00Z")),
        "wrangler-compat-date-local-runtime",
      ),
    ).toHaveLength(1);
  });

  it("ignores a workerd manifest without a string version or with an unknown version scheme", () => {
    for (const text of ["{", JSON.stringify({ version: 1 }), workerd("2.0.0")]) {
      const dir = exampleWith({ "node_modules/workerd/package.json": text });
      expect(byRule(validateDir(dir), "wrangler-compat-date-local-runtime")).toEqual([]);
    }
  });
});

describe("details", () => {
  it("wrangler-parse replaces every other wrangler finding", () => {
    const d = wranglerOnly(validateToml(edit('main = "src/index.js"', "main = ")));
    expect(d.map((x) => x.rule)).toEqual(["wrangler-parse"]);
  });

  it("compares the compatibility date with today's date in UTC, not local time", () => {
    const toml = edit('"2026-11-01"', '"2026-12-04"');
    // 23:59 UTC on the 3rd is already the 4th east of Greenwich; the API still says "future".
    expect(
      byRule(validateToml(toml, { now: new Date("2026-12-03T23:59:00Z") }), "wrangler-compat-date-future"),
    ).toHaveLength(1);
    expect(
      byRule(validateToml(toml, { now: new Date("2026-12-04T00:01:00Z") }), "wrangler-compat-date-future"),
    ).toEqual([]);
  });

  it("suggests the snake_case key for a camelCase container key", () => {
    const [d] = byRule(
      validateToml(edit('instance_type = "basic"', 'instanceType = "basic"')),
      "wrangler-container-unknown-key",
    );
    expect(d?.hint).toContain('"instance_type"');
    expect(d?.message).toContain('"lite"');
  });

  it("accepts the declarative exports map instead of migrations (with only the catalog's risk warning)", () => {
    const toml = edit(MIGRATIONS_BLOCK, '[exports.Backend]\ntype = "durable-object"\nstorage = "sqlite"\n');
    const d = wranglerOnly(validateToml(toml));
    expect(d).toMatchObject([{ rule: "wrangler-exports-container-risk", severity: "warning", line: 15 }]);
  });

  it("reports legacy-kv storage for a container class declared through exports", () => {
    const toml = edit(
      MIGRATIONS_BLOCK,
      '[exports.Backend]\ntype = "durable-object"\nstorage = "legacy-kv"\n',
    );
    expect(byRule(validateToml(toml), "wrangler-migrations-new-classes")).toMatchObject([
      { severity: "error", file: "wrangler.toml", line: 17 },
    ]);
  });

  it("reports a class_name that matches nothing once, not also as a missing lifecycle", () => {
    const d = wranglerOnly(
      validateToml(edit('[[containers]]\nclass_name = "Backend"', '[[containers]]\nclass_name = "Api"')),
    );
    expect(d.map((x) => x.rule)).toEqual(["wrangler-container-class-no-do"]);
  });

  it("does not report lifecycle-missing when the class comes from new_classes (that rule says why)", () => {
    const d = validateToml(edit("new_sqlite_classes", "new_classes"));
    expect(byRule(d, "wrangler-lifecycle-missing")).toEqual([]);
  });

  it("reports every rollout problem at the key", () => {
    const toml = edit(
      "max_instances = 5",
      "max_instances = 1\nrollout_step_percentage = [10, 50]\nrollout_active_grace_period = -5",
    );
    const d = byRule(validateToml(toml), "wrangler-rollout");
    expect(d.map((x) => x.line)).toEqual([10, 11]);
    expect(d[0]?.message).toContain("the final step must be 100");
    expect(d[0]?.message).toContain("more steps (2) than max_instances (1)");
  });

  it("reports each custom-size bound that is broken", () => {
    const toml = edit(
      'instance_type = "basic"',
      "instance_type = { vcpu = 8, memory_mib = 16384, disk_mb = 30000 }",
    );
    const messages = byRule(validateToml(toml), "wrangler-instance-type-custom-bounds").map((x) => x.message);
    expect(messages.some((m) => m.includes("vcpu = 8 is outside 1-4"))).toBe(true);
    expect(messages.some((m) => m.includes("exceeds 12288"))).toBe(true);
    expect(messages.some((m) => m.includes("exceeds 20000"))).toBe(true);
  });

  it("accepts a custom size inside the bounds", () => {
    const toml = edit(
      'instance_type = "basic"',
      "instance_type = { vcpu = 1, memory_mib = 4096, disk_mb = 8000 }",
    );
    expect(wranglerOnly(validateToml(toml))).toEqual([]);
  });

  it.each([
    ["LOG_LEVEL", "debug"],
    ["PUBLIC_API_URL", "https://api.example.com/v1"],
    ["TOKEN_URL", "https://auth.example.com/oauth/token"],
    ["STRIPE_PUBLISHABLE_KEY", "pk_live_51HxYzAbCdEfGh"],
    ["API_KEY", ""],
    ["SECRET_ENABLED", "true"],
    ["TENANT_ID", "1f0e3c2a-9b8d-4e7f-a6b5-c4d3e2f1a0b9"],
    ["VAPID_PUBLIC_KEY", "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3q"],
    ["GOOGLE_CLIENT_ID", "1234567890-Ab1cD2eF3gH4iJ5kL6mN7oP8qR9sT0u.apps.googleusercontent.com"],
    ["DEPLOY_SHA", "0f3c9a1b2c4d5e6f708192a3b4c5d6e7f8091a2b"],
  ])("wrangler-vars-secret leaves %s = %j alone", (name, value) => {
    const toml = `${EXAMPLE}\n[vars]\n${name} = ${JSON.stringify(value)}\n`;
    expect(byRule(validateToml(toml), "wrangler-vars-secret")).toEqual([]);
  });

  it("never throws on odd shapes; wrong types become findings", () => {
    const toml = [
      "name = 42",
      "main = false",
      "compatibility_date = 20261101",
      'containers = ["x", 3]',
      'durable_objects = "nope"',
      "migrations = 5",
      'exports = "x"',
      "vars = [1, 2]",
      "[env]",
      "staging = 3",
    ].join("\n");
    const d = validateToml(toml, { environment: "staging" });
    expect(byRule(d, "internal-error")).toEqual([]);
    expect(byRule(d, "wrangler-name-format")).toHaveLength(1);
    expect(byRule(d, "wrangler-main-missing")).toHaveLength(1);
    expect(byRule(d, "wrangler-compat-date-format")).toHaveLength(1);
    expect(byRule(d, "wrangler-containers-not-array").map((x) => x.line)).toEqual([4, 4]);
  });

  it("never reports an internal error for arbitrary JSON values in any key it reads", () => {
    const keys = [
      "name",
      "main",
      "compatibility_date",
      "containers",
      "durable_objects",
      "migrations",
      "exports",
      "vars",
      "env",
    ] as const;
    const container = fc.dictionary(
      fc.constantFrom(
        "class_name",
        "image",
        "name",
        "instance_type",
        "max_instances",
        "rollout_step_percentage",
        "rollout_kind",
        "rollout_active_grace_period",
        "scheduling_policy",
        "configuration",
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const arb = fc.record(
      {
        ...Object.fromEntries(keys.map((k) => [k, fc.jsonValue({ maxDepth: 3 })])),
        containers: fc.oneof(fc.array(container, { maxLength: 3 }), fc.jsonValue({ maxDepth: 2 })),
        env: fc.oneof(
          fc.record({ staging: fc.record({ containers: fc.array(container, { maxLength: 2 }) }) }),
          fc.jsonValue({ maxDepth: 2 }),
        ),
      },
      { requiredKeys: [] },
    );
    const dir = exampleWith({ "wrangler.toml": null });
    fc.assert(
      fc.property(arb, fc.boolean(), (config, staging) => {
        writeFileSync(join(dir, "wrangler.json"), JSON.stringify(config));
        const d = validateDir(dir, staging ? { environment: "staging" } : {});
        // Only this file's rules are under test here; others have their own robustness tests.
        expect(
          byRule(d, "internal-error").filter((x) => /Rule (wrangler|pkg|secrets)-/.test(x.message)),
        ).toEqual([]);
        for (const x of d) expect(x.line === undefined || x.line >= 1).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it("handles odd shapes inside a container entry", () => {
    const toml = edit(
      CONTAINERS_BLOCK,
      '[[containers]]\nclass_name = ["Backend"]\nimage = { path = "x" }\ninstance_type = ["basic"]\nmax_instances = true\nrollout_step_percentage = "all"\n',
    );
    const d = validateToml(toml);
    expect(byRule(d, "internal-error")).toEqual([]);
    expect(byRule(d, "wrangler-container-class-missing")).toMatchObject([{ line: 6 }]);
    expect(byRule(d, "wrangler-container-image-missing")).toMatchObject([{ line: 7 }]);
    expect(byRule(d, "wrangler-instance-type-invalid")).toMatchObject([{ line: 8 }]);
    expect(byRule(d, "wrangler-max-instances-invalid")).toMatchObject([{ line: 9 }]);
    expect(byRule(d, "wrangler-rollout")).toMatchObject([{ line: 10 }]);
  });
});

const JSONC = `// Wrangler config in JSONC: comments and trailing commas are allowed.
{
  "name": "fastapi-backend",
  "main": "src/index.js",
  "compatibility_date": "2026-11-01", // UTC date
  /* the container */
  "containers": [
    {
      "class_name": "Backend",
      "image": "./Dockerfile",
      "instance_type": "basic",
      "max_instances": 5,
    },
  ],
  "durable_objects": {
    "bindings": [{ "name": "BACKEND", "class_name": "Backend" }],
  },
  "migrations": [{ "tag": "v1", "new_sqlite_classes": ["Backend"] }],
}
`;

function validateJson(
  name: "wrangler.json" | "wrangler.jsonc",
  text: string,
  options: { environment?: string } = {},
) {
  return validateDir(exampleWith({ "wrangler.toml": null, [name]: text }), options);
}

describe("wrangler.json / wrangler.jsonc", () => {
  it.each(["wrangler.json", "wrangler.jsonc"] as const)(
    "a valid %s with comments and trailing commas is silent",
    (name) => {
      expect(wranglerOnly(validateJson(name, JSONC))).toEqual([]);
    },
  );

  it.each([
    {
      change: ['"instance_type": "basic"', '"instance_type": "huge"'],
      rule: "wrangler-instance-type-invalid",
      line: 11,
      column: 7,
    },
    {
      change: ['"max_instances": 5', '"max_instances": "five"'],
      rule: "wrangler-max-instances-invalid",
      line: 12,
      column: 7,
    },
    { change: ['"name": "fastapi-backend"', '"name": 42'], rule: "wrangler-name-format", line: 3, column: 3 },
    { change: ['"2026-11-01"', '"2027-01-01"'], rule: "wrangler-compat-date-future", line: 5, column: 3 },
    {
      change: ['"new_sqlite_classes"', '"new_classes"'],
      rule: "wrangler-migrations-new-classes",
      line: 18,
      column: 49,
    },
    {
      change: ['"class_name": "Backend",\n', ""],
      rule: "wrangler-container-class-missing",
      line: 8,
      column: 5,
    },
  ])("$rule at line $line, column $column of wrangler.jsonc", ({ change, rule, line, column }) => {
    const [from = "", to = ""] = change;
    const d = byRule(validateJson("wrangler.jsonc", edit(from, to, JSONC)), rule);
    expect(d[0]).toMatchObject({ rule, severity: "error", file: "wrangler.jsonc", line, column });
  });

  it("wrangler-parse reports a JSONC syntax error with its position", () => {
    const d = byRule(
      validateJson("wrangler.jsonc", edit('"main": "src/index.js",', '"main": "src/index.js"', JSONC)),
      "wrangler-parse",
    );
    expect(d).toMatchObject([{ severity: "error", file: "wrangler.jsonc", line: 5, column: 3 }]);
    expect(d[0]?.message).toContain("',' is expected");
  });

  it("reports containers given as an object instead of an array", () => {
    const json = JSON.stringify(
      {
        name: "fastapi-backend",
        main: "src/index.js",
        compatibility_date: "2026-11-01",
        containers: { class_name: "Backend", image: "./Dockerfile" },
      },
      null,
      2,
    );
    const d = byRule(validateJson("wrangler.json", json), "wrangler-containers-not-array");
    expect(d).toMatchObject([{ severity: "error", file: "wrangler.json", line: 5 }]);
    expect(d[0]?.hint).toContain('"containers": [');
  });
});

const WITH_STAGING = `${EXAMPLE}
[env.staging]
name = "fastapi-staging"

[[env.staging.containers]]
class_name = "Backend"
image = "./Dockerfile"
instance_type = "standard-9"
max_instances = 2

[[env.staging.durable_objects.bindings]]
name = "BACKEND"
class_name = "Backend"
`;

describe("environments", () => {
  it("checks the selected environment's own containers, at their lines", () => {
    const d = validateToml(WITH_STAGING, { environment: "staging" });
    expect(byRule(d, "wrangler-instance-type-invalid")).toMatchObject([
      { severity: "error", file: "wrangler.toml", line: 25 },
    ]);
    expect(byRule(d, "wrangler-instance-type-invalid")[0]?.message).toContain(
      "env.staging.containers[0].instance_type",
    );
    expect(byRule(d, "wrangler-instance-type-invalid")[0]?.hint).toContain('"standard-1"');
    // migrations are inherited from the top level: no lifecycle finding.
    expect(byRule(d, "wrangler-lifecycle-missing")).toEqual([]);
  });

  it("without --env, the top level is checked and the staging section is not", () => {
    expect(wranglerOnly(validateToml(WITH_STAGING))).toEqual([]);
  });

  it("wrangler-env-not-inherited: the deployed env drops containers and bindings", () => {
    const toml = `${EXAMPLE}\n[env.staging]\nname = "fastapi-staging"\n`;
    const d = validateToml(toml, { environment: "staging" });
    const found = byRule(d, "wrangler-env-not-inherited");
    expect(found).toMatchObject([{ severity: "error", file: "wrangler.toml", line: 19 }]);
    expect(found[0]?.message).toContain('"durable_objects", "containers"');
    expect(found[0]?.message).toContain("no container");
    // the same root cause is not reported twice
    expect(byRule(d, "wrangler-containers-missing")).toEqual([]);
  });

  it("wrangler-env-not-inherited warns about an environment that is not deployed", () => {
    const toml = `${EXAMPLE}\n[env.staging]\nname = "fastapi-staging"\n`;
    expect(byRule(validateToml(toml), "wrangler-env-not-inherited")).toMatchObject([
      { severity: "warning", line: 19 },
    ]);
  });

  it("an unknown --env is an error when other environments exist", () => {
    const d = byRule(validateToml(WITH_STAGING, { environment: "production" }), "wrangler-env-not-inherited");
    expect(d).toMatchObject([{ severity: "error", file: "wrangler.toml", line: 19 }]);
    expect(d[0]?.message).toContain('"production"');
    expect(d[0]?.message).toContain("defined: staging");
  });

  it("an unknown --env is a warning when the config has no environments (wrangler uses the top level)", () => {
    const d = byRule(
      validateDir(fastapiExample, { environment: "production" }),
      "wrangler-env-not-inherited",
    );
    expect(d).toMatchObject([{ severity: "warning", file: "wrangler.toml", line: 1 }]);
  });

  it("wrangler-name-length counts the -<env> suffix of an environment without its own name", () => {
    const toml = edit(
      'name = "fastapi-backend"',
      `name = "${"b".repeat(60)}"`,
      `${WITH_STAGING.replace('name = "fastapi-staging"\n', "")}`,
    );
    const d = byRule(validateToml(toml, { environment: "staging" }), "wrangler-name-length");
    expect(d).toMatchObject([{ severity: "error", line: 1 }]);
    expect(d[0]?.message).toContain("68 characters");
  });

  it("wrangler-env-names notes the derived name of an environment without its own name", () => {
    const toml = WITH_STAGING.replace('name = "fastapi-staging"\n', "");
    const d = byRule(validateToml(toml, { environment: "staging" }), "wrangler-env-names");
    expect(d).toMatchObject([{ severity: "info", file: "wrangler.toml", line: 19 }]);
    expect(d[0]?.message).toContain('"fastapi-backend-staging"');
  });

  it("wrangler-container-image-guide warns about a Dockerfile outside the config folder", () => {
    const toml = edit('image = "./Dockerfile"', 'image = "./docker/Dockerfile"');
    const dir = exampleWith({
      "wrangler.toml": toml,
      "docker/Dockerfile": readFileSync(join(fastapiExample, "Dockerfile"), "utf8"),
    });
    expect(byRule(validateDir(dir), "wrangler-container-image-guide")).toMatchObject([
      { severity: "warning", line: 7 },
    ]);
  });

  it("works with env sections in JSONC", () => {
    const jsonc = edit(
      '  "migrations"',
      `  "env": {
    // staging forgets its containers
    "staging": { "name": "fastapi-staging", },
  },
  "migrations"`,
      JSONC,
    );
    const d = byRule(
      validateJson("wrangler.jsonc", jsonc, { environment: "staging" }),
      "wrangler-env-not-inherited",
    );
    expect(d).toMatchObject([{ severity: "error", file: "wrangler.jsonc", line: 20, column: 5 }]);
  });
});
