"""The pytest side of coverage: ``--lex-coverage FILE`` and ``--lex-coverage-html DIR`` (``chat-lex test --coverage``).

Each passing scenario's turns are kept per target; at the end of the session they are marked
against the bot definition (``coverage_model``) and written out as JSON and, if asked, HTML.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from pathlib import Path

import pytest

from conversation_tests.turns import ObservedTurn

RUNS_KEY = pytest.StashKey[dict[str, list[tuple[str, list[ObservedTurn]]]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chat-lex")
    group.addoption("--lex-coverage", default=None, metavar="FILE", help="write what the scenarios covered of the bot (JSON) here")
    group.addoption("--lex-coverage-html", default=None, metavar="DIR", help="write the coverage as one HTML page (index.html) here")


def _wanted(config: pytest.Config) -> bool:
    return bool(config.getoption("--lex-coverage", None) or config.getoption("--lex-coverage-html", None))


def pytest_configure(config: pytest.Config) -> None:
    if _wanted(config):
        config.stash[RUNS_KEY] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    runs = item.config.stash.get(RUNS_KEY, None)
    if runs is None or call.when != "call" or not report.passed:
        return report  # a failed or skipped scenario covers nothing (docs/coverage.md)
    from conversation_tests.plugin import CONVERSATION_KEY, scenario_title

    chat = item.stash.get(CONVERSATION_KEY, None)
    if chat is not None:
        runs.setdefault(chat.target.name, []).append((scenario_title(item), list(chat.turns)))
    return report


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    runs = config.stash.get(RUNS_KEY, None)
    if runs is None:
        return
    from bot_spec.diagnostics import SpecError
    from bot_spec.formats.yaml_spec import load_spec
    from conversation_tests.plugin import endpoint_options, selected_targets
    from tools.coverage.html import write_html

    options = endpoint_options(config)
    try:
        definition = load_spec(options.bot_dir)
    except SpecError as exc:
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"coverage not written: the bot spec in {options.bot_dir} does not load ({exc})", red=True)
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
        return
    from conversation_tests.coverage_model import build_report

    for name in selected_targets(config):
        runs.setdefault(name, [])  # a target on which nothing passed still shows, at 0 %
    report = build_report(definition, options.locale_id, runs)
    json_path = config.getoption("--lex-coverage")
    if json_path:
        path = Path(json_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report.to_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    html_dir = config.getoption("--lex-coverage-html")
    if html_dir:
        write_html(report, Path(html_dir))
