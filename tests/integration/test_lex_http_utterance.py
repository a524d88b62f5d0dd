"""RecognizeUtterance (text) through boto3, and every response's headers (fact sheet 1)."""

from __future__ import annotations

import base64
import gzip
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
from runtime.lex.errors import ValidationException
from runtime.lex.header_codec import decode_header, encode_header

Served = tuple[LexHttpServer, str]
TEXT = "text/plain; charset=utf-8"


@pytest.fixture(scope="module")
def served(seed_bot_dir: Path) -> Iterator[Served]:
    runtime = LocalLexRuntime(clock=ManualClock(1_800_000_000.0))
    deployment = runtime.register_bot(load_spec(seed_bot_dir))
    with LexHttpServer(runtime) as server:
        yield server, deployment.bot_id


@pytest.fixture(scope="module")
def lex(served: Served) -> Any:
    return boto3.client(
        "lexv2-runtime",
        endpoint_url=served[0].url,
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
        config=Config(retries={"max_attempts": 1}),
    )


def _ids(bot_id: str, session_id: str) -> dict[str, str]:
    return {"botId": bot_id, "botAliasId": "TSTALIASID", "localeId": "en_US", "sessionId": session_id}


def _url(served: Served, session_id: str, suffix: str = "/utterance") -> str:
    server, bot_id = served
    return f"{server.url}/bots/{bot_id}/botAliases/TSTALIASID/botLocales/en_US/sessions/{session_id}{suffix}"


def test_recognize_utterance_text_round_trip(served: Served, lex: Any) -> None:
    answer = lex.recognize_utterance(
        **_ids(served[1], "utt-1"),
        requestContentType=TEXT,
        responseContentType=TEXT,
        inputStream=b"check my status",
        requestAttributes=encode_header({"channel": "web"}),
    )
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert answer["contentType"] == TEXT
    assert answer["inputMode"] == "Text"
    assert answer["sessionId"] == "utt-1"
    assert decode_header(answer["inputTranscript"]) == "check my status"
    assert decode_header(answer["messages"])[0]["content"] == "What type of status would you like to check?"
    assert decode_header(answer["interpretations"])[0]["intent"]["name"] == "Status"
    state = decode_header(answer["sessionState"])
    assert state["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "StatusType"}
    assert decode_header(answer["requestAttributes"]) == {"channel": "web"}
    assert answer["audioStream"].read() == b""
    # The state travels back in: the next turn fills the slot.
    again = lex.recognize_utterance(
        **_ids(served[1], "utt-1"), requestContentType=TEXT, inputStream=b"order", sessionState=answer["sessionState"]
    )
    assert decode_header(again["sessionState"])["intent"]["slots"]["StatusType"]["value"]["interpretedValue"] == "order"


def test_audio_input_is_refused_clearly(served: Served, lex: Any) -> None:
    with pytest.raises(lex.exceptions.ValidationException, match="no speech recognition"):
        lex.recognize_utterance(
            **_ids(served[1], "utt-audio"), requestContentType="audio/l16; rate=16000; channels=1", inputStream=b"\x00\x01" * 100
        )
    with pytest.raises(lex.exceptions.ValidationException, match="answers text only"):
        lex.recognize_utterance(
            **_ids(served[1], "utt-audio"), requestContentType=TEXT, responseContentType="audio/mpeg", inputStream=b"hello"
        )


def _gzip_b64(raw: bytes) -> str:
    return base64.b64encode(gzip.compress(raw)).decode()


@pytest.mark.parametrize(
    ("headers", "body", "problem"),
    [
        ({}, b"hi", "Content-Type is required"),
        ({"Content-Type": "application/json"}, b"{}", "not supported"),
        ({"Content-Type": "text/plain; charset=latin-1"}, b"hi", "not supported"),
        ({"Content-Type": TEXT}, b"", "body is empty"),
        ({"Content-Type": TEXT}, b"\xff\xfe", "not valid UTF-8"),
        ({"Content-Type": TEXT}, b"x" * 1025, "1-1024"),
        ({"Content-Type": TEXT}, b"y" * 300_000, "at most"),
        ({"Content-Type": TEXT, "x-amz-lex-session-state": "not base64!"}, b"hi", "x-amz-lex-session-state must be gzip"),
        ({"Content-Type": TEXT, "x-amz-lex-session-state": base64.b64encode(b"{}").decode()}, b"hi", "must be gzip"),
        ({"Content-Type": TEXT, "x-amz-lex-session-state": _gzip_b64(b"[1]")}, b"hi", "JSON object"),
        ({"Content-Type": TEXT, "x-amz-lex-session-state": _gzip_b64(b"[" * 5000 + b"]" * 5000)}, b"hi", "nested|JSON"),
        ({"Content-Type": TEXT, "x-amz-lex-session-state": _gzip_b64(b" " * 10_000_000)}, b"hi", "inflates past"),
        ({"Content-Type": TEXT, "x-amz-lex-request-attributes": _gzip_b64(b'{"a": 1}')}, b"hi", "object of strings"),
        ({"Content-Type": TEXT, "x-amz-lex-request-attributes": "A" * 50_000}, b"hi", "characters; at most"),
        ({"Content-Type": TEXT, "x-amz-lex-session-state": _gzip_b64(b'{"dialogAction": {"type": "Nope"}}')}, b"hi", "dialogAction"),
    ],
)
def test_malformed_utterance_requests_are_validation_errors(served: Served, headers: dict[str, str], body: bytes, problem: str) -> None:
    answer = httpx.post(_url(served, "utt-bad"), content=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.headers["x-amzn-ErrorType"] == "ValidationException"
    assert pytest.importorskip("re").search(problem, answer.json()["message"]), answer.json()


def test_every_response_has_one_content_type(served: Served, lex: Any) -> None:
    """PutSession once said ``text/plain; charset=utf-8; charset=utf-8``."""
    session = "hdr-1"
    calls = [
        httpx.post(_url(served, session, "/text"), json={"text": "help"}),
        httpx.post(_url(served, session, ""), json={"sessionState": {"dialogAction": {"type": "ElicitIntent"}}}),
        httpx.post(_url(served, session, ""), json={"sessionState": {"dialogAction": {"type": "Nope"}}}),
        httpx.post(_url(served, session, "/utterance"), content=b"hello", headers={"Content-Type": TEXT}),
        httpx.get(_url(served, session, "")),
        httpx.delete(_url(served, session, "")),
        httpx.get(_url(served, session, "")),
        httpx.get(f"{served[0].url}/nowhere"),
    ]
    expected = ["application/json", TEXT, "application/json", TEXT, "application/json", "application/json", "application/json"]
    for answer, media in zip(calls, [*expected, "application/json"], strict=True):
        assert answer.headers.get_list("content-type") == [media], (answer.request.url, answer.headers)
    put = lex.put_session(**_ids(served[1], "hdr-2"), sessionState={"dialogAction": {"type": "ElicitIntent"}})
    assert put["contentType"] == TEXT


def test_the_engine_in_process_answers_recognize_utterance_as_boto3_does(served: Served, lex: Any, seed_bot_dir: Path) -> None:
    runtime = LocalLexRuntime(clock=ManualClock(1_800_000_000.0))
    bot_id = runtime.register_bot(load_spec(seed_bot_dir)).bot_id
    params = {"requestContentType": TEXT, "responseContentType": TEXT, "inputStream": b"check my status"}
    local = runtime.recognize_utterance(**_ids(bot_id, "same-1"), **params)
    remote = lex.recognize_utterance(**_ids(served[1], "same-1"), **params)
    assert local["audioStream"].read() == remote["audioStream"].read() == b""
    for member in ("contentType", "inputMode", "sessionId", "messages", "inputTranscript", "interpretations"):
        assert local[member] == remote[member], member
    assert decode_header(local["sessionState"])["dialogAction"] == decode_header(remote["sessionState"])["dialogAction"]
    with pytest.raises(ValidationException, match="no speech recognition"):
        runtime.recognize_utterance(**_ids(bot_id, "same-2"), requestContentType="audio/l16; rate=16000", inputStream=b"\0")
