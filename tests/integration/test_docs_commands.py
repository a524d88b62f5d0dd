"""Every shell command in README.md and docs/*.md runs as written from a fresh clone (the rule: tests/doc_commands.py).

One test per command, named by document and line. Each document runs in its own copy of the repository
(tracked and new files, no var/ or reports/), in document order, with .venv/bin on PATH and no way to AWS.
Commands the rule skips are listed as skipped with their reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.doc_commands import (
    DocCommand,
    DocWorkspace,
    command_environment,
    copy_checkout,
    doc_commands,
    doc_files,
    fenced_blocks,
    run_in_order,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMMANDS = doc_commands(PROJECT_ROOT)


def _param(command: DocCommand) -> object:
    marks = [pytest.mark.skip(reason=f"{command.where}: {command.skip}")] if command.skip else []
    return pytest.param(command, id=command.where, marks=marks)


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, DocWorkspace]:
    return {}


def workspace_for(root: Path, doc: str, workspaces: dict[str, DocWorkspace], tmp_path_factory: pytest.TempPathFactory) -> DocWorkspace:
    if doc not in workspaces:
        base = tmp_path_factory.mktemp("doc-" + doc.replace("/", "-").removesuffix(".md"))
        workspaces[doc] = DocWorkspace(copy_checkout(root, base / "repo"), command_environment(root, base / "home"))
        (base / "home").mkdir()
    return workspaces[doc]


@pytest.mark.parametrize("command", [_param(c) for c in COMMANDS])
def test_doc_command_runs(command: DocCommand, workspaces: dict[str, DocWorkspace], tmp_path_factory: pytest.TempPathFactory) -> None:
    workspace = workspace_for(PROJECT_ROOT, command.doc, workspaces, tmp_path_factory)
    outcome = run_in_order(COMMANDS, command, workspace)
    assert outcome.ok, outcome.message


def test_the_docs_have_commands_to_run() -> None:
    # If parsing broke, every command would vanish and the parametrized test would pass vacuously.
    runnable = [c.where for c in COMMANDS if c.skip is None]
    assert len(runnable) >= 5, runnable
    assert any(c.text.startswith(".venv/bin/chat-lex validate") for c in COMMANDS if c.skip is None)


def test_every_fenced_block_says_its_language() -> None:
    # An untagged block could hold commands the test would never see: tag it sh (run) or text (not run).
    untagged = [
        f"{b.doc}:{b.line}"
        for path in doc_files(PROJECT_ROOT)
        for b in fenced_blocks(path.relative_to(PROJECT_ROOT).as_posix(), path.read_text(encoding="utf-8"))
        if not b.language
    ]
    assert not untagged, f"fenced blocks without a language (use sh for commands, text for anything else): {untagged}"


def test_the_docs_point_inside_the_repository() -> None:
    # The material once outside the repository (../shared) now lives in external/ and docs/.
    outside = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in doc_files(PROJECT_ROOT)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "../shared" in line
    ]
    assert not outside, outside


# -- the test can fail: a synthetic repository with broken doc commands -------------------------------------------

SYNTHETIC_README = """# demo

```sh
echo made > made.txt
test -f made.txt
chat-lex validate no_such_bot   # exits 1
```

```sh
chat-lex validate no_such_bot
```

```sh
chat-lex publish --alias live
docker build -t demo .
```
"""

SYNTHETIC_DOC = """# more

```console
$ mkdir sub
$ cd sub
$ test "$(basename "$PWD")" = sub && echo inside
inside
$ false
```
"""


@pytest.fixture
def synthetic(tmp_path: Path) -> tuple[Path, list[DocCommand]]:
    root = tmp_path / "demo"
    (root / "docs").mkdir(parents=True)
    (root / "README.md").write_text(SYNTHETIC_README, encoding="utf-8")
    (root / "docs" / "more.md").write_text(SYNTHETIC_DOC, encoding="utf-8")
    (root / ".venv").symlink_to((PROJECT_ROOT / ".venv").resolve(), target_is_directory=True)
    return root, doc_commands(root)


def test_a_broken_doc_command_fails_and_names_its_line(synthetic: tuple[Path, list[DocCommand]], tmp_path: Path) -> None:
    root, commands = synthetic
    by_where = {c.where: c for c in commands}
    readme_lines = ["README.md:4", "README.md:5", "README.md:6", "README.md:10", "README.md:14", "README.md:15"]
    assert sorted(by_where) == sorted([*readme_lines, "docs/more.md:4", "docs/more.md:5", "docs/more.md:6", "docs/more.md:8"])
    assert by_where["README.md:14"].skip is not None and by_where["README.md:15"].skip is not None
    readme = DocWorkspace(copy_checkout(root, tmp_path / "readme"), command_environment(root, tmp_path))
    outcomes = {c.where: run_in_order(commands, c, readme) for c in commands if c.doc == "README.md" and c.skip is None}
    assert outcomes["README.md:4"].ok and outcomes["README.md:5"].ok
    assert outcomes["README.md:6"].ok, outcomes["README.md:6"].message  # fails as the doc says it does
    assert not outcomes["README.md:10"].ok  # fails where the doc promises success
    assert "README.md:10: exit 1 (the doc expects 0)" in outcomes["README.md:10"].message
    assert "no_such_bot" in outcomes["README.md:10"].message
    assert not (root / "made.txt").exists()  # it ran in the copy
    more = DocWorkspace(copy_checkout(root, tmp_path / "more"), command_environment(root, tmp_path))
    last = run_in_order(commands, by_where["docs/more.md:8"], more)  # runs 4-6 first, as a shell session would
    assert more.done["docs/more.md:6"].ok, more.done["docs/more.md:6"].message  # the cd carried over
    assert not last.ok and "docs/more.md:8: exit 1" in last.message
