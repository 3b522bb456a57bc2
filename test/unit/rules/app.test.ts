import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { loadProject } from "../../../src/project/load.js";
import { appRules } from "../../../src/rules/app.js";
import { validateProject } from "../../../src/rules/index.js";
import { byRule, cleanupProjects, exampleWith, fastapiExample, validateDir } from "../../helpers/project.js";

afterAll(cleanupProjects);

const FROM = "FROM --platform=linux/amd64 python:3.11-slim";

function lines(...ls: string[]): string {
  return `${ls.join("\n")}\n`;
}

/** A Dockerfile that installs requirements.txt and starts `cmd`. */
function dockerfile(cmd: string, ...extra: string[]): string {
  return lines(
    FROM,
    "WORKDIR /app",
    "COPY requirements.txt .",
    "RUN pip install --no-cache-dir -r requirements.txt",
    "COPY . .",
    ...extra,
    "EXPOSE 8000",
    cmd,
  );
}

const PYTHON_CMD = dockerfile('CMD ["python", "app.py"]');

function run(rule: string, files: Record<string, string | null>) {
  return byRule(validateDir(exampleWith(files)), rule);
}

describe("the valid example", () => {
  it("every app rule is registered once", () => {
    expect(appRules.map((r) => r.id).sort()).toEqual([
      "app-bind-loopback",
      "app-local-storage-write",
      "app-server-dep",
      "layout-app-module-missing",
      "layout-python-deps-missing",
    ]);
  });

  it("raises no app finding", () => {
    const d = validateDir(fastapiExample).filter(
      (x) =>
        x.rule.startsWith("app-") || x.rule.startsWith("layout-python") || x.rule.startsWith("layout-app"),
    );
    expect(d).toEqual([]);
  });
});

interface Case {
  name: string;
  rule: string;
  files: Record<string, string | null>;
  file: string;
  severity: "error" | "warning";
  line?: number;
  message?: string;
}

const APP_HEAD = ["import uvicorn", "from fastapi import FastAPI", "", "app = FastAPI()", ""];

const firing: Case[] = [
  {
    name: "uvicorn.run(app) without host, started with python app.py",
    rule: "app-bind-loopback",
    files: {
      Dockerfile: PYTHON_CMD,
      "app.py": lines(...APP_HEAD, 'if __name__ == "__main__":', "    uvicorn.run(app, port=8000)"),
    },
    file: "app.py",
    severity: "error",
    line: 7,
    message: "127.0.0.1",
  },
  {
    name: "uvicorn.run(host='localhost')",
    rule: "app-bind-loopback",
    files: {
      Dockerfile: PYTHON_CMD,
      "app.py": lines(
        ...APP_HEAD,
        "uvicorn.run(",
        "    app,",
        "    host='localhost',",
        "    port=8000,",
        ")",
      ),
    },
    file: "app.py",
    severity: "error",
    line: 6,
    message: "localhost",
  },
  {
    name: "Flask app.run() default host",
    rule: "app-bind-loopback",
    files: {
      Dockerfile: PYTHON_CMD,
      "app.py": lines(
        "from flask import Flask",
        "app = Flask(__name__)",
        "",
        "@app.get('/api/health')",
        "def health():",
        "    return 'ok'",
        "",
        "app.run(port=8000)",
      ),
      "requirements.txt": "flask==3.0.0\n",
    },
    file: "app.py",
    severity: "error",
    line: 8,
  },
  {
    name: "sqlite3.connect to a local file",
    rule: "app-local-storage-write",
    files: { "app.py": lines("import sqlite3", "", 'db = sqlite3.connect("data/app.db")') },
    file: "app.py",
    severity: "warning",
    line: 3,
    message: "data/app.db",
  },
  {
    name: "SQLAlchemy sqlite URL",
    rule: "app-local-storage-write",
    files: {
      "db.py": lines(
        "from sqlalchemy import create_engine",
        "",
        "engine = create_engine(",
        '    "sqlite:///./app.db"',
        ")",
      ),
    },
    file: "db.py",
    severity: "warning",
    line: 4,
    message: "sqlite:///./app.db",
  },
  {
    name: "open(…, 'w')",
    rule: "app-local-storage-write",
    files: {
      "app.py": lines(
        "def save(data):",
        "    with open('uploads/latest.json', 'w') as f:",
        "        f.write(data)",
      ),
    },
    file: "app.py",
    severity: "warning",
    line: 2,
  },
  {
    name: "Path(...).write_text",
    rule: "app-local-storage-write",
    files: { "app.py": lines("from pathlib import Path", "Path('state.json').write_text('{}')") },
    file: "app.py",
    severity: "warning",
    line: 2,
  },
  {
    name: "pip install -r of a missing file",
    rule: "layout-python-deps-missing",
    files: { "requirements.txt": null },
    file: "Dockerfile",
    severity: "error",
    line: 7,
    message: "requirements.txt",
  },
  {
    name: "-r of a file that exists under another name only",
    rule: "layout-python-deps-missing",
    files: {
      Dockerfile: lines(
        FROM,
        "COPY requirements.txt .",
        "RUN pip install -r requirements-prod.txt",
        "COPY app.py .",
        "EXPOSE 8000",
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]',
      ),
    },
    file: "Dockerfile",
    severity: "error",
    line: 3,
    message: "requirements-prod.txt",
  },
  {
    name: "Python server but no manifest and no install",
    rule: "layout-python-deps-missing",
    files: {
      "requirements.txt": null,
      Dockerfile: lines(
        FROM,
        "COPY app.py .",
        "EXPOSE 8000",
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]',
      ),
    },
    file: "Dockerfile",
    severity: "error",
    line: 4,
    message: "no requirements.txt",
  },
  {
    name: "Python files but no manifest, unknown start script",
    rule: "layout-python-deps-missing",
    files: {
      "requirements.txt": null,
      "start.sh": "#!/bin/sh\n",
      Dockerfile: lines(FROM, "COPY . .", "EXPOSE 8000", 'CMD ["./start.sh"]'),
    },
    file: "requirements.txt",
    severity: "error",
  },
  {
    name: "uvicorn not in requirements.txt",
    rule: "app-server-dep",
    files: { "requirements.txt": "fastapi==0.115.6\n" },
    file: "requirements.txt",
    severity: "error",
    line: 1,
    message: "uvicorn",
  },
  {
    name: "flask imported but not listed",
    rule: "app-server-dep",
    files: {
      "requirements.txt": "fastapi==0.115.6\nuvicorn==0.34.0\n",
      "extra.py": "from flask import Flask\n",
    },
    file: "requirements.txt",
    severity: "error",
    line: 1,
    message: "extra.py",
  },
  {
    name: "uvicorn main:app without main.py",
    rule: "layout-app-module-missing",
    files: { Dockerfile: dockerfile('CMD ["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"]') },
    file: "Dockerfile",
    severity: "error",
    line: 7,
    message: "main.py",
  },
  {
    name: "python server.py without server.py",
    rule: "layout-app-module-missing",
    files: { Dockerfile: dockerfile("CMD python /app/server.py") },
    file: "Dockerfile",
    severity: "error",
    line: 7,
    message: "server.py",
  },
];

describe("app rules fire", () => {
  it.each(firing)("$rule: $name", (c) => {
    const d = run(c.rule, c.files);
    const hit = d.find((x) => x.file === c.file && (c.line === undefined || x.line === c.line));
    expect(hit, JSON.stringify(d)).toBeDefined();
    expect(hit).toMatchObject({ rule: c.rule, severity: c.severity, file: c.file });
    expect(hit?.hint.length).toBeGreaterThan(5);
    if (c.message) expect(hit?.message).toContain(c.message);
  });
});

const silent: { name: string; rule: string; files: Record<string, string | null> }[] = [
  {
    name: "uvicorn.run with host 0.0.0.0",
    rule: "app-bind-loopback",
    files: {
      Dockerfile: PYTHON_CMD,
      "app.py": lines(...APP_HEAD, 'uvicorn.run(app, host="0.0.0.0", port=8000)'),
    },
  },
  {
    name: "uvicorn.run without host, but the image starts the uvicorn CLI",
    rule: "app-bind-loopback",
    files: { "app.py": lines(...APP_HEAD, 'if __name__ == "__main__":', "    uvicorn.run(app)") },
  },
  {
    name: "host from a variable or **kwargs",
    rule: "app-bind-loopback",
    files: {
      Dockerfile: PYTHON_CMD,
      "app.py": lines(
        ...APP_HEAD,
        "HOST = '0.0.0.0'",
        "uvicorn.run(app, host=HOST)",
        "uvicorn.run(app, **settings)",
      ),
    },
  },
  {
    name: "memory, /tmp, reads, comments and strings",
    rule: "app-local-storage-write",
    files: {
      "app.py": lines(
        "import sqlite3",
        'mem = sqlite3.connect(":memory:")',
        "tmp = open('/tmp/cache.json', 'w')",
        "cfg = open('config.json').read()",
        "# sqlite3.connect('old.db')",
        "doc = \"open('x.txt', 'w')\"",
        'url = "sqlite:///:memory:"',
        "img = Image.open('a.png', 'r')",
      ),
    },
  },
  {
    name: "tests and scripts may write files",
    rule: "app-local-storage-write",
    files: {
      "tests/test_db.py": "import sqlite3\ndb = sqlite3.connect('test.db')\n",
      "scripts/export.py": "open('out.csv', 'w')\n",
    },
  },
  {
    name: "pyproject dependencies with extras",
    rule: "app-server-dep",
    files: {
      "requirements.txt": null,
      "pyproject.toml": '[project]\ndependencies = ["fastapi>=0.115", "uvicorn[standard]>=0.34"]\n',
    },
  },
  {
    name: "requirements that include another file",
    rule: "app-server-dep",
    files: { "requirements.txt": "-r base.txt\nfastapi==0.115.6\n" },
  },
  {
    name: "server installed by a RUN line",
    rule: "app-server-dep",
    files: {
      "requirements.txt": "fastapi==0.115.6\n",
      Dockerfile: dockerfile(
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0", "--port", "8000"]',
        "RUN pip install uvicorn==0.34.0",
      ),
    },
  },
  {
    name: "pyproject.toml instead of requirements.txt",
    rule: "layout-python-deps-missing",
    files: {
      "requirements.txt": null,
      "pyproject.toml": '[project]\nname = "x"\n',
      Dockerfile: lines(
        FROM,
        "COPY . .",
        "RUN pip install .",
        "EXPOSE 8000",
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]',
      ),
    },
  },
  {
    name: "packages installed inline",
    rule: "layout-python-deps-missing",
    files: {
      "requirements.txt": null,
      Dockerfile: lines(
        FROM,
        "RUN pip install fastapi==0.115.6 uvicorn==0.34.0",
        "COPY app.py .",
        "EXPOSE 8000",
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]',
      ),
    },
  },
  {
    name: "-r of a file copied under that name",
    rule: "layout-python-deps-missing",
    files: {
      Dockerfile: lines(
        FROM,
        "COPY requirements.txt /tmp/req.txt",
        "RUN pip install -r /tmp/req.txt",
        "COPY app.py .",
        "EXPOSE 8000",
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]',
      ),
    },
  },
  {
    name: "-r of a file copied from a subfolder",
    rule: "layout-python-deps-missing",
    files: {
      "requirements.txt": null,
      "deps/requirements.txt": "fastapi==0.115.6\n",
      Dockerfile: lines(
        FROM,
        "COPY deps/requirements.txt .",
        "RUN pip install -r requirements.txt",
        "COPY app.py .",
        "EXPOSE 8000",
        'CMD ["uvicorn", "app:app", "--host", "0.0.0.0"]',
      ),
    },
  },
  {
    name: "package module",
    rule: "layout-app-module-missing",
    files: {
      "pkg/__init__.py": "",
      "pkg/web.py": "app = None\n",
      Dockerfile: dockerfile('CMD ["gunicorn", "-b", "0.0.0.0:8000", "pkg.web:app"]'),
    },
  },
  {
    name: "python -m package",
    rule: "layout-app-module-missing",
    files: {
      "svc/__init__.py": "",
      "svc/__main__.py": "print(1)\n",
      Dockerfile: dockerfile('CMD ["python", "-m", "svc"]'),
    },
  },
];

describe("app rules stay silent", () => {
  it.each(silent)("$rule: $name", (c) => {
    expect(run(c.rule, c.files)).toEqual([]);
  });
});

describe("hostile Python", () => {
  it("random Python text never breaks validation (property)", () => {
    const dir = exampleWith({ Dockerfile: PYTHON_CMD });
    const fragment = fc.constantFrom(
      "uvicorn.run(",
      "app.run(",
      "app = Flask(__name__)\n",
      "sqlite3.connect(",
      "open(",
      "Path(",
      ").write_text(",
      "host=",
      '"127.0.0.1"',
      "'w'",
      '"""',
      "'''",
      "r'",
      "#",
      ",",
      ")",
      "(",
      "\\",
      "\n",
      " ",
      '"sqlite:///x.db"',
      "**kw",
    );
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 60 }), (parts) => {
        const text = parts.join("");
        writeFileSync(join(dir, "app.py"), text);
        const diagnostics = validateProject(loadProject(dir));
        const count = text.split("\n").length;
        for (const d of diagnostics) {
          expect(d.rule).not.toBe("internal-error");
          if (d.file === "app.py" && d.line !== undefined) {
            expect(d.line).toBeGreaterThanOrEqual(1);
            expect(d.line).toBeLessThanOrEqual(count);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("a 1 MiB file of unclosed calls validates quickly", () => {
    const dir = exampleWith({ Dockerfile: PYTHON_CMD, "app.py": "open(uvicorn.run(Path(".repeat(40000) });
    const started = performance.now();
    const d = validateDir(dir);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(byRule(d, "internal-error")).toEqual([]);
  });

  it("a 1 MiB Python file validates quickly", () => {
    const body = "x = open('a.txt', 'w')  # note\n".repeat(33000).slice(0, 1024 * 1024 - 10);
    const dir = exampleWith({ "big.py": body });
    const started = performance.now();
    const d = validateDir(dir);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(byRule(d, "app-local-storage-write").length).toBe(20);
  });
});
