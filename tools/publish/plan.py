"""The publish plan: what must be created, updated or deleted so the bot's DRAFT equals the spec.

Desired request bodies come from ``bot_spec.formats.api_plan`` (the one place that turns a
definition into lexv2-models kwargs); this module only compares them with what
``discovery`` read. Changes are kept in execution order: slot and intent deletions, slot
types, intents with their slots, intent updates (with slot priorities), and last the slot
types nothing uses any more (a slot type still referenced cannot be deleted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot_spec.definition import FALLBACK_SIGNATURE, BotDefinition, BotLocale, Intent, Slot
from bot_spec.formats import api_plan
from tools.publish.compare import differing_fields
from tools.publish.discovery import LiveIntent, LiveLocale

Action = Literal["create", "update", "delete"]
Kind = Literal["bot", "locale", "slot_type", "intent", "slot", "slot_priorities"]


@dataclass(frozen=True)
class Change:
    """One resource to create, update or delete, with the fields that differ for updates."""

    action: Action
    kind: Kind
    name: str
    locale_id: str | None = None
    intent_name: str | None = None  # for slots and priorities: the intent they belong to
    fields: tuple[str, ...] = ()

    def describe(self) -> str:
        """One line for the plan display."""
        where = f"[{self.locale_id}] " if self.locale_id else ""
        what = f"{self.intent_name}.{self.name}" if self.kind == "slot" else self.name
        detail = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.action:<6} {where}{self.kind.replace('_', ' ')} {what}{detail}"


@dataclass
class LocalePlan:
    """The changes for one locale and whether it must be built."""

    locale: BotLocale
    live: LiveLocale | None
    changes: list[Change] = field(default_factory=list)

    @property
    def needs_build(self) -> bool:
        """Build when anything changes, or when the last build did not end in Built."""
        return bool(self.changes) or self.live is None or self.live.status != "Built"


def desired_slot(slot: Slot, slot_type_id: str) -> dict[str, Any]:
    """``CreateSlot``/``UpdateSlot`` content of a slot."""
    return dict(api_plan.slot_kwargs(slot, slot_type_id))


def priority_pairs(intent: Intent, slot_ids: dict[str, str]) -> list[tuple[int, str]]:
    """The spec's slot priorities as sorted (priority, slot id) pairs."""
    return sorted((int(p["priority"]), str(p["slotId"])) for p in api_plan.slot_priorities(intent, slot_ids))


def match_live_intent(intent: Intent, live: LiveLocale | None) -> tuple[str, LiveIntent] | None:
    """The live intent the spec's intent maps to: by name, or for the fallback by its signature.

    Lex creates every locale's fallback intent itself (id FALLBCKINT), so the spec's
    fallback intent always updates that one, whatever the spec calls it.
    """
    if live is None:
        return None
    if intent.name in live.intents:
        return intent.name, live.intents[intent.name]
    if intent.is_fallback:
        for name, candidate in live.intents.items():
            if candidate.described.get("parentIntentSignature") == FALLBACK_SIGNATURE:
                return name, candidate
    return None


def _intent_changes(locale_id: str, intent: Intent, live: LiveLocale | None) -> list[Change]:
    match = match_live_intent(intent, live)
    if match is None and intent.is_fallback:
        # A new locale comes with Lex's own fallback intent: update it, never create one.
        return [Change("update", "intent", intent.name, locale_id, intent.name, ("all",))]
    if match is None:
        out = [Change("create", "intent", intent.name, locale_id)]
        out += [Change("create", "slot", s.name, locale_id, intent.name) for s in intent.slots]
        if intent.slots:
            out.append(Change("update", "slot_priorities", intent.name, locale_id, intent.name))
        return out
    assert live is not None
    _, live_intent = match
    out = []
    type_names = live.slot_type_names()
    for slot in intent.slots:
        live_slot = live_intent.slots.get(slot.name)
        if live_slot is None:
            out.append(Change("create", "slot", slot.name, locale_id, intent.name))
            continue
        have = dict(live_slot.described)
        type_id = str(have.get("slotTypeId", ""))
        have["slotTypeId"] = type_names.get(type_id, type_id)  # compare slot types by name
        fields = differing_fields("UpdateSlot", desired_slot(slot, slot.slot_type_name), have, extra=("slotTypeId",))
        if fields:
            out.append(Change("update", "slot", slot.name, locale_id, intent.name, tuple(fields)))
    fields = differing_fields("UpdateIntent", dict(api_plan.intent_kwargs(intent)), live_intent.described)
    wanted = priority_pairs(intent, {s.name: s.name for s in intent.slots})
    if wanted != live_intent.priorities_by_name():
        fields.append("slotPriorities")
    if fields:
        out.append(Change("update", "intent", intent.name, locale_id, intent.name, tuple(fields)))
    return out


def plan_locale(locale: BotLocale, live: LiveLocale | None) -> LocalePlan:
    """Diff one spec locale against its live DRAFT (None: the locale does not exist yet)."""
    lid = locale.locale_id
    plan = LocalePlan(locale, live)
    changes = plan.changes
    if live is None:
        changes.append(Change("create", "locale", lid, lid))
    else:
        fields = differing_fields("UpdateBotLocale", dict(api_plan.locale_kwargs(locale)), live.described)
        if fields:
            changes.append(Change("update", "locale", lid, lid, fields=tuple(fields)))
    matched = {m[0] for i in locale.intents if (m := match_live_intent(i, live)) is not None}
    if live is not None:
        for name, live_intent in live.intents.items():
            spec_intent = locale.intent(name)
            if name not in matched:
                if live_intent.described.get("parentIntentSignature") != FALLBACK_SIGNATURE:
                    changes.append(Change("delete", "intent", name, lid))
                continue
            for slot_name in live_intent.slots:
                if spec_intent is not None and spec_intent.slot(slot_name) is None:
                    changes.append(Change("delete", "slot", slot_name, lid, name))
    live_types = live.slot_types if live is not None else {}
    for slot_type in locale.slot_types:
        if slot_type.name not in live_types:
            changes.append(Change("create", "slot_type", slot_type.name, lid))
            continue
        fields = differing_fields("UpdateSlotType", dict(api_plan.slot_type_kwargs(slot_type)), live_types[slot_type.name][1])
        if fields:
            changes.append(Change("update", "slot_type", slot_type.name, lid, fields=tuple(fields)))
    for intent in locale.intents:
        changes.extend(_intent_changes(lid, intent, live))
    changes.extend(Change("delete", "slot_type", name, lid) for name in live_types if locale.slot_type(name) is None)
    return plan


def plan_bot(defn: BotDefinition, role_arn: str | None, described: dict[str, Any] | None, *, role_explicit: bool) -> Change | None:
    """The bot-level change: create it, update its settings, or nothing."""
    if described is None:
        return Change("create", "bot", defn.name)
    desired = dict(api_plan.bot_kwargs(defn, role_arn or str(described.get("roleArn", ""))))
    fields = differing_fields("UpdateBot", desired, described, extra=("roleArn",) if role_explicit else ())
    return Change("update", "bot", defn.name, fields=tuple(fields)) if fields else None


def display_order(changes: list[Change]) -> list[Change]:
    """Deletions first, then the rest in execution order (for showing the plan)."""
    return [c for c in changes if c.action == "delete"] + [c for c in changes if c.action != "delete"]
