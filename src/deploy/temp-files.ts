import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removePathOnInterrupt } from "../shell/interrupt.js";

/**
 * A private temp folder for files holding secrets (mode 600 inside a 700 folder), removed by
 * `dispose` — always call it in a finally.
 */
export interface SecretFiles {
  write(name: string, content: string): string;
  dispose(): void;
}

export function secretFiles(env: Record<string, string | undefined>): SecretFiles {
  const dir = mkdtempSync(join(env.RUNNER_TEMP || tmpdir(), "cfcd-secrets-"));
  chmodSync(dir, 0o700);
  const forget = removePathOnInterrupt(dir);
  return {
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content, { mode: 0o600 });
      chmodSync(path, 0o600);
      return path;
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}

/** `--secrets-file` JSON: `{"NAME":"value"}`. Pure. */
export function secretsJson(secrets: readonly { name: string; value: string }[]): string {
  return JSON.stringify(Object.fromEntries(secrets.map((s) => [s.name, s.value])));
}
