"""The bot speaks first: what it says to a new user, taken from the bot definition (not from the UI).

The greeting is the Greeting intent's real reply (the bot is asked the intent's first sample utterance, so its code
hook renders the time of day and the name); the suggested prompts are the first plain sample utterance of each
other intent (the fallback has none), offered as card buttons that the user can press.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot_spec.definition import BotDefinition, Intent

GREETING_INTENT = "Greeting"
FALLBACK_PARENT = "AMAZON.FallbackIntent"
MAX_SUGGESTIONS = 4
SUGGESTIONS_TITLE = "Try asking:"


@dataclass(frozen=True)
class Suggestion:
    text: str  # the button's label
    value: str  # what the bot is asked


@dataclass(frozen=True)
class Opening:
    greeting_utterance: str
    suggestions: tuple[Suggestion, ...]

    def card(self) -> dict[str, object] | None:
        """The suggestions as a response card (the shape bot messages carry in `metadata.responseCard`)."""
        if not self.suggestions:
            return None
        buttons = [{"text": s.text, "value": s.value} for s in self.suggestions]
        return {"title": SUGGESTIONS_TITLE, "subtitle": None, "imageUrl": None, "buttons": buttons}


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
