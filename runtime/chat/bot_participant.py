"""The bot as a chat participant: ask Lex V2 RecognizeText, map the answer to chat messages and metadata.

Works with any object that has boto3's `lexv2-runtime` `recognize_text` signature: the local engine
or a boto3 client. The call is synchronous in both, so it runs in a worker thread with a timeout.
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.chat.lex_session import lex_session_id
from runtime.chat.opening import Opening
from runtime.lex.client import LexTextClient

MAX_REMEMBERED_SESSIONS = 10_000
MENTION = re.compile(r"(?<![\w@])@bot\b", re.IGNORECASE)
LOCALE_ID = re.compile(r"^[a-z]{2}_[A-Z]{2}$")  # Lex V2 locale ids: en_US, es_ES, ...


@dataclass(frozen=True)
class BotLocale:
    """A locale the bot offers, with the name the language picker shows."""

    locale_id: str
    name: str


@dataclass(frozen=True)
class BotTarget:
    """Which bot, alias and (default) locale to talk to."""

    bot_id: str
    alias_id: str
    locale_id: str


@dataclass(frozen=True)
class BotReply:
    """One chat message from the bot, with what Lex decided."""

    content: str
    metadata: dict[str, Any] = field(default_factory=dict)


class BotUnavailable(Exception):
    """The bot could not answer: a Lex error, a throttle, or a timeout. `reason` is for logs, not users."""

    def __init__(self, reason: str, *, lex_code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.lex_code = lex_code


def mentions_bot(text: str) -> bool:
    return MENTION.search(text) is not None


def strip_mention(text: str) -> str:
    """The text Lex should see: without the `@bot` mention."""
    stripped = MENTION.sub(" ", text)
    return " ".join(stripped.split()) or text.strip()


def _error_code(exc: BaseException) -> str | None:
    code = getattr(exc, "code", None)
    if isinstance(code, str):
        return code
    response = getattr(exc, "response", None)  # botocore ClientError
    if isinstance(response, dict):
        error = response.get("Error", {})
        if isinstance(error, dict) and isinstance(error.get("Code"), str):
            return str(error["Code"])
    return None


class BotParticipant:
    """Asks the bot one message at a time; callers serialize per session."""

    def __init__(
        self,
        client: LexTextClient,
        target: BotTarget,
        *,
        timeout: float = 10.0,
        description: str = "bot",
        opening: Opening | None = None,
        locales: tuple[BotLocale, ...] = (),
        openings: Mapping[str, Opening] | None = None,
    ) -> None:
        self._client = client
        self.target = target
        self.opening = opening  # what the bot says first to a new user; None: it waits to be spoken to
        # The locales a user may pick; the target's locale is always one of them (the default).
        listed = {loc.locale_id: loc for loc in locales}
        listed.setdefault(target.locale_id, BotLocale(target.locale_id, target.locale_id))
        self.locales: tuple[BotLocale, ...] = tuple(listed.values())
        self._openings: dict[str, Opening] = dict(openings or {})  # the other locales'; the default's is `opening`
        self.timeout = timeout
        self.description = description
        # Lex replaces session attributes wholesale, so the ones the bot set last turn are sent back with ours.
        self._attributes: OrderedDict[str, dict[str, str]] = OrderedDict()

    def offers(self, locale_id: str) -> bool:
        return any(loc.locale_id == locale_id for loc in self.locales)

    def opening_for(self, locale_id: str | None) -> Opening | None:
        """The opening in `locale_id` (the default locale's when None)."""
        if locale_id is None or locale_id == self.target.locale_id:
            return self.opening
        return self._openings.get(locale_id)

    async def ask(
        self,
        *,
        conversation_id: str,
        user_id: str,
        display_name: str,
        text: str,
        time_zone: str | None,
        locale_id: str | None = None,
    ) -> list[BotReply]:
        """Ask in `locale_id` (one the bot offers; None: the default locale). Lex keeps one session per locale."""
        if locale_id is not None and not self.offers(locale_id):
            raise ValueError(f"the bot does not offer locale {locale_id!r}")
        session_id = lex_session_id(conversation_id, user_id)
        locale = locale_id or self.target.locale_id
        remembered = f"{locale}/{session_id}"  # Lex keeps a session's attributes per locale, and so do we
        attributes = {**self._attributes.get(remembered, {}), "customer": display_name}
        request: dict[str, Any] = {
            "botId": self.target.bot_id,
            "botAliasId": self.target.alias_id,
            "localeId": locale,
            "sessionId": session_id,
            "text": text,
            "sessionState": {"sessionAttributes": attributes},
        }
        if time_zone:
            request["requestAttributes"] = {"x-amz-lex:time-zone": time_zone}
        try:
            async with asyncio.timeout(self.timeout):
                response = await asyncio.to_thread(self._client.recognize_text, **request)
        except TimeoutError as exc:
            raise BotUnavailable(f"the bot did not answer within {self.timeout:g} s") from exc
        except Exception as exc:
            code = _error_code(exc)
            raise BotUnavailable(f"{code or type(exc).__name__}: {exc}", lex_code=code) from exc
        if not isinstance(response, dict):
            raise BotUnavailable(f"unexpected RecognizeText response type {type(response).__name__}")
        self._remember_attributes(remembered, response)
        return replies_from_response(response)

    def _remember_attributes(self, key: str, response: dict[str, Any]) -> None:
        returned = (response.get("sessionState") or {}).get("sessionAttributes")
        if isinstance(returned, dict):
            self._attributes[key] = {str(k): str(v) for k, v in returned.items()}
            self._attributes.move_to_end(key)
            while len(self._attributes) > MAX_REMEMBERED_SESSIONS:
                self._attributes.popitem(last=False)

    async def check(self) -> None:
        """Readiness: the client object exists; a real call would cost a Lex request, so none is made."""
        if not callable(getattr(self._client, "recognize_text", None)):
            raise BotUnavailable("the bot client has no recognize_text")


def replies_from_response(response: dict[str, Any]) -> list[BotReply]:
    """One BotReply per Lex message, each carrying the turn's intent, confidence, dialog action and slots."""
    state = response.get("sessionState") or {}
    intent = state.get("intent") or {}
    confidence: float | None = None
    for interpretation in response.get("interpretations") or []:
        if (interpretation.get("intent") or {}).get("name") == intent.get("name"):
            score = (interpretation.get("nluConfidence") or {}).get("score")
            confidence = float(score) if isinstance(score, int | float) else None
            break
    base: dict[str, Any] = {
        "intent": intent.get("name"),
        "intentState": intent.get("state"),
        "confidence": confidence,
        "dialogAction": state.get("dialogAction"),
        "slots": _plain_slots(intent.get("slots") or {}),
    }
    replies: list[BotReply] = []
    for message in response.get("messages") or []:
        card = message.get("imageResponseCard")
        content = message.get("content") or (card or {}).get("title") or ""
        metadata = dict(base)
        metadata["contentType"] = message.get("contentType", "PlainText")
        if card:
            metadata["responseCard"] = {
                "title": card.get("title"),
                "subtitle": card.get("subtitle"),
                "imageUrl": card.get("imageUrl"),
                "buttons": [{"text": b.get("text"), "value": b.get("value")} for b in card.get("buttons") or []],
            }
        if content or card:
            replies.append(BotReply(content=str(content), metadata=metadata))
    return replies


def _plain_slots(slots: dict[str, Any]) -> dict[str, str | None]:
    """Slot name -> interpreted value (or None): the part of Lex's slot objects a chat client needs."""
    plain: dict[str, str | None] = {}
    for name, slot in slots.items():
        value = ((slot or {}).get("value") or {}) if isinstance(slot, dict) else {}
        interpreted = value.get("interpretedValue") if isinstance(value, dict) else None
        plain[str(name)] = str(interpreted) if interpreted is not None else None
    return plain
