"""Scenario tags that say what a target must be able to do; a target that cannot is skipped by design, not xfailed.

``@local-clock``: the scenario sets or jumps the bot's clock (``the time is``, ``has been idle``).
``@session-attributes``: the scenario sends or checks Lex session attributes.
``@locale``: the scenario chooses its locale (``the locale is``).
A scenario that needs one of these without carrying its tag fails on a target lacking it, naming the tag,
so nothing passes vacuously (an unseen session attribute would otherwise look "not set").
"""

from __future__ import annotations

import re

import pytest

from conversation_tests import vocabulary as v
from conversation_tests.targets_chat import TARGET_NAME as CHAT
from conversation_tests.targets_chat import UNSUPPORTED_TAGS as CHAT_UNSUPPORTED

TAG_DESCRIPTIONS = {
    "local-clock": "the scenario sets or jumps the bot's clock; targets on real time skip it",
    "session-attributes": "the scenario sends or checks Lex session attributes; targets that cannot see them skip it",
    "locale": "the scenario talks in a locale it chooses (`the locale is`); targets serving one locale skip it",
}
# Which steps need which tag.
STEPS_NEEDING_TAG: dict[str, tuple[v.StepPattern, ...]] = {
    "local-clock": (v.TIME, v.IDLE),
    "session-attributes": (v.GIVEN_SESSION_ATTRIBUTE, v.SESSION_ATTRIBUTE_IS, v.SESSION_ATTRIBUTE_UNSET),
    "locale": (v.LOCALE,),
}
# Target name -> tag -> why that target cannot run scenarios with it.
UNSUPPORTED_TAGS: dict[str, dict[str, str]] = {CHAT: CHAT_UNSUPPORTED}


def pytest_configure(config: pytest.Config) -> None:
    for tag, description in TAG_DESCRIPTIONS.items():
        config.addinivalue_line("markers", f"{tag}: {description}")


def needed_tags(step_names: list[str]) -> set[str]:
    """The capability tags the steps need (whatever the scenario is tagged)."""
    needed = set()
    for tag, patterns in STEPS_NEEDING_TAG.items():
        if any(re.fullmatch(p.regex, name) for p in patterns for name in step_names):
            needed.add(tag)
    return needed


def _scenario(item: pytest.Item) -> tuple[set[str], list[str]] | None:
    """(tags, step texts) of a pytest-bdd scenario item; None for other tests."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    function = getattr(item, "obj", None)
    template = scenario_wrapper_template_registry.get(function) if callable(function) else None
    if template is None:
        return None
    return set(template.tags), [step.name for step in template.steps]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    callspec = getattr(item, "callspec", None)
    target = callspec.params.get("lex_target_name") if callspec is not None else None
    lacking = UNSUPPORTED_TAGS.get(str(target), {})
    if not lacking:
        return
    scenario = _scenario(item)
    if scenario is None:
        return
    tags, steps = scenario
    for tag in sorted(tags & lacking.keys()):
        pytest.skip(f"@{tag} scenarios do not run on the {target} target: {lacking[tag]}")
    untagged = sorted((needed_tags(steps) & lacking.keys()) - tags)
    if untagged:
        pytest.fail(
            f"this scenario needs what the {target} target cannot do ({lacking[untagged[0]]}); "
            f"tag it {' '.join('@' + t for t in untagged)} so targets without it skip it",
            pytrace=False,
        )
