"""Botium conversation scripts (``*.convo.txt``) played against the local Lex V2 engine.

The parser (tools/test_import/botium.py, shared with ``chat-lex import-tests``) reads
BotiumScript's text format: a name line, then ``#me``/``#bot`` sections. A ``#me``
section holds the user's text and ``UPDATE_CUSTOM`` logic hooks
(``SET_LEX_SESSION_ATTRIBUTE|k|v``, ``SET_LEX_REQUEST_ATTRIBUTE|k|v``); a ``#bot``
section holds expected text (or the name of an ``*.utterances.txt`` list of
alternatives, with ``*`` wildcards, matched case-insensitively as Botium's default
``wildcardIgnoreCase``) and asserters; this player checks ``INTENT``, ``ENTITIES``,
``ENTITY_VALUES`` and ``ENTITY_CONTENT``. As botium-connector-lex does, each Lex message
is one bot event, and a response without messages is one event carrying only the NLU data.

Whitespace runs are compared as one space: the scripts were recorded against Lex,
whose prompts here contain double spaces ("...{PickupDate}.  Does this sound okay?")
that the recorded expectations write as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot_spec.formats.yaml_spec import load_spec
from runtime.lex.clock import ManualClock
from runtime.lex.engine import LocalLexRuntime
from tools.test_import.botium import Convo, parse_convo, parse_utterances

START = 1_800_000_000.0  # a fixed "now" (2027-01-15) so "tomorrow" is reproducible


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u200b", "")).strip()


def wildcard_match(expected: str, actual: str) -> bool:
    """Botium's wildcardIgnoreCase: ``*`` matches anything, case ignored, whole text."""
    pattern = ".*".join(re.escape(part) for part in _norm(expected).split("*"))
    return re.fullmatch(pattern, _norm(actual), flags=re.IGNORECASE | re.DOTALL) is not None


@dataclass
class BotEvent:
    """One bot message (or a message-less response) as Botium sees it."""

    text: str | None
    response: dict[str, Any]


def _events(response: dict[str, Any]) -> list[BotEvent]:
    messages = response.get("messages") or []
    if not messages:
        return [BotEvent(None, response)]
    out = []
    for message in messages:
        card = message.get("imageResponseCard")
        out.append(BotEvent(card.get("title") if card else message.get("content"), response))
    return out


def _entities(response: dict[str, Any]) -> dict[str, str]:
    slots = ((response.get("sessionState") or {}).get("intent") or {}).get("slots") or {}
    found = {}
    for name, slot in slots.items():
        if isinstance(slot, dict) and isinstance(slot.get("value"), dict):
            value = slot["value"]
            found[name] = value.get("interpretedValue") or value.get("originalValue")
    return found


def _check_asserter(kind: str, args: list[str], response: dict[str, Any]) -> str | None:
    intent = ((response.get("sessionState") or {}).get("intent") or {}).get("name")
    entities = _entities(response)
    if kind == "INTENT":
        return None if intent == args[0] else f"INTENT: expected {args[0]}, got {intent}"
    at_least = ".." in args
    wanted = [a for a in args if a != ".."]
    if kind == "ENTITIES":
        missing = [a for a in wanted if a not in entities]
        extra = [] if at_least else [e for e in entities if e not in wanted]
        return None if not missing and not extra else f"ENTITIES: expected {wanted}, got {sorted(entities)}"
    if kind == "ENTITY_VALUES":
        values = [str(v) for v in entities.values()]
        missing = [a for a in wanted if a not in values]
        extra = [] if at_least else [v for v in values if v not in wanted]
        return None if not missing and not extra else f"ENTITY_VALUES: expected {wanted}, got {values}"
    name, allowed = args[0], args[1:]
    got = entities.get(name)
    return None if got in allowed else f"ENTITY_CONTENT: expected {name} in {allowed}, got {got!r}"


def play(convo: Convo, runtime: LocalLexRuntime, ids: dict[str, str], utterances: dict[str, list[str]], session_id: str) -> list[str]:
    """Play the script; returns the failures (empty when the bot behaved as scripted)."""
    failures: list[str] = []
    pending: list[BotEvent] = []
    session_attributes: dict[str, str] = {}
    for step in convo.steps:
        where = f"{convo.source}:{step.line}"
        if step.sender == "me":
            if pending:
                failures.append(f"{where}: the bot sent {len(pending)} unexpected message(s): {[e.text for e in pending]}")
            request_attributes: dict[str, str] = {}
            for _, args in step.hooks:
                if args[0] == "SET_LEX_SESSION_ATTRIBUTE":
                    session_attributes[args[1]] = args[2]
                elif args[0] == "SET_LEX_REQUEST_ATTRIBUTE":
                    request_attributes[args[1]] = args[2]
            text = " ".join(step.texts)
            kwargs: dict[str, Any] = {"text": text, **ids, "sessionId": session_id}
            if session_attributes:
                kwargs["sessionState"] = {"sessionAttributes": dict(session_attributes)}
            if request_attributes:
                kwargs["requestAttributes"] = request_attributes
            pending = _events(runtime.recognize_text(**kwargs))
            continue
        if not pending:
            failures.append(f"{where}: expected a bot message, the bot sent nothing more")
            continue
        event = pending.pop(0)
        for expected in step.texts:
            choices = utterances.get(expected, [expected])
            if event.text is None or not any(wildcard_match(c, event.text) for c in choices):
                failures.append(f"{where}: expected {choices}, got {event.text!r}")
        for kind, args in step.asserters:
            problem = _check_asserter(kind, args, event.response)
            if problem:
                failures.append(f"{where}: {problem}")
    return failures


# ---------------------------------------------------------------- the parser and player on the seed bot

SEED_CONVO = """Seed status
Checks a status through slot elicitation.

#me
check my status

#bot
What type of status would you like to check?
INTENT Status
ENTITIES ..

#bot
Choose a status type

#me
the shipment

#bot
INTENT Status
ENTITIES StatusType
ENTITY_VALUES delivery
ENTITY_CONTENT StatusType|delivery
"""


@pytest.fixture
def seed_runtime(seed_bot_dir: Path) -> tuple[LocalLexRuntime, dict[str, str]]:
    runtime = LocalLexRuntime(clock=ManualClock(START))
    deployment = runtime.register_bot(load_spec(seed_bot_dir))  # no code hook: Lex's own prompts drive it
    return runtime, {"botId": deployment.bot_id, "botAliasId": deployment.alias_id, "localeId": "en_US"}


def test_parser_reads_sections_asserters_and_hooks() -> None:
    convo = parse_convo(
        "Name\n\n#me\nhi there\nUPDATE_CUSTOM SET_LEX_SESSION_ATTRIBUTE|a|b\n\n#bot\nUTT_X\nINTENT Greet\nENTITIES A|B\n", "x.convo.txt"
    )
    assert convo.name == "Name"
    me, bot = convo.steps
    assert (me.sender, me.texts, me.hooks) == ("me", ["hi there"], [("UPDATE_CUSTOM", ["SET_LEX_SESSION_ATTRIBUTE", "a", "b"])])
    assert (bot.texts, bot.asserters) == (["UTT_X"], [("INTENT", ["Greet"]), ("ENTITIES", ["A", "B"])])


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "name line"), ("N\n#you\nhi\n", "unknown section"), ("N\n#me\nINTENT X\n", "belongs in a #bot")],
)
def test_parser_rejects_malformed_scripts(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_convo(text, "bad.convo.txt")


def test_wildcards_ignore_case_and_whitespace_runs() -> None:
    assert wildcard_match("Okay, your * is ready on *. Sure?", "okay, your roses is ready on 2026-01-02.  Sure?")
    assert not wildcard_match("Okay, your * is ready", "Okay, your roses is ready on Monday")


def test_seed_convo_passes(seed_runtime: tuple[LocalLexRuntime, dict[str, str]]) -> None:
    runtime, ids = seed_runtime
    assert play(parse_convo(SEED_CONVO, "seed.convo.txt"), runtime, ids, {}, "botium-seed") == []


def test_player_reports_every_mismatch(seed_runtime: tuple[LocalLexRuntime, dict[str, str]]) -> None:
    runtime, ids = seed_runtime
    wrong = SEED_CONVO.replace("INTENT Status\nENTITIES StatusType", "INTENT Help\nENTITIES Other").replace(
        "What type of status", "Which kind of status"
    )
    failures = play(parse_convo(wrong, "wrong.convo.txt"), runtime, ids, {}, "botium-wrong")
    assert len(failures) == 3
    assert any("INTENT: expected Help, got Status" in f for f in failures)
    assert any("ENTITIES" in f for f in failures)
    assert any("Which kind of status" in f for f in failures)


# ---------------------------------------------------------------- the published Botium scripts on the imported bots

SCRIPTS = {
    "BookTripV2/book_car": "BookTrip.cfn.yaml",
    "BookTripV2/book_hotel": "BookTrip.cfn.yaml",
    "OrderFlowersV2/order_flowers": "OrderFlowers.cfn.yaml",
}


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_botium_script_passes_on_the_imported_bot(script: str, external_dir: Path) -> None:
    from bot_spec.importer import import_bots

    (definition,) = import_bots(external_dir / "lex_bots" / "cfn" / SCRIPTS[script])
    runtime = LocalLexRuntime(clock=ManualClock(START))
    deployment = runtime.register_bot(definition)  # no fulfillment: Lex's own prompts drive the dialogue
    ids = {"botId": deployment.bot_id, "botAliasId": deployment.alias_id, "localeId": "en_US"}
    folder, name = script.split("/")
    convo_dir = external_dir / "conversations" / "botium" / folder / "spec" / "convo"
    utterances = dict(parse_utterances(p.read_text(encoding="utf-8")) for p in sorted(convo_dir.glob("*.utterances.txt")))
    convo_file = convo_dir / f"{name}.convo.txt"
    convo = parse_convo(convo_file.read_text(encoding="utf-8"), convo_file.name)
    assert play(convo, runtime, ids, utterances, f"botium-{name}") == []


def _bot_sources(external_dir: Path) -> list[Path]:
    root = external_dir / "lex_bots"
    return [p for p in sorted(root.rglob("*")) if p.suffix in (".yaml", ".zip") or (p.is_dir() and (p / "Manifest.json").exists())]


def test_every_external_bot_holds_a_dialogue_with_a_delegating_code_hook(external_dir: Path) -> None:
    """Each real bot, every locale, starts each intent and answers follow-ups without an engine failure."""
    from bot_spec.importer import import_bots

    def delegate(event: dict[str, Any]) -> dict[str, Any]:
        return {"sessionState": {"dialogAction": {"type": "Delegate"}, "intent": event["sessionState"]["intent"]}}

    sources = _bot_sources(external_dir)
    assert len(sources) >= 10
    turns = 0
    for source in sources:
        for definition in import_bots(source):
            runtime = LocalLexRuntime(clock=ManualClock(START))
            deployment = runtime.register_bot(definition, code_hook=delegate)
            for locale in definition.locales:
                ids = {"botId": deployment.bot_id, "botAliasId": "TSTALIASID", "localeId": locale.locale_id}
                for n, intent in enumerate(locale.intents):
                    opening = intent.sample_utterances[0].replace("{", "").replace("}", "") if intent.sample_utterances else "hello"
                    for text in (opening, "yes", "tomorrow", "10", "no"):
                        response = runtime.recognize_text(**ids, sessionId=f"{locale.locale_id}-{n}", text=text)
                        turns += 1
                        assert response["sessionState"]["dialogAction"]["type"] in ("Close", "ElicitSlot", "ConfirmIntent", "ElicitIntent")
                        assert len(response["interpretations"]) <= 5
    assert turns > 100


def _key_paths(node: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON document, list items folded together ("interpretations[].intent.name")."""
    paths: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{prefix}.{key}" if prefix else key
            paths.add(here)
            paths |= _key_paths(value, here)
    elif isinstance(node, list):
        for item in node:
            paths |= _key_paths(item, f"{prefix}[]")
    return paths


def test_response_has_the_shape_of_a_real_booktrip_capture(external_dir: Path) -> None:
    """Our RecognizeText answer carries every field of the real BookTrip capture (aws-samples test_event.json)."""
    import json

    from bot_spec.importer import import_bots

    sample = json.loads((external_dir / "reference" / "booktrip-codehook-event.sample.json").read_text(encoding="utf-8"))
    (definition,) = import_bots(external_dir / "lex_bots" / "cfn" / "BookTrip.cfn.yaml")
    runtime = LocalLexRuntime(clock=ManualClock(START))
    deployment = runtime.register_bot(definition)
    ids = {"botId": deployment.bot_id, "botAliasId": "TSTALIASID", "localeId": "en_US", "sessionId": "shape-1"}
    for text in ("Book a 4 night stay in New York", "tomorrow", "queen"):
        ours = runtime.recognize_text(**ids, text=text)
    assert ours["sessionState"]["dialogAction"] == sample["sessionState"]["dialogAction"] == {"type": "ConfirmIntent"}
    # Slot values in the capture predate the "shape" field the runtime model now has; everything else must match.
    missing = {p for p in _key_paths(sample) - _key_paths(ours) if not p.endswith(".shape")}
    assert missing == set()
    fallback = next(i for i in ours["interpretations"] if i["intent"]["name"] == "FallbackIntent")
    assert fallback == {"intent": {"name": "FallbackIntent", "slots": {}}, "interpretationSource": "Lex"}  # no confidence
    assert set(ours["interpretations"][0]["intent"]) == set(sample["interpretations"][0]["intent"])  # the top carries state
    assert all(set(i["intent"]) == {"name", "slots"} for i in ours["interpretations"][1:])
