import { PhaseError } from "../errors.js";
import { tail } from "../shell/exec.js";
import type { Io } from "../shell/io.js";
import { pushArgv } from "../wrangler/argv.js";
import { parsePushedImage, stripAnsi } from "../wrangler/output-file.js";
import { runFailed, type WranglerRun, type WranglerRunner } from "../wrangler/runner.js";
import { LIVE_NOTHING, pushFailureMessage } from "./failure.js";

/** Each push attempt's bound; a push of a large image over a slow link takes minutes, not hours. */
export const PUSH_TIMEOUT_MS = 30 * 60_000;

/**
 * The whole story of a failed push, pure: wrangler's code and message (or exit status), how many
 * attempts were made and why they stopped, and the tail of the command's output (docker's and
 * the registry's words are only there).
 */
export function describePushFailure(
  tag: string,
  run: Pick<WranglerRun, "result" | "output" | "attempts" | "exhausted">,
): string {
  const outputTail = tail(stripAnsi(`${run.result.stdout}\n${run.result.stderr}`), 15);
  if (run.result.timedOut) {
    return `wrangler containers push ${tag} did not finish within ${PUSH_TIMEOUT_MS / 60_000} min and was stopped:\n${outputTail}`;
  }
  const head = pushFailureMessage(tag, run.output.failures, run.result.exitCode, outputTail);
  const attempts = run.exhausted
    ? ` (still failing after ${run.attempts} attempts)`
    : run.attempts > 1
      ? ` (attempt ${run.attempts})`
      : "";
  // pushFailureMessage already ends in the output tail when wrangler wrote no command-failed entry
  const withTail = run.output.failures.length > 0 && outputTail !== "" ? `${head}\n${outputTail}` : head;
  const [first, ...rest] = withTail.split("\n");
  return [`${first}${attempts}`, ...rest].join("\n");
}

/**
 * `wrangler containers push <tag>` → the pushed reference from its `Pushed image: <ref>` line.
 * A transient fault (Cloudflare API 5xx/429, registry or network trouble) is retried by the
 * runner: pushing the same tag again is idempotent.
 */
export async function pushImage(wrangler: WranglerRunner, tag: string, cwd: string, io: Io): Promise<string> {
  const run = await io.group(`wrangler containers push ${tag}`, () =>
    wrangler.run(pushArgv(tag), { cwd, stream: true, timeoutMs: PUSH_TIMEOUT_MS }),
  );
  if (runFailed(run)) {
    throw new PhaseError(
      "push",
      describePushFailure(tag, run),
      LIVE_NOTHING,
      run.exhausted
        ? "The Cloudflare API or registry kept failing; check https://www.cloudflarestatus.com and run the job again (nothing was deployed)."
        : "Check that the api-token may push to the Cloudflare registry (Containers edit permission), that account-id is right, and that this runner can reach the registry.",
    );
  }
  const out = `${run.result.stdout}\n${run.result.stderr}`;
  const ref = parsePushedImage(run.result.stdout);
  if (ref === undefined) {
    throw new PhaseError(
      "push",
      `wrangler containers push ${tag} succeeded but printed no 'Pushed image: <ref>' line, so the pushed reference is unknown:\n${tail(out, 10)}`,
      LIVE_NOTHING,
      "Use a wrangler version that prints 'Pushed image:' (4.x), e.g. set `wrangler-version`.",
    );
  }
  io.info(`Pushed ${tag} as ${ref}${run.attempts > 1 ? ` (after ${run.attempts} attempts)` : ""}.`);
  return ref;
}
