"""Import keeps where the code came from: an alias's Lambda lands in the spec as a ``lambda:`` hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot_spec.code_hook import CodeHookSpec
from bot_spec.formats import cloudformation
from bot_spec.formats.yaml_spec import bot_to_doc, definition_from_docs

ARN = "arn:aws:lambda:us-east-1:111111111111:function:ReplaceWithYourOwnLambda"
WIRED = """      BotAliasLocaleSettings:
        - LocaleId: en_US
          BotAliasLocaleSetting:
            Enabled: true
            CodeHookSpecification:
              LambdaCodeHook:
                CodeHookInterfaceVersion: "1.0"
                LambdaArn: LAMBDA
"""


def booktrip(external_dir: Path, lambda_arn: str | None) -> str:
    text = (external_dir / "lex_bots" / "cfn" / "BookTrip.cfn.yaml").read_text(encoding="utf-8")
    if lambda_arn is None:
        return text
    anchor = "      BotVersion: !GetAtt BookTripBotVersionWithCFN.BotVersion\n"
    assert anchor in text
    return text.replace(anchor, WIRED.replace("LAMBDA", lambda_arn) + anchor)


def imported_hook(text: str) -> CodeHookSpec | None:
    (definition,) = cloudformation.from_template(cloudformation.load_template(text))
    return definition.locale("en_US").code_hook  # type: ignore[union-attr]


def test_the_published_template_names_no_lambda(external_dir: Path) -> None:
    assert imported_hook(booktrip(external_dir, None)) is None  # its alias settings are commented out


def test_an_alias_lambda_arn_becomes_a_lambda_hook_with_a_note(external_dir: Path) -> None:
    hook = imported_hook(booktrip(external_dir, f'"{ARN}"'))
    assert hook is not None and (hook.kind, hook.target) == ("lambda", ARN)
    assert hook.note is not None and "FirstBotAliasWithCFN" in hook.note


def test_a_computed_lambda_is_none_with_a_note_naming_it(external_dir: Path) -> None:
    hook = imported_hook(booktrip(external_dir, "!GetAtt BookTripFunction.Arn"))
    assert hook is not None and hook.kind == "none"
    assert hook.note is not None and "BookTripFunction" in hook.note and "name a code hook" in hook.note


@pytest.mark.parametrize("bad", ['"arn:aws:s3:::not-a-function"', '"x; rm -rf /"'])
def test_a_malformed_arn_is_not_taken_as_a_hook(external_dir: Path, bad: str) -> None:
    hook = imported_hook(booktrip(external_dir, bad))
    assert hook is not None and hook.kind == "none" and "not a function ARN" in (hook.note or "")


def test_the_imported_hook_survives_the_yaml_spec(external_dir: Path) -> None:
    (definition,) = cloudformation.from_template(cloudformation.load_template(booktrip(external_dir, f'"{ARN}"')))
    doc = bot_to_doc(definition)
    assert doc["locales"]["en_US"]["code_hook"]["lambda"] == ARN
    back = definition_from_docs(doc, [], [])
    assert back.locales[0].code_hook == definition.locales[0].code_hook


def test_a_compiled_template_carries_the_specs_lambda_and_gives_it_back(seed_bot_dir: Path) -> None:
    from bot_spec.formats.yaml_spec import load_spec

    defn = load_spec(seed_bot_dir)
    template = cloudformation.to_template(defn)
    assert template["Parameters"]["LambdaArn"]["Default"] == ""  # a python hook is not something an alias can call
    (back,) = cloudformation.from_template(template)
    assert back.locales[0].code_hook is None  # the conditional wiring of an empty parameter is no hook
    defn.locales[0].code_hook = CodeHookSpec("lambda", ARN)
    template = cloudformation.to_template(defn)
    assert template["Parameters"]["LambdaArn"]["Default"] == ARN
    (back,) = cloudformation.from_template(template)
    assert back.locales[0].code_hook is not None and (back.locales[0].code_hook.kind, back.locales[0].code_hook.target) == ("lambda", ARN)
