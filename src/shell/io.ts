export interface AnnotationAt {
  title?: string;
  file?: string;
  startLine?: number;
  startColumn?: number;
}

/**
 * Where a command's visible effects go: the runner (annotations, outputs, job summary, masking)
 * or a terminal (the CLI). Commands only ever talk to this.
 */
export interface Io {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string, at?: AnnotationAt): void;
  error(message: string, at?: AnnotationAt): void;
  notice(message: string, at?: AnnotationAt): void;
  /** Run `fn` with its output folded under `name` (a collapsed log group on the runner). */
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  setOutput(name: string, value: string): void;
  /** Markdown for the job summary (ignored outside the runner). */
  summary(markdown: string): Promise<void>;
  /** Hide a value from every later log line. */
  mask(value: string): void;
}

/** A terminal Io for the CLI: plain lines on stderr, outputs as `name=value` on stdout when asked. */
export function consoleIo(
  options: { outputs?: (name: string, value: string) => void; verbose?: boolean } = {},
): Io {
  const masked: string[] = [];
  const scrub = (s: string) => masked.reduce((acc, v) => acc.split(v).join("***"), s);
  const where = (at?: AnnotationAt) =>
    at?.file
      ? `${at.file}${at.startLine ? `:${at.startLine}${at.startColumn ? `:${at.startColumn}` : ""}` : ""}: `
      : "";
  return {
    info: (m) => process.stderr.write(`${scrub(m)}\n`),
    debug: (m) => {
      if (options.verbose) process.stderr.write(`${scrub(m)}\n`);
    },
    warning: (m, at) => process.stderr.write(`warning: ${where(at)}${scrub(m)}\n`),
    error: (m, at) => process.stderr.write(`error: ${where(at)}${scrub(m)}\n`),
    notice: (m, at) => process.stderr.write(`notice: ${where(at)}${scrub(m)}\n`),
    group: async (name, fn) => {
      process.stderr.write(`── ${name}\n`);
      return fn();
    },
    setOutput: (name, value) => options.outputs?.(name, value),
    summary: async () => {},
    mask: (v) => {
      if (v.length >= 3) masked.push(v);
    },
  };
}
