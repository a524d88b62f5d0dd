"""Reading a spec folder from disk: files to parsed documents, with every problem reported.

Each file is read defensively (size cap, UTF-8 check, alias and nesting caps), parsed
into plain dicts and lists while recording the line and column of every key and value,
then checked against the JSON Schema in ``bot_spec/schema``. Problems from every file
are collected and raised together as one ``SpecError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot_spec.diagnostics import Diagnostic, SpecError
from bot_spec.schema import DocumentKind
from bot_spec.schema.messages import JsonPath, Position, dotted, schema_diagnostics, suggest

# Explicit caps: a spec file is hand-written text, so anything beyond these is a mistake
# or an attack. Lex's own quotas (1,500 utterances x 500 characters per intent, 10,000
# slot values) fit well inside them.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_SPEC_FILES = 5000
MAX_SPEC_BYTES = 50 * 1024 * 1024  # the whole folder; bounds a run even when every file is under its cap
MAX_EVENTS_PER_FILE = 500_000  # parser events (values, starts and ends of lists and mappings)
MAX_NODES_PER_FILE = 500_000
MAX_EVENTS_PER_SPEC = 2_000_000  # the whole folder; bounds memory (CLINC150's 15,000 utterances: ~16,000)
MAX_ALIAS_EXPANSION = 10_000  # values repeated through `*alias`; a billion-laughs bomb stops here
MAX_DEPTH = 40

SPEC_SUFFIX = ".yaml"
FOLDERS: dict[str, DocumentKind] = {"intents": "intent", "slot_types": "slot_type"}

# Codes of file-level problems (schema codes are in bot_spec.schema.messages).
NO_SPEC = "S000"
YAML_SYNTAX = "S001"
NOT_A_MAPPING = "S002"
TOO_LARGE = "S003"
NOT_TEXT = "S004"
TOO_COMPLEX = "S005"
DUPLICATE_KEY = "S006"
NAME_MISMATCH = "S007"
TOO_MANY_FILES = "S008"
UNSUPPORTED_YAML = "S009"
UNKNOWN_LOCALE = "S010"
UNREADABLE = "S011"

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_MERGE_TAG = "tag:yaml.org,2002:merge"
# Characters outside YAML's printable set (YAML 1.1 section 5.1); found before parsing so
# the message can say which one and where.
_NOT_YAML_TEXT = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same grammar, much faster


@dataclass
class SourceMap:
    """Where each node of one parsed file came from: 1-based line and column per path."""

    file: str
    keys: dict[JsonPath, Position] = field(default_factory=dict)
    values: dict[JsonPath, Position] = field(default_factory=dict)
    texts: dict[JsonPath, str] = field(default_factory=dict)  # non-text scalars as written (`yes`, `2:30`)
    events: int = 0  # YAML parser events of the file: a measure of its size

    def key_position(self, path: JsonPath) -> Position | None:
        """The position of the key that holds ``path`` (None for list items and the root)."""
        return self.keys.get(path)

    def value_position(self, path: JsonPath) -> Position | None:
        """The position of the value at ``path``."""
        return self.values.get(path)

    def source_text(self, path: JsonPath) -> str | None:
        """How a scalar YAML read as a number, boolean or null was written; None for text."""
        return self.texts.get(path)

    def position(self, path: JsonPath) -> Position | None:
        """The best position for ``path``: its key, else its value, else its nearest parent."""
        trail = tuple(path)
        while True:
            pos = self.keys.get(trail) or self.values.get(trail)
            if pos is not None or not trail:
                return pos
            trail = trail[:-1]


@dataclass
class SpecDocuments:
    """The parsed documents of one bot folder, with the file each came from."""

    root: Path
    bot: dict[str, Any]
    intents: list[dict[str, Any]] = field(default_factory=list)
    slot_types: list[dict[str, Any]] = field(default_factory=list)
    files: dict[int, Path] = field(default_factory=dict)  # id(document) -> file
    sources: dict[int, SourceMap] = field(default_factory=dict)  # id(document) -> source map

    def source_of(self, doc: dict[str, Any]) -> SourceMap | None:
        """The source map of a document of this folder."""
        return self.sources.get(id(doc))

    def document(self, kind: DocumentKind, name: str | None = None) -> dict[str, Any] | None:
        """The bot document, or the intent or slot-type document called ``name``."""
        if kind == "bot":
            return self.bot
        pool = self.intents if kind == "intent" else self.slot_types
        return next((d for d in pool if d.get("name") == name), None)

    def locate(self, kind: DocumentKind, name: str | None, path: JsonPath = ()) -> tuple[str | None, int | None, int | None]:
        """``(file, line, column)`` of ``path`` inside a document; unknown parts are None."""
        doc = self.document(kind, name)
        source = None if doc is None else self.source_of(doc)
        if source is None:
            return (None, None, None)
        pos = source.position(path)
        return (source.file, None if pos is None else pos[0], None if pos is None else pos[1])


class _Refused(Exception):
    """A file this reader will not go on parsing; carries the diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _error(code: str, message: str, file: str, line: int | None = None, column: int | None = None, fix: str | None = None) -> Diagnostic:
    return Diagnostic(code=code, severity="error", message=message, file=file, line=line, column=column, fix=fix)


def _line_col(text: str | bytes, offset: int) -> Position:
    newline: Any = b"\n" if isinstance(text, bytes) else "\n"
    line = text.count(newline, 0, offset) + 1
    column = offset - (text.rfind(newline, 0, offset) + 1) + 1
    return line, column


class _TreeBuilder:
    """Builds plain Python data from a composed YAML node tree, recording positions."""

    # Only the scalar constructors are used, called directly: SafeConstructor's object
    # cache would otherwise keep every node of every file alive.
    _scalars = SafeConstructor()

    def __init__(self, source: SourceMap) -> None:
        self.source = source
        self.count = 0
        self.problems: list[Diagnostic] = []
        # The composer hands back an aliased node as the same object, so a node seen
        # before is a repetition; count what repetitions expand to.
        self.built: set[int] = set()
        self.expanded = 0
        self.inside_alias = 0

    def _refuse(self, code: str, node: Node, message: str, fix: str) -> _Refused:
        mark = node.start_mark
        return _Refused(_error(code, message, self.source.file, mark.line + 1, mark.column + 1, fix))

    def build(self, node: Node, path: JsonPath, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES_PER_FILE:
            raise self._refuse(
                TOO_COMPLEX,
                node,
                f"the file expands to more than {MAX_NODES_PER_FILE:,} values",
                "split the content over several files",
            )
        if depth > MAX_DEPTH:
            raise self._refuse(
                TOO_COMPLEX,
                node,
                f"the file nests deeper than {MAX_DEPTH} levels",
                "flatten the structure; spec files are a few levels deep",
            )
        repeated = id(node) in self.built
        self.built.add(id(node))
        if repeated or self.inside_alias:
            self.expanded += 1
            if self.expanded > MAX_ALIAS_EXPANSION:
                raise self._refuse(
                    TOO_COMPLEX,
                    node,
                    f"aliases (`*name`) here expand to more than {MAX_ALIAS_EXPANSION:,} values",
                    "write the content out, or reuse only small anchored parts",
                )
        if repeated and isinstance(node, MappingNode | SequenceNode):
            self.inside_alias += 1
            try:
                return self._build_node(node, path, depth)
            finally:
                self.inside_alias -= 1
        return self._build_node(node, path, depth)

    def _build_node(self, node: Node, path: JsonPath, depth: int) -> Any:
        self.source.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, SequenceNode):
            self._check_collection_tag(node, "tag:yaml.org,2002:seq")
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            self._check_collection_tag(node, "tag:yaml.org,2002:map")
            return self._mapping(node, path, depth)
        raise self._refuse(UNSUPPORTED_YAML, node, "unsupported YAML node", "use plain mappings, lists and scalars")

    def _check_collection_tag(self, node: Node, plain: str) -> None:
        if node.tag != plain:
            raise self._refuse(
                UNSUPPORTED_YAML,
                node,
                f"YAML tag `{node.tag}` is not supported in spec files",
                "remove the `!tag`; use plain mappings and lists",
            )

    def _scalar(self, node: ScalarNode, path: JsonPath) -> Any:
        if node.tag not in _PLAIN_TAGS:
            raise self._refuse(
                UNSUPPORTED_YAML, node, f"YAML tag `{node.tag}` is not supported in spec files", "remove the `!tag` and write plain text"
            )
        if node.tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:timestamp"):
            return node.value  # a date written in an utterance stays the text it was written as
        # Only values YAML turned into something else need their text kept (`yes` -> true).
        self.source.texts[path] = node.value
        try:
            return SafeConstructor.yaml_constructors[node.tag](self._scalars, node)
        except (ValueError, ConstructorError) as exc:  # e.g. an integer with more digits than Python converts
            raise self._refuse(
                UNSUPPORTED_YAML, node, f"cannot read the value `{node.value[:40]}`: {exc}", "put the value in quotes or shorten it"
            ) from None

    def _mapping(self, node: MappingNode, path: JsonPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        # `<<: *defaults` first, so that explicit keys (and their positions) win.
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE_TAG:
                continue
            for source_node in value_node.value if isinstance(value_node, SequenceNode) else [value_node]:
                if not isinstance(source_node, MappingNode):
                    raise self._refuse(UNSUPPORTED_YAML, source_node, "`<<` must merge a mapping", "merge an anchored mapping: `<<: *name`")
                for key, value in self._mapping(source_node, path, depth + 1).items():
                    out.setdefault(key, value)
        first_seen: dict[str, Position] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            if not isinstance(key_node, ScalarNode):
                raise self._refuse(UNSUPPORTED_YAML, key_node, "a key must be plain text, not a list or mapping", "write the key as text")
            # Keys are names in this format, so keep them as written: `yes:` stays "yes".
            key = key_node.value
            where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in first_seen:
                self.problems.append(
                    _error(
                        DUPLICATE_KEY,
                        f"`{key}` appears twice in this mapping (first on line {first_seen[key][0]}); YAML would keep only the last one",
                        self.source.file,
                        where[0],
                        where[1],
                        "merge the two entries into one",
                    )
                )
            first_seen[key] = where
            child = (*path, key)
            self.source.keys[child] = where
            out[key] = self.build(value_node, child, depth + 1)
        return out


def _decode(data: bytes, file: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_col(data, exc.start)
        raise _Refused(
            _error(
                NOT_TEXT,
                f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x}); is it binary or in another encoding?",
                file,
                line,
                column,
                "save it as UTF-8 text",
            )
        ) from None
    text = text.removeprefix("\ufeff")
    bad = _NOT_YAML_TEXT.search(text)
    if bad is not None:
        line, column = _line_col(text, bad.start())
        char = bad.group()
        what = (
            "NUL bytes, so it is binary, not YAML text"
            if char == "\x00"
            else f"the control character U+{ord(char):04X}, which YAML does not allow"
        )
        raise _Refused(_error(NOT_TEXT, f"the file holds {what}", file, line, column, "remove it, and save the file as UTF-8 text"))
    return text


def _yaml_problem(exc: yaml.YAMLError, text: str, file: str) -> Diagnostic:
    if isinstance(exc, yaml.reader.ReaderError):
        line, column = _line_col(text, exc.position)
        return _error(
            NOT_TEXT,
            f"character U+{exc.character:04X} is not allowed in YAML" if isinstance(exc.character, int) else str(exc),
            file,
            line,
            column,
            "remove the control character (or write it as an escape inside double quotes)",
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    if "max depth" in problem or "nesting" in problem:  # libyaml's own nesting limit
        line, column = (1, 1) if mark is None else (mark.line + 1, mark.column + 1)
        return _error(TOO_COMPLEX, f"the file nests too deeply ({problem})", file, line, column, "flatten the structure")
    context = getattr(exc, "context", None)
    fix = "fix the YAML syntax here (check indentation, colons and quotes)"
    if "expected a single document" in str(context):
        problem, fix = "the file holds more than one YAML document (`---`)", "keep one document per file"
    elif "found character '\\t'" in problem:
        fix = "indent with spaces, not tabs"
    message = f"not valid YAML: {problem}" + (f" ({context})" if context and "single document" not in str(context) else "")
    return _error(YAML_SYNTAX, message, file, None if mark is None else mark.line + 1, None if mark is None else mark.column + 1, fix)


def _count_events(text: str, file: str) -> int:
    """Refuse a file with too many YAML values before any node tree is built.

    Composing builds a Python object (with two position marks) per value, so a 5 MB
    file of `[a,a,a,...]` would take most of a gigabyte; counting parser events first
    keeps memory flat and stops early.
    """
    loader = _SafeLoader(text)
    try:
        events = 0
        while loader.check_event():
            event = loader.get_event()
            events += 1
            if events > MAX_EVENTS_PER_FILE:
                mark = event.start_mark
                raise _Refused(
                    _error(
                        TOO_COMPLEX,
                        f"the file holds more than {MAX_EVENTS_PER_FILE:,} YAML values and brackets; spec files are far smaller",
                        file,
                        mark.line + 1,
                        mark.column + 1,
                        "split the content over several files, or check that this is the right file",
                    )
                )
    finally:
        loader.dispose()
    return events


def read_spec_file(path: Path, display: str | None = None) -> tuple[Any, SourceMap, list[Diagnostic]]:
    """Parse one YAML file safely: its data (None when unreadable), source map and problems."""
    file = display or str(path)
    source = SourceMap(file=file)
    try:
        return _read_checked(path, source)
    except _Refused as refused:
        return None, source, [refused.diagnostic]


def _read_checked(path: Path, source: SourceMap) -> tuple[Any, SourceMap, list[Diagnostic]]:
    file = source.file
    if not path.is_file():  # devices, FIFOs and folders would block or never end
        raise _Refused(_error(UNREADABLE, "not a regular file", file, fix="spec files must be plain .yaml files"))
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise _Refused(_too_large(file, size))
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows meanwhile
    except OSError as exc:
        raise _Refused(
            _error(UNREADABLE, f"cannot read the file: {exc.strerror or exc}", file, fix="check that it exists and is readable")
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise _Refused(_too_large(file, len(data)))
    text = _decode(data, file)
    try:
        source.events = _count_events(text, file)
        loader = _SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _Refused(_yaml_problem(exc, text, file)) from None
    except RecursionError:
        raise _Refused(_error(TOO_COMPLEX, f"the file nests deeper than {MAX_DEPTH} levels", file, 1, 1, "flatten the structure")) from None
    if root is None:
        raise _Refused(
            _error(NOT_A_MAPPING, "the file is empty", file, 1, 1, "write the mapping this file should hold, starting with `name:`")
        )
    builder = _TreeBuilder(source)
    try:
        data_tree = builder.build(root, (), 0)
    except RecursionError:
        raise _Refused(_error(TOO_COMPLEX, "the file nests too deeply", file, 1, 1, "flatten the structure")) from None
    if not isinstance(data_tree, dict):
        holds = "a list" if isinstance(data_tree, list) else "a single value"
        raise _Refused(
            _error(
                NOT_A_MAPPING,
                f"the file must hold a mapping (`key: value` lines); it holds {holds}",
                file,
                root.start_mark.line + 1,
                root.start_mark.column + 1,
                "start the file with `name: ...`",
            )
        )
    return data_tree, source, builder.problems


def _too_large(file: str, size: int) -> Diagnostic:
    return _error(
        TOO_LARGE,
        f"the file is {size / 1024 / 1024:.1f} MB; spec files may be at most {MAX_FILE_BYTES // (1024 * 1024)} MB",
        file,
        fix="split the content over several files, or check that this is the right file",
    )


def _check_name(doc: dict[str, Any], path: Path, source: SourceMap) -> Diagnostic | None:
    name = doc.get("name")
    if not isinstance(name, str) or name == path.stem:
        return None
    line, column = source.values.get(("name",), (1, 1))
    return _error(
        NAME_MISMATCH,
        f"name `{name}` does not match the file name `{path.name}`",
        source.file,
        line,
        column,
        f"rename the file to `{name}{SPEC_SUFFIX}` or set `name: {path.stem}`",
    )


# Keys of intent and slot-type files whose mappings are keyed by locale id.
_LOCALIZED_PATHS: tuple[tuple[str, ...], ...] = (
    ("utterances",),
    ("closing",),
    ("replies",),
    ("lex_extras",),
    ("values",),
    ("confirmation", "prompt"),
    ("confirmation", "declination"),
    ("confirmation", "confirmed"),
    ("confirmation", "lex_extras"),
)
_LOCALIZED_SLOT_KEYS = ("prompt", "sample_utterances", "lex_extras")
_LOCALE_PATTERN = re.compile(r"^[a-z]{2}_([A-Z]{2}|[0-9]{3})$")


def _localized_maps(doc: dict[str, Any]) -> list[tuple[JsonPath, dict[str, Any]]]:
    found: list[tuple[JsonPath, dict[str, Any]]] = []
    for keys in _LOCALIZED_PATHS:
        node: Any = doc
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            found.append((keys, node))
    slots = doc.get("slots")
    for index, slot in enumerate(slots if isinstance(slots, list) else []):
        for key in _LOCALIZED_SLOT_KEYS:
            node = slot.get(key) if isinstance(slot, dict) else None
            if isinstance(node, dict):
                found.append((("slots", index, key), node))
    return found


def _check_locales(doc: dict[str, Any], source: SourceMap, bot_locales: list[str]) -> list[Diagnostic]:
    """Text for a locale the bot lacks would be dropped silently; say so instead."""
    problems: list[Diagnostic] = []
    known = ", ".join(f"`{b}`" for b in bot_locales)
    listed = doc.get("locales")
    entries: list[tuple[JsonPath, str]] = []
    if isinstance(listed, list):
        entries += [(("locales", i), loc) for i, loc in enumerate(listed) if isinstance(loc, str)]
    for path, mapping in _localized_maps(doc):
        entries += [((*path, loc), loc) for loc in mapping]
    for path, locale in entries:
        if locale in bot_locales or not _LOCALE_PATTERN.match(locale):
            continue  # badly formed ids are the schema's to report
        line, column = source.key_position(path) or source.value_position(path) or (1, 1)
        guess = suggest(locale, bot_locales)
        problems.append(
            _error(
                UNKNOWN_LOCALE,
                f"`{locale}` at {dotted(path)} is not a locale of the bot (bot.yaml has {known}), so this would be ignored",
                source.file,
                line,
                column,
                f"write `{guess}`" if guess and guess != locale else f"add `{locale}` to bot.yaml's locales, or remove this entry",
            )
        )
    return problems


def _spec_files(root: Path, problems: list[Diagnostic]) -> dict[str, list[Path]]:
    found: dict[str, list[Path]] = {}
    total = 0
    for folder in FOLDERS:
        directory = root / folder
        found[folder] = []
        if not directory.is_dir():
            continue  # a bot without custom slot types (or, oddly, intents) is fine
        for path in sorted(directory.iterdir()):
            if path.suffix == ".yml":
                problems.append(
                    _error(
                        UNREADABLE, f"`{path.name}` is ignored: spec files end in .yaml", str(path), fix=f"rename it to `{path.stem}.yaml`"
                    )
                )
            elif path.suffix == SPEC_SUFFIX:
                total += 1
                if total > MAX_SPEC_FILES:
                    problems.append(
                        _error(
                            TOO_MANY_FILES,
                            f"more than {MAX_SPEC_FILES} spec files under {root}; Lex allows 1,000 intents and 250 slot types per locale",
                            str(root),
                            fix="remove generated or copied files",
                        )
                    )
                    return found
                found[folder].append(path)
    return found


def _size(path: Path) -> int:
    try:
        return path.stat().st_size if path.is_file() else 0
    except OSError:
        return 0  # reading it will report the problem


def read_spec_folder(root: Path) -> SpecDocuments:
    """Parse and schema-check bot.yaml, intents/*.yaml and slot_types/*.yaml under ``root``.

    Raises ``SpecError`` with every problem of every file when there is any.
    """
    root = Path(root)
    bot_file = root / "bot.yaml"
    if not root.is_dir():
        fix = f"give the folder instead: {root.parent}" if root.name == "bot.yaml" else "point at a bot folder holding bot.yaml"
        raise SpecError([_error(NO_SPEC, f"{root} is not a folder", str(root), fix=fix)])
    if not bot_file.exists():
        raise SpecError([_error(NO_SPEC, f"no bot.yaml in {root}", str(root), fix="point at a bot folder holding bot.yaml")])
    problems: list[Diagnostic] = []
    bot, bot_source, found = read_spec_file(bot_file)
    problems += found
    if isinstance(bot, dict):
        problems += schema_diagnostics(bot, "bot", bot_source)
    docs = SpecDocuments(root=root, bot=bot if isinstance(bot, dict) else {})
    docs.files[id(docs.bot)] = bot_file
    docs.sources[id(docs.bot)] = bot_source
    locales = docs.bot.get("locales")
    bot_locales = [str(k) for k in locales] if isinstance(locales, dict) else None
    spec_files = _spec_files(root, problems)
    # Files over their own cap are refused one by one below; the rest must fit together.
    total_bytes = sum(size for paths in spec_files.values() for p in paths if (size := _size(p)) <= MAX_FILE_BYTES)
    if total_bytes > MAX_SPEC_BYTES:
        problems.append(
            _error(
                TOO_LARGE,
                f"the spec files under {root} hold {total_bytes / 1024 / 1024:.1f} MB; a bot folder may hold at most "
                f"{MAX_SPEC_BYTES // (1024 * 1024)} MB",
                str(root),
                fix="remove generated or copied files, or check that this is the right folder",
            )
        )
        raise SpecError(problems)
    total_events = bot_source.events
    for folder, paths in spec_files.items():
        kind = FOLDERS[folder]
        target = docs.intents if kind == "intent" else docs.slot_types
        for path in paths:
            doc, source, found = read_spec_file(path)
            problems += found
            total_events += source.events
            if total_events > MAX_EVENTS_PER_SPEC:
                problems.append(
                    _error(
                        TOO_LARGE,
                        f"the spec files under {root} hold more than {MAX_EVENTS_PER_SPEC:,} YAML values; reading stopped at {path.name}",
                        str(root),
                        fix="remove generated or copied files, or check that this is the right folder",
                    )
                )
                raise SpecError(problems)
            if not isinstance(doc, dict):
                continue
            problems += schema_diagnostics(doc, kind, source)
            mismatch = _check_name(doc, path, source)
            if mismatch is not None:
                problems.append(mismatch)
            if bot_locales is not None:
                problems += _check_locales(doc, source, bot_locales)
            target.append(doc)
            docs.files[id(doc)] = path
            docs.sources[id(doc)] = source
    if problems:
        order = {file: n for n, file in enumerate(dict.fromkeys(d.file for d in problems))}
        problems.sort(key=lambda d: (order[d.file], d.line or 0, d.column or 0))
        raise SpecError(problems)
    return docs
