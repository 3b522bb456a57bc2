import { spawnSync } from "node:child_process";
import { cpus, release, totalmem } from "node:os";
import { performance } from "node:perf_hooks";

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

export function fmtMs(ms: number): string {
  return ms >= 100 ? `${ms.toFixed(0)} ms` : `${ms.toFixed(2)} ms`;
}

/** Wall time of a whole process, `runs` times after one warm-up; throws if it fails. */
export function timeProcess(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; runs: number; okCodes?: number[] },
): number[] {
  const times: number[] = [];
  for (let i = 0; i <= options.runs; i++) {
    const start = performance.now();
    const r = spawnSync(file, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: "utf8" });
    const ms = performance.now() - start;
    if (!(options.okCodes ?? [0]).includes(r.status ?? -1)) {
      throw new Error(`${file} ${args.join(" ")} exited ${r.status}: ${(r.stderr || r.stdout).slice(-800)}`);
    }
    if (i > 0) times.push(ms);
  }
  return times;
}

export function machineLine(): string {
  const cpu = cpus();
  const docker = spawnSync("docker", ["version", "--format", "{{.Server.Version}}"], { encoding: "utf8" });
  return [
    `${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length} cores`,
    `${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM`,
    `Linux ${release()}`,
    `Node ${process.version}`,
    docker.status === 0 ? `Docker daemon ${docker.stdout.trim()}` : "no Docker daemon",
  ].join(", ");
}
