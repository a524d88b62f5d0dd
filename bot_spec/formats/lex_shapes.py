"""Lex V2 shapes shared by the Lex spokes: definition <-> lexv2-models API dicts, and key-case conversion.

Every Lex format is the API shape in another spelling. The spokes build the API-shaped dict of a
resource here (``intent_to_api``...), then respell it (``respell`` to CloudFormation PascalCase or
LexJson camelCase, driven by the CFN resource schema), and read foreign dicts back with
``normalize`` (driven by botocore's ``lexv2-models`` model).

``extras`` convention: a level's ``extras`` is a *partial* API request of that level, deep-merged
with the typed fields. ``Intent.extras == {"intentClosingSetting": {"nextStep": ...}}`` completes
the closing setting built from ``closing_response``; keys are lexv2-models camelCase.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import botocore.session
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

from bot_spec.definition import (
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
    ResolutionStrategy,
    ResponseSpecification,
    Slot,
    SlotType,
    SlotTypeValue,
    VoiceSettings,
)
from bot_spec.diagnostics import Diagnostic, SpecError

Doc = dict[str, Any]
Style = Literal["cfn", "lexjson"]

# Locale extras key of the custom vocabulary, {"customVocabularyItems": [...]}: not a CreateBotLocale
# field (Lex takes it through BatchCreateCustomVocabularyItem), so each spoke places it itself.
CUSTOM_VOCABULARY = "customVocabulary"

# The CFN resource schema of AWS::Lex::Bot, vendored from cfn-lint (a test-only dependency).
CFN_SCHEMA_FILE = Path(__file__).with_name("aws_lex_bot.schema.json")

# Top-level API members whose CFN/LexJson names are not a respelling (resource name fields).
_TOP_LEVEL_NAMES: dict[str, dict[str, str]] = {
    "Intent": {"intentName": "Name", "intentDisplayName": "DisplayName"},
    "Slot": {"slotName": "Name", "slotTypeId": "SlotTypeName"},
    "SlotType": {"slotTypeName": "Name"},
    "BotLocale": {"nluIntentConfidenceThreshold": "NluConfidenceThreshold"},
}
# API maps that CloudFormation writes as lists of two-field items: item definition -> (key, value).
_CFN_MAP_ITEMS: dict[str, tuple[str, str]] = {
    "SessionAttribute": ("Key", "Value"),
    "SlotValueOverrideMap": ("SlotName", "SlotValueOverride"),
    "Tag": ("Key", "Value"),
}
_MAP_ITEM_KEYS = ("Key", "key", "SlotName", "slotName")
_STRATEGIES: dict[str, ResolutionStrategy] = {
    "OriginalValue": "OriginalValue",
    "TopResolution": "TopResolution",
    "Concatenation": "Concatenation",
}


class ShapeError(ValueError):
    """Foreign data does not fit the Lex shape; ``path`` says where."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}")


def as_list(value: Any, path: str) -> list[Any]:
    """``value`` as a list (``None`` as an empty one); ShapeError at ``path`` for anything else."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ShapeError(path, f"expected a list, got {type(value).__name__}")
    return value


def as_dict(value: Any, path: str) -> Doc:
    """``value`` as an object; ShapeError at ``path`` for anything else."""
    if not isinstance(value, dict):
        raise ShapeError(path, f"expected an object, got {type(value).__name__}")
    return value


@contextlib.contextmanager
def located(prefix: str) -> Iterator[None]:
    """Prefix the path of any ShapeError raised inside (``locales.en_US.intents.Order``)."""
    try:
        yield
    except ShapeError as exc:
        raise ShapeError(prefix if exc.path == "<root>" else f"{prefix}.{exc.path}", exc.reason) from None


def definition_error(exc: ShapeError, target: str) -> SpecError:
    """A definition that cannot be written as ``target``: a SpecError pointing at the field."""
    return SpecError(
        [
            Diagnostic(
                code="F001",
                severity="error",
                message=f"cannot write {target}: {exc.reason}",
                file="<definition>",
                path=exc.path,
                fix="make lex_extras at this path follow the lexv2-models API shape",
            )
        ]
    )


# ---------------------------------------------------------------- models


@functools.cache
def service_model() -> ServiceModel:
    """botocore's lexv2-models service model (loaded once)."""
    return botocore.session.get_session().get_service_model("lexv2-models")


def input_shape(operation: str) -> StructureShape:
    """The input shape of a lexv2-models operation (``CreateIntent``)."""
    shape = service_model().operation_model(operation).input_shape
    assert isinstance(shape, StructureShape)
    return shape


def member_shape(operation: str, member: str) -> Shape:
    """The shape of one member of an operation's input."""
    return input_shape(operation).members[member]


@functools.cache
def cfn_bot_schema() -> Doc:
    """The CloudFormation resource schema of ``AWS::Lex::Bot`` (properties and definitions)."""
    schema: Doc = json.loads(CFN_SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def cfn_definition(name: str) -> Doc:
    """A named definition of the ``AWS::Lex::Bot`` schema."""
    node: Doc = cfn_bot_schema()["definitions"][name]
    return node


def _resolve(node: Doc | None) -> Doc | None:
    while node is not None and "$ref" in node:
        node = cfn_definition(node["$ref"].rsplit("/", 1)[-1])
    return node


def _ref_name(node: Doc | None) -> str | None:
    if node is not None and "$ref" in node:
        return str(node["$ref"]).rsplit("/", 1)[-1]
    return None


# ---------------------------------------------------------------- key spelling


def _norm(name: str) -> str:
    return name.replace("_", "").lower()


def pascal(name: str) -> str:
    """``messageGroups`` -> ``MessageGroups``."""
    return name[:1].upper() + name[1:]


def lower_camel(name: str) -> str:
    """``DTMFSpecification`` -> ``dtmfSpecification``, ``IsActive`` -> ``isActive``."""
    match = re.match(r"[A-Z]+", name)
    if match is None:
        return name
    run = match.group(0)
    if len(run) == len(name) or len(run) == 1:
        return name.lower() if len(run) == len(name) else name[0].lower() + name[1:]
    return run[:-1].lower() + name[len(run) - 1 :]


def _cfn_name(member: str, props: Doc) -> str | None:
    """The CFN property spelling an API member takes in a definition's properties."""
    by_norm = {_norm(p): p for p in props}
    # IsActive, MessageGroupsList, NluImprovementSpecification, BedrockTraceStatus, BedrockModelCustomPrompt
    candidates = (member, "is" + member, member + "List", member + "Specification")
    for candidate in (*candidates, "Bedrock" + member, "BedrockModel" + member, "Bedrock" + member + "Configuration"):
        found = by_norm.get(_norm(candidate))
        if found is not None:
            return found
    # Last resort: a unique property ending in the member's name (identifier -> BedrockGuardrailIdentifier).
    endings = [p for p in props if _norm(p).endswith(_norm(member))]
    return endings[0] if len(endings) == 1 else None


def _api_member(key: str, members: dict[str, Shape]) -> str | None:
    """The API member a foreign key (``IsActive``, ``messageGroupsList``, ``LambdaArn``) names."""
    by_norm = {_norm(m): m for m in members}
    norm = _norm(key)
    candidates = [norm]
    if norm.startswith("is"):
        candidates.append(norm[2:])
    if norm.endswith("list"):  # messageGroupsList, and the older exports' messageGroupList
        candidates += [norm[:-4], norm[:-4] + "s"]
    for affix in ("specification", "configuration"):  # NluImprovementSpecification, BedrockGuardrailConfiguration
        candidates += [c[: -len(affix)] for c in list(candidates) if c.endswith(affix)]
    for prefix in ("bedrockmodel", "bedrock"):  # BedrockTraceStatus, BedrockModelCustomPrompt
        candidates += [c[len(prefix) :] for c in list(candidates) if c.startswith(prefix)]
    for candidate in candidates:
        if candidate in by_norm:
            return by_norm[candidate]
    endings = sorted((m for m in members if len(m) > 3 and norm.endswith(_norm(m))), key=len, reverse=True)
    return endings[0] if endings else None


def _enum_value(value: str, allowed: list[str]) -> str:
    if value in allowed:
        return value
    by_norm = {_norm(a): a for a in allowed}
    return by_norm.get(_norm(value), value)


# ---------------------------------------------------------------- foreign -> API


def normalize(value: Any, shape: Shape, path: str = "") -> Any:
    """Foreign-spelled data (CFN, LexJson, API) as the API shape; nulls dropped, types checked.

    Unknown structure keys are kept (camelCased) so nothing is dropped; the API validation at
    publish time names them.
    """
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise ShapeError(path or "<root>", f"expected an object ({shape.name}), got {type(value).__name__}")
        out: Doc = {}
        for key, item in value.items():
            if item is None:
                continue
            member = _api_member(str(key), shape.members)
            where = f"{path}.{key}" if path else str(key)
            if member is None:
                out[lower_camel(str(key))] = copy.deepcopy(item)
                continue
            out[member] = normalize(item, shape.members[member], where)
        return out
    if isinstance(shape, MapShape):
        return _normalize_map(value, shape, path)
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise ShapeError(path or "<root>", f"expected a list ({shape.name}), got {type(value).__name__}")
        return [normalize(v, shape.member, f"{path}[{i}]") for i, v in enumerate(value) if v is not None]
    return _normalize_scalar(value, shape, path)


def _normalize_map(value: Any, shape: MapShape, path: str) -> Doc:
    if isinstance(value, list):  # CloudFormation's [{Key, Value}] / [{SlotName, SlotValueOverride}]
        pairs: Doc = {}
        for i, item in enumerate(value):
            key_field = next((k for k in _MAP_ITEM_KEYS if isinstance(item, dict) and k in item), None)
            if key_field is None or not isinstance(item, dict):
                raise ShapeError(f"{path}[{i}]", "expected an item with Key/SlotName")
            rest = [v for k, v in item.items() if k != key_field]
            pairs[str(item[key_field])] = rest[0] if rest else None
        value = pairs
    if not isinstance(value, dict):
        raise ShapeError(path or "<root>", f"expected a mapping ({shape.name}), got {type(value).__name__}")
    return {str(k): normalize(v, shape.value, f"{path}.{k}") for k, v in value.items() if v is not None}


def _normalize_scalar(value: Any, shape: Shape, path: str) -> Any:
    kind = shape.type_name
    where = path or "<root>"
    if kind == "string":
        if not isinstance(value, str) or isinstance(value, bool):
            raise ShapeError(where, f"expected a string, got {type(value).__name__}")
        enum: list[str] = list(getattr(shape, "enum", None) or [])
        return _enum_value(value, list(enum)) if enum else value
    if kind == "boolean":
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if not isinstance(value, bool):
            raise ShapeError(where, f"expected true or false, got {type(value).__name__}")
        return value
    if kind in ("integer", "long"):
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ShapeError(where, f"expected an integer, got {type(value).__name__}")
        return value
    if kind in ("double", "float"):
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise ShapeError(where, f"expected a number, got {value!r}") from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ShapeError(where, f"expected a number, got {type(value).__name__}")
        return float(value)
    return value


# ---------------------------------------------------------------- API -> CFN / LexJson


def respell(value: Any, shape: Shape, node: Doc | None, style: Style, path: str = "") -> Any:
    """API-shaped data in CloudFormation (PascalCase) or LexJson (camelCase) spelling.

    Names come from the CFN schema (``active`` -> ``IsActive``, ``messageGroups`` ->
    ``MessageGroupsList``, ``lambdaARN`` -> ``LambdaArn``); enums take the schema's spelling
    (``TopResolution`` -> ``TOP_RESOLUTION``). CloudFormation writes two API maps as lists.
    ShapeError when ``value`` (say, hand-written extras) does not have the API's structure.
    """
    item_name = _ref_name(node)
    node = _resolve(node)
    where = path or "<root>"
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise ShapeError(where, f"expected an object ({shape.name}), got {type(value).__name__}")
        props: Doc = (node or {}).get("properties", {})
        out: Doc = {}
        for member, item in value.items():
            if member not in shape.members:  # unknown extras stay, respelled by case only
                out[pascal(member) if style == "cfn" else member] = item
                continue
            cfn = _TOP_LEVEL_NAMES.get(item_name or "", {}).get(member) or _cfn_name(member, props) or pascal(member)
            spelled = respell(item, shape.members[member], props.get(cfn), style, f"{path}.{member}" if path else member)
            out[cfn if style == "cfn" else lower_camel(cfn)] = spelled
        return out
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise ShapeError(where, f"expected a mapping ({shape.name}), got {type(value).__name__}")
        return _respell_map(value, shape, node, style, path)
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise ShapeError(where, f"expected a list ({shape.name}), got {type(value).__name__}")
        items = (node or {}).get("items")
        return [respell(v, shape.member, items, style, f"{path}[{i}]") for i, v in enumerate(value)]
    enum = (node or {}).get("enum")
    if enum and isinstance(value, str):
        return _enum_value(value, list(enum))
    return value


def _respell_map(value: Doc, shape: MapShape, node: Doc | None, style: Style, path: str) -> Any:
    if node is not None and node.get("type") == "array" and style == "cfn":
        item_name = _ref_name(node.get("items")) or ""
        key_name, value_name = _CFN_MAP_ITEMS.get(item_name, ("Key", "Value"))
        item_node = _resolve(node.get("items")) or {}
        item_value_node = item_node.get("properties", {}).get(value_name)
        return [{key_name: k, value_name: respell(v, shape.value, item_value_node, style, f"{path}.{k}")} for k, v in value.items()]
    value_node = None
    if node is not None:
        if node.get("type") == "array":  # LexJson keeps the API map; the item's value field tells the spelling
            item_name = _ref_name(node.get("items")) or ""
            value_name = _CFN_MAP_ITEMS.get(item_name, ("Key", "Value"))[1]
            value_node = (_resolve(node.get("items")) or {}).get("properties", {}).get(value_name)
        else:
            patterns = node.get("patternProperties") or {}
            value_node = next(iter(patterns.values()), None) or node.get("additionalProperties") or None
            if not isinstance(value_node, dict):
                value_node = None
    return {k: respell(v, shape.value, value_node, style, f"{path}.{k}") for k, v in value.items()}


# ---------------------------------------------------------------- extras


def deep_merge(base: Doc, extra: Doc) -> Doc:
    """``base`` with ``extra`` merged in; nested objects merge, typed values in ``base`` win."""
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        elif key not in out:
            out[key] = copy.deepcopy(value)
    return out


def _take(doc: Doc, key: str) -> Any:
    return doc.pop(key, None)


def _rest(doc: Doc | None) -> Doc:
    """What is left of a container once its typed fields were taken; {} when nothing."""
    return {k: v for k, v in (doc or {}).items() if v not in (None, {}, [])}


# ---------------------------------------------------------------- messages


def message_to_api(msg: Message) -> Doc:
    """A definition message as a lexv2-models ``Message``."""
    if msg.plain_text is not None:
        return {"plainTextMessage": {"value": msg.plain_text}}
    if msg.ssml is not None:
        return {"ssmlMessage": {"value": msg.ssml}}
    if msg.custom_payload is not None:
        return {"customPayload": {"value": msg.custom_payload}}
    card = msg.image_response_card
    if card is None:
        raise ShapeError("message", "a message needs text, SSML, a custom payload or a card")
    out: Doc = {"title": card.title}
    if card.subtitle is not None:
        out["subtitle"] = card.subtitle
    if card.image_url is not None:
        out["imageUrl"] = card.image_url
    if card.buttons:
        out["buttons"] = [{"text": b.text, "value": b.value} for b in card.buttons]
    return {"imageResponseCard": out}


def message_from_api(doc: Doc, path: str) -> Message:
    """A lexv2-models ``Message`` (normalized) as a definition message."""
    if "plainTextMessage" in doc:
        return Message(plain_text=doc["plainTextMessage"].get("value", ""))
    if "ssmlMessage" in doc:
        return Message(ssml=doc["ssmlMessage"].get("value", ""))
    if "customPayload" in doc:
        return Message(custom_payload=doc["customPayload"].get("value", ""))
    if "imageResponseCard" in doc:
        card = doc["imageResponseCard"]
        if "title" not in card:
            raise ShapeError(f"{path}.imageResponseCard", "a card needs a title")
        return Message(
            image_response_card=ImageResponseCard(
                title=card["title"],
                subtitle=card.get("subtitle"),
                image_url=card.get("imageUrl"),
                buttons=[Button(text=b.get("text", ""), value=b.get("value", "")) for b in card.get("buttons", [])],
            )
        )
    raise ShapeError(path, "a message needs plainTextMessage, ssmlMessage, customPayload or imageResponseCard")


def groups_to_api(groups: list[MessageGroup]) -> list[Doc]:
    """Message groups as lexv2-models ``MessageGroup`` dicts."""
    out = []
    for group in groups:
        item: Doc = {"message": message_to_api(group.message)}
        if group.variations:
            item["variations"] = [message_to_api(v) for v in group.variations]
        out.append(item)
    return out


def groups_from_api(groups: list[Doc], path: str) -> list[MessageGroup]:
    """Normalized ``MessageGroup`` dicts as definition message groups."""
    out = []
    for i, group in enumerate(groups):
        if "message" not in group:
            raise ShapeError(f"{path}[{i}]", "a message group needs a message")
        out.append(
            MessageGroup(
                message=message_from_api(group["message"], f"{path}[{i}].message"),
                variations=[message_from_api(v, f"{path}[{i}].variations[{j}]") for j, v in enumerate(group.get("variations", []))],
            )
        )
    return out


def response_to_api(spec: ResponseSpecification) -> Doc:
    """A response as a lexv2-models ``ResponseSpecification``."""
    out: Doc = {"messageGroups": groups_to_api(spec.message_groups)}
    if spec.allow_interrupt is not None:
        out["allowInterrupt"] = spec.allow_interrupt
    return out


def _required_groups(doc: Doc, path: str) -> list[MessageGroup]:
    groups = doc.get("messageGroups")
    if not groups:
        raise ShapeError(f"{path}.messageGroups", "needs at least one message group")
    return groups_from_api(groups, f"{path}.messageGroups")


def response_from_api(doc: Doc, path: str) -> ResponseSpecification:
    """A normalized ``ResponseSpecification`` as a definition response."""
    return ResponseSpecification(
        message_groups=_required_groups(doc, path),
        allow_interrupt=doc.get("allowInterrupt"),
    )


def prompt_to_api(spec: PromptSpecification) -> Doc:
    """A prompt as a lexv2-models ``PromptSpecification`` (extras merged)."""
    out: Doc = {"messageGroups": groups_to_api(spec.message_groups), "maxRetries": spec.max_retries}
    if spec.allow_interrupt is not None:
        out["allowInterrupt"] = spec.allow_interrupt
    if spec.message_selection_strategy is not None:
        out["messageSelectionStrategy"] = spec.message_selection_strategy
    return deep_merge(out, spec.extras)


def prompt_from_api(doc: Doc, path: str) -> PromptSpecification:
    """A normalized ``PromptSpecification`` as a definition prompt."""
    rest = dict(doc)
    groups = _required_groups(rest, path)
    rest.pop("messageGroups")
    retries = _take(rest, "maxRetries")
    return PromptSpecification(
        message_groups=groups,
        max_retries=2 if retries is None else int(retries),
        allow_interrupt=_take(rest, "allowInterrupt"),
        message_selection_strategy=_take(rest, "messageSelectionStrategy"),
        extras=_rest(rest),
    )


# ---------------------------------------------------------------- resources: definition -> API


def bot_to_api(defn: BotDefinition) -> Doc:
    """``CreateBot`` fields of a definition (without ``roleArn``)."""
    out: Doc = {
        "botName": defn.name,
        "dataPrivacy": {"childDirected": defn.child_directed},
        "idleSessionTTLInSeconds": defn.idle_session_ttl_in_seconds,
    }
    if defn.description is not None:
        out["description"] = defn.description
    if defn.tags:
        out["botTags"] = dict(defn.tags)
    return deep_merge(out, defn.extras)


def custom_vocabulary_items(value: Any, path: str) -> list[Doc]:
    """Custom vocabulary items (``{phrase, weight?, displayAs?}``) from any spelling of the vocabulary.

    CloudFormation writes ``{CustomVocabularyItems: [{Phrase...}]}``; exports and the extras use
    ``{customVocabularyItems: [...]}``; a bare list of items is accepted too.
    """
    if isinstance(value, dict):
        lists = [v for k, v in value.items() if _norm(str(k)).endswith(("items", "itemlist"))]
        if len(lists) != 1:
            raise ShapeError(path or "<root>", "expected one customVocabularyItems list")
        value = lists[0]
    if not isinstance(value, list):
        raise ShapeError(path or "<root>", f"expected a list of vocabulary items, got {type(value).__name__}")
    item_shape = member_shape("BatchCreateCustomVocabularyItem", "customVocabularyItemList")
    assert isinstance(item_shape, ListShape)
    items: list[Doc] = normalize(value, item_shape, f"{path}.customVocabularyItems" if path else "customVocabularyItems")
    for i, item in enumerate(items):
        if not isinstance(item.get("phrase"), str):
            raise ShapeError(f"{path}.customVocabularyItems[{i}]", "a vocabulary item needs a phrase")
    return items


def locale_to_api(locale: BotLocale) -> Doc:
    """``CreateBotLocale`` fields of a locale (without bot ids); a custom vocabulary stays under ``customVocabulary``."""
    out: Doc = {"localeId": locale.locale_id, "nluIntentConfidenceThreshold": locale.nlu_intent_confidence_threshold}
    if locale.description is not None:
        out["description"] = locale.description
    if locale.voice_settings is not None:
        voice: Doc = {"voiceId": locale.voice_settings.voice_id}
        if locale.voice_settings.engine is not None:
            voice["engine"] = locale.voice_settings.engine
        out["voiceSettings"] = voice
    return deep_merge(out, locale.extras)


def slot_type_to_api(slot_type: SlotType) -> Doc:
    """``CreateSlotType`` fields of a slot type (without bot ids)."""
    out: Doc = {"slotTypeName": slot_type.name}
    if slot_type.description is not None:
        out["description"] = slot_type.description
    if slot_type.values:
        out["slotTypeValues"] = [
            {"sampleValue": {"value": v.value}, **({"synonyms": [{"value": s} for s in v.synonyms]} if v.synonyms else {})}
            for v in slot_type.values
        ]
    selection: Doc = {"resolutionStrategy": slot_type.resolution_strategy}
    if slot_type.regex_filter is not None:
        selection["regexFilter"] = {"pattern": slot_type.regex_filter}
    out["valueSelectionSetting"] = selection
    if slot_type.parent_slot_type_signature is not None:
        out["parentSlotTypeSignature"] = slot_type.parent_slot_type_signature
    return deep_merge(out, slot_type.extras)


def _confirmation_to_api(conf: IntentConfirmation) -> Doc:
    out: Doc = {"promptSpecification": prompt_to_api(conf.prompt)}
    if conf.declination_response is not None:
        out["declinationResponse"] = response_to_api(conf.declination_response)
    if conf.confirmation_response is not None:
        out["confirmationResponse"] = response_to_api(conf.confirmation_response)
    out["active"] = conf.active
    return deep_merge(out, conf.extras)


def intent_to_api(intent: Intent) -> Doc:
    """``CreateIntent`` fields of an intent (without bot ids, slots or slot priorities)."""
    out: Doc = {"intentName": intent.name}
    if intent.description is not None:
        out["description"] = intent.description
    if intent.parent_intent_signature is not None:
        out["parentIntentSignature"] = intent.parent_intent_signature
    if intent.sample_utterances:
        out["sampleUtterances"] = [{"utterance": u} for u in intent.sample_utterances]
    out["dialogCodeHook"] = {"enabled": intent.dialog_code_hook}
    out["fulfillmentCodeHook"] = {"enabled": intent.fulfillment_code_hook}
    if intent.confirmation is not None:
        out["intentConfirmationSetting"] = _confirmation_to_api(intent.confirmation)
    if intent.closing_response is not None or not intent.closing_active:
        closing: Doc = {"active": intent.closing_active}
        if intent.closing_response is not None:
            closing["closingResponse"] = response_to_api(intent.closing_response)
        out["intentClosingSetting"] = closing
    if intent.input_contexts:
        out["inputContexts"] = [{"name": n} for n in intent.input_contexts]
    if intent.output_contexts:
        out["outputContexts"] = [
            {"name": c.name, "timeToLiveInSeconds": c.time_to_live_in_seconds, "turnsToLive": c.turns_to_live}
            for c in intent.output_contexts
        ]
    return deep_merge(out, intent.extras)


def slot_to_api(slot: Slot) -> Doc:
    """``CreateSlot`` fields of a slot; ``slotTypeId`` holds the slot type *name*."""
    elicitation: Doc = {"slotConstraint": slot.slot_constraint}
    if slot.prompt is not None:
        elicitation["promptSpecification"] = prompt_to_api(slot.prompt)
    if slot.sample_utterances:
        elicitation["sampleUtterances"] = [{"utterance": u} for u in slot.sample_utterances]
    if slot.default_values:
        elicitation["defaultValueSpecification"] = {"defaultValueList": [{"defaultValue": v} for v in slot.default_values]}
    out: Doc = {"slotName": slot.name, "slotTypeId": slot.slot_type_name}
    if slot.description is not None:
        out["description"] = slot.description
    out["valueElicitationSetting"] = elicitation
    if slot.allow_multiple_values:
        out["multipleValuesSetting"] = {"allowMultipleValues": True}
    if slot.obfuscate:
        out["obfuscationSetting"] = {"obfuscationSettingType": "DefaultObfuscation"}
    return deep_merge(out, slot.extras)


# ---------------------------------------------------------------- resources: API -> definition


def bot_from_api(doc: Doc, locales: list[BotLocale], role_arn: str | None) -> BotDefinition:
    """A definition from normalized ``CreateBot`` fields and already-built locales."""
    rest = dict(doc)
    name = _take(rest, "botName")
    if not isinstance(name, str) or not name:
        raise ShapeError("botName", "the bot has no name")
    privacy = _take(rest, "dataPrivacy") or {}
    ttl = _take(rest, "idleSessionTTLInSeconds")
    _take(rest, "roleArn")
    return BotDefinition(
        name=name,
        idle_session_ttl_in_seconds=300 if ttl is None else int(ttl),
        child_directed=bool(privacy.get("childDirected", False)),
        description=_take(rest, "description"),
        role_arn=role_arn,
        locales=locales,
        tags=dict(_take(rest, "botTags") or {}),
        extras=_rest(rest),
    )


def locale_from_api(doc: Doc, intents: list[Intent], slot_types: list[SlotType]) -> BotLocale:
    """A locale from normalized ``CreateBotLocale`` fields and already-built contents."""
    rest = dict(doc)
    locale_id = _take(rest, "localeId")
    if not isinstance(locale_id, str) or not locale_id:
        raise ShapeError("localeId", "the locale has no id")
    threshold = _take(rest, "nluIntentConfidenceThreshold")
    voice = _take(rest, "voiceSettings")
    return BotLocale(
        locale_id=locale_id,
        nlu_intent_confidence_threshold=0.40 if threshold is None else float(threshold),
        description=_take(rest, "description"),
        voice_settings=None if not voice else VoiceSettings(voice_id=voice.get("voiceId", ""), engine=voice.get("engine")),
        intents=intents,
        slot_types=slot_types,
        extras=_rest(rest),
    )


def slot_type_from_api(doc: Doc, path: str) -> SlotType:
    """A slot type from normalized ``CreateSlotType`` fields."""
    rest = dict(doc)
    name = _take(rest, "slotTypeName")
    if not isinstance(name, str) or not name:
        raise ShapeError(f"{path}.slotTypeName", "the slot type has no name")
    selection = dict(_take(rest, "valueSelectionSetting") or {})
    regex = _take(selection, "regexFilter") or {}
    strategy = _take(selection, "resolutionStrategy") or "OriginalValue"
    if strategy not in _STRATEGIES:
        raise ShapeError(f"{path}.valueSelectionSetting.resolutionStrategy", f"unknown resolution strategy {strategy!r}")
    values = [
        SlotTypeValue(value=v.get("sampleValue", {}).get("value", ""), synonyms=[s.get("value", "") for s in v.get("synonyms", [])])
        for v in _take(rest, "slotTypeValues") or []
    ]
    description = _take(rest, "description")
    parent = _take(rest, "parentSlotTypeSignature")
    extras = _rest(rest)
    if _rest(selection):
        extras["valueSelectionSetting"] = _rest(selection)
    return SlotType(
        name=name,
        description=description,
        values=values,
        resolution_strategy=_STRATEGIES[strategy],
        regex_filter=regex.get("pattern"),
        parent_slot_type_signature=parent,
        extras=extras,
    )


def slot_from_api(doc: Doc, path: str) -> Slot:
    """A slot from normalized ``CreateSlot`` fields whose ``slotTypeId`` holds the type name."""
    rest = dict(doc)
    name = _take(rest, "slotName")
    type_name = _take(rest, "slotTypeId")
    if not isinstance(name, str) or not name:
        raise ShapeError(f"{path}.slotName", "the slot has no name")
    if not isinstance(type_name, str) or not type_name:
        raise ShapeError(f"{path}.slotTypeName", f"slot {name!r} has no slot type")
    elicitation = dict(_take(rest, "valueElicitationSetting") or {})
    constraint = _take(elicitation, "slotConstraint") or "Optional"
    prompt = _take(elicitation, "promptSpecification")
    utterances = _take(elicitation, "sampleUtterances") or []
    defaults = dict(_take(elicitation, "defaultValueSpecification") or {})
    default_list = _take(defaults, "defaultValueList") or []
    multiple = dict(_take(rest, "multipleValuesSetting") or {})
    obfuscation = dict(_take(rest, "obfuscationSetting") or {})
    description = _take(rest, "description")
    extras = _rest(rest)
    if _rest(elicitation):
        extras["valueElicitationSetting"] = _rest(elicitation)
    if _rest(defaults):
        extras.setdefault("valueElicitationSetting", {})["defaultValueSpecification"] = _rest(defaults)
    allow_multiple = bool(_take(multiple, "allowMultipleValues"))
    obfuscate = _take(obfuscation, "obfuscationSettingType") == "DefaultObfuscation"
    return Slot(
        name=name,
        slot_type_name=type_name,
        slot_constraint="Required" if constraint == "Required" else "Optional",
        description=description,
        prompt=None if prompt is None else prompt_from_api(prompt, f"{path}.valueElicitationSetting.promptSpecification"),
        sample_utterances=[u.get("utterance", "") for u in utterances],
        default_values=[d.get("defaultValue", "") for d in default_list],
        allow_multiple_values=allow_multiple,
        obfuscate=obfuscate,
        extras=extras,
    )


def intent_from_api(doc: Doc, slots: list[Slot], slot_priorities: list[str], path: str) -> Intent:
    """An intent from normalized ``CreateIntent`` fields plus its slots and slot order (names)."""
    rest = dict(doc)
    name = _take(rest, "intentName")
    if not isinstance(name, str) or not name:
        raise ShapeError(f"{path}.intentName", "the intent has no name")
    dialog = dict(_take(rest, "dialogCodeHook") or {})
    fulfillment = dict(_take(rest, "fulfillmentCodeHook") or {})
    extras: Doc = {}
    dialog_on = bool(_take(dialog, "enabled"))
    fulfillment_on = bool(_take(fulfillment, "enabled"))
    if _rest(fulfillment):
        extras["fulfillmentCodeHook"] = _rest(fulfillment)
    confirmation = None
    conf_doc = dict(_take(rest, "intentConfirmationSetting") or {})
    if "promptSpecification" in conf_doc:
        where = f"{path}.intentConfirmationSetting"
        prompt = prompt_from_api(_take(conf_doc, "promptSpecification"), f"{where}.promptSpecification")
        declination = _take(conf_doc, "declinationResponse")
        confirmed = _take(conf_doc, "confirmationResponse")
        active = _take(conf_doc, "active")
        confirmation = IntentConfirmation(
            prompt=prompt,
            declination_response=None if declination is None else response_from_api(declination, f"{where}.declinationResponse"),
            confirmation_response=None if confirmed is None else response_from_api(confirmed, f"{where}.confirmationResponse"),
            active=True if active is None else bool(active),
            extras=_rest(conf_doc),
        )
    elif _rest(conf_doc):
        extras["intentConfirmationSetting"] = _rest(conf_doc)
    closing_doc = dict(_take(rest, "intentClosingSetting") or {})
    closing = _take(closing_doc, "closingResponse")
    closing_active = _take(closing_doc, "active")
    if _rest(closing_doc):
        extras["intentClosingSetting"] = _rest(closing_doc)
    description = _take(rest, "description")
    parent = _take(rest, "parentIntentSignature")
    utterances = _take(rest, "sampleUtterances") or []
    inputs = _take(rest, "inputContexts") or []
    outputs = _take(rest, "outputContexts") or []
    extras.update(_rest(rest))
    return Intent(
        name=name,
        description=description,
        parent_intent_signature=parent,
        sample_utterances=[u.get("utterance", "") for u in utterances],
        slots=slots,
        slot_priorities=slot_priorities,
        dialog_code_hook=dialog_on,
        fulfillment_code_hook=fulfillment_on,
        confirmation=confirmation,
        closing_response=None if closing is None else response_from_api(closing, f"{path}.intentClosingSetting.closingResponse"),
        closing_active=True if closing_active is None else bool(closing_active),
        input_contexts=[c.get("name", "") for c in inputs],
        output_contexts=[
            OutputContext(
                name=c.get("name", ""),
                time_to_live_in_seconds=int(c.get("timeToLiveInSeconds", 90)),
                turns_to_live=int(c.get("turnsToLive", 5)),
            )
            for c in outputs
        ],
        extras=extras,
    )


def priorities_from(pairs: list[tuple[int, str]], slots: list[Slot]) -> list[str]:
    """Slot names in priority order (lowest number first); slots without a priority follow in order."""
    ordered = [name for _, name in sorted(pairs, key=lambda p: p[0])]
    return ordered + [s.name for s in slots if s.name not in ordered]
