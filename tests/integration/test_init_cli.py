"""``chat-lex init``: the scaffolded project validates, and its tests pass, each in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tools.init_command import names_for

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def chat_lex(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    env.pop("CHAT_LEX_BOT_DIR", None)
    return subprocess.run([sys.executable, "-m", "tools.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, env=env)


def test_a_new_project_works_at_once(tmp_path: Path) -> None:
    done = chat_lex("init", "coffee-bar", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    project = tmp_path / "coffee-bar"
    assert "coffee_bar_hooks.py" in done.stdout and "chat-lex test features --bot-dir bot" in done.stdout
    readme = (project / "README.md").read_text(encoding="utf-8").splitlines()
    assert [line.strip() for line in readme[2:4]] == ["chat-lex test features --bot-dir bot", "chat-lex publish bot"]
    assert "python: coffee_bar_hooks:code_hook" in (project / "bot" / "bot.yaml").read_text(encoding="utf-8")
    workflow = (project / ".github" / "workflows" / "chat-lex.yml").read_text(encoding="utf-8")
    assert "chat-lex test features --bot-dir bot" in workflow and "chat-lex evaluate" in workflow

    validated = chat_lex("validate", "bot", cwd=project)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    tested = chat_lex("test", "features", "--bot-dir", "bot", cwd=project)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "3 passed, 0 failed" in tested.stdout  # the fulfilment scenarios need the wired code hook
    unit = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], capture_output=True, text=True, cwd=project, timeout=120
    )
    assert unit.returncode == 0, unit.stdout + unit.stderr
    evaluated = chat_lex("evaluate", "--data", "data/utterances.yaml", "--bot-dir", "bot", cwd=project)
    assert evaluated.returncode == 0, evaluated.stdout + evaluated.stderr
    assert "misclassified: none" in evaluated.stdout
    # Without the code hook the fulfilment scenarios fail: the tests do test the wiring.
    unhooked = chat_lex("test", "features", "--bot-dir", "bot", "--code-hook", "none", cwd=project)
    assert unhooked.returncode == 1 and "2 failed" in unhooked.stdout


def test_init_from_a_template_imports_the_bot_with_no_hook(tmp_path: Path, external_dir: Path) -> None:
    done = chat_lex("init", "flowers", "--from", str(external_dir / "lex_bots" / "cfn" / "OrderFlowers.cfn.yaml"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "its code hook is none until you name one" in done.stdout
    project = tmp_path / "flowers"
    assert "none: true" in (project / "bot" / "bot.yaml").read_text(encoding="utf-8")
    assert chat_lex("validate", "bot", cwd=project).returncode == 0
    tested = chat_lex("test", "features", "--bot-dir", "bot", cwd=project)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_init_from_a_lexjson_export(tmp_path: Path, external_dir: Path) -> None:
    done = chat_lex("init", "pizza", "--from", str(external_dir / "lex_bots" / "lexjson" / "PizzaShop-LexJson.zip"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert chat_lex("test", "features", "--bot-dir", "bot", cwd=tmp_path / "pizza").returncode == 0


def test_init_refuses_a_folder_with_files_and_a_bad_source(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine", encoding="utf-8")
    done = chat_lex("init", "busy", cwd=tmp_path)
    assert done.returncode == 2 and "not empty" in done.stderr
    assert (tmp_path / "busy" / "keep.txt").read_text(encoding="utf-8") == "mine"  # nothing lost
    (tmp_path / "broken.yaml").write_text("Resources: [1, 2\n", encoding="utf-8")
    bad = chat_lex("init", "fresh", "--from", "broken.yaml", cwd=tmp_path)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("folder", "bot", "module"),
    [("coffee-bar", "CoffeeBar", "coffee_bar_hooks"), ("42 ☃ bots!", "Bot42Bots", "bot_42_bots_hooks"), ("☃", "MyBot", "my_bot_hooks")],
)
def test_names_are_safe_for_lex_and_python(tmp_path: Path, folder: str, bot: str, module: str) -> None:
    assert names_for(tmp_path / folder) == (bot, module)
    assert module.isidentifier()
