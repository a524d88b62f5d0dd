"""Message groups as Lex plays them (fact sheet 3.2 "Messages from prompts and responses")."""

from __future__ import annotations

from bot_spec.definition import Button, ImageResponseCard, Message, MessageGroup, plain
from runtime.lex.messages import accepted_messages, select_messages, substitute, to_lex_message

SLOTS = {
    "City": {"shape": "Scalar", "value": {"originalValue": "nyc", "interpretedValue": "New York", "resolvedValues": ["New York"]}},
    "Day": None,
}


def test_slot_and_attribute_placeholders_are_filled_section_3_2() -> None:
    text = substitute("Flying to {City} for [name] on {Day} [missing]", SLOTS, {"name": "Ana"})
    assert text == "Flying to New York for Ana on {Day} [missing]"


def test_placeholder_uses_original_value_when_not_interpreted() -> None:
    slots = {"T": {"value": {"originalValue": "10 o'clock", "resolvedValues": ["10:00", "22:00"]}}}
    assert substitute("at {T}", slots, {}) == "at 10 o'clock"


def test_hostile_placeholders_stay_literal() -> None:
    text = "{__class__} [__dict__] {{City}} [" + "x" * 5000 + "]"
    out = substitute(text, SLOTS, {"__dict__": "ok"})
    assert out.startswith("{__class__} ok {New York}")


def test_one_message_per_group_section_3_2() -> None:
    groups = [plain("one"), plain("two"), plain("three")]
    out = select_messages(groups, slots={}, session_attributes={}, seed_key="s")
    assert [m["content"] for m in out] == ["one", "two", "three"]
    assert all(m["contentType"] == "PlainText" for m in out)


def _varied() -> MessageGroup:
    return MessageGroup(message=Message(plain_text="A"), variations=[Message(plain_text="B"), Message(plain_text="C")])


def test_variation_choice_is_deterministic_per_seed_key() -> None:
    group = [_varied()]
    first = [select_messages(group, slots={}, session_attributes={}, seed_key=f"0|sess|{t}|0")[0]["content"] for t in range(30)]
    again = [select_messages(group, slots={}, session_attributes={}, seed_key=f"0|sess|{t}|0")[0]["content"] for t in range(30)]
    assert first == again
    assert set(first) == {"A", "B", "C"}  # over 30 turns every variation is used
    other_seed = [select_messages(group, slots={}, session_attributes={}, seed_key=f"1|sess|{t}|0")[0]["content"] for t in range(30)]
    assert other_seed != first


def test_ordered_strategy_cycles_by_attempt() -> None:
    group = [_varied()]
    picks = [
        select_messages(group, slots={}, session_attributes={}, seed_key="k", strategy="Ordered", attempt=a)[0]["content"] for a in range(5)
    ]
    assert picks == ["A", "B", "C", "A", "B"]


def test_card_message_shape() -> None:
    card = Message(
        image_response_card=ImageResponseCard(
            title="Pick {City}", subtitle="sub", image_url="https://x/i.png", buttons=[Button("Yes", "yes")]
        )
    )
    assert to_lex_message(card, SLOTS, {}) == {
        "contentType": "ImageResponseCard",
        "imageResponseCard": {
            "title": "Pick New York",
            "subtitle": "sub",
            "imageUrl": "https://x/i.png",
            "buttons": [{"text": "Yes", "value": "yes"}],
        },
    }


def test_ssml_and_custom_payload() -> None:
    assert to_lex_message(Message(ssml="<speak>{City}</speak>"), SLOTS, {}) == {"contentType": "SSML", "content": "<speak>New York</speak>"}
    assert to_lex_message(Message(custom_payload='{"a":1}'), {}, {})["contentType"] == "CustomPayload"


def test_accept_content_types_filters_section_2() -> None:
    msgs = [{"contentType": "PlainText", "content": "a"}, {"contentType": "SSML", "content": "b"}]
    assert accepted_messages(msgs, {"x-amz-lex:accept-content-types": "PlainText"}) == msgs[:1]
    assert accepted_messages(msgs, None) == msgs
