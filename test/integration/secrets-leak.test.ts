// Secrets never leak. One full PR preview deploy (secrets given as NAME=value and as NAME from the
// environment, the api-token and the github-token, smoke test on, GitHub Deployment on) and then
// its destroy, both run as the runner runs dist/index.js, against the Cloudflare stand-in (with its
// edge, so verify really polls) and the GitHub REST stand-in (behind a recording proxy).
//
// Everything the runs write is collected: stdout, stderr, GITHUB_OUTPUT, the step summary, every
// PR comment and Deployment the GitHub stand-in holds, every request (URL, headers, body) it was
// sent, every file left in the workspace, in RUNNER_TEMP, in the private TMPDIR the action ran
// with, in wrangler's global config dir (XDG_CONFIG_HOME: its debug logs go there), in
// ~/.docker/config.json (wrangler's `docker login`), every new entry of the machine's temp dir,
// and the argv of every process the runs started (test/helpers/spawn-recorder.ts: PATH wrappers
// for programs started by name, a NODE_OPTIONS preload for Node processes — wrangler is started
// as `process.execPath <entry>`, which no PATH wrapper can see). No secret value, API token or
// GitHub token may appear in any of it, as written or JSON-, URL- or base64-encoded. The only
// allowed occurrence is the runner's own `::add-mask::<value>` command on stdout, which is how
// masking works (the runner consumes that line and never shows it).
//
// Docker-backed: FAILS when docker is missing (run test/infra/setup-docker.sh first).
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { busyboxProject, cleanupBusyboxProjects } from "../fixtures/busybox.js";
import {
  describeHits,
  entriesOf,
  filesUnder,
  findLeaks,
  type Hit,
  type Needle,
  scanDirs,
} from "../helpers/leak-scan.js";
import { type RecordingProxy, startRecordingProxy } from "../helpers/recording-proxy.js";
import { type ActionRun, runAction } from "../helpers/run-action.js";
import { describeRecords, type SpawnRecorder, startSpawnRecorder } from "../helpers/spawn-recorder.js";
import {
  actionEnvFor,
  actionLog,
  freePort,
  pullRequestEvent,
  requireDocker,
  runSuffix,
} from "../helpers/standin-action.js";
import {
  type CloudflareStandin,
  STANDIN_API_TOKEN,
  startCloudflareStandin,
} from "../standin/cloudflare/index.js";
import { type GitHubStandin, startGitHubStandin } from "../standin/github/index.js";

const PR = 77;
const PR_SHA = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7";
const rand = () => randomBytes(12).toString("hex");

// Values that only this run knows (the stand-in's API token is a fixed string).
const SECRET_INLINE = `postgres://app:Pw-${rand()}@db.internal:5432/app?sslmode=require`;
const SECRET_FROM_ENV = `envsecret-${rand()}`;
const SECRET_ODD = `has "quotes", 'single', \\back\\slash, $DOLLAR and spaces ${rand()}`;
const GITHUB_TOKEN = `ghs_leaktest${rand()}`;

let cf: CloudflareStandin;
let gh: GitHubStandin;
let proxy: RecordingProxy;
let recorder: SpawnRecorder;
const scratch: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

beforeAll(async () => {
  requireDocker();
  cf = await startCloudflareStandin({ edge: true, logUnknown: false });
  gh = await startGitHubStandin({ token: GITHUB_TOKEN });
  proxy = await startRecordingProxy(gh.url);
  recorder = startSpawnRecorder();
}, 180_000);

afterAll(async () => {
  await cf?.close();
  await proxy?.close();
  await gh?.close();
  recorder?.dispose();
  cleanupBusyboxProjects();
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("secrets and tokens never leak (deploy + destroy of a PR preview)", () => {
  it("appear nowhere the action writes, sends or spawns — only in the runner's ::add-mask:: commands", async () => {
    const suffix = runSuffix();
    const port = await freePort();
    const project = busyboxProject({ port, name: `leak-${suffix}` });
    const preview = `leak-${suffix}-pr-${PR}`;
    const privateTmp = tempDir("cfcd-leak-tmpdir-");
    const xdgConfig = tempDir("cfcd-leak-xdg-");
    const needles: Needle[] = [
      { label: "secret DATABASE_URL", value: SECRET_INLINE },
      { label: "secret API_KEY", value: SECRET_FROM_ENV },
      { label: "secret ODD_ONE", value: SECRET_ODD },
      { label: "api-token", value: STANDIN_API_TOKEN },
      { label: "github-token", value: GITHUB_TOKEN },
    ];
    // The stand-in's API token is the same string in every test process; in the shared temp dir,
    // look only for what this run alone knows.
    const unique = needles.filter((n) => n.label !== "api-token");
    const machineTmpBefore = entriesOf(tmpdir());
    gh.setPullHead(PR, PR_SHA);

    const env = {
      ...actionEnvFor(cf.env),
      ...recorder.env,
      TMPDIR: privateTmp,
      XDG_CONFIG_HOME: xdgConfig,
      GITHUB_API_URL: proxy.url,
      API_KEY: SECRET_FROM_ENV,
    };
    const inputs = {
      "working-directory": "backend",
      "api-token": STANDIN_API_TOKEN,
      "github-token": GITHUB_TOKEN,
      secrets: `DATABASE_URL=${SECRET_INLINE}\nAPI_KEY\nODD_ONE=${SECRET_ODD}`,
      vars: "MODE=preview",
      "smoke-test-network": "host",
      "github-deployment": "true",
      "health-timeout": "120",
      "health-expect-body": "ok {sha}",
    };

    const deployed = await runAction({
      inputs,
      env,
      event: pullRequestEvent(PR, PR_SHA),
      workspace: project.workspace,
      timeoutMs: 240_000,
    });
    expect(deployed.exitCode, actionLog(deployed)).toBe(0);
    expect(deployed.outputs["worker-name"]).toBe(preview);
    expect(deployed.outputs.healthy).toBe("true");
    // The secrets did reach the Worker (so the run really handled them).
    expect(cf.secretValues(preview)).toEqual({
      DATABASE_URL: SECRET_INLINE,
      API_KEY: SECRET_FROM_ENV,
      ODD_ONE: SECRET_ODD,
    });
    const destroyed = await runAction({
      inputs: { ...inputs, command: "destroy" },
      env,
      event: pullRequestEvent(PR, PR_SHA, "closed"),
      workspace: project.workspace,
      timeoutMs: 180_000,
    });
    expect(destroyed.exitCode, actionLog(destroyed)).toBe(0);
    expect((await cf.state()).workers.map((w) => w.name)).not.toContain(preview);

    const hits: Hit[] = [];
    const runs: [string, ActionRun][] = [
      ["deploy", deployed],
      ["destroy", destroyed],
    ];

    // 1. The logs. `::add-mask::<value>` is the masking command itself; every other line is clean.
    for (const [name, run] of runs) {
      for (const needle of needles) {
        if (name === "deploy" || needle.label.endsWith("token")) {
          expect(run.stdout.split("\n"), `${name} masks ${needle.label}`).toContain(
            `::add-mask::${needle.value}`,
          );
        }
      }
      const masked = run.stdout.split("\n").filter((l) => l.startsWith("::add-mask::"));
      for (const line of masked) {
        // nothing but the value after the command (no other text riding along)
        expect(needles.map((n) => `::add-mask::${n.value}`)).toContain(line);
      }
      const rest = run.stdout
        .split("\n")
        .filter((l) => !l.startsWith("::add-mask::"))
        .join("\n");
      hits.push(...findLeaks(rest, `${name} stdout`, needles));
      hits.push(...findLeaks(run.stderr, `${name} stderr`, needles));
      hits.push(...findLeaks(readFileSync(run.outputFile, "utf8"), `${name} GITHUB_OUTPUT`, needles));
      hits.push(...findLeaks(readFileSync(run.summaryFile, "utf8"), `${name} step summary`, needles));
    }

    // 2. GitHub: what the stand-in keeps and every request it was sent (the github-token belongs
    //    in the Authorization header of requests to GitHub, and nowhere else).
    const comments = gh.comments(PR);
    expect(comments.length).toBe(1);
    for (const c of comments) hits.push(...findLeaks(c.body, `PR comment ${c.id}`, needles));
    hits.push(...findLeaks(JSON.stringify(gh.deployments()), "GitHub deployments", needles));
    expect(proxy.requests.length).toBeGreaterThan(3);
    for (const [i, r] of proxy.requests.entries()) {
      const where = `GitHub request ${i} ${r.method} ${r.url}`;
      hits.push(...findLeaks(`${r.method} ${r.url}\n${r.body}`, where, needles));
      const { authorization = "", ...headers } = r.headers;
      hits.push(...findLeaks(JSON.stringify(headers), `${where} headers`, needles));
      expect([`token ${GITHUB_TOKEN}`, `Bearer ${GITHUB_TOKEN}`]).toContain(authorization);
      hits.push(
        ...findLeaks(
          authorization,
          `${where} authorization`,
          needles.filter((n) => n.label !== "github-token"),
        ),
      );
    }

    // 3. Files: the workspace (generated config, .wrangler/), RUNNER_TEMP of both runs, the private
    //    TMPDIR, wrangler's global config dir with its logs, docker's credential store.
    const runnerTemps = runs.map(([, run]) => dirname(run.outputFile));
    const dirs = [project.workspace, ...runnerTemps, privateTmp, xdgConfig];
    const scanned = scanDirs(dirs, needles);
    hits.push(...scanned.hits);
    expect(filesUnder(xdgConfig).length, "wrangler wrote its logs under XDG_CONFIG_HOME").toBeGreaterThan(0);
    const dockerConfig = join(homedir(), ".docker", "config.json");
    if (existsSync(dockerConfig)) {
      hits.push(...findLeaks(readFileSync(dockerConfig, "utf8"), dockerConfig, needles));
    }
    //    Whatever appeared in the machine's temp dir meanwhile (other test processes share it).
    const fresh = [...entriesOf(tmpdir())]
      .filter((e) => !machineTmpBefore.has(e))
      .map((e) => join(tmpdir(), e));
    hits.push(...scanDirs(fresh, unique).hits);

    // 4. The argv of every process the two runs started.
    const records = recorder.records();
    const programs = new Set(records.map((r) => (r.via === "path" ? r.program : "node")));
    // docker (build, smoke, wrangler's push), git (the loader) and Node (the action, wrangler).
    expect([...programs].sort(), describeRecords(records)).toEqual(
      expect.arrayContaining(["docker", "git", "node"]),
    );
    const wranglerRuns = records.filter(
      (r) => r.via === "node" && r.argv.some((a) => a.includes("wrangler")),
    );
    expect(wranglerRuns.length, describeRecords(records)).toBeGreaterThanOrEqual(4);
    for (const [i, r] of records.entries()) {
      hits.push(...findLeaks(r.argv.join("\n"), `argv of ${r.via} process ${i} (${r.program})`, needles));
    }

    expect(hits, describeHits(hits)).toEqual([]);
    expect(scanned.files).toBeGreaterThan(10);

    // 5. Files holding secrets: mode 600 while in use (recorded by the wrappers/preload as the
    //    process started), gone afterwards — nothing named like them is left anywhere.
    const secretFiles = records.flatMap((r) => r.secretFileModes);
    expect(secretFiles.map((f) => f.flag).sort(), describeRecords(records)).toEqual(
      expect.arrayContaining(["--env-file", "--secrets-file"]),
    );
    for (const f of secretFiles) {
      expect(f.mode, `${f.flag} ${f.path}`).toBe("600");
      expect(existsSync(f.path), `${f.path} is removed`).toBe(false);
      expect(existsSync(dirname(f.path)), `${dirname(f.path)} is removed`).toBe(false);
    }
    const left = [...runnerTemps, privateTmp].flatMap((d) =>
      readdirSync(d, { recursive: true, encoding: "utf8" }).map((e) => join(d, e)),
    );
    expect(left.filter((f) => /cfcd-(secrets|smoke|wrangler-out)-/.test(f))).toEqual([]);
    expect(filesUnder(project.dir).filter((f) => f.includes("wrangler.cf-containers-deploy"))).toEqual([]);
  }, 480_000);
});
