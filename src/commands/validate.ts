import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { countDiagnostics, type Diagnostic, type DiagnosticCounts } from "../diagnostics.js";
import { UsageError } from "../errors.js";
import { loadProject, type Project } from "../project/load.js";
import { nodeFs } from "../project/source.js";
import { validateProject } from "../rules/index.js";
import type { Io } from "../shell/io.js";

export interface ValidationOutcome {
  project: Project;
  diagnostics: Diagnostic[];
  counts: DiagnosticCounts;
}

export interface ValidateOptions {
  config?: string;
  environment?: string;
  now?: Date;
}

/** Load and validate the project in `dir`. Throws only for a directory that does not exist. */
export function validateDirectory(dir: string, options: ValidateOptions = {}): ValidationOutcome {
  const abs = resolve(dir);
  if (nodeFs.kind(abs) !== "dir") {
    throw new UsageError(
      `The project directory ${dir} does not exist.`,
      "Set `working-directory` (or the CLI's [dir]) to the backend folder that holds the Wrangler config.",
    );
  }
  if (options.config !== undefined) {
    const configAbs = resolve(abs, options.config);
    if (nodeFs.kind(configAbs) !== "file") {
      throw new UsageError(
        `The Wrangler config ${options.config} was not found in ${dir}.`,
        "The `config` path is relative to the working directory; leave it empty to use wrangler.json, .jsonc or .toml.",
      );
    }
  }
  const project = loadProject(abs.split(sep).join("/"), {
    ...(options.config !== undefined
      ? { config: relative(abs, resolve(abs, options.config)).split(sep).join("/") }
      : {}),
    ...(options.environment !== undefined ? { environment: options.environment } : {}),
  });
  const diagnostics = validateProject(project, options.now);
  return { project, diagnostics, counts: countDiagnostics(diagnostics) };
}

/** A diagnostic's file as GitHub needs it for annotations: relative to the repository root. */
export function workspacePath(workspace: string, projectDir: string, file: string): string {
  const abs = isAbsolute(file) ? file : join(projectDir, file);
  const rel = relative(workspace, abs);
  return (rel === "" ? "." : rel).split(sep).join("/");
}

function location(d: Diagnostic): string {
  return `${d.file}${d.line ? `:${d.line}${d.column ? `:${d.column}` : ""}` : ""}`;
}

export function renderText(diagnostics: readonly Diagnostic[], counts: DiagnosticCounts): string {
  const lines = diagnostics.map(
    (d) => `${location(d)}: ${d.severity} ${d.rule}: ${d.message}\n    fix: ${d.hint}`,
  );
  lines.push(`${counts.errors} error(s), ${counts.warnings} warning(s)`);
  return `${lines.join("\n")}\n`;
}

export function renderJson(diagnostics: readonly Diagnostic[], counts: DiagnosticCounts): string {
  return `${JSON.stringify({ errors: counts.errors, warnings: counts.warnings, diagnostics }, null, 2)}\n`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

const COMMAND: Record<Diagnostic["severity"], string> = {
  error: "error",
  warning: "warning",
  info: "notice",
};

/** GitHub workflow-command lines (`::error file=…,line=…::…`), paths already workspace-relative. */
export function renderGithub(diagnostics: readonly Diagnostic[], pathOf: (d: Diagnostic) => string): string {
  return diagnostics
    .map((d) => {
      const props = [`file=${escapeProperty(pathOf(d))}`];
      if (d.line) props.push(`line=${d.line}`);
      if (d.column) props.push(`col=${d.column}`);
      props.push(`title=${escapeProperty(d.rule)}`);
      return `::${COMMAND[d.severity]} ${props.join(",")}::${escapeData(`${d.message} Fix: ${d.hint}`)}\n`;
    })
    .join("");
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/\r?\n/g, " ");
}

export function renderValidationSummary(
  diagnostics: readonly Diagnostic[],
  counts: DiagnosticCounts,
  pathOf: (d: Diagnostic) => string,
): string {
  const head = `### Cloudflare Containers validation: ${counts.errors} error(s), ${counts.warnings} warning(s)\n\n`;
  if (diagnostics.length === 0) return `${head}No findings.\n`;
  const rows = diagnostics.map(
    (d) =>
      `| ${d.severity} | \`${d.rule}\` | ${cell(pathOf(d))}${d.line ? `:${d.line}` : ""} | ${cell(d.message)} | ${cell(d.hint)} |`,
  );
  return `${head}| severity | rule | where | what | fix |\n|---|---|---|---|---|\n${rows.join("\n")}\n`;
}

/** The action's validate step: annotations, outputs, summary. Returns the outcome; the caller decides failure. */
export async function reportValidation(outcome: ValidationOutcome, io: Io, workspace: string): Promise<void> {
  const pathOf = (d: Diagnostic) => workspacePath(workspace, outcome.project.dir, d.file);
  for (const d of outcome.diagnostics) {
    const at = {
      title: d.rule,
      file: pathOf(d),
      ...(d.line ? { startLine: d.line } : {}),
      ...(d.column ? { startColumn: d.column } : {}),
    };
    const text = `${d.message} Fix: ${d.hint}`;
    if (d.severity === "error") io.error(text, at);
    else if (d.severity === "warning") io.warning(text, at);
    else io.notice(text, at);
  }
  io.setOutput("errors", String(outcome.counts.errors));
  io.setOutput("warnings", String(outcome.counts.warnings));
  io.info(`Validation: ${outcome.counts.errors} error(s), ${outcome.counts.warnings} warning(s).`);
  await io.summary(renderValidationSummary(outcome.diagnostics, outcome.counts, pathOf));
}
