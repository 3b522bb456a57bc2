// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text uses ${VAR} literally.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../../src/project/load.js";
import { dockerfileRules } from "../../../src/rules/dockerfile.js";
import { validateProject } from "../../../src/rules/index.js";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../../helpers/project.js";

afterAll(cleanupProjects);

const FROM = "FROM --platform=linux/amd64 python:3.11-slim";
const CMD = 'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]';

/** A Dockerfile from lines; line 1 is the first element. */
function dockerfile(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/** Validate the example with this Dockerfile (and other overrides) and keep one rule's findings. */
function run(rule: string, text: string, files: Record<string, string | null> = {}) {
  return byRule(validateDir(exampleWith({ Dockerfile: text, ...files })), rule);
}

const dockerRuleIds = [
  "dockerfile-parse",
  "dockerfile-platform-non-amd64",
  "dockerfile-platform-missing",
  "dockerfile-from-arg-unresolved",
  "dockerfile-base-unpinned",
  "dockerfile-cmd-missing",
  "dockerfile-cmd-shell-form",
  "dockerfile-shell-form-on-scratch",
  "dockerfile-bind-loopback",
  "dockerfile-port-mismatch",
  "dockerfile-expose-missing",
  "dockerfile-expose-mismatch",
  "dockerfile-secret-in-arg-env",
  "dockerfile-copy-outside-context",
  "dockerfile-dev-server",
  "dockerfile-runtime-install",
  "dockerfile-healthcheck-unused",
  "dockerfile-port-env-unset",
  "dockerfile-workers-vs-memory",
  "dockerfile-buildplatform-native-binary",
  "dockerfile-copy-dotenv",
];

describe("the valid example", () => {
  it("every Dockerfile rule is registered once", () => {
    expect(dockerfileRules.map((r) => r.id).sort()).toEqual([...dockerRuleIds].sort());
  });

  it("raises no Dockerfile finding", () => {
    const d = validateDir(fastapiExample).filter((x) => x.rule.startsWith("dockerfile-"));
    expect(d).toEqual([]);
  });
});

interface Case {
  name: string;
  rule: string;
  text: string;
  files?: Record<string, string | null>;
  severity: "error" | "warning" | "info";
  line: number;
  message?: string;
}

const firing: Case[] = [
  {
    name: "no FROM",
    rule: "dockerfile-parse",
    text: dockerfile("# nothing", "RUN echo hi"),
    severity: "error",
    line: 1,
    message: "no FROM",
  },
  {
    name: "instruction before FROM",
    rule: "dockerfile-parse",
    text: dockerfile("RUN echo hi", FROM, CMD),
    severity: "error",
    line: 1,
    message: "before the first FROM",
  },
  {
    name: "unknown instruction",
    rule: "dockerfile-parse",
    text: dockerfile(FROM, "RUNN pip install x", "EXPOSE 8000", CMD),
    severity: "error",
    line: 2,
    message: "RUNN",
  },
  {
    name: "broken JSON CMD",
    rule: "dockerfile-parse",
    text: dockerfile(FROM, "EXPOSE 8000", "CMD ['uvicorn', 'app:app']"),
    severity: "error",
    line: 3,
    message: "not valid JSON",
  },
  {
    name: "COPY with one argument",
    rule: "dockerfile-parse",
    text: dockerfile(FROM, "COPY app.py", "EXPOSE 8000", CMD),
    severity: "error",
    line: 2,
  },
  {
    name: "arm64 final stage",
    rule: "dockerfile-platform-non-amd64",
    text: dockerfile("FROM --platform=linux/arm64 python:3.11-slim", "EXPOSE 8000", CMD),
    severity: "error",
    line: 1,
    message: "linux/arm64",
  },
  {
    name: "platform through ARG",
    rule: "dockerfile-platform-non-amd64",
    text: dockerfile(
      "ARG PLAT=linux/arm64/v8",
      "FROM --platform=${PLAT} python:3.11-slim",
      "EXPOSE 8000",
      CMD,
    ),
    severity: "error",
    line: 2,
    message: "linux/arm64/v8",
  },
  {
    name: "$BUILDPLATFORM final stage",
    rule: "dockerfile-platform-non-amd64",
    text: dockerfile("FROM --platform=$BUILDPLATFORM python:3.11-slim", "EXPOSE 8000", CMD),
    severity: "error",
    line: 1,
    message: "BUILDPLATFORM",
  },
  {
    name: "inherited arm64 stage",
    rule: "dockerfile-platform-non-amd64",
    text: dockerfile("FROM --platform=linux/arm64 python:3.11-slim AS base", "FROM base", "EXPOSE 8000", CMD),
    severity: "error",
    line: 1,
  },
  {
    name: "no --platform",
    rule: "dockerfile-platform-missing",
    text: dockerfile("FROM python:3.11-slim", "EXPOSE 8000", CMD),
    severity: "warning",
    line: 1,
  },
  {
    name: "FROM ${BASE} without default",
    rule: "dockerfile-from-arg-unresolved",
    text: dockerfile("ARG BASE", "FROM --platform=linux/amd64 ${BASE}", "EXPOSE 8000", CMD),
    severity: "error",
    line: 2,
    message: "$BASE",
  },
  {
    name: "FROM $TAG never declared",
    rule: "dockerfile-from-arg-unresolved",
    text: dockerfile("FROM --platform=linux/amd64 python:$TAG", "EXPOSE 8000", CMD),
    severity: "error",
    line: 1,
    message: "no ARG before the first FROM",
  },
  {
    name: "untagged base",
    rule: "dockerfile-base-unpinned",
    text: dockerfile("FROM --platform=linux/amd64 python", "EXPOSE 8000", CMD),
    severity: "warning",
    line: 1,
  },
  {
    name: ":latest base",
    rule: "dockerfile-base-unpinned",
    text: dockerfile("FROM --platform=linux/amd64 python:latest AS b", "EXPOSE 8000", CMD),
    severity: "warning",
    line: 1,
  },
  {
    name: "no CMD",
    rule: "dockerfile-cmd-missing",
    text: dockerfile(FROM, "COPY app.py .", "EXPOSE 8000"),
    severity: "error",
    line: 1,
    message: "no CMD or ENTRYPOINT",
  },
  {
    name: "no CMD in final stage of a chain",
    rule: "dockerfile-cmd-missing",
    text: dockerfile("FROM python:3.11-slim AS build", "RUN true", FROM, "EXPOSE 8000"),
    severity: "error",
    line: 3,
  },
  {
    name: "shell-form CMD",
    rule: "dockerfile-cmd-shell-form",
    text: dockerfile(FROM, "EXPOSE 8000", "CMD uvicorn app:app --host 0.0.0.0 --port 8000"),
    severity: "warning",
    line: 3,
    message: "shell form",
  },
  {
    name: "shell form on scratch",
    rule: "dockerfile-shell-form-on-scratch",
    text: dockerfile(
      "FROM --platform=linux/amd64 scratch",
      "COPY app.py /",
      "EXPOSE 8000",
      "CMD /server --port 8000",
    ),
    severity: "error",
    line: 4,
    message: "scratch",
  },
  {
    name: "uvicorn without --host (exec form)",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["uvicorn", "app:app", "--port", "8000"]'),
    severity: "error",
    line: 3,
    message: "127.0.0.1",
  },
  {
    name: "uvicorn --host 127.0.0.1 (shell form)",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", "CMD exec uvicorn app:app --host 127.0.0.1 --port 8000"),
    severity: "error",
    line: 3,
  },
  {
    name: "uvicorn --host=localhost",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["uvicorn", "app:app", "--host=localhost", "--port=8000"]'),
    severity: "error",
    line: 3,
    message: "localhost",
  },
  {
    name: "python -m uvicorn via ENTRYPOINT + CMD",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(
      FROM,
      "EXPOSE 8000",
      'ENTRYPOINT ["python", "-m", "uvicorn"]',
      'CMD ["app:app", "--port", "8000"]',
    ),
    severity: "error",
    line: 3,
  },
  {
    name: "gunicorn -b localhost",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(
      FROM,
      "EXPOSE 8000",
      'CMD ["gunicorn", "-k", "uvicorn.workers.UvicornWorker", "-b", "localhost:8000", "app:app"]',
    ),
    severity: "error",
    line: 3,
  },
  {
    name: "gunicorn without bind or PORT",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["gunicorn", "app:app"]'),
    severity: "error",
    line: 3,
  },
  {
    name: "hypercorn without bind",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["hypercorn", "app:app"]'),
    severity: "error",
    line: 3,
  },
  {
    name: "flask run without --host",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["flask", "run", "--port", "8000"]'),
    severity: "error",
    line: 3,
  },
  {
    name: "django runserver default",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["python", "manage.py", "runserver"]'),
    severity: "error",
    line: 3,
  },
  {
    name: "sh -c with a loopback uvicorn",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["sh", "-c", "cd /app && uvicorn app:app --port 8000"]'),
    severity: "error",
    line: 3,
  },
  {
    name: "--port 9000 vs defaultPort 8000",
    rule: "dockerfile-port-mismatch",
    text: dockerfile(
      FROM,
      "EXPOSE 8000",
      'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "9000"]',
    ),
    severity: "error",
    line: 3,
    message: "9000",
  },
  {
    name: "$PORT from ENV",
    rule: "dockerfile-port-mismatch",
    text: dockerfile(
      FROM,
      "ENV PORT=8080",
      "EXPOSE 8000",
      "CMD exec uvicorn app:app --host 0.0.0.0 --port $PORT",
    ),
    severity: "error",
    line: 4,
    message: "8080",
  },
  {
    name: "flask default port 5000",
    rule: "dockerfile-port-mismatch",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["flask", "run", "--host", "0.0.0.0"]'),
    severity: "error",
    line: 3,
    message: "5000",
  },
  {
    name: "gunicorn bind port",
    rule: "dockerfile-port-mismatch",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["gunicorn", "-b", "0.0.0.0:5000", "app:app"]'),
    severity: "error",
    line: 3,
    message: "5000",
  },
  {
    name: "no EXPOSE",
    rule: "dockerfile-expose-missing",
    text: dockerfile(FROM, CMD),
    severity: "warning",
    line: 1,
  },
  {
    name: "EXPOSE without defaultPort",
    rule: "dockerfile-expose-mismatch",
    text: dockerfile(FROM, "EXPOSE 9000", CMD),
    severity: "warning",
    line: 2,
    message: "8000",
  },
  {
    name: "ENV API_KEY",
    rule: "dockerfile-secret-in-arg-env",
    text: dockerfile(FROM, "ENV API_KEY=abc123", "EXPOSE 8000", CMD),
    severity: "error",
    line: 2,
    message: "API_KEY",
  },
  {
    name: "ARG GITHUB_TOKEN default",
    rule: "dockerfile-secret-in-arg-env",
    text: dockerfile(FROM, "ARG GITHUB_TOKEN=ghp_abcdef", "EXPOSE 8000", CMD),
    severity: "error",
    line: 2,
  },
  {
    name: "legacy ENV form",
    rule: "dockerfile-secret-in-arg-env",
    text: dockerfile(FROM, "ENV DB_PASSWORD hunter2", "EXPOSE 8000", CMD),
    severity: "error",
    line: 2,
  },
  {
    name: "COPY ../",
    rule: "dockerfile-copy-outside-context",
    text: dockerfile(FROM, "COPY ../shared /shared", "EXPOSE 8000", CMD),
    severity: "error",
    line: 2,
    message: "outside the build context",
  },
  {
    name: "COPY a missing file",
    rule: "dockerfile-copy-outside-context",
    text: dockerfile(FROM, "COPY requirements.txt missing.py ./", "EXPOSE 8000", CMD),
    severity: "error",
    line: 2,
    message: "missing.py",
  },
  {
    name: "uvicorn --reload",
    rule: "dockerfile-dev-server",
    text: dockerfile(
      FROM,
      "EXPOSE 8000",
      'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000", "--reload"]',
    ),
    severity: "warning",
    line: 3,
    message: "--reload",
  },
  {
    name: "pip install at start",
    rule: "dockerfile-runtime-install",
    text: dockerfile(
      FROM,
      "EXPOSE 8000",
      "CMD pip install -r requirements.txt && exec uvicorn app:app --host 0.0.0.0 --port 8000",
    ),
    severity: "warning",
    line: 3,
  },
  {
    name: "HEALTHCHECK",
    rule: "dockerfile-healthcheck-unused",
    text: dockerfile(FROM, "EXPOSE 8000", "HEALTHCHECK CMD curl -f http://localhost:8000/api/health", CMD),
    severity: "info",
    line: 3,
  },
  {
    name: "$PORT never set",
    rule: "dockerfile-port-env-unset",
    text: dockerfile(FROM, "EXPOSE 8000", "CMD exec uvicorn app:app --host 0.0.0.0 --port $PORT"),
    severity: "warning",
    line: 3,
    message: "$PORT",
  },
  {
    name: "4 gunicorn workers on basic",
    rule: "dockerfile-workers-vs-memory",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["gunicorn", "-w", "4", "-b", "0.0.0.0:8000", "app:app"]'),
    severity: "warning",
    line: 3,
    message: "4 worker",
  },
  {
    name: "builder on $BUILDPLATFORM copied into the final image",
    rule: "dockerfile-buildplatform-native-binary",
    text: dockerfile(
      "FROM --platform=$BUILDPLATFORM golang:1.22 AS build",
      "RUN go build -o /out/server .",
      FROM,
      "COPY --from=build /out/server /server",
      "EXPOSE 8000",
      CMD,
    ),
    severity: "warning",
    line: 1,
    message: "TARGETARCH",
  },
  {
    name: "COPY . . with .env not ignored",
    rule: "dockerfile-copy-dotenv",
    text: dockerfile(FROM, "COPY . .", "EXPOSE 8000", CMD),
    files: { ".env": "API_KEY=x\n", ".dockerignore": "node_modules\n!.env\n" },
    severity: "warning",
    line: 2,
    message: ".env",
  },
];

describe("Dockerfile rules fire", () => {
  it.each(firing)("$rule: $name", (c) => {
    const d = run(c.rule, c.text, c.files);
    expect(d.length).toBeGreaterThan(0);
    const hit = d.find((x) => x.line === c.line);
    expect(hit, JSON.stringify(d)).toBeDefined();
    expect(hit).toMatchObject({ rule: c.rule, severity: c.severity, file: "Dockerfile", line: c.line });
    expect(hit?.hint.length).toBeGreaterThan(5);
    if (c.message) expect(hit?.message).toContain(c.message);
  });
});

const silent: { name: string; rule: string; text: string; files?: Record<string, string | null> }[] = [
  {
    name: "$TARGETPLATFORM",
    rule: "dockerfile-platform-non-amd64",
    text: dockerfile("FROM --platform=$TARGETPLATFORM python:3.11-slim", "EXPOSE 8000", CMD),
  },
  {
    name: "builder on $BUILDPLATFORM, final amd64",
    rule: "dockerfile-platform-non-amd64",
    text: dockerfile(
      "FROM --platform=$BUILDPLATFORM golang:1.22 AS build",
      "RUN true",
      FROM,
      "EXPOSE 8000",
      CMD,
    ),
  },
  {
    name: "ARG default for FROM",
    rule: "dockerfile-from-arg-unresolved",
    text: dockerfile("ARG BASE=python:3.11-slim", "FROM --platform=linux/amd64 ${BASE}", "EXPOSE 8000", CMD),
  },
  {
    name: "${X:-default} in FROM",
    rule: "dockerfile-from-arg-unresolved",
    text: dockerfile("ARG PY", "FROM --platform=linux/amd64 python:${PY:-3.11}-slim", "EXPOSE 8000", CMD),
  },
  {
    name: "image_vars supplies the value",
    rule: "dockerfile-from-arg-unresolved",
    text: dockerfile("ARG BASE", "FROM --platform=linux/amd64 ${BASE}", "EXPOSE 8000", CMD),
    files: {
      "wrangler.toml": `name = "fastapi-backend"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n\n[[containers]]\nclass_name = "Backend"\nimage = "./Dockerfile"\ninstance_type = "basic"\nmax_instances = 5\nimage_vars = { BASE = "python:3.11-slim" }\n\n[[durable_objects.bindings]]\nname = "BACKEND"\nclass_name = "Backend"\n\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["Backend"]\n`,
    },
  },
  {
    name: "CMD inherited from an earlier stage",
    rule: "dockerfile-cmd-missing",
    text: dockerfile(`${FROM} AS base`, "EXPOSE 8000", CMD, "FROM base", "COPY app.py ."),
  },
  {
    name: "exec-prefixed shell form",
    rule: "dockerfile-cmd-shell-form",
    text: dockerfile(FROM, "EXPOSE 8000", "CMD exec uvicorn app:app --host 0.0.0.0 --port 8000"),
  },
  {
    name: "gunicorn with ENV PORT",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "ENV PORT=8000", "EXPOSE 8000", 'CMD ["gunicorn", "app:app"]'),
  },
  {
    name: "gunicorn -b :8000",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["gunicorn", "-b", ":8000", "app:app"]'),
  },
  {
    name: "django 0.0.0.0:8000",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]'),
  },
  {
    name: "fastapi run defaults",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["fastapi", "run", "app.py"]'),
  },
  {
    name: "start script (unknown)",
    rule: "dockerfile-bind-loopback",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["./start.sh"]'),
  },
  {
    name: "uvicorn default port 8000",
    rule: "dockerfile-port-mismatch",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]'),
  },
  {
    name: "exec-form $PORT is not resolved",
    rule: "dockerfile-port-mismatch",
    text: dockerfile(
      FROM,
      "ENV PORT=9000",
      "EXPOSE 8000",
      'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "$PORT"]',
    ),
  },
  {
    name: "EXPOSE range",
    rule: "dockerfile-expose-mismatch",
    text: dockerfile(FROM, "EXPOSE 7000-9000/tcp", CMD),
  },
  {
    name: "DEPLOY_SHA build arg",
    rule: "dockerfile-secret-in-arg-env",
    text: dockerfile(FROM, "ARG DEPLOY_SHA=unknown", "ENV DEPLOY_SHA=${DEPLOY_SHA}", "EXPOSE 8000", CMD),
  },
  {
    name: "TOKENIZERS_PARALLELISM and unset ARG",
    rule: "dockerfile-secret-in-arg-env",
    text: dockerfile(
      FROM,
      "ENV TOKENIZERS_PARALLELISM=false",
      "ARG NPM_TOKEN",
      "ENV API_KEY_FILE=/run/secrets/key",
      "EXPOSE 8000",
      CMD,
    ),
  },
  {
    name: "COPY --from and absolute context path",
    rule: "dockerfile-copy-outside-context",
    text: dockerfile(
      "FROM python:3.11-slim AS b",
      "RUN true",
      FROM,
      "COPY --from=b /usr/lib /usr/lib",
      "COPY /app.py ./",
      "COPY *.txt ./",
      "EXPOSE 8000",
      CMD,
    ),
  },
  {
    name: "$PORT set by ENV",
    rule: "dockerfile-port-env-unset",
    text: dockerfile(
      FROM,
      "ENV PORT=8000",
      "EXPOSE 8000",
      "CMD exec uvicorn app:app --host 0.0.0.0 --port $PORT",
    ),
  },
  {
    name: "${PORT:-8000}",
    rule: "dockerfile-port-env-unset",
    text: dockerfile(FROM, "EXPOSE 8000", "CMD exec uvicorn app:app --host 0.0.0.0 --port ${PORT:-8000}"),
  },
  {
    name: "2 workers on basic",
    rule: "dockerfile-workers-vs-memory",
    text: dockerfile(FROM, "EXPOSE 8000", 'CMD ["gunicorn", "-w", "2", "-b", "0.0.0.0:8000", "app:app"]'),
  },
  {
    name: "HEALTHCHECK NONE",
    rule: "dockerfile-healthcheck-unused",
    text: dockerfile(FROM, "EXPOSE 8000", "HEALTHCHECK NONE", CMD),
  },
  {
    name: "cross-compiling builder",
    rule: "dockerfile-buildplatform-native-binary",
    text: dockerfile(
      "FROM --platform=$BUILDPLATFORM golang:1.22 AS build",
      "ARG TARGETARCH",
      "RUN GOARCH=$TARGETARCH go build -o /out/server .",
      FROM,
      "COPY --from=build /out/server /server",
      "EXPOSE 8000",
      CMD,
    ),
  },
  {
    name: ".env excluded by .dockerignore",
    rule: "dockerfile-copy-dotenv",
    text: dockerfile(FROM, "COPY . .", "EXPOSE 8000", CMD),
    files: { ".env": "API_KEY=x\n", ".dev.vars": "A=1\n" },
  },
];

describe("Dockerfile rules stay silent", () => {
  it.each(silent)("$rule: $name", (c) => {
    expect(run(c.rule, c.text, c.files)).toEqual([]);
  });

  it("the Container class entrypoint replaces the image's start command", () => {
    const worker = `import { Container, getContainer } from "@cloudflare/containers";\nexport class Backend extends Container {\n  defaultPort = 8000;\n  entrypoint = ["/server"];\n}\nexport default { fetch(r, env) { return getContainer(env.BACKEND).fetch(r); } };\n`;
    const d = validateDir(
      exampleWith({ Dockerfile: dockerfile(FROM, "EXPOSE 8000"), "src/index.js": worker }),
    );
    expect(byRule(d, "dockerfile-cmd-missing")).toEqual([]);
  });
});

describe("Dockerfiles outside the project root", () => {
  it("name the Dockerfile's own path and check its own build context", () => {
    const toml = `name = "fastapi-backend"\nmain = "src/index.js"\ncompatibility_date = "2026-11-01"\n\n[[containers]]\nclass_name = "Backend"\nimage = "./server/Dockerfile"\ninstance_type = "basic"\nmax_instances = 5\n\n[[durable_objects.bindings]]\nname = "BACKEND"\nclass_name = "Backend"\n\n[[migrations]]\ntag = "v1"\nnew_sqlite_classes = ["Backend"]\n`;
    const d = validateDir(
      exampleWith({
        "wrangler.toml": toml,
        "server/Dockerfile": dockerfile(
          FROM,
          "COPY app.py .",
          "COPY main.py .",
          "EXPOSE 8000",
          'CMD ["uvicorn", "app:app", "--port", "8000"]',
        ),
        "server/app.py": "app = None\n",
        "server/requirements.txt": "uvicorn==0.34.0\n",
      }),
    );
    expect(byRule(d, "dockerfile-bind-loopback")).toMatchObject([
      { file: "server/Dockerfile", line: 5, severity: "error" },
    ]);
    const copy = byRule(d, "dockerfile-copy-outside-context");
    expect(copy).toMatchObject([{ file: "server/Dockerfile", line: 3 }]);
    expect(copy[0]?.message).toContain("main.py");
  });
});

describe("hostile Dockerfiles", () => {
  it("a 1 MiB Dockerfile validates quickly", () => {
    const big =
      `${FROM}\n${"RUN echo hello && ls -la /tmp \\\n  && true\n".repeat(20000)}EXPOSE 8000\n${CMD}\n`.slice(
        0,
        1024 * 1024 - 100,
      );
    const dir = exampleWith({ Dockerfile: `${big}\n${CMD}\n` });
    const started = performance.now();
    const d = validateDir(dir);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(byRule(d, "internal-error")).toEqual([]);
  });

  it("one huge RUN line stays fast", () => {
    const run = `RUN ${"apt-get install -y pip install x -r req.txt ".repeat(22000)}`;
    const dir = exampleWith({ Dockerfile: `${FROM}\n${run}\nEXPOSE 8000\n${CMD}\n` });
    const started = performance.now();
    const d = validateDir(dir);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(byRule(d, "internal-error")).toEqual([]);
  });

  it("reports at most 50 findings of one rule per file", () => {
    const copies = Array.from({ length: 200 }, (_, i) => `COPY missing${i}.txt ./`).join("\n");
    const d = run("dockerfile-copy-outside-context", `${FROM}\n${copies}\nEXPOSE 8000\n${CMD}\n`);
    expect(d).toHaveLength(50);
    expect(d[0]).toMatchObject({ line: 2, severity: "error" });
  });

  it("thousands of chained stages stay fast", () => {
    const stages = Array.from({ length: 30000 }, (_, i) => `FROM s${i} AS s${i + 1}`).join("\n");
    const text = `${FROM} AS s0\n${stages}\nEXPOSE 8000\n${CMD}\n`;
    const dir = exampleWith({ Dockerfile: text });
    const started = performance.now();
    const d = validateDir(dir);
    expect(performance.now() - started).toBeLessThan(5000);
    expect(byRule(d, "internal-error")).toEqual([]);
    expect(byRule(d, "dockerfile-platform-missing")).toEqual([]);
  });

  it("random Dockerfile text never breaks validation (property)", () => {
    const dir = exampleWith();
    const fragment = fc.constantFrom(
      "FROM ",
      "FROM --platform=",
      "$BUILDPLATFORM",
      "${X:-y}",
      "${",
      "$",
      "AS ",
      "python:3.11",
      " scratch",
      "CMD ",
      "ENTRYPOINT ",
      "[",
      "]",
      '"',
      "'",
      ",",
      "\\",
      "\n",
      " ",
      "uvicorn app:app",
      " --host ",
      " --port ",
      "127.0.0.1",
      "8000",
      "EXPOSE ",
      "ENV ",
      "ARG ",
      "API_KEY=",
      "=",
      "COPY ",
      "../",
      "--from=",
      "<<EOF",
      "EOF",
      "#",
      "sh -c ",
      "gunicorn -b ",
      "ONBUILD ",
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => {
        const text = parts.join("");
        writeFileSync(join(dir, "Dockerfile"), text);
        const diagnostics = validateProject(loadProject(dir));
        const lines = text.split("\n").length;
        for (const d of diagnostics) {
          expect(d.rule).not.toBe("internal-error");
          if (d.file === "Dockerfile" && d.line !== undefined) {
            expect(Number.isInteger(d.line)).toBe(true);
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.line).toBeLessThanOrEqual(lines + 1);
          }
          if (dockerRuleIds.includes(d.rule)) expect(d.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 150 },
    );
  });
});
