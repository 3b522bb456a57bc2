import { afterAll, describe, expect, it } from "vitest";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../../helpers/project.js";

afterAll(cleanupProjects);

describe("the valid example", () => {
  it("has no errors and no warnings", () => {
    const diagnostics = validateDir(fastapiExample);
    expect(diagnostics.filter((d) => d.severity !== "info")).toEqual([]);
  });
});

describe("layout rules", () => {
  it("layout-wrangler-config-missing fires when no config exists", () => {
    const d = byRule(validateDir(exampleWith({ "wrangler.toml": null })), "layout-wrangler-config-missing");
    expect(d).toHaveLength(1);
    expect(d[0]?.severity).toBe("error");
  });

  it("layout-dockerfile-missing points at the image line", () => {
    const d = byRule(validateDir(exampleWith({ Dockerfile: null })), "layout-dockerfile-missing");
    expect(d).toMatchObject([{ severity: "error", file: "wrangler.toml", line: 7 }]);
    expect(d[0]?.message).toContain("Dockerfile");
  });

  it("layout-image-is-directory fires when image names a folder", () => {
    const toml = `name = "x"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n[[containers]]\nclass_name = "Backend"\nimage = "./docker"\n`;
    const d = byRule(
      validateDir(exampleWith({ "wrangler.toml": toml, "docker/Dockerfile": "FROM scratch\n" })),
      "layout-image-is-directory",
    );
    expect(d).toMatchObject([{ severity: "error", file: "wrangler.toml", line: 6 }]);
    expect(d[0]?.hint).toContain("./docker/Dockerfile");
  });

  it("layout-package-json-missing fires without package.json", () => {
    const d = byRule(validateDir(exampleWith({ "package.json": null })), "layout-package-json-missing");
    expect(d).toMatchObject([{ severity: "error", file: "package.json" }]);
  });

  it("layout-worker-entry-missing points at main", () => {
    const d = byRule(validateDir(exampleWith({ "src/index.js": null })), "layout-worker-entry-missing");
    expect(d).toMatchObject([{ severity: "error", file: "wrangler.toml", line: 2 }]);
  });

  it("layout-file-unreadable reports binary and non-UTF-8 files instead of crashing", () => {
    const d = validateDir(
      exampleWith({ Dockerfile: Buffer.from([0x46, 0x52, 0x00, 0xff]), "app.py": Buffer.from([0xc3, 0x28]) }),
    );
    const unreadable = byRule(d, "layout-file-unreadable");
    expect(unreadable.map((x) => x.file).sort()).toEqual(["Dockerfile", "app.py"]);
  });
});
