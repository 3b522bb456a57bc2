import { describe, expect, it } from "vitest";
import { buildGeneratedConfig, generatedConfigName } from "../../../src/deploy/generated-config.js";
import { secretsJson } from "../../../src/deploy/temp-files.js";
import { parseTomlDoc } from "../../../src/project/structured-doc.js";

function raw(toml: string): Record<string, unknown> {
  const parsed = parseTomlDoc(toml);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.doc.value as Record<string, unknown>;
}

const TOML = `
name = "shop"
main = "src/index.js"
compatibility_date = 2026-11-01

[[containers]]
class_name = "Backend"
image = "./Dockerfile"
image_build_context = "."
image_vars = { A = "1" }
max_instances = 3

[[durable_objects.bindings]]
name = "BACKEND"
class_name = "Backend"

[env.staging]
name = "shop-staging"

[[env.staging.containers]]
class_name = "Backend"
image = "./Dockerfile"
`;

describe("buildGeneratedConfig", () => {
  it("production: only the image changes; name and container names stay wrangler's", () => {
    const out = buildGeneratedConfig(raw(TOML), {
      containerNames: new Map(),
      images: new Map([[0, "registry.cloudflare.com/acct/shop-backend:abc"]]),
    });
    expect(out.name).toBe("shop");
    const containers = out.containers as Record<string, unknown>[];
    expect(containers[0]).toEqual({
      class_name: "Backend",
      image: "registry.cloudflare.com/acct/shop-backend:abc",
      max_instances: 3,
    });
    // TOML local dates become the YYYY-MM-DD text wrangler expects
    expect(out.compatibility_date).toBe("2026-11-01");
    // untouched: env tree and bindings
    expect(out.durable_objects).toEqual({ bindings: [{ name: "BACKEND", class_name: "Backend" }] });
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });

  it("preview: sets name and every container name, keeps the rest", () => {
    const out = buildGeneratedConfig(raw(TOML), {
      workerName: "shop-pr-4",
      containerNames: new Map([[0, "shop-pr-4-backend"]]),
      images: new Map([[0, "reg/shop-pr-4-backend:abc"]]),
    });
    expect(out.name).toBe("shop-pr-4");
    expect((out.containers as Record<string, unknown>[])[0]).toMatchObject({
      name: "shop-pr-4-backend",
      image: "reg/shop-pr-4-backend:abc",
    });
    expect(out.main).toBe("src/index.js");
  });

  it("with an environment, the changes go into env.<name> (containers are not inherited); top level is untouched", () => {
    const source = raw(TOML);
    const out = buildGeneratedConfig(source, {
      environment: "staging",
      workerName: "shop-staging-pr-4",
      containerNames: new Map([[0, "shop-staging-pr-4-backend"]]),
      images: new Map([[0, "reg/x:1"]]),
    });
    expect(out.name).toBe("shop");
    const staging = (out.env as Record<string, Record<string, unknown>>).staging ?? {};
    expect(staging.name).toBe("shop-staging-pr-4");
    expect((staging.containers as Record<string, unknown>[])[0]).toEqual({
      class_name: "Backend",
      image: "reg/x:1",
      name: "shop-staging-pr-4-backend",
    });
    expect((out.containers as Record<string, unknown>[])[0]).toMatchObject({ image: "./Dockerfile" });
    // the input document is not mutated
    expect(
      ((source.env as Record<string, Record<string, unknown>>).staging as Record<string, unknown>).name,
    ).toBe("shop-staging");
  });

  it("build: false keeps the Dockerfile image (the generated file sits beside the original)", () => {
    const out = buildGeneratedConfig(raw(TOML), {
      workerName: "shop-pr-1",
      containerNames: new Map([[0, "shop-pr-1-backend"]]),
      images: new Map(),
    });
    expect((out.containers as Record<string, unknown>[])[0]).toMatchObject({
      image: "./Dockerfile",
      image_build_context: ".",
      image_vars: { A: "1" },
    });
  });

  it("a config without containers gets none added", () => {
    const out = buildGeneratedConfig({ name: "w" }, { containerNames: new Map(), images: new Map() });
    expect(out).toEqual({ name: "w" });
  });
});

describe("file names and secrets JSON", () => {
  it.each([
    ["shop-pr-4", "wrangler.cf-containers-deploy.shop-pr-4.json"],
    ["Shop/../x", "wrangler.cf-containers-deploy.shop-x.json"],
  ])("generatedConfigName(%j) = %j (matches the .gitignore pattern)", (name, expected) => {
    expect(generatedConfigName(name)).toBe(expected);
    expect(expected).toMatch(/^wrangler\.cf-containers-deploy\..*\.json$/);
  });

  it("secretsJson is the literal JSON object wrangler's --secrets-file takes", () => {
    expect(JSON.parse(secretsJson([{ name: "A", value: 'x"y\nz=$HOME' }]))).toEqual({ A: 'x"y\nz=$HOME' });
  });
});
