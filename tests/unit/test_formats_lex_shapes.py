"""Key spelling and shape conversion shared by the Lex spokes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.model import ListShape, MapShape, StructureShape

from bot_spec.definition import Intent, Message, MessageGroup, PromptSpecification, ResponseSpecification, Slot, SlotType, SlotTypeValue
from bot_spec.formats import lex_shapes
from bot_spec.formats.lex_shapes import ShapeError, input_shape, member_shape


def test_lower_camel_handles_acronym_runs() -> None:
    assert lex_shapes.lower_camel("DTMFSpecification") == "dtmfSpecification"
    assert lex_shapes.lower_camel("SSMLMessage") == "ssmlMessage"
    assert lex_shapes.lower_camel("IsActive") == "isActive"
    assert lex_shapes.lower_camel("already") == "already"


def test_normalize_reads_cfn_spelling_into_api_shape() -> None:
    cfn = {
        "IsActive": True,
        "EnableCodeHookInvocation": True,
        "PostCodeHookSpecification": {
            "SuccessNextStep": {
                "DialogAction": {"Type": "ElicitSlot", "SlotToElicit": "Size"},
                "SessionAttributes": [{"Key": "step", "Value": "2"}],
                "Intent": {
                    "Name": "Order",
                    "Slots": [{"SlotName": "Size", "SlotValueOverride": {"Shape": "Scalar", "Value": {"InterpretedValue": "L"}}}],
                },
            },
            "SuccessResponse": {"MessageGroupsList": [{"Message": {"SSMLMessage": {"Value": "<speak>ok</speak>"}}}]},
        },
    }
    api = lex_shapes.normalize(cfn, member_shape("CreateIntent", "initialResponseSetting").members["codeHook"])
    assert api == {
        "active": True,
        "enableCodeHookInvocation": True,
        "postCodeHookSpecification": {
            "successNextStep": {
                "dialogAction": {"type": "ElicitSlot", "slotToElicit": "Size"},
                "sessionAttributes": {"step": "2"},
                "intent": {"name": "Order", "slots": {"Size": {"shape": "Scalar", "value": {"interpretedValue": "L"}}}},
            },
            "successResponse": {"messageGroups": [{"message": {"ssmlMessage": {"value": "<speak>ok</speak>"}}}]},
        },
    }


def test_respell_writes_cfn_names_lists_and_enums() -> None:
    api = {
        "slotTypeName": "Sizes",
        "valueSelectionSetting": {"resolutionStrategy": "TopResolution"},
    }
    cfn = lex_shapes.respell(api, input_shape("CreateSlotType"), {"$ref": "#/definitions/SlotType"}, "cfn")
    assert cfn == {"Name": "Sizes", "ValueSelectionSetting": {"ResolutionStrategy": "TOP_RESOLUTION"}}
    state = {"sessionAttributes": {"a": "1"}, "dialogAction": {"type": "CloseIntent"}}
    shape = member_shape("CreateIntent", "intentClosingSetting").members["nextStep"]
    assert lex_shapes.respell(state, shape, {"$ref": "#/definitions/DialogState"}, "cfn") == {
        "SessionAttributes": [{"Key": "a", "Value": "1"}],
        "DialogAction": {"Type": "CloseIntent"},
    }
    # LexJson keeps the API map but takes the export's names (isActive, messageGroupsList).
    closing = {"active": True, "closingResponse": {"messageGroups": [{"message": {"plainTextMessage": {"value": "bye"}}}]}}
    lexjson = lex_shapes.respell(
        closing, member_shape("CreateIntent", "intentClosingSetting"), {"$ref": "#/definitions/IntentClosingSetting"}, "lexjson"
    )
    assert lexjson == {"isActive": True, "closingResponse": {"messageGroupsList": [{"message": {"plainTextMessage": {"value": "bye"}}}]}}


def test_respell_then_normalize_is_identity_on_prompt_attempts() -> None:
    prompt = {
        "messageGroups": [{"message": {"plainTextMessage": {"value": "Size?"}}}],
        "maxRetries": 2,
        "promptAttemptsSpecification": {
            "Initial": {
                "allowedInputTypes": {"allowAudioInput": True, "allowDTMFInput": False},
                "audioAndDTMFInputSpecification": {
                    "startTimeoutMs": 4000,
                    "dtmfSpecification": {"maxLength": 5, "endTimeoutMs": 500, "deletionCharacter": "*", "endCharacter": "#"},
                },
            }
        },
    }
    shape = member_shape("CreateSlot", "valueElicitationSetting").members["promptSpecification"]
    for style in ("cfn", "lexjson"):
        spelled = lex_shapes.respell(prompt, shape, {"$ref": "#/definitions/PromptSpecification"}, style)  # type: ignore[arg-type]
        assert lex_shapes.normalize(spelled, shape) == prompt
    cfn = lex_shapes.respell(prompt, shape, {"$ref": "#/definitions/PromptSpecification"}, "cfn")
    assert "DTMFSpecification" in cfn["PromptAttemptsSpecification"]["Initial"]["AudioAndDTMFInputSpecification"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"maxRetries": "many", "messageGroups": []}, "expected an integer"),
        ({"maxRetries": 1, "messageGroups": "hello"}, "expected a list"),
        ({"maxRetries": 1, "allowInterrupt": 3, "messageGroups": []}, "expected true or false"),
        ([], "expected an object"),
    ],
)
def test_normalize_rejects_wrong_types_with_the_path(value: object, message: str) -> None:
    shape = member_shape("CreateSlot", "valueElicitationSetting").members["promptSpecification"]
    with pytest.raises(ShapeError, match=message):
        lex_shapes.normalize(value, shape, "prompt")


def test_normalize_keeps_unknown_keys_instead_of_dropping_them() -> None:
    api = lex_shapes.normalize({"Enabled": True, "FutureSetting": {"X": 1}}, member_shape("CreateIntent", "dialogCodeHook"))
    assert api == {"enabled": True, "futureSetting": {"X": 1}}


def test_extras_deep_merge_with_typed_fields_and_split_back() -> None:
    intent = Intent(
        name="Order",
        closing_response=ResponseSpecification(message_groups=[MessageGroup(Message(plain_text="Done"))]),
        extras={
            "intentClosingSetting": {"nextStep": {"dialogAction": {"type": "EndConversation"}}},
            "initialResponseSetting": {"codeHook": {"active": True, "enableCodeHookInvocation": True, "postCodeHookSpecification": {}}},
        },
    )
    api = lex_shapes.intent_to_api(intent)
    assert api["intentClosingSetting"]["closingResponse"]["messageGroups"][0]["message"] == {"plainTextMessage": {"value": "Done"}}
    assert api["intentClosingSetting"]["nextStep"] == {"dialogAction": {"type": "EndConversation"}}
    back = lex_shapes.intent_from_api(lex_shapes.normalize(api, input_shape("CreateIntent")), [], [], "intent")
    assert back == intent


def test_slot_and_slot_type_survive_the_api_shape() -> None:
    slot = Slot(
        name="Size",
        slot_type_name="Sizes",
        prompt=PromptSpecification(
            message_groups=[MessageGroup(Message(plain_text="Size?"))], max_retries=3, message_selection_strategy="Ordered"
        ),
        sample_utterances=["{Size} please"],
        default_values=["[size]", "medium"],
        allow_multiple_values=True,
        obfuscate=True,
        extras={"valueElicitationSetting": {"slotCaptureSetting": {"captureNextStep": {"dialogAction": {"type": "ConfirmIntent"}}}}},
    )
    api = lex_shapes.normalize(lex_shapes.slot_to_api(slot), input_shape("CreateSlot"))
    assert lex_shapes.slot_from_api(api, "slot") == slot
    slot_type = SlotType(
        name="Sizes", values=[SlotTypeValue("small", ["s", "tiny"])], resolution_strategy="TopResolution", regex_filter="[a-z]{3}"
    )
    api = lex_shapes.normalize(lex_shapes.slot_type_to_api(slot_type), input_shape("CreateSlotType"))
    assert lex_shapes.slot_type_from_api(api, "type") == slot_type


def test_unknown_resolution_strategy_is_an_error() -> None:
    with pytest.raises(ShapeError, match="resolution strategy"):
        lex_shapes.slot_type_from_api({"slotTypeName": "X", "valueSelectionSetting": {"resolutionStrategy": "Guess"}}, "type")


def test_lambda_arn_spelling_both_ways() -> None:
    shape = lex_shapes.service_model().shape_for("LambdaCodeHook")
    api = {"lambdaARN": "arn:aws:lambda:us-east-1:123456789012:function:hook", "codeHookInterfaceVersion": "1.0"}
    cfn = lex_shapes.respell(api, shape, {"$ref": "#/definitions/LambdaCodeHook"}, "cfn")
    assert cfn == {"LambdaArn": api["lambdaARN"], "CodeHookInterfaceVersion": "1.0"}
    assert lex_shapes.normalize(cfn, shape) == api


# API members the AWS::Lex::Bot schema has no property for (botocore 1.44 / cfn-lint 1.58).
NOT_IN_CLOUDFORMATION = {
    "CreateSlot.valueElicitationSetting.slotResolutionSetting",
    "CreateBotLocale.speakerDiarizationSettings",
}


def _unmapped(shape: Any, node: dict[str, Any] | None, path: str, seen: set[tuple[str, str]], out: list[str]) -> None:
    name = lex_shapes._ref_name(node)
    node = lex_shapes._resolve(node)
    if node is None:
        return
    if isinstance(shape, StructureShape):
        if (shape.name, str(name)) in seen:
            return
        seen.add((shape.name, str(name)))
        props = node.get("properties", {})
        for member, member_shape_ in shape.members.items():
            if path.count(".") == 0 and member in ("botId", "botVersion", "localeId", "intentId", "botName"):
                continue
            renamed = lex_shapes._TOP_LEVEL_NAMES.get(name or "", {}).get(member)  # the readers rename these themselves
            cfn = renamed or lex_shapes._cfn_name(member, props)
            if cfn is None:
                out.append(f"{path}.{member}")
                continue
            assert renamed or lex_shapes._api_member(cfn, shape.members) == member, f"{path}.{member} <- {cfn}"
            _unmapped(member_shape_, props.get(cfn), f"{path}.{member}", seen, out)
    elif isinstance(shape, ListShape):
        _unmapped(shape.member, node.get("items"), path, seen, out)
    elif isinstance(shape, MapShape):
        if node.get("type") == "array":
            item = lex_shapes._resolve(node.get("items")) or {}
            value_name = lex_shapes._CFN_MAP_ITEMS.get(lex_shapes._ref_name(node.get("items")) or "", ("Key", "Value"))[1]
            _unmapped(shape.value, item.get("properties", {}).get(value_name), path, seen, out)
        else:
            _unmapped(shape.value, next(iter((node.get("patternProperties") or {}).values()), None), path, seen, out)


def test_every_api_member_has_a_cloudformation_spelling_both_ways() -> None:
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for operation, definition in (
        ("CreateIntent", "Intent"),
        ("CreateSlot", "Slot"),
        ("CreateSlotType", "SlotType"),
        ("CreateBotLocale", "BotLocale"),
    ):
        _unmapped(input_shape(operation), {"$ref": f"#/definitions/{definition}"}, operation, seen, out)
    _unmapped(input_shape("CreateBot"), {"properties": lex_shapes.cfn_bot_schema()["properties"]}, "CreateBot", seen, out)
    assert set(out) == NOT_IN_CLOUDFORMATION


def test_vendored_cfn_schema_matches_the_installed_cfn_lint() -> None:
    import json
    from pathlib import Path

    import cfnlint

    schemas = Path(cfnlint.__file__).parent / "data" / "schemas"
    providers = json.loads((schemas / "providers" / "us-east-1.json").read_text(encoding="utf-8"))
    installed = json.loads((schemas / "resources" / f"{providers['AWS::Lex::Bot']}.json").read_text(encoding="utf-8"))
    vendored = lex_shapes.cfn_bot_schema()
    assert vendored["properties"] == installed["properties"]
    assert vendored["definitions"] == installed["definitions"]
