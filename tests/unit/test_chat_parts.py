"""Small chat parts: Lex session ids, time zones, mentions, Lex replies to chat messages, token buckets, metrics."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from runtime.chat.bot_participant import BotParticipant, BotTarget, BotUnavailable, mentions_bot, replies_from_response, strip_mention
from runtime.chat.lex_session import is_time_zone, lex_session_id
from runtime.chat.metrics import MetricsRegistry
from runtime.chat.rate_limit import LocalTokenBucket
from runtime.lex.errors import DependencyFailedException

LEX_SESSION = re.compile(r"[0-9a-zA-Z._:-]{2,100}")


@pytest.mark.parametrize(
    ("conversation", "user"),
    [
        ("private-2f0c", "2f0c"),
        ("room-" + "a" * 90, "user"),
        ("room/with spaces", "ü"),
        ("x", ""),
        ("r" * 256, "u" * 256),
    ],
)
def test_lex_session_ids_are_valid_and_stable(conversation: str, user: str) -> None:
    session = lex_session_id(conversation, user)
    assert LEX_SESSION.fullmatch(session)
    assert session == lex_session_id(conversation, user)


def test_lex_session_ids_differ_per_user_and_conversation() -> None:
    ids = {lex_session_id(c, u) for c in ("room-1", "room-2", "room/ä") for u in ("a", "b", "c d")}
    assert len(ids) == 9


@pytest.mark.parametrize("name", ["Europe/Paris", "UTC", "America/Argentina/Buenos_Aires"])
def test_known_time_zones(name: str) -> None:
    assert is_time_zone(name)


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", "Europe/Paris\x00", "A" * 100, "Europe\\Paris"])
def test_bad_time_zones(name: str) -> None:
    assert not is_time_zone(name)


def test_mentions() -> None:
    assert mentions_bot("@bot help")
    assert mentions_bot("hey @Bot, status?")
    assert not mentions_bot("robot@bots.example")
    assert not mentions_bot("@bottle")
    assert strip_mention("@bot   what can you do") == "what can you do"
    assert strip_mention("@bot") == "@bot"


def test_lex_response_maps_to_replies_with_response_card() -> None:
    response = {
        "messages": [
            {"contentType": "PlainText", "content": "Pick one"},
            {
                "contentType": "ImageResponseCard",
                "imageResponseCard": {"title": "Status", "buttons": [{"text": "Order", "value": "order"}]},
            },
        ],
        "sessionState": {
            "dialogAction": {"type": "ElicitSlot", "slotToElicit": "Kind"},
            "intent": {"name": "Status", "slots": {"Kind": None}, "state": "InProgress"},
        },
        "interpretations": [
            {"intent": {"name": "Greeting"}, "nluConfidence": {"score": 0.2}},
            {"intent": {"name": "Status"}, "nluConfidence": {"score": 0.87}},
        ],
    }
    first, card = replies_from_response(response)
    assert first.content == "Pick one"
    assert first.metadata["intent"] == "Status" and first.metadata["confidence"] == 0.87
    assert first.metadata["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Kind"}
    assert first.metadata["slots"] == {"Kind": None}
    assert "responseCard" not in first.metadata
    assert card.content == "Status"
    assert card.metadata["responseCard"]["buttons"] == [{"text": "Order", "value": "order"}]


def test_lex_response_without_messages_gives_no_replies() -> None:
    assert replies_from_response({"sessionState": {"intent": {"name": "X"}}}) == []


async def test_token_bucket_refills_over_time() -> None:
    now = [0.0]
    bucket = LocalTokenBucket(60, clock=lambda: now[0])
    assert all([await bucket.allow("u") for _ in range(60)])
    assert not await bucket.allow("u")
    now[0] += 1.0  # one token per second at 60/min
    assert await bucket.allow("u")
    assert not await bucket.allow("u")
    assert await bucket.allow("other")
    with pytest.raises(ValueError):
        LocalTokenBucket(0)


def test_metrics_render_prometheus_text() -> None:
    registry = MetricsRegistry()
    counter = registry.counter("x_total", "Things.")
    counter.inc(3)
    histogram = registry.histogram("lat_seconds", "Latency.", buckets=(0.1, 1.0))
    for value in (0.05, 0.5, 5.0):
        histogram.observe(value)
    registry.gauge("open", "Open.", read=lambda: 7)
    text = registry.render()
    assert "x_total 3\n" in text
    assert 'lat_seconds_bucket{le="0.1"} 1\n' in text
    assert 'lat_seconds_bucket{le="1"} 2\n' in text
    assert 'lat_seconds_bucket{le="+Inf"} 3\n' in text
    assert "lat_seconds_count 3\n" in text and "lat_seconds_sum 5.55\n" in text
    assert "open 7\n" in text and "# TYPE open gauge" in text
    with pytest.raises(ValueError):
        registry.gauge("x_total", "again")


class _Raising:
    def __init__(self, exc: Exception) -> None:
        self.exc = exc

    def recognize_text(self, **kwargs: object) -> dict[str, object]:
        raise self.exc


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "RecognizeText"), "ThrottlingException"),
        (
            ClientError({"Error": {"Code": "DependencyFailedException", "Message": "Invalid Lambda Response"}}, "RecognizeText"),
            "DependencyFailedException",
        ),
        (DependencyFailedException("Invalid Lambda Response"), "DependencyFailedException"),
        (EndpointConnectionError(endpoint_url="https://runtime-v2-lex.us-east-1.amazonaws.com"), None),
    ],
)
async def test_boto3_and_local_engine_errors_become_bot_unavailable(exc: Exception, code: str | None) -> None:
    participant = BotParticipant(_Raising(exc), BotTarget("B", "A", "en_US"), timeout=1.0)
    with pytest.raises(BotUnavailable) as caught:
        await participant.ask(conversation_id="c", user_id="u", display_name="U", text="hi", time_zone=None)
    assert caught.value.lex_code == code


async def test_a_non_dict_response_is_bot_unavailable() -> None:
    class Odd:
        def recognize_text(self, **kwargs: object) -> str:
            return "nope"

    with pytest.raises(BotUnavailable):
        await BotParticipant(Odd(), BotTarget("B", "A", "en_US")).ask(
            conversation_id="c", user_id="u", display_name="U", text="hi", time_zone=None
        )
