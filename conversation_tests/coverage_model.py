"""What a bot offers to be tested (coverage items) and which scenario turns exercised each of them.

The items come from the bot definition (see docs/coverage.md for the exact list); each is
marked covered by reading the turns of passing scenarios. The pytest plugin (``coverage_plugin``)
feeds it; the report it builds (``tools.coverage.report``) is what ``chat-lex coverage`` reads back.
"""

from __future__ import annotations

import re

from bot_spec.definition import BotDefinition, BotLocale, ImageResponseCard, Intent, Message, MessageGroup, PromptSpecification
from conversation_tests.turns import ObservedTurn, collapse_whitespace
from tools.coverage.report import CoverageFileError, CoverageItem, CoverageReport, TargetCoverage

# ---------------------------------------------------------------- items from the definition


def _text_of(message: Message) -> str | None:
    return message.plain_text if message.plain_text is not None else message.ssml


def _group_messages(groups: list[MessageGroup]) -> list[Message]:
    out: list[Message] = []
    for group in groups:
        out.append(group.message)
        out.extend(group.variations)
    return out


def _prompt_items(intent: str, owner: str, prompt: PromptSpecification | None, kind: str) -> list[CoverageItem]:
    items: list[CoverageItem] = []
    for message in _group_messages(prompt.message_groups if prompt else []):
        card = message.image_response_card
        if card is not None:
            items.extend(_card_items(intent, owner, card))
        else:
            text = _text_of(message) or message.custom_payload or ""
            items.append(CoverageItem(f"{intent}/{kind}/{owner}/{text}", intent, kind, f"{owner}: {text}", detail=(text,)))
    return items


def _card_items(intent: str, owner: str, card: ImageResponseCard) -> list[CoverageItem]:
    items = [CoverageItem(f"{intent}/card/{owner}/{card.title}", intent, "card", f"{owner}: {card.title}", detail=(card.title,))]
    items.extend(
        CoverageItem(
            f"{intent}/button/{owner}/{card.title}/{b.text}",
            intent,
            "button",
            f"{owner}: {card.title} \u2192 {b.text}",
            detail=(card.title, b.text, b.value),
        )
        for b in card.buttons
    )
    return items


def intent_items(intent: Intent, locale: BotLocale) -> list[CoverageItem]:
    """Every coverage item of one intent (docs/coverage.md lists them)."""
    name = intent.name
    items = [CoverageItem(f"{name}/intent", name, "intent", "reached")]
    types = {t.name: t for t in locale.slot_types}
    for slot in intent.slots:
        items.append(CoverageItem(f"{name}/slot-elicited/{slot.name}", name, "slot-elicited", slot.name))
        items.append(CoverageItem(f"{name}/slot-filled/{slot.name}", name, "slot-filled", slot.name))
        items.extend(_prompt_items(name, slot.name, slot.prompt, "prompt"))
        if slot.prompt is not None and slot.prompt.max_retries > 0:
            items.append(CoverageItem(f"{name}/re-prompt/{slot.name}", name, "re-prompt", slot.name))
        if slot.prompt is not None:
            items.append(CoverageItem(f"{name}/retries-exhausted/{slot.name}", name, "retries-exhausted", slot.name))
        slot_type = types.get(slot.slot_type_name)
        for value in slot_type.values if slot_type else []:
            items.append(CoverageItem(f"{name}/slot-value/{slot.name}/{value.value}", name, "slot-value", f"{slot.name} = {value.value}"))
            items.extend(
                CoverageItem(
                    f"{name}/synonym/{slot.name}/{value.value}/{s}",
                    name,
                    "synonym",
                    f"{slot.name}: {s} \u2192 {value.value}",
                    detail=(slot.name, value.value, s),
                )
                for s in value.synonyms
            )
    confirmation = intent.confirmation
    if confirmation is not None and confirmation.active:
        items.extend(_prompt_items(name, "confirmation", confirmation.prompt, "confirmation-prompt"))
        items.append(CoverageItem(f"{name}/confirmation-accepted", name, "confirmation-accepted", "accepted"))
        items.append(CoverageItem(f"{name}/confirmation-declined", name, "confirmation-declined", "declined"))
    if intent.dialog_code_hook:
        items.append(CoverageItem(f"{name}/code-hook/DialogCodeHook", name, "code-hook", "DialogCodeHook"))
    if intent.fulfillment_code_hook:
        items.append(CoverageItem(f"{name}/code-hook/FulfillmentCodeHook", name, "code-hook", "FulfillmentCodeHook"))
    if intent.closing_response is not None and intent.closing_active:
        for message in _group_messages(intent.closing_response.message_groups):
            if message.image_response_card is not None:
                items.extend(_card_items(name, "closing", message.image_response_card))
            else:
                text = _text_of(message) or message.custom_payload or ""
                items.append(CoverageItem(f"{name}/closing/{text}", name, "closing", text, detail=(text,)))
    for key in sorted(intent.replies):
        items.append(CoverageItem(f"{name}/reply/{key}", name, "reply", key))
    return items


def pick_locale(definition: BotDefinition, locale_id: str | None) -> BotLocale:
    """The locale the tests ran in (the first one when unnamed or absent)."""
    if not definition.locales:
        raise CoverageFileError(f"bot {definition.name} has no locale")
    return (definition.locale(locale_id) if locale_id else None) or definition.locales[0]


# ---------------------------------------------------------------- marking turns


_JINJA_TOKEN = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.S)
_SLOT_REFERENCE = re.compile(r"(\{[A-Za-z][A-Za-z0-9_]*\})")


def _literal(text: str) -> str:
    # Whitespace runs count as one space, as ``the bot says`` compares (the shown text is collapsed too).
    return re.escape(re.sub(r"\s+", " ", text))


def template_regex(template: str) -> re.Pattern[str]:
    """A Jinja2 reply as a regex: literal text kept, each ``{{ }}`` matching anything, text inside ``{% %}`` blocks optional."""
    pattern = ""
    depth = 0
    for token in _JINJA_TOKEN.split(template.strip()):
        if token.startswith("{{"):
            pattern += ".*?"
        elif token.startswith("{#"):
            continue
        elif token.startswith("{%"):
            word = token[2:-2].strip("-+ \t\n").split(" ", 1)[0]
            if word.startswith("end"):
                depth = max(0, depth - 1)
            elif word in ("if", "for", "macro", "call", "filter", "with", "block", "raw"):
                depth += 1
        elif token:
            literal = _literal(token)
            pattern += f"(?:{literal})?" if depth else literal
    return re.compile("^" + pattern + "$", re.S)


def prompt_regex(text: str) -> re.Pattern[str]:
    """A prompt as a regex: the ``{Slot}`` references Lex fills in match any text."""
    parts = _SLOT_REFERENCE.split(collapse_whitespace(text))
    return re.compile("^" + "".join(".+?" if _SLOT_REFERENCE.fullmatch(p) else _literal(p) for p in parts) + "$", re.S)


def _original_values(turn: ObservedTurn) -> dict[str, str]:
    """The originalValue of each filled slot, when the raw Lex response is known."""
    response = turn.response or {}
    slots = ((response.get("sessionState") or {}).get("intent") or {}).get("slots") or {}
    out: dict[str, str] = {}
    for slot_name, slot in slots.items():
        value = (slot or {}).get("value") if isinstance(slot, dict) else None
        if isinstance(value, dict) and isinstance(value.get("originalValue"), str):
            out[slot_name] = value["originalValue"]
    return out


def _card_titles(turn: ObservedTurn) -> list[str]:
    """The titles of the cards a turn showed (its messages, when the raw response is unknown)."""
    if turn.response is None:
        return list(turn.messages) if turn.buttons else []
    messages = turn.response.get("messages") or []
    return [
        str((m.get("imageResponseCard") or {}).get("title", "")) for m in messages if isinstance(m, dict) and m.get("imageResponseCard")
    ]


def _contains_words(text: str, words: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(words.casefold()) + r"(?!\w)", text.casefold()) is not None


class Marker:
    """Marks the items of one bot from the turns of scenarios."""

    def __init__(self, definition: BotDefinition, locale_id: str | None) -> None:
        self.locale = pick_locale(definition, locale_id)
        self.intents = {i.name: i for i in self.locale.intents}
        self.items = [item for intent in self.locale.intents for item in intent_items(intent, self.locale)]
        self.by_id = {item.id: item for item in self.items}
        self.fallbacks = {i.name for i in self.locale.intents if i.parent_intent_signature == "AMAZON.FallbackIntent"}
        self.replies = {(i.name, key): template_regex(text) for i in self.locale.intents for key, text in i.replies.items()}

    def _hit(self, item_id: str, scenario: int) -> None:
        item = self.by_id.get(item_id)
        if item is not None and scenario not in item.covered_by:
            item.covered_by.append(scenario)

    def mark(self, scenario: int, turns: list[ObservedTurn]) -> None:
        """Mark what the scenario's turns exercised."""
        previous: ObservedTurn | None = None
        for turn in turns:
            if turn.note is not None and not turn.user_text:
                previous = None  # idle time or a clock change: what follows is no answer to the turn before
                continue
            if turn.error is not None:
                continue
            self._mark_turn(scenario, turn, previous)
            previous = turn

    def _mark_turn(self, scenario: int, turn: ObservedTurn, previous: ObservedTurn | None) -> None:
        name = turn.intent or ""
        intent = self.intents.get(name)
        if intent is None:
            return

        def hit(item_id: str) -> None:
            self._hit(item_id, scenario)

        hit(f"{name}/intent")
        # Lex answers with the fallback intent when an elicited slot's retries run out.
        if name in self.fallbacks and previous is not None and previous.dialog_action == "ElicitSlot" and previous.intent != name:
            hit(f"{previous.intent}/retries-exhausted/{previous.slot_to_elicit}")
        shown = [collapse_whitespace(m) for m in turn.messages]
        eliciting = turn.slot_to_elicit if turn.dialog_action == "ElicitSlot" else None
        if eliciting:
            hit(f"{name}/slot-elicited/{eliciting}")
            again = previous is not None and previous.intent == name and previous.dialog_action == "ElicitSlot"
            if again and previous is not None and previous.slot_to_elicit == eliciting:
                hit(f"{name}/re-prompt/{eliciting}")
        originals = _original_values(turn)
        for slot in intent.slots:
            value = turn.slots.get(slot.name)
            if value is None:
                continue
            hit(f"{name}/slot-filled/{slot.name}")
            hit(f"{name}/slot-value/{slot.name}/{value}")
            for item in self.items:
                if item.kind == "synonym" and item.intent == name and item.detail[:2] == (slot.name, value):
                    synonym = item.detail[2]
                    original = originals.get(slot.name)
                    if (original is not None and original.casefold() == synonym.casefold()) or (
                        original is None and _contains_words(turn.user_text, synonym)
                    ):
                        hit(item.id)
        for item in self.items:
            if item.intent != name:
                continue
            if (
                item.kind in ("prompt", "confirmation-prompt", "closing") and any(prompt_regex(item.detail[0]).match(t) for t in shown)
            ) or (item.kind == "card" and item.detail[0] in _card_titles(turn)):
                hit(item.id)
        if turn.confirmation_state == "Confirmed":
            hit(f"{name}/confirmation-accepted")
        elif turn.confirmation_state == "Denied":
            hit(f"{name}/confirmation-declined")
        # Lex does not report code-hook calls; the intent state shows which hook ran (docs/coverage.md).
        if intent.fulfillment_code_hook and turn.intent_state in ("Fulfilled", "Failed"):
            hit(f"{name}/code-hook/FulfillmentCodeHook")
        if intent.dialog_code_hook and turn.intent_state in ("InProgress", "ReadyForFulfillment", "Fulfilled", "Failed"):
            hit(f"{name}/code-hook/DialogCodeHook")
        for (owner, key), regex in self.replies.items():
            if owner == name and any(regex.match(text) for text in shown):
                hit(f"{name}/reply/{key}")
        self._mark_buttons(scenario, turn, previous)

    def _mark_buttons(self, scenario: int, turn: ObservedTurn, previous: ObservedTurn | None) -> None:
        # A button is pressed when the user sends its value right after the card offering it.
        if previous is None or not previous.buttons or previous.intent not in self.intents:
            return
        sent = turn.user_text.strip().casefold()
        for button in previous.buttons:
            if button.value.strip().casefold() != sent:
                continue
            titles = _card_titles(previous)
            for item in self.items:
                if item.kind == "button" and item.intent == previous.intent:
                    card_title, button_text, _ = item.detail
                    if card_title in titles and button_text == button.text:
                        self._hit(item.id, scenario)


def build_report(definition: BotDefinition, locale_id: str | None, runs: dict[str, list[tuple[str, list[ObservedTurn]]]]) -> CoverageReport:
    """The report of ``runs``: per target, each passing scenario's title and turns."""
    targets: dict[str, TargetCoverage] = {}
    locale = pick_locale(definition, locale_id)
    for target, scenarios in runs.items():
        marker = Marker(definition, locale.locale_id)
        for index, (_, turns) in enumerate(scenarios):
            marker.mark(index, turns)
        targets[target] = TargetCoverage([title for title, _ in scenarios], marker.items)
    return CoverageReport(definition.name, locale.locale_id, targets)
