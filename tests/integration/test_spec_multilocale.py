"""One spec, two locales: the same intents carry en_US and es_ES text, and every layer honours both."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot_spec.formats import cloudformation, lexjson
from bot_spec.formats.yaml_spec import load_spec
from bot_spec.lint import lint_spec
from runtime.lex.engine import local_runtime_for
from tests.english_seed import english_only

SPANISH = {
    "Greeting.yaml": {
        "utterances": ["hola", "buenos días", "buenas tardes", "buenas noches", "hola bot", "qué tal"],
        "replies": {"greeting": "¡Buenos días{% if customer %}, {{ customer }}{% endif %}! ¿En qué puedo ayudarte?"},
    },
    "Help.yaml": {
        "utterances": ["ayuda", "necesito ayuda", "qué puedes hacer", "cómo funciona esto", "ayúdame"],
        "replies": {"help": "Puedo ayudarte con: estado del pedido, información de la cuenta y seguimiento de entregas."},
    },
    "Status.yaml": {
        "utterances": ["consultar mi estado", "estado", "dónde está mi {StatusType}", "estado de mi {StatusType}"],
        "replies": {
            "order": "Tu último pedido #12345 se está procesando y se enviará pronto.",
            "account": "Tu cuenta está activa y al corriente.",
            "delivery": "Tu entrega está prevista para mañana entre las 2 y las 4 de la tarde.",
        },
    },
}


@pytest.fixture()
def bilingual_bot(tmp_path: Path, seed_bot_dir: Path) -> Path:
    """The seed bot with an es_ES locale added to every file, as an author would write it."""
    bot_dir = tmp_path / "chatbot"
    shutil.copytree(seed_bot_dir, bot_dir)
    english_only(bot_dir)  # the seed bot has its own es_ES now; this test writes its own from English

    def edit(rel: str, change: object) -> None:
        path = bot_dir / rel
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        change(doc)  # type: ignore[operator]
        path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")

    edit(
        "bot.yaml",
        lambda d: d["locales"].update(
            {
                "es_ES": {
                    "confidence_threshold": 0.4,
                    "voice": {"id": "Lucia"},
                    "code_hook": {"python": "fulfillment.seed_handlers:seed_hook"},
                }
            }
        ),
    )
    for name, text in SPANISH.items():

        def add(doc: dict, text: dict = text) -> None:  # type: ignore[type-arg]
            doc["utterances"]["es_ES"] = text["utterances"]
            doc["replies"]["es_ES"] = text["replies"]
            for slot in doc.get("slots", []):
                slot["prompt"]["es_ES"] = [
                    "¿Qué estado quieres consultar?",
                    {
                        "card": {
                            "title": "Elige",
                            "buttons": [
                                {"text": "Pedido", "value": "order"},
                                {"text": "Cuenta", "value": "account"},
                                {"text": "Entrega", "value": "delivery"},
                            ],
                        }
                    },
                ]
                slot["sample_utterances"]["es_ES"] = ["{StatusType}", "mi {StatusType}"]

        edit(f"intents/{name}", add)
    edit("intents/FallbackIntent.yaml", lambda d: d["closing"].update({"es_ES": "Lo siento, no te he entendido."}))

    def values(doc: dict) -> None:  # type: ignore[type-arg]
        doc["values"] = {
            "en_US": doc["values"]["en_US"],  # the seed's values are per locale
            "es_ES": [
                {"value": "order", "synonyms": ["pedido", "compra"]},
                {"value": "account", "synonyms": ["cuenta", "perfil"]},
                {"value": "delivery", "synonyms": ["entrega", "envío", "paquete"]},
            ],
        }

    edit("slot_types/StatusTypes.yaml", values)
    return bot_dir


def test_both_locales_load_with_their_own_text(bilingual_bot: Path) -> None:
    defn = load_spec(bilingual_bot)
    assert [loc.locale_id for loc in defn.locales] == ["en_US", "es_ES"]
    es = defn.locale("es_ES")
    assert es is not None and es.voice_settings is not None and es.voice_settings.voice_id == "Lucia"
    status = es.intent("Status")
    assert status is not None and "dónde está mi {StatusType}" in status.sample_utterances
    assert status.slots[0].prompt is not None
    assert status.slots[0].prompt.message_groups[0].message.plain_text == "¿Qué estado quieres consultar?"
    slot_type = es.slot_type("StatusTypes")
    assert slot_type is not None and slot_type.values[0].synonyms == ["pedido", "compra"]
    en = defn.locale("en_US")
    assert en is not None and en.intent("Status") is not None
    assert "dónde está mi {StatusType}" not in en.intent("Status").sample_utterances  # type: ignore[union-attr]


def test_the_bilingual_spec_lints_without_errors(bilingual_bot: Path) -> None:
    errors = [d for d in lint_spec(load_spec(bilingual_bot)) if d.severity == "error"]
    assert errors == []


def test_the_bilingual_bot_round_trips_through_cloudformation_and_lexjson(bilingual_bot: Path, tmp_path: Path) -> None:
    defn = load_spec(bilingual_bot).without_replies()
    (from_cfn,) = cloudformation.from_template(cloudformation.to_template(defn))
    assert from_cfn.without_replies() == defn
    zip_path = tmp_path / "bot.zip"
    lexjson.write_zip(defn, zip_path)
    assert lexjson.read(zip_path).without_replies() == defn


def test_the_engine_answers_each_locale_in_its_own_language(bilingual_bot: Path) -> None:
    runtime, deployment = local_runtime_for(bilingual_bot)
    ids = {"botId": deployment.bot_id, "botAliasId": deployment.alias_id}
    es = runtime.recognize_text(**ids, localeId="es_ES", sessionId="es-1", text="dónde está mi pedido")
    assert es["sessionState"]["intent"]["name"] == "Status"
    assert es["sessionState"]["intent"]["slots"]["StatusType"]["value"]["interpretedValue"] == "order"
    assert es["messages"][0]["content"] == "Tu último pedido #12345 se está procesando y se enviará pronto."
    en = runtime.recognize_text(**ids, localeId="en_US", sessionId="en-1", text="where is my order")
    assert en["messages"][0]["content"] == "Your last order #12345 is being processed and will be shipped soon."
    asked = runtime.recognize_text(**ids, localeId="es_ES", sessionId="es-2", text="consultar mi estado")
    assert asked["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "StatusType"}
    assert asked["messages"][0]["content"] == "¿Qué estado quieres consultar?"


def test_the_seed_bot_itself_speaks_spanish(bilingual_seed_dir: Path, tmp_path: Path) -> None:
    defn = load_spec(bilingual_seed_dir)
    assert [loc.locale_id for loc in defn.locales] == ["en_US", "es_ES"]
    assert lint_spec(defn) == []
    es = defn.locale("es_ES")
    assert es is not None
    for intent in es.intents:
        assert intent.is_fallback or intent.sample_utterances, intent.name
    (from_cfn,) = cloudformation.from_template(cloudformation.to_template(defn.without_replies()))
    assert from_cfn.without_replies() == defn.without_replies()
    runtime, deployment = local_runtime_for(bilingual_seed_dir)
    ids = {"botId": deployment.bot_id, "botAliasId": deployment.alias_id, "localeId": "es_ES"}
    asked = runtime.recognize_text(**ids, sessionId="seed-es", text="quiero saber el estado")
    assert asked["messages"][1]["imageResponseCard"]["buttons"][2] == {"text": "Entrega", "value": "delivery"}
    done = runtime.recognize_text(**ids, sessionId="seed-es", text="paquete")
    assert done["messages"][0]["content"] == "Tu entrega está prevista para mañana entre las 2 y las 4 de la tarde."
