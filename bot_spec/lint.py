"""Semantic checks of a bot definition beyond the schema: duplicates, references, Lex quotas.

``lint_spec`` works on any definition (from YAML, CloudFormation or an export zip); given
the ``SpecDocuments`` it was read from, every diagnostic also carries file, line and
column. ``LINT_CODES`` lists every code with its severity; docs/spec-format.md explains them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from bot_spec.definition import BotDefinition, BotLocale, Intent, MessageGroup, PromptSpecification, Slot, SlotType
from bot_spec.diagnostics import Diagnostic, Severity
from bot_spec.engine_fidelity import engine_reads_builtin, engine_reads_locale
from bot_spec.lex_vocabulary import (
    BUILTIN_INTENTS,
    BUILTIN_SLOT_TYPES,
    FREE_FORM_INPUT,
    LARGE_LOCALES,
    MAX_BUTTONS,
    MAX_INTENTS,
    MAX_MESSAGE_CHARS,
    MAX_MESSAGE_GROUPS,
    MAX_SLOT_SAMPLE_UTTERANCES,
    MAX_SLOT_TYPES,
    MAX_SLOTS_PER_INTENT,
    MAX_UTTERANCE_CHARS,
    MAX_UTTERANCES_PER_INTENT,
    MAX_VALUE_CHARS,
    MAX_VALUES_AND_SYNONYMS,
    MAX_VARIATIONS,
    is_lex_name,
)
from bot_spec.schema import DocumentKind
from bot_spec.schema.messages import JsonPath, dotted, suggest
from bot_spec.spec_source import SpecDocuments

# code -> (severity, what it means). Kept in step with docs/spec-format.md.
LINT_CODES: dict[str, tuple[Severity, str]] = {
    "L101": ("error", "the same utterance in two intents"),
    "L102": ("error", "the same utterance twice in one intent"),
    "L103": ("warning", "nearly the same utterance in two intents"),
    "L104": ("error", "a {Slot} placeholder that names no slot of the intent"),
    "L105": ("warning", "a slot missing from slot_order"),
    "L106": ("error", "a slot_order entry that is not a slot of the intent"),
    "L107": ("error", "a slot type that is not defined"),
    "L108": ("warning", "a custom slot type no slot uses"),
    "L109": ("error", "a name that breaks Lex's naming rule"),
    "L110": ("warning", "a parent intent that is not a known built-in"),
    "L120": ("error", "an utterance longer than 500 characters"),
    "L121": ("error", "more than 1,500 utterances in one intent"),
    "L122": ("error", "more intents in a locale than Lex allows"),
    "L123": ("error", "more custom slot types in a locale than Lex allows"),
    "L124": ("error", "more than 10,000 values and synonyms in one slot type"),
    "L125": ("error", "a slot value or synonym longer than 140 characters"),
    "L126": ("error", "more than 10 sample utterances for one slot"),
    "L127": ("error", "max_retries outside 0-5"),
    "L128": ("error", "a confidence threshold outside 0-1"),
    "L129": ("error", "an idle session TTL outside 60-86400 seconds"),
    "L130": ("error", "more than 100 slots in one intent"),
    "L131": ("error", "messages outside Lex's limits (groups, variations, buttons, lengths)"),
    "L140": ("error", "a locale without a fallback intent"),
    "L141": ("error", "a fallback intent with utterances, slots or confirmation"),
    "L142": ("error", "more than one fallback intent in a locale"),
    "L143": ("error", "a TopResolution slot type without values"),
    "L150": ("warning", "an intent missing from some locales"),
    "L151": ("warning", "a slot missing from some locales of its intent"),
    "L152": ("warning", "an intent without utterances in a locale"),
    "L153": ("error", "a required slot without a prompt"),
    "L154": ("error", "a feature Lex offers only in some locales"),
    "L155": ("warning", "a locale or built-in slot type the local engine cannot run as Lex does"),
    "L160": ("error", "a reply template that is not valid Jinja2"),
    "L161": ("error", "an AMAZON.FreeFormInput slot in sample utterances"),
    "L170": ("warning", "intents call code hooks but the locale names no code_hook"),
    "L199": ("warning", "a check stopped early on a very large bot"),
}


# Near-duplicate detection: candidates share one of their two rarest (lightly stemmed)
# tokens; a candidate is reported when its token sets overlap NEAR_JACCARD, or its texts
# are NEAR_RATIO alike ("whats my credit score" / "what is my credit score").
BLOCKING_TOKENS = 2
MAX_BLOCK_SIZE = 300
NEAR_JACCARD = 0.8
NEAR_RATIO = 0.9
MIN_JACCARD_FOR_RATIO = 0.5
MAX_COMPARISONS = 1_000_000  # bounds the search on a huge bot (CLINC150 needs about 170,000)

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NOT_WORD = re.compile(r"[^\w\s{}]+")
_APOSTROPHES = re.compile(r"['’‘`]")


def normalise_utterance(text: str) -> str:
    """What Lex compares: case, punctuation and spacing ignored, every ``{Slot}`` alike."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _PLACEHOLDER.sub(" {} ", folded)
    folded = _APOSTROPHES.sub("", folded)
    return " ".join(_NOT_WORD.sub(" ", folded).split())


def _stem(token: str) -> str:
    # Crude on purpose: it only groups candidates; the similarity check decides.
    return token[:-1] if len(token) > 3 and token.endswith("s") else token


@dataclass(frozen=True)
class _Where:
    """A place in the spec: which document, and the path inside it."""

    kind: DocumentKind
    name: str | None
    path: JsonPath = ()


@dataclass
class _Utterance:
    intent: str
    index: int
    text: str
    key: str


class _Linter:
    def __init__(self, definition: BotDefinition, source: SpecDocuments | None) -> None:
        self.defn = definition
        self.source = source
        self.out: list[Diagnostic] = []
        self.jinja = SandboxedEnvironment()
        self.normalised: dict[str, list[_Utterance]] = {}  # locale -> its utterances, normalised once

    # -------------------------------------------------------------- output

    def emit(self, code: str, where: _Where, message: str, fix: str | None = None) -> None:
        severity = LINT_CODES[code][0]
        file: str | None = None
        line: int | None = None
        column: int | None = None
        if self.source is not None:
            file, line, column = self.source.locate(where.kind, where.name, where.path)
        label = {"bot": "bot.yaml", "intent": "intent", "slot_type": "slot type"}[where.kind]
        path = dotted(where.path) if where.path else None
        if where.kind != "bot" and path is not None:
            path = f"{label} {where.name}: {path}"
        self.out.append(Diagnostic(code=code, severity=severity, message=message, file=file, line=line, column=column, fix=fix, path=path))

    def _values_path(self, slot_type: str, locale: str, index: int) -> JsonPath:
        doc = None if self.source is None else self.source.document("slot_type", slot_type)
        if doc is not None and isinstance(doc.get("values"), dict):
            return ("values", locale, index)
        return ("values", index)

    # -------------------------------------------------------------- bot

    def run(self) -> list[Diagnostic]:
        self.check_bot()
        for loc in self.defn.locales:
            self.check_locale(loc)
        self.check_locale_coverage()
        self.out.sort(key=lambda d: (d.file or "", d.line or 0, d.column or 0, d.code))
        return self.out

    def check_bot(self) -> None:
        bot = _Where("bot", None, ("name",))
        if not is_lex_name(self.defn.name):
            self.emit("L109", bot, f"bot name `{self.defn.name}` breaks Lex's naming rule", _NAME_FIX)
        ttl = self.defn.idle_session_ttl_in_seconds
        if not 60 <= ttl <= 86400:
            self.emit(
                "L129",
                _Where("bot", None, ("idle_session_ttl",)),
                f"idle session TTL is {ttl} seconds; Lex allows 60-86400",
                "use a value from 60 to 86400",
            )

    def check_locale(self, loc: BotLocale) -> None:
        lid = loc.locale_id
        here = _Where("bot", None, ("locales", lid))
        if not 0 <= loc.nlu_intent_confidence_threshold <= 1:
            self.emit(
                "L128",
                _Where("bot", None, ("locales", lid, "confidence_threshold")),
                f"{lid}: confidence threshold {loc.nlu_intent_confidence_threshold} is outside 0-1",
                "use a value between 0 and 1 (0.40 is the console default)",
            )
        size = "large" if lid in LARGE_LOCALES else "other"
        if len(loc.intents) > MAX_INTENTS[size]:
            self.emit(
                "L122",
                here,
                f"{lid} has {len(loc.intents)} intents; Lex allows at most {MAX_INTENTS[size]} in {lid}",
                "merge similar intents or split the bot",
            )
        if len(loc.slot_types) > MAX_SLOT_TYPES[size]:
            self.emit(
                "L123",
                here,
                f"{lid} has {len(loc.slot_types)} custom slot types; Lex allows at most {MAX_SLOT_TYPES[size]} in {lid}",
                "reuse slot types across slots",
            )
        self.check_fallback(loc)
        self.check_code_hook(loc)
        if not engine_reads_locale(lid):
            self.emit(
                "L155",
                here,
                f"{lid}: the local engine reads numbers, dates, times and yes/no, and stems words, in English or Spanish only; "
                f"local runs (converse, test, evaluate) will not understand {lid} as Lex does",
                "test this locale against Lex itself (`--target aws`); the engine runs en_* and es_ES, es_US, es_419, es_MX",
            )
        for intent in loc.intents:
            self.check_intent(loc, intent)
        for slot_type in loc.slot_types:
            self.check_slot_type(loc, slot_type)
        self.check_slot_type_use(loc)
        self.check_duplicates(loc)
        self.check_near_duplicates(loc)

    def check_code_hook(self, loc: BotLocale) -> None:
        hooked = [i.name for i in loc.intents if i.dialog_code_hook or i.fulfillment_code_hook]
        if loc.code_hook is None and hooked:
            shown = ", ".join(hooked[:5]) + (" ..." if len(hooked) > 5 else "")
            self.emit(
                "L170",
                _Where("bot", None, ("locales", loc.locale_id)),
                f"{loc.locale_id}: {shown} call a code hook, but the locale names none; local runs use none",
                "add `code_hook:` under the locale (python: module:function, node: file.js, lambda: ARN, or none)",
            )

    def check_fallback(self, loc: BotLocale) -> None:
        fallbacks = [i for i in loc.intents if i.is_fallback]
        if not fallbacks:
            self.emit(
                "L140",
                _Where("bot", None, ("locales", loc.locale_id)),
                f"{loc.locale_id} has no fallback intent; Lex requires one (parent AMAZON.FallbackIntent)",
                "add intents/FallbackIntent.yaml with `parent: AMAZON.FallbackIntent` and a closing message",
            )
        for extra in fallbacks[1:]:
            self.emit(
                "L142",
                _Where("intent", extra.name, ("parent",)),
                f"{loc.locale_id} already has fallback intent {fallbacks[0].name}; {extra.name} is a second one",
                "keep one intent with `parent: AMAZON.FallbackIntent`",
            )
        for fallback in fallbacks:
            parts = [
                (fallback.sample_utterances, "utterances", ("utterances", loc.locale_id)),
                (fallback.slots, "slots", ("slots",)),
                (fallback.confirmation, "a confirmation", ("confirmation",)),
            ]
            for present, what, path in parts:
                if present:
                    self.emit(
                        "L141",
                        _Where("intent", fallback.name, path),
                        f"fallback intent {fallback.name} has {what} in {loc.locale_id}; Lex does not allow that",
                        f"remove the {what.removeprefix('a ')}; Lex chooses the fallback intent when nothing else matches",
                    )

    # -------------------------------------------------------------- intents

    def check_intent(self, loc: BotLocale, intent: Intent) -> None:
        lid = loc.locale_id
        name_at = _Where("intent", intent.name, ("name",))
        if not is_lex_name(intent.name):
            self.emit("L109", name_at, f"intent name `{intent.name}` breaks Lex's naming rule", _NAME_FIX)
        parent = intent.parent_intent_signature
        if parent is not None and parent not in BUILTIN_INTENTS:
            guess = suggest(parent, BUILTIN_INTENTS)
            self.emit(
                "L110",
                _Where("intent", intent.name, ("parent",)),
                f"parent `{parent}` of intent {intent.name} is not a built-in intent chat-lex knows"
                + (f"; did you mean `{guess}`?" if guess else ""),
                f"write `{guess}`" if guess else "check the built-in intent's name in the Lex documentation",
            )
        utter_at = ("utterances", lid)
        if len(intent.sample_utterances) > MAX_UTTERANCES_PER_INTENT:
            self.emit(
                "L121",
                _Where("intent", intent.name, (*utter_at, MAX_UTTERANCES_PER_INTENT)),
                f"intent {intent.name} has {len(intent.sample_utterances)} utterances in {lid}; Lex allows {MAX_UTTERANCES_PER_INTENT}",
                "keep the most varied ones",
            )
        if not intent.sample_utterances and parent is None:
            self.emit(
                "L152",
                _Where("intent", intent.name, ("name",)),
                f"intent {intent.name} has no utterances in {lid}, so users cannot reach it by what they say",
                f"add `utterances: {{{lid}: [...]}}`",
            )
        slot_names = {s.name for s in intent.slots}
        free_form = {s.name for s in intent.slots if s.slot_type_name == FREE_FORM_INPUT}
        for index, text in enumerate(intent.sample_utterances):
            where = _Where("intent", intent.name, (*utter_at, index))
            self.check_utterance_text(intent, text, where, slot_names, free_form)
        if len(intent.slots) > MAX_SLOTS_PER_INTENT:
            self.emit(
                "L130",
                _Where("intent", intent.name, ("slots", MAX_SLOTS_PER_INTENT)),
                f"intent {intent.name} has {len(intent.slots)} slots; Lex allows {MAX_SLOTS_PER_INTENT}",
                "split the intent",
            )
        for index, slot in enumerate(intent.slots):
            self.check_slot(loc, intent, index, slot, slot_names, free_form)
        self.check_slot_order(intent, slot_names)
        self.check_messages_of_intent(loc, intent, slot_names)
        for reply_name, template in intent.replies.items():
            self.check_reply(intent, lid, reply_name, template)

    def check_utterance_text(self, intent: Intent, text: str, where: _Where, slot_names: set[str], free_form: set[str]) -> None:
        if len(text) > MAX_UTTERANCE_CHARS:
            self.emit(
                "L120",
                where,
                f"utterance of intent {intent.name} is {len(text)} characters; Lex allows {MAX_UTTERANCE_CHARS}",
                "shorten it",
            )
        for placeholder in _PLACEHOLDER.findall(text):
            if placeholder in free_form:
                self.emit(
                    "L161",
                    where,
                    f"`{{{placeholder}}}` is an AMAZON.FreeFormInput slot; Lex does not allow it in sample utterances",
                    "remove the placeholder; Lex fills a free-form slot only when it asks for it",
                )
            elif placeholder not in slot_names:
                self.emit("L104", where, *self._unknown_placeholder(intent, placeholder, slot_names))

    @staticmethod
    def _unknown_placeholder(intent: Intent, placeholder: str, slot_names: set[str]) -> tuple[str, str]:
        guess = suggest(placeholder, slot_names)
        message = f"`{{{placeholder}}}` names no slot of intent {intent.name}" + (f"; did you mean `{{{guess}}}`?" if guess else "")
        if guess:
            return message, f"write `{{{guess}}}`"
        if slot_names:
            return message, "use one of " + ", ".join(f"`{{{s}}}`" for s in sorted(slot_names)) + ", or add the slot"
        return message, "add the slot to the intent's `slots`, or remove the braces"

    def check_slot(self, loc: BotLocale, intent: Intent, index: int, slot: Slot, slot_names: set[str], free_form: set[str]) -> None:
        lid = loc.locale_id
        at = ("slots", index)
        if not is_lex_name(slot.name):
            self.emit("L109", _Where("intent", intent.name, (*at, "name")), f"slot name `{slot.name}` breaks Lex's naming rule", _NAME_FIX)
        type_at = _Where("intent", intent.name, (*at, "type"))
        type_name = slot.slot_type_name
        if type_name.startswith("AMAZON."):
            if type_name not in BUILTIN_SLOT_TYPES:
                guess = suggest(type_name, BUILTIN_SLOT_TYPES)
                self.emit(
                    "L107",
                    type_at,
                    f"slot {slot.name} of intent {intent.name} has type `{type_name}`, which is not a Lex built-in"
                    + (f"; did you mean `{guess}`?" if guess else ""),
                    f"write `{guess}`" if guess else "use a built-in type (see docs/spec-format.md) or a custom type",
                )
            elif type_name == "AMAZON.UKPostalCode" and lid != "en_GB":
                self.emit(
                    "L154", type_at, f"AMAZON.UKPostalCode exists only in en_GB, not in {lid}", "use AMAZON.AlphaNumeric with a regex"
                )
            elif engine_reads_locale(lid) and not engine_reads_builtin(lid, type_name):
                self.emit(
                    "L155",
                    type_at,
                    f"{lid}: slot {slot.name} of intent {intent.name} has type `{type_name}`, which the local engine reads in English only",
                    "test it against Lex itself (`--target aws`), or use a custom slot type with values in the locale's language",
                )
        elif loc.slot_type(type_name) is None:
            guess = suggest(type_name, [t.name for t in loc.slot_types])
            self.emit(
                "L107",
                type_at,
                f"slot {slot.name} of intent {intent.name} has type `{type_name}`, which {lid} does not define"
                + (f"; did you mean `{guess}`?" if guess else ""),
                f"write `{guess}`" if guess else f"add slot_types/{type_name}.yaml (or fix the name)",
            )
        if slot.allow_multiple_values and lid != "en_US":
            self.emit(
                "L154", _Where("intent", intent.name, (*at, "multiple_values")), f"multi-value slots exist only in en_US, not in {lid}"
            )
        if slot.required and slot.prompt is None:
            self.emit(
                "L153",
                _Where("intent", intent.name, at),
                f"slot {slot.name} of intent {intent.name} is required but has no prompt in {lid}",
                f"add `prompt: {{{lid}: ...}}` to the slot",
            )
        samples_at = (*at, "sample_utterances", lid)
        if len(slot.sample_utterances) > MAX_SLOT_SAMPLE_UTTERANCES:
            self.emit(
                "L126",
                _Where("intent", intent.name, (*samples_at, MAX_SLOT_SAMPLE_UTTERANCES)),
                f"slot {slot.name} has {len(slot.sample_utterances)} sample utterances in {lid}; Lex allows {MAX_SLOT_SAMPLE_UTTERANCES}",
                "keep the ten most typical",
            )
        for sample_index, text in enumerate(slot.sample_utterances):
            self.check_utterance_text(intent, text, _Where("intent", intent.name, (*samples_at, sample_index)), slot_names, free_form)
        if slot.prompt is not None:
            self.check_prompt(intent, slot.prompt, _Where("intent", intent.name, (*at, "prompt", lid)), slot_names)

    def check_slot_order(self, intent: Intent, slot_names: set[str]) -> None:
        for index, name in enumerate(intent.slot_priorities):
            if name not in slot_names:
                guess = suggest(name, slot_names)
                self.emit(
                    "L106",
                    _Where("intent", intent.name, ("slot_order", index)),
                    f"slot_order of intent {intent.name} names `{name}`, which is not one of its slots"
                    + (f"; did you mean `{guess}`?" if guess else ""),
                    f"write `{guess}`" if guess else "remove it from slot_order",
                )
        for index, slot in enumerate(intent.slots):
            if slot.name not in intent.slot_priorities:
                self.emit(
                    "L105",
                    _Where("intent", intent.name, ("slot_order",) if intent.slot_priorities else ("slots", index)),
                    f"slot {slot.name} of intent {intent.name} is missing from slot_order, so Lex asks for it last",
                    f"add `{slot.name}` to slot_order where it should be asked",
                )

    # -------------------------------------------------------------- messages

    def check_messages_of_intent(self, loc: BotLocale, intent: Intent, slot_names: set[str]) -> None:
        lid = loc.locale_id
        if intent.confirmation is not None:
            conf = intent.confirmation
            self.check_prompt(intent, conf.prompt, _Where("intent", intent.name, ("confirmation", "prompt", lid)), slot_names)
            for key, response in (("declination", conf.declination_response), ("confirmed", conf.confirmation_response)):
                if response is not None:
                    where = _Where("intent", intent.name, ("confirmation", key, lid))
                    self.check_groups(intent, response.message_groups, where, slot_names)
        if intent.closing_response is not None:
            self.check_groups(intent, intent.closing_response.message_groups, _Where("intent", intent.name, ("closing", lid)), slot_names)

    def check_prompt(self, intent: Intent, prompt: PromptSpecification, where: _Where, slot_names: set[str]) -> None:
        if not 0 <= prompt.max_retries <= 5:
            self.emit("L127", where, f"max_retries is {prompt.max_retries}; Lex allows 0-5", "use a value from 0 to 5")
        self.check_groups(intent, prompt.message_groups, where, slot_names)

    def check_groups(self, intent: Intent, groups: list[MessageGroup], where: _Where, slot_names: set[str]) -> None:
        if not 1 <= len(groups) <= MAX_MESSAGE_GROUPS:
            self.emit("L131", where, f"{len(groups)} message groups; Lex allows 1-{MAX_MESSAGE_GROUPS}", "keep 1 to 5 groups")
        for group in groups:
            if len(group.variations) > MAX_VARIATIONS:
                self.emit("L131", where, f"a message group has {len(group.variations)} variations; Lex allows {MAX_VARIATIONS}")
            for message in [group.message, *group.variations]:
                texts = [t for t in (message.plain_text, message.ssml) if t is not None]
                card = message.image_response_card
                if card is not None:
                    texts += [t for t in (card.title, card.subtitle) if t]
                    if len(card.buttons) > MAX_BUTTONS:
                        self.emit("L131", where, f"a card has {len(card.buttons)} buttons; Lex allows {MAX_BUTTONS}")
                for text in texts:
                    if len(text) > MAX_MESSAGE_CHARS:
                        self.emit("L131", where, f"a message is {len(text)} characters; Lex allows {MAX_MESSAGE_CHARS}", "shorten it")
                    for placeholder in _PLACEHOLDER.findall(text):
                        if placeholder not in slot_names:
                            self.emit("L104", where, *self._unknown_placeholder(intent, placeholder, slot_names))

    def check_reply(self, intent: Intent, lid: str, reply_name: str, template: str) -> None:
        try:
            self.jinja.parse(template)
        except RecursionError:  # Jinja's parser recurses per nesting level
            self.emit(
                "L160",
                _Where("intent", intent.name, ("replies", lid, reply_name)),
                f"reply `{reply_name}` of intent {intent.name} nests too deeply for Jinja2 to read",
                "flatten the template: fewer nested {% if %}/{% for %} blocks and parentheses",
            )
        except TemplateSyntaxError as exc:
            line_note = f" (template line {exc.lineno})" if template.count("\n") else ""
            self.emit(
                "L160",
                _Where("intent", intent.name, ("replies", lid, reply_name)),
                f"reply `{reply_name}` of intent {intent.name} is not a valid Jinja2 template: {exc.message}{line_note}",
                "close every {{ ... }} and {% ... %}, and end each {% if %} / {% for %} block",
            )

    # -------------------------------------------------------------- slot types

    def check_slot_type(self, loc: BotLocale, slot_type: SlotType) -> None:
        lid = loc.locale_id
        if not is_lex_name(slot_type.name):
            self.emit("L109", _Where("slot_type", slot_type.name, ("name",)), f"slot type name `{slot_type.name}` breaks Lex's naming rule")
        if slot_type.resolution_strategy == "TopResolution" and not slot_type.values:
            self.emit(
                "L143",
                _Where("slot_type", slot_type.name, ("resolution",)),
                f"slot type {slot_type.name} restricts values (TopResolution) but has none in {lid}, so no value can ever match",
                "add `values:`, or use `resolution: OriginalValue`",
            )
        total = sum(1 + len(v.synonyms) for v in slot_type.values)
        if total > MAX_VALUES_AND_SYNONYMS:
            self.emit(
                "L124",
                _Where("slot_type", slot_type.name, ("values",)),
                f"slot type {slot_type.name} has {total:,} values and synonyms in {lid}; Lex allows {MAX_VALUES_AND_SYNONYMS:,}",
                "split the type, or use OriginalValue with fewer samples",
            )
        for index, value in enumerate(slot_type.values):
            for text in [value.value, *value.synonyms]:
                if len(text) > MAX_VALUE_CHARS:
                    self.emit(
                        "L125",
                        _Where("slot_type", slot_type.name, self._values_path(slot_type.name, lid, index)),
                        f"value `{text[:40]}…` of slot type {slot_type.name} is {len(text)} characters; Lex allows {MAX_VALUE_CHARS}",
                        "shorten it",
                    )

    def check_slot_type_use(self, loc: BotLocale) -> None:
        used = {s.slot_type_name for i in loc.intents for s in i.slots}
        for slot_type in loc.slot_types:
            if slot_type.name not in used:
                self.emit(
                    "L108",
                    _Where("slot_type", slot_type.name, ("name",)),
                    f"slot type {slot_type.name} is not used by any slot in {loc.locale_id}",
                    "use it in a slot, or delete the file",
                )

    # -------------------------------------------------------------- duplicates

    def _utterances(self, loc: BotLocale) -> list[_Utterance]:
        if loc.locale_id not in self.normalised:
            self.normalised[loc.locale_id] = [
                _Utterance(intent.name, index, text, normalise_utterance(text))
                for intent in loc.intents
                for index, text in enumerate(intent.sample_utterances)
            ]
        return self.normalised[loc.locale_id]

    def check_duplicates(self, loc: BotLocale) -> None:
        lid = loc.locale_id
        first: dict[str, _Utterance] = {}
        for utt in self._utterances(loc):
            if not utt.key:
                continue
            earlier = first.get(utt.key)
            if earlier is None:
                first[utt.key] = utt
                continue
            where = _Where("intent", utt.intent, ("utterances", lid, utt.index))
            if earlier.intent == utt.intent:
                self.emit(
                    "L102",
                    where,
                    f"“{utt.text}” repeats utterance {earlier.index + 1} (“{earlier.text}”) of intent {utt.intent}",
                    "remove the repeat",
                )
            else:
                self.emit(
                    "L101",
                    where,
                    f"“{utt.text}” of intent {utt.intent} is also an utterance of intent {earlier.intent} (“{earlier.text}”); "
                    "Lex cannot tell the two intents apart by it",
                    f"keep it in only one of {earlier.intent} and {utt.intent}",
                )

    def check_near_duplicates(self, loc: BotLocale) -> None:
        lid = loc.locale_id
        unique: dict[str, _Utterance] = {}
        for utt in self._utterances(loc):
            if utt.key:
                unique.setdefault(utt.key, utt)
        records = list(unique.values())
        search = near_duplicate_pairs([(r.intent, r.key) for r in records], MAX_COMPARISONS)
        if not search.complete:
            self.emit(
                "L199",
                _Where("bot", None, ("locales", lid)),
                f"{lid} is so large that the near-duplicate check stopped after {MAX_COMPARISONS:,} comparisons; "
                "look-alike utterances beyond that are not reported",
                "split the bot, or review look-alikes with a smaller subset of intents",
            )
        for a, b, score in search.pairs:
            first, second = records[a], records[b]
            self.emit(
                "L103",
                _Where("intent", second.intent, ("utterances", lid, second.index)),
                f"“{second.text}” of intent {second.intent} is nearly the same as “{first.text}” of intent {first.intent} "
                f"(similarity {score:.2f}); Lex may confuse them",
                "reword one of them so that the intents differ, or move it to the intent it belongs to",
            )

    # -------------------------------------------------------------- locales

    def check_locale_coverage(self) -> None:
        if len(self.defn.locales) < 2:
            return
        all_ids = [loc.locale_id for loc in self.defn.locales]
        where_intent: dict[str, list[BotLocale]] = defaultdict(list)
        for loc in self.defn.locales:
            for intent in loc.intents:
                where_intent[intent.name].append(loc)
        for name, locs in where_intent.items():
            have = [loc.locale_id for loc in locs]
            missing = [lid for lid in all_ids if lid not in have]
            if missing:
                self.emit(
                    "L150",
                    _Where("intent", name, ("name",)),
                    f"intent {name} exists in {', '.join(have)} but not in {', '.join(missing)}",
                    "add the missing locales' utterances, or list the intent's `locales:` on purpose",
                )
            slot_sets = {loc.locale_id: {s.name for s in found.slots} for loc in locs if (found := loc.intent(name)) is not None}
            every = set().union(*slot_sets.values())
            for slot_name in sorted(every):
                lacking = [lid for lid, names in slot_sets.items() if slot_name not in names]
                if lacking:
                    self.emit(
                        "L151",
                        _Where("intent", name, ("slots",)),
                        f"slot {slot_name} of intent {name} is missing in {', '.join(lacking)}",
                        "give the intent the same slots in every locale",
                    )


_NAME_FIX = "use letters and digits, optionally separated by single `_` or `-`, at most 100 characters"


@dataclass
class NearDuplicates:
    """What the near-duplicate search found, and whether it finished within its budget."""

    pairs: list[tuple[int, int, float]]  # (i, j, similarity), i < j, sorted by j
    complete: bool


def near_duplicate_pairs(records: list[tuple[str, str]], max_comparisons: int = 1_000_000) -> NearDuplicates:
    """Pairs of near-identical texts from different groups.

    ``records`` are ``(group, normalised text)`` with distinct texts. No all-pairs
    comparison: texts are blocked on their BLOCKING_TOKENS rarest (stemmed) tokens, and
    only texts of different groups that share a block are compared. Each ``j`` comes
    once, with the first near neighbour found, so a report stays readable. After
    ``max_comparisons`` the search stops and says so (``complete`` is False).
    """
    token_sets = [frozenset(_stem(t) for t in text.split()) for _, text in records]
    frequency = Counter(t for tokens in token_sets for t in tokens)
    sizes = [len(tokens) for tokens in token_sets]
    blocks: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, tokens in enumerate(token_sets):
        for token in sorted(tokens, key=lambda t: (frequency[t], t))[:BLOCKING_TOKENS]:
            if frequency[token] <= MAX_BLOCK_SIZE:  # a common word says nothing about closeness
                blocks[token][records[index][0]].append(index)
    checked: set[tuple[int, int]] = set()
    found: dict[int, tuple[int, float]] = {}
    for by_group in blocks.values():
        if len(checked) >= max_comparisons:
            break
        groups = list(by_group.values())
        for x, first_group in enumerate(groups):
            for second_group in groups[x + 1 :]:
                for a in first_group:
                    size_a = sizes[a]
                    for b in second_group:
                        size_b = sizes[b]
                        # No pair can reach MIN_JACCARD_FOR_RATIO when one set is much larger.
                        if size_a < MIN_JACCARD_FOR_RATIO * size_b or size_b < MIN_JACCARD_FOR_RATIO * size_a:
                            continue
                        pair = (a, b) if a < b else (b, a)
                        # A text already reported needs no second neighbour; in a cluster of
                        # look-alikes this keeps the work near-linear.
                        if pair[1] in found or pair in checked:
                            continue
                        checked.add(pair)
                        score = _similarity(token_sets[a], token_sets[b], records[a][1], records[b][1])
                        if score is not None:
                            found[pair[1]] = (pair[0], score)
    pairs = [(found[later][0], later, found[later][1]) for later in sorted(found)]
    return NearDuplicates(pairs=pairs, complete=len(checked) < max_comparisons)


def _similarity(a: frozenset[str], b: frozenset[str], text_a: str, text_b: str) -> float | None:
    common = len(a & b)
    jaccard = common / (len(a) + len(b) - common)
    if jaccard >= NEAR_JACCARD:
        return jaccard
    # Cheap bounds first: texts this alike share a good part of their words, and
    # SequenceMatcher's ratio cannot beat 2*shorter/(sum of lengths).
    if jaccard < MIN_JACCARD_FOR_RATIO:
        return None
    shorter, longer = sorted((len(text_a), len(text_b)))
    if 2 * shorter / (shorter + longer) < NEAR_RATIO:
        return None
    ratio = SequenceMatcher(None, text_a, text_b, autojunk=False).ratio()
    return ratio if ratio >= NEAR_RATIO else None


def lint_spec(definition: BotDefinition, source: SpecDocuments | None = None) -> list[Diagnostic]:
    """Every semantic problem of ``definition``; with ``source``, located at file:line:column."""
    return _Linter(definition, source).run()


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """Whether any diagnostic is an error (warnings alone do not fail a build)."""
    return any(d.severity == "error" for d in diagnostics)


def lint_codes_table() -> list[dict[str, Any]]:
    """``LINT_CODES`` as rows (code, severity, meaning), for docs and ``--format json``."""
    return [{"code": code, "severity": sev, "meaning": meaning} for code, (sev, meaning) in LINT_CODES.items()]
