// `npm run emulator -- --env-file <path> [--port N] [--cold-start-ms N] [--sleep-after-ms N]
//  [--rollout-overlap-ms N] [--no-edge] [--no-parent-watch]`
// Runs the Cloudflare stand-in (API, registry, edge) in the foreground, writes KEY=value lines
// of every variable a client needs to <path> once ready, and stops everything it started on
// SIGTERM/SIGINT (exit 0).
import { rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { type CloudflareStandin, type StandinOptions, startCloudflareStandin } from "./cloudflare/index.js";

function usage(message: string): never {
  process.stderr.write(
    `emulator: ${message}\nusage: npm run emulator -- --env-file <path> [--port N] [--cold-start-ms N] [--sleep-after-ms N] [--rollout-overlap-ms N] [--no-edge] [--no-parent-watch]\n`,
  );
  process.exit(2);
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) usage(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

export async function main(argv: string[]): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        "env-file": { type: "string" },
        port: { type: "string" },
        "cold-start-ms": { type: "string" },
        "sleep-after-ms": { type: "string" },
        "rollout-overlap-ms": { type: "string" },
        "no-edge": { type: "boolean" },
        "no-parent-watch": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    usage(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) usage("help");
  const envFile = values["env-file"];
  if (typeof envFile !== "string" || envFile === "") usage("--env-file <path> is required");
  const str = (key: string): string | undefined => {
    const v = values[key];
    return typeof v === "string" ? v : undefined;
  };
  const options: StandinOptions = { edge: values["no-edge"] !== true };
  const port = integer("port", str("port"));
  const coldStartMs = integer("cold-start-ms", str("cold-start-ms"));
  const sleepAfterMs = integer("sleep-after-ms", str("sleep-after-ms"));
  const rolloutOverlapMs = integer("rollout-overlap-ms", str("rollout-overlap-ms"));
  if (port !== undefined) options.port = port;
  if (coldStartMs !== undefined) options.coldStartMs = coldStartMs;
  if (sleepAfterMs !== undefined) options.sleepAfterMs = sleepAfterMs;
  if (rolloutOverlapMs !== undefined) options.rolloutOverlapMs = rolloutOverlapMs;

  let standin: CloudflareStandin | undefined;
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`emulator: ${signal}, stopping\n`);
    // still starting: the code after startCloudflareStandin() closes what it started
    if (standin === undefined) return;
    standin.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `emulator: stopping failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // `npm run` signals its `sh -c` child, and sh does not pass SIGTERM on: when the parent goes
  // away (this process is re-parented), stop as if signalled rather than linger as an orphan.
  // (--no-parent-watch keeps it running, e.g. when started with setsid from a shell that exits)
  const parent = process.ppid;
  if (values["no-parent-watch"] !== true) {
    setInterval(() => {
      if (process.ppid !== parent) stop("parent exited");
    }, 500).unref();
  }

  standin = await startCloudflareStandin(options);
  if (stopping) {
    await standin.close();
    process.exit(0);
  }
  const lines = Object.entries(standin.env).map(([key, value]) => `${key}=${value}`);
  // write-then-rename so a watcher never reads a half-written file
  const target = path.resolve(envFile);
  const temp = `${target}.${process.pid}.tmp`;
  await writeFile(temp, `${lines.join("\n")}\n`, { mode: 0o600 });
  await rename(temp, target);
  const edge = standin.env.HTTPS_PROXY === undefined ? "edge off" : `edge proxy ${standin.env.HTTPS_PROXY}`;
  process.stdout.write(
    `Cloudflare stand-in ready: api ${standin.apiBaseUrl}, registry ${standin.registry}, state ${standin.stateUrl}, ${edge}; env → ${target}\n`,
  );
}
