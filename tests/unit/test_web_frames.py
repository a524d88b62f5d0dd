"""The client-frame validators compiled from the JSON Schemas give jsonschema's verdict on every frame."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from runtime.chat.protocol import ACTIONS, compiled, parse_frame, validator

MESSAGE_ID = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"

VALID: dict[str, dict[str, Any]] = {
    "sendmessage": {"action": "sendmessage", "conversationId": "room-1", "message": "hi", "clientMessageId": "m1"},
    "history": {"action": "history", "conversationId": "room-1", "before": MESSAGE_ID, "limit": 20},
    "resume": {"action": "resume", "conversationId": "room-1", "afterMessageId": MESSAGE_ID},
    "join": {"action": "join", "conversationId": "room-1", "requestId": "r1"},
    "leave": {"action": "leave", "conversationId": "room-1"},
    "greet": {"action": "greet", "conversationId": "private-1"},
    "ping": {"action": "ping"},
    "hello": {"action": "hello"},
}

ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    200,
    201,
    -1,
    3.0,
    1.5,
    "",
    " ",
    "x",
    "x" * 64,
    "x" * 65,
    "x" * 128,
    "x" * 129,
    "x" * 256,
    "x" * 257,
    "a\nb",
    "a\x7fb",
    "\x00",
    "é" * 10,
    MESSAGE_ID,
    MESSAGE_ID.upper(),
    MESSAGE_ID + "\n",
    [],
    {},
    ["x"],
    {"a": 1},
    {"messageId": MESSAGE_ID, "value": "delivery"},  # a valid sendmessage replyTo
    {"messageId": MESSAGE_ID, "value": ""},
    {"messageId": MESSAGE_ID, "value": "x", "extra": 1},
]


@pytest.mark.parametrize("action", ACTIONS)
def test_the_fast_acceptor_accepts_a_plain_valid_frame(action: str) -> None:
    accept = compiled(f"in.{action}").accepts
    assert validator(f"in.{action}").is_valid(VALID[action])
    assert accept(VALID[action])


@pytest.mark.parametrize("action", ACTIONS)
def test_the_compiled_validator_agrees_with_jsonschema(action: str) -> None:
    accept = compiled(f"in.{action}").accepts
    full = validator(f"in.{action}")
    schema = full.schema
    assert isinstance(schema, dict)
    keys = [*schema["properties"], "extra"]
    rng = random.Random(action)
    frames: list[dict[str, Any]] = []
    base = VALID[action]
    for key, value in itertools.product(keys, ODD_VALUES):  # one property set to each odd value
        frames.append({**base, key: value})
    for key in base:  # one property missing
        frames.append({k: v for k, v in base.items() if k != key})
    for _ in range(2000):  # several properties at once
        frame = {k: rng.choice([v, *ODD_VALUES]) for k, v in base.items() if rng.random() > 0.1}
        for key in rng.sample(keys, rng.randint(0, 2)):
            frame[key] = rng.choice(ODD_VALUES)
        frames.append(frame)
    accepted = 0
    for frame in frames:
        verdict = accept(frame)
        accepted += verdict
        assert verdict == full.is_valid(frame), frame
        assert (compiled(f"in.{action}").first_problem(frame) is None) == verdict, frame
    assert 0 < accepted < len(frames)


def test_frames_the_fast_path_leaves_out_still_get_the_schema_verdict() -> None:
    # 3.0 is an integer to JSON Schema, as jsonschema says too.
    frame = parse_frame('{"action":"history","conversationId":"room-1","limit":3.0}')
    assert frame["limit"] == 3.0
