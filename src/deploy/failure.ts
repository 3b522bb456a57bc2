import type { CommandFailure } from "../wrangler/output-file.js";

/** Wording of deploy failures, pure. */

export const LIVE_NOTHING = "Nothing changed: the previous deployment still serves.";

export function liveAfterDeployFailure(uploaded: boolean, workerName: string): string {
  return uploaded
    ? `The new Worker version of ${workerName} may already be live (wrangler uploads the Worker before it rolls out containers); its containers were not rolled out. Check with \`wrangler deployments list --name ${workerName}\`.`
    : LIVE_NOTHING;
}

/** "<code>: <message>" from wrangler's command-failed entries, else the exit status and output tail. */
export function deployFailureMessage(
  failures: readonly CommandFailure[],
  exitCode: number,
  outputTail: string,
): string {
  const first = failures[0];
  if (first) {
    const code = first.code !== undefined ? `${first.code}: ` : "";
    return `wrangler deploy failed: ${code}${first.message}`;
  }
  return `wrangler deploy failed (exit ${exitCode}) without a machine-readable result:\n${outputTail}`;
}

export function pushFailureMessage(
  tag: string,
  failures: readonly CommandFailure[],
  exitCode: number,
  outputTail: string,
): string {
  const first = failures[0];
  if (first)
    return `wrangler containers push ${tag} failed: ${first.code !== undefined ? `${first.code}: ` : ""}${first.message}`;
  return `wrangler containers push ${tag} failed (exit ${exitCode}):\n${outputTail}`;
}
