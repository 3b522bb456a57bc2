import { expandVars, type StartInstruction, splitShell } from "./dockerfile-model.js";

/** One word of the container's start command and the instruction that wrote it. */
export interface Token {
  text: string;
  at: StartInstruction;
  /** The word holds a variable that could not be resolved (or exec form, where `$X` is literal). */
  dynamic: boolean;
}

/**
 * The simple commands the container runs at start: ENTRYPOINT + CMD combined as Docker does,
 * shell text (shell form or `sh -c "…"`) split into commands, variables expanded from `env`.
 */
export function startCommands(
  start: { cmd?: StartInstruction; entrypoint?: StartInstruction },
  env: (name: string) => string | undefined,
): Token[][] {
  const fromShell = (text: string, at: StartInstruction): Token[][] =>
    splitShell(text).map((argv) =>
      argv.map((word) => {
        const e = expandVars(word, env);
        return { text: e.value, at, dynamic: e.unresolved.length > 0 };
      }),
    );
  const fromExec = (argv: string[], at: StartInstruction): Token[] =>
    argv.map((text) => ({ text, at, dynamic: text.includes("$") }));

  let argv: Token[];
  const { cmd, entrypoint } = start;
  if (entrypoint) {
    if (entrypoint.form === "shell") return fromShell(entrypoint.shellText, entrypoint);
    argv = fromExec(entrypoint.argv, entrypoint);
    if (cmd) {
      if (cmd.form === "exec") argv.push(...fromExec(cmd.argv, cmd));
      else argv.push(...fromExec(["/bin/sh", "-c", cmd.shellText], cmd));
    }
  } else if (cmd) {
    if (cmd.form === "shell") return fromShell(cmd.shellText, cmd);
    argv = fromExec(cmd.argv, cmd);
  } else return [];

  // ["sh", "-c", "text"] runs text through the shell.
  const first = argv[0];
  if (first && /^(sh|bash|ash|dash|zsh)$/.test(basename(first.text))) {
    const c = argv.findIndex((t, i) => i > 0 && /^-[a-z]*c[a-z]*$/.test(t.text));
    const script = c === -1 ? undefined : argv[c + 1];
    if (script) return fromShell(script.text, script.at);
  }
  return [argv];
}

export function basename(path: string): string {
  const i = path.lastIndexOf("/");
  return i === -1 ? path : path.slice(i + 1);
}

export type ServerName = "uvicorn" | "gunicorn" | "hypercorn" | "flask" | "django" | "fastapi";

/** What a recognised server command binds. `undefined` host/port lists mean "cannot tell". */
export interface ServerInfo {
  server: ServerName;
  /** The server's program word. */
  token: Token;
  hosts?: string[];
  hostExplicit: boolean;
  hostAt: StartInstruction;
  ports?: number[];
  portExplicit: boolean;
  portAt: StartInstruction;
  /** `module:app` for uvicorn / gunicorn / hypercorn. */
  app?: Token;
}

/** `python app.py` or `python -m pkg.mod` (not a known server module). */
export interface PythonScript {
  token: Token;
  script?: string;
  module?: string;
}

export interface StartAnalysis {
  server?: ServerInfo;
  python?: PythonScript;
}

export const SERVER_DEFAULTS: Record<ServerName, { host: string; port: number }> = {
  uvicorn: { host: "127.0.0.1", port: 8000 },
  gunicorn: { host: "127.0.0.1", port: 8000 },
  hypercorn: { host: "127.0.0.1", port: 8000 },
  flask: { host: "127.0.0.1", port: 5000 },
  django: { host: "127.0.0.1", port: 8000 },
  fastapi: { host: "0.0.0.0", port: 8000 },
};

export function isLoopback(host: string): boolean {
  return /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|::1|\[::1\]|ip6-localhost)$/i.test(host);
}

const PYTHON = /^python(\d(\.\d+)?)?$/;
const APP_SPEC = /^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*(\(.*\))?$/;

interface Opt {
  value: Token;
}

/** Values of an option (`--x v`, `--x=v`, `-x v`, `-xv`) among args. */
function optionValues(args: Token[], long: string[], short: string[]): Opt[] {
  const out: Opt[] = [];
  for (let i = 0; i < args.length; i++) {
    const t = args[i];
    if (!t) continue;
    const s = t.text;
    for (const name of long) {
      if (s === name) {
        const v = args[i + 1];
        if (v) out.push({ value: v });
      } else if (s.startsWith(`${name}=`)) out.push({ value: { ...t, text: s.slice(name.length + 1) } });
    }
    for (const name of short) {
      if (s === name) {
        const v = args[i + 1];
        if (v) out.push({ value: v });
      } else if (s.startsWith(name) && s.length > name.length && !s.startsWith("--")) {
        out.push({ value: { ...t, text: s.slice(name.length).replace(/^=/, "") } });
      }
    }
  }
  return out;
}

function hasOption(args: Token[], names: string[]): boolean {
  return args.some((t) => names.some((n) => t.text === n || t.text.startsWith(`${n}=`)));
}

function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 0 && n <= 65535 ? n : undefined;
}

/** gunicorn / hypercorn bind: `host:port`, `:port`, `host`, `[::]:port`; unix/fd sockets → undefined. */
function parseBind(text: string, defaultPort: number): { host: string; port: number } | undefined {
  if (/^(unix|fd|quic|insecure):/i.test(text) || text.startsWith("/")) return undefined;
  let host = text;
  let port: number | undefined = defaultPort;
  const v6 = /^\[([^\]]*)\](?::(\d+))?$/.exec(text);
  if (v6) {
    host = v6[1] ?? "";
    port = v6[2] !== undefined ? parsePort(v6[2]) : defaultPort;
  } else {
    const c = text.lastIndexOf(":");
    if (c !== -1) {
      host = text.slice(0, c);
      port = parsePort(text.slice(c + 1));
    }
  }
  if (port === undefined) return undefined;
  return { host: host === "" ? "0.0.0.0" : host, port };
}

/** Django runserver addrport: `8000`, `0.0.0.0:8000`, `0:8000`, `[::]:8000`. */
function parseAddrPort(text: string): { host: string; port: number } | undefined {
  const only = parsePort(text);
  if (only !== undefined) return { host: "127.0.0.1", port: only };
  const b = parseBind(text, 8000);
  if (!b) return undefined;
  return { host: b.host === "0" ? "0.0.0.0" : b.host, port: b.port };
}

export interface AnalysisEnv {
  /** Runtime environment variables (Dockerfile ENV along the chain, then the class's envVars). */
  env: (name: string) => string | undefined;
  /** A gunicorn.conf.py sits in the build context (read by gunicorn by default). */
  gunicornConf: boolean;
}

/** Find the first web server (or `python script`) among the start commands and what it binds. */
export function analyzeStart(commands: Token[][], ctx: AnalysisEnv): StartAnalysis {
  for (const argv of commands) {
    const found = analyzeCommand(argv, ctx);
    if (found.server || found.python) return found;
  }
  return {};
}

function analyzeCommand(argv: Token[], ctx: AnalysisEnv): StartAnalysis {
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (!t) continue;
    const name = basename(t.text);
    if (name === "uvicorn" || name === "gunicorn" || name === "hypercorn") {
      return { server: analyzeServer(name, t, argv.slice(i + 1), ctx) };
    }
    if (name === "flask" && argv.slice(i + 1).some((a) => a.text === "run")) {
      return { server: analyzeServer("flask", t, argv.slice(i + 1), ctx) };
    }
    if (name === "fastapi" && (argv[i + 1]?.text === "run" || argv[i + 1]?.text === "dev")) {
      return { server: analyzeServer("fastapi", t, argv.slice(i + 1), ctx) };
    }
    if (name === "django-admin" && argv[i + 1]?.text === "runserver") {
      return { server: analyzeServer("django", t, argv.slice(i + 2), ctx) };
    }
    if (PYTHON.test(name)) {
      const rest = argv.slice(i + 1);
      let j = 0;
      // Skip interpreter flags like -u, -B, -O.
      while (j < rest.length && /^-[A-Za-z]+$/.test(rest[j]?.text ?? "") && rest[j]?.text !== "-m") j++;
      const head = rest[j];
      if (!head) return {};
      if (head.text === "-m") {
        const mod = rest[j + 1];
        if (!mod) return {};
        const m = mod.text;
        const args = rest.slice(j + 2);
        if (m === "uvicorn" || m === "gunicorn" || m === "hypercorn")
          return { server: analyzeServer(m, t, args, ctx) };
        if (m === "flask" && args.some((a) => a.text === "run"))
          return { server: analyzeServer("flask", t, args, ctx) };
        if (m === "fastapi" && (args[0]?.text === "run" || args[0]?.text === "dev")) {
          return { server: analyzeServer("fastapi", t, args, ctx) };
        }
        return { python: { token: mod, module: m } };
      }
      if (basename(head.text) === "manage.py" && rest[j + 1]?.text === "runserver") {
        return { server: analyzeServer("django", t, rest.slice(j + 2), ctx) };
      }
      if (head.text.endsWith(".py")) return { python: { token: head, script: head.text } };
      return {};
    }
  }
  return {};
}

function analyzeServer(server: ServerName, token: Token, args: Token[], ctx: AnalysisEnv): ServerInfo {
  const d = SERVER_DEFAULTS[server];
  const info: ServerInfo = {
    server,
    token,
    hostExplicit: false,
    hostAt: token.at,
    portExplicit: false,
    portAt: token.at,
  };
  const setHost = (t: Token | undefined, fallback: string | undefined) => {
    if (t) {
      info.hostExplicit = true;
      info.hostAt = t.at;
      if (!t.dynamic) info.hosts = [t.text];
    } else if (fallback !== undefined) info.hosts = [fallback];
  };
  const setPort = (t: Token | undefined, fallback: number | undefined) => {
    if (t) {
      info.portExplicit = true;
      info.portAt = t.at;
      const p = t.dynamic ? undefined : parsePort(t.text);
      if (p !== undefined) info.ports = [p];
    } else if (fallback !== undefined) info.ports = [fallback];
  };
  const app = args.find((a) => !a.text.startsWith("-") && APP_SPEC.test(a.text));
  if (app) info.app = app;

  switch (server) {
    case "uvicorn": {
      if (hasOption(args, ["--uds", "--fd"])) return info;
      const envHost = ctx.env("UVICORN_HOST");
      const envPort = ctx.env("UVICORN_PORT");
      setHost(optionValues(args, ["--host"], []).at(-1)?.value, envHost ?? d.host);
      setPort(
        optionValues(args, ["--port"], []).at(-1)?.value,
        envPort !== undefined ? parsePort(envPort) : d.port,
      );
      return info;
    }
    case "fastapi": {
      setHost(
        optionValues(args, ["--host"], []).at(-1)?.value,
        args[0]?.text === "dev" ? "127.0.0.1" : d.host,
      );
      setPort(optionValues(args, ["--port"], []).at(-1)?.value, d.port);
      return info;
    }
    case "flask": {
      const envHost = ctx.env("FLASK_RUN_HOST");
      const envPort = ctx.env("FLASK_RUN_PORT");
      setHost(optionValues(args, ["--host"], ["-h"]).at(-1)?.value, envHost ?? d.host);
      setPort(
        optionValues(args, ["--port"], ["-p"]).at(-1)?.value,
        envPort !== undefined ? parsePort(envPort) : d.port,
      );
      return info;
    }
    case "django": {
      const addr = args.find((a) => !a.text.startsWith("-"));
      if (!addr) {
        info.hosts = [d.host];
        info.ports = [d.port];
        return info;
      }
      info.hostExplicit = true;
      info.portExplicit = true;
      info.hostAt = addr.at;
      info.portAt = addr.at;
      if (addr.dynamic) return info;
      const b = parseAddrPort(addr.text);
      if (b) {
        info.hosts = [b.host];
        info.ports = [b.port];
        info.hostExplicit = b.host !== "127.0.0.1" || addr.text.includes(":");
      }
      return info;
    }
    case "gunicorn":
    case "hypercorn": {
      if (hasOption(args, ["-c", "--config"]) || args.some((a) => /^-c./.test(a.text))) return info;
      if (server === "gunicorn" && (ctx.env("GUNICORN_CMD_ARGS") !== undefined || ctx.gunicornConf))
        return info;
      const binds = optionValues(args, ["--bind"], ["-b"]).map((o) => o.value);
      if (binds.length === 0) {
        const port = server === "gunicorn" ? ctx.env("PORT") : undefined;
        if (port !== undefined) {
          info.hosts = ["0.0.0.0"];
          const p = parsePort(port);
          if (p !== undefined) info.ports = [p];
        } else {
          info.hosts = [d.host];
          info.ports = [d.port];
        }
        return info;
      }
      info.hostExplicit = true;
      info.portExplicit = true;
      const last = binds[binds.length - 1];
      if (last) {
        info.hostAt = last.at;
        info.portAt = last.at;
      }
      if (binds.some((b) => b.dynamic)) return info;
      const parsed = binds.map((b) => parseBind(b.text, d.port));
      if (parsed.some((p) => p === undefined)) return info;
      info.hosts = parsed.flatMap((p) => (p ? [p.host] : []));
      info.ports = parsed.flatMap((p) => (p ? [p.port] : []));
      return info;
    }
  }
}
