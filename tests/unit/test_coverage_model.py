"""Coverage items from a bot definition, marking them from turns, the JSON file and the HTML page."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from bot_spec.definition import BotDefinition
from bot_spec.formats.yaml_spec import load_spec
from conversation_tests.coverage_model import build_report, prompt_regex, template_regex
from conversation_tests.turns import Button, ObservedTurn
from tools.coverage.html import render_html
from tools.coverage.report import CoverageFileError, read_report

SEED = Path(__file__).resolve().parents[2] / "bot_spec" / "chatbot"

ORDER_INTENT = """\
name: Order
description: Orders a pizza.
utterances:
  en_US: [order a pizza, "i want a {Size} pizza"]
slots:
  - name: Size
    type: Sizes
    required: true
    max_retries: 1
    prompt:
      en_US:
        - "<b>Which size?</b>"
        - card:
            title: "Sizes <img src=x onerror=alert(1)>"
            buttons:
              - {text: Small, value: small}
              - {text: Large, value: large}
slot_order: [Size]
confirmation:
  prompt: {en_US: "Order a {Size} pizza?"}
  declination: {en_US: "Okay, I won't."}
code_hooks: {dialog: true, fulfillment: false}
closing:
  en_US: "Done </td><script>alert(1)</script>"
"""

SIZES = """\
name: Sizes
resolution: TopResolution
values:
  - value: small
    synonyms: [little]
  - value: large
    synonyms: [big]
"""


@pytest.fixture(scope="module")
def definition(tmp_path_factory: pytest.TempPathFactory) -> BotDefinition:
    bot = tmp_path_factory.mktemp("bot")
    shutil.copy(SEED / "bot.yaml", bot / "bot.yaml")
    (bot / "intents").mkdir()
    (bot / "slot_types").mkdir()
    shutil.copy(SEED / "intents" / "FallbackIntent.yaml", bot / "intents")
    (bot / "intents" / "Order.yaml").write_text(ORDER_INTENT, encoding="utf-8")
    (bot / "slot_types" / "Sizes.yaml").write_text(SIZES, encoding="utf-8")
    return load_spec(bot)


def lex_turn(text: str, **fields: Any) -> ObservedTurn:
    """A turn as ObservedTurn.from_lex_response reads it, with the raw response for originalValue."""
    original = fields.pop("original", None)
    card = fields.pop("card", None)
    turn = ObservedTurn(user_text=text, **fields)
    slots = {
        name: ({"value": {"originalValue": original or value, "interpretedValue": value}} if value else None)
        for name, value in turn.slots.items()
    }
    messages: list[dict[str, Any]] = [{"contentType": "PlainText", "content": m} for m in turn.messages if m != card]
    if card is not None:
        cards = [{"text": b.text, "value": b.value} for b in turn.buttons]
        messages.append({"contentType": "ImageResponseCard", "imageResponseCard": {"title": card, "buttons": cards}})
    turn.response = {"messages": messages, "sessionState": {"intent": {"name": turn.intent, "slots": slots}}}
    return turn


def covered_ids(definition: BotDefinition, turns: list[ObservedTurn]) -> tuple[set[str], set[str]]:
    report = build_report(definition, "en_US", {"engine": [("s", turns)]})
    items = report.targets["engine"].items
    return {i.id for i in items if i.covered}, {i.id for i in items if not i.covered}


def test_items_of_an_intent_are_listed_from_the_spec(definition: BotDefinition) -> None:
    report = build_report(definition, "en_US", {"engine": []})
    ids = {i.id for i in report.targets["engine"].items}
    assert {
        "Order/intent",
        "Order/slot-elicited/Size",
        "Order/slot-filled/Size",
        "Order/prompt/Size/<b>Which size?</b>",
        "Order/re-prompt/Size",
        "Order/slot-value/Size/small",
        "Order/synonym/Size/small/little",
        "Order/synonym/Size/large/big",
        "Order/confirmation-prompt/confirmation/Order a {Size} pizza?",
        "Order/confirmation-accepted",
        "Order/confirmation-declined",
        "Order/code-hook/DialogCodeHook",
        "Order/button/Size/Sizes <img src=x onerror=alert(1)>/Large",
        "FallbackIntent/intent",
    } <= ids
    assert "Order/code-hook/FulfillmentCodeHook" not in ids  # the intent has no fulfillment hook
    assert report.targets["engine"].percent == 0.0


def test_a_dialogue_marks_what_it_exercised(definition: BotDefinition) -> None:
    card = "Sizes <img src=x onerror=alert(1)>"
    buttons = [Button("Small", "small"), Button("Large", "large")]
    ask = dict(intent="Order", intent_state="InProgress", dialog_action="ElicitSlot", slot_to_elicit="Size", slots={"Size": None})
    turns = [
        lex_turn("order a pizza", messages=["<b>Which size?</b>", card], buttons=buttons, card=card, **ask),
        lex_turn("purple", messages=["<b>Which size?</b>", card], buttons=buttons, card=card, **ask),
        lex_turn(
            "small",
            messages=["Order a small pizza?"],
            intent="Order",
            intent_state="InProgress",
            dialog_action="ConfirmIntent",
            slots={"Size": "small"},
        ),
        lex_turn("yes", intent="Order", intent_state="Fulfilled", confirmation_state="Confirmed", slots={"Size": "small"}),
    ]
    covered, missing = covered_ids(definition, turns)
    assert {
        "Order/intent",
        "Order/slot-elicited/Size",
        "Order/re-prompt/Size",
        "Order/prompt/Size/<b>Which size?</b>",
        f"Order/card/Size/{card}",
        f"Order/button/Size/{card}/Small",
        "Order/slot-filled/Size",
        "Order/slot-value/Size/small",
        "Order/confirmation-prompt/confirmation/Order a {Size} pizza?",
        "Order/confirmation-accepted",
        "Order/code-hook/DialogCodeHook",
    } <= covered
    assert {
        "Order/confirmation-declined",
        f"Order/button/Size/{card}/Large",
        "Order/synonym/Size/small/little",
        "Order/slot-value/Size/large",
        "FallbackIntent/intent",
    } <= missing


def test_a_synonym_counts_only_when_the_user_said_it(definition: BotDefinition) -> None:
    said = lex_turn("a little one", original="little", intent="Order", intent_state="InProgress", slots={"Size": "small"})
    covered, missing = covered_ids(definition, [said])
    assert "Order/synonym/Size/small/little" in covered
    assert "Order/synonym/Size/large/big" in missing
    # Without the raw response (the chat target), the user's words decide.
    plain = ObservedTurn(user_text="big please", intent="Order", intent_state="InProgress", slots={"Size": "large"})
    covered, _ = covered_ids(definition, [plain])
    assert "Order/synonym/Size/large/big" in covered
    no_word = ObservedTurn(user_text="bigger", intent="Order", intent_state="InProgress", slots={"Size": "large"})
    covered, _ = covered_ids(definition, [no_word])
    assert "Order/synonym/Size/large/big" not in covered


def test_retries_run_out_when_the_fallback_answers_an_elicitation(definition: BotDefinition) -> None:
    ask = dict(intent="Order", intent_state="InProgress", dialog_action="ElicitSlot", slot_to_elicit="Size")
    fallback = ObservedTurn(user_text="purple", intent="FallbackIntent", intent_state="ReadyForFulfillment", dialog_action="Close")
    covered, _ = covered_ids(definition, [ObservedTurn(user_text="order a pizza", **ask), fallback])  # type: ignore[arg-type]
    assert "Order/retries-exhausted/Size" in covered
    _, missing = covered_ids(definition, [ObservedTurn(user_text="order a pizza", intent="Order", intent_state="Fulfilled"), fallback])
    assert "Order/retries-exhausted/Size" in missing
    idle = ObservedTurn(user_text="", note="idle for 400 seconds")  # the session expired in between: no retry ran out
    _, missing = covered_ids(definition, [ObservedTurn(user_text="order a pizza", **ask), idle, fallback])  # type: ignore[arg-type]
    assert "Order/retries-exhausted/Size" in missing


def test_declined_confirmation_and_refused_turns(definition: BotDefinition) -> None:
    declined = ObservedTurn(user_text="no", messages=["Okay, I won't."], intent="Order", intent_state="Failed", confirmation_state="Denied")
    refused = ObservedTurn(user_text="yes", error="DependencyFailedException: boom", intent="Order", confirmation_state="Confirmed")
    covered, missing = covered_ids(definition, [declined, refused])
    assert "Order/confirmation-declined" in covered
    assert "Order/confirmation-accepted" in missing  # a refused turn exercises nothing


def test_reply_templates_match_rendered_text() -> None:
    regex = template_regex("Good {{ part_of_day }}{% if customer %}, {{ customer }}{% endif %}! How can I help you today?")
    assert regex.match("Good morning, Ana! How can I help you today?")
    assert regex.match("Good evening! How can I help you today?")
    assert not regex.match("Bad evening! How can I help you today?")
    assert template_regex("a.b (c)*").match("a.b (c)*") and not template_regex("a.b").match("axb")
    items = template_regex("Items:{% for i in xs %} {{ i }}{% endfor %}.")
    assert items.match("Items: a b.") and items.match("Items:.")


def test_prompts_match_with_their_slot_references_filled() -> None:
    assert prompt_regex("Order a {Size} pizza?").match("Order a large pizza?")
    assert not prompt_regex("Order a {Size} pizza?").match("Order a pizza?")
    assert prompt_regex("50% off {Thing}* (now)").match("50% off tea* (now)")


def test_html_escapes_spec_text_and_marks_untested_items(definition: BotDefinition) -> None:
    turns = [
        ObservedTurn(
            user_text="<script>x</script>", messages=["Done </td><script>alert(1)</script>"], intent="Order", intent_state="Fulfilled"
        )
    ]
    report = build_report(definition, "en_US", {"engine": [('scenario "<b>&', turns)]})
    page = render_html(report)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;/td&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "class=untested" in page and "class=tested" in page
    assert '<a href="#s-engine-0">scenario &quot;&lt;b&gt;&amp;</a>' in page
    assert '<li id="s-engine-0">' in page


def test_the_json_file_round_trips(definition: BotDefinition, tmp_path: Path) -> None:
    turns = [ObservedTurn(user_text="order a pizza", intent="Order", intent_state="InProgress")]
    report = build_report(definition, "en_US", {"engine": [("one", turns)], "http": []})
    path = tmp_path / "c.json"
    path.write_text(json.dumps(report.to_json()), encoding="utf-8")
    back = read_report(path)
    assert back.targets["engine"].percent == report.targets["engine"].percent > 0
    assert back.targets["http"].percent == 0.0
    assert [i.covered_by for i in back.targets["engine"].items] == [i.covered_by for i in report.targets["engine"].items]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe", "not JSON"),
        (b"{not json", "not JSON"),
        (b"[]", "not a chat-lex coverage file"),
        (b'{"format": "chat-lex-coverage", "version": 99, "targets": {}}', "version 99"),
        (b'{"format": "chat-lex-coverage", "version": 1, "targets": []}', "'targets' is not an object"),
        (b'{"format": "chat-lex-coverage", "version": 1, "targets": {"e": {"scenarios": [], "items": [{"id": 1}]}}}', "lacks id"),
        (
            b'{"format": "chat-lex-coverage", "version": 1, "targets": {"e": {"scenarios": [], '
            b'"items": [{"id": "a", "intent": "b", "kind": "c", "label": "d", "covered_by": [5]}]}}}',
            "bad covered_by",
        ),
    ],
)
def test_malformed_coverage_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "c.json"
    path.write_bytes(content)
    with pytest.raises(CoverageFileError, match=message):
        read_report(path)


def test_an_oversized_or_missing_coverage_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tools.coverage.report as model

    path = tmp_path / "c.json"
    path.write_text("{}" + " " * 100, encoding="utf-8")
    monkeypatch.setattr(model, "MAX_COVERAGE_BYTES", 50)
    with pytest.raises(CoverageFileError, match="more than a coverage file may hold"):
        read_report(path)
    with pytest.raises(CoverageFileError, match="cannot read it"):
        read_report(tmp_path / "absent.json")
