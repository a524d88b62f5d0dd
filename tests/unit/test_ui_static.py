"""The web UI's files, read as text: no markup built from strings, every import and asset present, the hooks tests rely on."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from runtime.web.settings import DEFAULT_STATIC_DIR

STATIC = DEFAULT_STATIC_DIR
SCRIPTS = sorted((STATIC / "js").glob("*.js"))
PAGES = sorted(STATIC.glob("*.html"))
# Ways to turn a string into markup or code; the UI inserts message data as text only.
UNSAFE_SINKS = re.compile(r"\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setTimeout\(\s*[\"'`]")
IMPORT = re.compile(r"""^\s*import\s+(?:[^"']+\s+from\s+)?["']([^"']+)["']""", re.MULTILINE)
DYNAMIC_IMPORT = re.compile(r"""import\(\s*["']([^"']+)["']""")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def parse(page: Path) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector.tags


def test_the_ui_files_are_there() -> None:
    assert {p.name for p in PAGES} == {"index.html", "login.html"}
    assert len(SCRIPTS) >= 8
    assert (STATIC / "css" / "chat.css").is_file()


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_script_turns_strings_into_markup_or_code(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    found = [m.group(0) for m in UNSAFE_SINKS.finditer(text)]
    assert not found, f"{script.name} uses {found}: insert data with textContent / createElement"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_import_resolves_to_a_file_beside_it(script: Path) -> None:
    text = script.read_text(encoding="utf-8")
    for target in IMPORT.findall(text) + DYNAMIC_IMPORT.findall(text):
        assert target.startswith("./"), f"{script.name} imports {target!r}: use a relative path (no bare or absolute specifiers)"
        assert (script.parent / target).is_file(), f"{script.name} imports {target}, which does not exist"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_load_only_their_own_assets_under_a_strict_policy(page: Path) -> None:
    tags = parse(page)
    policy = next(a.get("content") or "" for t, a in tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'self'" in policy and "object-src 'none'" in policy and "unsafe-inline" not in policy
    scripts = [a for t, a in tags if t == "script"]
    assert scripts and all(a.get("type") == "module" and (a.get("src") or "").startswith("/static/js/") for a in scripts)
    for tag, attrs in tags:
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            if value.startswith("/static/"):
                assert (STATIC / value.removeprefix("/static/")).is_file(), f"{page.name}: <{tag} {name}={value}> is missing"
        assert not any(name.startswith("on") for name in attrs), f"{page.name}: inline handler on <{tag}> (blocked by the policy)"


def test_the_chat_page_has_the_hooks_people_and_tests_rely_on() -> None:
    text = (STATIC / "index.html").read_text(encoding="utf-8")
    for class_name in ("chat-container", "message-input", "error-message", "status-message", "message-list", "sign-out"):
        assert re.search(rf'class="[^"]*\b{class_name}\b', text), class_name
    tags = parse(STATIC / "index.html")
    form = [a for t, a in tags if t == "form" and "message-form" in (a.get("class") or "")]
    assert form, "the message box sits in a form"
    log = next(a for t, a in tags if t == "ol" and "message-list" in (a.get("class") or ""))
    assert log.get("role") == "log" and log.get("aria-live") == "polite"
    labelled = {a.get("for") for t, a in tags if t == "label"}
    for tag, attrs in tags:
        if tag in ("input", "textarea", "select"):
            assert attrs.get("id") in labelled, f"<{tag} name={attrs.get('name')}> has no <label>"


def test_send_is_the_only_submit_button_of_the_chat_page() -> None:
    # The seed's browser tests send with page.click('button[type="submit"]'): the first match must be Send.
    tags = parse(STATIC / "index.html")
    submits = [a for t, a in tags if t == "button" and a.get("type") == "submit"]
    assert len(submits) == 1
    assert "disabled" in submits[0], "inert until chat-page.js handles the submit (else it submits natively)"
    for name in ("create-room-button", "join-room-button"):
        assert any(t == "button" and a.get("type") == "button" and name in (a.get("class") or "") for t, a in tags), name


def test_the_sign_in_page_has_the_named_fields_in_each_form() -> None:
    text = (STATIC / "login.html").read_text(encoding="utf-8")
    templates = dict(re.findall(r'<template id="([a-z]+)-template">(.*?)</template>', text, re.DOTALL))
    assert set(templates) == {"signin", "signup", "confirm"}
    for name in ("username", "password"):
        assert f'name="{name}"' in templates["signin"] and f'name="{name}"' in templates["signup"]
    assert 'name="email"' in templates["signup"] and 'name="code"' in templates["confirm"]
    assert all('button type="submit"' in body for body in templates.values())


def test_the_stylesheet_keeps_long_words_inside_a_phone_screen() -> None:
    css = (STATIC / "css" / "chat.css").read_text(encoding="utf-8")
    assert re.search(r"\.message-bubble\s*\{[^}]*overflow-wrap:\s*anywhere", css)
    assert "@media (max-width: 700px)" in css
    assert "overflow-x: hidden" in css
