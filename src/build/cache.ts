/**
 * Which layer cache a build uses (the `cache` input), pure. Every choice carries the reason that is
 * logged, so a mode that cannot work says why instead of failing silently.
 */

export type CacheMode = "auto" | "gha" | "local" | "none";

export interface CacheFacts {
  mode: CacheMode;
  /** Running on a GitHub runner. */
  onGitHub: boolean;
  /** ACTIONS_CACHE_URL / ACTIONS_RESULTS_URL and ACTIONS_RUNTIME_TOKEN are set (the step can reach the cache service). */
  actionsCacheEnv: boolean;
  /** Driver of the current buildx builder (`docker`, `docker-container`, `kubernetes`, `remote`…). */
  driver: string | undefined;
  /** Folder for cache=local. */
  localDir: string;
  /** Cache scope (e.g. the container repository name), so images do not evict each other. */
  scope: string;
}

export interface CachePlan {
  kind: "gha" | "local" | "daemon" | "none";
  /** Create and use a docker-container builder first (gha on a `docker`-driver runner). */
  createBuilder: boolean;
  reason: string;
  /** Build flags (builder flag excluded). */
  flags: string[];
}

/** Drivers whose builders can export cache (the `docker` driver cannot). */
export function driverExportsCache(driver: string | undefined): boolean {
  return driver !== undefined && driver !== "docker";
}

export function ghaFlags(scope: string): string[] {
  return ["--cache-from", `type=gha,scope=${scope}`, "--cache-to", `type=gha,mode=max,scope=${scope}`];
}

/** Local cache: read from `dir`, write a fresh `dir`-new that replaces it afterwards (keeps it from growing). */
export function localFlags(dir: string, exists: boolean): string[] {
  return [
    ...(exists ? ["--cache-from", `type=local,src=${dir}`] : []),
    "--cache-to",
    `type=local,dest=${dir}-new,mode=max`,
  ];
}

const DAEMON = "using the daemon's layer cache";

export function planCache(f: CacheFacts, localExists: boolean): CachePlan {
  const daemon = (reason: string): CachePlan => ({ kind: "daemon", createBuilder: false, reason, flags: [] });
  const gha = (reason: string): CachePlan => ({
    kind: "gha",
    createBuilder: !driverExportsCache(f.driver),
    reason,
    flags: ghaFlags(f.scope),
  });
  const local = (reason: string): CachePlan => ({
    kind: "local",
    createBuilder: false,
    reason,
    flags: localFlags(f.localDir, localExists),
  });
  const ghaBlocker = !f.onGitHub
    ? "not running on a GitHub runner"
    : !f.actionsCacheEnv
      ? "ACTIONS_CACHE_URL/ACTIONS_RUNTIME_TOKEN are not set for this step (the cache service is not reachable)"
      : undefined;
  switch (f.mode) {
    case "none":
      return {
        kind: "none",
        createBuilder: false,
        reason: "cache=none: building without any cache",
        flags: ["--no-cache"],
      };
    case "gha":
      if (ghaBlocker) return daemon(`cache=gha cannot work here (${ghaBlocker}); ${DAEMON}`);
      return gha(
        driverExportsCache(f.driver)
          ? "cache=gha: GitHub Actions cache"
          : "cache=gha: GitHub Actions cache, through a docker-container builder created for it (the docker driver cannot export cache)",
      );
    case "local":
      if (!driverExportsCache(f.driver))
        return daemon(`cache=local needs a docker-container builder; ${DAEMON}`);
      return local(`cache=local: ${f.localDir}`);
    case "auto":
      if (!ghaBlocker)
        return gha("cache=auto picked gha: running on a GitHub runner with the Actions cache service");
      if (driverExportsCache(f.driver)) {
        return local(
          `cache=auto picked local (${f.localDir}): ${ghaBlocker}, and the '${f.driver}' builder can export cache`,
        );
      }
      return daemon(
        `cache=auto: ${ghaBlocker}, and the current builder uses the '${f.driver ?? "unknown"}' driver, which cannot export cache; ${DAEMON}`,
      );
  }
}
