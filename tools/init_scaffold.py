"""The files ``chat-lex init`` writes: a bot that works at once, with its code hook, tests and CI.

Templates use ``string.Template`` (``$name``) so the YAML, Python and Gherkin inside need no
escaping; the only values put in are a bot name and a module name checked to be identifiers.
"""

from __future__ import annotations

from string import Template

BOT_YAML = Template("""\
# The bot. `chat-lex validate bot` checks it; `chat-lex converse bot` talks to it.
name: $bot_name
description: A coffee bar that takes drink orders. Make it yours.
idle_session_ttl: 300
child_directed: false
locales:
  en_US:
    description: English (US)
    confidence_threshold: 0.40
    # The code Lex calls for this locale (on AWS: the alias's Lambda for en_US).
    code_hook:
      python: $module:code_hook
""")

ORDER_INTENT = """\
name: OrderDrink
description: The user orders a drink in a size.
utterances:
  en_US:
    - i would like a drink
    - order a drink
    - can i get a coffee
    - i want to order
    - a {Size} coffee please
    - i'd like a {Size} drink
    - get me a {Size} one
slots:
  - name: Size
    type: DrinkSizes
    required: true
    max_retries: 2
    prompt:
      en_US: What size would you like, small, medium or large?
    sample_utterances:
      en_US:
        - "{Size}"
        - a {Size} one
        - "{Size} please"
slot_order: [Size]
code_hooks:
  fulfillment: true
"""

FALLBACK_INTENT = """\
name: FallbackIntent
description: Lex chooses this when no other intent is confident enough.
parent: AMAZON.FallbackIntent
closing:
  en_US: "Sorry, I can only take drink orders."
"""

SIZES = """\
name: DrinkSizes
description: The sizes the bar serves.
resolution: TopResolution
values:
  - value: small
    synonyms: [short, little]
  - value: medium
    synonyms: [regular, tall]
  - value: large
    synonyms: [big, grande]
"""

HOOKS = Template('''\
"""$bot_name's code hook: Lex V2 events in, responses out, with chat-lex's fulfillment library."""

from __future__ import annotations

from typing import Any

from fulfillment import Dispatcher, HookSetup, hook_factory
from fulfillment.events import CodeHookEvent
from fulfillment.responses import close

PRICES = {"small": 2.5, "medium": 3.0, "large": 3.5}


def build() -> Dispatcher:
    """One handler per intent (and, optionally, per invocation source)."""
    dispatcher = Dispatcher()

    @dispatcher.intent("OrderDrink", source="FulfillmentCodeHook")
    def order_drink(event: CodeHookEvent) -> dict[str, Any]:
        size = event.interpreted_value("Size") or "medium"
        price = PRICES.get(size, PRICES["medium"])
        attributes = {**event.session_attributes, "lastOrder": size}
        return close(event, "Fulfilled", [f"One {size} coffee coming up. That is $${price:.2f}."], session_attributes=attributes)

    return dispatcher


@hook_factory
def code_hook(setup: HookSetup) -> Dispatcher:
    """What bot/bot.yaml names; ``setup`` has the bot folder and the engine's clock."""
    return build()


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """The AWS Lambda entry point."""
    return _LAMBDA(event, context)


_LAMBDA = build()
''')

HOOKS_TEST = Template('''\
"""Unit tests of $module: an event in, the response out, no engine."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root

from $module import build  # noqa: E402


def event(size: str) -> dict[str, Any]:
    value = {"originalValue": size, "interpretedValue": size, "resolvedValues": [size]}
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "sessionId": "unit-1",
        "inputTranscript": size,
        "sessionState": {
            "sessionAttributes": {},
            "intent": {"name": "OrderDrink", "slots": {"Size": {"value": value}}, "state": "ReadyForFulfillment"},
        },
    }


def test_an_order_is_fulfilled_with_its_price() -> None:
    response = build()(event("large"))
    assert response["sessionState"]["intent"]["state"] == "Fulfilled"
    assert response["messages"][0]["content"] == "One large coffee coming up. That is $$3.50."
    assert response["sessionState"]["sessionAttributes"] == {"lastOrder": "large"}
''')

ORDER_FEATURE = """\
Feature: Ordering a drink
  The bot asks for a size, then the code hook fulfils the order.

  Scenario: A drink ordered in two turns
    Given a new conversation
    When I say "i would like a drink"
    Then the intent is "OrderDrink"
    And the bot asks for "Size"
    When I say "large"
    Then the slot "Size" is "large"
    And the bot says "One large coffee coming up. That is $3.50."
    And the intent state is "Fulfilled"

  Scenario: A drink ordered at once, with a synonym
    Given a new conversation
    When I say "a big coffee please"
    Then the bot says "One large coffee coming up. That is $3.50."

  Scenario: Something the bot does not do
    Given a new conversation
    When I say "what is the weather on mars"
    Then the intent is "FallbackIntent"
"""

UTTERANCES = """\
# Labelled utterances for `chat-lex evaluate --data data/utterances.yaml`.
- {text: i want to order a drink, intent: OrderDrink}
- {text: a small coffee please, intent: OrderDrink, slots: {Size: small}}
- {text: i'd like a large drink, intent: OrderDrink, slots: {Size: large}}
- {text: get me a medium one, intent: OrderDrink, slots: {Size: medium}}
- {text: tell me a joke about penguins, intent: FallbackIntent}
"""

README = Template("""\
# $bot_name

    chat-lex test features --bot-dir bot
    chat-lex publish bot

The first command runs the conversation tests in `features/` on the local Lex V2 engine, with
the code hook `bot/bot.yaml` names; the second publishes the bot to Amazon Lex V2 (it needs AWS
credentials; see `chat-lex publish --help`).

| path | what |
|---|---|
| `bot/` | the bot spec: `bot.yaml`, `intents/`, `slot_types/` (`chat-lex validate bot`) |
| `$module.py` | the code hook (fulfillment), named in `bot/bot.yaml` as `python: $module:code_hook` |
| `tests/` | the code hook's unit tests (`pytest tests`) |
| `features/` | conversation tests (`chat-lex test features --bot-dir bot`) |
| `data/utterances.yaml` | labelled utterances (`chat-lex evaluate --data data/utterances.yaml --bot-dir bot`) |
| `.github/workflows/chat-lex.yml` | CI: validate, unit tests, conversation tests, evaluation |

Talk to it: `chat-lex converse bot --explain`. Run it with another code hook:
`--code-hook node:path/to/index.js`, `--code-hook lambda:ARN` or `--code-hook none`.
""")

IMPORTED_README = Template("""\
# $bot_name

    chat-lex test features --bot-dir bot
    chat-lex publish bot

Imported from `$source`. Its code hook is `none` until you name one: set `code_hook:` under
the locale in `bot/bot.yaml` (for instance `python: $module:code_hook`, the starter module
here), or run with `--code-hook python:MOD:FN`, `node:FILE`, `lambda:ARN`.

| path | what |
|---|---|
| `bot/` | the imported bot spec (`chat-lex validate bot`) |
| `$module.py` | a starter code hook, not wired yet |
| `features/` | a first conversation test (`chat-lex test features --bot-dir bot`) |
| `.github/workflows/chat-lex.yml` | CI: validate, conversation tests, evaluation |
""")

WORKFLOW = Template("""\
name: chat-lex
on: [push, pull_request]
jobs:
  bot:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: pip install chat-lex
      - run: chat-lex validate bot
$unit_tests      - run: chat-lex test features --bot-dir bot --junit test-results.xml
      - run: chat-lex evaluate $evaluate_source --bot-dir bot --html evaluation.html
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: chat-lex-reports
          path: |
            test-results.xml
            evaluation.html
""")

UNIT_TEST_STEP = "      - run: pytest tests\n"

IMPORTED_FEATURE = Template("""\
Feature: $bot_name understands its intents
  A first test for the imported bot; add the dialogues it should hold.

  Scenario: The first intent is recognised
    Given a new conversation
    When I say "$utterance"
    Then the intent is "$intent"
""")

STARTER_HOOKS = Template('''\
"""A starter code hook for $bot_name; name it in bot/bot.yaml (python: $module:code_hook) to use it."""

from __future__ import annotations

from typing import Any

from fulfillment import Dispatcher, HookSetup, hook_factory


def build() -> Dispatcher:
    """Register one handler per intent with ``@dispatcher.intent("Name")``."""
    return Dispatcher()


@hook_factory
def code_hook(setup: HookSetup) -> Dispatcher:
    """The dispatcher the engine runs."""
    return build()


def handler(event: dict[str, Any], context: object = None) -> dict[str, Any]:
    """The AWS Lambda entry point."""
    return _LAMBDA(event, context)


_LAMBDA = build()
''')
