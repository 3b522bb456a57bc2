/**
 * Errors the failure funnel knows how to report. Anything else is a bug and is reported as one
 * (message plus a request to file an issue), never as a bare stack trace.
 */

/** Bad usage or a missing tool: exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/** The project or the deploy is at fault: exit code 1. */
export class ProjectError extends Error {
  readonly exitCode: number = 1;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "ProjectError";
  }
}

export type Phase = "validate" | "build" | "smoke" | "push" | "deploy" | "verify" | "report" | "destroy";

/** A pipeline phase failed. Says which, and what is already live so the user knows where they stand. */
export class PhaseError extends ProjectError {
  constructor(
    readonly phase: Phase,
    message: string,
    readonly live: string,
    hint?: string,
    readonly exitCodeOverride?: number,
  ) {
    super(message, hint);
    this.name = "PhaseError";
    if (exitCodeOverride !== undefined) (this as { exitCode: number }).exitCode = exitCodeOverride;
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError || error instanceof ProjectError) return error.exitCode;
  return 1;
}
