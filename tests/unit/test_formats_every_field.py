"""A bot using every typed field and some extras survives every Lex spoke and the YAML spec."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import ParamValidator

from bot_spec.definition import (
    FALLBACK_SIGNATURE,
    BotDefinition,
    BotLocale,
    Button,
    ImageResponseCard,
    Intent,
    IntentConfirmation,
    Message,
    MessageGroup,
    OutputContext,
    PromptSpecification,
    ResponseSpecification,
    Slot,
    SlotType,
    SlotTypeValue,
    VoiceSettings,
)
from bot_spec.formats import api_plan, cloudformation, lexjson, yaml_spec


def _prompt(text: str, **options: object) -> PromptSpecification:
    return PromptSpecification(message_groups=[MessageGroup(Message(plain_text=text))], **options)  # type: ignore[arg-type]


def every_field_bot() -> BotDefinition:
    card = ImageResponseCard(title="Pick", subtitle="one", image_url="https://example.com/p.png", buttons=[Button("Small", "small")])
    size = Slot(
        name="Size",
        slot_type_name="Sizes",
        description="How big",
        prompt=PromptSpecification(
            message_groups=[
                MessageGroup(Message(plain_text="Which size?"), variations=[Message(ssml="<speak>Size?</speak>")]),
                MessageGroup(Message(image_response_card=card)),
                MessageGroup(Message(custom_payload='{"kind": "size"}')),
            ],
            max_retries=4,
            allow_interrupt=False,
            message_selection_strategy="Ordered",
            extras={"promptAttemptsSpecification": {"Initial": {"allowedInputTypes": {"allowAudioInput": True, "allowDTMFInput": False}}}},
        ),
        sample_utterances=["{Size} please"],
        default_values=["[lastSize]", "medium"],
        allow_multiple_values=True,
        extras={"valueElicitationSetting": {"slotCaptureSetting": {"captureNextStep": {"dialogAction": {"type": "ConfirmIntent"}}}}},
    )
    card_number = Slot(
        name="Card", slot_type_name="AMAZON.AlphaNumeric", slot_constraint="Optional", prompt=_prompt("Card?"), obfuscate=True
    )
    order = Intent(
        name="Order",
        description="Orders a pizza",
        sample_utterances=["order a {Size} pizza", "pizza"],
        slots=[size, card_number],
        slot_priorities=["Card", "Size"],
        dialog_code_hook=True,
        fulfillment_code_hook=True,
        confirmation=IntentConfirmation(
            prompt=_prompt("Order a {Size}?", max_retries=1),
            declination_response=ResponseSpecification([MessageGroup(Message(plain_text="Cancelled"))], allow_interrupt=True),
            confirmation_response=ResponseSpecification([MessageGroup(Message(plain_text="Great"))]),
            active=False,
            extras={"failureNextStep": {"dialogAction": {"type": "EndConversation"}}},
        ),
        closing_response=ResponseSpecification([MessageGroup(Message(plain_text="Ordered"))]),
        closing_active=False,
        input_contexts=["menu"],
        output_contexts=[OutputContext("ordered", 120, 3)],
        extras={
            "fulfillmentCodeHook": {
                "active": True,
                "postFulfillmentStatusSpecification": {"timeoutNextStep": {"dialogAction": {"type": "CloseIntent"}}},
            },
            "initialResponseSetting": {
                "nextStep": {"dialogAction": {"type": "ElicitSlot", "slotToElicit": "Size"}, "sessionAttributes": {"stage": "start"}},
            },
        },
    )
    fallback = Intent(
        name="FallbackIntent",
        parent_intent_signature=FALLBACK_SIGNATURE,
        closing_response=ResponseSpecification([MessageGroup(Message(plain_text="Sorry?"))]),
    )
    sizes = SlotType(
        name="Sizes",
        description="Pizza sizes",
        values=[SlotTypeValue("small", ["little"]), SlotTypeValue("large")],
        resolution_strategy="TopResolution",
        extras={"valueSelectionSetting": {"advancedRecognitionSetting": {"audioRecognitionStrategy": "UseSlotValuesAsCustomVocabulary"}}},
    )
    codes = SlotType(name="Codes", parent_slot_type_signature="AMAZON.AlphaNumeric", regex_filter="[A-Z]{3}")
    return BotDefinition(
        name="Pizza_Shop",
        idle_session_ttl_in_seconds=900,
        child_directed=True,
        description="Sells pizza",
        locales=[
            BotLocale(
                locale_id="en_US",
                nlu_intent_confidence_threshold=0.55,
                description="US",
                voice_settings=VoiceSettings("Joanna", "neural"),
                intents=[fallback, order],
                slot_types=[codes, sizes],
                extras={
                    "speechDetectionSensitivity": "HighNoiseTolerance",
                    "customVocabulary": {
                        "customVocabularyItems": [{"phrase": f"topping {n}", "weight": 2} for n in range(11)]
                        + [{"phrase": "calzone", "displayAs": "Calzone"}]
                    },
                },
            ),
            BotLocale(locale_id="de_DE", voice_settings=VoiceSettings("Vicki"), intents=[fallback]),
        ],
        tags={"team": "chat", "cost": "lex"},
        extras={"errorLogSettings": {"enabled": True}},
    )


@pytest.fixture
def bot() -> BotDefinition:
    return every_field_bot()


def test_cloudformation_round_trip(bot: BotDefinition) -> None:
    text = cloudformation.dump_template(cloudformation.to_template(bot))
    assert cloudformation.from_template(cloudformation.load_template(text)) == [bot]
    props = next(r for r in cloudformation.to_template(bot)["Resources"].values() if r["Type"] == "AWS::Lex::Bot")["Properties"]
    assert props["BotTags"] == [{"Key": "team", "Value": "chat"}, {"Key": "cost", "Value": "lex"}]
    assert props["ErrorLogSettings"] == {"Enabled": True}
    order = props["BotLocales"][0]["Intents"][1]
    assert order["InitialResponseSetting"]["NextStep"]["SessionAttributes"] == [{"Key": "stage", "Value": "start"}]
    assert order["SlotPriorities"] == [{"Priority": 1, "SlotName": "Card"}, {"Priority": 2, "SlotName": "Size"}]
    assert order["Slots"][1]["ObfuscationSetting"] == {"ObfuscationSettingType": "DefaultObfuscation"}
    assert props["BotLocales"][0]["CustomVocabulary"]["CustomVocabularyItems"][-1] == {"Phrase": "calzone", "DisplayAs": "Calzone"}


def test_template_passes_cfn_lint(bot: BotDefinition, tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text(cloudformation.dump_template(cloudformation.to_template(bot)), encoding="utf-8")
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    done = subprocess.run([str(cfn_lint), "--format", "json", str(path)], capture_output=True, text=True, timeout=120, check=False)
    assert [m for m in json.loads(done.stdout or "[]") if m["Level"] == "Error"] == []


def test_lexjson_round_trip(bot: BotDefinition) -> None:
    assert lexjson.read_bytes(lexjson.to_zip_bytes(bot)) == bot
    assert "Pizza_Shop/BotLocales/en_US/CustomVocabulary/CustomVocabulary.json" in lexjson.to_files(bot)


def test_yaml_spec_round_trip(bot: BotDefinition, tmp_path: Path) -> None:
    yaml_spec.write_spec(bot, tmp_path)
    back = yaml_spec.load_spec(tmp_path)
    for loc in bot.locales:  # the spec folder stores intents and slot types by file name
        loc.intents.sort(key=lambda i: i.name)
        loc.slot_types.sort(key=lambda t: t.name)
    assert back == bot


def test_api_plan_validates(bot: BotDefinition) -> None:
    model = botocore.session.get_session().get_service_model("lexv2-models")
    calls = api_plan.build_plan(bot, role_arn="arn:aws:iam::123456789012:role/R")
    ids = {p: f"ID{n:08d}" for n, p in enumerate(sorted(api_plan.placeholders([c.kwargs for c in calls])))}
    for call in calls:
        shape = model.operation_model("".join(p.capitalize() for p in call.operation.split("_"))).input_shape
        report = ParamValidator().validate(api_plan.substitute(call.kwargs, ids), shape)
        assert not report.has_errors(), report.generate_report()
    vocabulary = [c for c in calls if c.operation == "batch_create_custom_vocabulary_item"]
    assert [len(c.kwargs["customVocabularyItemList"]) for c in vocabulary] == [10, 2]
    assert "customVocabulary" not in calls[1].kwargs
    create_bot = calls[0].kwargs
    assert create_bot["botTags"] == {"team": "chat", "cost": "lex"} and create_bot["errorLogSettings"] == {"enabled": True}
