import * as core from "@actions/core";
import type { Io } from "./io.js";

/** The runner's Io, through @actions/core. */
export function actionsIo(): Io {
  return {
    info: (m) => core.info(m),
    debug: (m) => core.debug(m),
    warning: (m, at) => core.warning(m, at ?? {}),
    error: (m, at) => core.error(m, at ?? {}),
    notice: (m, at) => core.notice(m, at ?? {}),
    group: (name, fn) => core.group(name, fn),
    setOutput: (name, value) => core.setOutput(name, value),
    summary: async (markdown) => {
      if (!process.env.GITHUB_STEP_SUMMARY) return;
      await core.summary.addRaw(markdown, true).write();
    },
    mask: (v) => core.setSecret(v),
  };
}
