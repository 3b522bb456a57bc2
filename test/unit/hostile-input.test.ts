import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../src/diagnostics.js";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../helpers/project.js";

afterAll(cleanupProjects);

const original = (name: string) => readFileSync(join(fastapiExample, name), "utf8");

function expectWellFormed(diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) {
    expect(typeof d.rule).toBe("string");
    expect(["error", "warning", "info"]).toContain(d.severity);
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.hint.length).toBeGreaterThan(0);
    if (d.line !== undefined) expect(d.line).toBeGreaterThanOrEqual(1);
    if (d.column !== undefined) expect(d.column).toBeGreaterThanOrEqual(1);
  }
}

describe("hostile input never crashes the validator", () => {
  it("truncated TOML is a wrangler-parse error at its line", () => {
    const toml = original("wrangler.toml");
    const cut = toml.slice(0, toml.indexOf('"Backend"') + 4);
    const d = byRule(validateDir(exampleWith({ "wrangler.toml": cut })), "wrangler-parse");
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ severity: "error", file: "wrangler.toml", line: 6 });
  });

  it("JSON nested 100,000 levels deep is reported, not a stack overflow", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    const d = validateDir(exampleWith({ "wrangler.toml": null, "wrangler.json": deep }));
    expect(byRule(d, "wrangler-parse")[0]?.message).toMatch(/nesting deeper than/);
  });

  it("a 10 MB Dockerfile is reported as too large and validation still finishes", () => {
    const huge = `FROM --platform=linux/amd64 python:3.11-slim\n${"RUN echo x\n".repeat(1_000_000)}`;
    const d = validateDir(exampleWith({ Dockerfile: huge }));
    expect(byRule(d, "layout-file-unreadable")).toMatchObject([{ file: "Dockerfile", severity: "error" }]);
  });

  it("binary garbage as package.json and as the Worker entry is reported", () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256));
    const d = validateDir(exampleWith({ "package.json": garbage, "src/index.js": garbage }));
    expect(
      byRule(d, "layout-file-unreadable")
        .map((x) => x.file)
        .sort(),
    ).toEqual(["package.json", "src/index.js"]);
  });

  it("wrong value types in the config are findings, not exceptions", () => {
    const toml =
      'name = 42\nmain = ["src/index.js"]\ncompatibility_date = 2026-11-01\ncontainers = "x"\n[durable_objects]\nbindings = 7\n';
    const d = validateDir(exampleWith({ "wrangler.toml": toml }));
    expect(d.some((x) => x.rule === "internal-error")).toBe(false);
    expectWellFormed(d);
  });

  const files = ["wrangler.toml", "Dockerfile", "package.json", "src/index.js", "app.py"] as const;
  const mutation = fc.record({
    file: fc.constantFrom(...files),
    at: fc.nat(),
    remove: fc.nat({ max: 40 }),
    insert: fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom("[[", "{", '"', "\\", "\u0000", "\n", "${", "`"),
    ),
  });

  it("random edits of every project file always yield well-formed diagnostics (fast-check)", () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (edits) => {
        const overrides: Record<string, string> = {};
        for (const e of edits) {
          const text = overrides[e.file] ?? original(e.file);
          const at = e.at % (text.length + 1);
          overrides[e.file] = text.slice(0, at) + e.insert + text.slice(at + e.remove);
        }
        const d = validateDir(exampleWith(overrides));
        expect(d.some((x) => x.rule === "internal-error")).toBe(false);
        expectWellFormed(d);
      }),
      { numRuns: 60 },
    );
  });
});
