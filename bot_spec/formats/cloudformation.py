"""The CloudFormation spoke: ``AWS::Lex::Bot`` templates to and from the definition.

``to_template`` writes the bot, the IAM role Lex needs and an optional ``LambdaArn`` parameter
for the test alias code hook (with the Lambda permission Lex needs to call it).
``from_template`` reads every ``AWS::Lex::Bot`` of a template;
``load_template`` parses YAML with the short-form intrinsics (``!Ref``, ``!GetAtt``, ``!Sub``...).
Deployment wiring (``RoleArn`` intrinsics, ``AutoBuildBotLocales``, ``TestBotAliasSettings``) is
not bot content: chat-lex generates its own, so reading ignores it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from bot_spec.code_hook import CodeHookSpec, CodeHookSpecError, parse_cli
from bot_spec.definition import BotDefinition, BotLocale, Intent, Slot, SlotType
from bot_spec.diagnostics import Diagnostic, SpecError
from bot_spec.formats import lex_shapes
from bot_spec.formats.lex_shapes import ShapeError, as_dict, as_list, input_shape
from bot_spec.formats.yaml_text import dump_yaml
from bot_spec.import_limits import TooBig, check_yaml_text, count_values
from bot_spec.names import is_lex_name

Doc = dict[str, Any]

LAMBDA_PARAMETER = "LambdaArn"
ROLE_PARAMETER = "BotRoleArn"
ROLE_RESOURCE = "BotRuntimeRole"
HAS_LAMBDA = "HasLambdaArn"
BOT_TYPE = "AWS::Lex::Bot"
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024  # CloudFormation's own template limit is 1 MB (S3); leave room
# Bot properties that are deployment wiring, not bot content (see the module docstring).
_WIRING = {"RoleArn", "AutoBuildBotLocales", "TestBotAliasSettings", "Replication"}


# ---------------------------------------------------------------- YAML with intrinsics


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader that turns ``!Ref x`` into ``{"Ref": "x"}`` and refuses anchors (CFN has none)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "YAML aliases (*name) are not allowed in CloudFormation templates", event.start_mark
            )
        return super().compose_node(parent, index)


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Doc:
    name = "Ref" if suffix == "Ref" else "Condition" if suffix == "Condition" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_TemplateLoader.add_multi_constructor("!", _intrinsic)


def load_template(text: str, source: str = "<template>") -> Doc:
    """Parse a template (JSON or YAML, short-form intrinsics allowed); SpecError on bad input."""
    if len(text.encode("utf-8")) > MAX_TEMPLATE_BYTES:
        raise SpecError([_diag(source, f"the template is larger than {MAX_TEMPLATE_BYTES} bytes", "split the template")])
    is_json = text.lstrip().startswith("{")
    try:
        # The value caps of `validate`, checked before a YAML node tree is built (the
        # pure-Python composer takes ~250 bytes per value) and before JSON is converted.
        if not is_json:
            check_yaml_text(text)
        doc = json.loads(text) if is_json else yaml.load(text, Loader=_TemplateLoader)
        if is_json:
            count_values(doc)
    except TooBig as exc:
        raise SpecError(
            [_diag(source, f"the template is too large to import: {exc}", "split the bot, or check this is the right file", line=exc.line)]
        ) from None
    except json.JSONDecodeError as exc:
        raise SpecError([_diag(source, f"not valid JSON: {exc.msg}", "fix the JSON syntax", line=exc.lineno)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        line = None if mark is None else mark.line + 1
        raise SpecError([_diag(source, f"not valid YAML: {problem}", "fix the YAML at this line", line=line)]) from None
    except RecursionError:
        raise SpecError([_diag(source, "the template is nested too deeply", "flatten the document")]) from None
    if not isinstance(doc, dict):
        raise SpecError(
            [_diag(source, "a template must be a mapping with a Resources section", "check the file is a CloudFormation template")]
        )
    return doc


def dump_template(doc: Doc) -> str:
    """A template as YAML (long-form intrinsics, so any YAML parser reads it)."""
    return dump_yaml(doc, width=120)


def _diag(source: str, message: str, fix: str, *, line: int | None = None, path: str | None = None) -> Diagnostic:
    return Diagnostic(code="I100", severity="error", message=message, file=source, line=line, fix=fix, path=path)


# ---------------------------------------------------------------- writing


def _logical_id(name: str) -> str:
    cleaned = re.sub(r"[^0-9A-Za-z]", "", name) or "Chat"
    return f"{cleaned}Bot"


def _role_resource() -> Doc:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": ["lexv2.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}],
            },
            "Path": "/",
            "Policies": [
                {
                    "PolicyName": "LexRuntimeRolePolicy",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": ["polly:SynthesizeSpeech"], "Resource": "*"}],
                    },
                }
            ],
        },
    }


def _ref(name: str) -> Doc:
    return {"$ref": f"#/definitions/{name}"}


def intent_to_cfn(intent: Intent) -> Doc:
    """One ``BotLocales[].Intents[]`` item."""
    out: Doc = lex_shapes.respell(lex_shapes.intent_to_api(intent), input_shape("CreateIntent"), _ref("Intent"), "cfn")
    order = [s.name for s in intent.slots_by_priority()]
    if order:
        out["SlotPriorities"] = [{"Priority": i + 1, "SlotName": name} for i, name in enumerate(order)]
    if intent.slots:
        out["Slots"] = []
        for slot in intent.slots:
            with lex_shapes.located(f"slots.{slot.name}"):
                out["Slots"].append(lex_shapes.respell(lex_shapes.slot_to_api(slot), input_shape("CreateSlot"), _ref("Slot"), "cfn"))
    return out


def locale_to_cfn(locale: BotLocale) -> Doc:
    """One ``BotLocales[]`` item with its slot types and intents."""
    api = lex_shapes.locale_to_api(locale)
    vocabulary = api.pop(lex_shapes.CUSTOM_VOCABULARY, None)
    out: Doc = lex_shapes.respell(api, input_shape("CreateBotLocale"), _ref("BotLocale"), "cfn")
    if vocabulary is not None:
        with lex_shapes.located(lex_shapes.CUSTOM_VOCABULARY):
            items = lex_shapes.custom_vocabulary_items(vocabulary, "")
        item_shape = lex_shapes.member_shape("BatchCreateCustomVocabularyItem", "customVocabularyItemList")
        out["CustomVocabulary"] = {
            "CustomVocabularyItems": lex_shapes.respell(items, item_shape, {"type": "array", "items": _ref("CustomVocabularyItem")}, "cfn")
        }
    if locale.slot_types:
        out["SlotTypes"] = []
        for slot_type in locale.slot_types:
            with lex_shapes.located(f"slot_types.{slot_type.name}"):
                spelled = lex_shapes.respell(lex_shapes.slot_type_to_api(slot_type), input_shape("CreateSlotType"), _ref("SlotType"), "cfn")
                out["SlotTypes"].append(spelled)
    out["Intents"] = []
    for intent in locale.intents:
        with lex_shapes.located(f"intents.{intent.name}"):
            out["Intents"].append(intent_to_cfn(intent))
    return out


def bot_properties(defn: BotDefinition, role_arn: Any) -> Doc:
    """The ``Properties`` of the ``AWS::Lex::Bot`` resource (``role_arn`` may be an intrinsic)."""
    api = lex_shapes.bot_to_api(defn)
    name = api.pop("botName")
    schema_props = {"properties": lex_shapes.cfn_bot_schema()["properties"]}
    body: Doc = lex_shapes.respell(api, input_shape("CreateBot"), schema_props, "cfn")
    props: Doc = {"Name": name}
    if "Description" in body:
        props["Description"] = body.pop("Description")
    props["RoleArn"] = role_arn
    props.update(body)
    props["AutoBuildBotLocales"] = True
    props["BotLocales"] = []
    for loc in defn.locales:
        with lex_shapes.located(f"locales.{loc.locale_id}"):
            props["BotLocales"].append(locale_to_cfn(loc))
    settings = [
        {
            "LocaleId": loc.locale_id,
            "BotAliasLocaleSetting": {
                "Enabled": True,
                "CodeHookSpecification": {"LambdaCodeHook": {"LambdaArn": {"Ref": LAMBDA_PARAMETER}, "CodeHookInterfaceVersion": "1.0"}},
            },
        }
        for loc in defn.locales
    ]
    props["TestBotAliasSettings"] = {"Fn::If": [HAS_LAMBDA, {"BotAliasLocaleSettings": settings}, {"Ref": "AWS::NoValue"}]}
    return props


def spec_lambda_arn(defn: BotDefinition) -> str:
    """The Lambda ARN every locale names as its ``lambda:`` code hook, or '' (one alias, one function per template)."""
    arns = {loc.code_hook.target if loc.code_hook is not None and loc.code_hook.kind == "lambda" else "" for loc in defn.locales}
    arn = next(iter(arns)) if len(arns) == 1 else ""
    return arn if arn.startswith("arn:") else ""


def to_template(defn: BotDefinition, *, include_role: bool = True) -> Doc:
    """A CloudFormation template deploying ``defn`` (with its IAM role unless told otherwise).

    The role ARN is ``defn.role_arn`` when set, else the generated role, else a ``BotRoleArn``
    parameter. The ``LambdaArn`` parameter is optional: when empty, the test alias has no hook.
    """
    logical = _logical_id(defn.name)
    parameters: Doc = {
        LAMBDA_PARAMETER: {
            "Type": "String",
            "Default": spec_lambda_arn(defn),
            "Description": "ARN of the fulfillment Lambda for the test alias (TestBotAlias); empty for none",
        }
    }
    resources: Doc = {}
    role: Any
    if defn.role_arn:
        role = defn.role_arn
    elif include_role:
        resources[ROLE_RESOURCE] = _role_resource()
        role = {"Fn::GetAtt": [ROLE_RESOURCE, "Arn"]}
    else:
        parameters[ROLE_PARAMETER] = {
            "Type": "String",
            "Description": "ARN of the IAM role the bot runs as (trusted by lexv2.amazonaws.com)",
        }
        role = {"Ref": ROLE_PARAMETER}
    try:
        resources[logical] = {"Type": BOT_TYPE, "Properties": bot_properties(defn, role)}
    except ShapeError as exc:
        raise lex_shapes.definition_error(exc, "a CloudFormation template") from None
    # Lex may only call the code hook with the function's consent (fact sheet, lifecycle step 5).
    resources[f"{logical}LambdaPermission"] = {
        "Type": "AWS::Lambda::Permission",
        "Condition": HAS_LAMBDA,
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": {"Ref": LAMBDA_PARAMETER},
            "Principal": "lexv2.amazonaws.com",
            "SourceArn": {"Fn::Sub": f"arn:${{AWS::Partition}}:lex:${{AWS::Region}}:${{AWS::AccountId}}:bot-alias/${{{logical}}}/*"},
        },
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Amazon Lex V2 bot {defn.name} (generated by chat-lex)",
        "Parameters": parameters,
        "Conditions": {HAS_LAMBDA: {"Fn::Not": [{"Fn::Equals": [{"Ref": LAMBDA_PARAMETER}, ""]}]}},
        "Resources": resources,
        "Outputs": {
            "BotId": {"Description": "The bot's id", "Value": {"Ref": logical}},
            "BotArn": {"Description": "The bot's ARN", "Value": {"Fn::GetAtt": [logical, "Arn"]}},
        },
    }


# ---------------------------------------------------------------- reading


def _parameter_defaults(doc: Doc) -> dict[str, str]:
    params = doc.get("Parameters")
    if not isinstance(params, dict):
        return {}
    return {str(k): str(v["Default"]) for k, v in params.items() if isinstance(v, dict) and "Default" in v}


def resolve_name(node: Any, defaults: dict[str, str], fallback: str) -> str:
    """A bot name from a literal, ``Ref`` or ``Fn::Sub`` of parameters with defaults; else ``fallback``.

    Pseudo parameters (``${AWS::StackName}``) resolve to nothing: ``${AWS::StackName}-Banker`` is ``Banker``.
    """
    text: str | None = None
    if isinstance(node, str):
        text = node
    elif isinstance(node, dict) and isinstance(node.get("Ref"), str):
        text = defaults.get(node["Ref"])
    elif isinstance(node, dict) and "Fn::Sub" in node:
        template = node["Fn::Sub"]
        variables: dict[str, Any] = {}
        if isinstance(template, list) and template:
            variables = template[1] if len(template) > 1 and isinstance(template[1], dict) else {}
            template = template[0]
        if isinstance(template, str):

            def sub(match: re.Match[str]) -> str:
                key = match.group(1)
                if key.startswith("AWS::"):
                    return ""
                value = variables.get(key, defaults.get(key))
                return value if isinstance(value, str) else match.group(0)

            text = re.sub(r"\$\{([^}]+)\}", sub, template).strip("-_ ")
    if text is None or not is_lex_name(text):
        return fallback
    return text


def _renamed(doc: Doc, names: dict[str, str]) -> Doc:
    return {names.get(k, k): v for k, v in doc.items()}


def slot_from_cfn(node: Any, path: str) -> Slot:
    """A slot from a CFN ``Slots[]`` item."""
    doc = _renamed(as_dict(node, path), {"Name": "slotName", "SlotTypeName": "slotTypeId"})
    return lex_shapes.slot_from_api(lex_shapes.normalize(doc, input_shape("CreateSlot"), path), path)


def intent_from_cfn(node: Any, path: str) -> Intent:
    """An intent from a CFN ``Intents[]`` item."""
    doc = dict(as_dict(node, path))
    slots = [slot_from_cfn(s, f"{path}.Slots[{i}]") for i, s in enumerate(as_list(doc.pop("Slots", None), f"{path}.Slots"))]
    pairs: list[tuple[int, str]] = []
    for i, item in enumerate(as_list(doc.pop("SlotPriorities", None), f"{path}.SlotPriorities")):
        item = as_dict(item, f"{path}.SlotPriorities[{i}]")
        priority, slot_name = item.get("Priority"), item.get("SlotName")
        if not isinstance(priority, int) or not isinstance(slot_name, str):
            raise ShapeError(f"{path}.SlotPriorities[{i}]", "needs an integer Priority and a SlotName")
        pairs.append((priority, slot_name))
    api = lex_shapes.normalize(_renamed(doc, {"Name": "intentName", "DisplayName": "intentDisplayName"}), input_shape("CreateIntent"), path)
    return lex_shapes.intent_from_api(api, slots, lex_shapes.priorities_from(pairs, slots), path)


def slot_type_from_cfn(node: Any, path: str) -> SlotType:
    """A slot type from a CFN ``SlotTypes[]`` item."""
    doc = _renamed(as_dict(node, path), {"Name": "slotTypeName"})
    return lex_shapes.slot_type_from_api(lex_shapes.normalize(doc, input_shape("CreateSlotType"), path), path)


def locale_from_cfn(node: Any, path: str) -> BotLocale:
    """A locale from a CFN ``BotLocales[]`` item."""
    doc = dict(as_dict(node, path))
    intents = [intent_from_cfn(n, f"{path}.Intents[{i}]") for i, n in enumerate(as_list(doc.pop("Intents", None), f"{path}.Intents"))]
    types = [
        slot_type_from_cfn(n, f"{path}.SlotTypes[{i}]") for i, n in enumerate(as_list(doc.pop("SlotTypes", None), f"{path}.SlotTypes"))
    ]
    vocabulary = doc.pop("CustomVocabulary", None)
    api = lex_shapes.normalize(
        _renamed(doc, {"NluConfidenceThreshold": "nluIntentConfidenceThreshold"}), input_shape("CreateBotLocale"), path
    )
    if vocabulary is not None:
        api[lex_shapes.CUSTOM_VOCABULARY] = {
            "customVocabularyItems": lex_shapes.custom_vocabulary_items(vocabulary, f"{path}.CustomVocabulary")
        }
    return lex_shapes.locale_from_api(api, intents, types)


def bot_from_cfn(logical_id: str, props: Doc, defaults: dict[str, str]) -> BotDefinition:
    """A definition from one ``AWS::Lex::Bot`` resource's properties."""
    where = f"Resources.{logical_id}.Properties"
    if "BotFileS3Location" in props and not props.get("BotLocales"):
        raise ShapeError(f"{where}.BotFileS3Location", "the bot's content is in S3, not in the template")
    name = resolve_name(props.get("Name"), defaults, logical_id)
    locales = [
        locale_from_cfn(n, f"{where}.BotLocales[{i}]") for i, n in enumerate(as_list(props.get("BotLocales"), f"{where}.BotLocales"))
    ]
    content = {k: v for k, v in props.items() if k not in _WIRING and k not in ("Name", "BotLocales", "BotFileS3Location")}
    api = lex_shapes.normalize(content, input_shape("CreateBot"), where)
    api["botName"] = name
    role = props.get("RoleArn")
    definition = lex_shapes.bot_from_api(api, locales, role if isinstance(role, str) else None)
    apply_alias_code_hooks(definition, props.get("TestBotAliasSettings"), defaults, f"{where}.TestBotAliasSettings")
    return definition


def _lambda_arn(node: Any, defaults: dict[str, str]) -> str | Doc | None:
    """A literal ARN, a parameter's default ARN, or the unresolvable intrinsic itself (None: nothing)."""
    if isinstance(node, str):
        return node or None
    if isinstance(node, dict) and set(node) == {"Ref"} and isinstance(node["Ref"], str):
        return defaults.get(node["Ref"]) or dict(node)
    return dict(node) if isinstance(node, dict) else None


def apply_alias_code_hooks(definition: BotDefinition, settings: Any, defaults: dict[str, str], where: str) -> None:
    """Keep where the code came from: an alias's per-locale ``LambdaArn`` becomes the locale's ``lambda:`` hook.

    A Lambda the template computes (GetAtt, Sub, ...) cannot be called locally: the locale gets
    ``none`` with a note naming it. A conditional wiring (``Fn::If``) is left out, as it may be off.
    """
    conditional = isinstance(settings, dict) and isinstance(settings.get("Fn::If"), list) and len(settings["Fn::If"]) == 3
    if conditional:
        settings = settings["Fn::If"][1]  # the wired branch; taken only where its ARN has a value (below)
    if not isinstance(settings, dict) or not isinstance(settings.get("BotAliasLocaleSettings"), list):
        return
    for item in settings["BotAliasLocaleSettings"]:
        if not isinstance(item, dict):
            continue
        locale = definition.locale(str(item.get("LocaleId")))
        setting = item.get("BotAliasLocaleSetting")
        if locale is None or not isinstance(setting, dict) or setting.get("Enabled") is False:
            continue
        hook = (setting.get("CodeHookSpecification") or {}).get("LambdaCodeHook") or {}
        arn = _lambda_arn(hook.get("LambdaArn") if isinstance(hook, dict) else None, defaults)
        if isinstance(arn, str):
            try:
                parse_cli("lambda:" + arn)
                locale.code_hook = CodeHookSpec("lambda", arn, note=f"imported from {where}")
            except CodeHookSpecError:
                locale.code_hook = CodeHookSpec("none", note=f"imported: {where} names Lambda {arn[:200]!r}, not a function ARN")
        elif isinstance(arn, dict) and not conditional:
            shown = json.dumps(arn, sort_keys=True)[:200]
            locale.code_hook = CodeHookSpec("none", note=f"imported: {where} wires Lambda {shown}; name a code hook to run it locally")


def _aliases_of(resources: dict[str, Any], bot_logical_id: str) -> list[tuple[str, Doc]]:
    """The ``AWS::Lex::BotAlias`` resources of a bot (BotId is its Ref or GetAtt), with their properties."""
    refs = ({"Ref": bot_logical_id}, {"Fn::GetAtt": [bot_logical_id, "Id"]}, {"Fn::GetAtt": f"{bot_logical_id}.Id"})
    found = []
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Lex::BotAlias":
            continue
        props = resource.get("Properties")
        if isinstance(props, dict) and props.get("BotId") in refs:
            found.append((str(logical_id), props))
    return found


def from_template(doc: Doc, source: str = "<template>") -> list[BotDefinition]:
    """Every ``AWS::Lex::Bot`` of a template as a definition; SpecError naming ``source`` otherwise."""
    resources = doc.get("Resources")
    if not isinstance(resources, dict):
        raise SpecError([_diag(source, "the template has no Resources mapping", "point at a CloudFormation template")])
    bots = [(k, v) for k, v in resources.items() if isinstance(v, dict) and v.get("Type") == BOT_TYPE]
    if not bots:
        raise SpecError(
            [_diag(source, f"the template declares no {BOT_TYPE} resource", f"point at a template with an {BOT_TYPE} resource")]
        )
    defaults = _parameter_defaults(doc)
    out = []
    problems = []
    for logical_id, resource in bots:
        props = resource.get("Properties")
        if not isinstance(props, dict):
            problems.append(_diag(source, f"{logical_id} has no Properties", "add the bot's Properties", path=f"Resources.{logical_id}"))
            continue
        try:
            definition = bot_from_cfn(str(logical_id), props, defaults)
            for alias_id, alias in _aliases_of(resources, str(logical_id)):
                where = f"Resources.{alias_id}.Properties.BotAliasLocaleSettings"
                apply_alias_code_hooks(definition, alias, defaults, where)
            out.append(definition)
        except ShapeError as exc:
            problems.append(_diag(source, str(exc), "fix this property to match the AWS::Lex::Bot schema", path=exc.path))
    if problems:
        raise SpecError(problems)
    return out
