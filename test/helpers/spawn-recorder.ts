// Records the argv of every process a run of the action starts, by two honest means:
//
// 1. PATH wrappers. A temp bin dir, placed first on PATH, holds a shell script per program the
//    action (or wrangler, or docker) starts by name — docker, git, npm, … Each writes its argv,
//    NUL-separated (exact bytes, no quoting problems), to a file of its own (parallel processes
//    never interleave), then `exec`s the real tool, resolved to an absolute path before it was
//    shadowed. For `--env-file <f>` it also records the file's mode while it is in use.
// 2. A Node preload (NODE_OPTIONS=--require). wrangler is started as `process.execPath <entry>`,
//    by absolute path, so no PATH wrapper sees it; the preload runs inside every Node process of
//    the run (the action itself, wrangler, anything wrangler re-spawns with Node, npm) and writes
//    process.argv/execArgv, plus the mode of a `--secrets-file` argument while it is in use.
//
// Not seen: binaries started by absolute path that are not Node (wrangler's esbuild service,
// docker CLI plugins started by the docker CLI). Their argv is built by those tools, never from
// the action's inputs.
import {
  accessSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

export interface SpawnRecord {
  /** `path` = a PATH wrapper saw it; `node` = the Node preload ran in it. */
  via: "path" | "node";
  /** The program name as it was looked up (path), or the Node executable (node). */
  program: string;
  /** Arguments after the program (path), or process.argv with execArgv spliced in (node). */
  argv: string[];
  /** Modes (octal strings) of `--env-file` / `--secrets-file` files while the process ran. */
  secretFileModes: { flag: string; path: string; mode: string }[];
}

export interface SpawnRecorder {
  /** Merge into the action's environment: PATH (wrappers first) and NODE_OPTIONS (the preload). */
  env: Record<string, string>;
  /** Programs wrapped, with the real path each execs. */
  wrapped: Record<string, string>;
  records(): SpawnRecord[];
  /** Forget what was recorded so far. */
  clear(): void;
  dispose(): void;
}

/** Programs the action, wrangler and the docker CLI start by name. */
export const WRAPPED_PROGRAMS = [
  "docker",
  "git",
  "npm",
  "npx",
  "node",
  "sh",
  "bash",
  "curl",
  "cloudflared",
  "docker-credential-desktop",
  "docker-credential-secretservice",
  "docker-credential-pass",
] as const;

function findOnPath(program: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === "") continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function startSpawnRecorder(
  options: { path?: string; programs?: readonly string[] } = {},
): SpawnRecorder {
  const root = mkdtempSync(join(tmpdir(), "cfcd-spawn-rec-"));
  const bin = join(root, "bin");
  const log = join(root, "log");
  mkdirSync(bin);
  mkdirSync(log);
  const basePath = options.path ?? process.env.PATH ?? "";
  const mktemp = findOnPath("mktemp", basePath);
  const stat = findOnPath("stat", basePath);
  if (mktemp === undefined || stat === undefined) throw new Error("mktemp and stat are needed on PATH");

  const wrapped: Record<string, string> = {};
  for (const program of options.programs ?? WRAPPED_PROGRAMS) {
    const real = findOnPath(program, basePath);
    if (real === undefined) continue; // a program that is not installed stays "not found"
    wrapped[program] = real;
    const script = [
      "#!/bin/sh",
      "# spawn recorder (test/helpers/spawn-recorder.ts): record argv, then run the real tool",
      `f=$(${shellQuote(mktemp)} ${shellQuote(join(log, "path.XXXXXXXXXX"))}) || exit 97`,
      `printf '%s\\0' ${shellQuote(program)} "$@" > "$f"`,
      "prev=",
      'for a in "$@"; do',
      '  if [ "$prev" = "--env-file" ] && [ -e "$a" ]; then',
      `    printf '%s\\0%s\\0%s\\0' --env-file "$a" "$(${shellQuote(stat)} -c %a "$a")" >> "$f.modes"`,
      "  fi",
      '  prev="$a"',
      "done",
      `exec ${shellQuote(real)} "$@"`,
      "",
    ].join("\n");
    writeFileSync(join(bin, program), script, { mode: 0o755 });
  }

  const preload = join(root, "preload.cjs");
  writeFileSync(
    preload,
    `// spawn recorder preload (test/helpers/spawn-recorder.ts)
"use strict";
const fs = require("node:fs");
const path = require("node:path");
try {
  const argv = process.argv.slice();
  const modes = [];
  for (let i = 0; i < argv.length - 1; i++) {
    if (argv[i] === "--secrets-file" || argv[i] === "--env-file") {
      try {
        modes.push({ flag: argv[i], path: argv[i + 1], mode: (fs.statSync(argv[i + 1]).mode & 0o777).toString(8) });
      } catch {}
    }
  }
  const name = "node." + process.pid + "." + Date.now() + "." + Math.random().toString(36).slice(2) + ".json";
  fs.writeFileSync(
    path.join(${JSON.stringify(log)}, name),
    JSON.stringify({ execPath: process.execPath, argv, execArgv: process.execArgv, modes }),
  );
} catch {}
`,
  );

  return {
    env: {
      PATH: `${bin}${delimiter}${basePath}`,
      NODE_OPTIONS: `--require ${preload}`,
    },
    wrapped,
    records() {
      const out: SpawnRecord[] = [];
      for (const name of readdirSync(log).sort()) {
        const file = join(log, name);
        if (name.startsWith("path.") && !name.endsWith(".modes")) {
          const parts = readFileSync(file, "utf8").split("\0");
          parts.pop(); // the text after the last NUL is empty
          const [program = "", ...argv] = parts;
          const secretFileModes: SpawnRecord["secretFileModes"] = [];
          let modes: string[] = [];
          try {
            modes = readFileSync(`${file}.modes`, "utf8").split("\0");
          } catch {
            modes = [];
          }
          for (let i = 0; i + 2 < modes.length; i += 3) {
            secretFileModes.push({
              flag: modes[i] ?? "",
              path: modes[i + 1] ?? "",
              mode: modes[i + 2] ?? "",
            });
          }
          out.push({ via: "path", program, argv, secretFileModes });
        } else if (name.startsWith("node.")) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(readFileSync(file, "utf8"));
          } catch {
            continue; // a process killed mid-write
          }
          if (typeof parsed !== "object" || parsed === null) continue;
          const execPath = Reflect.get(parsed, "execPath");
          const argv = Reflect.get(parsed, "argv");
          const execArgv = Reflect.get(parsed, "execArgv");
          const modes = Reflect.get(parsed, "modes");
          const strings = (v: unknown): string[] =>
            Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
          const all = strings(argv);
          out.push({
            via: "node",
            program: typeof execPath === "string" ? execPath : "node",
            argv: [...all.slice(0, 1), ...strings(execArgv), ...all.slice(1)],
            secretFileModes: Array.isArray(modes)
              ? modes.map((m: unknown) => ({
                  flag: String(Reflect.get(Object(m), "flag") ?? ""),
                  path: String(Reflect.get(Object(m), "path") ?? ""),
                  mode: String(Reflect.get(Object(m), "mode") ?? ""),
                }))
              : [],
          });
        }
      }
      return out;
    },
    clear() {
      for (const name of readdirSync(log)) rmSync(join(log, name), { force: true });
    },
    dispose() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** One line per record, for failure messages. */
export function describeRecords(records: readonly SpawnRecord[]): string {
  return records.map((r) => `${r.via}: ${r.program} ${JSON.stringify(r.argv)}`).join("\n");
}
