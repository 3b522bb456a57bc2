import { UsageError } from "./errors.js";

/**
 * Every input of action.yml with its default. The action reads INPUT_* through `readInput`;
 * a missing input takes the default here, which a test keeps equal to action.yml's.
 */
export const INPUT_DEFAULTS = {
  command: "deploy",
  "working-directory": ".",
  config: "",
  environment: "",
  "api-token": "",
  "account-id": "",
  preview: "auto",
  "worker-name": "",
  secrets: "",
  vars: "",
  build: "true",
  "build-args": "",
  cache: "auto",
  "smoke-test": "true",
  "smoke-test-network": "bridge",
  "health-path": "/api/health",
  "health-url": "",
  "health-timeout": "300",
  "health-expect-status": "200",
  "health-expect-body": "",
  "containers-rollout": "auto",
  comment: "true",
  "github-token": "",
  "github-deployment": "false",
  "wrangler-version": "4.164.0",
  "allow-forks": "false",
} as const;

export type InputName = keyof typeof INPUT_DEFAULTS;

export interface NamedValue {
  name: string;
  value: string;
}

/** The action's inputs, parsed and checked once. */
export interface Inputs {
  command: "deploy" | "validate" | "destroy";
  /** The backend folder holding the wrangler config. */
  workingDirectory: string;
  /** Wrangler config path relative to workingDirectory; undefined = auto. */
  config?: string;
  environment?: string;
  apiToken?: string;
  accountId?: string;
  preview: "auto" | "true" | "false";
  workerName?: string;
  /** Secret values resolved (from the line or the named env var); every value is masked at parse time. */
  secrets: NamedValue[];
  vars: NamedValue[];
  build: boolean;
  buildArgs: NamedValue[];
  cache: "auto" | "gha" | "local" | "none";
  smokeTest: boolean;
  smokeTestNetwork: "bridge" | "host";
  healthPath: string;
  healthUrl?: string;
  healthTimeoutSeconds: number;
  healthExpectStatus: number;
  healthExpectBody?: string;
  containersRollout: "auto" | "immediate" | "gradual";
  comment: boolean;
  githubToken?: string;
  githubDeployment: boolean;
  wranglerVersion: string;
  allowForks: boolean;
}

export interface InputSource {
  /** Raw value of an input, undefined when not set. */
  read(name: InputName): string | undefined;
  /** Environment, for `secrets` lines that name a variable. */
  env: Record<string, string | undefined>;
  /** Called with every secret value before anything is logged (core.setSecret in the action). */
  mask(value: string): void;
}

/** INPUT_* variables as the runner sets them (name upper-cased, spaces to underscores, dashes kept). */
export function envInputSource(
  env: Record<string, string | undefined>,
  mask: (v: string) => void,
): InputSource {
  return {
    read: (name) => env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`],
    env,
    mask,
  };
}

function oneOf<T extends string>(name: InputName, raw: string, allowed: readonly T[]): T {
  const v = raw.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new UsageError(
    `Input '${name}' is '${raw}', which is not one of: ${allowed.join(", ")}.`,
    `Set '${name}' to one of ${allowed.map((a) => `'${a}'`).join(", ")}.`,
  );
}

function bool(name: InputName, raw: string): boolean {
  const v = raw.trim();
  if (["true", "True", "TRUE"].includes(v)) return true;
  if (["false", "False", "FALSE"].includes(v)) return false;
  throw new UsageError(
    `Input '${name}' is '${raw}', which is not a boolean.`,
    `Set '${name}' to 'true' or 'false'.`,
  );
}

function integer(name: InputName, raw: string, min: number, max: number): number {
  const v = raw.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(
      `Input '${name}' is '${raw}', which is not a whole number from ${min} to ${max}.`,
      `Set '${name}' to a number such as '${INPUT_DEFAULTS[name]}'.`,
    );
  }
  return Number(v);
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Multiline `NAME=value` lists. Blank lines and `#` comments are skipped; the value is everything
 * after the first `=`, kept verbatim (it may contain `=`, quotes, spaces).
 */
export function parseNamedLines(
  name: InputName,
  raw: string,
  options: { allowBareName?: (line: string, lineNo: number) => string | undefined } = {},
): NamedValue[] {
  const out: NamedValue[] = [];
  const seen = new Map<string, number>();
  raw.split(/\r?\n/).forEach((text, i) => {
    const lineNo = i + 1;
    const line = text.trim();
    if (line === "" || line.startsWith("#")) return;
    const eq = line.indexOf("=");
    const key = (eq === -1 ? line : line.slice(0, eq)).trim();
    if (!NAME_RE.test(key)) {
      throw new UsageError(
        `Input '${name}', line ${lineNo}: '${key.slice(0, 40)}' is not a valid name (letters, digits and _, not starting with a digit).`,
        `Write each line of '${name}' as NAME=value.`,
      );
    }
    let value: string | undefined;
    if (eq === -1) {
      value = options.allowBareName?.(key, lineNo);
      if (value === undefined) {
        throw new UsageError(
          `Input '${name}', line ${lineNo}: '${key}' has no value.`,
          `Write it as ${key}=value.`,
        );
      }
    } else {
      value = text.slice(text.indexOf("=") + 1).replace(/^\s+|\s+$/g, "");
    }
    const previous = seen.get(key);
    if (previous !== undefined) {
      throw new UsageError(
        `Input '${name}': '${key}' is given twice (lines ${previous} and ${lineNo}).`,
        "Keep one line per name.",
      );
    }
    seen.set(key, lineNo);
    out.push({ name: key, value });
  });
  return out;
}

/** Parse and check every input. Throws UsageError (exit 2) naming the input and the fix. */
export function parseInputs(source: InputSource): Inputs {
  const get = (name: InputName): string => {
    const raw = source.read(name);
    return raw === undefined || raw === "" ? INPUT_DEFAULTS[name] : raw;
  };
  const optional = (name: InputName): string | undefined => {
    const v = get(name).trim();
    return v === "" ? undefined : v;
  };

  const apiToken = optional("api-token");
  if (apiToken) source.mask(apiToken);
  const githubToken = optional("github-token");
  if (githubToken) source.mask(githubToken);

  const secrets = parseNamedLines("secrets", get("secrets"), {
    allowBareName: (key, lineNo) => {
      const fromEnv = source.env[key];
      if (fromEnv === undefined) {
        throw new UsageError(
          `Input 'secrets', line ${lineNo}: '${key}' names an environment variable that is not set.`,
          `Add '${key}: \${{ secrets.${key} }}' to the step's env:, or write the line as ${key}=value.`,
        );
      }
      return fromEnv;
    },
  });
  for (const s of secrets) if (s.value !== "") source.mask(s.value);

  const vars = parseNamedLines("vars", get("vars"));
  const secretNames = new Set(secrets.map((s) => s.name));
  const clash = vars.find((v) => secretNames.has(v.name));
  if (clash) {
    throw new UsageError(
      `'${clash.name}' is both a secret and a var.`,
      `Remove '${clash.name}' from 'vars' (secrets are bound to the Worker the same way).`,
    );
  }

  const healthPath = get("health-path").trim();
  if (!healthPath.startsWith("/")) {
    throw new UsageError(
      `Input 'health-path' is '${healthPath}'; it must start with '/'.`,
      "Use e.g. '/api/health'.",
    );
  }
  const healthUrl = optional("health-url");
  if (healthUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(healthUrl)) {
    throw new UsageError(
      `Input 'health-url' is '${healthUrl}', which is not an http(s) URL.`,
      "Use a full URL such as https://api.example.com/api/health.",
    );
  }
  const workerName = optional("worker-name");
  const environment = optional("environment");
  const config = optional("config");
  const accountId = optional("account-id");
  const healthExpectBody = get("health-expect-body") === "" ? undefined : get("health-expect-body");

  return {
    command: oneOf("command", get("command"), ["deploy", "validate", "destroy"] as const),
    workingDirectory: get("working-directory").trim() || ".",
    ...(config !== undefined ? { config } : {}),
    ...(environment !== undefined ? { environment } : {}),
    ...(apiToken !== undefined ? { apiToken } : {}),
    ...(accountId !== undefined ? { accountId } : {}),
    preview: oneOf("preview", get("preview"), ["auto", "true", "false"] as const),
    ...(workerName !== undefined ? { workerName } : {}),
    secrets,
    vars,
    build: bool("build", get("build")),
    buildArgs: parseNamedLines("build-args", get("build-args")),
    cache: oneOf("cache", get("cache"), ["auto", "gha", "local", "none"] as const),
    smokeTest: bool("smoke-test", get("smoke-test")),
    smokeTestNetwork: oneOf("smoke-test-network", get("smoke-test-network"), ["bridge", "host"] as const),
    healthPath,
    ...(healthUrl !== undefined ? { healthUrl } : {}),
    healthTimeoutSeconds: integer("health-timeout", get("health-timeout"), 1, 3600),
    healthExpectStatus: integer("health-expect-status", get("health-expect-status"), 100, 599),
    ...(healthExpectBody !== undefined ? { healthExpectBody } : {}),
    containersRollout: oneOf("containers-rollout", get("containers-rollout"), [
      "auto",
      "immediate",
      "gradual",
    ] as const),
    comment: bool("comment", get("comment")),
    ...(githubToken !== undefined ? { githubToken } : {}),
    githubDeployment: bool("github-deployment", get("github-deployment")),
    wranglerVersion: get("wrangler-version").trim(),
    allowForks: bool("allow-forks", get("allow-forks")),
  };
}
