"""Writing a YAML spec refuses bots whose locales differ where the spec shares a setting."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from bot_spec.definition import BotDefinition, BotLocale, Slot
from bot_spec.diagnostics import SpecError
from bot_spec.formats import yaml_spec


@pytest.fixture
def two_locales(seed_bot_dir: Path) -> BotDefinition:
    seed = yaml_spec.load_spec(seed_bot_dir)
    german = copy.deepcopy(seed.locales[0])
    german.locale_id = "de_DE"
    german.description = "Deutsch"
    seed.locales.append(german)
    return seed


def test_agreeing_locales_round_trip(two_locales: BotDefinition, tmp_path: Path) -> None:
    yaml_spec.write_spec(two_locales, tmp_path)
    assert yaml_spec.load_spec(tmp_path) == two_locales


def test_intent_descriptions_may_differ_per_locale(two_locales: BotDefinition, tmp_path: Path) -> None:
    german: BotLocale = two_locales.locales[1]
    help_intent = german.intent("Help")
    assert help_intent is not None
    help_intent.description = "Der Nutzer fragt, was der Bot kann."
    yaml_spec.write_spec(two_locales, tmp_path)
    assert yaml_spec.load_spec(tmp_path) == two_locales


def test_a_slot_only_one_locale_has_is_refused_not_dropped(two_locales: BotDefinition, tmp_path: Path) -> None:
    status = two_locales.locales[1].intent("Status")
    assert status is not None
    status.slots.append(Slot(name="OrderNumber", slot_type_name="AMAZON.Number", slot_constraint="Optional"))
    with pytest.raises(SpecError) as caught:
        yaml_spec.write_spec(two_locales, tmp_path)
    [diag] = caught.value.diagnostics
    assert diag.file == "intents/Status.yaml" and "slots" in diag.message and diag.fix
    assert not (tmp_path / "bot.yaml").exists()  # nothing half-written
