import type { DeployReport } from "../../../src/report/model.js";

export const SHA = "3f786850e387550fdab836ed7e6dc881de23001b";

/** A healthy preview deploy with every field filled in. */
export function healthyReport(overrides: Partial<DeployReport> = {}): DeployReport {
  return {
    workerName: "backend-pr-12",
    status: "Healthy",
    sha: SHA,
    url: "https://backend-pr-12.example.workers.dev",
    healthUrl: "https://backend-pr-12.example.workers.dev/api/health",
    versionId: "0f8d5e1a-6b2c-4c1e-9a57-0d4b8f1e2a33",
    image: `registry.cloudflare.com/5ad1c0ffee/backend-pr-12-backend:${SHA}`,
    preview: true,
    health: { healthy: true, attempts: 4, timeToHealthyMs: 12_345, elapsedMs: 12_345, lastStatus: 200 },
    phases: [
      { name: "validate", ms: 412, ok: true },
      { name: "build", ms: 35_210, ok: true },
      { name: "push", ms: 8_100, ok: true },
      { name: "deploy", ms: 6_020, ok: true },
      { name: "verify", ms: 12_345, ok: true },
    ],
    runUrl: "https://github.com/octo/app/actions/runs/42",
    prNumber: 12,
    branch: "feature/login",
    title: "Add login",
    updatedAt: "2026-12-03T13:28:10.000Z",
    ...overrides,
  };
}
