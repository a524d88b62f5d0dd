"""The bot speaks first: the Greeting intent's real reply plus suggested prompts from the spec's utterances."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot_spec.formats.yaml_spec import load_spec
from runtime.chat import errors
from runtime.chat.bot_participant import BotParticipant, BotTarget
from runtime.chat.errors import ChatError
from runtime.chat.opening import Opening, Suggestion
from runtime.chat.protocol import CardReply
from runtime.lex.errors import ThrottlingException
from runtime.store import open_store
from runtime.web.bot_opening import opening_from_definition
from tests.unit.test_chat_service import ALICE, FakeLex, Harness, settle

SPEC = Path(__file__).resolve().parents[2] / "bot_spec" / "chatbot"
OPENING = Opening("hello", (Suggestion("Help", "help"), Suggestion("Check my status", "check my status")))


def test_the_opening_comes_from_the_bot_definition() -> None:
    opening = opening_from_definition(load_spec(SPEC), "en_US")
    assert opening is not None
    assert opening.greeting_utterance == "hello"  # the Greeting intent's first sample utterance
    # one plain utterance per other intent; none from the fallback, none with a {slot}
    assert opening.suggestions == (Suggestion("Help", "help"), Suggestion("Check my status", "check my status"))
    card = opening.card()
    assert card is not None
    assert card["buttons"] == [{"text": "Help", "value": "help"}, {"text": "Check my status", "value": "check my status"}]
    assert opening_from_definition(load_spec(SPEC), "fr_FR") is None


def test_a_bot_without_a_greeting_intent_has_no_opening() -> None:
    definition = load_spec(SPEC)
    for locale in definition.locales:
        locale.intents = [i for i in locale.intents if i.name != "Greeting"]
    assert opening_from_definition(definition, "en_US") is None


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    h = Harness(store, FakeLex())
    assert h.service.bot is not None
    h.service.bot.opening = OPENING
    await h.fanout.start()
    yield h
    await h.service.close()
    await store.close()


async def test_greet_stores_the_greeting_with_a_suggestion_card_once(harness: Harness) -> None:
    private = (await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)).conversation_id
    sock = harness.socket(ALICE, private)
    assert await harness.service.greet(ALICE, private, time_zone="Europe/Paris")
    assert not await harness.service.greet(ALICE, private)  # not empty any more: nothing twice
    await settle()
    assert [c["text"] for c in harness.lex.calls] == ["hello"]
    assert harness.lex.calls[0]["requestAttributes"] == {"x-amz-lex:time-zone": "Europe/Paris"}
    greeting = [f["message"] for f in sock.of_type("BOT_RESPONSE")]
    assert [m["content"] for m in greeting] == ["echo: hello"]
    assert greeting[0]["metadata"]["opening"] is True
    assert greeting[0]["metadata"]["responseCard"]["buttons"][1] == {"text": "Check my status", "value": "check my status"}
    # a suggestion is a card button: pressing it reaches the bot
    await harness.service.send_message(
        ALICE, private, "Help", "a1", reply=lambda e: None, card_reply=CardReply(greeting[0]["messageId"], "help")
    )
    await harness.service.idle()
    assert [c["text"] for c in harness.lex.calls] == ["hello", "help"]


async def test_no_greeting_in_a_used_conversation_a_room_or_without_a_bot_opening(harness: Harness) -> None:
    private = (await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)).conversation_id
    await harness.service.send_message(ALICE, private, "hi", "a1", reply=lambda e: None)
    await harness.service.idle()
    calls = len(harness.lex.calls)
    assert not await harness.service.greet(ALICE, private)
    assert len(harness.lex.calls) == calls
    room = await harness.store.create_room("r", ALICE.user_id)
    with pytest.raises(ChatError) as refused:
        await harness.service.greet(ALICE, room.conversation_id)
    assert refused.value.code == errors.BAD_FRAME
    other = (await harness.store.ensure_private_conversation("user-zed", "Zed")).conversation_id
    with pytest.raises(ChatError) as not_mine:
        await harness.service.greet(ALICE, other)
    assert not_mine.value.code == errors.NOT_A_MEMBER


async def test_an_unavailable_bot_just_does_not_greet(harness: Harness) -> None:
    harness.lex.fail_with = ThrottlingException("slow down")
    private = (await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)).conversation_id
    sock = harness.socket(ALICE, private)
    assert not await harness.service.greet(ALICE, private)
    await settle()
    assert sock.of_type("BOT_RESPONSE") == [] and sock.of_type("ERROR") == []
    assert (await harness.store.history(private)).messages == []


def test_a_participant_without_an_opening_is_the_default() -> None:
    participant: Any = BotParticipant(FakeLex(), BotTarget("B", "A", "en_US"))
    assert participant.opening is None
