"""The bot's locales: what WELCOME offers, the `localeId` on sendmessage and greet, and Lex asked in it."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from runtime.chat import errors
from runtime.chat.bot_participant import BotLocale, BotParticipant, BotTarget
from runtime.chat.channels import MemoryChannel
from runtime.chat.errors import ChatError
from runtime.chat.fanout import Fanout
from runtime.chat.metrics import ChatMetrics
from runtime.chat.protocol import parse_frame, validator, welcome_event
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.chat.service import ChatService
from runtime.store import open_store
from runtime.store.base import Store
from runtime.web.backends import open_bot
from runtime.web.settings import Settings, SettingsError
from tests.unit.test_chat_service import ALICE, FakeLex, Socket

SPEC = Path(__file__).resolve().parents[2] / "bot_spec" / "chatbot"
SPANISH_GREETING = re.compile(r"^¡(Buenos días|Buenas tardes|Buenas noches), Alice! ¿En qué puedo ayudarte\?$")


def sendmessage(**extra: Any) -> str:
    return json.dumps({"action": "sendmessage", "conversationId": "c", "message": "hola", "clientMessageId": "m1", **extra})


# -- the frames -----------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["sendmessage", "greet"])
def test_a_well_formed_locale_id_is_accepted(action: str) -> None:
    greet = json.dumps({"action": "greet", "conversationId": "c", "localeId": "es_ES"})
    raw = sendmessage(localeId="es_ES") if action == "sendmessage" else greet
    assert parse_frame(raw)["localeId"] == "es_ES"


@pytest.mark.parametrize(
    "value",
    [
        "es",
        "ES_es",
        "es-ES",
        "es_ES\n",  # `$` alone would let a trailing newline through
        "es_ESX",
        "",
        "e" * 5000,
        "../../etc",
        "es_ES'; DROP TABLE messages;--",
        "<script>",
        "ｅｓ_ＥＳ",  # fullwidth letters are not [a-z]
        5,
        None,
        ["es_ES"],
        {"id": "es_ES"},
    ],
)
def test_a_malformed_or_hostile_locale_id_is_a_bad_frame(value: Any) -> None:
    for raw in (sendmessage(localeId=value), json.dumps({"action": "greet", "conversationId": "c", "localeId": value})):
        with pytest.raises(ChatError) as caught:
            parse_frame(raw)
        assert caught.value.code == errors.BAD_FRAME
        assert "localeId" in caught.value.message


def test_welcome_lists_the_locales_and_matches_its_schema() -> None:
    plain = welcome_event("u", "U", "c1", [])
    assert "locales" not in plain and "defaultLocale" not in plain
    validator("out.WELCOME").validate(plain)
    locales = [{"localeId": "en_US", "name": "English (US)"}, {"localeId": "es_ES", "name": "Español"}]
    offered = welcome_event("u", "U", "c1", [], locales=locales, default_locale="en_US")
    validator("out.WELCOME").validate(offered)
    assert offered["defaultLocale"] == "en_US"


# -- the settings and the local bot's definition ------------------------------------------------


def test_the_local_seed_bot_offers_its_definition_locales() -> None:
    bot = open_bot(Settings(bot=f"local:{SPEC}"))
    assert bot is not None
    assert bot.target.locale_id == "en_US"
    assert bot.locales == (BotLocale("en_US", "English (US)"), BotLocale("es_ES", "Español (España)"))
    spanish = bot.opening_for("es_ES")
    assert spanish is not None and spanish.greeting_utterance == "hola"
    card = spanish.card()
    assert card is not None and card["title"] == "Prueba a preguntar:"
    assert card["buttons"][0] == {"text": "Ayuda", "value": "ayuda"}
    assert bot.opening_for(None) is bot.opening and bot.opening is not None and bot.opening.greeting_utterance == "hello"
    assert bot.opening_for("fr_FR") is None


def test_an_aws_bot_offers_its_locale_and_the_configured_ones() -> None:
    settings = Settings.from_env({"CHAT_LEX_BOT": "aws:B/A/en_US", "CHAT_LEX_BOT_LOCALES": " es_ES, en_US,es_ES,fr_FR "})
    assert settings.bot_locale_ids() == ["es_ES", "en_US", "fr_FR"]
    bot = open_bot(settings)
    assert bot is not None
    assert [loc.locale_id for loc in bot.locales] == ["en_US", "es_ES", "fr_FR"]
    assert bot.target.locale_id == "en_US"


@pytest.mark.parametrize("value", ["es", "es_ES,de-DE", "es_ES;rm -rf", "x" * 300])
def test_bad_bot_locales_are_refused_with_the_variable_named(value: str) -> None:
    with pytest.raises(SettingsError, match="CHAT_LEX_BOT_LOCALES"):
        Settings.from_env({"CHAT_LEX_BOT": "aws:B/A/en_US", "CHAT_LEX_BOT_LOCALES": value})


def test_bot_locales_are_for_aws_bots_only() -> None:
    with pytest.raises(SettingsError, match="CHAT_LEX_BOT_LOCALES is for aws"):
        Settings.from_env({"CHAT_LEX_BOT": f"local:{SPEC}", "CHAT_LEX_BOT_LOCALES": "es_ES"})


# -- the service with the local engine ------------------------------------------------------------


class Chat:
    def __init__(self, store: Store, bot: BotParticipant) -> None:
        self.store = store
        self.metrics = ChatMetrics()
        self.fanout = Fanout(MemoryChannel(), self.metrics)
        self.service = ChatService(store, self.fanout, bot, self.metrics, LocalTokenBucket(1000))

    async def private(self) -> tuple[str, Socket]:
        conversation_id = (await self.store.ensure_private_conversation(ALICE.user_id, ALICE.display_name)).conversation_id
        sock = Socket(self.fanout, ALICE)
        self.fanout.subscribe(sock.connection, conversation_id)
        return conversation_id, sock


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Chat]:
    store = open_store(f"sqlite:{tmp_path / 'chat.db'}")
    bot = open_bot(Settings(bot=f"local:{SPEC}"))
    assert bot is not None
    c = Chat(store, bot)
    await c.fanout.start()
    yield c
    await c.service.close()
    await store.close()


def replies(sock: Socket) -> list[str]:
    return [f["message"]["content"] for f in sock.of_type("BOT_RESPONSE")]


async def test_a_spanish_message_gets_the_spanish_reply_from_the_local_engine(chat: Chat) -> None:
    conversation_id, sock = await chat.private()
    madrid = "Europe/Madrid"
    await chat.service.send_message(ALICE, conversation_id, "hola", "m1", reply=lambda e: None, time_zone=madrid, locale_id="es_ES")
    await chat.service.idle()
    assert len(replies(sock)) == 1 and SPANISH_GREETING.match(replies(sock)[0]), replies(sock)
    # the same words without a locale go to the default (English) locale, which does not know them
    await chat.service.send_message(ALICE, conversation_id, "hola", "m2", reply=lambda e: None, time_zone="Europe/Madrid")
    await chat.service.idle()
    assert not SPANISH_GREETING.match(replies(sock)[-1])
    await chat.service.send_message(ALICE, conversation_id, "ayuda", "m3", reply=lambda e: None, locale_id="es_ES")
    await chat.service.idle()
    assert replies(sock)[-1].startswith("Puedo ayudarte con:")


async def test_the_greeting_and_suggestions_come_in_the_picked_locale(chat: Chat) -> None:
    conversation_id, sock = await chat.private()
    assert await chat.service.greet(ALICE, conversation_id, time_zone="Europe/Madrid", locale_id="es_ES")
    await chat.service.idle()
    greeting = [f["message"] for f in sock.of_type("BOT_RESPONSE")]
    assert SPANISH_GREETING.match(greeting[0]["content"])
    assert greeting[-1]["metadata"]["responseCard"]["title"] == "Prueba a preguntar:"


async def test_a_locale_the_bot_does_not_offer_is_refused_and_nothing_is_stored(chat: Chat) -> None:
    conversation_id, _sock = await chat.private()
    for locale in ("fr_FR", "de_DE"):
        with pytest.raises(ChatError) as caught:
            await chat.service.send_message(ALICE, conversation_id, "hola", "m1", reply=lambda e: None, locale_id=locale)
        assert caught.value.code == errors.BAD_FRAME and "en_US, es_ES" in caught.value.message
        assert caught.value.client_message_id == "m1"
        with pytest.raises(ChatError):
            await chat.service.greet(ALICE, conversation_id, locale_id=locale)
    assert (await chat.store.history(conversation_id, limit=10)).messages == []


async def test_the_participant_asks_lex_in_the_locale_and_keeps_attributes_per_locale() -> None:
    lex = FakeLex()
    bot = BotParticipant(lex, BotTarget("B", "A", "en_US"), locales=(BotLocale("es_ES", "Español"),))
    assert [loc.locale_id for loc in bot.locales] == ["es_ES", "en_US"]
    await bot.ask(conversation_id="c", user_id="u", display_name="U", text="hola", time_zone=None, locale_id="es_ES")
    await bot.ask(conversation_id="c", user_id="u", display_name="U", text="hi", time_zone=None)
    assert [c["localeId"] for c in lex.calls] == ["es_ES", "en_US"]
    # FakeLex returns `seen` in the attributes: the Spanish session's did not leak into the first English turn
    assert "seen" not in lex.calls[1]["sessionState"]["sessionAttributes"]
    with pytest.raises(ValueError, match="fr_FR"):
        await bot.ask(conversation_id="c", user_id="u", display_name="U", text="salut", time_zone=None, locale_id="fr_FR")
