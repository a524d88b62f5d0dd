"""local_runtime_for wires what the spec (or --code-hook) names, never the seed's handlers by default."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot_spec.code_hook import parse_cli
from runtime.lex.engine import local_runtime_for
from runtime.lex.hook_loader import CodeHookError, _warned


def say(bot_dir: Path, text: str, **kwargs: object) -> dict[str, object]:
    runtime, deployment = local_runtime_for(bot_dir, **kwargs)  # type: ignore[arg-type]
    ids = {"botId": deployment.bot_id, "botAliasId": deployment.alias_id, "localeId": "en_US", "sessionId": "s-1"}
    return runtime.recognize_text(**ids, text=text)


@pytest.fixture
def unnamed(tmp_path: Path, seed_bot_dir: Path) -> Path:
    """The seed bot with its code_hook lines removed, as an imported bot would be."""
    bot = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, bot)
    text = (bot / "bot.yaml").read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if "code_hook" not in line and "seed_handlers" not in line and "alias's Lambda" not in line]
    (bot / "bot.yaml").write_text("\n".join(kept) + "\n", encoding="utf-8")
    return bot


def test_the_seed_runs_its_named_handlers(seed_bot_dir: Path) -> None:
    response = say(seed_bot_dir, "help")
    assert any("I can help you with" in m["content"] for m in response.get("messages", []))  # type: ignore[union-attr, index]


def test_a_bot_naming_no_hook_runs_with_none_and_warns_once(unnamed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _warned.clear()
    first = say(unnamed, "help")
    say(unnamed, "help")
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1
    assert "names no code_hook; running with none" in warnings[0] and "Greeting, Help, Status" in warnings[0]
    assert "messages" not in first or not any("I can help" in str(m) for m in first["messages"])  # type: ignore[attr-defined]
    assert first["sessionState"]["intent"]["state"] == "ReadyForFulfillment"  # type: ignore[index]  # no hook: the client fulfils


def test_the_override_wins_over_the_spec(seed_bot_dir: Path, unnamed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = say(seed_bot_dir, "help", code_hook=parse_cli("none"))
    assert not any("I can help" in str(m) for m in plain.get("messages", []))  # type: ignore[attr-defined]
    hooked = say(unnamed, "help", code_hook=parse_cli("python:fulfillment.seed_handlers:seed_hook"))
    assert any("I can help you with" in str(m) for m in hooked["messages"])  # type: ignore[attr-defined]
    assert "warning:" not in capsys.readouterr().err  # a named hook: nothing to warn about


def test_a_hook_that_cannot_open_is_an_error_before_any_turn(seed_bot_dir: Path) -> None:
    with pytest.raises(CodeHookError, match="no file"):
        local_runtime_for(seed_bot_dir, code_hook=parse_cli("node:nowhere/index.js"))
