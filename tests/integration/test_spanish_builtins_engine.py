"""An es_US bot on the local engine: Spanish dates, numbers and yes/no fill slots and answer the confirmation.

Before lang_es, "mañana", "el 12 de diciembre", "dos" and "sí" were not understood in es_US.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runtime.lex.clock import ManualClock
from runtime.lex.engine import local_runtime_for

BOT = {
    "bot.yaml": """
name: Reservas
idle_session_ttl: 300
child_directed: false
locales:
  es_US:
    confidence_threshold: 0.40
    code_hook: none
""",
    "intents/FallbackIntent.yaml": """
name: FallbackIntent
parent: AMAZON.FallbackIntent
closing:
  es_US: "Lo siento, no te he entendido."
""",
    "intents/Reservar.yaml": """
name: Reservar
utterances:
  es_US:
    - quiero reservar una mesa
    - reservar una mesa
    - reservar una mesa para {Personas}
    - reservar una mesa para {Fecha}
slots:
  - name: Fecha
    type: AMAZON.Date
    required: true
    prompt:
      es_US: ¿Para qué día?
  - name: Personas
    type: AMAZON.Number
    required: true
    prompt:
      es_US: ¿Para cuántas personas?
slot_order: [Fecha, Personas]
confirmation:
  prompt: {es_US: "¿Reservo para {Personas} personas el {Fecha}?"}
  declination: {es_US: "De acuerdo, no reservo nada."}
closing:
  es_US: "Hecho: mesa para {Personas} el {Fecha}."
""",
}


@pytest.fixture()
def runtime(tmp_path: Path) -> tuple[Any, dict[str, str]]:
    for rel, text in BOT.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip(), encoding="utf-8")
    runtime, deployment = local_runtime_for(tmp_path, clock=ManualClock(1_800_000_000.0))  # Friday 2027-01-15
    return runtime, {"botId": deployment.bot_id, "botAliasId": deployment.alias_id, "localeId": "es_US"}


def _say(rt: tuple[Any, dict[str, str]], session: str, text: str) -> dict[str, Any]:
    runtime, ids = rt
    answer: dict[str, Any] = runtime.recognize_text(**ids, sessionId=session, text=text)
    return answer


def _slot(answer: dict[str, Any], name: str) -> str | None:
    slot = answer["sessionState"]["intent"]["slots"].get(name)
    return None if slot is None else slot["value"]["interpretedValue"]


@pytest.mark.parametrize(
    ("fecha", "day", "personas", "count"),
    [
        ("mañana", "2027-01-16", "dos", "2"),
        ("el 12 de diciembre", "2027-12-12", "veintidós", "22"),
        ("el próximo lunes", "2027-01-18", "4", "4"),
    ],
)
def test_spanish_values_fill_the_slots_and_si_confirms(runtime: Any, fecha: str, day: str, personas: str, count: str) -> None:
    session = f"es-{count}"
    assert _say(runtime, session, "quiero reservar una mesa")["messages"][0]["content"] == "¿Para qué día?"
    asked = _say(runtime, session, fecha)
    assert _slot(asked, "Fecha") == day
    assert asked["messages"][0]["content"] == "¿Para cuántas personas?"
    confirm = _say(runtime, session, personas)
    assert _slot(confirm, "Personas") == count
    assert confirm["sessionState"]["dialogAction"]["type"] == "ConfirmIntent"
    done = _say(runtime, session, "sí")
    assert done["sessionState"]["intent"]["confirmationState"] == "Confirmed"
    assert done["sessionState"]["intent"]["state"] == "ReadyForFulfillment"  # no fulfillment code hook
    assert done["messages"][0]["content"] == f"Hecho: mesa para {count} el {day}."


def test_no_declines_and_a_slot_is_spotted_in_the_first_utterance(runtime: Any) -> None:
    first = _say(runtime, "es-no", "reservar una mesa para mañana")
    assert _slot(first, "Fecha") == "2027-01-16"
    _say(runtime, "es-no", "tres")
    declined = _say(runtime, "es-no", "no, gracias")
    assert declined["sessionState"]["intent"]["confirmationState"] == "Denied"
    assert declined["messages"][0]["content"] == "De acuerdo, no reservo nada."


def test_english_values_are_not_spanish(runtime: Any) -> None:
    _say(runtime, "es-en", "quiero reservar una mesa")
    again = _say(runtime, "es-en", "tomorrow")
    assert _slot(again, "Fecha") is None
    assert again["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Fecha"}
