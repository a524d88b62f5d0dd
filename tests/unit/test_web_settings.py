"""Settings from CHAT_LEX_* variables and `chat-lex serve` flags; frame schemas; the serve command's errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from runtime.chat import errors
from runtime.chat.errors import ChatError
from runtime.chat.protocol import ACTIONS, SCHEMA_DIR, parse_frame, validator
from runtime.web.settings import Settings, SettingsError
from tools.cli import build_parser, main


def test_defaults_are_the_embedded_local_stack() -> None:
    settings = Settings.from_env({})
    assert settings.bot == "local:bot_spec/chatbot"
    assert settings.store == "sqlite:var/chat.db"
    assert (settings.auth, settings.channels, settings.host, settings.port) == ("local", "memory", "127.0.0.1", 8000)
    assert (settings.max_message_chars, settings.rate_per_minute, settings.message_ttl_days) == (1000, 100, 30)


def test_environment_then_flags() -> None:
    env = {
        "CHAT_LEX_PORT": "9001",
        "CHAT_LEX_DEBUG": "true",
        "CHAT_LEX_CHANNELS": "redis://127.0.0.1:6379/0",
        "CHAT_LEX_BOT_TIMEOUT": "2.5",
    }
    settings = Settings.from_env(env, port=9002, debug=None)
    assert settings.port == 9002 and settings.debug is True
    assert settings.channels.startswith("redis://") and settings.bot_timeout == 2.5
    assert Settings.from_env({"CHAT_LEX_DYNAMODB_ENDPOINT": ""}).dynamodb_endpoint is None


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"CHAT_LEX_PORT": "eighty"}, "CHAT_LEX_PORT"),
        ({"CHAT_LEX_PORT": "70000"}, "CHAT_LEX_PORT"),
        ({"CHAT_LEX_DEBUG": "maybe"}, "CHAT_LEX_DEBUG"),
        ({"CHAT_LEX_STORE": "mysql://x"}, "CHAT_LEX_STORE"),
        ({"CHAT_LEX_BOT": "aws:only-one-part"}, "CHAT_LEX_BOT"),
        ({"CHAT_LEX_AUTH": "ldap"}, "CHAT_LEX_AUTH"),
        ({"CHAT_LEX_AUTH": "cognito"}, "CHAT_LEX_COGNITO_USER_POOL_ID"),
        ({"CHAT_LEX_CHANNELS": "kafka://x"}, "CHAT_LEX_CHANNELS"),
        ({"CHAT_LEX_MAX_MESSAGE_CHARS": "0"}, "CHAT_LEX_MAX_MESSAGE_CHARS"),
        ({"CHAT_LEX_RATE_PER_MINUTE": "-1"}, "CHAT_LEX_RATE_PER_MINUTE"),
        ({"CHAT_LEX_LOG_LEVEL": "loud"}, "CHAT_LEX_LOG_LEVEL"),
        ({"CHAT_LEX_BOT_TIMEOUT": "0"}, "CHAT_LEX_BOT_TIMEOUT"),
        ({"CHAT_LEX_CODE_HOOK": "ruby:hook.rb"}, "CHAT_LEX_CODE_HOOK"),
        ({"CHAT_LEX_CODE_HOOK": "python:not a target"}, "CHAT_LEX_CODE_HOOK"),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert names in str(caught.value)


def test_redis_password_is_not_shown() -> None:
    settings = Settings(channels="redis://:s3cret@127.0.0.1:6379/0")
    assert "s3cret" not in settings.describe()["channels"]
    with pytest.raises(SettingsError) as caught:
        Settings(channels="kafka://user:s3cret@host")
    assert "s3cret" not in str(caught.value)


def test_serve_flags_mirror_the_settings() -> None:
    args = build_parser().parse_args(["serve", "--port", "9100", "--channels", "memory", "--debug", "--rate-per-minute", "7"])
    assert (args.port, args.channels, args.debug, args.rate_per_minute) == (9100, "memory", True, 7)
    assert args.store is None  # not given: the environment or the default decides


def test_serve_with_a_bad_setting_exits_2_without_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--store", "mysql://nope"]) == 2
    err = capsys.readouterr().err
    assert "CHAT_LEX_STORE" in err and "Traceback" not in err


def test_serve_with_a_missing_bot_folder_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(
        ["serve", "--bot", f"local:{tmp_path / 'nope'}", "--store", f"sqlite:{tmp_path / 'c.db'}", "--auth-key-dir", str(tmp_path / "k")]
    )
    assert code == 1
    assert "not a folder" in capsys.readouterr().err


def test_every_schema_is_valid_and_every_action_has_one() -> None:
    for path in SCHEMA_DIR.glob("*.json"):
        Draft202012Validator.check_schema(json.loads(path.read_text()))
    for action in ACTIONS:
        assert (SCHEMA_DIR / f"in.{action}.json").is_file()
    for code in errors.ERROR_CODES:
        assert validator("out.ERROR").is_valid({"type": "ERROR", "code": code, "message": "m"})
    assert not validator("out.ERROR").is_valid({"type": "ERROR", "code": "NOPE", "message": "m"})


def test_protocol_doc_lists_every_frame_and_error_code() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    for path in SCHEMA_DIR.glob("*.json"):
        assert path.name in doc, path.name
    for code in errors.ERROR_CODES:
        assert f"`{code}`" in doc, code


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ('{"action": "ping"', errors.BAD_JSON),
        ("null", errors.BAD_FRAME),
        ('{"action": "PING"}', errors.UNKNOWN_ACTION),
        ('{"action": "ping", "x": 1}', errors.BAD_FRAME),
        ("{" + '"a":' * 10_000, errors.FRAME_TOO_LARGE),
        ('{"action": "' + "z" * 500 + '"}', errors.UNKNOWN_ACTION),
    ],
)
def test_parse_frame_refusals(raw: str, code: str) -> None:
    with pytest.raises(ChatError) as caught:
        parse_frame(raw)
    assert caught.value.code == code
    assert len(caught.value.message) < 400  # hostile input is not echoed back in full


def test_parse_frame_keeps_client_message_id_for_bad_sendmessage() -> None:
    with pytest.raises(ChatError) as caught:
        parse_frame('{"action": "sendmessage", "conversationId": "c", "message": 5, "clientMessageId": "k1"}')
    assert caught.value.code == errors.BAD_FRAME and caught.value.client_message_id == "k1"
    assert "message" in caught.value.message


def test_the_code_hook_setting_reaches_the_local_engine(tmp_path: Path) -> None:
    from runtime.web.backends import open_bot

    seed = Path(__file__).resolve().parents[2] / "bot_spec" / "chatbot"
    assert Settings.from_env({"CHAT_LEX_CODE_HOOK": "none"}).code_hook == "none"
    with pytest.raises(SettingsError, match="CHAT_LEX_CODE_HOOK"):
        open_bot(Settings.from_env({"CHAT_LEX_BOT": f"local:{seed}", "CHAT_LEX_CODE_HOOK": "node:missing.js"}))
    assert open_bot(Settings.from_env({"CHAT_LEX_BOT": f"local:{seed}", "CHAT_LEX_CODE_HOOK": "none"})) is not None
