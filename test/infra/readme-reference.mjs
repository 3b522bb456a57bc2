// Renders the README's input/output reference from action.yml. `npm run docs` rewrites the block
// between the markers; test/unit/readme.test.ts fails when README and action.yml drift apart.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

export const START = "<!-- action-reference:start (generated from action.yml by `npm run docs`) -->";
export const END = "<!-- action-reference:end -->";

const cell = (s) =>
  String(s ?? "")
    .replace(/\s+/g, " ")
    .trim()
    .replace(/\|/g, "\\|");

export function renderReference(actionYmlText) {
  const action = parse(actionYmlText);
  const inputs = Object.entries(action.inputs).map(
    ([name, spec]) =>
      `| \`${name}\` | ${spec.default === "" || spec.default === undefined ? "" : `\`${cell(spec.default)}\``} | ${cell(spec.description)} |`,
  );
  const outputs = Object.entries(action.outputs).map(
    ([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`,
  );
  return [
    START,
    "### Inputs",
    "",
    "| input | default | description |",
    "|---|---|---|",
    ...inputs,
    "",
    "### Outputs",
    "",
    "| output | description |",
    "|---|---|",
    ...outputs,
    END,
  ].join("\n");
}

export function replaceReference(readme, reference) {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a === -1 || b === -1) throw new Error("README has no action-reference markers");
  return readme.slice(0, a) + reference + readme.slice(b + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const readmePath = join(root, "README.md");
  const reference = renderReference(readFileSync(join(root, "action.yml"), "utf8"));
  writeFileSync(readmePath, replaceReference(readFileSync(readmePath, "utf8"), reference));
}
