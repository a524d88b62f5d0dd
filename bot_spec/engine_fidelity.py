"""Which locales and built-in slot types the local engine (runtime/lex) runs as Lex does.

Lint (L155) warns from these facts, so an author learns before a conversation test that the
local engine reads, say, de_DE dates in English. The engine's own tables are the truth:
tests/unit/test_engine_fidelity.py checks that these sets match them.
"""

from __future__ import annotations

# English locales: every built-in the engine knows, and its English stemmer.
ENGLISH_PREFIX = "en_"
# Spanish locales (runtime/lex/lang_es.py LOCALES): Spanish numbers, dates, times, yes/no and stemming.
SPANISH_LOCALES = frozenset({"es_ES", "es_US", "es_419", "es_MX"})
SPANISH_BUILTINS = frozenset({"AMAZON.Number", "AMAZON.Date", "AMAZON.Time", "AMAZON.Confirmation"})
# Values taken as typed, whatever the language (addresses, codes, names, free text).
LANGUAGE_NEUTRAL_BUILTINS = frozenset(
    {
        "AMAZON.AlphaNumeric", "AMAZON.EmailAddress", "AMAZON.PhoneNumber", "AMAZON.FreeFormInput", "AMAZON.City",
        "AMAZON.Country", "AMAZON.FirstName", "AMAZON.LastName", "AMAZON.State", "AMAZON.StreetName",
    }
)  # fmt: skip


def engine_reads_locale(locale_id: str) -> bool:
    """Whether the engine understands this locale's language (English or Spanish)."""
    return locale_id.startswith(ENGLISH_PREFIX) or locale_id in SPANISH_LOCALES


def engine_reads_builtin(locale_id: str, type_name: str) -> bool:
    """Whether the engine reads values of the built-in ``type_name`` in this locale as Lex would."""
    if locale_id.startswith(ENGLISH_PREFIX) or type_name in LANGUAGE_NEUTRAL_BUILTINS:
        return True
    return locale_id in SPANISH_LOCALES and type_name in SPANISH_BUILTINS
