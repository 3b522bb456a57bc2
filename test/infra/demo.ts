// `npm run demo` (via test/infra/demo.mjs): the whole pipeline on this machine, nothing leaving
// 127.0.0.1. Sets up docker/buildx when needed (test/infra/setup-docker.sh, root), builds dist/
// when missing, starts the Cloudflare stand-in (`test/standin/emulator.mjs`, a child) and a
// GitHub REST stand-in (in-process), then runs the bundled action exactly as a runner would
// (`node dist/index.js`, INPUT_* variables, a pull_request event, GITHUB_OUTPUT) to deploy
// examples/busybox as the preview of PR #1, prints what the action reported (URL, time to
// healthy from its outputs, the PR comment it posted), destroys the preview with the action and
// stops everything — also on Ctrl-C, errors and the overall deadline.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { previewWorkerName } from "../../src/deploy/preview.js";
import { commentMarker, parseCommentState } from "../../src/report/comment.js";
import { type GitHubStandin, startGitHubStandin } from "../standin/github/index.js";

const PR = 1;
const REPOSITORY = "acme/shop";
const EXAMPLE = "examples/busybox";
const EXAMPLE_PORT = 8000;
const FALLBACK_SHA = "de5a0de5a0de5a0de5a0de5a0de5a0de5a0de5a0";

class DemoError extends Error {}

const out = (line = ""): void => {
  process.stdout.write(`${line}\n`);
};
const dim = (s: string): string => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);
const bold = (s: string): string => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function step(n: number, total: number, title: string): void {
  out();
  out(bold(`[${n}/${total}] ${title}`));
}

function run(file: string, args: string[], cwd?: string): { ok: boolean; out: string } {
  const r = spawnSync(file, args, { encoding: "utf8", timeout: 30_000, ...(cwd ? { cwd } : {}) });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}`.trim() };
}

function dockerReady(): string | undefined {
  const info = run("docker", ["version", "--format", "{{.Server.Version}}"]);
  if (!info.ok) return undefined;
  const buildx = run("docker", ["buildx", "version"]);
  if (!buildx.ok) return undefined;
  if (!existsSync("/bin/busybox") || !existsSync("/usr/bin/docker-registry")) return undefined;
  return `docker daemon ${info.out}, ${buildx.out.split(/\s+/).slice(0, 2).join(" ")}`;
}

/** Resolves once `port` can be bound on all interfaces (the example's server binds 0.0.0.0). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "0.0.0.0", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** A GITHUB_OUTPUT file: `name<<delimiter` blocks as @actions/core writes them, or `name=value`. */
function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const m = /^([^<=]+)<<(.+)$/.exec(line);
    if (m?.[1] && m[2]) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i] ?? "");
      outputs[m[1]] = value.join("\n");
    } else if (line.indexOf("=") > 0) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}

/**
 * The action's log, shortened for a transcript: collapsed groups show as one `▸ title` line (their
 * content stays in the full log file), workflow commands become readable, the rest is indented.
 */
function transcriptFilter(): (line: string) => string | undefined {
  let inGroup = false;
  return (line) => {
    const cmd = /^::([a-z-]+)( [^:]*)?::(.*)$/.exec(line);
    if (cmd) {
      const [, name, , message = ""] = cmd;
      if (name === "group") {
        // the health poll is the part worth watching: shown open, the other groups collapsed
        inGroup = !message.startsWith("verify:");
        return `  ▸ ${message}`;
      }
      if (name === "endgroup") {
        inGroup = false;
        return undefined;
      }
      if (name === "error") return `  ✖ ${message.replace(/%0A/g, "\n    ")}`;
      if (name === "warning") return `  ⚠ ${message.replace(/%0A/g, "\n    ")}`;
      if (name === "notice") return `  ${message}`;
      return undefined;
    }
    if (inGroup || line.trim() === "") return undefined;
    return `  │ ${line}`;
  };
}

interface ActionResult {
  exitCode: number;
  outputs: Record<string, string>;
}

class Demo {
  private readonly abort = new AbortController();
  private emulator: ChildProcess | undefined;
  private emulatorExited: Promise<void> | undefined;
  private github: GitHubStandin | undefined;
  private action: ChildProcess | undefined;
  private readonly actionPids: number[] = [];
  private readonly work = mkdtempSync(join(tmpdir(), "cfcd-demo-"));
  private readonly logFile = join(this.work, "demo.log");
  private cfEnv: Record<string, string> = {};
  private workerName = "";

  constructor(
    private readonly root: string,
    private readonly options: { timeoutS: number; coldStartMs: number },
  ) {}

  get signal(): AbortSignal {
    return this.abort.signal;
  }

  stop(reason: string): void {
    if (!this.abort.signal.aborted) this.abort.abort(new DemoError(reason));
  }

  private check(): void {
    if (this.abort.signal.aborted) {
      const reason: unknown = this.abort.signal.reason;
      throw reason instanceof Error ? reason : new DemoError(String(reason));
    }
  }

  private appendLog(text: string): void {
    writeFileSync(this.logFile, text, { flag: "a" });
  }

  async main(): Promise<void> {
    const total = 6;
    out(bold("Deploy to Cloudflare Containers: the demo"));
    out(
      dim(
        `Deploys ${EXAMPLE} as the preview of PR #${PR} with the real action (dist/index.js), real docker buildx and real wrangler,\n` +
          "against local stand-ins for Cloudflare and GitHub. Nothing leaves 127.0.0.1. Ctrl-C stops and cleans up.",
      ),
    );

    step(1, total, "Docker and buildx");
    let docker = dockerReady();
    if (docker === undefined) {
      if (process.getuid?.() !== 0) {
        throw new DemoError(
          "docker, buildx, the registry or busybox are not ready, and setting them up needs root.\n" +
            "  Run:  sudo bash test/infra/setup-docker.sh   then  npm run demo  again.",
        );
      }
      out(
        "  not ready: running test/infra/setup-docker.sh (installs docker.io, buildx, docker-registry, busybox-static)",
      );
      await this.runInherited("bash", [join(this.root, "test", "infra", "setup-docker.sh")]);
      docker = dockerReady();
      if (docker === undefined)
        throw new DemoError("test/infra/setup-docker.sh finished but docker is still not ready.");
    }
    out(`  ready: ${docker}`);

    step(2, total, "The action bundle");
    if (!existsSync(join(this.root, "dist", "index.js")) || !existsSync(join(this.root, "dist", "cli.js"))) {
      out("  dist/ is missing: building it (node build.mjs)");
      await this.runInherited(process.execPath, [join(this.root, "build.mjs")]);
    }
    const kb = (f: string) => `${Math.round(statSync(join(this.root, "dist", f)).size / 1024)} KiB`;
    out(`  dist/index.js (${kb("index.js")}), dist/cli.js (${kb("cli.js")})`);

    step(3, total, `The example: ${EXAMPLE}`);
    const busybox = join(this.root, EXAMPLE, "busybox");
    if (!existsSync(busybox) || statSync(busybox).size !== statSync("/bin/busybox").size) {
      copyFileSync("/bin/busybox", busybox);
      chmodSync(busybox, 0o755);
      out("  copied /bin/busybox into it (a FROM scratch image: builds offline)");
    } else {
      out("  busybox already in place (a FROM scratch image: builds offline)");
    }
    if (!(await portFree(EXAMPLE_PORT))) {
      throw new DemoError(
        `port ${EXAMPLE_PORT} is in use, and the example's server binds it (containers use the host network here).\n` +
          `  See what holds it: ss -ltnp 'sport = :${EXAMPLE_PORT}'; stop it, then run the demo again.`,
      );
    }

    step(4, total, "Local stand-ins");
    await this.startEmulator();
    const api = this.cfEnv.CLOUDFLARE_API_BASE_URL ?? "?";
    out(`  Cloudflare: API ${api}, registry ${this.cfEnv.CLOUDFLARE_CONTAINER_REGISTRY ?? "?"}`);
    out(
      `              edge proxy ${this.cfEnv.HTTPS_PROXY ?? "?"}, container cold start ${secs(this.options.coldStartMs)}`,
    );
    this.github = await startGitHubStandin();
    out(`  GitHub:     REST API ${this.github.url} (PR #${PR} of ${REPOSITORY})`);

    const sha = (() => {
      const r = run("git", ["rev-parse", "HEAD"], this.root);
      return r.ok && /^[0-9a-f]{40}$/.test(r.out) ? r.out : FALLBACK_SHA;
    })();
    this.github.setPullHead(PR, sha);
    // the preview's name (SPEC §5), known before the deploy so an interrupted run can check too
    const base = /^name\s*=\s*"([^"]+)"/m.exec(
      readFileSync(join(this.root, EXAMPLE, "wrangler.toml"), "utf8"),
    );
    this.workerName = previewWorkerName(base?.[1] ?? "busybox-backend", PR);

    step(5, total, `Deploy: the action on a pull_request event for PR #${PR} (commit ${sha.slice(0, 7)})`);
    out(
      dim(
        `  node dist/index.js  INPUT_WORKING-DIRECTORY=${EXAMPLE} INPUT_SMOKE-TEST-NETWORK=host INPUT_HEALTH-EXPECT-BODY='{sha}' ...`,
      ),
    );
    const deploy = await this.runAction("deploy", sha, "opened");
    this.workerName = deploy.outputs["worker-name"] ?? this.workerName;
    this.rememberContainers();
    if (deploy.exitCode !== 0) {
      throw new DemoError(
        `the deploy failed (exit ${deploy.exitCode}); the action's full log: ${this.keepLog()}`,
      );
    }

    step(6, total, "What the action reported");
    const url = deploy.outputs.url ?? "";
    const tth = Number(deploy.outputs["time-to-healthy-ms"]);
    out(`  URL:             ${bold(url)}`);
    out(`  health URL:      ${deploy.outputs["health-url"] ?? ""}`);
    out(
      `  healthy:         ${deploy.outputs.healthy ?? "?"}${Number.isFinite(tth) ? `, ${secs(tth)} after wrangler deploy returned` : ""} (output time-to-healthy-ms=${deploy.outputs["time-to-healthy-ms"] ?? "?"})`,
    );
    out(`  Worker:          ${this.workerName} (preview=${deploy.outputs.preview ?? "?"})`);
    out(`  version id:      ${deploy.outputs["version-id"] ?? ""}`);
    out(`  image:           ${deploy.outputs.image ?? ""}`);
    const commentId = deploy.outputs["comment-id"] ?? "";
    const body = this.ourComment()?.body;
    out();
    out(
      `  The PR comment the action posted (comment ${commentId}; ${this.github.comments(PR).length} comment(s) on PR #${PR}):`,
    );
    out(dim(`  ${"─".repeat(76)}`));
    for (const line of (body ?? "(no comment was posted)").split("\n")) out(`  ${line}`);
    out(dim(`  ${"─".repeat(76)}`));
    out(
      dim(
        "  (the first two lines are HTML comments, hidden on GitHub: its marker, and the state the next run reads)",
      ),
    );

    out();
    out(bold(`Cleaning up: the action's destroy on a pull_request "closed" event`));
    const destroy = await this.runAction("destroy", sha, "closed");
    if (destroy.exitCode !== 0) {
      throw new DemoError(
        `the destroy failed (exit ${destroy.exitCode}); the action's full log: ${this.keepLog()}`,
      );
    }
    const state = await this.standinState();
    const left = state
      ? [
          state.workers.filter((w) => w.name === this.workerName).length,
          state.applications.filter((a) => a.workerName === this.workerName).length,
          state.images.filter((i) => i.includes(`${this.workerName}-`)).length,
        ]
      : undefined;
    if (left) {
      out(
        `  left on the Cloudflare stand-in for ${this.workerName}: ${left[0]} Worker(s), ${left[1]} container app(s), ${left[2]} image(s)`,
      );
    }
    const after = parseCommentState(this.ourComment()?.body);
    out(
      `  the PR comment now says: ${after?.status ?? "?"} (still ${this.github.comments(PR).length} comment on PR #${PR})`,
    );
  }

  /** The stand-in's containers serving our preview (ids), for a last check at cleanup. */
  private readonly containers = new Set<string>();
  private rememberContainers(): void {
    if (this.workerName === "") return;
    const ids = run("docker", [
      "ps",
      "-aq",
      "--no-trunc",
      "--filter",
      `label=cf-standin-worker=${this.workerName}`,
    ]);
    if (ids.ok) for (const id of ids.out.split(/\s+/)) if (id !== "") this.containers.add(id);
  }

  private ourComment(): { body: string } | undefined {
    if (this.github === undefined || this.workerName === "") return undefined;
    const marker = commentMarker(this.workerName);
    return this.github.comments(PR).find((c) => c.body.split("\n")[0] === marker);
  }

  private async standinState(): Promise<
    | {
        workers: { name: string }[];
        applications: { workerName: string }[];
        images: string[];
      }
    | undefined
  > {
    const url = this.cfEnv.CLOUDFLARE_STANDIN_STATE_URL;
    if (url === undefined) return undefined;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      return (await res.json()) as {
        workers: { name: string }[];
        applications: { workerName: string }[];
        images: string[];
      };
    } catch {
      return undefined;
    }
  }

  /** Keep the work dir (logs) for the user, and say where. */
  private keepLog(): string {
    this.keepWork = true;
    return this.logFile;
  }
  private keepWork = false;

  private runInherited(file: string, args: string[]): Promise<void> {
    this.check();
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { cwd: this.root, stdio: ["ignore", "inherit", "inherit"] });
      const onAbort = () => child.kill("SIGTERM");
      this.signal.addEventListener("abort", onAbort, { once: true });
      child.on("error", reject);
      child.on("close", (code) => {
        this.signal.removeEventListener("abort", onAbort);
        if (this.signal.aborted) reject(this.signal.reason);
        else if (code === 0) resolve();
        else reject(new DemoError(`${file} ${args.join(" ")} exited ${code}`));
      });
    });
  }

  private async startEmulator(): Promise<void> {
    const envFile = join(this.work, "cloudflare.env");
    const emulatorLog = join(this.work, "emulator.log");
    writeFileSync(emulatorLog, "");
    // detached: a Ctrl-C in the terminal reaches the demo only, which then stops things in order
    const child = spawn(
      process.execPath,
      [
        join(this.root, "test", "standin", "emulator.mjs"),
        // Node 24 reads `--env-file` anywhere on its command line; after `--` it is the script's
        "--",
        "--env-file",
        envFile,
        "--cold-start-ms",
        String(this.options.coldStartMs),
      ],
      { cwd: this.root, stdio: ["ignore", "pipe", "pipe"], detached: true },
    );
    this.emulator = child;
    this.emulatorExited = new Promise((resolve) => child.once("exit", () => resolve()));
    const capture = (chunk: Buffer) => writeFileSync(emulatorLog, chunk, { flag: "a" });
    child.stdout?.on("data", capture);
    child.stderr?.on("data", capture);
    const deadline = performance.now() + 90_000;
    for (;;) {
      this.check();
      if (existsSync(envFile)) break;
      if (child.exitCode !== null) {
        throw new DemoError(
          `the Cloudflare stand-in exited (${child.exitCode}):\n${readFileSync(emulatorLog, "utf8").slice(-2000)}`,
        );
      }
      if (performance.now() > deadline) {
        throw new DemoError(
          `the Cloudflare stand-in was not ready within 90 s:\n${readFileSync(emulatorLog, "utf8").slice(-2000)}`,
        );
      }
      await sleep(100);
    }
    this.cfEnv = parseEnvFile(readFileSync(envFile, "utf8"));
  }

  private actionEnv(command: "deploy" | "destroy", sha: string, eventAction: string): Record<string, string> {
    const dir = mkdtempSync(join(this.work, `${command}-`));
    const event = {
      action: eventAction,
      number: PR,
      pull_request: {
        number: PR,
        title: "Add a health endpoint",
        state: eventAction === "closed" ? "closed" : "open",
        head: { sha, ref: "demo-branch", repo: { full_name: REPOSITORY } },
        base: { ref: "main", repo: { full_name: REPOSITORY } },
      },
      repository: { full_name: REPOSITORY },
    };
    writeFileSync(join(dir, "event.json"), JSON.stringify(event));
    writeFileSync(join(dir, "output"), "");
    writeFileSync(join(dir, "summary"), "");
    const { CLOUDFLARE_API_TOKEN: token = "", ...cf } = this.cfEnv;
    // The stand-in's CA next to this machine's extra CAs, if any (npm keeps reaching its registry).
    const machineCa = process.env.NODE_EXTRA_CA_CERTS;
    const standinCa = cf.NODE_EXTRA_CA_CERTS;
    if (standinCa && machineCa && existsSync(machineCa)) {
      const bundle = join(this.work, "ca-bundle.pem");
      if (!existsSync(bundle)) {
        writeFileSync(bundle, `${readFileSync(standinCa, "utf8")}\n${readFileSync(machineCa, "utf8")}`);
      }
      cf.NODE_EXTRA_CA_CERTS = bundle;
    }
    const keep = ["PATH", "HOME", "LANG", "TMPDIR", "DOCKER_HOST", "DOCKER_CONFIG", "XDG_CACHE_HOME"];
    const env: Record<string, string> = {};
    for (const name of keep) {
      const v = process.env[name];
      if (v !== undefined) env[name] = v;
    }
    Object.assign(env, cf, {
      GITHUB_ACTIONS: "true",
      GITHUB_EVENT_NAME: "pull_request",
      GITHUB_EVENT_PATH: join(dir, "event.json"),
      GITHUB_OUTPUT: join(dir, "output"),
      GITHUB_STEP_SUMMARY: join(dir, "summary"),
      GITHUB_WORKSPACE: this.root,
      GITHUB_REPOSITORY: REPOSITORY,
      GITHUB_SHA: sha,
      GITHUB_RUN_ID: "1",
      GITHUB_API_URL: this.github?.url ?? "",
      RUNNER_TEMP: dir,
      RUNNER_TOOL_CACHE: join(this.work, "tool-cache"),
      INPUT_COMMAND: command,
      "INPUT_WORKING-DIRECTORY": EXAMPLE,
      "INPUT_API-TOKEN": token,
      "INPUT_GITHUB-TOKEN": this.github?.token ?? "",
      "INPUT_SMOKE-TEST-NETWORK": "host",
      "INPUT_HEALTH-EXPECT-BODY": "{sha}",
      "INPUT_HEALTH-TIMEOUT": "120",
    });
    return env;
  }

  private runAction(command: "deploy" | "destroy", sha: string, eventAction: string): Promise<ActionResult> {
    this.check();
    const env = this.actionEnv(command, sha, eventAction);
    const outputFile = env.GITHUB_OUTPUT ?? "";
    this.appendLog(`\n===== node dist/index.js (command=${command}) =====\n`);
    return new Promise((resolve, reject) => {
      // its own process group: Ctrl-C goes to the demo, which stops the action and what it started
      const child = spawn(process.execPath, [join(this.root, "dist", "index.js")], {
        cwd: this.root,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      this.action = child;
      if (child.pid !== undefined) this.actionPids.push(child.pid);
      const filter = transcriptFilter();
      const started = performance.now();
      const lines = (stream: NodeJS.ReadableStream | null) => {
        let buffered = "";
        stream?.on("data", (chunk: Buffer) => {
          const text = chunk.toString();
          this.appendLog(text);
          buffered += text;
          const parts = buffered.split("\n");
          buffered = parts.pop() ?? "";
          for (const line of parts) {
            const shown = filter(line.replace(/\r$/, ""));
            if (shown !== undefined) out(shown);
          }
        });
      };
      lines(child.stdout);
      lines(child.stderr);
      const onAbort = () => {
        out(dim(`  stopping the action's ${command} (and what it started)...`));
        this.killGroup(child, "SIGTERM");
      };
      this.signal.addEventListener("abort", onAbort, { once: true });
      child.on("error", reject);
      child.on("close", (code) => {
        this.signal.removeEventListener("abort", onAbort);
        this.action = undefined;
        if (this.signal.aborted) {
          reject(this.signal.reason);
          return;
        }
        out(dim(`  (${command} finished in ${secs(performance.now() - started)}, exit ${code ?? "signal"})`));
        resolve({ exitCode: code ?? 1, outputs: parseOutputs(readFileSync(outputFile, "utf8")) });
      });
    });
  }

  private killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined || child.exitCode !== null) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Stops what the demo started, in order; never throws. */
  async cleanup(): Promise<void> {
    const action = this.action;
    if (action !== undefined) {
      this.killGroup(action, "SIGTERM");
      const exited = new Promise<void>((resolve) => action.once("close", () => resolve()));
      await Promise.race([exited, sleep(10_000, undefined, { ref: false })]);
      this.killGroup(action, "SIGKILL");
    }
    // a smoke-test container of an interrupted action (named after the action's pid)
    for (const pid of this.actionPids) {
      const ids = run("docker", ["ps", "-aq", "--filter", `name=cfcd-smoke-${pid}-`]);
      if (ids.ok && ids.out !== "") run("docker", ["rm", "-f", ...ids.out.split(/\s+/)]);
    }
    // an interrupted action leaves its generated config (git-ignored) beside wrangler.toml
    if (this.workerName !== "") {
      rmSync(join(this.root, EXAMPLE, `wrangler.cf-containers-deploy.${this.workerName}.json`), {
        force: true,
      });
    }
    await this.github?.close().catch(() => undefined);
    this.rememberContainers();
    const emulator = this.emulator;
    if (emulator !== undefined && emulator.exitCode === null && emulator.pid !== undefined) {
      out(dim("  stopping the Cloudflare stand-in (it removes its containers and registry)..."));
      try {
        process.kill(emulator.pid, "SIGTERM");
      } catch {
        // gone
      }
      await Promise.race([this.emulatorExited, sleep(30_000, undefined, { ref: false })]);
      if (emulator.exitCode === null && emulator.signalCode === null) {
        out("  the stand-in did not stop within 30 s; killing it");
        this.killGroup(emulator, "SIGKILL");
      }
    }
    // the stand-in removes its containers when it stops; make sure, for the ones this run saw
    const left = [...this.containers].filter((id) => run("docker", ["inspect", id]).ok);
    if (left.length > 0) {
      run("docker", ["rm", "-f", ...left]);
      out(`  removed ${left.length} leftover container(s) of ${this.workerName}`);
    } else if (this.workerName !== "") {
      out(dim(`  no containers of ${this.workerName} left`));
    }
    if (!this.keepWork) rmSync(this.work, { recursive: true, force: true });
  }
}

export async function main(root: string, argv: string[]): Promise<number> {
  let values: { timeout?: string; "cold-start-ms"?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv[0] === "--" ? argv.slice(1) : argv,
      options: {
        timeout: { type: "string" },
        "cold-start-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  if (values.help === true) {
    out("usage: npm run demo [-- --timeout SECONDS (default 300)] [--cold-start-ms N (default 4000)]");
    return 0;
  }
  const timeoutS = Number(values.timeout ?? "300");
  const coldStartMs = Number(values["cold-start-ms"] ?? "4000");
  if (!Number.isInteger(timeoutS) || timeoutS <= 0 || !Number.isInteger(coldStartMs) || coldStartMs < 0) {
    process.stderr.write("demo: --timeout and --cold-start-ms take whole non-negative numbers\n");
    return 2;
  }
  const demo = new Demo(root, { timeoutS, coldStartMs });
  const timer = setTimeout(
    () =>
      demo.stop(`the demo did not finish within ${timeoutS} s (raise it with: npm run demo -- --timeout S)`),
    timeoutS * 1000,
  );
  const onSignal = (signal: NodeJS.Signals) => {
    out();
    out(`${signal}: stopping and cleaning up...`);
    demo.stop(`interrupted (${signal})`);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let code = 0;
  const started = performance.now();
  try {
    await demo.main();
  } catch (error) {
    out();
    out(`✖ demo failed: ${error instanceof Error ? error.message : String(error)}`);
    code = demo.signal.aborted && /interrupted/.test(String(demo.signal.reason)) ? 130 : 1;
  } finally {
    clearTimeout(timer);
    await demo.cleanup();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  if (code === 0) {
    out();
    out(
      bold(
        `Done in ${secs(performance.now() - started)}: deployed, verified, reported, destroyed, cleaned up.`,
      ),
    );
    out(
      dim(
        "Next: point `node dist/cli.js validate <your backend dir>` at your own project, then copy a workflow from examples/workflows/.",
      ),
    );
  }
  return code;
}
