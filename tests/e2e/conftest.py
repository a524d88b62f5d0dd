"""Browser end-to-end fixtures: one `chat-lex serve` subprocess behind a TCP proxy, Debian's Chromium through Playwright.

Playwright never downloads a browser here: it drives /usr/bin/chromium (`make browser` installs it).
Everything is package-scoped so the browser and the runtime are gone before other test packages run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

from conversation_tests.targets_chat import RuntimeSubprocess
from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.tcp_proxy import TcpProxy
from tests.e2e.ui_helpers import watched_page

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RATE_PER_MINUTE = 40
# Short timers so a dead socket is noticed in about a second instead of half a minute.
FAST_UI = "window.chatLexConfig = {heartbeatMs: 1000, connectTimeoutMs: 3000, reconnectBaseMs: 200, reconnectMaxMs: 1500};"


# Generous waits for a loaded 2-core CI machine; a passing test does not wait for them.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="package")
def runtime() -> Iterator[RuntimeSubprocess]:
    # A small rate budget, so one test can run out of it; no other test sends 40 frames a minute as one user.
    process = RuntimeSubprocess(PROJECT_ROOT / "bot_spec" / "chatbot", ["--rate-per-minute", str(RATE_PER_MINUTE)])
    yield process
    process.close()


@pytest.fixture(scope="package")
def proxy(runtime: RuntimeSubprocess) -> Iterator[TcpProxy]:
    tcp = TcpProxy(runtime.port)
    yield tcp
    tcp.close()


@pytest.fixture
def base_url(proxy: TcpProxy) -> Iterator[str]:
    """The runtime as the browser reaches it (through the proxy); the proxy forwards again after each test."""
    yield f"http://127.0.0.1:{proxy.port}"
    proxy.restore()


@pytest.fixture(scope="package")
def playwright_driver() -> Iterator[Playwright]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}; run `make browser` (apt-get install chromium)", pytrace=False)
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    chromium = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Make browser contexts (separate users); each records page errors and dialogs, and is closed after the test."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(**options)
        context.add_init_script(FAST_UI)
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return watched_page(new_context())
