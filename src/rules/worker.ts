import type { Project } from "../project/load.js";
import type { Position } from "../project/source.js";
import { isRecord } from "../project/wrangler-config.js";
import { finding, type Rule } from "./rule.js";
import { workerModelOf } from "./support/class-config.js";
import { limitPerFile } from "./support/limit.js";
import { type ClassInfo, fieldOf, resolveBase, type WorkerModel } from "./support/worker-model.js";

interface DoBinding {
  name?: string;
  className?: string;
  external: boolean;
}

function doBindings(project: Project): DoBinding[] {
  const d = project.config?.get("durable_objects");
  const list = isRecord(d) && Array.isArray(d.bindings) ? d.bindings : [];
  return list.filter(isRecord).map((b) => ({
    ...(typeof b.name === "string" ? { name: b.name } : {}),
    ...(typeof b.class_name === "string" ? { className: b.class_name } : {}),
    external: typeof b.script_name === "string" && b.script_name !== "",
  }));
}

/** Container classes, then locally implemented Durable Object classes, each once. */
function boundClasses(project: Project): string[] {
  const names: string[] = [];
  for (const c of project.containers)
    if (c.className && !names.includes(c.className)) names.push(c.className);
  for (const b of doBindings(project)) {
    if (!b.external && b.className && !names.includes(b.className)) names.push(b.className);
  }
  return names;
}

/** The Worker model, when the entry parsed. */
function entry(project: Project): { model: WorkerModel; file: string } | undefined {
  const model = workerModelOf(project);
  if (!model || !project.worker) return undefined;
  return { model, file: project.worker.path };
}

/** The local class a container class name denotes (exported or not). */
function localClass(model: WorkerModel, name: string): ClassInfo | undefined {
  const e = model.exports.get(name);
  return model.classes.get(e?.local ?? name);
}

export const workerParse: Rule = {
  id: "worker-parse",
  *check({ project }) {
    const f = project.workerFailure;
    if (!f) return;
    yield finding(
      this.id,
      "error",
      f.file,
      f.position,
      `${f.file} does not parse (line ${f.position.line}): ${f.message}.`,
      "Fix the syntax error; wrangler cannot bundle a Worker entry that does not parse.",
    );
  },
};

export const workerNoDefaultExport: Rule = {
  id: "worker-no-default-export",
  *check({ project }) {
    const e = entry(project);
    if (!e || e.model.hasDefault || e.model.exportAll) return;
    yield finding(
      this.id,
      "error",
      e.file,
      e.model.firstExport ?? 1,
      `${e.file} has no \`export default\`: wrangler then treats it as a service-worker script, and Durable Object / container classes cannot be deployed (API error 10070).`,
      "Add `export default { async fetch(request, env) { … } }` (a Hono `export default app` works too).",
    );
  },
};

export const workerDefaultNoFetch: Rule = {
  id: "worker-default-no-fetch",
  *check({ project }) {
    const e = entry(project);
    const d = e?.model.defaultObject;
    if (!e || !d || d.hasFetch) return;
    yield finding(
      this.id,
      "error",
      e.file,
      d.position,
      `The default export of ${e.file} (line ${d.position.line}) is an object without a \`fetch\` handler, so the Worker cannot answer HTTP requests.`,
      "Add `async fetch(request, env) { … }` that routes /api to the container.",
    );
  },
};

export const workerClassNotExported: Rule = {
  id: "worker-class-not-exported",
  *check({ project }) {
    const e = entry(project);
    if (!e || e.model.exportAll) return;
    for (const name of boundClasses(project)) {
      if (e.model.exports.has(name)) continue;
      const local = e.model.classes.get(name);
      const at: Position | number = local?.position ?? 1;
      yield finding(
        this.id,
        "error",
        e.file,
        at,
        local
          ? `Class ${name} (line ${local.position.line}) is bound in the Wrangler config but not exported from ${e.file}; the deploy fails (API 10070 "not exported by script" / 10061).`
          : `The Wrangler config binds class ${name}, but ${e.file} neither defines nor exports it; the deploy fails (API 10070 / 10061).`,
        local
          ? `Write \`export class ${name} …\` or add \`export { ${name} }\`.`
          : `Export the class from ${e.file}: \`export class ${name} extends Container { … }\`, or fix class_name in the config.`,
      );
    }
  },
};

export const workerContainerImport: Rule = {
  id: "worker-container-import",
  *check({ project }) {
    const e = entry(project);
    if (!e) return;
    for (const name of boundClasses(project)) {
      const cls = localClass(e.model, name);
      if (!cls) continue;
      const { base, chain } = resolveBase(e.model, cls);
      if (base.kind !== "unknown-global" || (base.name !== "Container" && base.name !== "DurableObject"))
        continue;
      const last = chain[chain.length - 1] ?? cls;
      const at = last.superPosition ?? last.position;
      const from = base.name === "Container" ? "@cloudflare/containers" : "cloudflare:workers";
      yield finding(
        this.id,
        "error",
        e.file,
        at,
        `Class ${last.name} extends ${base.name} (line ${at.line}), but ${base.name} is not imported in ${e.file}: it is undefined when the Worker starts.`,
        `Add \`import { ${base.name} } from "${from}";\`.`,
      );
    }
  },
};

export const workerClassBase: Rule = {
  id: "worker-class-base",
  *check({ project }) {
    const e = entry(project);
    if (!e) return;
    for (const spec of project.containers) {
      const name = spec.className;
      if (!name) continue;
      const cls = localClass(e.model, name);
      if (!cls) continue;
      const { base, chain } = resolveBase(e.model, cls);
      const uses = chain.some((c) => c.usesCtxContainer);
      if (base.kind === "container" || (base.kind === "durable-object" && uses)) continue;
      if (base.kind === "imported" || base.kind === "expression") continue;
      if (base.kind === "unknown-global" && (base.name === "Container" || base.name === "DurableObject"))
        continue;
      const at = cls.position;
      if (base.kind === "durable-object") {
        yield finding(
          this.id,
          "warning",
          e.file,
          at,
          `Container class ${name} (line ${at.line}) extends DurableObject but never uses \`this.ctx.container\`, so nothing starts or talks to the container.`,
          "Extend `Container` from @cloudflare/containers, or start the container with `this.ctx.container.start()` and reach it via `getTcpPort()`.",
        );
        continue;
      }
      yield finding(
        this.id,
        "error",
        e.file,
        at,
        base.kind === "none"
          ? `Container class ${name} (line ${at.line}) extends nothing; it cannot drive a container.`
          : `Container class ${name} (line ${at.line}) extends ${base.name}, which is neither Container (@cloudflare/containers) nor DurableObject (cloudflare:workers).`,
        `Write \`export class ${name} extends Container { defaultPort = 8000; }\` with \`import { Container } from "@cloudflare/containers"\`.`,
      );
    }
  },
};

export const workerDefaultPortMissing: Rule = {
  id: "worker-default-port-missing",
  *check({ project }) {
    const e = entry(project);
    if (!e) return;
    // Port chosen per request instead of a default.
    if (["switchPort", "getTcpPort"].some((c) => e.model.calls.has(c))) return;
    for (const spec of project.containers) {
      const name = spec.className;
      if (!name) continue;
      const cls = localClass(e.model, name);
      if (!cls) continue;
      const { base, chain } = resolveBase(e.model, cls);
      if (base.kind !== "container") continue;
      if (fieldOf(chain, "defaultPort") || fieldOf(chain, "requiredPorts")) continue;
      yield finding(
        this.id,
        "error",
        e.file,
        cls.position,
        `Container class ${name} (line ${cls.position.line}) sets no defaultPort; requests then fail with "No port configured for this container".`,
        "Add `defaultPort = 8000;` (the port your server listens on) to the class.",
      );
    }
  },
};

export const workerDefaultPortInvalid: Rule = {
  id: "worker-default-port-invalid",
  *check({ project }) {
    const e = entry(project);
    if (!e) return;
    for (const spec of project.containers) {
      const cls = spec.className ? localClass(e.model, spec.className) : undefined;
      if (!cls) continue;
      const f = cls.fields.get("defaultPort");
      if (!f || f.value.kind === "other") continue;
      const v = f.value;
      if (v.kind === "number" && Number.isInteger(v.value) && v.value >= 1 && v.value <= 65535) continue;
      const shown = v.kind === "string" ? `"${v.value}"` : v.kind === "number" ? String(v.value) : v.kind;
      const suggestion = v.kind === "string" && /^\d+$/.test(v.value) ? v.value : "8000";
      yield finding(
        this.id,
        "error",
        e.file,
        f.position,
        `defaultPort = ${shown} in ${cls.name} (line ${f.position.line}) is not a port number (an integer 1–65535).`,
        `Write \`defaultPort = ${suggestion};\` (a number, not a string).`,
      );
    }
  },
};

export const workerSleepAfterFormat: Rule = {
  id: "worker-sleepafter-format",
  *check({ project }) {
    const e = entry(project);
    if (!e) return;
    const seen = new Set<ClassInfo>();
    for (const spec of project.containers) {
      const cls = spec.className ? localClass(e.model, spec.className) : undefined;
      if (!cls || seen.has(cls)) continue;
      seen.add(cls);
      const f = cls.fields.get("sleepAfter");
      if (!f) continue;
      const v = f.value;
      if (v.kind === "string" && /^\d+[smh]$/.test(v.value)) continue;
      if (v.kind === "number" && Number.isFinite(v.value) && v.value >= 0) continue;
      if (v.kind === "other") continue;
      const shown =
        v.kind === "string" ? `"${v.value}"` : v.kind === "number" ? String(v.value) : `an ${v.kind}`;
      yield finding(
        this.id,
        "error",
        e.file,
        f.position,
        `sleepAfter = ${shown} in ${cls.name} (line ${f.position.line}) is not a valid duration; the container class throws "invalid time expression".`,
        'Use a whole number with s, m or h ("30s", "10m", "1h"), or a number of seconds.',
      );
    }
  },
};

export const workerBindingName: Rule = {
  id: "worker-binding-name",
  *check({ project }) {
    const e = entry(project);
    if (!e || !project.config) return;
    const bindings = doBindings(project);
    const names = new Set(bindings.flatMap((b) => (b.name ? [b.name] : [])));
    for (const use of e.model.envUses) {
      if (!use.asDurableObject || names.has(use.name)) continue;
      const declared = [...names];
      const close = declared.find((n) => n.toLowerCase() === use.name.toLowerCase());
      yield finding(
        this.id,
        "error",
        e.file,
        use.position,
        `${use.how} (line ${use.position.line}) uses env.${use.name}, but ${project.config.file} declares no Durable Object binding named ${use.name}${
          declared.length > 0 ? ` (declared: ${declared.join(", ")})` : ""
        }; env.${use.name} is undefined at run time.`,
        close
          ? `Use env.${close} (binding names are case-sensitive).`
          : `Use one of the declared binding names, or add [[durable_objects.bindings]] name = "${use.name}" for the container class.`,
      );
    }
  },
};

export const workerRules: Rule[] = [
  workerParse,
  workerNoDefaultExport,
  workerDefaultNoFetch,
  workerClassNotExported,
  workerContainerImport,
  workerClassBase,
  workerDefaultPortMissing,
  workerDefaultPortInvalid,
  workerSleepAfterFormat,
  workerBindingName,
].map((r) => limitPerFile(r));
