/**
 * Rebuilding an unchanged image with the layer cache the action picks here (`cache: auto`) vs
 * without any cache (`cache: none`, `--no-cache`), with the action's own buildx argv, in one run:
 * examples/busybox itself, and a heavier offline image whose build stage does seconds of real work.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { buildxArgv, inspectBuilderArgv, parseBuilderDriver } from "../src/build/argv.js";
import { type CachePlan, planCache } from "../src/build/cache.js";
import { fmtMs, median } from "./lib.js";

const fmt = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : fmtMs(ms));

/**
 * FROM scratch + a static busybox, then a stage that RUNs busybox: 16 MiB of random data, hashed
 * 50 times (a few seconds of CPU, like a dependency install or a compile step), and a final image
 * that keeps only the checksums. DEPLOY_SHA comes last, so a new commit does not invalidate the
 * expensive layers.
 */
const HEAVY_DOCKERFILE = `FROM --platform=linux/amd64 scratch AS work
COPY busybox /bin/busybox
SHELL ["/bin/busybox", "sh", "-c"]
RUN /bin/busybox mkdir -p /bin /data && /bin/busybox --install -s /bin && \\
    for i in 1 2 3 4; do dd if=/dev/urandom of=/data/blob$i bs=1M count=4 2>/dev/null; done
RUN for i in $(seq 1 50); do sha256sum /data/blob* >/dev/null; done && sha256sum /data/blob* > /data/SUMS
FROM --platform=linux/amd64 scratch
COPY busybox /bin/busybox
COPY --from=work /data/SUMS /SUMS
ARG DEPLOY_SHA=unknown
ENV DEPLOY_SHA=\${DEPLOY_SHA}
EXPOSE 8000
CMD ["/bin/busybox", "httpd", "-f", "-p", "0.0.0.0:8000", "-h", "/"]
`;

interface Image {
  readonly label: string;
  readonly context: string;
  /** Extra build flags this machine needs (none for images without RUN). */
  readonly extra: readonly string[];
}

function docker(args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 10 * 60_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function timeBuild(image: Image, tag: string, sha: string, plan: CachePlan): number {
  const argv = buildxArgv({
    tag,
    sha,
    buildArgs: [],
    imageVars: {},
    cacheFlags: plan.flags,
    dockerfile: join(image.context, "Dockerfile"),
    context: image.context,
  });
  // `buildx build` + this machine's extra flags, then the action's argv unchanged
  const full = [...argv.slice(0, 2), ...image.extra, ...argv.slice(2)];
  const start = performance.now();
  const r = docker(full);
  const ms = performance.now() - start;
  if (!r.ok) throw new Error(`docker ${full.join(" ")} failed:\n${r.out.slice(-1500)}`);
  return ms;
}

export interface BuildCacheBenchOptions {
  /** Rebuilds per image and mode; default 3. */
  readonly runs?: number;
}

export async function runBuildCacheBench(
  repo: string,
  options: BuildCacheBenchOptions = {},
): Promise<string> {
  const runs = options.runs ?? 3;
  if (!docker(["info"]).ok)
    throw new Error("build-cache bench: docker is required (run test/infra/setup-docker.sh)");
  if (!existsSync("/bin/busybox"))
    throw new Error("build-cache bench: /bin/busybox is required (busybox-static)");
  const driver = parseBuilderDriver(docker(inspectBuilderArgv()).out);
  const facts = {
    onGitHub: false,
    actionsCacheEnv: false,
    driver,
    localDir: join(tmpdir(), "cfcd-bench-buildx-cache"),
    scope: "bench",
  };
  const cached = planCache({ ...facts, mode: "auto" }, false);
  const none = planCache({ ...facts, mode: "none" }, false);

  const work = mkdtempSync(join(tmpdir(), "cfcd-bench-build-"));
  const example = join(work, "example");
  const heavy = join(work, "heavy");
  mkdirSync(example);
  mkdirSync(heavy);
  for (const f of ["Dockerfile", ".dockerignore"]) {
    const from = join(repo, "examples", "busybox", f);
    if (existsSync(from)) copyFileSync(from, join(example, f));
  }
  copyFileSync("/bin/busybox", join(example, "busybox"));
  copyFileSync("/bin/busybox", join(heavy, "busybox"));
  writeFileSync(join(heavy, "Dockerfile"), HEAVY_DOCKERFILE);
  const images: Image[] = [
    { label: "examples/busybox (FROM scratch + COPY busybox, 1.9 MB)", context: example, extra: [] },
    {
      label: "heavier offline image (busybox build stage: 16 MiB generated, hashed 50×)",
      context: heavy,
      // this daemon runs without a bridge network (ENVIRONMENT.md): RUN steps need one or none
      extra: ["--network", "none"],
    },
  ];
  const tags: string[] = [];
  const results: { image: Image; cached: number[]; none: number[]; first: number }[] = [];
  try {
    for (const [index, image] of images.entries()) {
      const repoName = `cfcd-bench-build-cache-${index}-${process.pid}`;
      let n = 0;
      const next = () => {
        // every build a new commit, as in CI: only the DEPLOY_SHA layer differs
        const sha = `${(n++).toString(16).padStart(8, "0")}${"0".repeat(32)}`;
        const tag = `${repoName}:${sha}`;
        tags.push(tag);
        return { tag, sha };
      };
      const w = next();
      const first = timeBuild(image, w.tag, w.sha, cached); // warm-up: fills the cache
      const r = { image, cached: [] as number[], none: [] as number[], first };
      for (let i = 0; i < runs; i++) {
        // interleaved, so drift on a shared machine hits both modes alike
        const a = next();
        r.cached.push(timeBuild(image, a.tag, a.sha, cached));
        const b = next();
        r.none.push(timeBuild(image, b.tag, b.sha, none));
      }
      results.push(r);
    }
  } finally {
    for (let i = 0; i < tags.length; i += 20) docker(["rmi", "-f", ...tags.slice(i, i + 20)]);
    rmSync(work, { recursive: true, force: true });
  }
  return [
    "## Rebuilding the unchanged image: layer cache vs no cache",
    "",
    "| image | with cache (`cache: auto`) | without (`cache: none`, `--no-cache`) | without ÷ with |",
    "|---|---:|---:|---:|",
    ...results.map((r) => {
      const c = median(r.cached);
      const n = median(r.none);
      return `| ${r.image.label} | ${fmt(c)} | ${fmt(n)} | ${(n / c).toFixed(1)}× |`;
    }),
    "",
    `Method: same machine, same run; medians of ${runs} rebuilds per image and mode, interleaved (cached, uncached, cached, …) after one warm-up build; wall clock of the whole \`docker buildx build\` process. ` +
      `The argv is the action's own (\`buildxArgv\` from src/build/argv.ts: \`--platform linux/amd64 --provenance=false --load\`, a tag and \`--build-arg DEPLOY_SHA=<sha>\`) with the cache flags \`planCache\` (src/build/cache.ts) gives for \`cache: auto\` here — ${cached.kind === "daemon" ? "the daemon's layer cache, no flags" : `${cached.kind}: ${cached.flags.join(" ")}`} (builder driver '${driver ?? "unknown"}') — and for \`cache: none\` (\`${none.flags.join(" ")}\`). ` +
      "Each build uses a new DEPLOY_SHA, as every commit does, so the ARG layer is rebuilt and the layers before it come from the cache. " +
      "The heavier image: `FROM scratch`, COPY a static busybox, `SHELL [busybox sh -c]`, a RUN that writes 16 MiB from /dev/urandom with dd and a RUN that hashes it 50 times with sha256sum; the final stage keeps busybox and the checksums (built with `--network none`: this daemon has no bridge, and the RUN steps need no network). " +
      `Warm-up builds (they fill the cache unless an earlier run already did): ${results.map((r) => fmt(r.first)).join(", ")}.`,
    "",
  ].join("\n");
}
