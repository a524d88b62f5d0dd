"""The pytest plugin of the conversation tests: options, targets, the ``conversation`` fixture, transcripts.

Registered for the repository's own runs by ``-p conversation_tests.plugin`` in pyproject's
pytest ``addopts``; ``chat-lex test`` passes the same ``-p``. Every pytest-bdd scenario collected
in the session is run once per selected target (``--lex-target`` or ``--lex-targets``).
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import re
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot_spec import SEED_BOT_DIR
from bot_spec.code_hook import CLI_HELP, CodeHookSpec, CodeHookSpecError, parse_cli
from conversation_tests.bot_tags import LOCAL_TARGETS, BotTagError, bot_source, scenario_tags, spec_dir_for
from conversation_tests.bot_tags import TAG_PREFIX as BOT_TAG_PREFIX
from conversation_tests.conversation import Conversation
from conversation_tests.targets import TARGET_FACTORIES, ConversationTarget, open_target
from conversation_tests.vocabulary import KEYWORDS, suggestions
from runtime.lex.endpoints import DEFAULT_LOCALE, DEFAULT_REGION, EndpointError, EndpointOptions, aws_credentials_missing

pytest_plugins = [
    "conversation_tests.steps",
    "conversation_tests.steps_more",
    "conversation_tests.target_tags",
    "conversation_tests.coverage_plugin",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BOT_DIR = SEED_BOT_DIR
TARGET_ENV = "CHAT_LEX_TEST_TARGET"
BOT_DIR_ENV = "CHAT_LEX_BOT_DIR"
TARGET_PARAMETER = "lex_target_name"
CONVERSATION_KEY = pytest.StashKey[Conversation]()
_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


class StepNotFound(Exception):
    """A feature line matches no step of the vocabulary."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chat-lex", "chat-lex conversation tests")
    group.addoption("--lex-target", default=None, help=f"run the features on this target only ({TARGET_ENV}); e.g. engine, http, aws")
    group.addoption("--lex-targets", default=None, help="comma-separated targets to run every feature on (default: ini lex_targets)")
    group.addoption("--bot-dir", default=None, help=f"bot spec folder for local targets ({BOT_DIR_ENV}; default bot_spec/chatbot)")
    group.addoption("--bot-id", default=None, help="aws target: the bot id")
    group.addoption("--bot-alias-id", default=None, help="aws target: the bot alias id")
    group.addoption("--locale", default=None, help=f"locale id (default {DEFAULT_LOCALE})")
    group.addoption("--region", default=None, help=f"aws target: the region (default AWS_REGION, AWS_DEFAULT_REGION or {DEFAULT_REGION})")
    group.addoption("--code-hook", default=None, help=f"local targets: run this code hook instead of the spec's ({CLI_HELP})")
    group.addoption("--lex-transcripts", default=None, help="write a transcript file per failed scenario into this folder")
    parser.addini("lex_targets", "targets every feature runs on when none is chosen", default="engine")


def selected_targets(config: pytest.Config) -> list[str]:
    """--lex-target, else --lex-targets, else $CHAT_LEX_TEST_TARGET, else the ini's lex_targets."""
    single = config.getoption("--lex-target")
    listed = config.getoption("--lex-targets")
    if not single and not listed:
        single = os.environ.get(TARGET_ENV)
    if single:
        return [single.strip()]
    names = [name.strip() for name in (listed or str(config.getini("lex_targets"))).split(",") if name.strip()]
    return names or ["engine"]


def _code_hook(config: pytest.Config) -> CodeHookSpec | None:
    given = config.getoption("--code-hook")
    if not given:
        return None
    try:
        return parse_cli(given)
    except CodeHookSpecError as exc:
        raise pytest.UsageError(str(exc)) from None


def endpoint_options(config: pytest.Config) -> EndpointOptions:
    """The options every target is opened with."""
    bot_dir = config.getoption("--bot-dir") or os.environ.get(BOT_DIR_ENV)
    return EndpointOptions(
        bot_dir=Path(bot_dir) if bot_dir else DEFAULT_BOT_DIR,
        bot_id=config.getoption("--bot-id"),
        bot_alias_id=config.getoption("--bot-alias-id"),
        locale_id=config.getoption("--locale") or DEFAULT_LOCALE,
        region=config.getoption("--region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
        code_hook=_code_hook(config),
    )


def pytest_configure(config: pytest.Config) -> None:
    targets = selected_targets(config)
    unknown = [name for name in targets if name not in TARGET_FACTORIES]
    if unknown:
        raise pytest.UsageError(f"unknown conversation-test target {unknown[0]!r}; choose one of: {', '.join(sorted(TARGET_FACTORIES))}")
    options = endpoint_options(config)
    # Only an explicit --bot-dir stops the whole run; a bad $CHAT_LEX_BOT_DIR fails the scenarios that need it.
    if config.getoption("--bot-dir") and targets != ["aws"] and not (options.bot_dir / "bot.yaml").is_file():
        raise pytest.UsageError(f"bot folder {options.bot_dir} has no bot.yaml; give --bot-dir a bot spec folder")
    if "aws" in targets:
        if not options.bot_id or not options.bot_alias_id:
            raise pytest.UsageError("the aws target needs --bot-id and --bot-alias-id (the deployed bot and alias to talk to)")
        if aws_credentials_missing():
            raise pytest.UsageError(
                "the aws target found no AWS credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                "(or run `aws configure`), or run the features on the engine or http target"
            )


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object) -> None:
    # Scenario functions made by pytest-bdd get the target parameter, so each runs once per target.
    if callable(obj) and name.startswith("test") and _is_scenario(obj):
        marks = getattr(obj, "pytestmark", [])
        if not any(m.name == "usefixtures" and TARGET_PARAMETER in m.args for m in marks):
            pytest.mark.usefixtures(TARGET_PARAMETER)(obj)


def _is_scenario(obj: Any) -> bool:
    """A pytest-bdd scenario function (it takes the ``_pytest_bdd_example`` argument)."""
    try:
        return "_pytest_bdd_example" in inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if TARGET_PARAMETER in metafunc.fixturenames:
        targets = selected_targets(metafunc.config)
        metafunc.parametrize(TARGET_PARAMETER, targets, ids=targets, scope="session")


@pytest.fixture(scope="session")
def lex_target_name(request: pytest.FixtureRequest) -> str:
    """The target this test runs on (parametrised per selected target)."""
    return getattr(request, "param", selected_targets(request.config)[0])


@pytest.fixture(scope="session")
def _open_conversation_targets(request: pytest.FixtureRequest) -> Iterator[dict[str, ConversationTarget]]:
    opened: dict[str, ConversationTarget] = {}
    yield opened
    for target in opened.values():
        target.close()


@pytest.fixture(scope="session")
def _tagged_bot_dirs() -> dict[str, Path]:
    return {}


@pytest.fixture
def conversation_target(
    lex_target_name: str,
    _open_conversation_targets: dict[str, ConversationTarget],
    _tagged_bot_dirs: dict[str, Path],
    request: pytest.FixtureRequest,
) -> ConversationTarget:
    """The (session-wide) target of this test, opened on first use; per bot for ``@bot:`` scenarios."""
    from bot_spec.diagnostics import SpecError

    options = endpoint_options(request.config)
    key = lex_target_name
    scenario = scenario_tags(request.node)
    try:
        source = bot_source(scenario) if scenario is not None else None
        if source is not None:
            if lex_target_name not in LOCAL_TARGETS:
                pytest.skip(f"@bot:{source} scenarios run on the engine and http targets, not {lex_target_name}")
            options = dataclasses.replace(options, bot_dir=spec_dir_for(source, _tagged_bot_dirs), code_hook=None)
            key = f"{lex_target_name}@{source}"
    except (BotTagError, SpecError) as exc:
        pytest.fail(str(exc), pytrace=False)
    target = _open_conversation_targets.get(key)
    if target is None:
        try:
            target = open_target(lex_target_name, options)
        except (EndpointError, SpecError) as exc:
            pytest.fail(f"cannot open the {lex_target_name} target: {exc}", pytrace=False)
        _open_conversation_targets[key] = target
    return target


@pytest.fixture
def conversation(conversation_target: ConversationTarget, request: pytest.FixtureRequest) -> Conversation:
    """A fresh conversation with the bot for one scenario."""
    chat = Conversation(conversation_target, request.config.getoption("--locale"))
    request.node.stash[CONVERSATION_KEY] = chat
    return chat


def pytest_bdd_step_func_lookup_error(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any, exception: Exception) -> None:
    kind = KEYWORDS.get(str(step.type).lower())
    near = "\n".join(f"    {s}" for s in suggestions(kind, step.name))
    where = f"{feature.filename}:{step.line_number}"
    raise StepNotFound(
        f'no step matches {str(step.keyword).strip()} "{step.name}" ({where}, scenario "{scenario.name}").\n'
        f"  The nearest steps are:\n{near}\n  (all steps: docs/conversation-tests.md)"
    )


_GHERKIN_ERROR = re.compile(
    r"pytest_bdd\.exceptions\.\w+: (?P<message>.*)\n"
    r"\s*E?\s*Line number: (?P<line>\d+)\n\s*E?\s*Line: (?P<content>.*)\n\s*E?\s*File: (?P<file>.*)"
)


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Generator[None, pytest.CollectReport, pytest.CollectReport]:
    # A Gherkin syntax error reads as one line naming file and line, not as a parser traceback.
    report = yield
    if report.failed:
        found = _GHERKIN_ERROR.search(str(report.longrepr))
        if found is not None:
            report.longrepr = (
                f"{found['file'].strip()}:{found['line']}: {found['message'].strip()}\n    {found['content'].strip()}\n"
                "  (Gherkin reference: https://cucumber.io/docs/gherkin/reference/)"
            )
    return report


def transcript_file_name(title: str) -> str:
    """A safe file name for a scenario's transcript."""
    return _UNSAFE_FILE_CHARS.sub("_", title).strip("_")[:150] + ".txt"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    chat = item.stash.get(CONVERSATION_KEY, None)
    if chat is None or not report.failed or call.when != "call":
        return report
    transcript = chat.transcript()
    error = str(call.excinfo.value) if call.excinfo is not None else ""
    if transcript not in error:  # a ConversationMismatch already shows it
        report.sections.append(("conversation transcript", transcript))
    folder = item.config.getoption("--lex-transcripts")
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        body = f"{scenario_title(item)}\n{item.nodeid}\n\n{error if transcript in error else transcript + chr(10) * 2 + error}\n"
        (path / transcript_file_name(scenario_title(item))).write_text(body, encoding="utf-8")
    return report


def scenario_title(item: pytest.Item) -> str:
    """``<feature file> - <scenario>[<parameters>]`` for a scenario's test item."""
    from pytest_bdd.scenario import scenario_wrapper_template_registry

    function = getattr(item, "obj", None)
    template = scenario_wrapper_template_registry.get(function) if callable(function) else None
    if template is None:
        return item.nodeid
    params = item.name[item.name.index("[") :] if "[" in item.name else ""
    return f"{Path(template.feature.filename).stem} - {template.name}{params}"


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Any) -> bool | None:
    # A @bot:<source> tag picks the bot (bot_tags); it is no pytest marker, so strict markers stay strict.
    return True if tag.startswith(BOT_TAG_PREFIX) else None
