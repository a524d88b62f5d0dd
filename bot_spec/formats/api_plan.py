"""The API-plan spoke: the ordered lexv2-models calls that create a bot from nothing.

Ids that only exist once an earlier call has run are placeholders in the kwargs:

- ``${bot_id}``: the ``botId`` returned by ``create_bot``
- ``${role_arn}``: the bot's IAM role, when neither the plan nor the definition names one
- ``${slot_type:<locale>/<SlotType>}``: the ``slotTypeId`` returned by ``create_slot_type``
- ``${intent:<locale>/<Intent>}``: the ``intentId`` returned by ``create_intent``
- ``${slot:<locale>/<Intent>/<Slot>}``: the ``slotId`` returned by ``create_slot``

``ApiCall.produces`` names the placeholder a call's response defines (and ``id_field`` the response
key holding it); ``substitute`` replaces placeholders once the ids are known. The locale's
FallbackIntent exists as soon as the locale does (id ``FALLBCKINT``), so it is updated, not created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from botocore.validate import ParamValidator

from bot_spec.definition import DRAFT_VERSION, BotDefinition, BotLocale, Intent, Slot, SlotType
from bot_spec.formats import lex_shapes
from bot_spec.lex_vocabulary import is_builtin_name

Doc = dict[str, Any]

FALLBACK_INTENT_ID = "FALLBCKINT"
VOCABULARY_BATCH = 10  # BatchCreateCustomVocabularyItem takes 1-10 items
BOT_ID = "${bot_id}"
ROLE_ARN = "${role_arn}"
PLACEHOLDER = re.compile(r"\$\{(bot_id|role_arn|slot_type:[^}]+|intent:[^}]+|slot:[^}]+)\}")


@dataclass
class ApiCall:
    """One lexv2-models call: the boto3 method, its kwargs (with placeholders) and what it waits for."""

    operation: str
    kwargs: Doc
    after: str | None = None
    produces: str | None = None
    id_field: str | None = None


def slot_type_ref(locale_id: str, name: str) -> str:
    """The placeholder of a custom slot type's id."""
    return f"${{slot_type:{locale_id}/{name}}}"


def intent_ref(locale_id: str, name: str) -> str:
    """The placeholder of an intent's id."""
    return f"${{intent:{locale_id}/{name}}}"


def slot_ref(locale_id: str, intent: str, slot: str) -> str:
    """The placeholder of a slot's id."""
    return f"${{slot:{locale_id}/{intent}/{slot}}}"


def is_builtin_type(slot_type_name: str) -> bool:
    """Whether a slot type is one of Lex's own (``AMAZON.Date``): its id is its name."""
    return is_builtin_name(slot_type_name)


# ---------------------------------------------------------------- per-resource kwargs


def bot_kwargs(defn: BotDefinition, role_arn: str | None) -> Doc:
    """``create_bot`` kwargs; ``role_arn`` falls back to the definition's, then ``${role_arn}``."""
    kwargs = lex_shapes.bot_to_api(defn)
    kwargs["roleArn"] = role_arn or defn.role_arn or ROLE_ARN
    return kwargs


def locale_kwargs(locale: BotLocale) -> Doc:
    """``create_bot_locale`` kwargs without ``botId``/``botVersion`` (the custom vocabulary goes separately)."""
    kwargs = lex_shapes.locale_to_api(locale)
    kwargs.pop(lex_shapes.CUSTOM_VOCABULARY, None)
    return kwargs


def custom_vocabulary_batches(locale: BotLocale) -> list[list[Doc]]:
    """The locale's custom vocabulary as ``batch_create_custom_vocabulary_item`` lists (at most 10 items each)."""
    vocabulary = locale.extras.get(lex_shapes.CUSTOM_VOCABULARY)
    if vocabulary is None:
        return []
    items = lex_shapes.custom_vocabulary_items(vocabulary, f"locales.{locale.locale_id}.{lex_shapes.CUSTOM_VOCABULARY}")
    return [items[i : i + VOCABULARY_BATCH] for i in range(0, len(items), VOCABULARY_BATCH)]


def slot_type_kwargs(slot_type: SlotType) -> Doc:
    """``create_slot_type`` kwargs without bot ids."""
    return lex_shapes.slot_type_to_api(slot_type)


def intent_kwargs(intent: Intent) -> Doc:
    """``create_intent`` kwargs without bot ids, slots or slot priorities."""
    return lex_shapes.intent_to_api(intent)


def slot_kwargs(slot: Slot, slot_type_id: str) -> Doc:
    """``create_slot`` kwargs without bot ids and ``intentId``."""
    kwargs = lex_shapes.slot_to_api(slot)
    kwargs["slotTypeId"] = slot_type_id
    return kwargs


def slot_priorities(intent: Intent, slot_ids: dict[str, str]) -> list[Doc]:
    """``update_intent``'s ``slotPriorities``: slot ids (by slot name) numbered from 1 in priority order."""
    return [{"priority": i + 1, "slotId": slot_ids[s.name]} for i, s in enumerate(intent.slots_by_priority())]


def slot_type_id_for(locale_id: str, slot: Slot) -> str:
    """The slot's ``slotTypeId``: the built-in's name, or the custom type's placeholder."""
    return slot.slot_type_name if is_builtin_type(slot.slot_type_name) else slot_type_ref(locale_id, slot.slot_type_name)


# ---------------------------------------------------------------- the plan


def _locale_ids(locale_id: str) -> Doc:
    return {"botId": BOT_ID, "botVersion": DRAFT_VERSION, "localeId": locale_id}


def _intent_calls(locale: BotLocale, intent: Intent) -> list[ApiCall]:
    loc = locale.locale_id
    ids = _locale_ids(loc)
    calls: list[ApiCall] = []
    if intent.is_fallback:
        intent_id = FALLBACK_INTENT_ID
    else:
        intent_id = intent_ref(loc, intent.name)
        calls.append(
            ApiCall("create_intent", {**intent_kwargs(intent), **ids}, f"locale {loc} exists", produces=intent_id, id_field="intentId")
        )
    slot_ids: dict[str, str] = {}
    for slot in intent.slots:
        slot_ids[slot.name] = slot_ref(loc, intent.name, slot.name)
        type_id = slot_type_id_for(loc, slot)
        waits = f"intent {loc}/{intent.name}" + (
            "" if is_builtin_type(slot.slot_type_name) else f" and slot type {loc}/{slot.slot_type_name}"
        )
        calls.append(
            ApiCall(
                "create_slot",
                {**slot_kwargs(slot, type_id), **ids, "intentId": intent_id},
                f"{waits} exist",
                produces=slot_ids[slot.name],
                id_field="slotId",
            )
        )
    if intent.slots or intent.is_fallback:
        update = {**intent_kwargs(intent), **ids, "intentId": intent_id}
        if intent.slots:
            update["slotPriorities"] = slot_priorities(intent, slot_ids)
        reason = f"the slots of {loc}/{intent.name} exist" if intent.slots else f"locale {loc} exists (it creates FallbackIntent)"
        calls.append(ApiCall("update_intent", update, reason))
    return calls


def build_plan(defn: BotDefinition, *, role_arn: str | None = None) -> list[ApiCall]:
    """Every call that creates ``defn`` in an empty account, in an order that respects dependencies."""
    try:
        return _plan(defn, role_arn)
    except lex_shapes.ShapeError as exc:
        raise lex_shapes.definition_error(exc, "an API plan") from None


def _plan(defn: BotDefinition, role_arn: str | None) -> list[ApiCall]:
    calls = [ApiCall("create_bot", bot_kwargs(defn, role_arn), None, produces=BOT_ID, id_field="botId")]
    for locale in defn.locales:
        loc = locale.locale_id
        ids = _locale_ids(loc)
        calls.append(
            ApiCall("create_bot_locale", {**locale_kwargs(locale), "botId": BOT_ID, "botVersion": DRAFT_VERSION}, "the bot is Available")
        )
        for slot_type in locale.slot_types:
            calls.append(
                ApiCall(
                    "create_slot_type",
                    {**slot_type_kwargs(slot_type), **ids},
                    f"locale {loc} is NotBuilt",
                    produces=slot_type_ref(loc, slot_type.name),
                    id_field="slotTypeId",
                )
            )
        for intent in locale.intents:
            calls.extend(_intent_calls(locale, intent))
        for batch in custom_vocabulary_batches(locale):
            calls.append(ApiCall("batch_create_custom_vocabulary_item", {**ids, "customVocabularyItemList": batch}, f"locale {loc} exists"))
        calls.append(ApiCall("build_bot_locale", dict(ids), f"every resource of locale {loc} exists"))
    return calls


def placeholders(value: Any) -> set[str]:
    """Every placeholder used in ``value`` (kwargs, nested)."""
    found: set[str] = set()
    if isinstance(value, str):
        found.update(m.group(0) for m in PLACEHOLDER.finditer(value))
    elif isinstance(value, dict):
        for item in value.values():
            found |= placeholders(item)
    elif isinstance(value, list):
        for item in value:
            found |= placeholders(item)
    return found


def substitute(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with every placeholder replaced from ``ids`` (placeholder -> real id); KeyError if one is unknown."""
    if isinstance(value, str):
        return PLACEHOLDER.sub(lambda m: ids[m.group(0)], value)
    if isinstance(value, dict):
        return {k: substitute(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, ids) for v in value]
    return value


def operation_name(method: str) -> str:
    """The service operation of a boto3 method: ``create_bot`` -> ``CreateBot``."""
    return "".join(part.capitalize() for part in method.split("_"))


def stand_in_ids(calls: list[ApiCall]) -> dict[str, str]:
    """A well-formed stand-in for every placeholder of a plan (10-character ids, a role ARN)."""
    ids = {}
    for n, placeholder in enumerate(sorted(placeholders([c.kwargs for c in calls]))):
        ids[placeholder] = "arn:aws:iam::123456789012:role/StandIn" if placeholder == ROLE_ARN else f"ID{n:08d}"
    return ids


def validation_errors(calls: list[ApiCall], ids: dict[str, str] | None = None) -> list[str]:
    """botocore's own parameter validation of every call (placeholders replaced); [] when all pass."""
    model = lex_shapes.service_model()
    ids = stand_in_ids(calls) if ids is None else ids
    errors = []
    for call in calls:
        shape = model.operation_model(operation_name(call.operation)).input_shape
        if shape is None:
            errors.append(f"{call.operation}: the operation takes no input")
            continue
        report = ParamValidator().validate(substitute(call.kwargs, ids), shape)
        if report.has_errors():
            errors.append(f"{call.operation}: {report.generate_report()}")
    return errors


def plan_to_json(calls: list[ApiCall]) -> list[Doc]:
    """The plan as JSON-ready dicts (for ``chat-lex compile --format api-plan``)."""
    return [{"operation": c.operation, "kwargs": c.kwargs, "after": c.after, "produces": c.produces, "id_field": c.id_field} for c in calls]
