/** Smoke test planning and wording, pure. */

export interface SmokeRunArgs {
  image: string;
  name: string;
  network: "bridge" | "host";
  containerPort: number;
  /** Host port published on 127.0.0.1 (bridge only). */
  hostPort?: number;
  envFile?: string;
}

export function smokeRunArgv(a: SmokeRunArgs): string[] {
  const argv = ["run", "-d", "--name", a.name, "--label", "cf-containers-deploy.smoke=1"];
  if (a.envFile !== undefined) argv.push("--env-file", a.envFile);
  if (a.network === "host") argv.push("--network", "host");
  else argv.push("-p", `127.0.0.1:${a.hostPort ?? a.containerPort}:${a.containerPort}`);
  argv.push(a.image);
  return argv;
}

/** The port the app listens on: the Worker class's defaultPort, else the first EXPOSE, else 8080. */
export function containerPortOf(
  defaultPort: number | undefined,
  exposed: readonly number[],
): { port: number; from: string } {
  if (defaultPort !== undefined) return { port: defaultPort, from: "the container class's defaultPort" };
  const first = exposed[0];
  if (first !== undefined) return { port: first, from: "the image's EXPOSE" };
  return { port: 8080, from: "the default (no defaultPort, no EXPOSE)" };
}

/**
 * `--env-file` text: one NAME=value a line. Docker's env-file has no quoting or multi-line values;
 * those names are returned to be reported (never their values).
 */
export function envFileText(values: readonly { name: string; value: string }[]): {
  text: string;
  skipped: string[];
} {
  const lines: string[] = [];
  const skipped: string[] = [];
  for (const v of values) {
    if (/[\r\n]/.test(v.value)) skipped.push(v.name);
    else lines.push(`${v.name}=${v.value}`);
  }
  return { text: lines.length ? `${lines.join("\n")}\n` : "", skipped };
}

export interface ProbeOutcome {
  healthy: boolean;
  attempts: number;
  /** The container stopped while being probed. */
  exited: boolean;
  exitCode?: number;
  lastStatus?: number;
  lastError?: string;
  url: string;
  expectStatus: number;
  seconds: number;
  network: "bridge" | "host";
}

/** Why a smoke test failed, in one sentence a user acts on. */
export function describeSmokeFailure(o: ProbeOutcome): string {
  if (o.exited) {
    return `the container exited (code ${o.exitCode ?? "unknown"}) before answering ${o.url}: it crashed on start`;
  }
  if (o.lastStatus !== undefined) {
    return `${o.url} answered ${o.lastStatus}, not ${o.expectStatus}, for ${o.seconds} s (${o.attempts} attempts)`;
  }
  const loopback =
    o.network === "bridge"
      ? " A server bound to 127.0.0.1 inside the container, or listening on another port, looks exactly like this: bind 0.0.0.0 on the container port."
      : " Check that the server listens on 0.0.0.0 and on this port.";
  return `nothing answered ${o.url} within ${o.seconds} s (${o.attempts} attempts; last error: ${o.lastError ?? "none"}).${loopback}`;
}
