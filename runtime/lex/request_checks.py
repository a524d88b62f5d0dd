"""Checks on runtime requests, as Lex makes them: types, lengths, patterns, enums.

Types and minimum lengths come from botocore's own validator against the real
lexv2-runtime model, so a field of the wrong type is named exactly as boto3 would name
it; the maxima, patterns and enums botocore leaves to the service are checked here.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import OperationModel
from botocore.validate import ParamValidator

from runtime.lex.errors import ValidationException

MAX_TEXT_UNITS = 1024
MAX_ATTRIBUTES_BYTES = 12 * 1024  # Lex quota on session attributes (and a sane cap on request attributes)
_BOT_ID = re.compile(r"[0-9a-zA-Z]{10}")
_SESSION_ID = re.compile(r"[0-9a-zA-Z._:-]{2,100}")
_CONTEXT_NAME = re.compile(r"([A-Za-z0-9]_?)+")
DIALOG_ACTION_TYPES = ("Close", "ConfirmIntent", "Delegate", "ElicitIntent", "ElicitSlot", "None")
INTENT_STATES = ("Failed", "Fulfilled", "InProgress", "ReadyForFulfillment", "Waiting", "FulfillmentInProgress")
CONFIRMATION_STATES = ("Confirmed", "Denied", "None")


@lru_cache(maxsize=8)
def _operation(name: str) -> OperationModel:
    model = botocore.session.get_session().get_service_model("lexv2-runtime")
    return model.operation_model(name)


def _without_null_slots(value: Any) -> Any:
    # Lex returns unfilled slots as null and clients send that state back; botocore's
    # validator rejects null members, so they are taken out before it looks.
    if isinstance(value, dict):
        return {k: _without_null_slots(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_null_slots(v) for v in value]
    return value


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, which is how Lex counts the 1024-character limit."""
    try:
        return len(text.encode("utf-16-le")) // 2
    except UnicodeEncodeError:
        raise ValidationException("text contains an unpaired surrogate; send valid Unicode text") from None


def check_request(operation: str, params: dict[str, Any]) -> None:
    """Raise ValidationException naming the first bad field of a runtime request."""
    shape = _operation(operation).input_shape
    assert shape is not None  # every runtime operation has an input
    try:
        report = ParamValidator().validate(_without_null_slots(params), shape)
    except RecursionError:
        raise ValidationException("the request is nested too deeply") from None
    if report.has_errors():
        first = report.generate_report().splitlines()[0]
        raise ValidationException(f"1 validation error detected: {first}")
    bot_id = params["botId"]
    if not _BOT_ID.fullmatch(bot_id):
        raise ValidationException(f"botId '{bot_id[:40]}' must be exactly 10 letters or digits (the id Lex gave the bot)")
    if not params["botAliasId"] or len(params["botAliasId"]) > 100:
        raise ValidationException("botAliasId must be 1-100 characters (TSTALIASID for the test alias)")
    if len(params["localeId"]) > 20:
        raise ValidationException("localeId is too long; use a locale id such as en_US")
    session_id = params["sessionId"]
    if not _SESSION_ID.fullmatch(session_id):
        raise ValidationException(
            f"sessionId must be 2-100 characters of letters, digits and . _ : - (got {len(session_id)} characters: {session_id[:40]!r})"
        )
    if "text" in params:
        units = utf16_length(params["text"])
        if units > MAX_TEXT_UNITS:
            raise ValidationException(f"text is {units} characters; Lex accepts 1-{MAX_TEXT_UNITS} (UTF-16 code units)")
    if params.get("requestAttributes") is not None:
        _check_attributes("requestAttributes", params["requestAttributes"])
    if params.get("sessionState") is not None:
        check_session_state(params["sessionState"])
    if params.get("messages") is not None:
        check_messages(params["messages"])


def check_messages(messages: list[dict[str, Any]]) -> None:
    """PutSession messages: at most 10, each with content (1-1024) or a card, as the model bounds them."""
    if len(messages) > 10:
        raise ValidationException(f"messages holds {len(messages)} messages; at most 10 are allowed")
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if message["contentType"] not in ("PlainText", "SSML", "CustomPayload", "ImageResponseCard"):
            raise ValidationException(f"{where}.contentType must be PlainText, SSML, CustomPayload or ImageResponseCard")
        if message["contentType"] == "ImageResponseCard":
            card = message.get("imageResponseCard")
            if card is None:
                raise ValidationException(f"{where}.imageResponseCard is required for an ImageResponseCard message")
            if len(card["title"]) > 250 or len(card.get("buttons") or []) > 5:
                raise ValidationException(f"{where}.imageResponseCard: title at most 250 characters, at most 5 buttons")
        elif not 1 <= len(message.get("content") or "") <= 1024:
            raise ValidationException(f"{where}.content must be 1-1024 characters")


def _check_attributes(field: str, attributes: dict[str, str]) -> None:
    size = sum(len(k.encode("utf-8", "replace")) + len(v.encode("utf-8", "replace")) for k, v in attributes.items())
    if size > MAX_ATTRIBUTES_BYTES:
        raise ValidationException(f"{field} hold {size} bytes; Lex accepts at most {MAX_ATTRIBUTES_BYTES}")


def check_session_state(state: dict[str, Any]) -> None:
    """The enum and pattern rules of ``sessionState`` (types are already checked)."""
    action = state.get("dialogAction")
    if action is not None:
        if action.get("type") not in DIALOG_ACTION_TYPES:
            raise ValidationException(f"sessionState.dialogAction.type must be one of {', '.join(DIALOG_ACTION_TYPES)}")
        if action["type"] == "ElicitSlot" and not action.get("slotToElicit"):
            raise ValidationException("sessionState.dialogAction.slotToElicit is required when the type is ElicitSlot")
    intent = state.get("intent")
    if intent is not None:
        if intent.get("state") is not None and intent["state"] not in INTENT_STATES:
            raise ValidationException(f"sessionState.intent.state must be one of {', '.join(INTENT_STATES)}")
        if intent.get("confirmationState") is not None and intent["confirmationState"] not in CONFIRMATION_STATES:
            raise ValidationException(f"sessionState.intent.confirmationState must be one of {', '.join(CONFIRMATION_STATES)}")
    if state.get("sessionAttributes") is not None:
        _check_attributes("sessionState.sessionAttributes", state["sessionAttributes"])
    contexts = state.get("activeContexts")
    if contexts is not None:
        if len(contexts) > 20:
            raise ValidationException("sessionState.activeContexts holds more than 20 contexts")
        for index, context in enumerate(contexts):
            where = f"sessionState.activeContexts[{index}]"
            if not _CONTEXT_NAME.fullmatch(context["name"]) or len(context["name"]) > 100:
                raise ValidationException(f"{where}.name must be 1-100 letters, digits and single underscores")
            ttl = context["timeToLive"]
            if not 5 <= ttl["timeToLiveInSeconds"] <= 86400:
                raise ValidationException(f"{where}.timeToLive.timeToLiveInSeconds must be 5-86400")
            if not 1 <= ttl["turnsToLive"] <= 20:
                raise ValidationException(f"{where}.timeToLive.turnsToLive must be 1-20")
            if len(context.get("contextAttributes") or {}) > 10:
                raise ValidationException(f"{where}.contextAttributes holds more than 10 entries")
