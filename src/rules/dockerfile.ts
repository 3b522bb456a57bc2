import type { Arg, Env, Instruction } from "dockerfile-ast";
import type { DockerfileSource, Project } from "../project/load.js";
import { isRecord } from "../project/wrangler-config.js";
import { finding, type Rule } from "./rule.js";
import { dockerModelOf, startOf } from "./support/class-config.js";
import {
  excerpt,
  expandVars,
  fromImage,
  globalLookup,
  instructionPos,
  rangePos,
  rootImage,
  type Stage,
  type StartInstruction,
  splitShell,
  stageChain,
} from "./support/dockerfile-model.js";
import { limitPerFile } from "./support/limit.js";
import {
  basename,
  isLoopback,
  SERVER_DEFAULTS,
  type ServerInfo,
  type Token,
} from "./support/server-command.js";

const KNOWN_INSTRUCTIONS = new Set([
  "ADD",
  "ARG",
  "CMD",
  "COPY",
  "ENTRYPOINT",
  "ENV",
  "EXPOSE",
  "FROM",
  "HEALTHCHECK",
  "LABEL",
  "MAINTAINER",
  "ONBUILD",
  "RUN",
  "SHELL",
  "STOPSIGNAL",
  "USER",
  "VOLUME",
  "WORKDIR",
]);

/** Build args every build gets: the action always passes DEPLOY_SHA. */
function buildArgsFor(project: Project, source: DockerfileSource): Record<string, string> {
  const args: Record<string, string> = { DEPLOY_SHA: "0000000000000000000000000000000000000000" };
  for (const index of source.containers) {
    const spec = project.containers[index];
    if (spec) Object.assign(args, spec.imageVars);
  }
  return args;
}

/** An exec-form rewrite of a shell-form start command, when it is one simple command. */
function execForm(s: StartInstruction): string {
  const commands = splitShell(s.shellText);
  const first = commands[0];
  if (commands.length === 1 && first) {
    const argv = first[0] === "exec" ? first.slice(1) : first;
    return `${s.keyword} ${JSON.stringify(argv).replace(/","/g, '", "')}`;
  }
  return `${s.keyword} ["/path/to/start-script"] (a script that ends with \`exec <server>\`)`;
}

function startText(s: StartInstruction): string {
  return `${s.keyword} ${excerpt(s.form === "exec" ? JSON.stringify(s.argv) : s.shellText, 70)}`;
}

export const dockerfileParse: Rule = {
  id: "dockerfile-parse",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const model = dockerModelOf(source);
      const f = source.path;
      if (model.stages.length === 0) {
        yield finding(
          this.id,
          "error",
          f,
          1,
          `${f} has no FROM instruction, so Docker cannot build it.`,
          "Start the Dockerfile with a base image, e.g. `FROM --platform=linux/amd64 python:3.12-slim`.",
        );
      }
      for (const inst of source.ast.getInstructions()) {
        const keyword = inst.getKeyword();
        const at = instructionPos(inst);
        if (!KNOWN_INSTRUCTIONS.has(keyword)) {
          yield finding(
            this.id,
            "error",
            f,
            at,
            `Unknown instruction \`${excerpt(inst.getInstruction(), 30)}\` at line ${at.line}; Docker stops with "unknown instruction".`,
            "Fix the spelling, or join a wrapped line to the previous one with a trailing backslash.",
          );
          continue;
        }
        const args = keyword === "FROM" || keyword === "COPY" || keyword === "ADD" ? inst.getArguments() : [];
        if (keyword === "FROM" && args.length === 0) {
          yield finding(
            this.id,
            "error",
            f,
            at,
            `FROM at line ${at.line} names no base image.`,
            "Write `FROM <image>:<tag>`.",
          );
        }
        if ((keyword === "COPY" || keyword === "ADD") && args.length < 2) {
          yield finding(
            this.id,
            "error",
            f,
            at,
            `\`${excerpt(inst.getTextContent(), 60)}\` needs a source and a destination.`,
            `Write \`${keyword} <source>... <destination>\`.`,
          );
        }
        if (keyword === "CMD" || keyword === "ENTRYPOINT") {
          const raw = (inst.getArgumentsContent() ?? "").trim();
          if (raw.startsWith("[") && !isJsonArray(raw)) {
            yield finding(
              this.id,
              "error",
              f,
              at,
              `${keyword} at line ${at.line} looks like exec (JSON) form but is not valid JSON: \`${excerpt(raw, 60)}\`. Docker then runs the text through /bin/sh literally and the container fails to start.`,
              'Use double quotes and commas: `CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]`.',
            );
          }
        }
      }
      for (const inst of model.preamble) {
        const keyword = inst.getKeyword();
        if (keyword === "ARG" || !KNOWN_INSTRUCTIONS.has(keyword)) continue;
        const at = instructionPos(inst);
        yield finding(
          this.id,
          "error",
          f,
          at,
          `${keyword} at line ${at.line} comes before the first FROM; only ARG may precede FROM.`,
          "Move it below a FROM line.",
        );
      }
    }
  },
};

function isJsonArray(raw: string): boolean {
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) && v.every((x) => typeof x === "string");
  } catch {
    return false;
  }
}

/** The stage in the chain whose `--platform` applies to the final image, if any. */
function platformStage(chain: Stage[]): Stage | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const s = chain[i];
    if (s?.from.getPlatformFlag()) return s;
  }
  return undefined;
}

export const dockerfilePlatformNonAmd64: Rule = {
  id: "dockerfile-platform-non-amd64",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const model = dockerModelOf(source);
      if (!model.final) continue;
      const stage = platformStage(stageChain(model.final));
      const flag = stage?.from.getPlatformFlag();
      if (!stage || !flag) continue;
      const raw = flag.getValue() ?? "";
      const at = rangePos(flag.getRange());
      if (/BUILDPLATFORM|BUILDARCH|BUILDOS/.test(raw)) {
        yield finding(
          this.id,
          "error",
          source.path,
          at,
          `The final image is built with \`--platform=${raw}\` (line ${at.line}): it takes the build machine's architecture, so a build on ARM produces an arm64 image; Cloudflare Containers run linux/amd64 only ("exec format error" at start).`,
          "Use `FROM --platform=linux/amd64 …` for the final stage (keep $BUILDPLATFORM for builder stages only).",
        );
        continue;
      }
      const e = expandVars(
        raw,
        globalLookup(model, buildArgsFor(project, source)),
        source.ast.getEscapeCharacter(),
      );
      if (e.unresolved.length > 0) continue;
      if (/^linux\/(amd64|x86_64|x86-64)(\/v[1-4])?$/i.test(e.value.trim())) continue;
      yield finding(
        this.id,
        "error",
        source.path,
        at,
        `The final image is pinned to \`--platform=${raw}\`${raw !== e.value ? ` (= ${e.value})` : ""} at line ${at.line}; Cloudflare Containers run linux/amd64 only, so the container fails with "exec format error".`,
        "Use `FROM --platform=linux/amd64 …` or drop the flag (wrangler and this action build for linux/amd64).",
      );
    }
  },
};

export const dockerfilePlatformMissing: Rule = {
  id: "dockerfile-platform-missing",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const model = dockerModelOf(source);
      if (!model.final) continue;
      if (platformStage(stageChain(model.final))) continue;
      const at = instructionPos(model.final.from);
      yield finding(
        this.id,
        "warning",
        source.path,
        at,
        `The final stage \`${excerpt(model.final.from.getTextContent(), 60)}\` (line ${at.line}) has no --platform; a plain \`docker build\` on an ARM machine (Apple Silicon, arm runners) produces an arm64 image.`,
        "Write `FROM --platform=linux/amd64 <image>` as the deployment guide prescribes.",
      );
    }
  },
};

export const dockerfileFromArgUnresolved: Rule = {
  id: "dockerfile-from-arg-unresolved",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const model = dockerModelOf(source);
      const buildArgs = buildArgsFor(project, source);
      for (const stage of model.stages) {
        if (stage.parent) continue;
        const raw = stage.from.getImage();
        if (!raw?.includes("$")) continue;
        const { unresolved } = fromImage(model, stage, buildArgs);
        if (unresolved.length === 0) continue;
        const names = [...new Set(unresolved)];
        const r = stage.from.getImageRange();
        const at = r ? rangePos(r) : instructionPos(stage.from);
        const declared = names.filter((n) => model.globalArgs.has(n));
        yield finding(
          this.id,
          "error",
          source.path,
          at,
          `FROM ${raw} (line ${at.line}) uses ${names.map((n) => `$${n}`).join(", ")}, which ${names.length > 1 ? "have" : "has"} no value: ${
            declared.length === names.length
              ? "its ARG before the first FROM has no default and the container's image_vars do not set it"
              : "no ARG before the first FROM declares it (build args and image_vars only reach FROM through such an ARG)"
          }, so the base image name is empty and the build fails.`,
          declared.length === names.length
            ? `Give it a default (\`ARG ${names[0]}=<image>\`) or set it in the container's \`image_vars\`.`
            : `Declare \`ARG ${names.find((n) => !declared.includes(n)) ?? names[0]}=<image>\` before the first FROM.`,
        );
      }
    }
  },
};

function isUnpinned(image: string): boolean {
  if (image.includes("@")) return false;
  const last = image.slice(image.lastIndexOf("/") + 1);
  const colon = last.indexOf(":");
  if (colon === -1) return true;
  return last.slice(colon + 1).toLowerCase() === "latest";
}

export const dockerfileBaseUnpinned: Rule = {
  id: "dockerfile-base-unpinned",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const model = dockerModelOf(source);
      const buildArgs = buildArgsFor(project, source);
      for (const stage of model.stages) {
        if (stage.parent) continue;
        const { image, unresolved } = fromImage(model, stage, buildArgs);
        if (!image || unresolved.length > 0 || image.toLowerCase() === "scratch") continue;
        if (!isUnpinned(image)) continue;
        const r = stage.from.getImageRange();
        const at = r ? rangePos(r) : instructionPos(stage.from);
        yield finding(
          this.id,
          "warning",
          source.path,
          at,
          `Base image \`${excerpt(image, 60)}\` (line ${at.line}) has no version tag (or uses :latest), so rebuilds can pull a different image.`,
          "Pin a tag such as `python:3.12-slim` (or a digest).",
        );
      }
    }
  },
};

const GENERIC_BASES =
  /^(docker\.io\/)?(library\/)?(python|node|debian|ubuntu|alpine|golang|rust|openjdk|eclipse-temurin|amazoncorretto|busybox|ruby|php|buildpack-deps|fedora|centos|rockylinux|almalinux|archlinux|oven\/bun|denoland\/deno|pypy)(:|@|$)|^scratch$|^(gcr\.io\/distroless|cgr\.dev\/chainguard)\//i;

export const dockerfileCmdMissing: Rule = {
  id: "dockerfile-cmd-missing",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const info = startOf(project, source);
      if (!info || info.overridden || info.start.cmd || info.start.entrypoint) continue;
      const final = info.model.final;
      if (!final) continue;
      const root = rootImage(info.chain) ?? "";
      const generic = GENERIC_BASES.test(root);
      const at = instructionPos(final.from);
      yield finding(
        this.id,
        generic ? "error" : "warning",
        source.path,
        at,
        generic
          ? `The final image (${excerpt(final.from.getTextContent(), 50)}, line ${at.line}) has no CMD or ENTRYPOINT, and its base \`${root}\` does not start a server: the container exits at once ("container exited with unexpected exit code").`
          : `The final image (${excerpt(final.from.getTextContent(), 50)}, line ${at.line}) has no CMD or ENTRYPOINT of its own; it relies on whatever \`${root}\` starts.`,
        'Add a start command, e.g. `CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]`.',
      );
    }
  },
};

function isScratchLike(root: string): boolean {
  if (root.toLowerCase() === "scratch") return true;
  return /^(gcr\.io\/distroless|cgr\.dev\/chainguard)\//i.test(root) && !/:debug/i.test(root);
}

function shellStarts(start: { cmd?: StartInstruction; entrypoint?: StartInstruction }): StartInstruction[] {
  const out: StartInstruction[] = [];
  const { cmd, entrypoint } = start;
  if (entrypoint && entrypoint.form === "shell" && !entrypoint.malformed) out.push(entrypoint);
  // A CMD after a shell-form ENTRYPOINT is ignored by Docker.
  if (cmd && cmd.form === "shell" && !cmd.malformed && !(entrypoint && entrypoint.form === "shell"))
    out.push(cmd);
  return out;
}

export const dockerfileShellFormOnScratch: Rule = {
  id: "dockerfile-shell-form-on-scratch",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const info = startOf(project, source);
      if (!info || info.overridden) continue;
      const root = rootImage(info.chain) ?? "";
      if (!isScratchLike(root)) continue;
      for (const s of shellStarts(info.start)) {
        const at = instructionPos(s.instruction);
        yield finding(
          this.id,
          "error",
          source.path,
          at,
          `\`${startText(s)}\` (line ${at.line}) is in shell form, which runs /bin/sh -c, but the image is based on \`${root}\` and has no /bin/sh: the container cannot start.`,
          `Use exec (JSON) form: \`${execForm(s)}\`.`,
        );
      }
    }
  },
};

export const dockerfileCmdShellForm: Rule = {
  id: "dockerfile-cmd-shell-form",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const info = startOf(project, source);
      if (!info || info.overridden) continue;
      if (isScratchLike(rootImage(info.chain) ?? "")) continue;
      for (const s of shellStarts(info.start)) {
        if (/^\s*exec\s/.test(s.shellText)) continue;
        const at = instructionPos(s.instruction);
        yield finding(
          this.id,
          "warning",
          source.path,
          at,
          `\`${startText(s)}\` (line ${at.line}) is in shell form: /bin/sh becomes PID 1 and may not pass SIGTERM on to the app when the container sleeps or is replaced (SIGKILL follows).`,
          `Use exec (JSON) form, e.g. \`${excerpt(execForm(s), 100)}\`, or prefix the command with \`exec\`.`,
        );
      }
    }
  },
};

function bindHint(server: ServerInfo, port: number): string {
  switch (server.server) {
    case "gunicorn":
    case "hypercorn":
      return `Bind all interfaces: \`-b 0.0.0.0:${port}\`.`;
    case "django":
      return `Use \`runserver 0.0.0.0:${port}\` (and a production server such as gunicorn).`;
    default:
      return `Add \`--host 0.0.0.0\` (e.g. \`${server.server === "uvicorn" ? "uvicorn app:app " : ""}--host 0.0.0.0 --port ${port}\`).`;
  }
}

export const dockerfileBindLoopback: Rule = {
  id: "dockerfile-bind-loopback",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const info = startOf(project, source);
      const server = info?.analysis.server;
      if (!server?.hosts || server.hosts.length === 0) continue;
      if (!server.hosts.every(isLoopback)) continue;
      const host = server.hosts[0] ?? "127.0.0.1";
      const at = instructionPos(server.hostAt.instruction);
      const port = server.ports?.[0] ?? SERVER_DEFAULTS[server.server].port;
      const what = server.hostExplicit
        ? `${server.server} is told to listen on ${host}`
        : `${server.server} is started without a host option and then listens on ${host} only`;
      yield finding(
        this.id,
        "error",
        source.path,
        at,
        `${what} (\`${startText(server.hostAt)}\`, line ${at.line}). The Worker reaches the container over its network interface, so requests fail ("The container is not listening in the TCP address …").`,
        bindHint(server, port),
      );
    }
  },
};

export const dockerfilePortMismatch: Rule = {
  id: "dockerfile-port-mismatch",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const info = startOf(project, source);
      const server = info?.analysis.server;
      if (!info || !server?.ports || server.ports.length === 0) continue;
      for (const cls of info.classes) {
        if (cls.defaultPort === undefined) continue;
        const wanted = new Set([cls.defaultPort, ...cls.requiredPorts]);
        if (server.ports.some((p) => wanted.has(p))) continue;
        const bound = server.ports.join(", ");
        const at = instructionPos(server.portAt.instruction);
        const where = project.worker ? ` (${project.worker.path}:${cls.defaultPortPosition?.line ?? 1})` : "";
        yield finding(
          this.id,
          "error",
          source.path,
          at,
          `${server.server} listens on port ${bound}${server.portExplicit ? "" : ` (its default)`} (\`${startText(server.portAt)}\`, line ${at.line}) but the Worker class ${cls.className} has defaultPort = ${cls.defaultPort}${where}; every request fails after the port wait.`,
          server.server === "gunicorn" || server.server === "hypercorn"
            ? `Bind \`-b 0.0.0.0:${cls.defaultPort}\` or set \`defaultPort = ${server.ports[0]}\`.`
            : `Start the server with \`--port ${cls.defaultPort}\` or set \`defaultPort = ${server.ports[0]}\` in ${cls.className}.`,
        );
      }
    }
  },
};

interface Exposed {
  ports: Set<number>;
  instructions: Instruction[];
  /** Some EXPOSE argument could not be read (variable without value). */
  unknown: boolean;
}

function exposedPorts(chain: Stage[]): Exposed {
  const out: Exposed = { ports: new Set(), instructions: [], unknown: false };
  const env = new Map<string, string>();
  for (const stage of chain) {
    const args = new Map<string, string>();
    for (const inst of stage.instructions) {
      const k = inst.getKeyword();
      if (k === "ENV") {
        for (const p of (inst as Env).getProperties()) {
          const v = p.getValue();
          if (v !== null) env.set(p.getName(), v);
        }
        continue;
      }
      if (k === "ARG") {
        const p = (inst as Arg).getProperty();
        const v = p?.getValue();
        if (p && v !== null && v !== undefined) args.set(p.getName(), v);
        continue;
      }
      if (k !== "EXPOSE") continue;
      out.instructions.push(inst);
      for (const arg of inst.getArguments()) {
        const e = expandVars(arg.getValue(), (n) => env.get(n) ?? args.get(n));
        if (e.unresolved.length > 0) {
          out.unknown = true;
          continue;
        }
        const m = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/(tcp|udp|sctp))?$/i.exec(e.value.trim());
        if (!m) {
          out.unknown = true;
          continue;
        }
        const lo = Number(m[1]);
        const hi = m[2] !== undefined ? Number(m[2]) : lo;
        if ((m[3] ?? "tcp").toLowerCase() !== "tcp") continue;
        if (hi - lo > 1000) {
          out.unknown = true;
          continue;
        }
        for (let p = lo; p <= hi; p++) out.ports.add(p);
      }
    }
  }
  return out;
}

export const dockerfileExposeMissing: Rule = {
  id: "dockerfile-expose-missing",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const model = dockerModelOf(source);
      if (!model.final) continue;
      const exposed = exposedPorts(stageChain(model.final));
      if (exposed.instructions.length > 0) continue;
      const at = instructionPos(model.final.from);
      const port =
        startOf(project, source)?.classes.find((c) => c.defaultPort !== undefined)?.defaultPort ?? 8000;
      yield finding(
        this.id,
        "warning",
        source.path,
        at,
        `The final image (line ${at.line}) EXPOSEs no port; \`wrangler dev\` refuses images that expose no ports (production ignores EXPOSE).`,
        `Add \`EXPOSE ${port}\`.`,
      );
    }
  },
};

export const dockerfileExposeMismatch: Rule = {
  id: "dockerfile-expose-mismatch",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const info = startOf(project, source);
      if (!info) continue;
      const exposed = exposedPorts(info.chain);
      const last = exposed.instructions[exposed.instructions.length - 1];
      if (!last || exposed.unknown) continue;
      const targets = info.classes.flatMap((c) =>
        c.defaultPort !== undefined ? [{ port: c.defaultPort, why: `defaultPort of ${c.className}` }] : [],
      );
      if (targets.length === 0) {
        const bound = info.analysis.server?.ports?.[0];
        if (bound !== undefined)
          targets.push({ port: bound, why: `the port ${info.analysis.server?.server} listens on` });
      }
      for (const t of targets) {
        if (exposed.ports.has(t.port)) continue;
        const at = instructionPos(last);
        yield finding(
          this.id,
          "warning",
          source.path,
          at,
          `\`${excerpt(last.getTextContent(), 50)}\` (line ${at.line}) does not expose ${t.port}, ${t.why}; local \`wrangler dev\` then fails with "container port not found".`,
          `Use \`EXPOSE ${t.port}\`.`,
        );
      }
    }
  },
};

const SECRET_WORDS = new Set([
  "SECRET",
  "SECRETS",
  "TOKEN",
  "PASSWORD",
  "PASSWD",
  "PWD",
  "APIKEY",
  "PASSPHRASE",
]);
const SECRET_PAIRS = [
  "API_KEY",
  "PRIVATE_KEY",
  "ACCESS_KEY",
  "SECRET_KEY",
  "DATABASE_URL",
  "AUTH_KEY",
  "CLIENT_SECRET",
];
const POINTER_SUFFIX = new Set([
  "FILE",
  "PATH",
  "DIR",
  "NAME",
  "LENGTH",
  "TYPE",
  "HEADER",
  "URL",
  "ENDPOINT",
  "TTL",
  "EXPIRY",
]);

/** Names like API_KEY, DB_PASSWORD, GITHUB_TOKEN (word-wise, so TOKENIZERS_PARALLELISM is not one). */
export function isSecretName(name: string): boolean {
  const words = name
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter(Boolean);
  if (words.length === 0) return false;
  const joined = `_${words.join("_")}_`;
  const last = words[words.length - 1] ?? "";
  if (joined.includes("_DATABASE_URL_")) return true;
  if (POINTER_SUFFIX.has(last)) return false;
  if (words.some((w) => SECRET_WORDS.has(w))) return true;
  return SECRET_PAIRS.some((p) => joined.includes(`_${p}_`));
}

function isLiteralValue(value: string | null): value is string {
  if (value === null) return false;
  const v = value.trim();
  if (v === "") return false;
  // Only a variable reference (`${X}`, `$X`): the value is not written in the Dockerfile.
  return !/^\$(\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)$/.test(v);
}

export const dockerfileSecretInArgEnv: Rule = {
  id: "dockerfile-secret-in-arg-env",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      for (const inst of source.ast.getInstructions()) {
        const k = inst.getKeyword();
        if (k !== "ENV" && k !== "ARG") continue;
        const props = k === "ENV" ? (inst as Env).getProperties() : [(inst as Arg).getProperty()];
        for (const p of props) {
          if (!p) continue;
          const name = p.getName();
          if (!isSecretName(name) || !isLiteralValue(p.getValue())) continue;
          const at = rangePos(p.getNameRange());
          yield finding(
            this.id,
            "error",
            source.path,
            at,
            `${k} ${name}=… (line ${at.line}) writes a secret-looking value into the image; anyone who can pull the image can read it from its layers.`,
            `Remove the value and pass it at run time: \`envVars = { ${name}: this.env.${name} }\` in the Container class plus \`wrangler secret put ${name}\` (or the action's \`secrets\` input).`,
          );
        }
      }
    }
  },
};

/** Sources of a COPY/ADD (exec or shell form), flags removed; the last word is the destination. */
function copySources(inst: Instruction): string[] {
  const raw = (inst.getArgumentsContent() ?? "").trim();
  const args = inst.getArguments().map((a) => a.getValue());
  const json = raw.startsWith("[") && isJsonArray(raw) ? (JSON.parse(raw) as string[]) : undefined;
  const words = json ?? args;
  return words.slice(0, -1);
}

function hasFlag(inst: Instruction, name: string): boolean {
  const flags = (inst as unknown as { getFlags?: () => { getName(): string }[] }).getFlags?.() ?? [];
  return flags.some((f) => f.getName().toLowerCase() === name);
}

export const dockerfileCopyOutsideContext: Rule = {
  id: "dockerfile-copy-outside-context",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const ctxName = source.context === "" ? "." : source.context;
      const listing = project.listing.get(ctxName);
      for (const inst of source.ast.getInstructions()) {
        const k = inst.getKeyword();
        if ((k !== "COPY" && k !== "ADD") || hasFlag(inst, "from")) continue;
        const sources = copySources(inst);
        if (sources.some((src) => src.startsWith("<<"))) continue;
        const at = instructionPos(inst);
        for (const src of sources) {
          if (src.includes("$") || /^[a-z][a-z0-9+.-]*:\/\//i.test(src) || src.startsWith("git@")) continue;
          const parts = src.split("/").filter((p) => p !== "" && p !== ".");
          let depth = 0;
          let escapes = false;
          for (const p of parts) {
            depth += p === ".." ? -1 : 1;
            if (depth < 0) escapes = true;
          }
          if (escapes) {
            yield finding(
              this.id,
              "error",
              source.path,
              at,
              `${k} ${src} (line ${at.line}) reaches outside the build context (${ctxName}); Docker cannot read files there and the build fails.`,
              "Move the file into the build context, or set `image_build_context` on the container to a folder that contains it.",
            );
            continue;
          }
          const first = parts[0];
          if (!listing || first === undefined || /[*?[\]\\]/.test(first) || listing.includes(first)) continue;
          yield finding(
            this.id,
            "error",
            source.path,
            at,
            `${k} ${src} (line ${at.line}): \`${first}\` is not in the build context (${ctxName}), so the build fails with "not found".`,
            "Fix the path (it is relative to the build context, not to the Dockerfile's WORKDIR) or add the file.",
          );
        }
      }
    }
  },
};

/** The start command's simple commands as words, each with the instruction it came from. */
function commandTexts(commands: Token[][]): { words: string[]; at: StartInstruction }[] {
  return commands.flatMap((c) => (c[0] ? [{ words: c.map((t) => t.text), at: c[0].at }] : []));
}

/** `words` contains `seq` as consecutive words (programs compared by basename). */
function hasSeq(words: readonly string[], ...seq: string[]): boolean {
  for (let i = 0; i + seq.length <= words.length; i++) {
    if (seq.every((s, j) => basename(words[i + j] ?? "") === s)) return true;
  }
  return false;
}

export const dockerfileDevServer: Rule = {
  id: "dockerfile-dev-server",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const start = startOf(project, source);
      if (!start) continue;
      for (const { words, at } of commandTexts(start.commands)) {
        let what: string | undefined;
        if (words.includes("--reload")) what = "--reload (file watching and a reloader process)";
        else if (hasSeq(words, "manage.py", "runserver") || hasSeq(words, "django-admin", "runserver")) {
          what = "Django's runserver";
        } else if (
          hasSeq(words, "flask", "run") &&
          (words.includes("--debug") || words.includes("--reload"))
        ) {
          what = "flask run --debug";
        } else if (hasSeq(words, "fastapi", "dev")) what = "fastapi dev";
        else if (
          hasSeq(words, "npm", "run", "dev") ||
          hasSeq(words, "next", "dev") ||
          hasSeq(words, "nodemon")
        ) {
          what = "a Node development server";
        }
        if (!what) continue;
        const pos = instructionPos(at.instruction);
        yield finding(
          this.id,
          "warning",
          source.path,
          pos,
          `The start command \`${startText(at)}\` (line ${pos.line}) runs ${what}: a development server in the production image is slower, uses more memory and restarts on file changes.`,
          "Run the production server: `uvicorn app:app --host 0.0.0.0 --port 8000` (no --reload) or gunicorn.",
        );
      }
    }
  },
};

export const dockerfileRuntimeInstall: Rule = {
  id: "dockerfile-runtime-install",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const start = startOf(project, source);
      if (!start) continue;
      for (const { words, at } of commandTexts(start.commands)) {
        const installs =
          hasSeq(words, "pip", "install") ||
          hasSeq(words, "pip3", "install") ||
          hasSeq(words, "uv", "sync") ||
          hasSeq(words, "uv", "pip", "install") ||
          hasSeq(words, "npm", "install") ||
          hasSeq(words, "npm", "ci") ||
          hasSeq(words, "yarn", "install") ||
          hasSeq(words, "poetry", "install") ||
          hasSeq(words, "apt-get", "install") ||
          hasSeq(words, "apt-get", "update");
        if (!installs) continue;
        const pos = instructionPos(at.instruction);
        yield finding(
          this.id,
          "warning",
          source.path,
          pos,
          `The start command \`${startText(at)}\` (line ${pos.line}) installs packages when the container starts: cold starts get slower than the Container class's 20 s port wait and need outbound internet.`,
          "Install at build time with a RUN instruction (e.g. `RUN pip install --no-cache-dir -r requirements.txt`).",
        );
        break;
      }
    }
  },
};

export const dockerfileHealthcheckUnused: Rule = {
  id: "dockerfile-healthcheck-unused",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const model = dockerModelOf(source);
      if (!model.final) continue;
      for (const stage of stageChain(model.final)) {
        for (const inst of stage.instructions) {
          if (inst.getKeyword() !== "HEALTHCHECK" || /^\s*none\b/i.test(inst.getArgumentsContent() ?? ""))
            continue;
          const pos = instructionPos(inst);
          yield finding(
            this.id,
            "info",
            source.path,
            pos,
            `HEALTHCHECK (line ${pos.line}) is not used by Cloudflare Containers; readiness is the Container class's port check.`,
            "Keep a cheap /api/health route for your own probes; tune `requiredPorts` / `pingEndpoint` in the class for readiness.",
          );
        }
      }
    }
  },
};

export const dockerfilePortEnvUnset: Rule = {
  id: "dockerfile-port-env-unset",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const start = startOf(project, source);
      if (!start || start.overridden || start.env("PORT") !== undefined) continue;
      for (const s of [start.start.entrypoint, start.start.cmd]) {
        if (!s) continue;
        const dashC = s.argv.findIndex((a) => /^-[a-z]*c$/.test(a));
        const text = s.form === "shell" ? s.shellText : (s.argv[dashC + 1] ?? "");
        if ((s.form === "exec" && dashC === -1) || !/\$(\{PORT\}|PORT\b)/.test(text)) continue;
        const pos = instructionPos(s.instruction);
        const port = start.classes.find((c) => c.defaultPort !== undefined)?.defaultPort ?? 8000;
        yield finding(
          this.id,
          "warning",
          source.path,
          pos,
          `\`${startText(s)}\` (line ${pos.line}) reads $PORT, but neither the Dockerfile (ENV PORT) nor the Container class (envVars) sets it, and Cloudflare does not inject PORT: it expands to nothing.`,
          `Add \`ENV PORT=${port}\` or \`envVars = { PORT: "${port}" }\` in the Container class.`,
        );
      }
    }
  },
};

/** Worker processes an instance type's memory holds comfortably (lite 256 MiB, basic 1 GiB). */
const MAX_WORKERS: Record<string, number> = { lite: 1, dev: 1, basic: 2 };

export const dockerfileWorkersVsMemory: Rule = {
  id: "dockerfile-workers-vs-memory",
  *check({ project }) {
    const containers = project.config?.get("containers");
    for (const source of project.dockerfiles) {
      const start = startOf(project, source);
      const server = start?.analysis.server;
      if (!start || !server) continue;
      const words = start.commands.flatMap((c) => c.map((t) => t.text));
      let workers: number | undefined;
      for (let i = 0; i < words.length; i++) {
        const w = words[i] ?? "";
        const eq = /^--workers=(\d+)$/.exec(w);
        if (eq) workers = Number(eq[1]);
        else if ((w === "--workers" || w === "-w") && /^\d+$/.test(words[i + 1] ?? ""))
          workers = Number(words[i + 1]);
      }
      const concurrency = start.env("WEB_CONCURRENCY");
      if (workers === undefined && concurrency !== undefined && /^\d+$/.test(concurrency))
        workers = Number(concurrency);
      if (workers === undefined) continue;
      for (const index of source.containers) {
        const entry = Array.isArray(containers) ? containers[index] : undefined;
        const type = isRecord(entry) ? (entry.instance_type ?? "lite") : "lite";
        if (typeof type !== "string") continue;
        const max = MAX_WORKERS[type];
        if (max === undefined || workers <= max) continue;
        const pos = instructionPos(server.token.at.instruction);
        yield finding(
          this.id,
          "warning",
          source.path,
          pos,
          `${server.server} starts ${workers} worker processes (line ${pos.line}) on instance_type "${type}" (${type === "basic" ? "1 GiB" : "256 MiB"}, no swap): the container is likely to be killed for running out of memory.`,
          `Use ${max} worker${max > 1 ? "s" : ""}, or a larger instance_type (e.g. "standard-1").`,
        );
      }
    }
  },
};

export const dockerfileBuildplatformNativeBinary: Rule = {
  id: "dockerfile-buildplatform-native-binary",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      const model = dockerModelOf(source);
      if (!model.final) continue;
      const finalChain = stageChain(model.final);
      const copiedFrom = new Set<string>();
      for (const stage of finalChain) {
        for (const inst of stage.instructions) {
          if (inst.getKeyword() !== "COPY") continue;
          const flags =
            (
              inst as unknown as { getFlags?: () => { getName(): string; getValue(): string | null }[] }
            ).getFlags?.() ?? [];
          for (const f of flags) {
            if (f.getName().toLowerCase() === "from" && f.getValue())
              copiedFrom.add((f.getValue() ?? "").toLowerCase());
          }
        }
      }
      for (const stage of model.stages) {
        if (finalChain.includes(stage) || !stage.name || !copiedFrom.has(stage.name)) continue;
        const platform = stage.from.getPlatformFlag();
        if (!platform || !/BUILDPLATFORM/.test(platform.getValue() ?? "")) continue;
        const text = stageChain(stage)
          .slice(-20)
          .flatMap((s) => s.instructions)
          .map((i) => i.getTextContent())
          .join("\n");
        if (
          /TARGETARCH|TARGETOS|TARGETPLATFORM|TARGETVARIANT|GOARCH=amd64|--target[= ]x86_64|x86_64-unknown-linux/.test(
            text,
          )
        ) {
          continue;
        }
        const pos = rangePos(platform.getRange());
        yield finding(
          this.id,
          "warning",
          source.path,
          pos,
          `Stage "${stage.name}" runs on --platform=${platform.getValue()} (line ${pos.line}) and the final image copies from it, but it never targets $TARGETARCH: on an ARM build machine its binaries are arm64 and fail with "exec format error" on Cloudflare (linux/amd64).`,
          "Cross-compile for the target (e.g. `ARG TARGETARCH` + `GOARCH=$TARGETARCH`), or drop `--platform=$BUILDPLATFORM` from that stage.",
        );
      }
    }
  },
};

export const dockerfileCopyDotenv: Rule = {
  id: "dockerfile-copy-dotenv",
  *check({ project }) {
    for (const source of project.dockerfiles) {
      // Secret env files of this build context that its .dockerignore does not exclude.
      const prefix = source.context === "" ? "" : `${source.context}/`;
      const secrets = project.secretEnvFiles
        .filter((f) => f.dockerIgnored[source.path] === false && f.path.startsWith(prefix))
        .map((f) => f.path.slice(prefix.length));
      if (secrets.length === 0) continue;
      for (const inst of source.ast.getInstructions()) {
        const k = inst.getKeyword();
        if ((k !== "COPY" && k !== "ADD") || hasFlag(inst, "from")) continue;
        const sources = copySources(inst);
        const whole = sources.some((src) => src === "." || src === "./" || src === "*" || src === "/");
        const named = secrets.filter((n) => sources.includes(n));
        if (!whole && named.length === 0) continue;
        const at = instructionPos(inst);
        const files = whole ? secrets : named;
        yield finding(
          this.id,
          "warning",
          source.path,
          at,
          `\`${excerpt(inst.getTextContent(), 50)}\` (line ${at.line}) copies ${files.join(", ")} into the image: local secrets end up in its layers.`,
          `Add ${files.join(", ")} to ${source.dockerignore?.path ?? ".dockerignore"} (e.g. \`.env*\` and \`.dev.vars\`).`,
        );
      }
    }
  },
};

export const dockerfileRules: Rule[] = [
  dockerfileParse,
  dockerfilePlatformNonAmd64,
  dockerfilePlatformMissing,
  dockerfileFromArgUnresolved,
  dockerfileBaseUnpinned,
  dockerfileCmdMissing,
  dockerfileCmdShellForm,
  dockerfileShellFormOnScratch,
  dockerfileBindLoopback,
  dockerfilePortMismatch,
  dockerfileExposeMissing,
  dockerfileExposeMismatch,
  dockerfileSecretInArgEnv,
  dockerfileCopyOutsideContext,
  dockerfileDevServer,
  dockerfileRuntimeInstall,
  dockerfileHealthcheckUnused,
  dockerfilePortEnvUnset,
  dockerfileWorkersVsMemory,
  dockerfileBuildplatformNativeBinary,
  dockerfileCopyDotenv,
].map((r) => limitPerFile(r));
