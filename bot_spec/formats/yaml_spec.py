"""The YAML spec spoke: a bot folder (bot.yaml, intents/, slot_types/) to and from the definition.

Authors write intents once, with per-locale text (``utterances: {en_US: [...]}``); the
definition is per locale, as Lex is. Reading validates against the JSON Schema first
(see ``bot_spec.spec_source``), so the builders here may assume well-typed data.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from bot_spec.code_hook import CodeHookSpecError, parse_doc
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
    ResponseSpecification,
    Slot,
    SlotType,
    SlotTypeValue,
    VoiceSettings,
)
from bot_spec.diagnostics import Diagnostic, SpecError
from bot_spec.formats.yaml_text import dump_yaml

Doc = dict[str, Any]


# ---------------------------------------------------------------- messages


def _message_from(node: Any) -> Message:
    if isinstance(node, str):
        return Message(plain_text=node)
    if "text" in node:
        return Message(plain_text=node["text"])
    if "ssml" in node:
        return Message(ssml=node["ssml"])
    if "custom_payload" in node:
        return Message(custom_payload=node["custom_payload"])
    card = node["card"]
    return Message(
        image_response_card=ImageResponseCard(
            title=card["title"],
            subtitle=card.get("subtitle"),
            image_url=card.get("image_url"),
            buttons=[Button(text=b["text"], value=b["value"]) for b in card.get("buttons", [])],
        )
    )


def _group_from(node: Any) -> MessageGroup:
    if isinstance(node, dict) and "variations" in node:
        primary = {k: v for k, v in node.items() if k != "variations"}
        return MessageGroup(
            message=_message_from(primary),
            variations=[_message_from(v) for v in node["variations"]],
        )
    return MessageGroup(message=_message_from(node))


def _groups_from(node: Any) -> tuple[list[MessageGroup], Doc]:
    """Message groups plus the per-locale options given in the long form."""
    if isinstance(node, str):
        return [_group_from(node)], {}
    if isinstance(node, list):
        return [_group_from(g) for g in node], {}
    options = {k: v for k, v in node.items() if k != "groups"}
    return [_group_from(g) for g in node["groups"]], options


def _message_to(msg: Message) -> Any:
    if msg.plain_text is not None:
        return msg.plain_text
    if msg.ssml is not None:
        return {"ssml": msg.ssml}
    if msg.custom_payload is not None:
        return {"custom_payload": msg.custom_payload}
    card = msg.image_response_card
    assert card is not None
    out: Doc = {"title": card.title}
    if card.subtitle is not None:
        out["subtitle"] = card.subtitle
    if card.image_url is not None:
        out["image_url"] = card.image_url
    if card.buttons:
        out["buttons"] = [{"text": b.text, "value": b.value} for b in card.buttons]
    return {"card": out}


def _group_to(group: MessageGroup) -> Any:
    primary = _message_to(group.message)
    if not group.variations:
        return primary
    node: Doc = {"text": primary} if isinstance(primary, str) else dict(primary)
    node["variations"] = [_message_to(v) for v in group.variations]
    return node


def _groups_to(groups: list[MessageGroup], options: Doc) -> Any:
    plain = [_group_to(g) for g in groups]
    if options:
        return {"groups": plain, **options}
    if len(plain) == 1 and isinstance(plain[0], str):
        return plain[0]
    return plain


def _response_from(node: Any) -> ResponseSpecification:
    groups, options = _groups_from(node)
    return ResponseSpecification(message_groups=groups, allow_interrupt=options.get("allow_interrupt"))


def _response_to(spec: ResponseSpecification) -> Any:
    options = {} if spec.allow_interrupt is None else {"allow_interrupt": spec.allow_interrupt}
    return _groups_to(spec.message_groups, options)


def _prompt_from(node: Any, default_retries: int, default_selection: str | None) -> PromptSpecification:
    groups, options = _groups_from(node)
    return PromptSpecification(
        message_groups=groups,
        max_retries=options.get("max_retries", default_retries),
        allow_interrupt=options.get("allow_interrupt"),
        message_selection_strategy=options.get("selection", default_selection),
        extras=dict(options.get("lex_extras", {})),
    )


def _prompt_to(spec: PromptSpecification, shared_retries: int | None, shared_selection: str | None) -> Any:
    options: Doc = {}
    if spec.max_retries != shared_retries:
        options["max_retries"] = spec.max_retries
    if spec.allow_interrupt is not None:
        options["allow_interrupt"] = spec.allow_interrupt
    if spec.message_selection_strategy != shared_selection:
        options["selection"] = spec.message_selection_strategy
    if spec.extras:
        options["lex_extras"] = spec.extras
    return _groups_to(spec.message_groups, options)


# ---------------------------------------------------------------- reading


def _localized(node: Any, locale_id: str) -> Any:
    """The value of a per-locale mapping for ``locale_id`` (None when absent)."""
    if isinstance(node, dict):
        return node.get(locale_id)
    return None


def _intent_locales(doc: Doc, bot_locales: list[str]) -> list[str]:
    return list(doc.get("locales", bot_locales))


def _slot_from(doc: Doc, locale_id: str) -> Slot:
    retries = int(doc.get("max_retries", 2))
    selection = doc.get("selection")
    prompt_node = _localized(doc.get("prompt"), locale_id)
    return Slot(
        name=doc["name"],
        slot_type_name=doc["type"],
        slot_constraint="Required" if doc.get("required", False) else "Optional",
        description=doc.get("description"),
        prompt=None if prompt_node is None else _prompt_from(prompt_node, retries, selection),
        sample_utterances=list(_localized(doc.get("sample_utterances"), locale_id) or []),
        default_values=list(doc.get("default_values", [])),
        allow_multiple_values=bool(doc.get("multiple_values", False)),
        obfuscate=bool(doc.get("obfuscate", False)),
        extras=dict(_localized(doc.get("lex_extras"), locale_id) or {}),
    )


def _confirmation_from(doc: Doc, locale_id: str) -> IntentConfirmation | None:
    prompt_node = _localized(doc.get("prompt"), locale_id)
    if prompt_node is None:
        return None
    declination = _localized(doc.get("declination"), locale_id)
    confirmed = _localized(doc.get("confirmed"), locale_id)
    return IntentConfirmation(
        prompt=_prompt_from(prompt_node, int(doc.get("max_retries", 2)), doc.get("selection")),
        declination_response=None if declination is None else _response_from(declination),
        confirmation_response=None if confirmed is None else _response_from(confirmed),
        active=bool(doc.get("active", True)),
        extras=dict(_localized(doc.get("lex_extras"), locale_id) or {}),
    )


def intent_from_doc(doc: Doc, locale_id: str) -> Intent:
    """The definition of one intent file's content for one locale."""
    hooks = doc.get("code_hooks", {})
    closing = _localized(doc.get("closing"), locale_id)
    confirmation = doc.get("confirmation")
    slots = [_slot_from(s, locale_id) for s in doc.get("slots", [])]
    extras = dict(_localized(doc.get("lex_extras"), locale_id) or {})
    description = doc.get("description")
    if description is None and "description" in extras:  # per-locale descriptions travel in lex_extras
        description = extras.pop("description")
    return Intent(
        name=doc["name"],
        description=description,
        parent_intent_signature=doc.get("parent"),
        sample_utterances=list(_localized(doc.get("utterances"), locale_id) or []),
        slots=slots,
        slot_priorities=list(doc.get("slot_order", [s.name for s in slots])),
        dialog_code_hook=bool(hooks.get("dialog", False)),
        fulfillment_code_hook=bool(hooks.get("fulfillment", False)),
        confirmation=None if confirmation is None else _confirmation_from(confirmation, locale_id),
        closing_response=None if closing is None else _response_from(closing),
        closing_active=bool(doc.get("closing_active", True)),
        input_contexts=list(doc.get("input_contexts", [])),
        output_contexts=[
            OutputContext(
                name=c["name"],
                time_to_live_in_seconds=int(c.get("ttl_seconds", 90)),
                turns_to_live=int(c.get("turns", 5)),
            )
            for c in doc.get("output_contexts", [])
        ],
        replies=dict(_localized(doc.get("replies"), locale_id) or {}),
        extras=extras,
    )


def slot_type_from_doc(doc: Doc, locale_id: str) -> SlotType:
    """The definition of one slot-type file's content for one locale."""
    values_node = doc.get("values", [])
    if isinstance(values_node, dict):
        values_node = values_node.get(locale_id, [])
    values = [
        SlotTypeValue(value=v, synonyms=[])
        if isinstance(v, str)
        else SlotTypeValue(value=str(v["value"]), synonyms=[str(s) for s in v.get("synonyms", [])])
        for v in values_node
    ]
    return SlotType(
        name=doc["name"],
        description=doc.get("description"),
        values=values,
        resolution_strategy=doc.get("resolution", "OriginalValue"),
        regex_filter=doc.get("regex"),
        parent_slot_type_signature=doc.get("parent"),
        extras=dict(_localized(doc.get("lex_extras"), locale_id) or {}),
    )


def definition_from_docs(bot: Doc, intents: list[Doc], slot_types: list[Doc]) -> BotDefinition:
    """Build the definition from parsed (and schema-valid) spec documents."""
    locale_ids = list(bot["locales"].keys())
    locales = []
    for locale_id, loc in bot["locales"].items():
        voice = loc.get("voice")
        locales.append(
            BotLocale(
                locale_id=locale_id,
                nlu_intent_confidence_threshold=float(loc.get("confidence_threshold", 0.40)),
                description=loc.get("description"),
                voice_settings=None if voice is None else VoiceSettings(voice_id=voice["id"], engine=voice.get("engine")),
                intents=[intent_from_doc(d, locale_id) for d in intents if locale_id in _intent_locales(d, locale_ids)],
                slot_types=[slot_type_from_doc(d, locale_id) for d in slot_types if locale_id in _intent_locales(d, locale_ids)],
                extras=dict(loc.get("lex_extras", {})),
                code_hook=None if "code_hook" not in loc else parse_doc(loc["code_hook"], f"locales.{locale_id}.code_hook"),
            )
        )
    return BotDefinition(
        name=bot["name"],
        idle_session_ttl_in_seconds=int(bot.get("idle_session_ttl", 300)),
        child_directed=bool(bot.get("child_directed", False)),
        description=bot.get("description"),
        role_arn=bot.get("role_arn"),
        locales=locales,
        tags=dict(bot.get("tags", {})),
        extras=dict(bot.get("lex_extras", {})),
    )


def load_spec(bot_dir: str | Path) -> BotDefinition:
    """Load, validate and build the bot in ``bot_dir``; raises SpecError listing every problem."""
    from bot_spec.spec_source import read_spec_folder

    docs = read_spec_folder(Path(bot_dir))
    try:
        return definition_from_docs(docs.bot, docs.intents, docs.slot_types)
    except CodeHookSpecError as exc:
        fix = "write `code_hook: none` or e.g. `code_hook: {python: my_hooks:handler}`"
        raise SpecError([Diagnostic("code-hook", "error", str(exc), file=str(Path(bot_dir) / "bot.yaml"), fix=fix)]) from None


# ---------------------------------------------------------------- writing


def _per_locale(values: dict[str, Any]) -> Any:
    """Drop empty entries; None when nothing is left."""
    kept = {k: v for k, v in values.items() if v not in (None, [], {}, "")}
    return kept or None


def _shared(values: list[Any]) -> Any:
    """The value every locale agrees on, or None."""
    return values[0] if values and all(v == values[0] for v in values) else None


def _put(doc: Doc, key: str, value: Any) -> None:
    if value not in (None, [], {}, ""):
        doc[key] = value


def _slot_to_doc(per_locale: dict[str, Slot]) -> Doc:
    first = next(iter(per_locale.values()))
    prompts = {loc: s.prompt for loc, s in per_locale.items() if s.prompt is not None}
    retries = _shared([p.max_retries for p in prompts.values()])
    selection = _shared([p.message_selection_strategy for p in prompts.values()])
    doc: Doc = {"name": first.name, "type": first.slot_type_name, "required": first.required}
    _put(doc, "description", first.description)
    if prompts and retries is not None:
        doc["max_retries"] = retries
    _put(doc, "selection", selection)
    _put(doc, "prompt", _per_locale({loc: _prompt_to(p, retries, selection) for loc, p in prompts.items()}))
    _put(doc, "sample_utterances", _per_locale({loc: s.sample_utterances for loc, s in per_locale.items()}))
    _put(doc, "default_values", first.default_values)
    if first.allow_multiple_values:
        doc["multiple_values"] = True
    if first.obfuscate:
        doc["obfuscate"] = True
    _put(doc, "lex_extras", _per_locale({loc: s.extras for loc, s in per_locale.items()}))
    return doc


def _confirmation_to_doc(per_locale: dict[str, IntentConfirmation]) -> Doc:
    retries = _shared([c.prompt.max_retries for c in per_locale.values()])
    selection = _shared([c.prompt.message_selection_strategy for c in per_locale.values()])
    doc: Doc = {"prompt": {loc: _prompt_to(c.prompt, retries, selection) for loc, c in per_locale.items()}}
    if retries is not None:
        doc["max_retries"] = retries
    _put(doc, "selection", selection)
    _put(
        doc,
        "declination",
        _per_locale({loc: c.declination_response and _response_to(c.declination_response) for loc, c in per_locale.items()}),
    )
    _put(
        doc,
        "confirmed",
        _per_locale({loc: c.confirmation_response and _response_to(c.confirmation_response) for loc, c in per_locale.items()}),
    )
    if not all(c.active for c in per_locale.values()):
        doc["active"] = False
    _put(doc, "lex_extras", _per_locale({loc: c.extras for loc, c in per_locale.items()}))
    return doc


def intent_to_doc(per_locale: dict[str, Intent], all_locales: list[str]) -> Doc:
    """One intent file's content from the intent's definition in each locale."""
    first = next(iter(per_locale.values()))
    doc: Doc = {"name": first.name}
    extras = {loc: i.extras for loc, i in per_locale.items()}
    if len({i.description for i in per_locale.values()}) <= 1:
        _put(doc, "description", first.description)
    else:  # the spec's description is shared; locales that differ keep theirs in lex_extras
        extras = {
            loc: {**i.extras, "description": i.description} if i.description is not None else i.extras for loc, i in per_locale.items()
        }
    _put(doc, "parent", first.parent_intent_signature)
    if list(per_locale) != all_locales:
        doc["locales"] = list(per_locale)
    _put(doc, "utterances", _per_locale({loc: i.sample_utterances for loc, i in per_locale.items()}))
    slot_names = [s.name for s in first.slots]
    if slot_names:
        doc["slots"] = [_slot_to_doc({loc: s for loc, i in per_locale.items() if (s := i.slot(name)) is not None}) for name in slot_names]
    if first.slot_priorities != slot_names or first.slot_priorities:
        _put(doc, "slot_order", first.slot_priorities)
    confirmations = {loc: i.confirmation for loc, i in per_locale.items() if i.confirmation is not None}
    if confirmations:
        doc["confirmation"] = _confirmation_to_doc(confirmations)
    _put(doc, "closing", _per_locale({loc: i.closing_response and _response_to(i.closing_response) for loc, i in per_locale.items()}))
    if not first.closing_active:
        doc["closing_active"] = False
    hooks = {k: True for k, on in (("dialog", first.dialog_code_hook), ("fulfillment", first.fulfillment_code_hook)) if on}
    _put(doc, "code_hooks", hooks)
    _put(doc, "input_contexts", first.input_contexts)
    _put(
        doc,
        "output_contexts",
        [{"name": c.name, "ttl_seconds": c.time_to_live_in_seconds, "turns": c.turns_to_live} for c in first.output_contexts],
    )
    _put(doc, "replies", _per_locale({loc: i.replies for loc, i in per_locale.items()}))
    _put(doc, "lex_extras", _per_locale(extras))
    return doc


def slot_type_to_doc(per_locale: dict[str, SlotType], all_locales: list[str]) -> Doc:
    """One slot-type file's content from the type's definition in each locale."""
    first = next(iter(per_locale.values()))
    doc: Doc = {"name": first.name}
    _put(doc, "description", first.description)
    if list(per_locale) != all_locales:
        doc["locales"] = list(per_locale)
    _put(doc, "parent", first.parent_slot_type_signature)
    doc["resolution"] = first.resolution_strategy
    _put(doc, "regex", first.regex_filter)
    value_lists = {
        loc: [{"value": v.value, "synonyms": v.synonyms} if v.synonyms else {"value": v.value} for v in t.values]
        for loc, t in per_locale.items()
    }
    shared = _shared(list(value_lists.values()))
    _put(doc, "values", shared if shared is not None else value_lists)
    _put(doc, "lex_extras", _per_locale({loc: t.extras for loc, t in per_locale.items()}))
    return doc


def bot_to_doc(defn: BotDefinition) -> Doc:
    """The bot.yaml content of a definition."""
    doc: Doc = {"name": defn.name}
    _put(doc, "description", defn.description)
    doc["idle_session_ttl"] = defn.idle_session_ttl_in_seconds
    doc["child_directed"] = defn.child_directed
    _put(doc, "role_arn", defn.role_arn)
    locales: Doc = {}
    for loc in defn.locales:
        entry: Doc = {}
        _put(entry, "description", loc.description)
        entry["confidence_threshold"] = loc.nlu_intent_confidence_threshold
        if loc.voice_settings is not None:
            voice: Doc = {"id": loc.voice_settings.voice_id}
            _put(voice, "engine", loc.voice_settings.engine)
            entry["voice"] = voice
        if loc.code_hook is not None:
            entry["code_hook"] = loc.code_hook.to_doc()
        _put(entry, "lex_extras", loc.extras)
        locales[loc.locale_id] = entry
    doc["locales"] = locales
    _put(doc, "tags", defn.tags)
    _put(doc, "lex_extras", defn.extras)
    return doc


def _grouped(defn: BotDefinition, kind: str) -> dict[str, dict[str, Any]]:
    """name -> {locale_id -> item}, in first-seen order."""
    out: dict[str, dict[str, Any]] = {}
    for loc in defn.locales:
        for item in getattr(loc, kind):
            out.setdefault(item.name, {})[loc.locale_id] = item
    return out


def spec_documents(defn: BotDefinition) -> dict[str, Doc]:
    """Relative path -> document, for every file of the spec folder."""
    all_locales = [loc.locale_id for loc in defn.locales]
    files: dict[str, Doc] = {"bot.yaml": bot_to_doc(defn)}
    for name, per_locale in _grouped(defn, "intents").items():
        files[f"intents/{name}.yaml"] = intent_to_doc(per_locale, all_locales)
    for name, per_locale in _grouped(defn, "slot_types").items():
        files[f"slot_types/{name}.yaml"] = slot_type_to_doc(per_locale, all_locales)
    return files


def _differing_fields(before: Any, after: Any) -> list[str]:
    return [f.name for f in dataclasses.fields(before) if getattr(before, f.name) != getattr(after, f.name)]


def check_lossless(defn: BotDefinition, files: dict[str, Doc]) -> None:
    """SpecError when the spec documents would not give ``defn`` back.

    The spec shares most intent, slot and slot-type settings between locales; a bot whose
    locales differ there (say, a slot only one locale has) cannot be written without loss.
    """
    rebuilt = definition_from_docs(
        files["bot.yaml"],
        [d for k, d in files.items() if k.startswith("intents/")],
        [d for k, d in files.items() if k.startswith("slot_types/")],
    )
    if rebuilt == defn:
        return
    problems = []
    for loc, back in zip(defn.locales, rebuilt.locales, strict=True):
        for kind, items, find in (("intent", loc.intents, back.intent), ("slot type", loc.slot_types, back.slot_type)):
            for item in items:
                other = find(item.name)
                if other is None or other == item:
                    continue
                fields = ", ".join(_differing_fields(item, other))
                problems.append(
                    Diagnostic(
                        code="S900",
                        severity="error",
                        message=f"{kind} {item.name} differs between locales in what the spec shares ({fields}); "
                        f"writing it would lose {loc.locale_id}'s",
                        file=f"{'intents' if kind == 'intent' else 'slot_types'}/{item.name}.yaml",
                        fix="make the locales agree on these fields, or give the item a different name per locale",
                    )
                )
    if not problems:
        fields = ", ".join(_differing_fields(defn, rebuilt))
        problems.append(Diagnostic(code="S900", severity="error", message=f"the spec cannot hold this bot's {fields}", file="bot.yaml"))
    raise SpecError(problems)


def _check_inside(root: Path, files: dict[str, Doc]) -> None:
    """SpecError, before anything is written, when a file would land outside ``root``.

    File names come from intent and slot-type names; an imported ``../../x`` or an
    absolute path must not escape the output folder, whatever checked the names before.
    """
    base = root.resolve()
    outside = []
    for rel in files:
        if "\x00" in rel:  # no file name may hold NUL; resolve() would raise ValueError
            outside.append(rel)
            continue
        target = (root / rel).resolve()
        if target == base or not target.is_relative_to(base):
            outside.append(rel)
    if outside:
        shown = ", ".join(repr(rel[:80]) for rel in outside[:5])
        message = f"refusing to write {len(outside)} file(s) outside {root}: {shown}"
        fix = "rename the intents and slot types"
        raise SpecError([Diagnostic(code="S901", severity="error", message=message, file=str(root), fix=fix)])


def write_spec(defn: BotDefinition, out_dir: str | Path) -> list[Path]:
    """Write ``defn`` as a spec folder; returns the files written. SpecError if that would lose data."""
    root = Path(out_dir)
    written = []
    files = spec_documents(defn)
    check_lossless(defn, files)
    _check_inside(root, files)
    for rel, doc in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(doc), encoding="utf-8")
        written.append(path)
    return written
