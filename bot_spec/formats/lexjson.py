"""The LexJson spoke: Lex V2's import/export zip (or its unpacked folder) to and from the definition.

Layout: ``Manifest.json``, ``<Bot>/Bot.json``, ``<Bot>/BotLocales/<loc>/BotLocale.json``,
``.../Intents/<Intent>/Intent.json``, ``.../Intents/<Intent>/Slots/<Slot>/Slot.json`` and
``.../SlotTypes/<Type>/SlotType.json``. File names are matched case-insensitively and the tree may
sit under one top folder (as hand-zipped exports do). Reading refuses members over a size cap.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from bot_spec.definition import BotDefinition, BotLocale, Intent, Slot, SlotType
from bot_spec.diagnostics import Diagnostic, SpecError
from bot_spec.formats import lex_shapes
from bot_spec.formats.lex_shapes import ShapeError, input_shape
from bot_spec.import_limits import TooBig, ValueBudget

Doc = dict[str, Any]

MANIFEST = {"metaData": {"schemaVersion": "1", "fileFormat": "LexJson", "resourceType": "BOT"}}
FALLBACK_IDENTIFIER = "FALLBCKINT"
MAX_MEMBER_BYTES = 8 * 1024 * 1024  # one JSON file; Lex's whole-bot quotas stay far below this
MAX_TOTAL_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 20_000  # 1,000 intents x (intent + slots) per locale, a few locales
# Display names Lex writes into BotLocale.json "name"; other locales get their id.
LOCALE_NAMES = {
    "en_US": "English (US)",
    "en_GB": "English (GB)",
    "en_AU": "English (AU)",
    "en_IN": "English (IN)",
    "en_ZA": "English (ZA)",
    "es_US": "Spanish (US)",
    "es_ES": "Spanish (ES)",
    "es_419": "Spanish (LATAM)",
    "fr_FR": "French (FR)",
    "fr_CA": "French (CA)",
    "de_DE": "German (DE)",
    "de_AT": "German (AT)",
    "it_IT": "Italian (IT)",
    "ja_JP": "Japanese (JP)",
    "ko_KR": "Korean (KR)",
    "pt_BR": "Portuguese (BR)",
    "pt_PT": "Portuguese (PT)",
    "zh_CN": "Mandarin (PRC)",
}


# ---------------------------------------------------------------- writing


def _identifier(*parts: str) -> str:
    """A stable 10-character id (Lex ids are 10 uppercase alphanumerics)."""
    digest = hashlib.sha256("/".join(parts).encode("utf-8")).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in digest[:10])


def _dump(doc: Doc) -> bytes:
    return json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")


def _ref(name: str) -> Doc:
    return {"$ref": f"#/definitions/{name}"}


def _intent_json(defn: BotDefinition, locale: BotLocale, intent: Intent) -> Doc:
    body: Doc = lex_shapes.respell(lex_shapes.intent_to_api(intent), input_shape("CreateIntent"), _ref("Intent"), "lexjson")
    ident = FALLBACK_IDENTIFIER if intent.is_fallback else _identifier(defn.name, locale.locale_id, "intent", intent.name)
    doc: Doc = {
        "name": body.pop("name"),
        "identifier": ident,
        "description": body.pop("description", None),
        "parentIntentSignature": body.pop("parentIntentSignature", None),
        "sampleUtterances": body.pop("sampleUtterances", None),
        "intentConfirmationSetting": body.pop("intentConfirmationSetting", None),
        "intentClosingSetting": body.pop("intentClosingSetting", None),
        "initialResponseSetting": body.pop("initialResponseSetting", None),
        "inputContexts": body.pop("inputContexts", None),
        "outputContexts": body.pop("outputContexts", None),
        "kendraConfiguration": body.pop("kendraConfiguration", None),
        "dialogCodeHook": body.pop("dialogCodeHook", None),
        "fulfillmentCodeHook": body.pop("fulfillmentCodeHook", None),
    }
    doc.update(body)
    doc["slotPriorities"] = [{"priority": i + 1, "slotName": s.name} for i, s in enumerate(intent.slots_by_priority())]
    return doc


def _slot_json(defn: BotDefinition, locale: BotLocale, intent: Intent, slot: Slot) -> Doc:
    body: Doc = lex_shapes.respell(lex_shapes.slot_to_api(slot), input_shape("CreateSlot"), _ref("Slot"), "lexjson")
    doc: Doc = {
        "name": body.pop("name"),
        "identifier": _identifier(defn.name, locale.locale_id, "slot", intent.name, slot.name),
        "description": body.pop("description", None),
        "slotTypeName": body.pop("slotTypeName"),
        "obfuscationSetting": body.pop("obfuscationSetting", None),
        "valueElicitationSetting": body.pop("valueElicitationSetting"),
        "multipleValuesSetting": body.pop("multipleValuesSetting", None),
    }
    doc.update(body)
    return doc


def _slot_type_json(defn: BotDefinition, locale: BotLocale, slot_type: SlotType) -> Doc:
    body: Doc = lex_shapes.respell(lex_shapes.slot_type_to_api(slot_type), input_shape("CreateSlotType"), _ref("SlotType"), "lexjson")
    doc: Doc = {
        "name": body.pop("name"),
        "identifier": _identifier(defn.name, locale.locale_id, "slotType", slot_type.name),
        "description": body.pop("description", None),
        "slotTypeValues": body.pop("slotTypeValues", None),
        "parentSlotTypeSignature": body.pop("parentSlotTypeSignature", None),
        "valueSelectionSetting": body.pop("valueSelectionSetting", None),
    }
    doc.update(body)
    return doc


def _locale_json(locale: BotLocale) -> Doc:
    api = lex_shapes.locale_to_api(locale)
    api.pop(lex_shapes.CUSTOM_VOCABULARY, None)  # written to CustomVocabulary/CustomVocabulary.json
    body: Doc = lex_shapes.respell(api, input_shape("CreateBotLocale"), _ref("BotLocale"), "lexjson")
    body.pop("localeId")
    doc: Doc = {
        "name": LOCALE_NAMES.get(locale.locale_id, locale.locale_id),
        "identifier": locale.locale_id,
        "version": None,
        "description": body.pop("description", None),
        "voiceSettings": body.pop("voiceSettings", None),
        "nluConfidenceThreshold": body.pop("nluConfidenceThreshold"),
    }
    doc.update(body)
    return doc


def _bot_json(defn: BotDefinition) -> Doc:
    body: Doc = lex_shapes.bot_to_api(defn)
    body.pop("botName")
    doc: Doc = {
        "name": defn.name,
        "version": "DRAFT",
        "description": body.pop("description", None),
        "identifier": "",
        "dataPrivacy": body.pop("dataPrivacy"),
        "idleSessionTTLInSeconds": body.pop("idleSessionTTLInSeconds"),
    }
    doc.update(body)  # botTags and API extras keep the API spelling
    return doc


def to_files(defn: BotDefinition) -> dict[str, bytes]:
    """Archive path -> content of the LexJson export of ``defn``; SpecError if its extras are malformed."""
    try:
        return _files(defn)
    except ShapeError as exc:
        raise lex_shapes.definition_error(exc, "a LexJson export") from None


def _files(defn: BotDefinition) -> dict[str, bytes]:
    root = defn.name
    files = {"Manifest.json": _dump(MANIFEST), f"{root}/Bot.json": _dump(_bot_json(defn))}
    for loc in defn.locales:
        base = f"{root}/BotLocales/{loc.locale_id}"
        files[f"{base}/BotLocale.json"] = _dump(_locale_json(loc))
        vocabulary = loc.extras.get(lex_shapes.CUSTOM_VOCABULARY)
        if vocabulary is not None:
            with lex_shapes.located(f"locales.{loc.locale_id}.{lex_shapes.CUSTOM_VOCABULARY}"):
                items = lex_shapes.custom_vocabulary_items(vocabulary, "")
            files[f"{base}/CustomVocabulary/CustomVocabulary.json"] = _dump({"customVocabularyItems": items})
        for slot_type in loc.slot_types:
            files[f"{base}/SlotTypes/{slot_type.name}/SlotType.json"] = _dump(_slot_type_json(defn, loc, slot_type))
        for intent in loc.intents:
            with lex_shapes.located(f"locales.{loc.locale_id}.intents.{intent.name}"):
                files[f"{base}/Intents/{intent.name}/Intent.json"] = _dump(_intent_json(defn, loc, intent))
                for slot in intent.slots:
                    files[f"{base}/Intents/{intent.name}/Slots/{slot.name}/Slot.json"] = _dump(_slot_json(defn, loc, intent, slot))
    return files


def to_zip_bytes(defn: BotDefinition) -> bytes:
    """The LexJson zip of ``defn`` as bytes (stable: fixed timestamps, sorted order as written)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in to_files(defn).items():
            info = zipfile.ZipInfo(name, date_time=(2020, 8, 7, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def write_zip(defn: BotDefinition, path: str | Path) -> Path:
    """Write the LexJson zip of ``defn`` to ``path``; returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(to_zip_bytes(defn))
    return out


# ---------------------------------------------------------------- reading


@dataclass
class _Tree:
    """The JSON files of an export, by lower-cased relative path, read lazily under the caps."""

    source: str
    files: dict[str, str]  # lower-cased posix path -> original member name / file path
    reader: Callable[[str], bytes]
    label: Callable[[str], str]  # original -> what an error message calls it
    budget: ValueBudget = field(default_factory=ValueBudget)  # values left for the whole export

    def where(self, key: str) -> str:
        return self.label(self.files[key])

    def load(self, key: str) -> Doc:
        doc = self.parse(key)
        if not isinstance(doc, dict):
            raise SpecError([_diag(self.where(key), f"expected a JSON object, got {type(doc).__name__}", "re-export the bot from Lex")])
        return doc

    def precount(self) -> None:
        """Count every JSON file against the whole-export budget before any is converted.

        A 67 KB zip of five files, each just under its own cap, would otherwise be mostly
        converted (~200 MB, 5 s) before the budget ran out. Parsing twice costs little
        next to converting; the documents are not kept.
        """
        for key in self.files:
            if key.endswith(".json"):
                self.parse(key)
        # Conversion reads some files twice (raw, then normalized), so from here on only
        # the per-file caps apply; the export as a whole has been counted once, exactly.
        self.budget = ValueBudget(total=None, per_file_only=True)

    def parse(self, key: str) -> Any:
        """One file's JSON, counted against the caps; SpecError naming the file otherwise."""
        where = self.where(key)
        data = self.reader(self.files[key])
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise SpecError([_diag(where, "the file is not UTF-8 text", "re-export the bot from Lex")]) from None
        except json.JSONDecodeError as exc:
            raise SpecError([_diag(where, f"not valid JSON: {exc.msg} (line {exc.lineno})", "fix or re-export this file")]) from None
        except RecursionError:
            raise SpecError([_diag(where, "the JSON is nested too deeply", "re-export the bot from Lex")]) from None
        try:
            self.budget.spend(doc)  # before the document is converted: the caps `validate` applies
        except TooBig as exc:
            raise SpecError([_diag(where, f"too large to import: {exc}", "split the bot, or check this is a Lex export")]) from None
        return doc


def _diag(where: str, message: str, fix: str, path: str | None = None) -> Diagnostic:
    return Diagnostic(code="I200", severity="error", message=message, file=where, fix=fix, path=path)


def _zip_tree(archive: zipfile.ZipFile, source: str) -> _Tree:
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise SpecError([_diag(source, f"the zip holds {len(infos)} files, more than {MAX_MEMBERS}", "check this is a Lex export")])
    total = sum(i.file_size for i in infos)
    if total > MAX_TOTAL_BYTES:
        raise SpecError([_diag(source, f"the zip expands to {total} bytes, more than {MAX_TOTAL_BYTES}", "check this is a Lex export")])
    for info in infos:
        if info.file_size > MAX_MEMBER_BYTES:
            message = f"member is {info.file_size} bytes, more than {MAX_MEMBER_BYTES}"
            raise SpecError([_diag(f"{source}!{info.filename}", message, "check this is a Lex export")])

    def read(name: str) -> bytes:
        # The declared size can lie; never read more than the cap.
        try:
            with archive.open(name) as member:
                data = member.read(MAX_MEMBER_BYTES + 1)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as exc:
            raise SpecError([_diag(f"{source}!{name}", f"cannot read this member ({exc})", "export the bot again")]) from None
        if len(data) > MAX_MEMBER_BYTES:
            raise SpecError([_diag(f"{source}!{name}", f"member expands past {MAX_MEMBER_BYTES} bytes", "check this is a Lex export")])
        return data

    files = {i.filename.replace("\\", "/").lower(): i.filename for i in infos if i.filename.lower().endswith(".json")}
    return _Tree(source=source, files=files, reader=read, label=lambda name: f"{source}!{name}")


def _folder_tree(root: Path) -> _Tree:
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix.lower() == ".json":
            if len(files) >= MAX_MEMBERS:
                raise SpecError([_diag(str(root), f"the folder holds more than {MAX_MEMBERS} JSON files", "check this is a Lex export")])
            files[path.relative_to(root).as_posix().lower()] = str(path)

    base = root.resolve()

    def read(name: str) -> bytes:
        file = Path(name)
        if not file.resolve().is_relative_to(base):  # a symlink out of the export (say, to ~/.aws/credentials)
            raise SpecError(
                [_diag(name, "the file links outside the export folder", "copy the file into the export instead of linking it")]
            )
        if file.stat().st_size > MAX_MEMBER_BYTES:
            raise SpecError([_diag(name, f"the file is larger than {MAX_MEMBER_BYTES} bytes", "check this is a Lex export")])
        return file.read_bytes()

    return _Tree(source=str(root), files=files, reader=read, label=lambda name: name)


def _children(tree: _Tree, prefix: str, leaf: str) -> list[str]:
    """Keys ``<prefix><child>/<leaf>`` (one level down), in archive order (a folder's: sorted)."""
    found = []
    for key in tree.files:
        if key.startswith(prefix) and key.endswith("/" + leaf):
            middle = key[len(prefix) : -len(leaf) - 1]
            if middle and "/" not in middle:
                found.append(key)
    return found


def _find_manifest(tree: _Tree) -> str:
    candidates = sorted((k for k in tree.files if PurePosixPath(k).name == "manifest.json"), key=lambda k: k.count("/"))
    if not candidates:
        raise SpecError([_diag(tree.source, "no Manifest.json found", "point at a LexJson export (zip or folder) holding Manifest.json")])
    return candidates[0]


def _check_manifest(tree: _Tree, key: str) -> None:
    doc = tree.load(key)
    meta = doc.get("metaData", doc.get("metadata"))
    if not isinstance(meta, dict):
        raise SpecError([_diag(tree.where(key), "Manifest.json has no metaData object", "re-export the bot as LexJson")])
    if str(meta.get("fileFormat", "")).lower() != "lexjson":
        raise SpecError([_diag(tree.where(key), f"fileFormat is {meta.get('fileFormat')!r}, not LexJson", "export the bot as LexJson")])
    if str(meta.get("resourceType", "")).lower() != "bot":
        raise SpecError(
            [
                _diag(
                    tree.where(key),
                    f"resourceType is {meta.get('resourceType')!r}; only whole-bot exports are read",
                    "export the whole bot",
                )
            ]
        )


def _load_normalized(tree: _Tree, key: str, names: dict[str, str], drop: tuple[str, ...], operation: str) -> Doc:
    doc = {names.get(k, k): v for k, v in tree.load(key).items() if k not in drop}
    try:
        normalized: Doc = lex_shapes.normalize(doc, input_shape(operation))
    except ShapeError as exc:
        raise SpecError([_diag(tree.where(key), str(exc), "fix this field's type or re-export the bot", path=exc.path)]) from None
    return normalized


def _wrap(tree: _Tree, key: str, build: Any) -> Any:
    try:
        return build()
    except ShapeError as exc:
        raise SpecError([_diag(tree.where(key), str(exc), "fix this field or re-export the bot", path=exc.path)]) from None


def _read_intent(tree: _Tree, key: str) -> Intent:
    base = key[: -len("intent.json")]
    raw = tree.load(key)
    pairs: list[tuple[int, str]] = []
    priorities = raw.get("slotPriorities") or []
    if not isinstance(priorities, list):
        raise SpecError([_diag(tree.where(key), "slotPriorities must be a list", "re-export the bot", path="slotPriorities")])
    for i, item in enumerate(priorities):
        if not isinstance(item, dict) or not isinstance(item.get("priority"), int) or not isinstance(item.get("slotName"), str):
            raise SpecError(
                [_diag(tree.where(key), "each slot priority needs an integer priority and a slotName", "re-export", f"slotPriorities[{i}]")]
            )
        pairs.append((item["priority"], item["slotName"]))
    slots = []
    for slot_key in _children(tree, base + "slots/", "slot.json"):
        doc = _load_normalized(tree, slot_key, {"name": "slotName", "slotTypeName": "slotTypeId"}, ("identifier",), "CreateSlot")
        slots.append(_wrap(tree, slot_key, lambda doc=doc: lex_shapes.slot_from_api(doc, "slot")))
    doc = _load_normalized(tree, key, {"name": "intentName"}, ("identifier", "slotPriorities"), "CreateIntent")
    return _wrap(tree, key, lambda: lex_shapes.intent_from_api(doc, slots, lex_shapes.priorities_from(pairs, slots), "intent"))  # type: ignore[no-any-return]


def _read_locale(tree: _Tree, key: str) -> BotLocale:
    base = key[: -len("botlocale.json")]
    raw = tree.load(key)
    locale_id = raw.get("identifier") or PurePosixPath(base).name
    types = []
    for type_key in _children(tree, base + "slottypes/", "slottype.json"):
        doc = _load_normalized(tree, type_key, {"name": "slotTypeName"}, ("identifier",), "CreateSlotType")
        types.append(_wrap(tree, type_key, lambda doc=doc: lex_shapes.slot_type_from_api(doc, "slotType")))
    intents = [_read_intent(tree, k) for k in _children(tree, base + "intents/", "intent.json")]
    body = {k: v for k, v in raw.items() if k not in ("name", "identifier", "version")}
    body["localeId"] = locale_id
    body = {"nluIntentConfidenceThreshold" if k == "nluConfidenceThreshold" else k: v for k, v in body.items()}
    try:
        api = lex_shapes.normalize(body, input_shape("CreateBotLocale"))
    except ShapeError as exc:
        raise SpecError([_diag(tree.where(key), str(exc), "fix this field or re-export the bot", path=exc.path)]) from None
    vocabulary_key = base + "customvocabulary/customvocabulary.json"
    if vocabulary_key in tree.files:
        vocabulary = tree.load(vocabulary_key)
        items = _wrap(tree, vocabulary_key, lambda: lex_shapes.custom_vocabulary_items(vocabulary, ""))
        api[lex_shapes.CUSTOM_VOCABULARY] = {"customVocabularyItems": items}
    return _wrap(tree, key, lambda: lex_shapes.locale_from_api(api, intents, types))  # type: ignore[no-any-return]


def _read_tree(tree: _Tree) -> BotDefinition:
    manifest = _find_manifest(tree)
    _check_manifest(tree, manifest)
    tree.precount()
    root = manifest[: -len("manifest.json")]
    bots = _children(tree, root, "bot.json")
    if len(bots) != 1:
        what = "no <Bot>/Bot.json" if not bots else f"{len(bots)} bots ({', '.join(bots)})"
        raise SpecError([_diag(tree.source, f"expected one bot beside Manifest.json, found {what}", "export one whole bot as LexJson")])
    bot_key = bots[0]
    bot_base = bot_key[: -len("bot.json")]
    raw = tree.load(bot_key)
    locales = [_read_locale(tree, k) for k in _children(tree, bot_base + "botlocales/", "botlocale.json")]
    body = {k: v for k, v in raw.items() if k not in ("identifier", "version")}
    body = {"botName" if k == "name" else k: v for k, v in body.items()}
    try:
        api = lex_shapes.normalize(body, input_shape("CreateBot"))
        return lex_shapes.bot_from_api(api, locales, None)
    except ShapeError as exc:
        raise SpecError([_diag(tree.where(bot_key), str(exc), "fix this field or re-export the bot", path=exc.path)]) from None


def _read_zip(file: Path | io.BytesIO, source: str) -> BotDefinition:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SpecError([_diag(source, f"not a readable zip file ({exc})", "export the bot again as LexJson")]) from None
    with archive:
        return _read_tree(_zip_tree(archive, source))


def read(path: str | Path) -> BotDefinition:
    """The definition in a LexJson export: a zip file or an unpacked folder."""
    target = Path(path)
    if target.is_dir():
        return _read_tree(_folder_tree(target))
    if not target.is_file():
        raise SpecError([_diag(str(target), "no such file or folder", "check the path")])
    return _read_zip(target, str(target))


def read_bytes(data: bytes, source: str = "<zip>") -> BotDefinition:
    """The definition in LexJson zip bytes (for zips that never touch the disk)."""
    return _read_zip(io.BytesIO(data), source)
