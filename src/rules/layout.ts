import { finding, type Rule } from "./rule.js";

/** No wrangler.json / .jsonc / .toml where the action looks. */
export const layoutWranglerConfigMissing: Rule = {
  id: "layout-wrangler-config-missing",
  *check({ project }) {
    if (project.config || project.configFailure) return;
    yield finding(
      this.id,
      "error",
      ".",
      undefined,
      `No Wrangler config found in ${project.dir} (looked for wrangler.json, wrangler.jsonc, wrangler.toml).`,
      "Point `working-directory` at the backend folder, or add a wrangler.toml there.",
    );
  },
};

export const layoutWranglerConfigMultiple: Rule = {
  id: "layout-wrangler-config-multiple",
  *check({ project }) {
    const [used, ...ignored] = project.configCandidates;
    if (!used || ignored.length === 0 || project.config?.file !== used) return;
    yield finding(
      this.id,
      "warning",
      ignored[0] ?? used,
      1,
      `Several Wrangler configs: wrangler uses ${used} and ignores ${ignored.join(", ")}.`,
      "Keep exactly one Wrangler config file.",
    );
  },
};

/** Files that exist but cannot be read as text (binary, not UTF-8, too large). */
export const layoutUnreadable: Rule = {
  id: "layout-file-unreadable",
  *check({ project }) {
    for (const u of project.unreadable) {
      yield finding(
        this.id,
        "error",
        u.path,
        1,
        `${u.path} ${u.problem}.`,
        "Replace it with a UTF-8 text file.",
      );
    }
  },
};

export const layoutDockerfileMissing: Rule = {
  id: "layout-dockerfile-missing",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const c of project.containers) {
      if (c.imageKind !== "missing") continue;
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("containers", c.index, "image"),
        `containers[${c.index}].image = "${c.image}" points to ${c.dockerfile}, which does not exist.`,
        "Create the Dockerfile or fix the path (it is relative to the Wrangler config's folder).",
      );
    }
  },
};

export const layoutImageIsDirectory: Rule = {
  id: "layout-image-is-directory",
  *check({ project }) {
    const config = project.config;
    if (!config) return;
    for (const c of project.containers) {
      if (c.imageKind !== "directory") continue;
      yield finding(
        this.id,
        "error",
        config.file,
        config.locate("containers", c.index, "image"),
        `containers[${c.index}].image = "${c.image}" is a directory; wrangler needs the path of the Dockerfile itself.`,
        `Set image = "${(c.image ?? ".").replace(/\/$/, "")}/Dockerfile".`,
      );
    }
  },
};

export const layoutPackageJsonMissing: Rule = {
  id: "layout-package-json-missing",
  *check({ project }) {
    if (!project.config || project.packageJson || project.packageJsonFailure) return;
    if (project.unreadable.some((u) => u.path === "package.json")) return;
    yield finding(
      this.id,
      "error",
      "package.json",
      undefined,
      "package.json is missing: the Worker's dependencies (@cloudflare/containers) cannot be installed.",
      'Add a package.json with "type": "module" and a dependency on @cloudflare/containers (npm init -y).',
    );
  },
};

export const layoutWorkerEntryMissing: Rule = {
  id: "layout-worker-entry-missing",
  *check({ project }) {
    const config = project.config;
    if (!config || !project.main || project.main.exists) return;
    yield finding(
      this.id,
      "error",
      config.file,
      config.locate("main"),
      `main = "${project.main.value}": the entry-point file ${project.main.file} was not found.`,
      "Fix `main` or create the Worker entry (src/index.js).",
    );
  },
};

export const layoutRules: Rule[] = [
  layoutWranglerConfigMissing,
  layoutWranglerConfigMultiple,
  layoutUnreadable,
  layoutDockerfileMissing,
  layoutImageIsDirectory,
  layoutPackageJsonMissing,
  layoutWorkerEntryMissing,
];
