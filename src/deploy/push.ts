import { PhaseError } from "../errors.js";
import { tail } from "../shell/exec.js";
import type { Io } from "../shell/io.js";
import { pushArgv } from "../wrangler/argv.js";
import { parsePushedImage } from "../wrangler/output-file.js";
import type { WranglerRunner } from "../wrangler/runner.js";
import { LIVE_NOTHING, pushFailureMessage } from "./failure.js";

/** `wrangler containers push <tag>` → the pushed reference from its `Pushed image: <ref>` line. */
export async function pushImage(wrangler: WranglerRunner, tag: string, cwd: string, io: Io): Promise<string> {
  const run = await io.group(`wrangler containers push ${tag}`, () =>
    wrangler.run(pushArgv(tag), { cwd, stream: true, timeoutMs: 30 * 60_000 }),
  );
  const out = `${run.result.stdout}\n${run.result.stderr}`;
  if (run.result.exitCode !== 0 || run.output.failures.length > 0) {
    throw new PhaseError(
      "push",
      pushFailureMessage(tag, run.output.failures, run.result.exitCode, tail(out, 15)),
      LIVE_NOTHING,
      "Check that the api-token may push to the Cloudflare registry (Containers edit permission) and that account-id is right.",
    );
  }
  const ref = parsePushedImage(run.result.stdout);
  if (ref === undefined) {
    throw new PhaseError(
      "push",
      `wrangler containers push ${tag} succeeded but printed no 'Pushed image: <ref>' line, so the pushed reference is unknown:\n${tail(out, 10)}`,
      LIVE_NOTHING,
      "Use a wrangler version that prints 'Pushed image:' (4.x), e.g. set `wrangler-version`.",
    );
  }
  io.info(`Pushed ${tag} as ${ref}.`);
  return ref;
}
