"""The bot's opening (runtime/chat/opening.py) read from a bot definition: the Greeting intent and the others' utterances."""

from __future__ import annotations

from bot_spec.definition import BotDefinition, Intent
from runtime.chat.bot_participant import BotLocale
from runtime.chat.opening import SUGGESTIONS_TITLE, Opening, Suggestion

GREETING_INTENT = "Greeting"
FALLBACK_PARENT = "AMAZON.FallbackIntent"
MAX_SUGGESTIONS = 4
# The suggestions card's title by language (the locale id's first part); others get the English one.
SUGGESTIONS_TITLES = {"es": "Prueba a preguntar:"}


def _plain(utterance: str) -> bool:
    return "{" not in utterance and bool(utterance.strip())


def _first_plain(intent: Intent) -> str | None:
    return next((u.strip() for u in intent.sample_utterances if _plain(u)), None)


def opening_from_definition(definition: BotDefinition, locale_id: str) -> Opening | None:
    """The opening of `locale_id`, or None when the bot has no Greeting intent with a plain sample utterance."""
    locale = next((loc for loc in definition.locales if loc.locale_id == locale_id), None)
    if locale is None:
        return None
    greeting = next((i for i in locale.intents if i.name == GREETING_INTENT), None)
    utterance = _first_plain(greeting) if greeting is not None else None
    if utterance is None:
        return None
    suggestions: list[Suggestion] = []
    for intent in locale.intents:
        if intent.name == GREETING_INTENT or intent.parent_intent_signature == FALLBACK_PARENT:
            continue
        first = _first_plain(intent)
        if first is not None and len(suggestions) < MAX_SUGGESTIONS:
            suggestions.append(Suggestion(text=first[:1].upper() + first[1:], value=first))
    title = SUGGESTIONS_TITLES.get(locale_id.split("_")[0], SUGGESTIONS_TITLE)
    return Opening(greeting_utterance=utterance, suggestions=tuple(suggestions), title=title)


def openings_from_definition(definition: BotDefinition) -> dict[str, Opening]:
    """Every locale's opening, for the locales that have one."""
    openings = {loc.locale_id: opening_from_definition(definition, loc.locale_id) for loc in definition.locales}
    return {locale_id: opening for locale_id, opening in openings.items() if opening is not None}


def locales_from_definition(definition: BotDefinition) -> tuple[BotLocale, ...]:
    """The bot's locales, named by their description (the id when there is none), in id order."""
    ordered = sorted(definition.locales, key=lambda loc: loc.locale_id)
    return tuple(BotLocale(loc.locale_id, loc.description or loc.locale_id) for loc in ordered)
