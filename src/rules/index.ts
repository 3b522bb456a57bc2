import type { Diagnostic } from "../diagnostics.js";
import { sortDiagnostics } from "../diagnostics.js";
import type { Project } from "../project/load.js";
import { appRules } from "./app.js";
import { dockerfileRules } from "./dockerfile.js";
import { layoutRules } from "./layout.js";
import { pkgRules } from "./pkg.js";
import type { Rule } from "./rule.js";
import { secretsRules } from "./secrets.js";
import { sqlRules } from "./sql.js";
import { workerRules } from "./worker.js";
import { wranglerRules } from "./wrangler.js";

export const allRules: readonly Rule[] = [
  ...layoutRules,
  ...wranglerRules,
  ...dockerfileRules,
  ...pkgRules,
  ...workerRules,
  ...appRules,
  ...sqlRules,
  ...secretsRules,
];

/** Run every rule over a loaded project. A rule that throws is a bug: it is reported, never fatal. */
export function validateProject(project: Project, now: Date = new Date()): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const rule of allRules) {
    try {
      out.push(...rule.check({ project, now }));
    } catch (error) {
      out.push({
        rule: "internal-error",
        severity: "warning",
        file: project.config?.file ?? ".",
        message: `Rule ${rule.id} failed: ${(error as Error).message ?? String(error)}. Its check was skipped.`,
        hint: "Please report this with the file that triggered it.",
      });
    }
  }
  return sortDiagnostics(out);
}
