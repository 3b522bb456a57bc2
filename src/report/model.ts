/**
 * The facts a deploy reports: one value, rendered purely into the PR comment and the job summary.
 * The deploy/destroy flow fills it in as the phases go by.
 */

/** The status words of SPEC §6, fixed. */
export type DeployStatus = "Deploying" | "Healthy" | "Unhealthy" | "Failed" | "Removed";

export const DEPLOY_STATUSES: readonly DeployStatus[] = [
  "Deploying",
  "Healthy",
  "Unhealthy",
  "Failed",
  "Removed",
];

/** Structurally a subset of src/verify's HealthResult, so that result can be passed as is. */
export interface HealthFacts {
  healthy: boolean;
  attempts: number;
  timeToHealthyMs: number | null;
  elapsedMs: number;
  lastStatus: number | null;
  /** Why it is not healthy, e.g. "container-not-starting" (src/verify FailureClass); null when healthy. */
  classification?: string | null;
  /** One-line advice for the classification. */
  hint?: string | null;
  /** Short excerpt of the last body received. */
  lastBodyExcerpt?: string | null;
}

export interface PhaseTiming {
  name: string;
  ms: number;
  ok: boolean;
}

export interface FailureFacts {
  /** The phase that failed (validate, build, push, deploy, verify, destroy, …). */
  phase: string;
  message: string;
  /** What is live now, so the reader knows where they stand. */
  live: string;
}

export interface DeployReport {
  workerName: string;
  status: DeployStatus;
  /** The commit the run is about (SPEC §2). */
  sha: string;
  url?: string;
  healthUrl?: string;
  versionId?: string;
  image?: string;
  preview: boolean;
  health?: HealthFacts;
  phases: PhaseTiming[];
  failure?: FailureFacts;
  /** Link to the workflow run. */
  runUrl?: string;
  prNumber?: number;
  branch?: string;
  /** Pull request title. */
  title?: string;
  /** ISO 8601 time of this report; supplied by the caller so rendering stays pure. */
  updatedAt: string;
}
