"""The bot speaks first: what it says to a new user, taken from the bot definition (not from the UI).

The greeting is the Greeting intent's real reply (the bot is asked the intent's first sample utterance, so its code
hook renders the time of day and the name); the suggested prompts are the first plain sample utterance of each
other intent (the fallback has none), offered as card buttons that the user can press. runtime/web/bot_opening.py
reads them from the bot definition.
"""

from __future__ import annotations

from dataclasses import dataclass

SUGGESTIONS_TITLE = "Try asking:"


@dataclass(frozen=True)
class Suggestion:
    text: str  # the button's label
    value: str  # what the bot is asked


@dataclass(frozen=True)
class Opening:
    greeting_utterance: str
    suggestions: tuple[Suggestion, ...]
    title: str = SUGGESTIONS_TITLE  # the card's title, in the opening's language

    def card(self) -> dict[str, object] | None:
        """The suggestions as a response card (the shape bot messages carry in `metadata.responseCard`)."""
        if not self.suggestions:
            return None
        buttons = [{"text": s.text, "value": s.value} for s in self.suggestions]
        return {"title": self.title, "subtitle": None, "imageUrl": None, "buttons": buttons}
