"""A press on a response-card button reaches the bot that sent the card: label shown, value asked, any bot mode."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from runtime.chat import errors
from runtime.chat.errors import ChatError
from runtime.chat.protocol import CardReply, card_reply_of, parse_frame
from runtime.store import open_store
from runtime.store.base import NewMessage
from tests.unit.test_chat_service import ALICE, BOB, FakeLex, Harness, settle

CARD = {"title": "How?", "buttons": [{"text": "Delivery", "value": "delivery"}, {"text": "Pickup", "value": "pickup"}]}


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    h = Harness(store, FakeLex())
    await h.fanout.start()
    yield h
    await h.service.close()
    await store.close()


async def bot_card(harness: Harness, conversation_id: str, card: object = CARD) -> str:
    stored, _ = await harness.store.append_message(
        NewMessage(conversation_id, "bot", "Bot", "bot", "How?", None, metadata={"responseCard": card})
    )
    return stored.message_id


@pytest.mark.parametrize("bot_mode", ["mention", "never", "always"])
async def test_a_card_press_in_a_room_is_answered_without_a_mention(harness: Harness, bot_mode: str) -> None:
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode=bot_mode)
    await harness.service.join(BOB, room.conversation_id)
    bob = harness.socket(BOB, room.conversation_id)
    card_id = await bot_card(harness, room.conversation_id)
    acks: list[dict[str, object]] = []
    stored = await harness.service.send_message(
        BOB, room.conversation_id, "Delivery", "b1", reply=acks.append, card_reply=CardReply(card_id, "delivery")
    )
    await harness.service.idle()
    await settle()
    assert [c["text"] for c in harness.lex.calls] == ["delivery"]
    assert stored.content == "Delivery"
    assert stored.metadata == {"replyTo": card_id, "cardValue": "delivery"}
    shown = bob.of_type("USER_MESSAGE")[0]["message"]
    assert shown["content"] == "Delivery" and shown["metadata"]["replyTo"] == card_id
    assert [m["message"]["content"] for m in bob.of_type("BOT_RESPONSE")] == ["echo: delivery"]


async def test_a_plain_message_in_a_mention_room_still_needs_the_mention(harness: Harness) -> None:
    room = await harness.store.create_room("r", ALICE.user_id, bot_mode="mention")
    await harness.service.send_message(ALICE, room.conversation_id, "delivery", "a1", reply=lambda e: None)
    await harness.service.idle()
    assert harness.lex.calls == []


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (lambda card_id: CardReply(card_id, "teleport"), errors.BAD_FRAME),  # not one of the card's buttons
        (lambda card_id: CardReply("0190aaaa-0000-7000-8000-000000000000", "delivery"), errors.NOT_FOUND),
    ],
)
async def test_a_press_on_an_unknown_card_or_button_is_refused_and_nothing_is_stored(harness: Harness, reply: object, code: str) -> None:
    private = await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)
    card_id = await bot_card(harness, private.conversation_id)
    with pytest.raises(ChatError) as refused:
        await harness.service.send_message(
            ALICE,
            private.conversation_id,
            "x",
            "a1",
            reply=lambda e: None,
            card_reply=reply(card_id),  # type: ignore[operator]
        )
    assert refused.value.code == code and refused.value.client_message_id == "a1"
    page = await harness.store.history(private.conversation_id)
    assert [m.role for m in page.messages] == ["bot"]
    assert harness.lex.calls == []


async def test_a_user_message_or_another_conversations_card_is_no_card(harness: Harness) -> None:
    private = await harness.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)
    room = await harness.store.create_room("r", ALICE.user_id)
    elsewhere = await bot_card(harness, room.conversation_id)
    mine = await harness.service.send_message(ALICE, private.conversation_id, "hi", "a0", reply=lambda e: None)
    for target in (elsewhere, mine.message_id):
        with pytest.raises(ChatError) as refused:
            await harness.service.send_message(
                ALICE, private.conversation_id, "x", f"a-{target}", reply=lambda e: None, card_reply=CardReply(target, "delivery")
            )
        assert refused.value.code == errors.NOT_FOUND


def frame(**extra: object) -> str:
    return json.dumps({"action": "sendmessage", "conversationId": "c", "message": "Delivery", "clientMessageId": "m", **extra})


def test_the_frame_carries_reply_to() -> None:
    parsed = parse_frame(frame(replyTo={"messageId": "0190-ab", "value": "delivery"}))
    assert card_reply_of(parsed) == CardReply("0190-ab", "delivery")
    assert card_reply_of(parse_frame(frame())) is None


@pytest.mark.parametrize(
    "reply_to",
    [
        "delivery",
        {"messageId": "0190-ab"},
        {"value": "delivery"},
        {"messageId": "0190-ab", "value": ""},
        {"messageId": "../../etc", "value": "x"},
        {"messageId": "0190-ab", "value": "x", "extra": 1},
        {"messageId": "a" * 65, "value": "x"},
        {"messageId": "0190-ab", "value": "x" * 1001},
        {"messageId": 7, "value": "x"},
    ],
)
def test_a_malformed_reply_to_is_a_bad_frame_naming_the_message(reply_to: object) -> None:
    with pytest.raises(ChatError) as refused:
        parse_frame(frame(replyTo=reply_to))
    assert refused.value.code == errors.BAD_FRAME
    assert refused.value.client_message_id == "m"
    assert "replyTo" in refused.value.message or "(the frame)" not in refused.value.message
