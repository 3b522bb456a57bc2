import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planBuildJobs, repositoryName, wranglerDefaultContainerName } from "../../../src/build/jobs.js";
import { loadProject } from "../../../src/project/load.js";

function project(toml: string, env?: string) {
  const dir = mkdtempSync(join(tmpdir(), "cfcd-jobs-"));
  writeFileSync(join(dir, "wrangler.toml"), toml);
  mkdirSync(join(dir, "api"));
  writeFileSync(join(dir, "Dockerfile"), "FROM scratch\n");
  writeFileSync(join(dir, "api", "Dockerfile"), "FROM scratch\n");
  return loadProject(dir, env !== undefined ? { environment: env } : {});
}

describe("planBuildJobs", () => {
  const toml = `name = "Shop"
[[containers]]
class_name = "Backend"
image = "./Dockerfile"
image_vars = { A = "1" }
[[containers]]
class_name = "Api"
name = "custom-api"
image = "./api/Dockerfile"
image_build_context = "."
[[containers]]
class_name = "Ext"
image = "docker.io/library/nginx:1.27"
[env.staging]
[[env.staging.containers]]
class_name = "Backend"
image = "./Dockerfile"
`;
  it("one job per Dockerfile container, named like wrangler would name production's applications", () => {
    const p = project(toml);
    const planned = planBuildJobs(p, new Map(), "abc");
    expect(planned.jobs.map((j) => [j.index, j.tag, j.dockerfile, j.context])).toEqual([
      [0, "shop-backend:abc", join(p.dir, "Dockerfile"), p.dir],
      [1, "custom-api:abc", join(p.dir, "api", "Dockerfile"), p.dir],
    ]);
    expect(planned.jobs[0]?.imageVars).toEqual({ A: "1" });
    expect(planned.registry).toEqual([{ index: 2, image: "docker.io/library/nginx:1.27" }]);
  });

  it("previews use the preview container names; environments add the env suffix", () => {
    expect(planBuildJobs(project(toml), new Map([[0, "shop-pr-3-backend"]]), "abc").jobs[0]?.tag).toBe(
      "shop-pr-3-backend:abc",
    );
    expect(planBuildJobs(project(toml, "staging"), new Map(), "abc").jobs[0]?.tag).toBe(
      "shop-backend-staging:abc",
    );
  });

  it("wrangler's default name and docker repository names", () => {
    expect(wranglerDefaultContainerName("My App", "Backend", undefined)).toBe("my-app-backend");
    expect(wranglerDefaultContainerName("app", "Backend", "prod")).toBe("app-backend-prod");
    expect(repositoryName("A_b c")).toBe("a_b-c");
    expect(repositoryName("--x")).toBe("x");
  });
});
