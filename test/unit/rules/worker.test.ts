import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../../src/project/load.js";
import { validateProject } from "../../../src/rules/index.js";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../../helpers/project.js";

afterAll(cleanupProjects);

const IMPORT = 'import { Container, getContainer } from "@cloudflare/containers";';
const DEFAULT = [
  "export default {",
  "  async fetch(request, env) {",
  "    return getContainer(env.BACKEND).fetch(request);",
  "  },",
  "};",
];

function js(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

function run(rule: string, source: string, files: Record<string, string | null> = {}) {
  return byRule(validateDir(exampleWith({ "src/index.js": source, ...files })), rule);
}

describe("the valid example", () => {
  it("raises no Worker finding", () => {
    expect(validateDir(fastapiExample).filter((d) => d.rule.startsWith("worker-"))).toEqual([]);
  });
});

interface Case {
  name: string;
  rule: string;
  source: string;
  files?: Record<string, string | null>;
  severity: "error" | "warning";
  line: number;
  message?: string;
}

const firing: Case[] = [
  {
    name: "syntax error",
    rule: "worker-parse",
    source: js(IMPORT, "export class Backend extends Container {", "  defaultPort = ;", "}"),
    severity: "error",
    line: 3,
  },
  {
    name: "no default export",
    rule: "worker-no-default-export",
    source: js(
      IMPORT,
      "export class Backend extends Container {",
      "  defaultPort = 8000;",
      "}",
      "addEventListener('fetch', () => {});",
    ),
    severity: "error",
    line: 2,
    message: "export default",
  },
  {
    name: "default object without fetch",
    rule: "worker-default-no-fetch",
    source: js(
      IMPORT,
      "export class Backend extends Container {",
      "  defaultPort = 8000;",
      "}",
      "export default {",
      "  async scheduled() {},",
      "};",
    ),
    severity: "error",
    line: 5,
  },
  {
    name: "class defined but not exported",
    rule: "worker-class-not-exported",
    source: js(IMPORT, "class Backend extends Container {", "  defaultPort = 8000;", "}", ...DEFAULT),
    severity: "error",
    line: 2,
    message: "not exported",
  },
  {
    name: "class missing entirely",
    rule: "worker-class-not-exported",
    source: js(IMPORT, "export class Api extends Container {", "  defaultPort = 8000;", "}", ...DEFAULT),
    severity: "error",
    line: 1,
    message: "Backend",
  },
  {
    name: "Container not imported",
    rule: "worker-container-import",
    source: js(
      'import { getContainer } from "@cloudflare/containers";',
      "export class Backend extends Container {",
      "  defaultPort = 8000;",
      "}",
      ...DEFAULT,
    ),
    severity: "error",
    line: 2,
    message: "not imported",
  },
  {
    name: "class extends nothing",
    rule: "worker-class-base",
    source: js(IMPORT, "export class Backend {", "  defaultPort = 8000;", "}", ...DEFAULT),
    severity: "error",
    line: 2,
  },
  {
    name: "DurableObject without ctx.container",
    rule: "worker-class-base",
    source: js(
      'import { DurableObject } from "cloudflare:workers";',
      "export class Backend extends DurableObject {",
      "  async fetch() { return new Response('x'); }",
      "}",
      "export default { async fetch(r, env) { return env.BACKEND.getByName('a').fetch(r); } };",
    ),
    severity: "warning",
    line: 2,
  },
  {
    name: "no defaultPort",
    rule: "worker-default-port-missing",
    source: js(IMPORT, "export class Backend extends Container {", '  sleepAfter = "10m";', "}", ...DEFAULT),
    severity: "error",
    line: 2,
  },
  {
    name: "defaultPort as a string",
    rule: "worker-default-port-invalid",
    source: js(
      IMPORT,
      "export class Backend extends Container {",
      '  defaultPort = "8000";',
      "}",
      ...DEFAULT,
    ),
    severity: "error",
    line: 3,
    message: '"8000"',
  },
  {
    name: 'sleepAfter "10 min"',
    rule: "worker-sleepafter-format",
    source: js(
      IMPORT,
      "export class Backend extends Container {",
      "  defaultPort = 8000;",
      '  sleepAfter = "10 min";',
      "}",
      ...DEFAULT,
    ),
    severity: "error",
    line: 4,
    message: "10 min",
  },
  {
    name: 'sleepAfter "1d"',
    rule: "worker-sleepafter-format",
    source: js(
      IMPORT,
      "export class Backend extends Container {",
      "  defaultPort = 8000;",
      '  sleepAfter = "1d";',
      "}",
      ...DEFAULT,
    ),
    severity: "error",
    line: 4,
  },
  {
    name: "getContainer(env.BACKNED)",
    rule: "worker-binding-name",
    source: js(
      IMPORT,
      "export class Backend extends Container {",
      "  defaultPort = 8000;",
      "}",
      "export default {",
      "  async fetch(request, env) {",
      "    return getContainer(env.BACKNED).fetch(request);",
      "  },",
      "};",
    ),
    severity: "error",
    line: 7,
    message: "BACKNED",
  },
  {
    name: "env.backend.idFromName (case)",
    rule: "worker-binding-name",
    source: js(
      IMPORT,
      "export class Backend extends Container {",
      "  defaultPort = 8000;",
      "}",
      "export default {",
      "  async fetch(request, env) {",
      "    const id = env.backend.idFromName('x');",
      "    return env.BACKEND.get(id).fetch(request);",
      "  },",
      "};",
    ),
    severity: "error",
    line: 7,
    message: "env.backend",
  },
  {
    name: "arrow function in an object property (Hono-style c.env)",
    rule: "worker-binding-name",
    source: js(
      IMPORT,
      "export class Backend extends Container { defaultPort = 8000; }",
      "const routes = {",
      "  api: (c) => getContainer(c.env.API).fetch(c.req.raw),",
      "};",
      "export default { fetch: (r, env, ctx) => routes.api({ env, req: { raw: r } }) };",
    ),
    severity: "error",
    line: 4,
    message: "env.API",
  },
];

describe("Worker rules fire", () => {
  it.each(firing)("$rule: $name", (c) => {
    const d = run(c.rule, c.source, c.files);
    const hit = d.find((x) => x.line === c.line);
    expect(hit, JSON.stringify(d)).toBeDefined();
    expect(hit).toMatchObject({ rule: c.rule, severity: c.severity, file: "src/index.js", line: c.line });
    expect(hit?.hint.length).toBeGreaterThan(5);
    if (c.message) expect(hit?.message).toContain(c.message);
  });
});

const silent: { name: string; rule: string; source: string; files?: Record<string, string | null> }[] = [
  {
    name: "re-exported class",
    rule: "worker-class-not-exported",
    source: js(
      'import { getContainer } from "@cloudflare/containers";',
      'export { Backend } from "./backend.js";',
      ...DEFAULT,
    ),
    files: { "src/backend.js": js(IMPORT, "export class Backend extends Container { defaultPort = 8000; }") },
  },
  {
    name: "export { Impl as Backend }",
    rule: "worker-class-not-exported",
    source: js(
      IMPORT,
      "class Impl extends Container {",
      "  defaultPort = 8000;",
      "}",
      "export { Impl as Backend };",
      ...DEFAULT,
    ),
  },
  {
    name: "Hono default export",
    rule: "worker-no-default-export",
    source: js(
      IMPORT,
      'import { Hono } from "hono";',
      "export class Backend extends Container { defaultPort = 8000; }",
      "const app = new Hono();",
      "export default app;",
    ),
  },
  {
    name: "DurableObject with ctx.container",
    rule: "worker-class-base",
    source: js(
      'import { DurableObject } from "cloudflare:workers";',
      "export class Backend extends DurableObject {",
      "  async fetch(req) { this.ctx.container.start(); return this.ctx.container.getTcpPort(8000).fetch(req); }",
      "}",
      "export default { async fetch(r, env) { return env.BACKEND.getByName('a').fetch(r); } };",
    ),
  },
  {
    name: "defaultPort inherited from a local base class",
    rule: "worker-default-port-missing",
    source: js(
      IMPORT,
      "class Base extends Container { defaultPort = 8000; }",
      "export class Backend extends Base {}",
      ...DEFAULT,
    ),
  },
  {
    name: "defaultPort set in the constructor",
    rule: "worker-default-port-missing",
    source: js(
      IMPORT,
      "export class Backend extends Container {",
      "  constructor(ctx, env) { super(ctx, env); this.defaultPort = 8000; }",
      "}",
      ...DEFAULT,
    ),
  },
  {
    name: "sleepAfter as seconds",
    rule: "worker-sleepafter-format",
    source: js(
      IMPORT,
      "export class Backend extends Container {",
      "  defaultPort = 8000;",
      "  sleepAfter = 600;",
      "}",
      ...DEFAULT,
    ),
  },
  {
    name: "KV get and vars are not Durable Object uses",
    rule: "worker-binding-name",
    source: js(
      IMPORT,
      "export class Backend extends Container { defaultPort = 8000; }",
      "export default {",
      "  async fetch(request, env) {",
      "    await env.CACHE.get('k');",
      "    if (env.DEBUG) console.log('x');",
      "    return getContainer(env.BACKEND).fetch(request);",
      "  },",
      "};",
    ),
  },
];

describe("Worker rules stay silent", () => {
  it.each(silent)("$rule: $name", (c) => {
    expect(run(c.rule, c.source, c.files)).toEqual([]);
  });

  it("reads a TypeScript entry", () => {
    const toml = `name = "fastapi-backend"\nmain = "src/index.ts"\ncompatibility_date = "2026-11-01"\n\n[[containers]]\nclass_name = "Backend"\nimage = "./Dockerfile"\ninstance_type = "basic"\nmax_instances = 5\n\n[[durable_objects.bindings]]\nname = "BACKEND"\nclass_name = "Backend"\n\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["Backend"]\n`;
    const ts = js(
      IMPORT,
      "interface Env { BACKEND: DurableObjectNamespace<Backend> }",
      "export class Backend extends Container<Env> {",
      '  override defaultPort: number = "8000" as unknown as number;',
      '  sleepAfter = "5 minutes";',
      "}",
      "export default {",
      "  async fetch(request: Request, env: Env): Promise<Response> {",
      "    return getContainer(env.BACKEND).fetch(request);",
      "  },",
      "} satisfies ExportedHandler<Env>;",
    );
    const d = validateDir(exampleWith({ "wrangler.toml": toml, "src/index.js": null, "src/index.ts": ts }));
    expect(byRule(d, "worker-parse")).toEqual([]);
    expect(byRule(d, "worker-sleepafter-format")).toMatchObject([
      { file: "src/index.ts", line: 5, severity: "error" },
    ]);
    expect(byRule(d, "worker-default-port-invalid")).toMatchObject([{ file: "src/index.ts", line: 4 }]);
    expect(byRule(d, "worker-binding-name")).toEqual([]);
  });

  it("port mismatch reads the Worker's defaultPort", () => {
    const source = js(
      IMPORT,
      "export class Backend extends Container {",
      "  defaultPort = 9000;",
      "}",
      ...DEFAULT,
    );
    const d = byRule(validateDir(exampleWith({ "src/index.js": source })), "dockerfile-port-mismatch");
    expect(d).toMatchObject([{ file: "Dockerfile", severity: "error" }]);
    expect(d[0]?.message).toContain("defaultPort = 9000");
  });
});

describe("hostile Worker entries", () => {
  it("random JavaScript text never breaks validation (property)", () => {
    const dir = exampleWith();
    const fragment = fc.constantFrom(
      IMPORT,
      "export ",
      "default ",
      "class ",
      "Backend ",
      "extends ",
      "Container ",
      "DurableObject ",
      "{",
      "}",
      "(",
      ")",
      "defaultPort = ",
      "sleepAfter = ",
      '"10m"',
      "8000",
      ";",
      "\n",
      "getContainer(env.X)",
      "env.BACKEND.idFromName('a')",
      "export { Backend as default };",
      "export * from './x.js';",
      "`",
      "/*",
      "'",
      "async fetch(r, env) { return 1 }",
      "this.ctx.container",
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 50 }), (parts) => {
        const text = parts.join("");
        writeFileSync(join(dir, "src", "index.js"), text);
        const diagnostics = validateProject(loadProject(dir));
        const lines = text.split("\n").length;
        for (const d of diagnostics) {
          expect(d.rule).not.toBe("internal-error");
          if (d.file === "src/index.js" && d.line !== undefined) {
            expect(Number.isInteger(d.line)).toBe(true);
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.line).toBeLessThanOrEqual(lines + 1);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a 1 MiB Worker entry validates quickly", () => {
    const filler = "export function f0(env) { return getContainer(env.BACKEND).fetch('x'); }\n";
    const body =
      js(IMPORT, "export class Backend extends Container { defaultPort = 8000; }", ...DEFAULT) +
      Array.from({ length: 13000 }, (_, i) => filler.replace("f0", `f${i}`)).join("");
    const dir = exampleWith({ "src/index.js": body.slice(0, 1024 * 1024 - 10).replace(/[^\n]*$/, "") });
    const started = performance.now();
    const d = validateDir(dir);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(byRule(d, "internal-error")).toEqual([]);
    expect(byRule(d, "worker-parse")).toEqual([]);
    expect(byRule(d, "worker-binding-name")).toEqual([]);
  });

  it("deeply nested input is a parse finding or a clean result, never a crash", () => {
    const deep = `export default { fetch() { return ${"[".repeat(5000)}${"]".repeat(5000)}; } };\n`;
    const d = validateDir(exampleWith({ "src/index.js": deep }));
    expect(byRule(d, "internal-error")).toEqual([]);
  });
});
