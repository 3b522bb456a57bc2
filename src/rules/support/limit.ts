import type { Diagnostic } from "../../diagnostics.js";
import type { Rule } from "../rule.js";

/** Findings of one rule per file kept at most: hostile or generated files should not drown the report. */
export const MAX_FINDINGS_PER_FILE = 50;

/** The same rule, reporting at most `max` findings per file. */
export function limitPerFile(rule: Rule, max = MAX_FINDINGS_PER_FILE): Rule {
  return {
    id: rule.id,
    *check(ctx) {
      const counts = new Map<string, number>();
      for (const d of rule.check(ctx) as Iterable<Diagnostic>) {
        const n = (counts.get(d.file) ?? 0) + 1;
        counts.set(d.file, n);
        if (n <= max) yield d;
      }
    },
  };
}
