import { finding, type Rule } from "./rule.js";

// The loader finds the local secret files (`.env`, `.env.*`, `.dev.vars*`, not templates) and asks
// git (tracked, ignored) and Docker's dockerignore matcher about them: `project.secretEnvFiles`.

const GITIGNORE_HINT_LINES = ".env, .env.*, .dev.vars* (and !.env.example to keep a template)";

export const secretsEnvCommitted: Rule = {
  id: "secrets-env-committed",
  *check({ project }) {
    for (const file of project.secretEnvFiles) {
      if (file.tracked !== true) continue;
      const path = file.path;
      yield finding(
        this.id,
        "error",
        path,
        undefined,
        `${path} holds local secrets and is committed to git (it is in the repository index); everyone with read access to the repository has its values.`,
        file.gitIgnored
          ? `Run \`git rm --cached ${path}\` (.gitignore already covers it, but that does not untrack a committed file) and rotate every key it contains; pass the values as secrets (the action's \`secrets\` input or \`wrangler secret put\`).`
          : `Run \`git rm --cached ${path}\`, rotate every key it contains, add it to .gitignore, and pass the values as secrets (the action's \`secrets\` input or \`wrangler secret put\`).`,
      );
    }
  },
};

export const secretsEnvNotIgnored: Rule = {
  id: "secrets-env-not-ignored",
  *check({ project }) {
    for (const file of project.secretEnvFiles) {
      // tracked: secrets-env-committed reports it; undefined: no repository, so nothing to commit to.
      if (file.tracked !== false || file.gitIgnored !== false) continue;
      yield finding(
        this.id,
        "warning",
        file.path,
        undefined,
        `${file.path} holds local secrets but no .gitignore covers it; a \`git add .\` would commit it.`,
        `Add ${GITIGNORE_HINT_LINES} to .gitignore.`,
      );
    }
  },
};

export const secretsEnvBuildContext: Rule = {
  id: "secrets-env-build-context",
  *check({ project }) {
    for (const dockerfile of project.dockerfiles) {
      const ignoreFile = dockerfile.dockerignore?.path;
      const generic = dockerfile.context === "" ? ".dockerignore" : `${dockerfile.context}/.dockerignore`;
      for (const file of project.secretEnvFiles) {
        if (file.dockerIgnored[dockerfile.path] !== false) continue;
        yield finding(
          this.id,
          "warning",
          file.path,
          undefined,
          `${file.path} is inside the Docker build context of ${dockerfile.path}${ignoreFile ? ` and ${ignoreFile} does not exclude it` : " and there is no .dockerignore"}: it is sent to the builder, and a \`COPY . .\` bakes these secrets into an image layer.`,
          `Add .env* and .dev.vars* to ${ignoreFile ?? generic}.`,
        );
      }
    }
  },
};

export const secretsRules: Rule[] = [secretsEnvCommitted, secretsEnvNotIgnored, secretsEnvBuildContext];
