import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Diagnostic } from "../../src/diagnostics.js";
import { loadProject } from "../../src/project/load.js";
import { validateProject } from "../../src/rules/index.js";

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const fastapiExample = join(repoRoot, "examples", "fastapi");

const made: string[] = [];

/**
 * A copy of examples/fastapi in a fresh temp dir, with `files` written over it
 * (a `null` value deletes that file). Returns the directory.
 */
export function exampleWith(files: Record<string, string | Buffer | null> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "cfcd-project-"));
  made.push(dir);
  cpSync(fastapiExample, dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    if (content === null) rmSync(path, { recursive: true, force: true });
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
  return dir;
}

/** Validate a directory; `now` defaults to a fixed date so date rules are stable. */
export function validateDir(
  dir: string,
  options: { environment?: string; config?: string; now?: Date } = {},
): Diagnostic[] {
  const project = loadProject(dir, {
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
    ...(options.config !== undefined ? { config: options.config } : {}),
  });
  return validateProject(project, options.now ?? new Date("2026-12-03T12:00:00Z"));
}

/** Diagnostics of one rule. */
export function byRule(diagnostics: Diagnostic[], rule: string): Diagnostic[] {
  return diagnostics.filter((d) => d.rule === rule);
}

export function cleanupProjects(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
