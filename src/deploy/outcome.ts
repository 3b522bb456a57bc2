/** What a deploy produced, for outputs, the job summary, the PR comment and the verify step. */

export interface PhaseTiming {
  name: string;
  ms: number;
  ok: boolean;
}

export interface DeployOutcome {
  workerName: string;
  /** The workers.dev URL (empty when wrangler reported none, e.g. routes only). */
  url?: string;
  versionId?: string;
  /** Pushed image reference(s); the first one is the `image` output. */
  images: string[];
  preview: boolean;
  prNumber?: number;
  /** false for a fork pull_request run that validated and built but did not deploy. */
  deployed: boolean;
  phases: PhaseTiming[];
}

/** Times each phase; a thrown error records the phase as failed and re-throws. */
export class PhaseClock {
  readonly phases: PhaseTiming[] = [];
  constructor(private readonly now: () => number = () => performance.now()) {}

  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const start = this.now();
    try {
      const value = await fn();
      this.phases.push({ name, ms: Math.round(this.now() - start), ok: true });
      return value;
    } catch (error) {
      this.phases.push({ name, ms: Math.round(this.now() - start), ok: false });
      throw error;
    }
  }
}
