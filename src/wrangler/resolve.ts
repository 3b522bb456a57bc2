import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import * as actionsCache from "@actions/cache";
import * as toolCache from "@actions/tool-cache";
import { UsageError } from "../errors.js";
import type { Exec } from "../shell/exec.js";
import { tail } from "../shell/exec.js";
import type { Io } from "../shell/io.js";

/** A wrangler ready to run: `process.execPath <entry>`. */
export interface ResolvedWrangler {
  entry: string;
  version: string;
  source: "project" | "tool-cache" | "actions-cache" | "installed";
}

/** `<dir>/node_modules/wrangler`'s bin entry, if wrangler is installed there. */
export function wranglerEntryIn(dir: string): { entry: string; version: string } | undefined {
  const pkgPath = join(dir, "node_modules", "wrangler", "package.json");
  if (!existsSync(pkgPath)) return undefined;
  try {
    const pkg = JSON.parse(readFileSync(pkgPath, "utf8")) as { version?: unknown; bin?: unknown };
    const bin =
      typeof pkg.bin === "string"
        ? pkg.bin
        : typeof pkg.bin === "object" && pkg.bin !== null && "wrangler" in pkg.bin
          ? String((pkg.bin as Record<string, unknown>).wrangler)
          : "bin/wrangler.js";
    const entry = join(dirname(pkgPath), bin);
    if (!existsSync(entry)) return undefined;
    return { entry, version: typeof pkg.version === "string" ? pkg.version : "unknown" };
  } catch {
    return undefined;
  }
}

/** The project's own wrangler: the nearest node_modules/wrangler walking up from `start`. */
export function findProjectWrangler(start: string): { entry: string; version: string } | undefined {
  let dir = resolve(start);
  for (;;) {
    const found = wranglerEntryIn(dir);
    if (found) return found;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function actionsCacheKey(version: string, platform = process.platform, arch = process.arch): string {
  return `wrangler-${version}-${platform}-${arch}`;
}

export interface ResolveOptions {
  workingDirectory: string;
  version: string;
  env: Record<string, string | undefined>;
  exec: Exec;
  io: Io;
  /** Use the GitHub Actions cache (on GitHub runners). */
  onGitHub: boolean;
}

/** Where wrangler versions are kept off GitHub (no RUNNER_TOOL_CACHE): the user's cache dir. */
function ownCacheDir(env: Record<string, string | undefined>, version: string): string {
  const root = env.XDG_CACHE_HOME || join(env.HOME || homedir(), ".cache");
  return join(root, "cf-containers-deploy", "wrangler", version);
}

/**
 * The project's wrangler if it has one; else `version` from the tool cache (installed with npm
 * once, and on GitHub saved to / restored from the Actions cache).
 */
export async function resolveWrangler(o: ResolveOptions): Promise<ResolvedWrangler> {
  const own = findProjectWrangler(o.workingDirectory);
  if (own) {
    o.io.info(`wrangler ${own.version}: the project's own (${own.entry}).`);
    return { ...own, source: "project" };
  }
  if (!/^[0-9A-Za-z.+-]+$/.test(o.version)) {
    throw new UsageError(
      `Input 'wrangler-version' is '${o.version}', which is not a version.`,
      "Use a version such as 4.164.0.",
    );
  }
  const useToolCache = Boolean(o.env.RUNNER_TOOL_CACHE);
  const cachedDir = (): string | undefined => {
    if (useToolCache) {
      const dir = toolCache.find("wrangler", o.version);
      return dir || undefined;
    }
    const dir = ownCacheDir(o.env, o.version);
    return existsSync(join(dir, ".complete")) ? dir : undefined;
  };
  const ready = (dir: string, source: ResolvedWrangler["source"]): ResolvedWrangler | undefined => {
    const found = wranglerEntryIn(dir);
    if (!found) return undefined;
    o.io.info(`wrangler ${found.version}: ${source === "tool-cache" ? "cached" : source} (${found.entry}).`);
    return { ...found, source };
  };

  let dir = cachedDir();
  if (dir) {
    const r = ready(dir, "tool-cache");
    if (r) return r;
  }
  const actionsCacheOn = o.onGitHub && useToolCache && actionsCache.isFeatureAvailable();
  const cachePath = useToolCache
    ? join(o.env.RUNNER_TOOL_CACHE ?? "", "wrangler", o.version)
    : ownCacheDir(o.env, o.version);
  if (actionsCacheOn) {
    try {
      const hit = await actionsCache.restoreCache([cachePath], actionsCacheKey(o.version));
      if (hit) {
        dir = cachedDir();
        const r = dir ? ready(dir, "actions-cache") : undefined;
        if (r) return r;
      }
    } catch (error) {
      o.io.warning(`Could not restore wrangler from the Actions cache (${String(error)}); installing it.`);
    }
  }

  o.io.info(
    `The project has no wrangler installed; installing wrangler@${o.version} once into the tool cache.`,
  );
  const staging = mkdtempSync(join(o.env.RUNNER_TEMP || tmpdir(), "cfcd-wrangler-"));
  try {
    const npm = await o.exec(
      "npm",
      [
        "install",
        "--prefix",
        staging,
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        `wrangler@${o.version}`,
      ],
      { env: { ...process.env, ...o.env } as NodeJS.ProcessEnv, timeoutMs: 10 * 60_000 },
    );
    if (npm.notFound) {
      throw new UsageError(
        `npm was not found, so wrangler@${o.version} cannot be installed.`,
        "Install Node.js with npm (actions/setup-node), or add wrangler to the project's devDependencies.",
      );
    }
    if (npm.exitCode !== 0) {
      throw new UsageError(
        `npm install wrangler@${o.version} failed (exit ${npm.exitCode}):\n${tail(npm.stderr || npm.stdout)}`,
        "Check that the version exists and the npm registry is reachable (proxy settings), or add wrangler to the project's devDependencies.",
      );
    }
    if (useToolCache) {
      dir = await toolCache.cacheDir(staging, "wrangler", o.version);
    } else {
      dir = ownCacheDir(o.env, o.version);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dirname(dir), { recursive: true });
      await toolCacheCopy(staging, dir);
      writeFileSync(join(dir, ".complete"), "");
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const r = ready(dir, "installed");
  if (!r) {
    throw new UsageError(
      `wrangler@${o.version} was installed but its entry point is missing in ${dir}.`,
      "Remove that folder and run again.",
    );
  }
  if (actionsCacheOn) {
    try {
      await actionsCache.saveCache([cachePath], actionsCacheKey(o.version));
    } catch (error) {
      o.io.warning(
        `Could not save wrangler to the Actions cache (${String(error)}); the next run installs it again.`,
      );
    }
  }
  return r;
}

async function toolCacheCopy(from: string, to: string): Promise<void> {
  const { cp } = await import("node:fs/promises");
  await cp(from, to, { recursive: true, verbatimSymlinks: true });
}
