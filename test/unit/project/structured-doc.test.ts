import { describe, expect, it } from "vitest";
import { parseJsonDoc, parseTomlDoc } from "../../../src/project/structured-doc.js";
import { makeWranglerConfig } from "../../../src/project/wrangler-config.js";

describe("parseTomlDoc", () => {
  const text = [
    'name = "app"', // 1
    "[[containers]]", // 2
    'class_name = "Backend"', // 3
    'image = "./Dockerfile"', // 4
    "[env.staging]", // 5
    'vars = { A = "1", B = [1, { c = 2 }] }', // 6
    "[[env.staging.containers]]", // 7
    'image = "./D"', // 8
  ].join("\n");

  it("gives values and the line of every key, array element and table header", () => {
    const r = parseTomlDoc(text);
    if (!r.ok) throw new Error(r.message);
    expect(r.doc.value).toMatchObject({ name: "app", containers: [{ class_name: "Backend" }] });
    expect(r.doc.locate(["name"]).line).toBe(1);
    expect(r.doc.locate(["containers"]).line).toBe(2);
    expect(r.doc.locate(["containers", 0, "image"])).toEqual({ line: 4, column: 1 });
    expect(r.doc.locate(["env", "staging", "vars", "B", 1, "c"]).line).toBe(6);
    expect(r.doc.locate(["env", "staging", "containers", 0, "image"]).line).toBe(8);
  });

  it("falls back to the nearest written ancestor for an absent key", () => {
    const r = parseTomlDoc(text);
    if (!r.ok) throw new Error(r.message);
    expect(r.doc.locate(["containers", 0, "max_instances"]).line).toBe(2);
  });

  it("reports a syntax error with its line and column", () => {
    const r = parseTomlDoc('name = "app\nmain = 1\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.position.line).toBe(1);
  });
});

describe("parseJsonDoc", () => {
  it("reads JSONC with comments and trailing commas, with key positions", () => {
    const text =
      '{\n  // the worker\n  "name": "app",\n  "containers": [\n    { "image": "./Dockerfile", },\n  ],\n}\n';
    const r = parseJsonDoc(text, { strict: false });
    if (!r.ok) throw new Error(r.message);
    expect(r.doc.locate(["name"])).toEqual({ line: 3, column: 3 });
    expect(r.doc.locate(["containers", 0, "image"])).toEqual({ line: 5, column: 7 });
  });

  it("is strict for package.json: a comment is an error at its position", () => {
    const r = parseJsonDoc('{\n  "a": 1, // no\n}', { strict: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.position.line).toBe(2);
  });
});

describe("makeWranglerConfig", () => {
  it("applies env sections: inherited keys from the top level, containers only from the env", () => {
    const r = parseTomlDoc(
      'name = "app"\nmain = "src/index.js"\n[[containers]]\nimage = "./Dockerfile"\n[env.staging]\nname = "app-staging"\n',
    );
    if (!r.ok) throw new Error(r.message);
    const config = makeWranglerConfig("wrangler.toml", "toml", r.doc, "staging");
    expect(config.environment).toBe("staging");
    expect(config.get("name")).toBe("app-staging");
    expect(config.get("main")).toBe("src/index.js");
    expect(config.get("containers")).toBeUndefined();
    expect(config.locate("name").line).toBe(6);
    expect(config.locate("main").line).toBe(2);
  });

  it("leaves environment unset when the env section does not exist", () => {
    const r = parseTomlDoc('name = "app"\n');
    if (!r.ok) throw new Error(r.message);
    expect(makeWranglerConfig("wrangler.toml", "toml", r.doc, "nope").environment).toBeUndefined();
  });
});

describe("keys named like Object internals", () => {
  const expectUntouched = (value: unknown) => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect((value as Record<string, unknown>).polluted).toBeUndefined();
  };

  it("keeps `__proto__`, `constructor` and `prototype` as plain data in JSON", () => {
    const r = parseJsonDoc(
      '{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "a": {"__proto__": []}}',
      { strict: true },
    );
    if (!r.ok) throw new Error(r.message);
    const value = r.doc.value as Record<string, unknown>;
    expectUntouched(value);
    expectUntouched(value.a);
    expect(Object.keys(value)).toEqual(["__proto__", "constructor", "a"]);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(value.constructor).toEqual({ prototype: { polluted: 2 } });
    expect(r.doc.locate(["__proto__", "polluted"]).line).toBe(1);
  });

  it("keeps them as plain data in TOML, without writing to Object.prototype", () => {
    const text =
      '[__proto__]\npolluted = 1\n[a]\n"__proto__" = { polluted = 2 }\n[constructor.prototype]\npolluted = 3\n';
    const r = parseTomlDoc(text);
    if (!r.ok) throw new Error(r.message);
    const value = r.doc.value as Record<string, unknown>;
    expectUntouched(value);
    expectUntouched(value.a);
    expect(Object.getOwnPropertyDescriptor(value, "__proto__")?.value).toEqual({ polluted: 1 });
    expect(Object.getOwnPropertyDescriptor(value.a, "__proto__")?.value).toEqual({ polluted: 2 });
    expect(value.constructor).toEqual({ prototype: { polluted: 3 } });
    expect(r.doc.locate(["a", "__proto__"]).line).toBe(4);
  });

  it("leaves the TOML tree's key names as parsed", () => {
    const r = parseTomlDoc('name = "x"\n[t]\n"q" = 1\n');
    if (!r.ok) throw new Error(r.message);
    expect(r.doc.value).toEqual({ name: "x", t: { q: 1 } });
  });
});
