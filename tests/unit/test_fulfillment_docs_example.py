"""The handler and unit test shown in docs/fulfillment.md run as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[2] / "docs" / "fulfillment.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_the_documented_handler_and_its_test_pass() -> None:
    handler_source, test_source = python_blocks()
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(handler_source + "\n" + test_source, str(DOC), "exec"), namespace)
    namespace["test_daisies_are_asked_again"]()
    good = namespace["event"]("DialogCodeHook", FlowerType="roses")
    answer = namespace["handler"](good)
    assert answer["sessionState"]["dialogAction"] == {"type": "Delegate"}
    assert answer["sessionState"]["sessionAttributes"] == {"Price": "25"}
    done = namespace["handler"](namespace["event"]("FulfillmentCodeHook", FlowerType="roses"))
    assert done["messages"][0]["content"] == "Thanks, your order for roses has been placed"
