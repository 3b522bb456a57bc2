import type { Diagnostic, Severity } from "../diagnostics.js";
import type { Project } from "../project/load.js";
import type { Position } from "../project/source.js";

export interface RuleContext {
  project: Project;
  /** The clock, for date rules (compatibility_date in the future). */
  now: Date;
}

/** One rule of the catalog (`../shared/reference/rules.md`): an id and a check that yields findings. */
export interface Rule {
  id: string;
  check(ctx: RuleContext): Iterable<Diagnostic>;
}

/** Build a diagnostic; `at` may be a position, a line number, or nothing (the whole file). */
export function finding(
  rule: string,
  severity: Severity,
  file: string,
  at: Position | number | undefined,
  message: string,
  hint: string,
): Diagnostic {
  const d: Diagnostic = { rule, severity, file, message, hint };
  if (typeof at === "number") d.line = at;
  else if (at) {
    d.line = at.line;
    d.column = at.column;
  }
  return d;
}
