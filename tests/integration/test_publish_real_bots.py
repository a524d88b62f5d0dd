"""Real Lex bots from external/ publish cleanly through the validating lexv2-models double.

Every call is checked against the service model, so these bots exercise request shapes the
seed bot never produces (conditional next steps, code-hook settings, composite prompts...).
A second publish of the same bot must make no mutating call.
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest

from bot_spec.definition import BotDefinition
from bot_spec.formats import cloudformation, lexjson
from tests.fakes.lexv2_models import FakeLexModelsV2
from tools.publish.pipeline import AwsClients, Publisher, PublishOptions
from tools.publish.progress import Progress
from tools.publish.waiters import WaitSettings

ROLE = "arn:aws:iam::123456789012:role/lex"
LEX_BOTS = Path(__file__).resolve().parents[2] / "external" / "lex_bots"  # as the external_dir fixture
SOURCES = sorted((LEX_BOTS / "lexjson").glob("*.zip")) + sorted((LEX_BOTS / "cfn").glob("*.yaml"))


def _definitions(path: Path) -> list[BotDefinition]:
    if path.suffix == ".zip":
        return [lexjson.read(path)]
    return cloudformation.from_template(cloudformation.load_template(path.read_text(encoding="utf-8"), str(path)), str(path))


def _publish(lex: FakeLexModelsV2, defn: BotDefinition, options: PublishOptions) -> str:
    out = io.StringIO()
    Publisher(AwsClients(lex, None, None, None), options, progress=Progress(out, tty=False), wait=WaitSettings(sleep=lambda _: None)).run(
        defn
    )
    return out.getvalue()


def test_the_external_bots_are_there(external_dir: Path) -> None:
    assert external_dir / "lex_bots" == LEX_BOTS
    assert len(SOURCES) >= 8, f"expected the LexJson zips and CloudFormation bots under {LEX_BOTS}"


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_a_real_bot_publishes_and_republishes_without_changes(source: Path) -> None:
    for defn in _definitions(source):
        lex = FakeLexModelsV2()
        _publish(lex, defn, PublishOptions(role_arn=ROLE))
        bot_id = lex.bot_id_by_name(defn.name)
        assert bot_id is not None
        assert sorted(lex.draft_snapshot(bot_id)) == sorted(loc.locale_id for loc in defn.locales)
        for loc in defn.locales:
            live = lex.draft_snapshot(bot_id)[loc.locale_id]
            assert sorted(live["intents"]) == sorted({i.name for i in loc.intents} | {"FallbackIntent"})
            assert sorted(live["slot_types"]) == sorted(t.name for t in loc.slot_types)
        before = len(lex.mutating_calls())

        out = _publish(lex, defn, PublishOptions())

        assert lex.mutating_calls()[before:] == [], out


def _reduced(defn: BotDefinition) -> BotDefinition:
    """The bot without its last non-fallback intent, without slot types nothing uses, and one intent changed."""
    smaller = copy.deepcopy(defn)
    for loc in smaller.locales:
        others = [i for i in loc.intents if not i.is_fallback]
        if others:
            loc.intents.remove(others[-1])
        used = {s.slot_type_name for i in loc.intents for s in i.slots}
        loc.slot_types = [t for t in loc.slot_types if t.name in used]
        for intent in loc.intents:
            if not intent.is_fallback:
                intent.sample_utterances = [*intent.sample_utterances, "one more way to say it"]
                intent.description = "changed by the test"
                break
    return smaller


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_a_changed_real_bot_ends_equal_to_a_clean_publish_of_the_change(source: Path) -> None:
    for defn in _definitions(source):
        smaller = _reduced(defn)
        lex = FakeLexModelsV2()
        _publish(lex, defn, PublishOptions(role_arn=ROLE))
        _publish(lex, smaller, PublishOptions())
        clean = FakeLexModelsV2()
        _publish(clean, smaller, PublishOptions(role_arn=ROLE))

        bot_id, clean_id = lex.bot_id_by_name(defn.name), clean.bot_id_by_name(defn.name)
        assert bot_id is not None and clean_id is not None
        assert lex.draft_snapshot(bot_id) == clean.draft_snapshot(clean_id)
        assert lex.version_snapshot(bot_id, "2") == clean.version_snapshot(clean_id, "1")
