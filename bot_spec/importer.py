"""Import existing Lex V2 bots: detect the format of a file or folder and build definitions.

Formats: a CloudFormation/SAM template with ``AWS::Lex::Bot`` resources, a LexJson export (zip or
unpacked folder with Manifest.json), and templates whose custom resource carries lexv2-models API
shapes (``botName`` plus ``CR.botLocales``, as aws-samples/aws-lex-v2-cfn-cr does). Intents and
slot types come out in name order, the order the YAML spec stores them in. What chat-lex does not
model is kept in ``extras``; ``import_report`` lists it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from bot_spec.definition import FALLBACK_SIGNATURE, BotDefinition, BotLocale, Intent, Slot, SlotType
from bot_spec.diagnostics import Diagnostic, SpecError
from bot_spec.formats import cloudformation, lex_shapes, lexjson
from bot_spec.formats.lex_shapes import ShapeError, as_dict, as_list, input_shape
from bot_spec.names import LEX_NAME_RULE, is_lex_name

Doc = dict[str, Any]

TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_CR_PREFIX = "CR."


def _diag(source: str, message: str, fix: str, path: str | None = None) -> Diagnostic:
    return Diagnostic(code="I001", severity="error", message=message, file=source, fix=fix, path=path)


def canonical_order(defn: BotDefinition) -> BotDefinition:
    """``defn`` with each locale's intents and slot types sorted by name (order has no meaning in Lex)."""
    for loc in defn.locales:
        loc.intents.sort(key=lambda i: i.name)
        loc.slot_types.sort(key=lambda t: t.name)
    return defn


def _shown(name: str) -> str:
    """A hostile name made printable and short enough for one line (NUL, newlines, 10,000 characters)."""
    return repr(name[:80] + ("..." if len(name) > 80 else ""))


def bad_names(defn: BotDefinition, source: str) -> list[Diagnostic]:
    """One diagnostic per bot, intent, slot or slot-type name that breaks Lex's naming rule.

    These names become file and folder names of the spec, so an import must refuse them
    before anything is written: ``../../x`` would otherwise write outside the output folder.
    """
    found: list[tuple[str, str]] = [("bot", defn.name)]
    for loc in defn.locales:
        found += [(f"slot type ({loc.locale_id})", t.name) for t in loc.slot_types]
        for intent in loc.intents:
            found.append((f"intent ({loc.locale_id})", intent.name))
            found += [(f"slot of intent {_shown(intent.name)} ({loc.locale_id})", s.name) for s in intent.slots]
    return [
        _diag(source, f"{what} name {_shown(name)} breaks Lex's naming rule", f"use {LEX_NAME_RULE}")
        for what, name in found
        if not is_lex_name(name)
    ]


def import_bots(path: Path) -> list[BotDefinition]:
    """The bots in ``path`` (a template, a LexJson zip or folder); SpecError naming the file otherwise.

    Every name is checked against Lex's naming rule, so what comes back is safe to write.
    """
    bots = _import_bots(Path(path))
    problems = [d for defn in bots for d in bad_names(defn, str(path))]
    if problems:
        raise SpecError(problems)
    return bots


def _import_bots(path: Path) -> list[BotDefinition]:
    if path.is_dir():
        if any(p.name.lower() == "manifest.json" for p in path.rglob("*") if p.is_file()):
            return [canonical_order(lexjson.read(path))]
        raise SpecError([_diag(str(path), "the folder holds no Manifest.json", "point at an unpacked LexJson export, a zip or a template")])
    if not path.is_file():
        raise SpecError([_diag(str(path), "no such file or folder", "check the path")])
    if zipfile.is_zipfile(path):
        return [canonical_order(lexjson.read(path))]
    if path.suffix.lower() == ".zip":
        raise SpecError([_diag(str(path), "not a readable zip file", "export the bot again as LexJson")])
    if path.suffix.lower() not in TEMPLATE_SUFFIXES:
        raise SpecError(
            [
                _diag(
                    str(path),
                    f"cannot tell the format of a {path.suffix or 'suffix-less'} file",
                    "give a .yaml/.json template or a LexJson .zip",
                )
            ]
        )
    if path.stat().st_size > cloudformation.MAX_TEMPLATE_BYTES:
        raise SpecError([_diag(str(path), f"the file is larger than {cloudformation.MAX_TEMPLATE_BYTES} bytes", "split the template")])
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise SpecError([_diag(str(path), "the file is not UTF-8 text", "save the template as UTF-8")]) from None
    doc = cloudformation.load_template(text, str(path))
    resources = doc.get("Resources")
    if isinstance(resources, dict):
        types = {r.get("Type") for r in resources.values() if isinstance(r, dict)}
        if cloudformation.BOT_TYPE in types:
            return [canonical_order(d) for d in cloudformation.from_template(doc, str(path))]
        custom = [(k, r) for k, r in resources.items() if _is_custom_bot(r)]
        if custom:
            return [canonical_order(_custom_bot(str(k), r["Properties"], doc, str(path))) for k, r in custom]
    raise SpecError(
        [
            _diag(
                str(path),
                f"no {cloudformation.BOT_TYPE} resource (nor a custom resource with botName and CR.botLocales)",
                "point at a template declaring a Lex V2 bot",
            )
        ]
    )


# ---------------------------------------------------------------- custom-resource templates


def _is_custom_bot(resource: Any) -> bool:
    if not isinstance(resource, dict) or not str(resource.get("Type", "")).startswith("Custom::"):
        return False
    props = resource.get("Properties")
    return isinstance(props, dict) and "botName" in props and f"{_CR_PREFIX}botLocales" in props


def _unprefixed(doc: Doc) -> Doc:
    return {k[len(_CR_PREFIX) :] if k.startswith(_CR_PREFIX) else k: v for k, v in doc.items()}


def _custom_slot(node: Any, path: str) -> Slot:
    doc = _unprefixed(as_dict(node, path))
    if "slotTypeName" in doc:
        doc["slotTypeId"] = doc.pop("slotTypeName")
    return lex_shapes.slot_from_api(lex_shapes.normalize(doc, input_shape("CreateSlot"), path), path)


def _custom_intent(node: Any, path: str) -> Intent:
    doc = _unprefixed(as_dict(node, path))
    slots = [_custom_slot(s, f"{path}.CR.slots[{i}]") for i, s in enumerate(as_list(doc.pop("slots", None), f"{path}.CR.slots"))]
    pairs: list[tuple[int, str]] = []
    for i, item in enumerate(as_list(doc.pop("slotPriorities", None), f"{path}.slotPriorities")):
        item = as_dict(item, f"{path}.slotPriorities[{i}]")
        name = item.get("slotName", item.get("slotId"))
        if not isinstance(item.get("priority"), int) or not isinstance(name, str):
            raise ShapeError(f"{path}.slotPriorities[{i}]", "needs an integer priority and a slotName")
        pairs.append((item["priority"], name))
    api = lex_shapes.normalize(doc, input_shape("CreateIntent"), path)
    # The service creates FallbackIntent itself; these templates only update it by name.
    if api.get("intentName") == "FallbackIntent" and "parentIntentSignature" not in api:
        api["parentIntentSignature"] = FALLBACK_SIGNATURE
    return lex_shapes.intent_from_api(api, slots, lex_shapes.priorities_from(pairs, slots), path)


def _custom_locale(node: Any, path: str) -> BotLocale:
    doc = _unprefixed(as_dict(node, path))
    types: list[SlotType] = []
    for i, item in enumerate(as_list(doc.pop("slotTypes", None), f"{path}.CR.slotTypes")):
        where = f"{path}.CR.slotTypes[{i}]"
        types.append(
            lex_shapes.slot_type_from_api(
                lex_shapes.normalize(_unprefixed(as_dict(item, where)), input_shape("CreateSlotType"), where), where
            )
        )
    intents = [_custom_intent(n, f"{path}.CR.intents[{i}]") for i, n in enumerate(as_list(doc.pop("intents", None), f"{path}.CR.intents"))]
    if not any(i.is_fallback for i in intents):
        intents.append(Intent(name="FallbackIntent", parent_intent_signature=FALLBACK_SIGNATURE))
    api = lex_shapes.normalize(doc, input_shape("CreateBotLocale"), path)
    return lex_shapes.locale_from_api(api, intents, types)


def _custom_bot(logical_id: str, props: Doc, template: Doc, source: str) -> BotDefinition:
    where = f"Resources.{logical_id}.Properties"
    try:
        defaults = {
            str(k): str(v["Default"]) for k, v in (template.get("Parameters") or {}).items() if isinstance(v, dict) and "Default" in v
        }
        name = cloudformation.resolve_name(props.get("botName"), defaults, logical_id)
        locales = [
            _custom_locale(n, f"{where}.CR.botLocales[{i}]")
            for i, n in enumerate(as_list(props.get(f"{_CR_PREFIX}botLocales"), f"{where}.CR.botLocales"))
        ]
        content = {k: v for k, v in props.items() if not k.startswith(_CR_PREFIX) and k not in ("ServiceToken", "botName", "roleArn")}
        api = lex_shapes.normalize(content, input_shape("CreateBot"), where)
        api["botName"] = name
        role = props.get("roleArn")
        return lex_shapes.bot_from_api(api, locales, role if isinstance(role, str) else None)
    except ShapeError as exc:
        raise SpecError([_diag(source, str(exc), "fix this property to match the lexv2-models API shape", path=exc.path)]) from None


# ---------------------------------------------------------------- report


def _extras_lines(where: str, extras: dict[str, Any], prefix: str = "") -> list[str]:
    return [f"{where}: kept {prefix}{key} in extras (not modelled by chat-lex)" for key in sorted(extras)]


def import_report(defn: BotDefinition) -> list[str]:
    """One line per Lex setting that was kept verbatim in ``extras`` rather than modelled."""
    lines = _extras_lines(f"bot {defn.name}", defn.extras)
    for loc in defn.locales:
        lines += _extras_lines(f"locale {loc.locale_id}", loc.extras)
        for slot_type in loc.slot_types:
            lines += _extras_lines(f"slot type {loc.locale_id}/{slot_type.name}", slot_type.extras)
        for intent in loc.intents:
            where = f"intent {loc.locale_id}/{intent.name}"
            lines += _extras_lines(where, intent.extras)
            if intent.confirmation is not None:
                lines += _extras_lines(where, intent.confirmation.extras, "intentConfirmationSetting.")
                lines += _extras_lines(where, intent.confirmation.prompt.extras, "intentConfirmationSetting.promptSpecification.")
            for slot in intent.slots:
                slot_where = f"slot {loc.locale_id}/{intent.name}/{slot.name}"
                lines += _extras_lines(slot_where, slot.extras)
                if slot.prompt is not None:
                    lines += _extras_lines(slot_where, slot.prompt.extras, "valueElicitationSetting.promptSpecification.")
    return lines
