// The Cloudflare API (under /client/v4) as far as wrangler 4.164.0 uses it to deploy, list and
// delete containers Workers. Endpoints were found by running the real wrangler against this
// server: an unknown endpoint answers 404 and logs `[standin] 404 <METHOD> <path>` to stderr.
import { randomBytes, randomUUID } from "node:crypto";
import type http from "node:http";
import type {
  Application,
  Binding,
  DurableObjectNamespace,
  Fault,
  Rollout,
  Script,
  ScriptVersion,
  StandinApplication,
  StandinState,
  StandinWorker,
} from "./types.js";

export const API_PREFIX = "/client/v4";

export interface ApiOptions {
  accountId: string;
  token: string;
  subdomain: string;
  /** every "<repo>:<tag>" in the registry */
  images(): Promise<string[]>;
  /** where `[standin] 404 …` lines for unknown endpoints go; none when omitted */
  log?: (line: string) => void;
}

interface Ctx {
  req: http.IncomingMessage;
  url: URL;
  method: string;
  params: string[];
  body: () => Promise<Buffer>;
  json: () => Promise<Record<string, unknown>>;
}

interface Reply {
  status: number;
  body: unknown;
  raw?: boolean;
  headers?: Record<string, string>;
  /** hold the request open without answering (a fault) */
  hang?: boolean;
}

type Handler = (ctx: Ctx) => Promise<Reply> | Reply;

interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
}

interface ActiveFault {
  method: string | undefined;
  pattern: RegExp;
  status: number;
  remaining: number;
  body: unknown;
  headers: Record<string, string> | undefined;
  hang: boolean;
}

const now = (): string => new Date().toISOString();
const hex = (bytes: number): string => randomBytes(bytes).toString("hex");

function ok(result: unknown, extra: Record<string, unknown> = {}): Reply {
  return { status: 200, body: { success: true, errors: [], messages: [], result, ...extra } };
}

function fail(status: number, code: number, message: string): Reply {
  return { status, body: { success: false, errors: [{ code, message }], messages: [], result: null } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function asStringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function mergeDeep(
  target: Record<string, unknown>,
  source: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const previous = out[key];
    out[key] = isRecord(previous) && isRecord(value) ? mergeDeep(previous, value) : value;
  }
  return out;
}

export class CloudflareApi {
  readonly requests: { method: string; path: string }[] = [];
  readonly scripts = new Map<string, Script>();
  readonly namespaces = new Map<string, DurableObjectNamespace>();
  readonly applications = new Map<string, Application>();
  readonly rollouts = new Map<string, Rollout[]>();
  /** Worker of each application, remembered so a leftover app still names its (deleted) Worker */
  private readonly appWorkers = new Map<string, string>();
  private readonly faults: ActiveFault[] = [];
  private readonly routes: Route[] = [];
  private readonly credentials = new Set<string>();

  constructor(private readonly options: ApiOptions) {
    this.defineRoutes();
  }

  get accountId(): string {
    return this.options.accountId;
  }

  /** registry passwords handed out by the credentials endpoint */
  get registryPasswords(): ReadonlySet<string> {
    return this.credentials;
  }

  failNext(fault: Fault): void {
    const pattern = typeof fault.pathPattern === "string" ? new RegExp(fault.pathPattern) : fault.pathPattern;
    this.faults.push({
      method: fault.method?.toUpperCase(),
      pattern,
      status: fault.status ?? 500,
      remaining: fault.times ?? 1,
      body: fault.body,
      headers: fault.headers,
      hang: fault.hang === true,
    });
  }

  workerUrl(name: string): string {
    return `https://${name}.${this.options.subdomain}.workers.dev`;
  }

  /** plain-text and JSON vars of a Worker's current version, as strings */
  vars(script: Script): Record<string, string> {
    const vars: Record<string, string> = {};
    for (const binding of script.bindings) {
      if (binding.type === "plain_text") vars[binding.name] = asString(binding.text) ?? "";
      if (binding.type === "json") vars[binding.name] = JSON.stringify(binding.json);
    }
    return vars;
  }

  secretValues(name: string): Record<string, string> {
    const script = this.scripts.get(name);
    const out: Record<string, string> = {};
    if (script === undefined) return out;
    for (const binding of script.bindings) {
      if (binding.type === "secret_text") out[binding.name] = asString(binding.text) ?? "";
    }
    return out;
  }

  workerOfApplication(app: Application): string | null {
    const id = app.durable_objects?.namespace_id;
    const live = id === undefined ? undefined : this.namespaces.get(id)?.script;
    if (live !== undefined) this.appWorkers.set(app.id, live);
    return live ?? this.appWorkers.get(app.id) ?? null;
  }

  /** the application(s) currently bound to the Worker's live Durable Object namespaces */
  liveApplicationsOf(workerName: string): Application[] {
    return [...this.applications.values()].filter((app) => {
      const id = app.durable_objects?.namespace_id;
      return id !== undefined && this.namespaces.get(id)?.script === workerName;
    });
  }

  async state(): Promise<StandinState> {
    const workers: StandinWorker[] = [...this.scripts.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((script) => ({
        name: script.name,
        versionId: script.currentVersionId,
        secrets: script.bindings
          .filter((b) => b.type === "secret_text" || b.type === "secret_key")
          .map((b) => b.name)
          .sort(),
        vars: this.vars(script),
        url: this.workerUrl(script.name),
      }));
    const applications: StandinApplication[] = [...this.applications.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((app) => ({
        id: app.id,
        name: app.name,
        workerName: this.workerOfApplication(app),
        image: app.configuration.image,
        instanceType: asString(app.configuration.instance_type) ?? null,
        maxInstances: typeof app.max_instances === "number" ? app.max_instances : null,
      }));
    const prefix = `${this.options.accountId}/`;
    const images = (await this.options.images()).map((image) =>
      image.startsWith(prefix) ? image.slice(prefix.length) : image,
    );
    return { workers, applications, images };
  }

  /** Handles a request under /client/v4; returns false when the path is not under it. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://standin");
    if (!url.pathname.startsWith(`${API_PREFIX}/`)) return false;
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname.slice(API_PREFIX.length);
    this.requests.push({ method, path });
    let bodyPromise: Promise<Buffer> | undefined;
    const body = (): Promise<Buffer> => {
      bodyPromise ??= new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        req.on("data", (chunk: Buffer) => chunks.push(chunk));
        req.on("end", () => resolve(Buffer.concat(chunks)));
        req.on("error", reject);
      });
      return bodyPromise;
    };
    let reply: Reply;
    try {
      reply = await this.dispatch({
        req,
        url,
        method,
        params: [],
        body,
        json: async () => {
          const text = (await body()).toString("utf8");
          if (text.trim() === "") return {};
          const parsed: unknown = JSON.parse(text);
          return isRecord(parsed) ? parsed : {};
        },
      });
    } catch (error) {
      reply = fail(
        500,
        10000,
        `standin internal error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    // drain whatever was not read
    if (bodyPromise === undefined) req.resume();
    // a hanging fault never answers; the socket stays open until the client or close() ends it
    if (reply.hang === true) return true;
    const text =
      reply.raw === true && typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      "content-type": reply.raw === true ? "text/plain; charset=utf-8" : "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      ...reply.headers,
    });
    res.end(text);
    return true;
  }

  private async dispatch(ctx: Ctx): Promise<Reply> {
    const path = ctx.url.pathname.slice(API_PREFIX.length);
    const auth = ctx.req.headers.authorization ?? "";
    if (auth !== `Bearer ${this.options.token}`) {
      return fail(
        401,
        10000,
        "Authentication error: the stand-in expects `Authorization: Bearer <CLOUDFLARE_API_TOKEN>` with the token it was started with",
      );
    }
    const faultIndex = this.faults.findIndex(
      (f) => f.remaining > 0 && (f.method === undefined || f.method === ctx.method) && f.pattern.test(path),
    );
    const fault = faultIndex >= 0 ? this.faults[faultIndex] : undefined;
    if (fault !== undefined) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.splice(faultIndex, 1);
      return {
        status: fault.status,
        ...(fault.headers === undefined ? {} : { headers: fault.headers }),
        ...(fault.hang ? { hang: true } : {}),
        body: fault.body ?? {
          success: false,
          errors: [
            { code: 10013, message: `standin: injected fault (${fault.status}) for ${ctx.method} ${path}` },
          ],
          messages: [],
          result: null,
        },
      };
    }
    const account = /^\/accounts\/([^/]+)(\/.*)?$/.exec(path);
    if (account !== null && account[1] !== this.options.accountId) {
      return fail(
        403,
        9109,
        `Unauthorized to access requested resource: account ${account[1]} is not the stand-in's account`,
      );
    }
    for (const route of this.routes) {
      if (route.method !== ctx.method) continue;
      const match = route.pattern.exec(path);
      if (match === null) continue;
      return await route.handler({ ...ctx, params: match.slice(1).map((p) => decodeURIComponent(p ?? "")) });
    }
    this.options.log?.(`[standin] 404 ${ctx.method} ${path}${ctx.url.search}`);
    return fail(
      404,
      7003,
      `Could not route to ${path}, perhaps your object identifier is invalid? (stand-in: not implemented)`,
    );
  }

  private route(method: string, template: string, handler: Handler): void {
    // :acct is the account segment; other :names capture one path segment
    const source = template
      .split("/")
      .map((segment) =>
        segment.startsWith(":") ? "([^/]+)" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
      )
      .join("/");
    this.routes.push({ method, pattern: new RegExp(`^${source}/?$`), handler });
  }

  // ---------------------------------------------------------------- workers

  private serviceResult(script: Script): Record<string, unknown> {
    return {
      id: script.name,
      default_environment: {
        environment: "production",
        created_on: script.createdOn,
        modified_on: script.modifiedOn,
        script: this.scriptResult(script),
      },
      created_on: script.createdOn,
      modified_on: script.modifiedOn,
    };
  }

  private scriptResult(script: Script): Record<string, unknown> {
    return {
      id: script.name,
      tag: script.tag,
      etag: script.tag,
      handlers: ["fetch"],
      named_handlers: [],
      created_on: script.createdOn,
      modified_on: script.modifiedOn,
      usage_model: "standard",
      compatibility_date: asString(this.currentVersion(script)?.metadata.compatibility_date),
      last_deployed_from: "wrangler",
      has_assets: false,
      has_modules: true,
      tags: script.tags,
      migration_tag: script.migrationTag,
    };
  }

  private currentVersion(script: Script): ScriptVersion | undefined {
    return script.versions.find((v) => v.id === script.currentVersionId);
  }

  private versionResult(script: Script, version: ScriptVersion): Record<string, unknown> {
    return {
      id: version.id,
      number: version.number,
      metadata: {
        author_email: "standin@example.invalid",
        author_id: "standin",
        created_on: version.createdOn,
        modified_on: version.createdOn,
        source: "wrangler",
        has_preview: false,
      },
      annotations: { "workers/triggered_by": "upload" },
      resources: {
        script: { etag: script.tag, handlers: ["fetch"], last_deployed_from: "wrangler" },
        script_runtime: {
          compatibility_date: asString(version.metadata.compatibility_date),
          compatibility_flags: asStringArray(version.metadata.compatibility_flags),
          usage_model: "standard",
        },
        bindings: version.bindings.map((b) => this.publicBinding(b)),
      },
    };
  }

  /** a binding as the API shows it: secret text never leaves the stand-in */
  private publicBinding(binding: Binding): Binding {
    if (binding.type === "secret_text" || binding.type === "secret_key") {
      return { type: binding.type, name: binding.name };
    }
    return binding;
  }

  private deploymentsResult(script: Script): Record<string, unknown> {
    return {
      deployments: [
        {
          id: `${script.currentVersionId}-deployment`,
          source: "wrangler",
          strategy: "percentage",
          author_email: "standin@example.invalid",
          created_on: script.modifiedOn,
          versions: [{ version_id: script.currentVersionId, percentage: 100 }],
          annotations: { "workers/triggered_by": "upload" },
        },
      ],
    };
  }

  private async uploadScript(ctx: Ctx, name: string): Promise<Reply> {
    const raw = await ctx.body();
    const headers = new Headers();
    for (const [key, value] of Object.entries(ctx.req.headers)) {
      if (typeof value === "string") headers.set(key, value);
    }
    const form = await new Request("http://standin/upload", { method: "PUT", headers, body: raw }).formData();
    const metadataPart = form.get("metadata");
    const metadataText =
      typeof metadataPart === "string"
        ? metadataPart
        : metadataPart === null
          ? "{}"
          : await metadataPart.text();
    const parsed: unknown = JSON.parse(metadataText);
    const metadata = isRecord(parsed) ? parsed : {};
    const previous = this.scripts.get(name);
    const incoming = (Array.isArray(metadata.bindings) ? metadata.bindings : []).filter(
      (b): b is Binding => isRecord(b) && typeof b.type === "string" && typeof b.name === "string",
    );
    const keep = new Set(asStringArray(metadata.keep_bindings));
    const bindings: Binding[] = [...incoming];
    if (previous !== undefined) {
      for (const old of previous.bindings) {
        if (keep.has(old.type) && !bindings.some((b) => b.name === old.name)) bindings.push(old);
      }
    }
    // Durable Object namespaces: one per (script, class), created on first use
    const migrations = metadata.migrations;
    const newClasses = new Set<string>();
    const deletedClasses = new Set<string>();
    const migrationSteps: unknown[] = isRecord(migrations)
      ? Array.isArray(migrations.steps)
        ? migrations.steps
        : [migrations]
      : [];
    for (const step of migrationSteps) {
      if (!isRecord(step)) continue;
      for (const c of [...asStringArray(step.new_classes), ...asStringArray(step.new_sqlite_classes)])
        newClasses.add(c);
      for (const c of asStringArray(step.deleted_classes)) deletedClasses.add(c);
    }
    const sqliteClasses = new Set<string>();
    for (const step of migrationSteps) {
      if (isRecord(step)) for (const c of asStringArray(step.new_sqlite_classes)) sqliteClasses.add(c);
    }
    const exportsMeta = metadata.exports;
    if (isRecord(exportsMeta)) {
      for (const [cls, value] of Object.entries(exportsMeta)) {
        if (isRecord(value) && value.type === "durable-object") {
          newClasses.add(cls);
          if (value.storage === "sqlite") sqliteClasses.add(cls);
        }
      }
    }
    for (const binding of bindings) {
      if (binding.type !== "durable_object_namespace") continue;
      const scriptName = asString(binding.script_name) ?? name;
      const cls = asString(binding.class_name);
      if (scriptName === name && cls !== undefined) newClasses.add(cls);
    }
    for (const cls of deletedClasses) {
      for (const [id, ns] of this.namespaces)
        if (ns.script === name && ns.class === cls) this.namespaces.delete(id);
    }
    for (const cls of newClasses) {
      if (deletedClasses.has(cls)) continue;
      const existing = [...this.namespaces.values()].find((ns) => ns.script === name && ns.class === cls);
      if (existing === undefined) {
        const id = hex(16);
        this.namespaces.set(id, {
          id,
          name: `${name}_${cls}`,
          script: name,
          class: cls,
          use_sqlite: sqliteClasses.has(cls),
        });
      }
    }
    const resolvedBindings = bindings.map((binding) => {
      if (binding.type !== "durable_object_namespace") return binding;
      const scriptName = asString(binding.script_name) ?? name;
      const ns = [...this.namespaces.values()].find(
        (n) => n.script === scriptName && n.class === asString(binding.class_name),
      );
      return ns === undefined ? binding : { ...binding, namespace_id: ns.id };
    });
    const versionId = randomUUID();
    const timestamp = now();
    const storedMetadata: Record<string, unknown> = {
      ...metadata,
      bindings: resolvedBindings.map((b) => this.publicBinding(b)),
    };
    const version: ScriptVersion = {
      id: versionId,
      number: (previous?.versions.length ?? 0) + 1,
      createdOn: timestamp,
      bindings: resolvedBindings,
      metadata: storedMetadata,
      mainModule: asString(metadata.main_module),
    };
    const lastTag = isRecord(migrations) ? asString(migrations.new_tag) : undefined;
    const script: Script = previous ?? {
      name,
      tag: hex(16),
      createdOn: timestamp,
      modifiedOn: timestamp,
      versions: [],
      currentVersionId: versionId,
      bindings: [],
      subdomainEnabled: false,
      previewsEnabled: false,
      migrationTag: undefined,
      tags: [],
    };
    script.versions.push(version);
    script.currentVersionId = versionId;
    script.bindings = resolvedBindings;
    script.modifiedOn = timestamp;
    script.tag = hex(16);
    if (lastTag !== undefined) script.migrationTag = lastTag;
    if (Array.isArray(metadata.tags)) script.tags = asStringArray(metadata.tags);
    this.scripts.set(name, script);
    return ok({
      ...this.scriptResult(script),
      id: name,
      deployment_id: versionId.replaceAll("-", ""),
      startup_time_ms: 1,
      entry_point: version.mainModule,
    });
  }

  /** a new, fully deployed version of the script with these bindings (same code and metadata) */
  private commitVersion(script: Script, bindings: Binding[]): void {
    const previous = this.currentVersion(script);
    const version: ScriptVersion = {
      id: randomUUID(),
      number: script.versions.length + 1,
      createdOn: now(),
      bindings,
      metadata: { ...(previous?.metadata ?? {}), bindings: bindings.map((b) => this.publicBinding(b)) },
      mainModule: previous?.mainModule,
    };
    script.versions.push(version);
    script.currentVersionId = version.id;
    script.bindings = bindings;
    script.modifiedOn = version.createdOn;
  }

  private deleteScript(name: string): Reply {
    const script = this.scripts.get(name);
    if (script === undefined)
      return fail(404, 10007, `This Worker does not exist on your account. (${name})`);
    this.scripts.delete(name);
    for (const [id, ns] of this.namespaces) if (ns.script === name) this.namespaces.delete(id);
    return ok(null);
  }

  private requireScript(name: string): Script | Reply {
    const script = this.scripts.get(name);
    if (script === undefined) {
      return fail(
        404,
        10007,
        `This Worker does not exist on your account. (workers.api.error.script_not_found: ${name})`,
      );
    }
    return script;
  }

  // ------------------------------------------------------------- containers

  private applicationResult(app: Application): Application {
    return { ...app };
  }

  private defineRoutes(): void {
    const a = "/accounts/:acct";
    const isReply = (value: Script | Reply): value is Reply => "status" in value && "body" in value;

    this.route("GET", "/user/tokens/verify", () => ok({ id: hex(16), status: "active" }));
    this.route("GET", "/user", () =>
      ok({ id: hex(16), email: "standin@example.invalid", first_name: "Stand", last_name: "In" }),
    );
    this.route("GET", "/accounts", () => ok([{ id: this.options.accountId, name: "Stand-in account" }]));
    this.route("GET", "/memberships", () =>
      ok([{ id: hex(16), account: { id: this.options.accountId, name: "Stand-in account" } }]),
    );
    this.route("GET", `${a}`, () => ok({ id: this.options.accountId, name: "Stand-in account" }));

    // account workers.dev subdomain
    this.route("GET", `${a}/workers/subdomain`, () => ok({ subdomain: this.options.subdomain }));
    this.route("GET", `${a}/workers/account-settings`, () =>
      ok({ default_usage_model: "standard", green_compute: false }),
    );

    // services (script existence checks, delete)
    this.route("GET", `${a}/workers/services/:name`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      return isReply(script) ? script : ok(this.serviceResult(script));
    });
    this.route("DELETE", `${a}/workers/services/:name`, (ctx) => this.deleteScript(ctx.params[1] ?? ""));
    this.route("DELETE", `${a}/workers/scripts/:name`, (ctx) => this.deleteScript(ctx.params[1] ?? ""));

    // scripts
    this.route("GET", `${a}/workers/scripts`, () =>
      ok([...this.scripts.values()].map((s) => this.scriptResult(s))),
    );
    this.route("PUT", `${a}/workers/scripts/:name`, (ctx) => this.uploadScript(ctx, ctx.params[1] ?? ""));
    this.route("GET", `${a}/workers/scripts/:name/settings`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      return ok({
        bindings: script.bindings.map((b) => this.publicBinding(b)),
        compatibility_date: asString(this.currentVersion(script)?.metadata.compatibility_date),
        compatibility_flags: asStringArray(this.currentVersion(script)?.metadata.compatibility_flags),
        logpush: false,
        observability: { enabled: false },
        placement: {},
        tags: script.tags,
        tail_consumers: [],
        usage_model: "standard",
      });
    });
    const scriptSettings = (ctx: Ctx): Reply => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      return ok({ logpush: false, observability: { enabled: false }, tags: script.tags, tail_consumers: [] });
    };
    this.route("GET", `${a}/workers/scripts/:name/script-settings`, scriptSettings);
    this.route("PATCH", `${a}/workers/scripts/:name/script-settings`, async (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      const body = await ctx.json();
      if (Array.isArray(body.tags)) script.tags = asStringArray(body.tags);
      return scriptSettings(ctx);
    });
    this.route("GET", `${a}/workers/scripts/:name/secrets`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      return ok(
        script.bindings
          .filter((b) => b.type === "secret_text" || b.type === "secret_key")
          .map((b) => ({ name: b.name, type: b.type })),
      );
    });
    // `wrangler secret put|delete`: each change is a new version, deployed at once
    this.route("PUT", `${a}/workers/scripts/:name/secrets`, async (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      const body = await ctx.json();
      const name = asString(body.name);
      if (name === undefined) return fail(400, 10021, "secret name is required");
      const type = asString(body.type) ?? "secret_text";
      const binding: Binding = { type, name, text: asString(body.text) ?? "" };
      this.commitVersion(script, [...script.bindings.filter((b) => b.name !== name), binding]);
      return ok({ name, type });
    });
    // `wrangler secret bulk`: {"secrets": {"NAME": {name, text, type} | null}}
    this.route("PATCH", `${a}/workers/scripts/:name/secrets-bulk`, async (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      const body = await ctx.json();
      const secrets = isRecord(body.secrets) ? body.secrets : {};
      let bindings = [...script.bindings];
      for (const [name, value] of Object.entries(secrets)) {
        bindings = bindings.filter((b) => b.name !== name);
        if (isRecord(value)) {
          bindings.push({
            type: asString(value.type) ?? "secret_text",
            name,
            text: asString(value.text) ?? "",
          });
        }
      }
      this.commitVersion(script, bindings);
      return ok(
        bindings
          .filter((b) => b.type === "secret_text" || b.type === "secret_key")
          .map((b) => ({ name: b.name, type: b.type })),
      );
    });
    this.route("GET", `${a}/workers/scripts/:name/secrets/:secret`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      const found = script.bindings.find(
        (b) => b.name === ctx.params[2] && (b.type === "secret_text" || b.type === "secret_key"),
      );
      return found === undefined
        ? fail(404, 10056, "secret not found")
        : ok({ name: found.name, type: found.type });
    });
    this.route("DELETE", `${a}/workers/scripts/:name/secrets/:secret`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      const name = ctx.params[2] ?? "";
      if (
        !script.bindings.some((b) => b.name === name && (b.type === "secret_text" || b.type === "secret_key"))
      ) {
        return fail(404, 10056, "secret not found");
      }
      this.commitVersion(
        script,
        script.bindings.filter((b) => b.name !== name),
      );
      return ok(null);
    });
    this.route("GET", `${a}/workers/scripts/:name/deployments`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      return isReply(script) ? script : ok(this.deploymentsResult(script));
    });
    this.route("GET", `${a}/workers/scripts/:name/versions`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      return ok({ items: [...script.versions].reverse().map((v) => this.versionResult(script, v)) });
    });
    this.route("GET", `${a}/workers/scripts/:name/versions/:version`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      const version = script.versions.find(
        (v) => v.id === ctx.params[2] || v.id.replaceAll("-", "") === ctx.params[2],
      );
      if (version === undefined) return fail(404, 10217, `Version ${ctx.params[2]} not found`);
      return ok(this.versionResult(script, version));
    });
    this.route("GET", `${a}/workers/scripts/:name/subdomain`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      return ok({ enabled: script.subdomainEnabled, previews_enabled: script.previewsEnabled });
    });
    this.route("POST", `${a}/workers/scripts/:name/subdomain`, async (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      const body = await ctx.json();
      if (typeof body.enabled === "boolean") script.subdomainEnabled = body.enabled;
      if (typeof body.previews_enabled === "boolean") script.previewsEnabled = body.previews_enabled;
      return ok({ enabled: script.subdomainEnabled, previews_enabled: script.previewsEnabled });
    });
    const workerResult = (script: Script): Record<string, unknown> => ({
      id: script.tag,
      name: script.name,
      created_on: script.createdOn,
      updated_on: script.modifiedOn,
      logpush: false,
      observability: { enabled: false },
      subdomain: { enabled: script.subdomainEnabled, previews_enabled: script.previewsEnabled },
      tags: script.tags,
      tail_consumers: [],
      previews_base_config: {},
    });
    this.route("GET", `${a}/workers/workers/:name`, (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      return isReply(script) ? script : ok(workerResult(script));
    });
    this.route("PATCH", `${a}/workers/workers/:name`, async (ctx) => {
      const script = this.requireScript(ctx.params[1] ?? "");
      if (isReply(script)) return script;
      const body = await ctx.json();
      if (isRecord(body.subdomain)) {
        if (typeof body.subdomain.enabled === "boolean") script.subdomainEnabled = body.subdomain.enabled;
        if (typeof body.subdomain.previews_enabled === "boolean") {
          script.previewsEnabled = body.subdomain.previews_enabled;
        }
      }
      return ok(workerResult(script));
    });
    this.route("GET", `${a}/workers/scripts/:name/schedules`, () => ok({ schedules: [] }));
    this.route("PUT", `${a}/workers/scripts/:name/schedules`, () => ok({ schedules: [] }));
    this.route("GET", `${a}/workers/scripts/:name/routes`, () => ok([]));
    this.route("GET", `${a}/workers/domains`, () => ok([]));
    // `wrangler delete` looks for the Worker's Workers Sites KV namespaces
    this.route("GET", `${a}/storage/kv/namespaces`, () =>
      ok([], { result_info: { page: 1, per_page: 100, count: 0, total_count: 0 } }),
    );
    this.route("GET", `${a}/workers/durable_objects/namespaces`, () =>
      ok([...this.namespaces.values()], {
        result_info: {
          page: 1,
          per_page: 1000,
          count: this.namespaces.size,
          total_count: this.namespaces.size,
        },
      }),
    );

    // containers
    const c = `${a}/containers`;
    this.route("GET", `${c}/me`, () =>
      ok({
        external_account_id: this.options.accountId,
        legacy_identity: this.options.accountId,
        limits: {
          account_id: this.options.accountId,
          vcpu_per_deployment: 4,
          memory_mib_per_deployment: 12288,
          memory_per_deployment: "12GB",
          disk_per_deployment: "20GB",
          disk_mb_per_deployment: 20000,
          total_vcpu: 1000,
          total_memory_mib: 4_000_000,
          node_group: "metal",
          ipv4s: 0,
          network_modes: ["public", "private"],
          total_disk_mb: 20_000_000,
          total_memory: "4000GB",
        },
        locations: [],
        defaults: { vcpus: 0.0625, memory: "256MB", memory_mib: 256, disk_mb: 2000 },
      }),
    );
    this.route("POST", `${c}/registries/:domain/credentials`, async (ctx) => {
      const body = await ctx.json();
      const password = hex(24);
      this.credentials.add(password);
      return ok({
        account_id: this.options.accountId,
        registry_host: ctx.params[1],
        username: "v1",
        password,
        permissions: asStringArray(body.permissions),
        expiration_minutes: typeof body.expiration_minutes === "number" ? body.expiration_minutes : 15,
      });
    });
    this.route("GET", `${c}/registries`, () => ok([]));
    this.route("GET", `${c}/applications`, (ctx) => {
      const name = ctx.url.searchParams.get("name");
      const apps = [...this.applications.values()]
        .filter((app) => name === null || app.name === name)
        .sort((x, y) => x.created_at.localeCompare(y.created_at))
        .map((app) => this.applicationResult(app));
      return ok(apps);
    });
    this.route("POST", `${c}/applications`, async (ctx) => {
      const body = await ctx.json();
      const name = asString(body.name);
      if (name === undefined) return fail(400, 1000, "name is required");
      if ([...this.applications.values()].some((app) => app.name === name)) {
        return {
          status: 409,
          body: {
            success: false,
            errors: [{ code: 1000, message: "application already exists" }],
            error: "APPLICATION_ALREADY_EXISTS",
          },
        };
      }
      const configuration = isRecord(body.configuration) ? body.configuration : {};
      const image = asString(configuration.image);
      if (image === undefined) return fail(400, 1000, "configuration.image is required");
      const timestamp = now();
      const app: Application = {
        ...body,
        id: randomUUID(),
        name,
        account_id: this.options.accountId,
        created_at: timestamp,
        updated_at: timestamp,
        version: 1,
        instances: typeof body.instances === "number" ? body.instances : 0,
        max_instances: typeof body.max_instances === "number" ? body.max_instances : 20,
        scheduling_policy: asString(body.scheduling_policy) ?? "default",
        configuration: { ...configuration, image },
        health: { instances: { active: 0, healthy: 0, failed: 0, starting: 0, scheduling: 0 } },
      };
      const ns = isRecord(body.durable_objects) ? asString(body.durable_objects.namespace_id) : undefined;
      if (ns !== undefined) app.durable_objects = { namespace_id: ns };
      this.applications.set(app.id, app);
      this.rollouts.set(app.id, []);
      this.workerOfApplication(app);
      return ok(this.applicationResult(app));
    });
    const requireApp = (id: string): Application | Reply => {
      const app = this.applications.get(id);
      if (app === undefined) {
        return {
          status: 404,
          body: {
            success: false,
            errors: [{ code: 1000, message: "APPLICATION_NOT_FOUND" }],
            error: "APPLICATION_NOT_FOUND",
          },
        };
      }
      return app;
    };
    const isAppReply = (value: Application | Reply): value is Reply =>
      "status" in value && "body" in value && !("id" in value);
    this.route("GET", `${c}/applications/:id`, (ctx) => {
      const app = requireApp(ctx.params[1] ?? "");
      return isAppReply(app) ? app : ok(this.applicationResult(app));
    });
    this.route("PATCH", `${c}/applications/:id`, async (ctx) => {
      const app = requireApp(ctx.params[1] ?? "");
      if (isAppReply(app)) return app;
      const body = await ctx.json();
      const merged = mergeDeep(app, body) as Application;
      merged.version = app.version + 1;
      merged.updated_at = now();
      merged.id = app.id;
      this.applications.set(app.id, merged);
      this.workerOfApplication(merged);
      return ok(this.applicationResult(merged));
    });
    this.route("DELETE", `${c}/applications/:id`, (ctx) => {
      const app = requireApp(ctx.params[1] ?? "");
      if (isAppReply(app)) return app;
      this.applications.delete(app.id);
      this.rollouts.delete(app.id);
      this.appWorkers.delete(app.id);
      return ok({});
    });
    this.route("GET", `${c}/applications/:id/rollouts`, (ctx) => {
      const app = requireApp(ctx.params[1] ?? "");
      if (isAppReply(app)) return app;
      return ok(this.rollouts.get(app.id) ?? []);
    });
    this.route("GET", `${c}/applications/:id/rollouts/:rollout`, (ctx) => {
      const app = requireApp(ctx.params[1] ?? "");
      if (isAppReply(app)) return app;
      const rollout = (this.rollouts.get(app.id) ?? []).find((r) => r.id === ctx.params[2]);
      return rollout === undefined ? fail(404, 1000, "ROLLOUT_NOT_FOUND") : ok(rollout);
    });
    this.route("POST", `${c}/applications/:id/rollouts`, async (ctx) => {
      const app = requireApp(ctx.params[1] ?? "");
      if (isAppReply(app)) return app;
      const body = await ctx.json();
      const steps = Array.isArray(body.steps) ? body.steps : [];
      const list = this.rollouts.get(app.id) ?? [];
      for (const previous of list) if (previous.status !== "completed") previous.status = "replaced";
      const timestamp = now();
      const rollout: Rollout = {
        id: randomUUID(),
        created_at: timestamp,
        last_updated_at: timestamp,
        description: asString(body.description) ?? "",
        status: "completed",
        kind: asString(body.kind) ?? "full_auto",
        strategy: asString(body.strategy) ?? "rolling",
        current_version: Math.max(1, app.version - 1),
        target_version: app.version,
        steps,
        target_configuration: body.target_configuration ?? app.configuration,
        progress: {
          total_steps: steps.length,
          current_step: steps.length,
          updated_instances: 0,
          total_instances: 0,
        },
      };
      list.push(rollout);
      this.rollouts.set(app.id, list);
      if (isRecord(body.target_configuration)) {
        app.configuration = {
          ...app.configuration,
          ...body.target_configuration,
        } as Application["configuration"];
      }
      app.active_rollout_id = undefined;
      return ok(rollout);
    });
    this.route("GET", `${c}/applications/:id/instances`, () => ok({ instances: [] }));
    // `wrangler containers list` reads the dashboard summary endpoint
    this.route("GET", `${c}/dash/applications`, (ctx) => {
      const apps = [...this.applications.values()].sort((x, y) => x.created_at.localeCompare(y.created_at));
      const perPage = Number(ctx.url.searchParams.get("per_page") ?? "") || 25;
      return ok(
        apps.map((app) => ({
          id: app.id,
          name: app.name,
          created_at: app.created_at,
          updated_at: app.updated_at,
          version: app.version,
          instances: app.instances,
          max_instances: app.max_instances,
          image: app.configuration.image,
          health: app.health,
          durable_objects: app.durable_objects,
        })),
        { result_info: { per_page: perPage, count: apps.length } },
      );
    });
    this.route("GET", `${c}/dash/applications/:id/instances`, (ctx) => {
      const app = requireApp(ctx.params[1] ?? "");
      if (isAppReply(app)) return app;
      return ok({ instances: [], durable_objects: [] }, { result_info: { per_page: 25, count: 0 } });
    });
  }
}
