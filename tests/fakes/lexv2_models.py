"""A stateful test double of the boto3 ``lexv2-models`` client (the parts ``chat-lex publish`` uses).

moto 5.2 emulates only bots and aliases of lexv2-models (locales, intents, slots, slot
types, builds and versions answer 404 "Not yet implemented"), so this double owns the
whole service for consistency: bots, aliases, locales and everything below them live
here. The rules it models, and where each comes from (section numbers are those of
``docs/lexv2-semantics.md``; [M] is the botocore service model):

* Every request is validated with botocore's ``ParamValidator`` against the real
  ``lexv2-models`` input shape, and every response against its output shape [M]: an
  unknown or missing parameter raises ``ParamValidationError`` exactly as boto3 does
  before sending. ``slotPriorities`` is therefore only accepted by ``update_intent``
  (``CreateIntent`` has no such member [M]).
* What botocore leaves to the server is checked as AWS checks it: string ``pattern``s,
  ``max`` lengths and ``enum`` values, list and map ``max`` sizes and number ranges of the
  model's shapes give a ``ValidationException`` naming the field [M].
* Ids are 10 alphanumeric characters (§1 identifier constraints); each bot gets the
  ``TestBotAlias`` with id ``TSTALIASID`` pointing at DRAFT (§6 lifecycle, aliases).
* Creating a locale also creates its ``FallbackIntent`` with id ``FALLBCKINT`` and
  signature ``AMAZON.FallbackIntent`` (§6 CloudFormation notes and import/export:
  the fallback intent is mandatory and exported as ``FALLBCKINT`` [OBS]); it cannot be
  deleted.
* Statuses advance when described, so callers must poll: a bot is ``Creating`` until
  described once, then ``Available``; a locale ``Creating`` then ``NotBuilt``; a build
  ``Building`` for ``build_polls`` describes, then ``Built`` or, when the locale is
  listed in ``build_failures``, ``Failed`` with ``failureReasons`` (§6 lifecycle,
  ``botLocaleStatus`` enum [M]). Any edit of a locale's content makes it ``NotBuilt``
  ("Unbuilt changes" in the console). Editing a locale while it is ``Building`` or
  ``Creating`` raises ``ConflictException`` *(unverified: the exact code AWS uses)*.
* Versions are numbered from 1, increase by one and are never reused, even after a
  delete (§6 lifecycle 3). A version snapshots DRAFT, so later DRAFT edits do not
  change it. Creating one needs every named locale ``Built`` (ValidationException
  otherwise, *unverified code*). Deleting a version an alias uses raises
  ``PreconditionFailedException`` *(unverified code)*.
* User aliases point at numbered versions only (``^[0-9]+$``, §6 aliases 4).
* Names are unique per parent (bot per account, locale per bot, intent and slot type
  per locale, slot per intent); a duplicate raises ``ConflictException``. A slot names
  an existing custom slot type id or an ``AMAZON.*`` built-in. A slot type still used
  by a slot cannot be deleted (``PreconditionFailedException``, one of DeleteSlotType's
  modelled errors [M]; the exact code is *unverified*). Deleting an intent deletes its
  slots.
* Lex fills in prompt settings a request leaves out: a slot's prompt comes back with
  ``messageSelectionStrategy: Random``, ``allowInterrupt: true`` and a
  ``promptAttemptsSpecification`` for Initial and each retry, with the values of a real
  export ([OBS] aws-samples ReminderBot ``Slot.json``, ``external/lex_bots``).
* Lists page: at most ``page_size`` items per page with a ``nextToken``.
* Errors are real ``botocore.exceptions.ClientError`` instances with the error codes
  of the service model (ResourceNotFoundException, ConflictException,
  ThrottlingException, PreconditionFailedException, ValidationException).

Fault injection: ``throttle(operation, on_call=N, times=K)`` raises ThrottlingException
on the Nth..(N+K-1)th call of one operation; ``interrupt_after(n)`` makes the (n+1)th
mutating call fail with ``EndpointConnectionError``, as when the network drops
mid-publish. ``calls`` records every call; ``mutating_calls()`` the ones that change
state.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import re
import string
from dataclasses import dataclass, field
from typing import Any, TypeVar

import botocore.session
from botocore.exceptions import ClientError, EndpointConnectionError, ParamValidationError
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape
from botocore.validate import ParamValidator

_SERVICE: ServiceModel = botocore.session.get_session().get_service_model("lexv2-models")
_VALIDATOR = ParamValidator()
_T = TypeVar("_T")

DRAFT = "DRAFT"
TEST_ALIAS_ID = "TSTALIASID"
FALLBACK_ID = "FALLBCKINT"

_HTTP_STATUS = {
    "ResourceNotFoundException": 404,
    "ConflictException": 409,
    "PreconditionFailedException": 412,
    "ThrottlingException": 429,
    "ValidationException": 400,
}

_READ_PREFIXES = ("describe_", "list_")


def _now() -> dt.datetime:
    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def _server_side_problems(value: Any, shape: Shape, path: str) -> list[str]:
    """The constraints botocore does not check client-side (patterns, maxima, enums)."""
    meta = shape.metadata
    problems: list[str] = []
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                problems += _server_side_problems(value[name], member, f"{path}.{name}")
    elif isinstance(shape, ListShape) and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path} has {len(value)} items, at most {meta['max']} allowed")
        for i, item in enumerate(value):
            problems += _server_side_problems(item, shape.member, f"{path}[{i}]")
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path} has {len(value)} entries, at most {meta['max']} allowed")
        for key, item in value.items():
            problems += _server_side_problems(item, shape.value, f"{path}.{key}")
    elif shape.type_name == "string" and isinstance(value, str):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path} is {len(value)} characters, at most {meta['max']} allowed")
        if "pattern" in meta and re.search(meta["pattern"], value) is None:
            problems.append(f"{path} does not match {meta['pattern']}")
        if shape.enum and value not in shape.enum:
            problems.append(f"{path} must be one of {', '.join(shape.enum)}")
    elif shape.type_name in ("integer", "long", "double", "float") and isinstance(value, int | float) and value > meta.get("max", value):
        problems.append(f"{path} is {value}, at most {meta['max']} allowed")
    return problems


def _attempt() -> dict[str, Any]:
    return {
        "allowedInputTypes": {"allowAudioInput": True, "allowDTMFInput": True},
        "audioAndDTMFInputSpecification": {
            "startTimeoutMs": 4000,
            "audioSpecification": {"maxLengthMs": 15000, "endTimeoutMs": 640},
            "dtmfSpecification": {"maxLength": 513, "endTimeoutMs": 5000, "deletionCharacter": "*", "endCharacter": "#"},
        },
        "textInputSpecification": {"startTimeoutMs": 30000},
        "allowInterrupt": True,
    }


def _with_prompt_defaults(params: dict[str, Any]) -> dict[str, Any]:
    """A slot's parameters as Lex stores them: prompt defaults filled in."""
    out = copy.deepcopy(params)
    prompt = out.get("valueElicitationSetting", {}).get("promptSpecification")
    if prompt is not None:
        prompt.setdefault("messageSelectionStrategy", "Random")
        prompt.setdefault("allowInterrupt", True)
        attempts = ["Initial"] + [f"Retry{n}" for n in range(1, int(prompt.get("maxRetries", 0)) + 1)]
        prompt.setdefault("promptAttemptsSpecification", {name: _attempt() for name in attempts})
    return out


def _error(code: str, message: str, operation: str) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": _HTTP_STATUS.get(code, 400)}},
        operation,
    )


@dataclass
class _Slot:
    slot_id: str
    params: dict[str, Any]


@dataclass
class _Intent:
    intent_id: str
    params: dict[str, Any]
    slots: dict[str, _Slot] = field(default_factory=dict)
    slot_priorities: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class _Locale:
    params: dict[str, Any]
    status: str = "Creating"
    polls_left: int = 0
    failure_reasons: list[str] = field(default_factory=list)
    intents: dict[str, _Intent] = field(default_factory=dict)
    slot_types: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> params


@dataclass
class _Version:
    number: str
    description: str | None
    locales: dict[str, _Locale]
    status: str = "Creating"


@dataclass
class _Alias:
    alias_id: str
    params: dict[str, Any]
    status: str = "Creating"


@dataclass
class _Bot:
    bot_id: str
    params: dict[str, Any]
    status: str = "Creating"
    draft: dict[str, _Locale] = field(default_factory=dict)
    versions: dict[str, _Version] = field(default_factory=dict)
    next_version: int = 1
    aliases: dict[str, _Alias] = field(default_factory=dict)


@dataclass
class _Throttle:
    operation: str
    on_call: int
    times: int
    code: str


class FakeLexModelsV2:
    """In-memory ``lexv2-models`` with AWS's validation, statuses and error codes (see module docs)."""

    def __init__(
        self,
        *,
        page_size: int = 2,
        build_polls: int = 2,
        build_failures: dict[str, list[str]] | None = None,
        seed: int = 7,
    ) -> None:
        self.page_size = page_size
        self.build_polls = build_polls
        self.build_failures: dict[str, list[str]] = dict(build_failures or {})
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._bots: dict[str, _Bot] = {}
        self._rng = random.Random(seed)
        self._op_counts: dict[str, int] = {}
        self._throttles: list[_Throttle] = []
        self._interrupt_after: int | None = None
        self._mutations = 0

    # ------------------------------------------------------------ fault injection and inspection

    def throttle(self, operation: str, *, on_call: int = 1, times: int = 1, code: str = "ThrottlingException") -> None:
        """Fail calls ``on_call`` .. ``on_call + times - 1`` of ``operation`` (snake_case) with ``code``."""
        self._throttles.append(_Throttle(operation, on_call, times, code))

    def interrupt_after(self, mutations: int | None) -> None:
        """Let ``mutations`` more mutating calls through, then drop the connection on the next one."""
        self._interrupt_after = None if mutations is None else self._mutations + mutations

    def mutating_calls(self) -> list[tuple[str, dict[str, Any]]]:
        """The recorded calls that change state (everything but describe_* and list_*)."""
        return [(op, kw) for op, kw in self.calls if not op.startswith(_READ_PREFIXES)]

    def bot_id_by_name(self, name: str) -> str | None:
        """The id of the bot called ``name`` (for assertions)."""
        return next((b.bot_id for b in self._bots.values() if b.params["botName"] == name), None)

    def draft_snapshot(self, bot_id: str) -> dict[str, Any]:
        """DRAFT as plain data keyed by names, ids resolved to names (for comparing two bots)."""
        return self._snapshot(self._bots[bot_id].draft)

    def version_snapshot(self, bot_id: str, version: str) -> dict[str, Any]:
        """A numbered version as plain data keyed by names."""
        return self._snapshot(self._bots[bot_id].versions[version].locales)

    def _snapshot(self, locales: dict[str, _Locale]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for locale_id, loc in locales.items():
            type_names = {tid: p["slotTypeName"] for tid, p in loc.slot_types.items()}
            intents: dict[str, Any] = {}
            for intent in loc.intents.values():
                slot_names = {s.slot_id: s.params["slotName"] for s in intent.slots.values()}
                intents[intent.params["intentName"]] = {
                    "params": intent.params,
                    "slots": {
                        s.params["slotName"]: {
                            **s.params,
                            "slotTypeId": type_names.get(s.params.get("slotTypeId", ""), s.params.get("slotTypeId")),
                        }
                        for s in intent.slots.values()
                    },
                    "priorities": [(p["priority"], slot_names[p["slotId"]]) for p in intent.slot_priorities],
                }
            out[locale_id] = {
                "params": loc.params,
                "slot_types": {p["slotTypeName"]: p for p in loc.slot_types.values()},
                "intents": intents,
            }
        return out

    # ------------------------------------------------------------ plumbing

    def _new_id(self) -> str:
        alphabet = string.ascii_uppercase + string.digits
        return "".join(self._rng.choice(alphabet) for _ in range(10))

    def _enter(self, method: str, params: dict[str, Any]) -> OperationModel:
        operation = _SERVICE.operation_model(_SERVICE_OPS[method])
        report = _VALIDATOR.validate(params, operation.input_shape)
        if report.has_errors():
            raise ParamValidationError(report=report.generate_report())
        self.calls.append((method, copy.deepcopy(params)))
        problems = _server_side_problems(params, operation.input_shape, "") if operation.input_shape is not None else []
        if problems:
            raise _error("ValidationException", "; ".join(p.lstrip(".") for p in problems[:5]), operation.name)
        count = self._op_counts.get(method, 0) + 1
        self._op_counts[method] = count
        for t in self._throttles:
            if t.operation == method and t.on_call <= count < t.on_call + t.times:
                raise _error(t.code, "Rate exceeded", operation.name)
        if not method.startswith(_READ_PREFIXES):
            if self._interrupt_after is not None and self._mutations >= self._interrupt_after:
                self._interrupt_after = None
                raise EndpointConnectionError(endpoint_url="https://models-v2-lex.us-east-1.amazonaws.com")
            self._mutations += 1
        return operation

    def _leave(self, operation: OperationModel, response: dict[str, Any]) -> dict[str, Any]:
        if operation.output_shape is not None:
            report = _VALIDATOR.validate(response, operation.output_shape)
            if report.has_errors():  # the double itself is wrong: fail loudly
                raise AssertionError(f"fake {operation.name} response does not match the model:\n{report.generate_report()}")
        return copy.deepcopy(response)

    @staticmethod
    def _existing(items: dict[str, _T], key: str, what: str, op: str) -> _T:
        """``items[key]``, or the ResourceNotFoundException Lex gives for a missing ``what`` (Slot, Alias, ...)."""
        if key not in items:
            raise _error("ResourceNotFoundException", f"{what} {key} does not exist", op)
        return items[key]

    def _bot(self, bot_id: str, op: str) -> _Bot:
        bot = self._bots.get(bot_id)
        if bot is None:
            raise _error("ResourceNotFoundException", f"Bot {bot_id} does not exist", op)
        return bot

    def _locales(self, bot: _Bot, version: str, op: str) -> dict[str, _Locale]:
        if version == DRAFT:
            return bot.draft
        if version not in bot.versions:
            raise _error("ResourceNotFoundException", f"Version {version} of bot {bot.bot_id} does not exist", op)
        return bot.versions[version].locales

    def _locale(self, p: dict[str, Any], op: str) -> _Locale:
        bot = self._bot(p["botId"], op)
        loc = self._locales(bot, p["botVersion"], op).get(p["localeId"])
        if loc is None:
            raise _error("ResourceNotFoundException", f"Locale {p['localeId']} does not exist in bot {bot.bot_id}", op)
        return loc

    def _editable(self, p: dict[str, Any], op: str) -> _Locale:
        if p["botVersion"] != DRAFT:
            raise _error("ValidationException", "Only the DRAFT version can be edited", op)
        loc = self._locale(p, op)
        if loc.status in ("Building", "Creating"):
            raise _error("ConflictException", f"Locale {p['localeId']} is {loc.status}; wait until it finishes", op)
        loc.status = "NotBuilt"
        loc.failure_reasons = []
        return loc

    def _intent(self, loc: _Locale, intent_id: str, op: str) -> _Intent:
        intent = loc.intents.get(intent_id)
        if intent is None:
            raise _error("ResourceNotFoundException", f"Intent {intent_id} does not exist", op)
        return intent

    def _page(self, items: list[dict[str, Any]], p: dict[str, Any], key: str, op: str) -> dict[str, Any]:
        size = min(int(p.get("maxResults", self.page_size)), self.page_size)
        token = p.get("nextToken")
        start = 0
        if token is not None:
            if not str(token).startswith("page-"):
                raise _error("ValidationException", "Invalid nextToken", op)
            start = int(str(token)[5:])
        out: dict[str, Any] = {key: items[start : start + size]}
        if start + size < len(items):
            out["nextToken"] = f"page-{start + size}"
        return out

    @staticmethod
    def _name_filter(items: list[dict[str, Any]], p: dict[str, Any], name_key: str) -> list[dict[str, Any]]:
        for f in p.get("filters", []):
            value = f["values"][0]
            op = f["operator"]
            if op == "EQ":
                items = [i for i in items if i[name_key] == value]
            elif op == "CO":
                items = [i for i in items if value in i[name_key]]
            else:
                items = [i for i in items if i[name_key] != value]
        return items

    # ------------------------------------------------------------ bots

    def create_bot(self, **p: Any) -> dict[str, Any]:
        op = self._enter("create_bot", p)
        if any(b.params["botName"] == p["botName"] for b in self._bots.values()):
            raise _error("ConflictException", f"A bot named {p['botName']} already exists", op.name)
        bot = _Bot(bot_id=self._new_id(), params={k: v for k, v in p.items() if k not in ("botTags", "testBotAliasTags")})
        bot.aliases[TEST_ALIAS_ID] = _Alias(TEST_ALIAS_ID, {"botAliasName": "TestBotAlias", "botVersion": DRAFT}, status="Available")
        self._bots[bot.bot_id] = bot
        return self._leave(op, {"botId": bot.bot_id, **bot.params, "botStatus": bot.status, "creationDateTime": _now()})

    def describe_bot(self, **p: Any) -> dict[str, Any]:
        op = self._enter("describe_bot", p)
        bot = self._bot(p["botId"], op.name)
        response = {"botId": bot.bot_id, **bot.params, "botStatus": bot.status, "creationDateTime": _now(), "lastUpdatedDateTime": _now()}
        if bot.status in ("Creating", "Versioning", "Updating"):
            bot.status = "Available"
        return self._leave(op, response)

    def update_bot(self, **p: Any) -> dict[str, Any]:
        op = self._enter("update_bot", p)
        bot = self._bot(p["botId"], op.name)
        bot.params = {k: v for k, v in p.items() if k != "botId"}
        return self._leave(op, {"botId": bot.bot_id, **bot.params, "botStatus": bot.status, "creationDateTime": _now()})

    def list_bots(self, **p: Any) -> dict[str, Any]:
        op = self._enter("list_bots", p)
        items = [
            {"botId": b.bot_id, "botName": b.params["botName"], "botStatus": b.status, "lastUpdatedDateTime": _now()}
            for b in self._bots.values()
        ]
        return self._leave(op, self._page(self._name_filter(items, p, "botName"), p, "botSummaries", op.name))

    # ------------------------------------------------------------ locales

    def create_bot_locale(self, **p: Any) -> dict[str, Any]:
        op = self._enter("create_bot_locale", p)
        bot = self._bot(p["botId"], op.name)
        if p["botVersion"] != DRAFT:
            raise _error("ValidationException", "Locales can only be added to DRAFT", op.name)
        if p["localeId"] in bot.draft:
            raise _error("ConflictException", f"Locale {p['localeId']} already exists", op.name)
        params = {k: v for k, v in p.items() if k not in ("botId", "botVersion")}
        loc = _Locale(params=params)
        fallback = {
            "intentName": "FallbackIntent",
            "parentIntentSignature": "AMAZON.FallbackIntent",
            "description": "Default intent when no other intent matches",
        }
        loc.intents[FALLBACK_ID] = _Intent(FALLBACK_ID, fallback)
        bot.draft[p["localeId"]] = loc
        return self._leave(op, {**p, "botLocaleStatus": loc.status, "creationDateTime": _now()})

    def describe_bot_locale(self, **p: Any) -> dict[str, Any]:
        op = self._enter("describe_bot_locale", p)
        loc = self._locale(p, op.name)
        response: dict[str, Any] = {
            "botId": p["botId"],
            "botVersion": p["botVersion"],
            **loc.params,
            "botLocaleStatus": loc.status,
            "intentsCount": len(loc.intents),
            "slotTypesCount": len(loc.slot_types),
            "creationDateTime": _now(),
            "lastUpdatedDateTime": _now(),
        }
        if loc.failure_reasons:
            response["failureReasons"] = list(loc.failure_reasons)
        if loc.status == "Creating":
            loc.status = "NotBuilt"
        elif loc.status == "Building":
            loc.polls_left -= 1
            if loc.polls_left <= 0:
                reasons = self.build_failures.get(p["localeId"])
                loc.status = "Failed" if reasons else "Built"
                loc.failure_reasons = list(reasons or [])
        return self._leave(op, response)

    def update_bot_locale(self, **p: Any) -> dict[str, Any]:
        op = self._enter("update_bot_locale", p)
        loc = self._editable(p, op.name)
        loc.params = {k: v for k, v in p.items() if k not in ("botId", "botVersion")}
        return self._leave(op, {"botId": p["botId"], "botVersion": DRAFT, **loc.params, "botLocaleStatus": loc.status})

    def delete_bot_locale(self, **p: Any) -> dict[str, Any]:
        op = self._enter("delete_bot_locale", p)
        self._editable(p, op.name)
        del self._bots[p["botId"]].draft[p["localeId"]]
        return self._leave(op, {**p, "botLocaleStatus": "Deleting"})

    def list_bot_locales(self, **p: Any) -> dict[str, Any]:
        op = self._enter("list_bot_locales", p)
        bot = self._bot(p["botId"], op.name)
        items = [
            {"localeId": lid, "botLocaleStatus": loc.status, "lastUpdatedDateTime": _now()}
            for lid, loc in self._locales(bot, p["botVersion"], op.name).items()
        ]
        return self._leave(op, {"botId": bot.bot_id, "botVersion": p["botVersion"], **self._page(items, p, "botLocaleSummaries", op.name)})

    def build_bot_locale(self, **p: Any) -> dict[str, Any]:
        op = self._enter("build_bot_locale", p)
        loc = self._editable(p, op.name)
        loc.status = "Building"
        loc.polls_left = self.build_polls
        return self._leave(op, {**p, "botLocaleStatus": "Building", "lastBuildSubmittedDateTime": _now()})

    # ------------------------------------------------------------ slot types

    def create_slot_type(self, **p: Any) -> dict[str, Any]:
        op = self._enter("create_slot_type", p)
        loc = self._editable(p, op.name)
        if any(t["slotTypeName"] == p["slotTypeName"] for t in loc.slot_types.values()):
            raise _error("ConflictException", f"Slot type {p['slotTypeName']} already exists", op.name)
        type_id = self._new_id()
        loc.slot_types[type_id] = {k: v for k, v in p.items() if k not in ("botId", "botVersion", "localeId")}
        return self._leave(op, {**p, "slotTypeId": type_id, "creationDateTime": _now()})

    def describe_slot_type(self, **p: Any) -> dict[str, Any]:
        op = self._enter("describe_slot_type", p)
        loc = self._locale(p, op.name)
        params = self._existing(loc.slot_types, p["slotTypeId"], "Slot type", op.name)
        return self._leave(op, {**p, **params, "creationDateTime": _now(), "lastUpdatedDateTime": _now()})

    def update_slot_type(self, **p: Any) -> dict[str, Any]:
        op = self._enter("update_slot_type", p)
        loc = self._editable(p, op.name)
        self._existing(loc.slot_types, p["slotTypeId"], "Slot type", op.name)
        loc.slot_types[p["slotTypeId"]] = {k: v for k, v in p.items() if k not in ("botId", "botVersion", "localeId", "slotTypeId")}
        return self._leave(op, {**p, "creationDateTime": _now(), "lastUpdatedDateTime": _now()})

    def delete_slot_type(self, **p: Any) -> None:
        op = self._enter("delete_slot_type", p)
        loc = self._editable(p, op.name)
        self._existing(loc.slot_types, p["slotTypeId"], "Slot type", op.name)
        users = [
            s.params["slotName"] for i in loc.intents.values() for s in i.slots.values() if s.params.get("slotTypeId") == p["slotTypeId"]
        ]
        if users and not p.get("skipResourceInUseCheck"):
            raise _error("PreconditionFailedException", f"Slot type {p['slotTypeId']} is used by slots {users}", op.name)
        del loc.slot_types[p["slotTypeId"]]

    def list_slot_types(self, **p: Any) -> dict[str, Any]:
        op = self._enter("list_slot_types", p)
        loc = self._locale(p, op.name)
        items = [{"slotTypeId": tid, "slotTypeName": t["slotTypeName"], "lastUpdatedDateTime": _now()} for tid, t in loc.slot_types.items()]
        items = self._name_filter(items, p, "slotTypeName")
        return self._leave(op, {k: p[k] for k in ("botId", "botVersion", "localeId")} | self._page(items, p, "slotTypeSummaries", op.name))

    # ------------------------------------------------------------ intents

    def create_intent(self, **p: Any) -> dict[str, Any]:
        op = self._enter("create_intent", p)
        loc = self._editable(p, op.name)
        if any(i.params["intentName"] == p["intentName"] for i in loc.intents.values()):
            raise _error("ConflictException", f"Intent {p['intentName']} already exists", op.name)
        if p.get("parentIntentSignature") == "AMAZON.FallbackIntent":
            raise _error("ValidationException", "The locale already has its AMAZON.FallbackIntent", op.name)
        intent = _Intent(self._new_id(), {k: v for k, v in p.items() if k not in ("botId", "botVersion", "localeId")})
        loc.intents[intent.intent_id] = intent
        return self._leave(op, {**p, "intentId": intent.intent_id, "creationDateTime": _now()})

    def describe_intent(self, **p: Any) -> dict[str, Any]:
        op = self._enter("describe_intent", p)
        intent = self._intent(self._locale(p, op.name), p["intentId"], op.name)
        response = {**p, **intent.params, "creationDateTime": _now(), "lastUpdatedDateTime": _now()}
        if intent.slot_priorities:
            response["slotPriorities"] = intent.slot_priorities
        return self._leave(op, response)

    def update_intent(self, **p: Any) -> dict[str, Any]:
        op = self._enter("update_intent", p)
        loc = self._editable(p, op.name)
        intent = self._intent(loc, p["intentId"], op.name)
        if any(i.params["intentName"] == p["intentName"] and i.intent_id != intent.intent_id for i in loc.intents.values()):
            raise _error("ConflictException", f"Intent {p['intentName']} already exists", op.name)
        priorities = p.get("slotPriorities", [])
        unknown = [x["slotId"] for x in priorities if x["slotId"] not in intent.slots]
        if unknown:
            raise _error("ValidationException", f"slotPriorities names slots that do not exist in the intent: {unknown}", op.name)
        intent.slot_priorities = copy.deepcopy(priorities)
        excluded = ("botId", "botVersion", "localeId", "intentId", "slotPriorities")
        intent.params = {k: v for k, v in p.items() if k not in excluded}
        return self._leave(op, {**p, "creationDateTime": _now(), "lastUpdatedDateTime": _now()})

    def delete_intent(self, **p: Any) -> None:
        op = self._enter("delete_intent", p)
        loc = self._editable(p, op.name)
        intent = self._intent(loc, p["intentId"], op.name)
        if intent.params.get("parentIntentSignature") == "AMAZON.FallbackIntent":
            raise _error("ValidationException", "The AMAZON.FallbackIntent of a locale cannot be deleted", op.name)
        del loc.intents[p["intentId"]]

    def list_intents(self, **p: Any) -> dict[str, Any]:
        op = self._enter("list_intents", p)
        loc = self._locale(p, op.name)
        items = [
            {
                "intentId": i.intent_id,
                "intentName": i.params["intentName"],
                **({"parentIntentSignature": i.params["parentIntentSignature"]} if "parentIntentSignature" in i.params else {}),
                "lastUpdatedDateTime": _now(),
            }
            for i in loc.intents.values()
        ]
        items = self._name_filter(items, p, "intentName")
        return self._leave(op, {k: p[k] for k in ("botId", "botVersion", "localeId")} | self._page(items, p, "intentSummaries", op.name))

    # ------------------------------------------------------------ slots

    def _check_slot_type(self, loc: _Locale, p: dict[str, Any], op: str) -> None:
        type_id = p.get("slotTypeId")
        if type_id is not None and not type_id.startswith("AMAZON.") and type_id not in loc.slot_types:
            raise _error("ValidationException", f"Slot type {type_id} does not exist in locale {p['localeId']}", op)

    def create_slot(self, **p: Any) -> dict[str, Any]:
        op = self._enter("create_slot", p)
        loc = self._editable(p, op.name)
        intent = self._intent(loc, p["intentId"], op.name)
        if any(s.params["slotName"] == p["slotName"] for s in intent.slots.values()):
            raise _error("ConflictException", f"Slot {p['slotName']} already exists in the intent", op.name)
        self._check_slot_type(loc, p, op.name)
        slot = _Slot(
            self._new_id(), _with_prompt_defaults({k: v for k, v in p.items() if k not in ("botId", "botVersion", "localeId", "intentId")})
        )
        intent.slots[slot.slot_id] = slot
        return self._leave(op, {**p, "slotId": slot.slot_id, "creationDateTime": _now()})

    def describe_slot(self, **p: Any) -> dict[str, Any]:
        op = self._enter("describe_slot", p)
        intent = self._intent(self._locale(p, op.name), p["intentId"], op.name)
        slot = self._existing(intent.slots, p["slotId"], "Slot", op.name)
        return self._leave(op, {**p, **slot.params, "creationDateTime": _now(), "lastUpdatedDateTime": _now()})

    def update_slot(self, **p: Any) -> dict[str, Any]:
        op = self._enter("update_slot", p)
        loc = self._editable(p, op.name)
        intent = self._intent(loc, p["intentId"], op.name)
        self._existing(intent.slots, p["slotId"], "Slot", op.name)
        self._check_slot_type(loc, p, op.name)
        excluded = ("botId", "botVersion", "localeId", "intentId", "slotId")
        intent.slots[p["slotId"]].params = _with_prompt_defaults({k: v for k, v in p.items() if k not in excluded})
        return self._leave(op, {**p, "creationDateTime": _now(), "lastUpdatedDateTime": _now()})

    def delete_slot(self, **p: Any) -> None:
        op = self._enter("delete_slot", p)
        loc = self._editable(p, op.name)
        intent = self._intent(loc, p["intentId"], op.name)
        self._existing(intent.slots, p["slotId"], "Slot", op.name)
        del intent.slots[p["slotId"]]
        # Lex drops a deleted slot from the intent's priorities.
        intent.slot_priorities = [x for x in intent.slot_priorities if x["slotId"] != p["slotId"]]

    def list_slots(self, **p: Any) -> dict[str, Any]:
        op = self._enter("list_slots", p)
        intent = self._intent(self._locale(p, op.name), p["intentId"], op.name)
        items = [
            {
                "slotId": s.slot_id,
                "slotName": s.params["slotName"],
                "slotTypeId": s.params.get("slotTypeId", ""),
                "lastUpdatedDateTime": _now(),
            }
            for s in intent.slots.values()
        ]
        keys = ("botId", "botVersion", "localeId", "intentId")
        return self._leave(op, {k: p[k] for k in keys} | self._page(items, p, "slotSummaries", op.name))

    # ------------------------------------------------------------ versions

    def create_bot_version(self, **p: Any) -> dict[str, Any]:
        op = self._enter("create_bot_version", p)
        bot = self._bot(p["botId"], op.name)
        for locale_id, spec in p["botVersionLocaleSpecification"].items():
            loc = bot.draft.get(locale_id)
            if spec["sourceBotVersion"] != DRAFT:
                raise _error("ValidationException", "sourceBotVersion must be DRAFT", op.name)
            if loc is None or loc.status != "Built":
                status = "missing" if loc is None else loc.status
                raise _error("ValidationException", f"Locale {locale_id} must be Built to create a version (it is {status})", op.name)
        number = str(bot.next_version)
        bot.next_version += 1
        locales = {lid: copy.deepcopy(bot.draft[lid]) for lid in p["botVersionLocaleSpecification"]}
        bot.versions[number] = _Version(number, p.get("description"), locales)
        bot.status = "Versioning"
        response = {"botId": bot.bot_id, "botVersion": number, "botStatus": "Versioning", "creationDateTime": _now()}
        response["botVersionLocaleSpecification"] = p["botVersionLocaleSpecification"]
        if p.get("description") is not None:
            response["description"] = p["description"]
        return self._leave(op, response)

    def describe_bot_version(self, **p: Any) -> dict[str, Any]:
        op = self._enter("describe_bot_version", p)
        bot = self._bot(p["botId"], op.name)
        version = self._existing(bot.versions, p["botVersion"], "Version", op.name)
        response: dict[str, Any] = {
            "botId": bot.bot_id,
            "botName": bot.params["botName"],
            "botVersion": version.number,
            "botStatus": version.status,
            "creationDateTime": _now(),
        }
        if version.description is not None:
            response["description"] = version.description
        version.status = "Available"
        return self._leave(op, response)

    def list_bot_versions(self, **p: Any) -> dict[str, Any]:
        op = self._enter("list_bot_versions", p)
        bot = self._bot(p["botId"], op.name)
        ordered = sorted(bot.versions.values(), key=lambda v: int(v.number), reverse=True)  # AWS: newest first
        items = []
        for v in ordered:
            item: dict[str, Any] = {
                "botName": bot.params["botName"],
                "botVersion": v.number,
                "botStatus": v.status,
                "creationDateTime": _now(),
            }
            if v.description is not None:
                item["description"] = v.description
            items.append(item)
        return self._leave(op, {"botId": bot.bot_id, **self._page(items, p, "botVersionSummaries", op.name)})

    def delete_bot_version(self, **p: Any) -> dict[str, Any]:
        op = self._enter("delete_bot_version", p)
        bot = self._bot(p["botId"], op.name)
        self._existing(bot.versions, p["botVersion"], "Version", op.name)
        users = [a.params["botAliasName"] for a in bot.aliases.values() if a.params.get("botVersion") == p["botVersion"]]
        if users and not p.get("skipResourceInUseCheck"):
            raise _error("PreconditionFailedException", f"Version {p['botVersion']} is used by aliases {users}", op.name)
        del bot.versions[p["botVersion"]]
        return self._leave(op, {"botId": bot.bot_id, "botVersion": p["botVersion"], "botStatus": "Deleting"})

    # ------------------------------------------------------------ aliases

    def _check_alias_version(self, bot: _Bot, p: dict[str, Any], op: str) -> None:
        version = p.get("botVersion")
        if version is None:
            return
        if not version.isdigit():
            raise _error("ValidationException", "An alias must point at a numbered version", op)
        if version not in bot.versions:
            raise _error("ResourceNotFoundException", f"Version {version} does not exist", op)

    def create_bot_alias(self, **p: Any) -> dict[str, Any]:
        op = self._enter("create_bot_alias", p)
        bot = self._bot(p["botId"], op.name)
        if any(a.params["botAliasName"] == p["botAliasName"] for a in bot.aliases.values()):
            raise _error("ConflictException", f"Alias {p['botAliasName']} already exists", op.name)
        self._check_alias_version(bot, p, op.name)
        alias = _Alias(self._new_id(), {k: v for k, v in p.items() if k not in ("botId", "tags")})
        bot.aliases[alias.alias_id] = alias
        return self._leave(op, {"botId": bot.bot_id, "botAliasId": alias.alias_id, **alias.params, "botAliasStatus": alias.status})

    def describe_bot_alias(self, **p: Any) -> dict[str, Any]:
        op = self._enter("describe_bot_alias", p)
        bot = self._bot(p["botId"], op.name)
        alias = self._existing(bot.aliases, p["botAliasId"], "Alias", op.name)
        response = {"botId": bot.bot_id, "botAliasId": alias.alias_id, **alias.params, "botAliasStatus": alias.status}
        alias.status = "Available"
        return self._leave(op, response)

    def update_bot_alias(self, **p: Any) -> dict[str, Any]:
        op = self._enter("update_bot_alias", p)
        bot = self._bot(p["botId"], op.name)
        alias = self._existing(bot.aliases, p["botAliasId"], "Alias", op.name)
        if alias.alias_id == TEST_ALIAS_ID and p.get("botVersion", DRAFT) != DRAFT:
            raise _error("ValidationException", "TestBotAlias always points at DRAFT", op.name)
        if alias.alias_id != TEST_ALIAS_ID:
            self._check_alias_version(bot, p, op.name)
        alias.params = {k: v for k, v in p.items() if k not in ("botId", "botAliasId")}
        alias.status = "Creating"  # AWS reports the alias as updating until it settles
        return self._leave(op, {"botId": bot.bot_id, "botAliasId": alias.alias_id, **alias.params, "botAliasStatus": alias.status})

    def list_bot_aliases(self, **p: Any) -> dict[str, Any]:
        op = self._enter("list_bot_aliases", p)
        bot = self._bot(p["botId"], op.name)
        items = []
        for a in bot.aliases.values():
            item = {"botAliasId": a.alias_id, "botAliasName": a.params["botAliasName"], "botAliasStatus": a.status}
            if "botVersion" in a.params:
                item["botVersion"] = a.params["botVersion"]
            items.append(item)
        return self._leave(op, {"botId": bot.bot_id, **self._page(items, p, "botAliasSummaries", op.name)})


def _operation_names() -> dict[str, str]:
    from botocore import xform_name

    return {xform_name(name): name for name in _SERVICE.operation_names}


_SERVICE_OPS = _operation_names()
