"""Built-in intents (AMAZON.CancelIntent, HelpIntent, RepeatIntent, StartOverIntent, StopIntent).

A bot declares them with ``parentIntentSignature`` and usually no sample utterances: Lex
supplies its own. The engine gives each such intent a small set of the common phrasings
(from the Lex/Alexa built-in intent reference) so the NLU can rank it. Behaviour beyond
recognition is the intent's own settings, except RepeatIntent without a dialog code hook:
it replays the bot's last messages and leaves the dialog where it was.
"""

from __future__ import annotations

import dataclasses

from bot_spec.definition import BotLocale, Intent
from bot_spec.lex_vocabulary import REPEAT_INTENT

REPEAT = REPEAT_INTENT

BUILTIN_UTTERANCES: dict[str, tuple[str, ...]] = {
    "AMAZON.CancelIntent": ("cancel", "cancel that", "cancel it", "never mind", "nevermind", "forget it"),
    "AMAZON.HelpIntent": ("help", "help me", "what can you do", "what can i say", "i need some help"),
    REPEAT: ("repeat", "repeat that", "say that again", "can you repeat that", "come again", "what did you say", "pardon"),
    "AMAZON.StartOverIntent": ("start over", "restart", "start again", "begin again", "let's start over"),
    "AMAZON.StopIntent": ("stop", "quit", "exit", "stop it", "that's enough"),
}


def with_builtin_utterances(locale: BotLocale) -> BotLocale:
    """``locale`` with Lex's phrasings added to built-in intents that have no utterances of their own.

    The definition itself is not changed; a locale without such intents is returned as is.
    """
    if locale.locale_id.split("_")[0] != "en":
        return locale  # the phrasings are English; other languages keep what the bot says
    changed = False
    intents: list[Intent] = []
    for intent in locale.intents:
        phrases = BUILTIN_UTTERANCES.get(intent.parent_intent_signature or "")
        if phrases and not intent.sample_utterances:
            intent = dataclasses.replace(intent, sample_utterances=list(phrases))
            changed = True
        intents.append(intent)
    return dataclasses.replace(locale, intents=intents) if changed else locale


def is_repeat(intent: Intent) -> bool:
    """Whether ``intent`` is the locale's AMAZON.RepeatIntent."""
    return intent.parent_intent_signature == REPEAT
