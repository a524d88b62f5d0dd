"""The seed bot's folder is named once (bot_spec.SEED_BOT_DIR), from the package, not the working directory."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot_spec
from conversation_tests import plugin
from runtime.lex.endpoints import EndpointOptions
from tools import fulfillment_commands, lex_commands, spec_commands
from tools.evaluation import command as evaluation_command
from tools.publish import publish_command


def test_the_seed_bot_dir_is_absolute_and_holds_the_bot() -> None:
    assert bot_spec.SEED_BOT_DIR.is_absolute()
    assert (bot_spec.SEED_BOT_DIR / "bot.yaml").is_file()


def test_every_default_is_the_one_seed_bot_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a working directory without bot_spec/
    defaults = [
        EndpointOptions().bot_dir,
        plugin.DEFAULT_BOT_DIR,
        lex_commands.DEFAULT_BOT_DIR,
        evaluation_command.PROJECT_BOT_DIR,
        publish_command.DEFAULT_BOT_DIR,
        fulfillment_commands.DEFAULT_BOT_DIR,
        spec_commands.default_bot_dir(),
    ]
    assert all(d == bot_spec.SEED_BOT_DIR for d in defaults), defaults
