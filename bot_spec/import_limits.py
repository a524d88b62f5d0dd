"""The caps ``validate`` puts on spec files, applied to imported templates and LexJson files.

A template or export is checked before its data is built: a YAML template's parser events
are counted (libyaml, constant memory) before any node exists, and a JSON document's
values are counted before it is converted to a definition. The numbers are the spec
reader's own (``bot_spec.spec_source``), so an import never accepts what ``validate``
of its output would refuse for size.
"""

from __future__ import annotations

from typing import Any

import yaml

from bot_spec.spec_source import MAX_DEPTH, MAX_EVENTS_PER_FILE, MAX_EVENTS_PER_SPEC, MAX_NODES_PER_FILE

_EventLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: parses without building nodes
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class TooBig(ValueError):
    """A document over one of the caps; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def check_yaml_text(text: str) -> int:
    """The number of YAML parser events in ``text``; TooBig past the event or depth cap.

    Only the parser runs here, so a 5 MB flat list costs its events, not a node tree
    (building that tree took ~1.2 GB and ~40 s before this check). YAML errors are left
    for the real parse, which reports them with its own message.
    """
    loader = _EventLoader(text)
    events = depth = 0

    def line(event: Any) -> int | None:
        mark = event.start_mark
        return None if mark is None else int(mark.line) + 1

    try:
        while loader.check_event():
            event = loader.get_event()
            events += 1
            if isinstance(event, _OPEN):
                depth += 1
                if depth > MAX_DEPTH:
                    raise TooBig(f"the document nests deeper than {MAX_DEPTH} levels", line(event))
            elif isinstance(event, _CLOSE):
                depth -= 1
            if events > MAX_EVENTS_PER_FILE:
                raise TooBig(f"the document holds more than {MAX_EVENTS_PER_FILE:,} YAML values and brackets", line(event))
    except yaml.YAMLError as exc:
        if "max depth" in str(exc):  # libyaml's own cap (1,000 levels), far past ours
            raise TooBig(f"the document nests deeper than {MAX_DEPTH} levels") from None
        # Any other syntax error is left for the real parse, which reports it with its own message.
    finally:
        loader.dispose()
    return events


def count_values(doc: Any, budget: int = MAX_NODES_PER_FILE) -> int:
    """The number of values in a parsed JSON/YAML document; TooBig past ``budget`` or the depth cap.

    Iterative, so a deep document cannot exhaust the stack; a collection's size is counted
    before its items are visited, so a list of millions is refused without walking it.
    """
    count = 1
    stack: list[tuple[Any, int]] = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        children: Any
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if children and depth + 1 > MAX_DEPTH:
            raise TooBig(f"the document nests deeper than {MAX_DEPTH} levels")
        count += len(children)
        if count > budget:
            raise TooBig(f"the document holds more than {budget:,} values")
        stack.extend((child, depth + 1) for child in children)
    return count


class ValueBudget:
    """Values still allowed for one whole import (many LexJson files together), like ``validate``'s per-folder cap.

    ``per_file_only`` keeps only the per-file caps, for reads after the whole import was counted.
    """

    def __init__(self, total: int | None = None, *, per_file_only: bool = False) -> None:
        self.total = MAX_EVENTS_PER_SPEC if total is None else total
        self.left = self.total
        self.per_file_only = per_file_only

    def spend(self, doc: Any) -> None:
        """Count ``doc`` against both the per-file cap and what is left of the whole import; TooBig past either."""
        if self.per_file_only:
            count_values(doc)
            return
        try:
            self.left -= count_values(doc, min(MAX_NODES_PER_FILE, self.left))
        except TooBig as exc:
            if self.left < MAX_NODES_PER_FILE:
                raise TooBig(f"the export holds more than {self.total:,} values in all") from exc
            raise
