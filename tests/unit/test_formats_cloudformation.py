"""The CloudFormation spoke: the seed bot's template, cfn-lint, intrinsics and bad templates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot_spec.definition import BotDefinition
from bot_spec.diagnostics import SpecError
from bot_spec.formats import cloudformation
from bot_spec.formats.yaml_spec import load_spec

CFN_LINT = Path(sys.executable).parent / "cfn-lint"


@pytest.fixture(scope="module")
def seed(seed_bot_dir: Path) -> BotDefinition:
    return load_spec(seed_bot_dir)


def _bot(template: dict[str, Any]) -> dict[str, Any]:
    [resource] = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lex::Bot"]
    props: dict[str, Any] = resource["Properties"]
    return props


def lint_errors(paths: list[Path]) -> list[dict[str, Any]]:
    """cfn-lint's errors (not warnings) for the given templates, in one process."""
    done = subprocess.run([str(CFN_LINT), "--format", "json", *map(str, paths)], capture_output=True, text=True, timeout=120, check=False)
    matches: list[dict[str, Any]] = json.loads(done.stdout or "[]")
    return [m for m in matches if m["Level"] == "Error"]


def test_seed_template_has_the_role_parameters_and_cfn_spellings(seed: BotDefinition) -> None:
    template = cloudformation.to_template(seed)
    role = template["Resources"]["BotRuntimeRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": ["lexv2.amazonaws.com"]}
    assert role["Policies"][0]["PolicyDocument"]["Statement"][0]["Action"] == ["polly:SynthesizeSpeech"]
    assert template["Parameters"]["LambdaArn"]["Default"] == ""
    assert "HasLambdaArn" in template["Conditions"]
    permission = template["Resources"]["ChatBotBotLambdaPermission"]
    assert permission["Condition"] == "HasLambdaArn"
    assert permission["Properties"]["Principal"] == "lexv2.amazonaws.com"
    assert permission["Properties"]["FunctionName"] == {"Ref": "LambdaArn"}
    assert permission["Properties"]["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:lex:${AWS::Region}:${AWS::AccountId}:bot-alias/${ChatBotBot}/*"
    }
    bot = _bot(template)
    assert bot["Name"] == "ChatBot"
    assert bot["RoleArn"] == {"Fn::GetAtt": ["BotRuntimeRole", "Arn"]}
    assert bot["DataPrivacy"] == {"ChildDirected": False}
    assert bot["AutoBuildBotLocales"] is True
    hook = bot["TestBotAliasSettings"]["Fn::If"]
    assert hook[0] == "HasLambdaArn" and hook[2] == {"Ref": "AWS::NoValue"}
    setting = hook[1]["BotAliasLocaleSettings"][0]
    assert setting["LocaleId"] == "en_US"
    assert setting["BotAliasLocaleSetting"]["CodeHookSpecification"]["LambdaCodeHook"] == {
        "LambdaArn": {"Ref": "LambdaArn"},
        "CodeHookInterfaceVersion": "1.0",
    }
    [locale] = bot["BotLocales"]
    assert locale["NluConfidenceThreshold"] == 0.4
    assert locale["SlotTypes"][0]["ValueSelectionSetting"] == {"ResolutionStrategy": "TOP_RESOLUTION"}
    status = next(i for i in locale["Intents"] if i["Name"] == "Status")
    assert status["SampleUtterances"][0] == {"Utterance": "check my status"}
    assert status["SlotPriorities"] == [{"Priority": 1, "SlotName": "StatusType"}]
    slot = status["Slots"][0]
    assert slot["SlotTypeName"] == "StatusTypes"
    prompt = slot["ValueElicitationSetting"]["PromptSpecification"]
    assert prompt["MaxRetries"] == 2
    assert prompt["MessageGroupsList"][1]["Message"]["ImageResponseCard"]["Buttons"][0] == {"Text": "Order", "Value": "order"}
    fallback = next(i for i in locale["Intents"] if i["Name"] == "FallbackIntent")
    assert fallback["ParentIntentSignature"] == "AMAZON.FallbackIntent"
    assert fallback["IntentClosingSetting"]["IsActive"] is True


def test_seed_template_passes_cfn_lint(seed: BotDefinition, tmp_path: Path) -> None:
    paths = []
    for name, template in {
        "with-role": cloudformation.to_template(seed),
        "no-role": cloudformation.to_template(seed, include_role=False),
    }.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(cloudformation.dump_template(template), encoding="utf-8")
        paths.append(path)
    # A control proves cfn-lint is looking: the API enum spelling is an error in CloudFormation.
    broken = tmp_path / "broken.yaml"
    broken.write_text(paths[0].read_text(encoding="utf-8").replace("TOP_RESOLUTION", "TopResolution"), encoding="utf-8")
    errors = lint_errors([*paths, broken])
    assert [e for e in errors if not e["Filename"].endswith("broken.yaml")] == []
    assert any(e["Rule"]["Id"] == "E3030" for e in errors if e["Filename"].endswith("broken.yaml"))


def test_without_role_the_template_takes_a_role_parameter(seed: BotDefinition) -> None:
    template = cloudformation.to_template(seed, include_role=False)
    assert "BotRuntimeRole" not in template["Resources"]
    assert _bot(template)["RoleArn"] == {"Ref": "BotRoleArn"}
    seed_with_role = BotDefinition(**{**seed.__dict__, "role_arn": "arn:aws:iam::123456789012:role/Lex"})
    assert _bot(cloudformation.to_template(seed_with_role))["RoleArn"] == "arn:aws:iam::123456789012:role/Lex"
    assert cloudformation.from_template(cloudformation.to_template(seed_with_role))[0].role_arn == "arn:aws:iam::123456789012:role/Lex"


def test_seed_round_trips_through_the_template_text(seed: BotDefinition) -> None:
    text = cloudformation.dump_template(cloudformation.to_template(seed))
    [back] = cloudformation.from_template(cloudformation.load_template(text))
    assert back == seed.without_replies()


SHORT_FORM = """
Parameters:
  BotName: {Type: String, Default: Pizza_Bot}
Resources:
  Role:
    Type: AWS::IAM::Role
  Bot:
    Type: AWS::Lex::Bot
    Properties:
      Name: !Ref BotName
      RoleArn: !GetAtt Role.Arn
      DataPrivacy: {ChildDirected: true}
      IdleSessionTTLInSeconds: "600"
      BotTags: [{Key: team, Value: chat}]
      BotLocales:
        - LocaleId: en_US
          NluConfidenceThreshold: 0.5
          Intents:
            - Name: FallbackIntent
              ParentIntentSignature: AMAZON.FallbackIntent
  Other:
    Type: AWS::Lex::Bot
    Properties:
      Name: !Sub "${AWS::StackName}-Second"
      RoleArn: !Sub "arn:aws:iam::${AWS::AccountId}:role/x"
      DataPrivacy: {ChildDirected: false}
      IdleSessionTTLInSeconds: 60
      BotLocales: []
"""


def test_short_form_intrinsics_and_name_resolution() -> None:
    doc = cloudformation.load_template(SHORT_FORM)
    assert doc["Resources"]["Bot"]["Properties"]["RoleArn"] == {"Fn::GetAtt": ["Role", "Arn"]}
    first, second = cloudformation.from_template(doc)
    assert first.name == "Pizza_Bot"
    assert first.child_directed is True
    assert first.idle_session_ttl_in_seconds == 600
    assert first.tags == {"team": "chat"}
    assert first.role_arn is None
    assert first.locales[0].nlu_intent_confidence_threshold == 0.5
    assert second.name == "Second"


def test_unresolvable_name_falls_back_to_the_logical_id() -> None:
    assert cloudformation.resolve_name({"Ref": "NoDefault"}, {}, "MyBot") == "MyBot"
    assert cloudformation.resolve_name({"Fn::Sub": "${Env} bot"}, {"Env": "dev"}, "MyBot") == "MyBot"  # a space is not a Lex name
    assert cloudformation.resolve_name({"Fn::Sub": ["${Env}-bot", {"Env": "prod"}]}, {}, "MyBot") == "prod-bot"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources:\n  Table:\n    Type: AWS::DynamoDB::Table\n", "declares no AWS::Lex::Bot"),
        ("- just\n- a list\n", "must be a mapping"),
        ("Resources: [1, 2]\n", "no Resources mapping"),
        ("Resources:\n  B: {Type: AWS::Lex::Bot}\n", "has no Properties"),
        ("Resources:\n  B:\n    Type: AWS::Lex::Bot\n    Properties:\n      Name: X\n      BotLocales: {en_US: 1}\n", "expected a list"),
        (
            "Resources:\n  B:\n    Type: AWS::Lex::Bot\n    Properties:\n      Name: X\n      BotLocales:\n        - LocaleId: en_US\n"
            "          NluConfidenceThreshold: high\n",
            "expected a number",
        ),
        (
            "Resources:\n  B:\n    Type: AWS::Lex::Bot\n    Properties:\n      Name: X\n"
            "      BotFileS3Location: {S3Bucket: b, S3ObjectKey: k}\n",
            "in S3",
        ),
        (
            "Resources:\n  B:\n    Type: AWS::Lex::Bot\n    Properties:\n      Name: X\n      BotLocales:\n        - LocaleId: en_US\n"
            "          NluConfidenceThreshold: 0.4\n          CustomVocabulary: {Words: [{Phrase: 1}]}\n",
            "expected one customVocabularyItems list",
        ),
        ("a: &x [1]\nb: *x\n", "aliases"),
        ("Resources: {\n", "not valid"),
    ],
)
def test_bad_templates_give_spec_errors_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        doc = cloudformation.load_template(text, "bots/bad.yaml")
        cloudformation.from_template(doc, "bots/bad.yaml")
    [diag] = caught.value.diagnostics
    assert diag.file == "bots/bad.yaml"
    assert message in diag.message
    assert diag.fix


def test_oversized_template_is_refused() -> None:
    with pytest.raises(SpecError, match="larger than"):
        cloudformation.load_template("#" * (cloudformation.MAX_TEMPLATE_BYTES + 1), "huge.yaml")


def test_deeply_nested_json_is_refused_cleanly() -> None:
    with pytest.raises(SpecError, match="nested too deeply"):
        cloudformation.load_template('{"a":' + "[" * 100_000 + "]" * 100_000 + "}", "deep.json")


def test_malformed_extras_are_a_spec_error_naming_the_field(seed: BotDefinition) -> None:
    broken = seed.without_replies()
    status = broken.locales[0].intent("Status")
    assert status is not None and status.slots[0].prompt is not None
    status.slots[0].prompt.extras = {"promptAttemptsSpecification": ["Initial"]}
    with pytest.raises(SpecError) as caught:
        cloudformation.to_template(broken)
    [diag] = caught.value.diagnostics
    assert (
        diag.path == "locales.en_US.intents.Status.slots.StatusType.valueElicitationSetting.promptSpecification.promptAttemptsSpecification"
    )
    assert "expected a mapping" in diag.message and diag.fix
