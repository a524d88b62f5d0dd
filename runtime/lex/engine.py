"""The local Lex V2 engine: boto3's ``lexv2-runtime`` operations, served in process.

Requests and responses are the dicts boto3 sends and returns (camelCase, keyword
arguments). The engine is deterministic: with the same clock, seed and inputs it gives
the same outputs, and ``last_explanation`` shows how it decided each turn.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot_spec.code_hook import CodeHookSpec
from bot_spec.definition import BotDefinition, BotLocale
from runtime.lex.builtin_intents import with_builtin_utterances
from runtime.lex.codehooks import DEFAULT_HOOK_TIMEOUT, CodeHook, Invoker, in_process_invoker, lambda_invoker
from runtime.lex.dialog import Dialog, DialogTurn
from runtime.lex.errors import ResourceNotFoundException, ValidationException
from runtime.lex.header_codec import TEXT_CONTENT_TYPE, encode_header
from runtime.lex.hook_loader import open_code_hook, unnamed_hook_warning, warn_once
from runtime.lex.messages import LexMessage, accepted_messages
from runtime.lex.request_checks import check_request
from runtime.lex.runtime_shapes import clone, find_intent, interpretations_for, slot_map
from runtime.lex.sessions import ContextLife, Session, SessionKey, SessionStore
from runtime.lex.understanding import (
    NluFactory,
    NluModelLike,
    NluResultLike,
    SlotResolver,
    default_nlu_factory,
    default_slot_resolver,
)

TIME_ZONE = "x-amz-lex:time-zone"
_ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def bot_id_for(name: str) -> str:
    """A deterministic 10-character id for a bot name, shaped like the ids Lex gives."""
    number = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    chars = []
    for _ in range(10):
        number, digit = divmod(number, len(_ID_ALPHABET))
        chars.append(_ID_ALPHABET[digit])
    return "".join(chars)


@dataclass
class BotDeployment:
    """A bot served on one alias: the ids a client uses, and the definition behind them."""

    bot_id: str
    alias_id: str
    locale_ids: list[str]
    definition: BotDefinition
    alias_name: str = "TestBotAlias"


@dataclass
class _LocaleRuntime:
    locale: BotLocale
    factory: NluFactory
    invoker: Invoker | None = None
    _model: NluModelLike | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def model(self) -> NluModelLike:
        # Built on first use: a bot with many locales pays only for the ones spoken.
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self.factory(self.locale)
        return self._model


@dataclass
class _Served:
    deployment: BotDeployment
    locales: dict[str, _LocaleRuntime]


class LocalLexRuntime:
    """Lex V2 runtime in process: RecognizeText, PutSession, GetSession, DeleteSession."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        max_sessions: int = 10_000,
        message_seed: int = 0,
        code_hook_timeout: float | None = DEFAULT_HOOK_TIMEOUT,
        nlu_factory: NluFactory = default_nlu_factory,
        slot_resolver: SlotResolver = default_slot_resolver,
    ) -> None:
        self._clock = clock
        self._seed = message_seed
        self._hook_timeout = code_hook_timeout
        self._nlu_factory = nlu_factory
        self._resolve_slot = slot_resolver
        lock_wait = (code_hook_timeout or DEFAULT_HOOK_TIMEOUT) + 5.0
        self._sessions = SessionStore(clock=clock, max_sessions=max_sessions, lock_timeout=lock_wait)
        self._bots: dict[tuple[str, str], _Served] = {}
        self._bot_ids: set[str] = set()

    # ------------------------------------------------------------ bots

    def register_bot(
        self,
        definition: BotDefinition,
        *,
        bot_id: str | None = None,
        alias_id: str = "TSTALIASID",
        alias_name: str = "TestBotAlias",
        code_hook: CodeHook | None = None,
        lambda_arn: str | None = None,
        lambda_client: Any = None,
        invokers: Mapping[str, Invoker | None] | None = None,
    ) -> BotDeployment:
        """Serve ``definition`` on an alias.

        The code hook is one for every locale (``code_hook`` in process or ``lambda_arn``),
        or ``invokers``, one per locale id, as Lex keeps a Lambda per alias locale.
        """
        if sum(x is not None for x in (code_hook, lambda_arn, invokers)) > 1:
            raise ValueError("give one of code_hook (in process), lambda_arn (a Lambda) or invokers (per locale)")
        if not definition.locales:
            raise ValueError(f"bot {definition.name!r} has no locales to serve")
        invoker: Invoker | None = None
        if code_hook is not None:
            invoker = in_process_invoker(code_hook, timeout=self._hook_timeout)
        elif lambda_arn is not None:
            if lambda_client is None:
                import boto3  # only when a real Lambda is wanted

                lambda_client = boto3.client("lambda")
            invoker = lambda_invoker(lambda_client, lambda_arn)
        deployment = BotDeployment(
            bot_id=bot_id or bot_id_for(definition.name),
            alias_id=alias_id,
            locale_ids=[loc.locale_id for loc in definition.locales],
            definition=definition,
            alias_name=alias_name,
        )
        chosen = dict(invokers) if invokers is not None else {}
        unknown = set(chosen) - {loc.locale_id for loc in definition.locales}
        if unknown:
            raise ValueError(f"invokers for locales the bot does not have: {', '.join(sorted(unknown))}")
        locales = {
            loc.locale_id: _LocaleRuntime(
                with_builtin_utterances(loc), self._nlu_factory, chosen.get(loc.locale_id) if invokers is not None else invoker
            )
            for loc in definition.locales
        }
        self._bots[(deployment.bot_id, alias_id)] = _Served(deployment, locales)
        self._bot_ids.add(deployment.bot_id)
        return deployment

    def close(self) -> None:
        """Stop the code-hook worker processes the served bots hold (they restart on the next call)."""
        for served in self._bots.values():
            for loc in served.locales.values():
                close = getattr(loc.invoker, "close", None)
                if callable(close):
                    close()

    @property
    def deployments(self) -> list[BotDeployment]:
        """Every bot alias being served."""
        return [served.deployment for served in self._bots.values()]

    def _served(self, bot_id: str, alias_id: str, locale_id: str) -> tuple[_Served, _LocaleRuntime]:
        if bot_id not in self._bot_ids:
            raise ResourceNotFoundException(f"Could not find bot '{bot_id}'. Check the botId; lex-serve prints the ids it serves.")
        served = self._bots.get((bot_id, alias_id))
        if served is None:
            raise ResourceNotFoundException(f"Could not find bot alias '{alias_id}' of bot '{bot_id}'.")
        loc = served.locales.get(locale_id)
        if loc is None:
            known = ", ".join(sorted(served.locales))
            raise ResourceNotFoundException(f"Could not find locale '{locale_id}' of bot '{bot_id}' (it has: {known}).")
        return served, loc

    def stats(self) -> dict[str, int]:
        """Live sessions, LRU evictions and idle expiries so far."""
        s = self._sessions.stats()
        return {"sessions": s.sessions, "evictions": s.evictions, "expired": s.expired}

    # ------------------------------------------------------------ the four operations

    def recognize_text(
        self,
        *,
        botId: str,
        botAliasId: str,
        localeId: str,
        sessionId: str,
        text: str,
        sessionState: dict[str, Any] | None = None,
        requestAttributes: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """One user utterance in, the bot's answer and the new session state out."""
        params = _given(botId=botId, botAliasId=botAliasId, localeId=localeId, sessionId=sessionId, text=text)
        params.update(_given(sessionState=sessionState, requestAttributes=requestAttributes))
        check_request("RecognizeText", params)
        served, loc = self._served(botId, botAliasId, localeId)
        with self._open_turn(served, SessionKey(botId, botAliasId, localeId, sessionId), requestAttributes) as (session, now):
            self._age_contexts(session)
            if sessionState is not None:
                self._apply_client_state(session, sessionState, loc.locale)
            names = [c["name"] for c in session.state.get("activeContexts") or []]
            nlu = loc.model().interpret(text, now=now, active_contexts=names)
            turn = self._turn(served, loc, session, text, requestAttributes, now, nlu)
            Dialog(turn).recognize()
            return self._finish(served, loc, session, turn, "RecognizeText", requestAttributes)

    def put_session(
        self,
        *,
        botId: str,
        botAliasId: str,
        localeId: str,
        sessionId: str,
        sessionState: dict[str, Any],
        messages: list[dict[str, Any]] | None = None,
        requestAttributes: dict[str, str] | None = None,
        responseContentType: str | None = None,
    ) -> dict[str, Any]:
        """Set the session's state; with ``Delegate`` the bot takes its next step.

        The answer is shaped as boto3 returns it: ``messages``, ``sessionState`` and
        ``requestAttributes`` are gzip+base64 JSON strings (see ``decode_header``).
        """
        params = _given(botId=botId, botAliasId=botAliasId, localeId=localeId, sessionId=sessionId, sessionState=sessionState)
        params.update(_given(messages=messages, requestAttributes=requestAttributes, responseContentType=responseContentType))
        check_request("PutSession", params)
        if responseContentType is not None and not responseContentType.startswith("text/plain"):
            raise ValidationException("responseContentType: the local engine answers text only (text/plain; charset=utf-8)")
        served, loc = self._served(botId, botAliasId, localeId)
        with self._open_turn(served, SessionKey(botId, botAliasId, localeId, sessionId), requestAttributes) as (session, now):
            self._apply_client_state(session, sessionState, loc.locale)
            turn = self._turn(served, loc, session, "", requestAttributes, now, None)
            turn.messages.extend(clone(messages or []))
            dialog = Dialog(turn)
            kind = (sessionState.get("dialogAction") or {}).get("type")
            if kind == "Delegate":
                dialog.delegate(invoke_dialog_hook=True)
            elif not messages:
                dialog.play_configured_prompt()
            result = self._finish(served, loc, session, turn, "PutSession", requestAttributes)
        out: dict[str, Any] = {"contentType": TEXT_CONTENT_TYPE}
        if "messages" in result:
            out["messages"] = encode_header(result["messages"])
        out["sessionState"] = encode_header(result["sessionState"])
        if requestAttributes:
            out["requestAttributes"] = encode_header(requestAttributes)
        out["sessionId"] = sessionId
        out["audioStream"] = io.BytesIO(b"")
        return out

    def recognize_utterance(
        self,
        *,
        botId: str,
        botAliasId: str,
        localeId: str,
        sessionId: str,
        requestContentType: str,
        inputStream: bytes | Any = b"",
        responseContentType: str | None = None,
        sessionState: str | None = None,
        requestAttributes: str | None = None,
    ) -> dict[str, Any]:
        """RecognizeUtterance with text input, shaped as boto3 returns it (see ``runtime.lex.utterance``)."""
        from runtime.lex.utterance import recognize_utterance_result

        body = inputStream if isinstance(inputStream, bytes | bytearray) else inputStream.read()
        ids = {"botId": botId, "botAliasId": botAliasId, "localeId": localeId, "sessionId": sessionId}
        return recognize_utterance_result(
            self,
            ids,
            body=bytes(body),
            request_type=requestContentType,
            response_type=responseContentType,
            session_state=sessionState,
            request_attributes=requestAttributes,
        )

    def get_session(self, *, botId: str, botAliasId: str, localeId: str, sessionId: str) -> dict[str, Any]:
        """The session's state, last messages and interpretations; ResourceNotFound when none is live."""
        check_request("GetSession", _given(botId=botId, botAliasId=botAliasId, localeId=localeId, sessionId=sessionId))
        served, _ = self._served(botId, botAliasId, localeId)
        ttl = served.deployment.definition.idle_session_ttl_in_seconds
        with self._sessions.open(SessionKey(botId, botAliasId, localeId, sessionId), ttl, create=False, touch=False) as session:
            if session is None:
                raise ResourceNotFoundException(
                    f"Session '{sessionId}' not found (it never started, was deleted or expired after {ttl} s idle)."
                )
            out: dict[str, Any] = {"sessionId": sessionId}
            if session.messages:
                out["messages"] = clone(session.messages)
            out["interpretations"] = clone(session.interpretations)
            out["sessionState"] = _public_state(session)
            return out

    def delete_session(self, *, botId: str, botAliasId: str, localeId: str, sessionId: str) -> dict[str, Any]:
        """End the session now."""
        check_request("DeleteSession", _given(botId=botId, botAliasId=botAliasId, localeId=localeId, sessionId=sessionId))
        served, _ = self._served(botId, botAliasId, localeId)
        ttl = served.deployment.definition.idle_session_ttl_in_seconds
        if not self._sessions.delete(SessionKey(botId, botAliasId, localeId, sessionId), ttl):
            raise ResourceNotFoundException(f"Session '{sessionId}' not found; there is nothing to delete.")
        return {"botId": botId, "botAliasId": botAliasId, "localeId": localeId, "sessionId": sessionId}

    def last_explanation(self, botId: str, botAliasId: str, localeId: str, sessionId: str) -> dict[str, Any]:
        """How the engine decided the session's last turn: NLU ranking, dialog steps, code-hook calls."""
        served, _ = self._served(botId, botAliasId, localeId)
        ttl = served.deployment.definition.idle_session_ttl_in_seconds
        with self._sessions.open(SessionKey(botId, botAliasId, localeId, sessionId), ttl, create=False, touch=False) as session:
            if session is None:
                raise ResourceNotFoundException(f"Session '{sessionId}' not found; nothing to explain.")
            explanation: dict[str, Any] = clone(session.explanation)
            return explanation

    # ------------------------------------------------------------ turn plumbing

    @contextmanager
    def _open_turn(self, served: _Served, key: SessionKey, request_attributes: dict[str, str] | None) -> Iterator[tuple[Session, datetime]]:
        """The session (made if new) for one more turn, numbered, with the turn's clock; a failing turn is undone."""
        ttl = served.deployment.definition.idle_session_ttl_in_seconds
        with self._sessions.open(key, ttl, create=True) as session:
            assert session is not None
            saved = _snapshot(session)
            try:
                now = self._now(request_attributes)
                session.turn += 1
                session.state["originatingRequestId"] = self._request_id(session)  # code hooks see this turn's id
                yield session, now
            except BaseException:
                self._undo_turn(session, saved)
                raise

    def _undo_turn(self, session: Session, saved: _Saved) -> None:
        """A failed turn leaves the session as it was (as on Lex); a session it created is dropped."""
        _restore(session, saved)
        if session.turn == 0:
            self._sessions.discard(session)

    def _now(self, request_attributes: dict[str, str] | None) -> datetime:
        zone_name = (request_attributes or {}).get(TIME_ZONE)
        zone: timezone | ZoneInfo = UTC
        if zone_name:
            try:
                zone = ZoneInfo(zone_name)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValidationException(
                    f"requestAttributes[{TIME_ZONE}] {zone_name[:60]!r} is not an IANA time zone such as America/New_York"
                ) from None
        return datetime.fromtimestamp(self._clock(), tz=zone)

    def _turn(
        self,
        served: _Served,
        loc: _LocaleRuntime,
        session: Session,
        text: str,
        request_attributes: dict[str, str] | None,
        now: datetime,
        nlu: NluResultLike | None,
    ) -> DialogTurn:
        deployment = served.deployment
        bot = {
            "id": deployment.bot_id,
            "name": deployment.definition.name,
            "localeId": loc.locale.locale_id,
            "version": "DRAFT",
            "aliasId": deployment.alias_id,
            "aliasName": deployment.alias_name,
        }
        return DialogTurn(
            locale=loc.locale,
            session=session,
            text=text,
            request_attributes=request_attributes,
            now=now,
            bot=bot,
            invoker=loc.invoker,
            resolve_slot=self._resolve_slot,
            message_seed=self._seed,
            nlu=nlu,
        )

    def _request_id(self, session: Session) -> str:
        key = session.key
        digest = hashlib.sha256(
            f"{self._seed}|{key.bot_id}|{key.alias_id}|{key.locale_id}|{key.session_id}|{session.turn}".encode()
        ).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))

    def _apply_client_state(self, session: Session, given: dict[str, Any], locale: BotLocale) -> None:
        """A client's sessionState seeds or overrides the stored one; omitted parts are kept."""
        state = session.state
        if given.get("sessionAttributes") is not None:
            state["sessionAttributes"] = dict(given["sessionAttributes"])  # replaced wholesale; {} erases
        if given.get("activeContexts") is not None:
            state["activeContexts"] = clone(given["activeContexts"])
            session.contexts = {c["name"]: _life(c, self._clock()) for c in given["activeContexts"]}
        if given.get("runtimeHints") is not None:
            state["runtimeHints"] = clone(given["runtimeHints"])  # kept and echoed, as Lex does
        intent = given.get("intent")
        if intent is not None:
            defined = find_intent(locale, intent["name"])
            if defined is None:
                known = ", ".join(i.name for i in locale.intents)
                raise ValidationException(
                    f"sessionState.intent.name '{intent['name'][:100]}' is not an intent of locale {locale.locale_id} (it has: {known})"
                )
            state["intent"] = {
                "name": intent["name"],
                "slots": slot_map(defined, intent.get("slots")),
                "state": intent.get("state") or "InProgress",
                "confirmationState": intent.get("confirmationState") or "None",
            }
        action = given.get("dialogAction")
        if action is not None:
            if action["type"] == "ElicitSlot":
                current = state.get("intent")
                defined = find_intent(locale, current["name"]) if current else None
                if defined is None or defined.slot(action["slotToElicit"]) is None:
                    raise ValidationException(
                        f"sessionState.dialogAction.slotToElicit '{action['slotToElicit'][:100]}' is not a slot of the session's intent"
                    )
            state["dialogAction"] = clone(action)
            session.attempt = 0

    def _age_contexts(self, session: Session) -> None:
        """Drop contexts past their time or turns; this turn uses one turn of the rest."""
        now = self._clock()
        kept = []
        for context in session.state.get("activeContexts") or []:
            life = session.contexts.setdefault(context["name"], _life(context, now))
            if now >= life.expires_at or life.turns_left <= 0:
                session.contexts.pop(context["name"], None)
                continue
            life.turns_left -= 1
            kept.append(context)
        if "activeContexts" in session.state:
            session.state["activeContexts"] = kept

    def _activate_output_contexts(self, session: Session, locale: BotLocale) -> None:
        intent = session.state.get("intent")
        action = session.state.get("dialogAction") or {}
        # Closed, or closed and then waiting for a new intent (a closing ElicitIntent next step).
        closed = action.get("type") in ("Close", "ElicitIntent")
        if intent is None or not closed or intent.get("state") not in ("Fulfilled", "ReadyForFulfillment"):
            return
        defined = find_intent(locale, intent["name"])
        if defined is None or not defined.output_contexts:
            return
        contexts = [c for c in session.state.get("activeContexts") or [] if c["name"] not in {o.name for o in defined.output_contexts}]
        attributes = context_attributes(intent)
        for out in defined.output_contexts:
            context = {
                "name": out.name,
                "timeToLive": {"timeToLiveInSeconds": out.time_to_live_in_seconds, "turnsToLive": out.turns_to_live},
                "contextAttributes": dict(attributes),
            }
            contexts.append(context)
            session.contexts[out.name] = _life(context, self._clock())
        session.state["activeContexts"] = contexts

    def _finish(
        self,
        served: _Served,
        loc: _LocaleRuntime,
        session: Session,
        turn: DialogTurn,
        operation: str,
        request_attributes: dict[str, str] | None,
    ) -> dict[str, Any]:
        session.state.setdefault("sessionAttributes", {})
        self._activate_output_contexts(session, loc.locale)
        messages: list[LexMessage] = accepted_messages(turn.messages, request_attributes)
        intent = session.state.get("intent")
        session.messages = clone(messages)
        session.interpretations = interpretations_for(loc.locale, turn.nlu, intent, captured=turn.captured)
        session.explanation = {
            "operation": operation,
            "turn": session.turn,
            "inputTranscript": turn.text,
            "nlu": turn.nlu.explain() if turn.nlu is not None else None,
            "decisions": turn.decisions,  # fresh lists each turn: no copy needed
            "codeHooks": turn.hook_calls,
            "dialogAction": clone(session.state.get("dialogAction")),
            "intent": None if intent is None else {k: intent.get(k) for k in ("name", "state", "confirmationState")},
            "slots": None if intent is None else clone(intent.get("slots")),
            "interpretations": session.interpretations,  # replaced, never mutated, each turn
        }
        response: dict[str, Any] = {}
        if messages:
            response["messages"] = clone(messages)
        response["sessionState"] = _public_state(session)
        response["interpretations"] = clone(session.interpretations)
        if request_attributes:
            response["requestAttributes"] = dict(request_attributes)
        response["sessionId"] = session.key.session_id
        return response


MAX_CONTEXT_ATTRIBUTES = 10  # Lex's limit per active context (fact sheet 2)


def context_attributes(intent: dict[str, Any]) -> dict[str, str]:
    """An output context's attributes: the closing intent's filled slots, by name (fact sheet 3.2 step 7).

    The value is the slot's ``interpretedValue`` (its ``originalValue`` when that is null, as
    for an ambiguous time); a list slot gives its items joined by commas. At most 10, in slot order.
    """
    out: dict[str, str] = {}
    for name, slot in (intent.get("slots") or {}).items():
        if len(out) >= MAX_CONTEXT_ATTRIBUTES:
            break
        value = _slot_text(slot)
        if value is not None:
            out[name] = value
    return out


def _slot_text(slot: Any) -> str | None:
    if not isinstance(slot, dict):
        return None
    if slot.get("values"):
        items = [_slot_text(v) for v in slot["values"]]
        return ", ".join(i for i in items if i) or None
    value = slot.get("value")
    if not isinstance(value, dict):
        return None
    text = value.get("interpretedValue") or value.get("originalValue")
    return text if isinstance(text, str) and text else None


def _given(**params: Any) -> dict[str, Any]:
    return {k: v for k, v in params.items() if v is not None}


def _life(context: dict[str, Any], now: float) -> ContextLife:
    ttl = context.get("timeToLive") or {}
    return ContextLife(expires_at=now + float(ttl.get("timeToLiveInSeconds", 86400)), turns_left=int(ttl.get("turnsToLive", 20)))


def _public_state(session: Session) -> dict[str, Any]:
    state = session.state
    out: dict[str, Any] = {}
    for key in ("dialogAction", "intent", "sessionAttributes", "originatingRequestId", "runtimeHints"):
        if key in state:
            out[key] = clone(state[key])
    if state.get("activeContexts"):
        out["activeContexts"] = clone(state["activeContexts"])
    return out


_Saved = tuple[dict[str, Any], int, int, dict[str, ContextLife]]


def _snapshot(session: Session) -> _Saved:
    contexts = {name: ContextLife(life.expires_at, life.turns_left) for name, life in session.contexts.items()}
    return clone(session.state), session.attempt, session.turn, contexts


def _restore(session: Session, saved: _Saved) -> None:
    # A failed turn (e.g. DependencyFailed) leaves the session as it was, as on Lex.
    session.state, session.attempt, session.turn, session.contexts = saved


def local_runtime_for(
    bot_dir: Path,
    *,
    clock: Callable[[], float] | None = None,
    code_hook: CodeHookSpec | None = None,
    lambda_client: Any = None,
    code_hook_timeout: float | None = DEFAULT_HOOK_TIMEOUT,
) -> tuple[LocalLexRuntime, BotDeployment]:
    """A runtime serving the YAML bot in ``bot_dir`` with the code hooks its locales name.

    ``code_hook`` (the CLI's ``--code-hook``) overrides every locale's choice. A locale that
    names none runs with none, and a one-line warning says so when its intents call a hook.
    """
    from bot_spec.formats.yaml_spec import load_spec

    definition = load_spec(bot_dir)
    tick = clock or time.time
    runtime = LocalLexRuntime(clock=tick, code_hook_timeout=code_hook_timeout)
    invokers: dict[str, Invoker | None] = {}
    for loc in definition.locales:
        spec = code_hook if code_hook is not None else loc.code_hook
        if spec is None:
            warning = unnamed_hook_warning(definition, loc.locale_id)
            if warning is not None:
                warn_once(warning, (definition.name, loc.locale_id))
        invokers[loc.locale_id] = open_code_hook(
            spec, bot_dir=Path(bot_dir), clock=tick, timeout=code_hook_timeout, lambda_client=lambda_client
        )
    return runtime, runtime.register_bot(definition, invokers=invokers)
