"""Reading what a bot's DRAFT holds on AWS now: the bot, its locales, slot types, intents and slots.

Everything is keyed by name, because names are what the spec and AWS share; ids are what
AWS assigns. Reading is side-effect free, so ``--dry-run`` and resumed runs rely on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bot_spec.definition import DRAFT_VERSION
from tools.publish.errors import aws_step

Doc = dict[str, Any]


def paginate(call: Any, result_key: str, **kwargs: Any) -> Iterator[Doc]:
    """Every item of a paginated lexv2-models list call."""
    token: str | None = None
    while True:
        page = call(**kwargs, **({"nextToken": token} if token else {}))
        yield from page.get(result_key, [])
        token = page.get("nextToken")
        if not token:
            return


@dataclass
class LiveSlot:
    """A slot as AWS describes it."""

    slot_id: str
    described: Doc


@dataclass
class LiveIntent:
    """An intent as AWS describes it, with its slots by name."""

    intent_id: str
    described: Doc
    slots: dict[str, LiveSlot] = field(default_factory=dict)

    def priorities_by_name(self) -> list[tuple[int, str]]:
        """``slotPriorities`` with slot ids turned into names (unknown ids kept as ids)."""
        names = {s.slot_id: name for name, s in self.slots.items()}
        pairs = [(int(p["priority"]), names.get(p["slotId"], p["slotId"])) for p in self.described.get("slotPriorities", [])]
        return sorted(pairs)


@dataclass
class LiveLocale:
    """A DRAFT locale as AWS describes it, with its custom slot types and intents by name."""

    locale_id: str
    described: Doc
    slot_types: dict[str, tuple[str, Doc]] = field(default_factory=dict)  # name -> (id, described)
    intents: dict[str, LiveIntent] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``botLocaleStatus``."""
        return str(self.described.get("botLocaleStatus", ""))

    def slot_type_names(self) -> dict[str, str]:
        """Slot type id -> name."""
        return {type_id: name for name, (type_id, _) in self.slot_types.items()}


def find_bot(lex: Any, name: str) -> Doc | None:
    """The summary of the bot called ``name`` (exact match), or None."""
    with aws_step("finding the bot", name):
        filters = [{"name": "BotName", "values": [name], "operator": "EQ"}]
        for summary in paginate(lex.list_bots, "botSummaries", filters=filters):
            if summary.get("botName") == name:  # EQ is exact on AWS; check anyway
                return summary
    return None


def describe_bot(lex: Any, bot_id: str) -> Doc:
    """``describe_bot`` of ``bot_id``."""
    with aws_step("describing the bot", bot_id):
        result: Doc = lex.describe_bot(botId=bot_id)
        return result


def list_locale_ids(lex: Any, bot_id: str) -> list[str]:
    """The locale ids of the bot's DRAFT."""
    with aws_step("listing locales", bot_id):
        return [s["localeId"] for s in paginate(lex.list_bot_locales, "botLocaleSummaries", botId=bot_id, botVersion=DRAFT_VERSION)]


def read_locale(lex: Any, bot_id: str, locale_id: str) -> LiveLocale | None:
    """Everything under one DRAFT locale, or None when the locale does not exist."""
    ids: Doc = {"botId": bot_id, "botVersion": DRAFT_VERSION, "localeId": locale_id}
    resource = f"locale {locale_id}"
    with aws_step("reading the locale", resource):
        if locale_id not in list_locale_ids(lex, bot_id):
            return None
        live = LiveLocale(locale_id, lex.describe_bot_locale(**ids))
        for summary in paginate(lex.list_slot_types, "slotTypeSummaries", **ids):
            described = lex.describe_slot_type(**ids, slotTypeId=summary["slotTypeId"])
            live.slot_types[summary["slotTypeName"]] = (summary["slotTypeId"], described)
        for summary in paginate(lex.list_intents, "intentSummaries", **ids):
            intent_id = summary["intentId"]
            intent = LiveIntent(intent_id, lex.describe_intent(**ids, intentId=intent_id))
            for slot_summary in paginate(lex.list_slots, "slotSummaries", **ids, intentId=intent_id):
                slot_id = slot_summary["slotId"]
                intent.slots[slot_summary["slotName"]] = LiveSlot(slot_id, lex.describe_slot(**ids, intentId=intent_id, slotId=slot_id))
            live.intents[summary["intentName"]] = intent
    return live
