"""``@bot:<source>`` tags pick a public bot from external/lex_bots for a feature (conversation_tests.bot_tags)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot_spec.formats.yaml_spec import load_spec
from conversation_tests.bot_tags import BotTagError, bot_source, resolve_source, spec_dir_for


def test_the_bot_tag_is_found_among_other_tags() -> None:
    assert bot_source({"session-attributes", "bot:lexjson/ReminderBot"}) == "lexjson/ReminderBot"
    assert bot_source({"slow"}) is None
    assert bot_source({"bot:a"}) == "a"


def test_two_different_bots_are_an_error() -> None:
    with pytest.raises(BotTagError, match="one bot"):
        bot_source({"bot:cfn/BookTrip.cfn.yaml", "bot:lexjson/ReminderBot"})


@pytest.mark.parametrize(
    "source", ["", "nothing/here.yaml", "../../pyproject.toml", "/etc/passwd", "lexjson/../../../Makefile", "x" * 5000]
)
def test_a_source_outside_external_lex_bots_or_missing_is_refused(source: str) -> None:
    with pytest.raises(BotTagError, match="names nothing under external/lex_bots"):
        resolve_source(source)


def test_the_tagged_bot_is_written_once_as_a_spec() -> None:
    cache: dict[str, Path] = {}
    first = spec_dir_for("lexjson/ReminderBot", cache)
    assert spec_dir_for("lexjson/ReminderBot", cache) is first
    assert load_spec(first).name == "ReminderBot"
