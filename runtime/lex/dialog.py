"""The Lex V2 dialog for one turn: fill slots, elicit, confirm, fulfil, close (fact sheet 3.2-3.6).

The dialog works on the session's Lex-shaped ``sessionState`` and records every
decision it takes, so ``last_explanation`` can say why a turn went the way it did.

Choices where Lex is not documented (see the fact sheet's *unverified* marks):
- without a fulfillment code hook the intent ends ``ReadyForFulfillment`` with
  ``Close`` (as real captures show), and its closing response still plays;
- a code hook's ``Close`` is final: its messages play, or the closing response when it
  sent none and the intent is Fulfilled;
- a declined confirmation ends the intent ``Failed`` with the declination response;
- the dialog code hook runs once per user input at most: on the initial response, or
  after a slot capture or a confirmation answer; a hook's ``Delegate`` then lets the
  engine pick the next step without calling the dialog hook again;
- while a slot or a yes/no is pending, the engine switches intent only when the NLU's
  top intent is another real intent scoring at or above the locale threshold AND the
  input did not resolve strictly as the slot value: a value taken only "as said" (an
  open type's whole reply) loses to such an intent, and a hedge ("not sure yet") is no
  value (fact sheet 3.3's practical rule, ``slot_capture``);
- an ambiguous value (``interpretedValue`` null, e.g. "10 o'clock") goes to the dialog code
  hook when one runs, and is not captured (a re-prompt) otherwise;
- from the settings the definition keeps API-shaped in ``extras``, the engine plays the
  initial response, a slot's capture and failure responses and the post-fulfillment
  success/failure/timeout responses (success also when the hook is disabled; failure or
  timeout instead of DependencyFailed when configured), and honours
  ``fulfillmentCodeHook.active``; conditional branches and explicit next steps run
  (``next_steps``, ``conditions``); composite slots are not interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot_spec.definition import BotLocale, Intent, PromptSpecification, ResponseSpecification, Slot
from bot_spec.formats.lex_shapes import ShapeError, response_from_api
from bot_spec.lex_vocabulary import FREE_FORM_INPUT
from runtime.lex.builtin_intents import is_repeat
from runtime.lex.codehooks import Invoker, build_event, call_collecting_logs, validate_response
from runtime.lex.conditions import ConditionContext
from runtime.lex.errors import DependencyFailedException
from runtime.lex.messages import LexMessage, select_messages
from runtime.lex.multi_values import MAX_ITEMS, list_slot, split_items
from runtime.lex.next_steps import MAX_STEPS_PER_TURN, choose, step_session_attributes, step_slot_values, step_type
from runtime.lex.post_fulfillment import SUCCESS, TIMEOUT, failure_kind, has_response
from runtime.lex.runtime_hints import find_hint, hint_phrases
from runtime.lex.runtime_shapes import (
    LexIntent,
    clone,
    fallback_intent,
    fallback_name,
    find_intent,
    interpretations_for,
    is_filled,
    new_intent,
    scalar_slot,
    score_slots,
    slot_map,
)
from runtime.lex.sessions import Session
from runtime.lex.slot_capture import is_non_answer, should_switch
from runtime.lex.understanding import IntentScoreLike, NluResultLike, SlotResolver

INTENT_SWITCH = "x-amz-lex:intent-switch"
MAX_MESSAGES = 10
_CONFIRMATION_SLOT = Slot(name="Confirmation", slot_type_name="AMAZON.Confirmation")
_FREE_FORM = FREE_FORM_INPUT


@dataclass
class DialogTurn:
    """Everything one turn reads, and what it produces (messages, decisions, code-hook calls)."""

    locale: BotLocale
    session: Session
    text: str
    request_attributes: dict[str, str] | None
    now: datetime
    bot: dict[str, str]
    invoker: Invoker | None
    resolve_slot: SlotResolver
    message_seed: int = 0
    nlu: NluResultLike | None = None
    messages: list[LexMessage] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    hook_calls: list[dict[str, Any]] = field(default_factory=list)
    captured: bool = False  # the input was consumed by the active intent
    steps: int = 0  # explicit next steps taken this turn (they may chain)

    def note(self, step: str, **detail: Any) -> None:
        """Record a decision for the explanation."""
        self.decisions.append({"step": step, **detail})


class Dialog:
    """Runs one turn on a session; the result is in the session's state and ``turn.messages``."""

    def __init__(self, turn: DialogTurn) -> None:
        self.turn = turn
        self.locale = turn.locale
        self.state = turn.session.state

    # ------------------------------------------------------------ entry points

    def recognize(self) -> None:
        """A user utterance: continue the pending step, or classify a new intent."""
        action = self.state.get("dialogAction") or {}
        intent = self.state.get("intent")
        kind = action.get("type")
        intent_def = find_intent(self.locale, intent["name"]) if intent else None
        in_progress = intent is not None and intent_def is not None and intent.get("state") in (None, "InProgress")
        if kind == "ElicitSlot" and in_progress and intent_def is not None and intent_def.slot(action.get("slotToElicit", "")):
            assert intent is not None
            self._answer_slot(intent, intent_def, action["slotToElicit"])
        elif kind == "ConfirmIntent" and in_progress and intent_def is not None:
            assert intent is not None
            self._answer_confirmation(intent, intent_def)
        else:
            self._start_from_nlu()

    def delegate(self, *, invoke_dialog_hook: bool) -> None:
        """PutSession with ``Delegate``: Lex picks the next step for the given intent."""
        intent = self.state.get("intent")
        if intent is None:
            self._elicit_intent()
            return
        intent_def = find_intent(self.locale, intent["name"])
        if intent_def is None:
            self._elicit_intent()
            return
        if invoke_dialog_hook and intent_def.dialog_code_hook and self._hooks_on():
            self._dialog_hook(intent, intent_def, label="InitialResponse")
        else:
            self._advance(intent, intent_def)

    def play_configured_prompt(self) -> None:
        """PutSession with ElicitSlot/ConfirmIntent and no messages: play the bot's prompt."""
        action = self.state.get("dialogAction") or {}
        intent = self.state.get("intent")
        intent_def = find_intent(self.locale, intent["name"]) if intent else None
        if intent is None or intent_def is None:
            return
        if action.get("type") == "ElicitSlot":
            slot = intent_def.slot(action.get("slotToElicit", ""))
            if slot is not None and slot.prompt is not None:
                self._play_prompt(slot.prompt, intent, attempt=0)
        elif action.get("type") == "ConfirmIntent" and intent_def.confirmation is not None:
            self._play_prompt(intent_def.confirmation.prompt, intent, attempt=0)

    # ------------------------------------------------------------ answers to a pending step

    def _answer_slot(self, intent: LexIntent, intent_def: Intent, slot_name: str) -> None:
        slot = intent_def.slot(slot_name)
        assert slot is not None
        nlu_top = self.turn.nlu.top() if self.turn.nlu is not None else None
        value: dict[str, Any] | None = None
        if slot.slot_type_name == _FREE_FORM:
            # FreeFormInput takes the whole utterance, never switches, never falls back.
            value = scalar_slot(self.turn.text, self.turn.text, [self.turn.text])
        elif slot.allow_multiple_values and (listed := self._list_value(slot)) is not None:
            value = listed
        else:
            hinted = find_hint(self.turn.text, hint_phrases(self.state, intent["name"], slot_name))
            strict = (
                self.turn.resolve_slot(hinted, slot, self.locale, now=self.turn.now, whole_utterance=True) if hinted is not None else None
            )
            if strict is not None:
                self.turn.note("runtime-hint", slot=slot_name, phrase=hinted)
            strict = strict or self.turn.resolve_slot(self.turn.text, slot, self.locale, now=self.turn.now, whole_utterance=False)
            match = strict or self.turn.resolve_slot(self.turn.text, slot, self.locale, now=self.turn.now, whole_utterance=True)
            if strict is None and is_non_answer(self.turn.text):
                # A hedge is no value; it leaves the slot only for an exact utterance of another intent.
                self.turn.note("slot-non-answer", slot=slot_name, text=self.turn.text)
                if nlu_top is not None and nlu_top.score == 1.0 and self._switch_intent(intent, nlu_top, slot_type=slot.slot_type_name):
                    return
                self._retry_slot(intent, intent_def, slot)
                return
            if match is not None:
                value = match.to_lex()
            elif nlu_top is not None and nlu_top.intent_name == intent["name"] and slot_name in nlu_top.slots:
                value = nlu_top.slots[slot_name].to_lex()
            if strict is None and value is not None and self._switch_intent(intent, nlu_top, slot_type=slot.slot_type_name):
                # An as-said value loses to another intent the reply matches (fact sheet 3.3).
                return
        if value is not None and isinstance(value.get("value"), dict) and value["value"].get("interpretedValue") is None:
            # An ambiguous value (e.g. "10 o'clock"): with a dialog code hook Lex passes it on, interpretedValue
            # null and every reading in resolvedValues, and the hook decides; without one Lex re-prompts.
            to_hook = intent_def.dialog_code_hook and self._hooks_on()
            self.turn.note("slot-ambiguous", slot=slot_name, resolvedValues=value["value"].get("resolvedValues"), toCodeHook=to_hook)
            if not to_hook:
                value = None
        if value is None:
            if self._switch_intent(intent, nlu_top, slot_type=slot.slot_type_name):
                return
            self.turn.note("slot-not-understood", slot=slot_name, text=self.turn.text)
            self._retry_slot(intent, intent_def, slot)
            return
        self.turn.captured = True
        intent["slots"][slot_name] = value
        self.turn.note("slot-captured", slot=slot_name, value=value.get("value"))
        self._play_extras_response(intent, slot.extras, "valueElicitationSetting", "slotCaptureSetting", "captureResponse")
        if nlu_top is not None and nlu_top.intent_name == intent["name"]:
            self._fill_empty_slots(intent, nlu_top)
        else:
            self._fill_from_reply(intent, intent_def, slot)
        self.turn.session.attempt = 0
        capture = _setting(slot.extras, "valueElicitationSetting", "slotCaptureSetting")
        hook = _setting(capture, "codeHook")
        if intent_def.dialog_code_hook and self._hooks_on() and hook.get("enableCodeHookInvocation", True) is not False:
            self._dialog_hook(intent, intent_def, label=_label(hook))
        elif not self._follow(intent, intent_def, capture, "captureConditional", "captureNextStep", where=f"{slot_name}.capture"):
            self._advance(intent, intent_def)

    def _list_value(self, slot: Slot) -> dict[str, Any] | None:
        """A multi-value slot's List value when the reply lists two or more values read strictly."""
        items = split_items(self.turn.text)
        if not 2 <= len(items) <= MAX_ITEMS:
            return None
        matches = [self.turn.resolve_slot(item, slot, self.locale, now=self.turn.now, whole_utterance=False) for item in items]
        if any(m is None for m in matches):
            return None
        return list_slot(self.turn.text.strip(), [m.to_lex() for m in matches if m is not None])

    def _answer_confirmation(self, intent: LexIntent, intent_def: Intent) -> None:
        nlu_top = self.turn.nlu.top() if self.turn.nlu is not None else None
        match = self.turn.resolve_slot(self.turn.text, _CONFIRMATION_SLOT, self.locale, now=self.turn.now, whole_utterance=True)
        answer = match.interpreted_value if match is not None else None
        if answer not in ("Yes", "No"):
            if self._switch_intent(intent, nlu_top, slot_type=None):
                return
            self.turn.note("confirmation-not-understood", text=self.turn.text, heard=answer)
            confirmation = intent_def.confirmation
            if confirmation is None:
                self._advance(intent, intent_def)
                return
            attempt = self.turn.session.attempt + 1
            if attempt > confirmation.prompt.max_retries:
                self.turn.note("retries-exhausted", question="confirmation", maxRetries=confirmation.prompt.max_retries)
                setting = _setting(intent_def.extras, "intentConfirmationSetting")
                if not self._follow(intent, intent_def, setting, "failureConditional", "failureNextStep", where="confirmation.failure"):
                    self._fallback()
                return
            self.turn.session.attempt = attempt
            self.state["dialogAction"] = {"type": "ConfirmIntent"}
            self._play_prompt(confirmation.prompt, intent, attempt=attempt)
            return
        self.turn.captured = True
        self.turn.session.attempt = 0
        intent["confirmationState"] = "Confirmed" if answer == "Yes" else "Denied"
        self.turn.note("confirmation-answered", confirmationState=intent["confirmationState"])
        if answer == "Yes" and intent_def.confirmation is not None and intent_def.confirmation.confirmation_response is not None:
            self._play_response(intent_def.confirmation.confirmation_response, intent)
        setting = _setting(intent_def.extras, "intentConfirmationSetting")
        if intent_def.dialog_code_hook and self._hooks_on():
            self._dialog_hook(intent, intent_def, label=None)
        elif answer == "Yes":
            if not self._follow(intent, intent_def, setting, "confirmationConditional", "confirmationNextStep", where="confirmation"):
                self._advance(intent, intent_def)
        elif _setting(setting, "declinationConditional") or _setting(setting, "declinationNextStep"):
            if intent_def.confirmation is not None and intent_def.confirmation.declination_response is not None:
                self._play_response(intent_def.confirmation.declination_response, intent)
            if not self._follow(intent, intent_def, setting, "declinationConditional", "declinationNextStep", where="declination"):
                self._decline(intent, intent_def, play=False)
        else:
            self._advance(intent, intent_def)

    def _switch_allowed(self) -> bool:
        attrs = self.turn.request_attributes or {}
        return attrs.get(INTENT_SWITCH, "").upper() != "DISABLE"

    def _switch_intent(self, intent: LexIntent, nlu_top: IntentScoreLike | None, *, slot_type: str | None) -> bool:
        """Switch when another intent clearly matches: above the threshold, not the current one."""
        if slot_type == _FREE_FORM or nlu_top is None:
            return False
        threshold = self.locale.nlu_intent_confidence_threshold
        clear = (
            should_switch(other_score=nlu_top.score, threshold=threshold, strict_value=False)
            and nlu_top.intent_name != intent["name"]
            and nlu_top.intent_name != fallback_name(self.locale)
        )
        if not clear:
            return False
        if not self._switch_allowed():
            self.turn.note("intent-switch-disabled", candidate=nlu_top.intent_name, score=nlu_top.score)
            return False
        self.turn.note("intent-switch", left=intent["name"], to=nlu_top.intent_name, score=nlu_top.score, threshold=threshold)
        self._start_intent(nlu_top)
        return True

    def _retry_slot(self, intent: LexIntent, intent_def: Intent, slot: Slot) -> None:
        max_retries = slot.prompt.max_retries if slot.prompt is not None else 0
        attempt = self.turn.session.attempt + 1
        if attempt > max_retries:
            self.turn.note("retries-exhausted", slot=slot.name, maxRetries=max_retries)
            self._play_extras_response(intent, slot.extras, "valueElicitationSetting", "slotCaptureSetting", "failureResponse")
            capture = _setting(slot.extras, "valueElicitationSetting", "slotCaptureSetting")
            if not self._follow(intent, intent_def, capture, "failureConditional", "failureNextStep", where=f"{slot.name}.failure"):
                self._fallback()
            return
        self.turn.session.attempt = attempt
        self.turn.note("elicit-slot-retry", slot=slot.name, attempt=f"Retry{attempt}")
        self.state["dialogAction"] = {"type": "ElicitSlot", "slotToElicit": slot.name}
        intent["state"] = "InProgress"
        elicitation = _setting(slot.extras, "valueElicitationSetting", "slotCaptureSetting", "elicitationCodeHook")
        if elicitation.get("enableCodeHookInvocation") is True and intent_def.dialog_code_hook and self._hooks_on():
            # The elicitation code hook runs on each failed attempt; its answer replaces the re-prompt.
            self._dialog_hook(intent, intent_def, label=_label(elicitation), retry_slot=slot, attempt=f"Retry{attempt}")
            action = self.state.get("dialogAction") or {}
            if action.get("type") == "ElicitSlot" and action.get("slotToElicit") == slot.name:
                self.turn.session.attempt = attempt  # retries keep counting while the hook re-asks
            return
        if slot.prompt is not None:
            self._play_prompt(slot.prompt, intent, attempt=attempt)

    # ------------------------------------------------------------ starting an intent

    def _start_from_nlu(self) -> None:
        if self.turn.nlu is None:
            self._elicit_intent()
            return
        self._start_intent(self.turn.nlu.top())

    def _start_intent(self, score: IntentScoreLike) -> None:
        repeat = find_intent(self.locale, score.intent_name)
        hooked = repeat is not None and repeat.dialog_code_hook and self._hooks_on()
        if repeat is not None and is_repeat(repeat) and self.turn.session.messages and not hooked:
            # AMAZON.RepeatIntent: say the last messages again; the pending step stays pending.
            self.turn.note("repeat", intent=repeat.name, messages=len(self.turn.session.messages))
            self._add(clone(self.turn.session.messages))
            return
        self.turn.session.attempt = 0
        if score.intent_name == fallback_name(self.locale) or find_intent(self.locale, score.intent_name) is None:
            self.turn.note("fallback", reason="no intent scored above the confidence threshold", top=score.intent_name)
            self._fallback()
            return
        intent_def = find_intent(self.locale, score.intent_name)
        assert intent_def is not None
        self._begin_intent(intent_def, score_slots(self.locale, score), score=score.score)

    def _begin_intent(self, intent_def: Intent, slots: dict[str, Any], *, score: float | None) -> None:
        """An intent starts (recognised, or a StartIntent step): defaults, initial response, its next step."""
        self.turn.session.attempt = 0
        intent = new_intent(intent_def, intent_def.name, slots)
        self.state["intent"] = intent
        self.turn.note("intent-recognised", intent=intent_def.name, score=score)
        self._apply_default_values(intent, intent_def)
        self._play_extras_response(intent, intent_def.extras, "initialResponseSetting", "initialResponse")
        initial = _setting(intent_def.extras, "initialResponseSetting")
        hook = _setting(initial, "codeHook")
        if intent_def.dialog_code_hook and self._hooks_on() and hook.get("enableCodeHookInvocation", True) is not False:
            self._dialog_hook(intent, intent_def, label=_label(hook) or "InitialResponse")
        elif not self._follow(intent, intent_def, initial, "conditional", "nextStep", where="initialResponseSetting"):
            self._advance(intent, intent_def)

    def _fill_empty_slots(self, intent: LexIntent, score: IntentScoreLike) -> None:
        for name, match in score.slots.items():
            if name in intent["slots"] and not is_filled(intent["slots"][name]):
                intent["slots"][name] = match.to_lex()
                self.turn.note("slot-filled-from-utterance", slot=name)

    def _fill_from_reply(self, intent: LexIntent, intent_def: Intent, answered: Slot) -> None:
        """Other empty slots the reply also gives ("Boston next friday"): one per slot type, by priority.

        One slot per type, and none of the answered slot's type, so a date fills PickUpDate, not
        ReturnDate too (fact sheet 3.3: other slots may be filled, unverified).
        """
        taken = [str(((intent["slots"].get(answered.name) or {}).get("value") or {}).get("originalValue") or "").lower()]
        types = {answered.slot_type_name}
        for other in intent_def.slots_by_priority():
            if other.slot_type_name in types or is_filled(intent["slots"].get(other.name)) or other.slot_type_name == _FREE_FORM:
                continue
            match = self.turn.resolve_slot(self.turn.text, other, self.locale, now=self.turn.now, whole_utterance=False)
            said = str(match.to_lex()["value"]["originalValue"]).lower() if match is not None else ""
            if any(said in t or t in said for t in taken):
                continue  # the words already gave the answered slot ("5 pm" is no Number too)
            if match is not None and match.interpreted_value is not None:
                taken.append(said)
                types.add(other.slot_type_name)
                intent["slots"][other.name] = match.to_lex()
                self.turn.note("slot-filled-from-reply", slot=other.name)

    def _apply_default_values(self, intent: LexIntent, intent_def: Intent) -> None:
        """Default values, tried in order: ``#context.param``, ``[sessionAttr]``, ``<requestAttr>``, literal."""
        attrs = self.state.get("sessionAttributes") or {}
        request = self.turn.request_attributes or {}
        contexts = {c["name"]: c.get("contextAttributes") or {} for c in self.state.get("activeContexts") or []}
        for slot in intent_def.slots:
            if is_filled(intent["slots"].get(slot.name)) or not slot.default_values:
                continue
            for default in slot.default_values:
                value: str | None
                if default.startswith("#") and "." in default:
                    context, _, param = default[1:].partition(".")
                    value = contexts.get(context, {}).get(param)
                elif default.startswith("[") and default.endswith("]"):
                    value = attrs.get(default[1:-1])
                elif default.startswith("<") and default.endswith(">"):
                    value = request.get(default[1:-1])
                else:
                    value = default
                if value:
                    intent["slots"][slot.name] = scalar_slot(value, value, [value])
                    self.turn.note("slot-default", slot=slot.name, source=default)
                    break

    # ------------------------------------------------------------ Lex's own next step

    def _next_slot(self, intent: LexIntent, intent_def: Intent) -> Slot | None:
        return next((s for s in intent_def.slots_by_priority() if s.required and not is_filled(intent["slots"].get(s.name))), None)

    def _advance(self, intent: LexIntent, intent_def: Intent) -> None:
        """Delegate: elicit the next required slot, then confirm, then fulfil."""
        if intent.get("state") == "ReadyForFulfillment":
            self._fulfill(intent, intent_def)
            return
        slot = self._next_slot(intent, intent_def)
        if slot is not None:
            self._elicit_slot(intent, slot, messages=None)
            return
        confirmation = intent_def.confirmation
        if confirmation is not None and confirmation.active and intent.get("confirmationState", "None") == "None":
            self._confirm(intent, intent_def, messages=None)
            return
        if intent.get("confirmationState") == "Denied":
            self._decline(intent, intent_def)
            return
        self._fulfill(intent, intent_def)

    def _elicit_slot(self, intent: LexIntent, slot: Slot, *, messages: list[LexMessage] | None, silent: bool = False) -> None:
        self.turn.session.attempt = 0
        intent["state"] = "InProgress"
        self.state["intent"] = intent
        self.state["dialogAction"] = {"type": "ElicitSlot", "slotToElicit": slot.name}
        self.turn.note("elicit-slot", slot=slot.name, attempt="Initial")
        if messages:
            self._add(messages)
        elif slot.prompt is not None and not silent:
            self._play_prompt(slot.prompt, intent, attempt=0)

    def _confirm(self, intent: LexIntent, intent_def: Intent, *, messages: list[LexMessage] | None, silent: bool = False) -> None:
        self.turn.session.attempt = 0
        intent["state"] = "InProgress"
        intent["confirmationState"] = "None"
        self.state["intent"] = intent
        self.state["dialogAction"] = {"type": "ConfirmIntent"}
        self.turn.note("confirm-intent")
        if messages:
            self._add(messages)
        elif intent_def.confirmation is not None and not silent:
            self._play_prompt(intent_def.confirmation.prompt, intent, attempt=0)

    def _decline(self, intent: LexIntent, intent_def: Intent, *, play: bool = True) -> None:
        intent["state"] = "Failed"
        self.state["intent"] = intent
        self.state["dialogAction"] = {"type": "Close"}
        self.turn.note("declined", intent=intent["name"])
        if play and intent_def.confirmation is not None and intent_def.confirmation.declination_response is not None:
            self._play_response(intent_def.confirmation.declination_response, intent)

    def _fulfill(self, intent: LexIntent, intent_def: Intent) -> None:
        self.state["intent"] = intent
        if intent_def.fulfillment_code_hook and _fulfillment_active(intent_def) and self._hooks_on():
            self.turn.note("fulfillment-code-hook", intent=intent["name"])
            try:
                response = self._invoke("FulfillmentCodeHook", intent, proposed=None, label=None)
            except DependencyFailedException as exc:
                kind = failure_kind(exc)
                if not has_response(intent_def, kind):
                    raise  # no configured branch: Lex answers DependencyFailed
                # A configured failure/timeout response takes the failed hook's place (new conversation flow).
                self.turn.note("fulfillment-failed", intent=intent["name"], response=kind, problem=str(exc)[:200])
                intent["state"] = "Failed"
                self.state["dialogAction"] = {"type": "Close"}
                self._play_extras_response(intent, intent_def.extras, "fulfillmentCodeHook", "postFulfillmentStatusSpecification", kind)
                self._after_status(intent, intent_def, "timeout" if kind == TIMEOUT else "failure")
                return
            self._apply_hook_response(response, source="FulfillmentCodeHook")
            return
        intent["state"] = "ReadyForFulfillment"
        self.state["dialogAction"] = {"type": "Close"}
        self.turn.note("ready-for-fulfillment", intent=intent["name"], reason="no fulfillment code hook")
        if _fulfillment_active(intent_def) and has_response(intent_def, SUCCESS):
            # A disabled hook succeeds without the Lambda, and the success response plays (fact sheet 3.2 step 6).
            self._play_extras_response(intent, intent_def.extras, "fulfillmentCodeHook", "postFulfillmentStatusSpecification", SUCCESS)
        if not (_fulfillment_active(intent_def) and self._after_status(intent, intent_def, "success")):
            self._close_with_closing_response(intent, intent_def)

    def _close_with_closing_response(self, intent: LexIntent, intent_def: Intent) -> None:
        if intent_def.closing_active and intent_def.closing_response is not None:
            self._play_response(intent_def.closing_response, intent)
        if intent_def.closing_active:
            closing = _setting(intent_def.extras, "intentClosingSetting")
            self._follow(intent, intent_def, closing, "conditional", "nextStep", where="intentClosingSetting", closing=True)

    def _fallback(self) -> None:
        name = fallback_name(self.locale)
        fallback_def = find_intent(self.locale, name)
        intent = new_intent(fallback_def, name)
        intent["slots"] = {}
        self.state["intent"] = intent
        if fallback_def is None:
            intent["state"] = "ReadyForFulfillment"
            self.state["dialogAction"] = {"type": "Close"}
            return
        # FallbackIntent has an initial response and conditional branches like any intent (ReminderBot counts retries).
        self._play_extras_response(intent, fallback_def.extras, "initialResponseSetting", "initialResponse")
        initial = _setting(fallback_def.extras, "initialResponseSetting")
        if not self._follow(intent, fallback_def, initial, "conditional", "nextStep", where="fallback.initialResponseSetting"):
            self._fulfill(intent, fallback_def)

    def _elicit_intent(self) -> None:
        self.state["dialogAction"] = {"type": "ElicitIntent"}
        self.turn.note("elicit-intent")

    # ------------------------------------------------------------ explicit next steps (fact sheet 3.2)

    def _after_status(self, intent: LexIntent, intent_def: Intent, outcome: str) -> bool:
        """postFulfillmentStatusSpecification's success/failure/timeout next step, when set."""
        spec = _setting(intent_def.extras, "fulfillmentCodeHook", "postFulfillmentStatusSpecification")
        return self._follow(intent, intent_def, spec, f"{outcome}Conditional", f"{outcome}NextStep", where=f"postFulfillment.{outcome}")

    def _condition_context(self, intent: LexIntent) -> ConditionContext:
        return ConditionContext(
            slots=intent.get("slots") or {},
            session_attributes=self.state.get("sessionAttributes") or {},
            request_attributes=self.turn.request_attributes or {},
            input_transcript=self.turn.text,
        )

    def _follow(
        self,
        intent: LexIntent,
        intent_def: Intent,
        setting: dict[str, Any],
        cond_key: str,
        step_key: str,
        *,
        where: str,
        closing: bool = False,
    ) -> bool:
        """Run a setting's conditional branch or next step; False when it has none (Lex's default path)."""
        if not setting:
            return False
        choice = choose(setting.get(cond_key), setting.get(step_key), self._condition_context(intent))
        if choice is None:
            return False
        for problem in choice.problems:
            self.turn.note("condition-invalid", setting=where, problem=problem)
        kind = step_type(choice.step)
        self.turn.note("next-step", setting=where, branch=choice.branch, dialogAction=kind)
        if choice.response is not None:
            self._play_api_response(intent, choice.response, f"{where}.{choice.branch}")
        if choice.step is None or kind is None:
            return False
        if closing and kind in ("CloseIntent", "EndConversation"):
            return True  # already closing: nothing more to do
        self._run_step(intent, intent_def, choice.step)
        return True

    def _run_step(self, intent: LexIntent, intent_def: Intent, step: dict[str, Any]) -> None:
        """Perform one DialogState next step: set its values, then do its dialogAction."""
        self.turn.steps += 1
        if self.turn.steps > MAX_STEPS_PER_TURN:
            self.turn.note("step-limit", limit=MAX_STEPS_PER_TURN, reason="next steps chained in a cycle")
            self._elicit_intent()
            return
        attrs = step_session_attributes(step)
        if attrs:
            self.state["sessionAttributes"] = {**(self.state.get("sessionAttributes") or {}), **attrs}
        kind = step_type(step)
        action = step["dialogAction"]
        if kind == "StartIntent":
            name = (step.get("intent") or {}).get("name")
            target = find_intent(self.locale, name) if isinstance(name, str) else None
            if target is None or target.is_fallback:
                self._fallback()
                return
            slots = {n: scalar_slot(v, v, [v]) for n, v in step_slot_values(step).items() if target.slot(n) is not None}
            self._begin_intent(target, slots, score=None)
            return
        for name, value in step_slot_values(step).items():
            if intent_def.slot(name) is not None:
                intent["slots"][name] = scalar_slot(value, value, [value])
        suppress = action.get("suppressNextMessage") is True
        if kind == "ElicitIntent":
            self._elicit_intent()
        elif kind == "ElicitSlot":
            slot = intent_def.slot(str(action.get("slotToElicit") or ""))
            if slot is None:
                problem = f"slotToElicit {action.get('slotToElicit')!r} is not a slot of {intent_def.name}"
                self.turn.note("next-step-invalid", problem=problem)
                self._advance(intent, intent_def)
            else:
                intent["slots"][slot.name] = None  # Lex elicits it afresh
                self._elicit_slot(intent, slot, messages=None, silent=suppress)
        elif kind == "ConfirmIntent":
            self._confirm(intent, intent_def, messages=None, silent=suppress)
        elif kind == "InvokeDialogCodeHook" and intent_def.dialog_code_hook and self._hooks_on():
            self._dialog_hook(intent, intent_def, label=None)
        elif kind == "FulfillIntent":
            self._fulfill(intent, intent_def)
        elif kind == "CloseIntent":
            if intent.get("state") not in ("Failed", "ReadyForFulfillment"):
                intent["state"] = "Fulfilled"
            self.state["intent"] = intent
            self.state["dialogAction"] = {"type": "Close"}
            self._close_with_closing_response(intent, intent_def)
        elif kind == "EndConversation":
            self.state["intent"] = intent
            self.state["dialogAction"] = {"type": "Close"}
        else:  # EvaluateConditional with no conditional left to evaluate, or a hook that is off
            self._advance(intent, intent_def)

    def _play_api_response(self, intent: LexIntent, node: dict[str, Any], where: str) -> None:
        try:
            response = response_from_api(node, where)
        except ShapeError as exc:
            self.turn.note("response-unreadable", response=where, problem=str(exc))
            return
        self._play_response(response, intent)

    # ------------------------------------------------------------ code hooks

    def _hooks_on(self) -> bool:
        return self.turn.invoker is not None

    def _dialog_hook(
        self, intent: LexIntent, intent_def: Intent, *, label: str | None, retry_slot: Slot | None = None, attempt: str = "Initial"
    ) -> None:
        slot = retry_slot or self._next_slot(intent, intent_def)
        proposed: dict[str, Any] | None = None
        if slot is not None:
            # proposedNextState is only sent when Lex's own next step would be ElicitSlot.
            proposed = {
                "dialogAction": {"type": "ElicitSlot", "slotToElicit": slot.name},
                "intent": clone(intent),
                "prompt": {"attempt": attempt},
            }
        self.turn.note("dialog-code-hook", intent=intent["name"], proposedNextState=None if proposed is None else proposed["dialogAction"])
        self.state["intent"] = intent
        response = self._invoke("DialogCodeHook", intent, proposed=proposed, label=label)
        self._apply_hook_response(response, source="DialogCodeHook")

    def _invoke(self, source: str, intent: LexIntent, *, proposed: dict[str, Any] | None, label: str | None) -> dict[str, Any]:
        assert self.turn.invoker is not None
        session_state = {k: v for k, v in self.state.items() if k != "dialogAction"}
        session_state["intent"] = clone(intent)
        session_state.setdefault("sessionAttributes", {})
        event = build_event(
            invocation_source=source,
            session_id=self.turn.session.key.session_id,
            input_transcript=self.turn.text,
            bot=self.turn.bot,
            interpretations=interpretations_for(self.locale, self.turn.nlu, intent, captured=self.turn.captured),
            session_state=session_state,
            request_attributes=self.turn.request_attributes,
            proposed_next_state=proposed,
            invocation_label=label,
        )
        answer, logs = call_collecting_logs(self.turn.invoker, event)
        response = validate_response(_undecided_to_empty(answer), self.locale)
        action = response["sessionState"]["dialogAction"]
        call: dict[str, Any] = {
            "invocationSource": source,
            "dialogAction": action,
            "intent": (response["sessionState"].get("intent") or {}).get("name"),
        }
        if logs:
            call["logs"] = logs
        self.turn.hook_calls.append(call)
        return response

    def _apply_hook_response(self, response: dict[str, Any], *, source: str) -> None:
        """Follow the code hook's dialogAction (fact sheet 3.5)."""
        returned = response["sessionState"]
        if "sessionAttributes" in returned:
            self.state["sessionAttributes"] = dict(returned["sessionAttributes"])  # replaced wholesale
        if "activeContexts" in returned:
            self.state["activeContexts"] = clone(returned["activeContexts"])
        current = self.state.get("intent")
        if returned.get("intent") is not None:
            given = returned["intent"]
            intent_def = find_intent(self.locale, given["name"])
            intent: LexIntent = {
                "name": given["name"],
                "slots": slot_map(intent_def, given.get("slots")),
                "state": given.get("state") or "InProgress",
                "confirmationState": given.get("confirmationState") or "None",
            }
            if current is not None and current.get("name") != given["name"]:
                self.turn.note("code-hook-switched-intent", left=current.get("name"), to=given["name"])
        elif current is not None:
            intent, intent_def = current, find_intent(self.locale, current["name"])
        else:
            intent, intent_def = new_intent(None, fallback_name(self.locale)), fallback_intent(self.locale)
        self.state["intent"] = intent
        messages = [_clean_message(m) for m in response.get("messages") or []]
        action = returned["dialogAction"]
        kind = action["type"]
        self.turn.note("code-hook-answer", invocationSource=source, dialogAction=action)
        if kind == "Delegate":
            self._add(messages)
            if intent_def is None:
                self._elicit_intent()
            elif source == "FulfillmentCodeHook":
                self._after_fulfillment(intent, intent_def)
            else:
                self._advance(intent, intent_def)
        elif kind == "ElicitSlot":
            assert intent_def is not None  # validate_response checked the intent exists
            slot = intent_def.slot(action["slotToElicit"])
            assert slot is not None
            self._elicit_slot(intent, slot, messages=messages)
        elif kind == "ConfirmIntent":
            assert intent_def is not None
            self._confirm(intent, intent_def, messages=messages)
        elif kind == "ElicitIntent":
            self._add(messages)
            self._elicit_intent()
        else:  # Close
            self.state["dialogAction"] = {"type": "Close"}
            self._add(messages)
            if (
                not messages
                and intent_def is not None
                and source == "FulfillmentCodeHook"
                and intent.get("state") in ("Fulfilled", "Failed")
            ):
                self._play_post_fulfillment(intent, intent_def)
            elif not messages and intent_def is not None and intent.get("state") == "Fulfilled":
                self._close_with_closing_response(intent, intent_def)

    def _after_fulfillment(self, intent: LexIntent, intent_def: Intent) -> None:
        self.state["dialogAction"] = {"type": "Close"}
        if intent.get("state") != "Failed":
            intent["state"] = "Fulfilled"
        self._play_post_fulfillment(intent, intent_def)

    def _play_post_fulfillment(self, intent: LexIntent, intent_def: Intent) -> None:
        """postFulfillmentStatusSpecification's success or failure response, then (on success) the closing one."""
        failed = intent.get("state") == "Failed"
        key = "failureResponse" if failed else "successResponse"
        self._play_extras_response(intent, intent_def.extras, "fulfillmentCodeHook", "postFulfillmentStatusSpecification", key)
        if not self._after_status(intent, intent_def, "failure" if failed else "success") and not failed:
            self._close_with_closing_response(intent, intent_def)

    def _play_extras_response(self, intent: LexIntent, extras: dict[str, Any], *keys: str) -> None:
        """Play a Lex ResponseSpecification the definition keeps API-shaped in ``extras`` (when present)."""
        node: Any = extras
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return
        where = ".".join(keys)
        try:
            response = response_from_api(node, where)
        except ShapeError as exc:
            self.turn.note("response-unreadable", response=where, problem=str(exc))
            return
        self.turn.note("response", response=where)
        self._play_response(response, intent)

    # ------------------------------------------------------------ messages

    def _seed_key(self) -> str:
        session = self.turn.session
        return f"{self.turn.message_seed}|{session.key.session_id}|{session.turn}|{len(self.turn.messages)}"

    def _play_prompt(self, prompt: PromptSpecification, intent: LexIntent, *, attempt: int) -> None:
        self._add(
            select_messages(
                prompt.message_groups,
                slots=intent.get("slots") or {},
                session_attributes=self.state.get("sessionAttributes") or {},
                seed_key=self._seed_key(),
                strategy=prompt.message_selection_strategy,
                attempt=attempt,
            )
        )

    def _play_response(self, response: ResponseSpecification, intent: LexIntent) -> None:
        self._add(
            select_messages(
                response.message_groups,
                slots=intent.get("slots") or {},
                session_attributes=self.state.get("sessionAttributes") or {},
                seed_key=self._seed_key(),
            )
        )

    def _add(self, messages: list[LexMessage]) -> None:
        room = MAX_MESSAGES - len(self.turn.messages)
        self.turn.messages.extend(messages[: max(room, 0)])


def _fulfillment_active(intent: Intent) -> bool:
    """``fulfillmentCodeHook.active`` (kept in extras): False turns the hook off without disabling it."""
    return (intent.extras.get("fulfillmentCodeHook") or {}).get("active") is not False


def _clean_message(message: dict[str, Any]) -> LexMessage:
    """A code hook's message with only the fields Lex returns (the schema has checked them)."""
    return {k: clone(v) for k, v in message.items() if k in ("contentType", "content", "imageResponseCard")}


def _setting(extras: Any, *keys: str) -> dict[str, Any]:
    """A nested API-shaped setting from ``extras`` ({} when absent or not an object)."""
    node: Any = extras
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else {}


def _label(hook: dict[str, Any]) -> str | None:
    label = hook.get("invocationLabel")
    return label if isinstance(label, str) and label else None


def _undecided_to_empty(answer: Any) -> Any:
    """A hook's answer with ambiguous values it sent back undecided (interpretedValue null) as empty slots.

    Lex hands the hook an ambiguous value with interpretedValue null; a hook that delegates
    without choosing leaves it so, and the slot is elicited again rather than the answer refused.
    """
    slots = ((answer.get("sessionState") or {}).get("intent") or {}).get("slots") if isinstance(answer, dict) else None
    if not isinstance(slots, dict):
        return answer
    undecided = [
        name
        for name, slot in slots.items()
        if isinstance(slot, dict)
        and not slot.get("values")
        and isinstance(slot.get("value"), dict)
        and "interpretedValue" in slot["value"]
        and slot["value"]["interpretedValue"] is None
        and slot["value"].get("resolvedValues")
    ]
    if not undecided:
        return answer
    out = clone(answer)
    for name in undecided:
        out["sessionState"]["intent"]["slots"][name] = None
    return out
