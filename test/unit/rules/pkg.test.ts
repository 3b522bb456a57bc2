import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { Diagnostic } from "../../../src/diagnostics.js";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../../helpers/project.js";

afterAll(cleanupProjects);

const WORKER = readFileSync(join(fastapiExample, "src", "index.js"), "utf8");
const DOCKERFILE = readFileSync(join(fastapiExample, "Dockerfile"), "utf8");

/** A package.json laid out one key per line, so lines are predictable. */
function pkg(fields: Record<string, unknown>): string {
  return `${JSON.stringify(fields, null, 2)}\n`;
}

const BASE = {
  name: "fastapi-backend",
  private: true,
  type: "module",
  dependencies: { "@cloudflare/containers": "^0.3.7" },
};

function pkgOnly(d: Diagnostic[]): Diagnostic[] {
  return d.filter((x) => x.rule.startsWith("pkg-") || x.rule === "internal-error");
}

describe("the valid example", () => {
  it("raises no pkg finding", () => {
    expect(pkgOnly(validateDir(fastapiExample))).toEqual([]);
  });
});

describe("pkg-parse", () => {
  it.each([
    ["a trailing comma", '{\n  "name": "x",\n  "type": "module",\n}\n', 4, 1],
    ["a comment", '{\n  // deps\n  "name": "x"\n}\n', 2, 3],
    ["a missing comma", '{\n  "name": "x"\n  "type": "module"\n}\n', 3, 3],
  ])("reports %s at its line and column", (_what, text, line, column) => {
    const d = validateDir(exampleWith({ "package.json": text }));
    expect(byRule(d, "pkg-parse")).toMatchObject([{ severity: "error", file: "package.json", line, column }]);
    expect(byRule(d, "pkg-parse")[0]?.message).toContain("not valid JSON");
    expect(byRule(d, "internal-error")).toEqual([]);
  });
});

describe("pkg-containers-dep", () => {
  it("is an error when the Worker imports @cloudflare/containers and nothing provides it", () => {
    const d = byRule(
      validateDir(exampleWith({ "package.json": pkg({ ...BASE, dependencies: { hono: "^4.0.0" } }) })),
      "pkg-containers-dep",
    );
    expect(d).toMatchObject([{ severity: "error", file: "package.json", line: 5 }]);
    expect(d[0]?.message).toContain("src/index.js:1");
    expect(d[0]?.hint).toContain("npm i @cloudflare/containers");
  });

  it("is a warning (guide) when containers are configured but the Worker does not import the package", () => {
    const { dependencies: _dropped, ...rest } = BASE;
    const worker = "export class Backend {}\nexport default { fetch() { return new Response('x'); } };\n";
    const d = byRule(
      validateDir(exampleWith({ "package.json": pkg(rest), "src/index.js": worker })),
      "pkg-containers-dep",
    );
    expect(d).toMatchObject([{ severity: "warning", file: "package.json", line: 1 }]);
    expect(d[0]?.message).toContain("Containers are configured");
  });

  it("is a warning when the package is only a devDependency", () => {
    const { dependencies: _dropped, ...rest } = BASE;
    const text = pkg({ ...rest, devDependencies: { "@cloudflare/containers": "^0.3.7" } });
    const d = byRule(validateDir(exampleWith({ "package.json": text })), "pkg-containers-dep");
    expect(d).toMatchObject([{ severity: "warning", file: "package.json", line: 6 }]);
  });

  it("tolerates a dependencies field of the wrong type", () => {
    const d = validateDir(
      exampleWith({ "package.json": pkg({ ...BASE, dependencies: "@cloudflare/containers" }) }),
    );
    expect(byRule(d, "internal-error")).toEqual([]);
    expect(byRule(d, "pkg-containers-dep")).toMatchObject([{ severity: "error", line: 1 }]);
  });
});

describe("pkg-type-module", () => {
  it("warns when type is missing", () => {
    const { type: _dropped, ...rest } = BASE;
    const d = byRule(validateDir(exampleWith({ "package.json": pkg(rest) })), "pkg-type-module");
    expect(d).toMatchObject([{ severity: "warning", file: "package.json", line: 1 }]);
  });

  it("warns at the type key when it is commonjs", () => {
    const d = byRule(
      validateDir(exampleWith({ "package.json": pkg({ ...BASE, type: "commonjs" }) })),
      "pkg-type-module",
    );
    expect(d).toMatchObject([{ severity: "warning", file: "package.json", line: 4, column: 3 }]);
    expect(d[0]?.message).toContain('"commonjs"');
  });
});

describe("pkg-native-module", () => {
  it("is an error when the Worker imports a native addon", () => {
    const text = pkg({
      ...BASE,
      dependencies: { "@cloudflare/containers": "^0.3.7", "better-sqlite3": "^11.0.0" },
    });
    const worker = `import Database from "better-sqlite3";\n${WORKER}`;
    const d = byRule(
      validateDir(exampleWith({ "package.json": text, "src/index.js": worker })),
      "pkg-native-module",
    );
    expect(d).toMatchObject([{ severity: "error", file: "package.json", line: 7 }]);
    expect(d[0]?.message).toContain("src/index.js:1");
    expect(d[0]?.hint).toContain("D1");
  });

  it("finds require() and dynamic import() too", () => {
    const text = pkg({
      ...BASE,
      dependencies: { "@cloudflare/containers": "^0.3.7", bcrypt: "^5", sharp: "^0.33" },
    });
    const worker = `${WORKER}\nexport async function hash(x) { const b = require("bcrypt"); const s = await import("sharp"); return [b, s, x]; }\n`;
    const d = byRule(
      validateDir(exampleWith({ "package.json": text, "src/index.js": worker })),
      "pkg-native-module",
    );
    expect(d.map((x) => [x.severity, x.line])).toEqual([
      ["error", 7],
      ["error", 8],
    ]);
  });

  it("is a warning for a native runtime dependency the Worker does not import", () => {
    const text = pkg({
      ...BASE,
      dependencies: { "@cloudflare/containers": "^0.3.7", "@node-rs/argon2": "^2" },
    });
    const d = byRule(validateDir(exampleWith({ "package.json": text })), "pkg-native-module");
    expect(d).toMatchObject([{ severity: "warning", file: "package.json", line: 7 }]);
  });

  it("ignores a native devDependency the Worker does not import", () => {
    const text = pkg({ ...BASE, devDependencies: { sqlite3: "^5" } });
    expect(byRule(validateDir(exampleWith({ "package.json": text })), "pkg-native-module")).toEqual([]);
  });
});

describe("pkg-frontend-framework", () => {
  it.each(["next", "react-dom", "vue", "@sveltejs/kit", "@remix-run/node", "astro"])(
    "is an error for %s",
    (name) => {
      const text = pkg({ ...BASE, dependencies: { "@cloudflare/containers": "^0.3.7", [name]: "^1.0.0" } });
      const d = byRule(validateDir(exampleWith({ "package.json": text })), "pkg-frontend-framework");
      expect(d).toMatchObject([{ severity: "error", file: "package.json", line: 7 }]);
      expect(d[0]?.message).toContain(`"${name}"`);
    },
  );

  it("is an error for a Dockerfile that starts a frontend server", () => {
    const dockerfile = DOCKERFILE.replace(/^CMD .*$/m, 'CMD ["npx", "next", "start", "-p", "8000"]');
    const d = byRule(validateDir(exampleWith({ Dockerfile: dockerfile })), "pkg-frontend-framework");
    const line = dockerfile.split("\n").findIndex((l) => l.startsWith("CMD")) + 1;
    expect(d).toMatchObject([{ severity: "error", file: "Dockerfile", line, column: 1 }]);
    expect(d[0]?.message).toContain("next start");
  });

  it("is an error for a start script that serves with vite", () => {
    const text = pkg({ ...BASE, scripts: { start: "vite preview --port 8000" } });
    const d = byRule(validateDir(exampleWith({ "package.json": text })), "pkg-frontend-framework");
    expect(d).toMatchObject([{ severity: "error", file: "package.json", line: 9 }]);
    expect(d[0]?.message).toContain("scripts.start");
  });

  it("leaves API frameworks alone", () => {
    const text = pkg({
      ...BASE,
      dependencies: { "@cloudflare/containers": "^0.3.7", hono: "^4", zod: "^3" },
    });
    expect(byRule(validateDir(exampleWith({ "package.json": text })), "pkg-frontend-framework")).toEqual([]);
  });
});

describe("robustness", () => {
  it("never reports an internal error for arbitrary values in the fields it reads", () => {
    const dir = exampleWith();
    const arb = fc.record(
      {
        type: fc.jsonValue({ maxDepth: 1 }),
        dependencies: fc.oneof(
          fc.dictionary(
            fc.constantFrom("@cloudflare/containers", "next", "sharp", "hono"),
            fc.jsonValue({ maxDepth: 1 }),
          ),
          fc.jsonValue({ maxDepth: 2 }),
        ),
        devDependencies: fc.jsonValue({ maxDepth: 2 }),
        scripts: fc.oneof(fc.record({ start: fc.jsonValue({ maxDepth: 1 }) }), fc.jsonValue({ maxDepth: 2 })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(arb, fc.jsonValue({ maxDepth: 2 })), (value) => {
        writeFileSync(join(dir, "package.json"), JSON.stringify(value));
        const d = validateDir(dir);
        expect(byRule(d, "internal-error").filter((x) => /Rule pkg-/.test(x.message))).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
