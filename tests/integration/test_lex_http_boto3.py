"""The local engine over HTTP, driven by an unmodified boto3 ``lexv2-runtime`` client (fact sheet 1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config

from bot_spec.formats.yaml_spec import load_spec
from runtime.lex.clock import ManualClock
from runtime.lex.endpoints import LexHttpServer
from runtime.lex.engine import LocalLexRuntime
from runtime.lex.header_codec import decode_header

START = 1_800_000_000.0
Served = tuple[LexHttpServer, LocalLexRuntime, str]  # the server, its runtime, the seed bot's id


@pytest.fixture(scope="module")
def served(seed_bot_dir: Path) -> Iterator[Served]:
    runtime = LocalLexRuntime(clock=ManualClock(START))
    deployment = runtime.register_bot(load_spec(seed_bot_dir))  # Lex's own prompts, no fulfillment
    with LexHttpServer(runtime) as server:
        yield server, runtime, deployment.bot_id


@pytest.fixture(scope="module")
def lex(served: Served) -> Any:
    server, _, _ = served
    return boto3.client(
        "lexv2-runtime",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}),
    )


def _ids(bot_id: str, session_id: str) -> dict[str, str]:
    return {"botId": bot_id, "botAliasId": "TSTALIASID", "localeId": "en_US", "sessionId": session_id}


def test_recognize_text_over_http_matches_in_process(served: Served, lex: Any) -> None:
    _, runtime, bot_id = served
    over_http = lex.recognize_text(**_ids(bot_id, "http-1"), text="check my status", requestAttributes={"a": "b"})
    assert over_http["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert over_http["sessionState"]["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "StatusType"}
    assert over_http["sessionState"]["intent"]["slots"] == {"StatusType": None}
    assert over_http["messages"][0]["content"] == "What type of status would you like to check?"
    assert over_http["messages"][1]["imageResponseCard"]["buttons"][0] == {"text": "Order", "value": "order"}
    assert over_http["requestAttributes"] == {"a": "b"}
    in_process = runtime.recognize_text(**_ids(bot_id, "inproc-1"), text="check my status", requestAttributes={"a": "b"})
    strip = {"ResponseMetadata", "sessionId"}
    http_body = {k: v for k, v in over_http.items() if k not in strip}
    local_body = {k: v for k, v in in_process.items() if k not in strip}
    http_body["sessionState"] = {k: v for k, v in http_body["sessionState"].items() if k != "originatingRequestId"}
    local_body["sessionState"] = {k: v for k, v in local_body["sessionState"].items() if k != "originatingRequestId"}
    assert http_body == local_body
    answered = lex.recognize_text(**_ids(bot_id, "http-1"), text="my order")
    assert answered["sessionState"]["intent"]["slots"]["StatusType"]["value"]["interpretedValue"] == "order"
    assert answered["sessionState"]["intent"]["state"] == "ReadyForFulfillment"


def test_put_get_delete_session_over_http(served: Served, lex: Any) -> None:
    _, _, bot_id = served
    ids = _ids(bot_id, "http:put.1")  # ':' and '.' travel percent-encoded in the path
    put = lex.put_session(
        **ids,
        sessionState={"dialogAction": {"type": "Delegate"}, "intent": {"name": "Status"}, "sessionAttributes": {"customer": "Ana"}},
        requestAttributes={"r": "1"},
    )
    state = decode_header(put["sessionState"])
    assert state["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "StatusType"}
    assert state["sessionAttributes"] == {"customer": "Ana"}
    assert decode_header(put["messages"])[0]["content"] == "What type of status would you like to check?"
    assert decode_header(put["requestAttributes"]) == {"r": "1"}
    assert put["sessionId"] == "http:put.1"
    assert put["contentType"].startswith("text/plain")
    assert put["audioStream"].read() == b""
    got = lex.get_session(**ids)
    assert got["sessionState"]["dialogAction"]["slotToElicit"] == "StatusType"
    assert got["sessionState"]["sessionAttributes"] == {"customer": "Ana"}
    assert got["sessionId"] == "http:put.1"
    deleted = lex.delete_session(**ids)
    assert {k: deleted[k] for k in ("botId", "botAliasId", "localeId", "sessionId")} == ids
    with pytest.raises(lex.exceptions.ResourceNotFoundException):
        lex.get_session(**ids)


def test_error_classes_over_http(served: Served, lex: Any) -> None:
    _, _, bot_id = served
    with pytest.raises(lex.exceptions.ResourceNotFoundException) as not_found:
        lex.recognize_text(**_ids("ZZZZZZZZZZ", "e-1"), text="hi")
    assert not_found.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "ZZZZZZZZZZ" in not_found.value.response["Error"]["Message"]
    with pytest.raises(lex.exceptions.ResourceNotFoundException):
        lex.recognize_text(**{**_ids(bot_id, "e-1"), "localeId": "de_DE"}, text="hi")
    with pytest.raises(lex.exceptions.ValidationException) as invalid:
        lex.recognize_text(**_ids(bot_id, "e-1"), text="hi", sessionState={"intent": {"name": "NoSuchIntent"}})
    assert invalid.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "NoSuchIntent" in invalid.value.response["Error"]["Message"]
    with pytest.raises(lex.exceptions.ResourceNotFoundException):
        lex.delete_session(**_ids(bot_id, "never-started"))


def test_dependency_failed_over_http(seed_bot_dir: Path) -> None:
    runtime = LocalLexRuntime(clock=ManualClock(START))
    deployment = runtime.register_bot(load_spec(seed_bot_dir), code_hook=lambda event: {"not": "a response"})
    with LexHttpServer(runtime) as server:
        lex = boto3.client(
            "lexv2-runtime", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        with pytest.raises(lex.exceptions.DependencyFailedException) as failed:
            lex.recognize_text(**_ids(deployment.bot_id, "dep-1"), text="hello")
    assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert failed.value.response["Error"]["Message"].startswith("Invalid Lambda Response: Received invalid response from Lambda:")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"text": 5}', "text"),
        (b'{"text": "hi", "evil": 1}', "unknown field"),
        (b"{}", "text is required"),
        (b'{"text": "' + b"a" * 300_000 + b'"}', "bytes"),
        (b'{"text": "hi", "sessionState": {"dialogAction": {"type": "Explode"}}}', "dialogAction.type"),
        (b'{"text": "hi", "requestAttributes": ' + b'{"a": ' * 20_000 + b'"x"' + b"}" * 20_001, "nested too deeply"),
        (b'{"text": "hi", "sessionState": {"sessionAttributes": ' + b"[" * 5 + b"]" * 5 + b"}}", "sessionAttributes"),
    ],
)
def test_malformed_raw_requests_get_lex_validation_errors(served: Served, body: bytes, problem: str) -> None:
    server, _, bot_id = served
    url = f"{server.url}/bots/{bot_id}/botAliases/TSTALIASID/botLocales/en_US/sessions/raw-1/text"
    answer = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"] == "ValidationException"
    assert problem in answer.json()["message"]


def test_unknown_path_is_an_unknown_operation(served: Served) -> None:
    server, _, _ = served
    answer = httpx.get(f"{server.url}/nothing/here")
    assert answer.status_code == 404
    assert answer.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert "message" in answer.json()


class RaisingRuntime(LocalLexRuntime):
    """A runtime whose RecognizeText raises the Lex error named in the text, to check every class's wire form."""

    def recognize_text(self, **kwargs: Any) -> dict[str, Any]:
        from runtime.lex.errors import ERROR_CLASSES

        if kwargs["text"] == "bug":
            raise RuntimeError("secret internals")
        raise ERROR_CLASSES[kwargs["text"]](f"simulated {kwargs['text']}")


def test_every_lex_error_class_reaches_boto3_as_its_own_exception() -> None:
    from runtime.lex.errors import ERROR_CLASSES

    runtime = RaisingRuntime(clock=ManualClock(START))
    with LexHttpServer(runtime) as server:
        lex = boto3.client(
            "lexv2-runtime",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"total_max_attempts": 1}),
        )
        for code, cls in ERROR_CLASSES.items():
            with pytest.raises(getattr(lex.exceptions, code)) as raised:
                lex.recognize_text(**_ids("ABCDE12345", "err-1"), text=code)
            assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == cls.http_status
            assert raised.value.response["Error"]["Message"] == f"simulated {code}"
        with pytest.raises(lex.exceptions.InternalServerException) as bug:
            lex.recognize_text(**_ids("ABCDE12345", "err-1"), text="bug")
        assert "secret internals" not in bug.value.response["Error"]["Message"]  # a bug never leaks to the client


def test_each_request_logs_one_json_line(served: Served, lex: Any, caplog: pytest.LogCaptureFixture) -> None:
    import json
    import logging

    _, _, bot_id = served
    caplog.set_level(logging.INFO, logger="chat_lex.lex_http")
    lex.recognize_text(**_ids(bot_id, "log-1"), text="help")
    with pytest.raises(lex.exceptions.ResourceNotFoundException):
        lex.get_session(**_ids(bot_id, "log-never"))
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "chat_lex.lex_http"]
    assert [(x["operation"], x["status"], x["error"], x["sessionId"]) for x in lines] == [
        ("RecognizeText", 200, None, "log-1"),
        ("GetSession", 404, "ResourceNotFoundException", "log-never"),
    ]
