"""The HTML evaluation report opens in headless Chromium without console errors or network requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.chromium import CHROMIUM, CHROMIUM_ARGS
from tools.cli import main


@pytest.mark.e2e
def test_html_report_renders_without_console_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium is missing: run `make browser` (apt-get install chromium)"
    data = tmp_path / "data.csv"
    data.write_text('text,intent,slots\nhello,Greeting,\n"<b>where</b> is my order",Help,\ni need help,Status,\n')
    html = tmp_path / "report.html"
    assert main(["evaluate", "--data", str(data), "--html", str(html)]) == 0
    capsys.readouterr()
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.on("console", lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None)
            page.on("pageerror", lambda exc: problems.append(str(exc)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(html.as_uri())
            assert page.title() == "NLU evaluation: engine"
            heat_cells = page.locator("table.heat td")
            labels = page.locator("table.heat th.col").all_inner_texts()
            assert {"Greeting", "Help", "Status"} <= set(labels)
            assert heat_cells.count() == len(labels) ** 2
            # "i need help" labelled Status but recognised as Help: a confusion, drawn red.
            wrong = page.locator("table.heat td[title='Status → Help: 1']")
            assert "180, 35, 24" in wrong.evaluate("el => getComputedStyle(el).backgroundColor")
            # Labelled Help on purpose, so that it is listed among the errors whatever the NLU's quality.
            assert page.get_by_text("<b>where</b> is my order").count() == 1  # shown as text...
            assert page.locator("td b").count() == 0  # ...never as markup
            assert page.locator("text=i need help").count() == 1  # ...and the misclassified utterance is listed
        finally:
            browser.close()
    assert problems == []
    assert requests == [html.as_uri()]  # self-contained: nothing else is fetched
