"""The bot's opening (runtime/chat/opening.py) read from a bot definition: the Greeting intent and the others' utterances."""

from __future__ import annotations

from bot_spec.definition import BotDefinition, Intent
from runtime.chat.opening import Opening, Suggestion

GREETING_INTENT = "Greeting"
FALLBACK_PARENT = "AMAZON.FallbackIntent"
MAX_SUGGESTIONS = 4


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
    return Opening(greeting_utterance=utterance, suggestions=tuple(suggestions))
