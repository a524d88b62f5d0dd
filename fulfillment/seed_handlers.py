"""Handlers of the seed bot (``bot_spec/chatbot``): Greeting, Help and Status.

Every word the user reads comes from the spec's replies; the handlers only choose which
reply and fill in its variables.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fulfillment.dispatcher import Dispatcher
from fulfillment.events import CodeHookEvent
from fulfillment.hook_factory import HookSetup, hook_factory
from fulfillment.replies import Replies
from fulfillment.responses import close, delegate, elicit_slot

Clock = Callable[[], float]

BOT_DIR_ENV = "CHAT_LEX_BOT_DIR"
PACKAGED_REPLIES = Path(__file__).resolve().parent / "replies.json"
REPO_BOT_DIR = Path(__file__).resolve().parent.parent / "bot_spec" / "chatbot"

STATUS_SLOT = "StatusType"
LAST_STATUS_ATTRIBUTE = "lastStatusType"
CUSTOMER_ATTRIBUTE = "customer"
# A display name longer than this is not a name; greeting without it beats a reply over Lex's limit.
MAX_CUSTOMER_NAME = 80
MAX_ZONE_NAME = 64


def default_replies_source() -> Path:
    """Where the seed replies come from: $CHAT_LEX_BOT_DIR, the packaged replies.json, the repo's bot."""
    configured = os.environ.get(BOT_DIR_ENV)
    if configured:
        return Path(configured)
    if PACKAGED_REPLIES.is_file():
        return PACKAGED_REPLIES
    return REPO_BOT_DIR


def user_zone(event: CodeHookEvent) -> ZoneInfo:
    """The zone named in ``x-amz-lex:time-zone``; UTC when absent or not a real IANA zone."""
    name = event.time_zone
    if name and len(name) <= MAX_ZONE_NAME:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass  # an unknown or malformed zone is the client's mistake; UTC still greets sensibly
    return ZoneInfo("UTC")


def part_of_day(hour: int) -> str:
    """morning 05:00-11:59, afternoon 12:00-17:59, evening otherwise."""
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    return "evening"


def customer_name(event: CodeHookEvent) -> str | None:
    """The session's display name, when there is a usable one."""
    name = event.session_attributes.get(CUSTOMER_ATTRIBUTE, "").strip()
    return name if 0 < len(name) <= MAX_CUSTOMER_NAME else None


def create_dispatcher(bot_dir: str | Path | None = None, *, clock: Clock = time.time) -> Dispatcher:
    """The seed bot's dispatcher; ``bot_dir`` is a spec folder or replies.json, ``clock`` gives epoch seconds."""
    replies = Replies.load(default_replies_source() if bot_dir is None else bot_dir)
    dispatcher = Dispatcher()

    def reply(event: CodeHookEvent, name: str, **variables: object) -> str:
        return replies.render(event.intent.name, event.locale_id, name, **variables)

    @dispatcher.intent("Greeting")
    def greeting(event: CodeHookEvent) -> dict[str, Any]:
        now = datetime.fromtimestamp(clock(), tz=user_zone(event))
        text = reply(event, "greeting", part_of_day=part_of_day(now.hour), customer=customer_name(event))
        return close(event, "Fulfilled", [text])

    @dispatcher.intent("Help")
    def help_(event: CodeHookEvent) -> dict[str, Any]:
        return close(event, "Fulfilled", [reply(event, "help")])

    def status_reply_name(event: CodeHookEvent, value: str) -> str | None:
        # Lex resolves synonyms to the canonical value (TopResolution); tolerate case only.
        names = replies.names(event.intent.name, event.locale_id)
        if value in names:
            return value
        return next((n for n in sorted(names) if n.casefold() == value.casefold()), None)

    def ask_again(event: CodeHookEvent) -> dict[str, Any]:
        # A value with no reply cannot be answered: clear it, and Lex re-prompts with the slot's own prompt.
        slots = {**event.intent.slots_dict(), STATUS_SLOT: None}
        return elicit_slot(event, STATUS_SLOT, slots=slots)

    @dispatcher.intent("Status", source="DialogCodeHook")
    def status_dialog(event: CodeHookEvent) -> dict[str, Any]:
        value = event.interpreted_value(STATUS_SLOT)
        if value is not None and status_reply_name(event, value) is None:
            return ask_again(event)
        return delegate(event)

    @dispatcher.intent("Status")
    def status(event: CodeHookEvent) -> dict[str, Any]:
        value = event.interpreted_value(STATUS_SLOT)
        if value is None:
            return delegate(event)
        name = status_reply_name(event, value)
        if name is None:
            return ask_again(event)
        attributes = {**event.session_attributes, LAST_STATUS_ATTRIBUTE: name}
        return close(event, "Fulfilled", [reply(event, name)], session_attributes=attributes)

    return dispatcher


@hook_factory
def seed_hook(setup: HookSetup) -> Dispatcher:
    """The seed bot's code hook as its bot.yaml names it: replies from the bot folder, time from the engine."""
    return create_dispatcher(setup.bot_dir, clock=setup.clock)
