"""Reply templates: loading from a spec folder or replies.json, sandboxed rendering, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fulfillment.errors import ReplyError
from fulfillment.replies import REPLIES_FORMAT, Replies, replies_document, templates_from_spec_folder


def write_intent(bot_dir: Path, name: str, body: str) -> None:
    (bot_dir / "intents").mkdir(parents=True, exist_ok=True)
    (bot_dir / "intents" / f"{name}.yaml").write_text(body, encoding="utf-8")


def test_the_seed_bot_replies_load_and_render(seed_bot_dir: Path) -> None:
    replies = Replies.load(seed_bot_dir)
    assert replies.names("Status", "en_US") == {"order", "account", "delivery"}
    assert (
        replies.render("Greeting", "en_US", "greeting", part_of_day="evening", customer="Bo")
        == "Good evening, Bo! How can I help you today?"
    )
    assert (
        replies.render("Greeting", "en_US", "greeting", part_of_day="morning", customer=None) == "Good morning! How can I help you today?"
    )
    assert "FallbackIntent" not in replies.templates  # it has no replies block


def test_replies_json_round_trips_to_the_same_templates(seed_bot_dir: Path, tmp_path: Path) -> None:
    templates = templates_from_spec_folder(seed_bot_dir)
    path = tmp_path / "replies.json"
    path.write_text(json.dumps(replies_document(templates)), encoding="utf-8")
    loaded = Replies.load(path)
    assert loaded.templates == templates
    assert loaded.render("Help", "en_US", "help") == Replies.load(seed_bot_dir).render("Help", "en_US", "help")


def test_a_missing_reply_names_intent_locale_and_reply(seed_bot_dir: Path) -> None:
    replies = Replies.load(seed_bot_dir)
    with pytest.raises(ReplyError, match=r"no reply 'refund' for intent 'Status' in locale en_US"):
        replies.render("Status", "en_US", "refund")
    with pytest.raises(ReplyError, match=r"'help' for intent 'Help' in locale fr_FR"):
        replies.render("Help", "fr_FR", "help")
    with pytest.raises(ReplyError, match=r"intent 'Nope'"):
        replies.render("Nope", "en_US", "x")


def test_an_undefined_variable_is_a_clear_error(seed_bot_dir: Path) -> None:
    replies = Replies.load(seed_bot_dir)
    with pytest.raises(ReplyError) as info:
        replies.render("Greeting", "en_US", "greeting", customer="Ann")
    message = str(info.value)
    assert "'greeting' of intent 'Greeting' (en_US)" in message
    assert "part_of_day" in message and "undefined" in message
    assert "given customer" in message


def test_a_template_syntax_error_is_reported_at_load(tmp_path: Path) -> None:
    write_intent(tmp_path, "Broken", "name: Broken\nreplies:\n  en_US:\n    oops: 'Hello {{ name '\n")
    with pytest.raises(ReplyError, match=r"reply 'oops' of intent 'Broken' \(en_US\) is not a valid template"):
        Replies.load(tmp_path)


def test_the_sandbox_blocks_reaching_into_python(tmp_path: Path) -> None:
    write_intent(tmp_path, "Evil", 'name: Evil\nreplies:\n  en_US:\n    pwn: "{{ x.__class__.__mro__[1].__subclasses__() }}"\n')
    replies = Replies.load(tmp_path)
    with pytest.raises(ReplyError, match=r"failed to render|undefined"):
        replies.render("Evil", "en_US", "pwn", x="s")


def test_variables_are_not_autoescaped_and_not_evaluated(tmp_path: Path) -> None:
    write_intent(tmp_path, "Echo", "name: Echo\nreplies:\n  en_US:\n    echo: 'You said {{ text }}'\n")
    replies = Replies.load(tmp_path)
    assert replies.render("Echo", "en_US", "echo", text="<b>{{ 7*7 }}</b> & co") == "You said <b>{{ 7*7 }}</b> & co"


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("name: A\nreplies: [hello]\n", "must map locales"),
        ("name: A\nreplies:\n  en_US: hello\n", "must map reply names"),
        ("name: A\nreplies:\n  en_US:\n    hi: 3\n", "must be a string template"),
        ("name: A\nreplies:\n  en_US:\n    hi: [a, b]\n", "must be a string template"),
        ("name: A\nreplies: {en_US: {hi: 'x'}\n", r"A\.yaml:\d+: not valid YAML"),
        ("- just\n- a list\n", "must hold a mapping"),
        ("name: [A]\nreplies: {}\n", "'name' must be a string"),
    ],
)
def test_malformed_reply_blocks_name_the_file(tmp_path: Path, body: str, problem: str) -> None:
    write_intent(tmp_path, "A", body)
    with pytest.raises(ReplyError, match=problem) as info:
        Replies.load(tmp_path)
    assert "A.yaml" in str(info.value)


def test_oversized_templates_and_files_are_refused(tmp_path: Path) -> None:
    write_intent(tmp_path, "Long", "name: Long\nreplies:\n  en_US:\n    long: '" + "x" * 4001 + "'\n")
    with pytest.raises(ReplyError, match="4001 characters"):
        Replies.load(tmp_path)
    write_intent(tmp_path, "Long", "# " + "x" * (1024 * 1024) + "\n")
    with pytest.raises(ReplyError, match="larger than"):
        Replies.load(tmp_path)


def test_the_intent_name_defaults_to_the_file_name(tmp_path: Path) -> None:
    write_intent(tmp_path, "Hi", "replies:\n  en_US:\n    hi: 'Hi!'\n")
    assert Replies.load(tmp_path).render("Hi", "en_US", "hi") == "Hi!"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a chat-lex replies file"),
        (json.dumps({"format": "other", "replies": {}}), "not a chat-lex replies file"),
        (json.dumps({"format": REPLIES_FORMAT, "replies": {"A": {"en_US": {"x": 1}}}}), "must be a string template"),
        ("\xff\xfe", "not valid JSON|cannot read"),
    ],
)
def test_a_bad_replies_json_is_a_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "replies.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ReplyError, match=problem):
        Replies.load(path)


def test_nothing_at_the_path_or_no_intents_folder(tmp_path: Path) -> None:
    with pytest.raises(ReplyError, match="no such folder or file"):
        Replies.load(tmp_path / "missing")
    with pytest.raises(ReplyError, match="no intents/ folder"):
        Replies.load(tmp_path)
