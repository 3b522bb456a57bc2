import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";

/**
 * What must not outlive a cancelled run (a runner sends SIGINT, then SIGTERM, when a job is
 * cancelled, and `finally` blocks do not run then): temp files with secrets, the generated config,
 * the smoke container. Each is registered while it exists and undone on a signal.
 */
type Undo = () => void;
const pending = new Set<Undo>();

/** Register an undo for the current resource; call the returned function once it is cleaned up normally. */
export function onInterrupt(undo: Undo): () => void {
  pending.add(undo);
  return () => {
    pending.delete(undo);
  };
}

export const removePathOnInterrupt = (path: string) =>
  onInterrupt(() => rmSync(path, { recursive: true, force: true }));

export const removeContainerOnInterrupt = (name: string, env: NodeJS.ProcessEnv) =>
  onInterrupt(() => {
    spawnSync("docker", ["rm", "-f", name], { env, stdio: "ignore", timeout: 20_000 });
  });

/** Run every registered undo, then exit with the signal's conventional code. Installed by the entry points. */
export function installInterruptHandlers(): void {
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    process.once(signal, () => {
      for (const undo of [...pending]) {
        try {
          undo();
        } catch {
          // best effort: keep undoing the rest
        }
      }
      pending.clear();
      process.exit(code);
    });
  }
}
