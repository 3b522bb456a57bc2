import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isRegistryReference, loadProject } from "../../../src/project/load.js";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../../helpers/project.js";

afterAll(cleanupProjects);

const EXAMPLE_TOML = readFileSync(join(fastapiExample, "wrangler.toml"), "utf8");
const SECRET = "TOKEN=abc\n";

function git(cwd: string, ...args: string[]): void {
  execFileSync("git", ["-c", "init.defaultBranch=main", ...args], { cwd, stdio: "ignore" });
}

describe("secretEnvFiles", () => {
  it("lists the secret files of the project dir and of each build context, with git and Docker facts", () => {
    const toml = EXAMPLE_TOML.replace(
      'image = "./Dockerfile"',
      'image = "./api/Dockerfile"\n\n[[containers]]\nclass_name = "Root"\nimage = "./Dockerfile"',
    );
    const dir = exampleWith({
      "wrangler.toml": toml,
      ".env": SECRET,
      ".env.example": SECRET,
      ".dev.vars.ci": SECRET,
      "api/Dockerfile": readFileSync(join(fastapiExample, "Dockerfile"), "utf8"),
      "api/.env.production": SECRET,
      "api/.dockerignore": ".env.*\n",
      ".gitignore": ".env\n",
    });
    git(dir, "init", "-q");
    git(dir, "add", "-f", ".dev.vars.ci");
    const project = loadProject(dir);
    expect(project.secretEnvFiles).toEqual([
      { path: ".dev.vars.ci", tracked: true, gitIgnored: false, dockerIgnored: { Dockerfile: false } },
      { path: ".env", tracked: false, gitIgnored: true, dockerIgnored: { Dockerfile: true } },
      {
        path: "api/.env.production",
        tracked: false,
        gitIgnored: false,
        dockerIgnored: { "api/Dockerfile": true },
      },
    ]);
    expect(project.dockerfiles.map((d) => [d.path, d.dockerignore?.path])).toEqual([
      ["api/Dockerfile", "api/.dockerignore"],
      ["Dockerfile", ".dockerignore"],
    ]);
  });

  it("leaves git facts undefined outside a repository and when git fails", () => {
    const dir = exampleWith({ ".env": SECRET });
    expect(loadProject(dir).secretEnvFiles).toMatchObject([{ tracked: undefined, gitIgnored: undefined }]);
    git(dir, "init", "-q");
    const failing = loadProject(dir, { git: () => ({ status: 128, stdout: "" }) });
    expect(failing.secretEnvFiles).toMatchObject([{ tracked: undefined, gitIgnored: undefined }]);
  });

  it("does not run git when there is no secret file", () => {
    let runs = 0;
    loadProject(exampleWith(), {
      git: () => {
        runs++;
        return undefined;
      },
    });
    expect(runs).toBe(0);
  });
});

describe("registry references", () => {
  it.each([
    ["registry.cloudflare.com/acc/app", true],
    ["registry.cloudflare.com/acc/app:1.0", true],
    ["localhost/app", true],
    ["localhost:5000/app", true],
    ["docker.io/library/python@sha256:abc", true],
    ["python:3.12", true],
    ["./Dockerfile", false],
    ["api/Dockerfile", false],
    ["backend/app", false],
    ["app", false],
    ["../x.dockerfile", false],
  ])("isRegistryReference(%s) = %s", (image, expected) => {
    expect(isRegistryReference(image)).toBe(expected);
  });

  it("reports a tagless registry image as missing its tag, not as a missing Dockerfile", () => {
    const dir = exampleWith({
      "wrangler.toml": EXAMPLE_TOML.replace(
        'image = "./Dockerfile"',
        'image = "registry.cloudflare.com/acc/app"',
      ),
    });
    expect(loadProject(dir).containers[0]?.imageKind).toBe("registry");
    const d = validateDir(dir);
    expect(byRule(d, "layout-dockerfile-missing")).toEqual([]);
    expect(byRule(d, "wrangler-container-image-ref")).toMatchObject([{ severity: "error", line: 7 }]);
    expect(byRule(d, "wrangler-container-image-ref")[0]?.message).toContain("has no tag");
  });
});

describe("keys named __proto__ in project files", () => {
  it("are data in wrangler.json and package.json, never a prototype", () => {
    const dir = exampleWith({
      "wrangler.toml": null,
      "wrangler.json":
        '{"__proto__": {"polluted": 1, "containers": [{"image": "x"}]}, "name": "fastapi-backend", "main": "src/index.js", "compatibility_date": "2026-11-01"}',
      "package.json": '{"__proto__": {"polluted": 1}, "name": "fastapi-backend", "private": true}',
    });
    const project = loadProject(dir);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(project.config?.raw.polluted).toBeUndefined();
    expect(project.config?.get("containers")).toBeUndefined();
    expect(Object.getPrototypeOf(project.config?.raw)).toBe(Object.prototype);
    const pkg = project.packageJson?.doc.value as Record<string, unknown>;
    expect(pkg.polluted).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(pkg, "__proto__")?.value).toEqual({ polluted: 1 });
    const d = validateDir(dir);
    expect(byRule(d, "internal-error")).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
