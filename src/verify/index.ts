/**
 * verify: poll the deployed health URL. `verifyHealth` wires the pure poller to the real shell
 * (clock, timers, Math.random, undici through the environment's proxy); everything else is pure.
 */

export type { ErrorKind, FailureClass, ProbeOutcome } from "./classify.js";
export { expandExpectation, sanitizeExcerpt, usesShaTokens } from "./classify.js";
export { healthCommand } from "./health-command.js";
export type { HealthOptions, HealthResult, PollDeps, Probe, ProbeRequest } from "./poll.js";
export { displayUrl, pollHealth } from "./poll.js";
export { createHttpProbe } from "./probe.js";
export type { HealthJson } from "./render.js";
export { healthJson, renderHealthText } from "./render.js";
export type { BackoffPolicy } from "./schedule.js";
export { DEFAULT_POLICY } from "./schedule.js";
export type { HealthTarget } from "./target.js";
export { resolveHealthUrl } from "./target.js";
export type { VerifyShell } from "./verify.js";
export { realDeps, verifyHealth } from "./verify.js";
