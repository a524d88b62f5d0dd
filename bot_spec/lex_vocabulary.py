"""Lex V2's own vocabulary: its built-in slot types and intents, its naming rule and its quotas.

The one list each: lint, the local engine (runtime/lex) and the API plan import them from here,
so they cannot disagree about which built-ins exist. The slot types are those of the Lex V2
developer guide's "Built-in slot types" table; the Lex V1 names (``AMAZON.US_CITY``,
``AMAZON.US_FIRST_NAME``, ``AMAZON.Airport``, ...) are not V2 types and Lex V2 rejects them.
"""

from __future__ import annotations

from bot_spec.names import LEX_NAME, LEX_NAME_RULE, is_lex_name

__all__ = [
    "AMAZON_PREFIX",
    "BUILTIN_INTENTS",
    "BUILTIN_SLOT_TYPES",
    "CONFIRMATION",
    "FALLBACK_INTENT",
    "FREE_FORM_INPUT",
    "LARGE_LOCALES",
    "LEX_NAME",
    "LEX_NAME_RULE",
    "MAX_BUTTONS",
    "MAX_INTENTS",
    "MAX_MESSAGE_CHARS",
    "MAX_MESSAGE_GROUPS",
    "MAX_SLOTS_PER_INTENT",
    "MAX_SLOT_SAMPLE_UTTERANCES",
    "MAX_SLOT_TYPES",
    "MAX_UTTERANCES_PER_INTENT",
    "MAX_UTTERANCE_CHARS",
    "MAX_VALUES_AND_SYNONYMS",
    "MAX_VALUE_CHARS",
    "MAX_VARIATIONS",
    "REPEAT_INTENT",
    "is_builtin_name",
    "is_lex_name",
]

AMAZON_PREFIX = "AMAZON."
FREE_FORM_INPUT = "AMAZON.FreeFormInput"
CONFIRMATION = "AMAZON.Confirmation"
FALLBACK_INTENT = "AMAZON.FallbackIntent"
REPEAT_INTENT = "AMAZON.RepeatIntent"

BUILTIN_SLOT_TYPES = frozenset(
    f"{AMAZON_PREFIX}{n}"
    for n in (
        "AlphaNumeric",
        "City",
        "Confirmation",
        "Country",
        "Currency",
        "Date",
        "Duration",
        "EmailAddress",
        "FirstName",
        "FreeFormInput",
        "LastName",
        "Number",
        "Percentage",
        "PhoneNumber",
        "State",
        "StreetName",
        "Time",
        "UKPostalCode",
    )
)
BUILTIN_INTENTS = frozenset(
    f"{AMAZON_PREFIX}{n}"
    for n in (
        "FallbackIntent",
        "CancelIntent",
        "HelpIntent",
        "StopIntent",
        "RepeatIntent",
        "StartOverIntent",
        "PauseIntent",
        "ResumeIntent",
        "KendraSearchIntent",
        "QnAIntent",
        "BedrockAgentIntent",
        "QinConnectIntent",
    )
)

# Lex quotas (docs/lexv2-semantics.md, section 7).
MAX_UTTERANCE_CHARS = 500
MAX_UTTERANCES_PER_INTENT = 1500
MAX_SLOT_SAMPLE_UTTERANCES = 10
MAX_SLOTS_PER_INTENT = 100
MAX_VALUE_CHARS = 140
MAX_VALUES_AND_SYNONYMS = 10_000
LARGE_LOCALES = frozenset({"en_US", "en_GB", "en_AU"})
MAX_INTENTS = {"large": 1000, "other": 250}
MAX_SLOT_TYPES = {"large": 250, "other": 100}
MAX_MESSAGE_GROUPS = 5
MAX_VARIATIONS = 2
MAX_BUTTONS = 5
MAX_MESSAGE_CHARS = 1000


def is_builtin_name(name: str) -> bool:
    """Whether a slot type or intent name is in Lex's own namespace (``AMAZON.Date``), known or not."""
    return name.startswith(AMAZON_PREFIX)
