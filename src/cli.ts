import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  renderGithub,
  renderJson,
  renderText,
  validateDirectory,
  workspacePath,
} from "./commands/validate.js";
import { UsageError } from "./errors.js";
import { reportFailure } from "./main.js";
import { installInterruptHandlers } from "./shell/interrupt.js";
import { consoleIo } from "./shell/io.js";

const USAGE = `Usage:
  cf-containers-deploy validate [dir] [--config F] [--env E] [--format text|json|github]
  cf-containers-deploy preflight [dir] [--config F] [--env E]     validate + build + smoke test, nothing pushed
  cf-containers-deploy health <url> [--timeout S] [--expect-status N] [--expect-body T] [--sha SHA] [--format text|json]
  cf-containers-deploy deploy [dir] [--<input> value ...] [--sha SHA] [--pr N]
  cf-containers-deploy destroy [dir] --pr N [--worker-name NAME]
      Flags are the action's inputs (--worker-name, --vars 'A=1', --secrets NAME, --smoke-test-network host, ...);
      repeat a multiline input to add lines. Tokens come from CLOUDFLARE_API_TOKEN, CLOUDFLARE_ACCOUNT_ID and
      GITHUB_TOKEN, never from flags. --pr N deploys (or destroys) the preview of pull request N.

Exit codes: 0 success; 1 the project or the deploy is at fault; 2 bad usage or a missing tool.
`;

interface Streams {
  stdout(s: string): void;
  stderr(s: string): void;
}

function validateCli(args: string[], out: Streams): number {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      env: { type: "string" },
      format: { type: "string", default: "text" },
    },
  });
  if (positionals.length > 1)
    throw new UsageError(`validate takes one directory, got ${positionals.length}.`);
  const format = values.format ?? "text";
  if (!["text", "json", "github"].includes(format)) {
    throw new UsageError(`--format must be text, json or github, not '${format}'.`);
  }
  const dir = positionals[0] ?? ".";
  const outcome = validateDirectory(dir, {
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values.env !== undefined ? { environment: values.env } : {}),
  });
  const { diagnostics, counts } = outcome;
  if (format === "json") out.stdout(renderJson(diagnostics, counts));
  else if (format === "github") {
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    out.stdout(renderGithub(diagnostics, (d) => workspacePath(workspace, resolve(dir), d.file)));
  } else out.stdout(renderText(diagnostics, counts));
  return counts.errors > 0 ? 1 : 0;
}

export async function main(argv: string[], out: Streams): Promise<number> {
  const io = consoleIo();
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "validate":
        return validateCli(rest, out);
      // The other commands load on demand, so `validate` starts fast.
      case "health": {
        const { healthCommand } = await import("./verify/health-command.js");
        return await healthCommand(rest, out, process.env);
      }
      case "preflight": {
        const { preflightCli } = await import("./cli-pipeline.js");
        await preflightCli(rest, { env: process.env, cwd: process.cwd(), io });
        return 0;
      }
      case "deploy":
      case "destroy": {
        const { pipelineCli } = await import("./cli-pipeline.js");
        await pipelineCli(command, rest, { env: process.env, cwd: process.cwd(), io });
        return 0;
      }
      case undefined:
      case "-h":
      case "--help":
      case "help":
        out.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(
          `Unknown command '${command}'.`,
          `Run 'cf-containers-deploy --help' for the commands.`,
        );
    }
  } catch (error) {
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS")) {
      return reportFailure(
        new UsageError(error.message, "Run 'cf-containers-deploy --help' for the flags."),
        io,
      );
    }
    return reportFailure(error, io);
  }
}

installInterruptHandlers();
process.exitCode = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
