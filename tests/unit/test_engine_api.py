"""The four runtime operations: shapes as boto3 returns them, sessions, errors (fact sheet 1, 2, 3.6)."""

from __future__ import annotations

import pytest

from runtime.lex.client import LexRuntimeClient
from runtime.lex.clock import ManualClock
from runtime.lex.engine import LocalLexRuntime, bot_id_for
from runtime.lex.errors import ResourceNotFoundException, ValidationException
from runtime.lex.header_codec import decode_header
from tests.unit.test_engine_fixtures import START, action, intent, new_chat, pizza_bot, texts


def test_recognize_text_response_shape_section_1() -> None:
    chat = new_chat()
    response = chat.say("order a pizza", requestAttributes={"channel": "web"})
    assert set(response) == {"messages", "sessionState", "interpretations", "requestAttributes", "sessionId"}
    assert response["sessionId"] == "test-session"
    assert response["requestAttributes"] == {"channel": "web"}
    state = response["sessionState"]
    assert set(state) == {"dialogAction", "intent", "sessionAttributes", "originatingRequestId"}
    assert set(state["intent"]["slots"]) == {"Size", "Crust", "Extra"}  # every slot a key, None when unfilled
    assert all(v is None for v in state["intent"]["slots"].values())
    assert state["sessionAttributes"] == {}
    top, *rest = response["interpretations"]
    assert top["intent"]["name"] == "OrderPizza"
    assert top["nluConfidence"]["score"] == 1.0  # an exact sample utterance
    assert top["intent"]["state"] == "InProgress" and top["intent"]["confirmationState"] == "None"
    assert len(response["interpretations"]) <= 5
    for alt in rest:
        assert set(alt["intent"]) == {"name", "slots"}  # only the top carries state
        if alt["intent"]["name"] == "FallbackIntent":
            assert "nluConfidence" not in alt
        else:
            assert round(alt["nluConfidence"]["score"], 2) == alt["nluConfidence"]["score"]


def test_messages_are_omitted_when_there_are_none() -> None:
    runtime = LocalLexRuntime(clock=ManualClock(START))
    definition = pizza_bot()
    definition.locales[0].intents[1].closing_response = None  # OpeningHours without a closing response
    deployment = runtime.register_bot(definition)
    response = runtime.recognize_text(
        botId=deployment.bot_id, botAliasId="TSTALIASID", localeId="en_US", sessionId="s1", text="opening hours"
    )
    assert "messages" not in response
    assert "requestAttributes" not in response


def test_session_attributes_replace_rule_section_2() -> None:
    chat = new_chat()
    r = chat.say("opening hours", sessionState={"sessionAttributes": {"a": "1", "b": "2"}})
    assert r["sessionState"]["sessionAttributes"] == {"a": "1", "b": "2"}
    r = chat.say("opening hours")  # omitted: kept
    assert r["sessionState"]["sessionAttributes"] == {"a": "1", "b": "2"}
    r = chat.say("opening hours", sessionState={"sessionAttributes": {"c": "3"}})  # sent: replaces wholesale
    assert r["sessionState"]["sessionAttributes"] == {"c": "3"}
    r = chat.say("opening hours", sessionState={"sessionAttributes": {}})  # {} erases
    assert r["sessionState"]["sessionAttributes"] == {}


def test_idle_session_expires_with_the_injected_clock_section_3_6() -> None:
    clock = ManualClock(START)
    chat = new_chat(clock=clock)
    chat.say("order a pizza", sessionState={"sessionAttributes": {"k": "v"}})
    clock.advance(299)
    assert action(chat.say("large"))["slotToElicit"] == "Crust"  # still alive: the TTL is 300 s idle
    clock.advance(301)
    with pytest.raises(ResourceNotFoundException, match="expired"):
        chat.runtime.get_session(**chat.ids, sessionId=chat.session_id)
    fresh = chat.say("thin")  # starts empty: not an answer to the old Crust question
    assert fresh["sessionState"]["sessionAttributes"] == {}
    assert intent(fresh)["name"] != "OrderPizza" or action(fresh)["slotToElicit"] == "Size"
    assert chat.runtime.stats()["expired"] == 1


def test_lru_cap_counts_evictions() -> None:
    chat = new_chat(max_sessions=2)
    for n in range(4):
        chat.runtime.recognize_text(**chat.ids, sessionId=f"s-{n}", text="opening hours")
    assert chat.runtime.stats() == {"sessions": 2, "evictions": 2, "expired": 0}
    with pytest.raises(ResourceNotFoundException):
        chat.runtime.get_session(**chat.ids, sessionId="s-0")


def test_get_session_returns_state_messages_and_interpretations() -> None:
    chat = new_chat()
    said = chat.say("order a pizza")
    got = chat.runtime.get_session(**chat.ids, sessionId=chat.session_id)
    assert got["sessionState"] == said["sessionState"]
    assert got["messages"] == said["messages"]
    assert got["interpretations"] == said["interpretations"]
    assert got["sessionId"] == chat.session_id


def test_delete_session_ends_it() -> None:
    chat = new_chat()
    chat.say("order a pizza")
    assert chat.runtime.delete_session(**chat.ids, sessionId=chat.session_id) == {**chat.ids, "sessionId": chat.session_id}
    with pytest.raises(ResourceNotFoundException):
        chat.runtime.get_session(**chat.ids, sessionId=chat.session_id)
    with pytest.raises(ResourceNotFoundException):
        chat.runtime.delete_session(**chat.ids, sessionId=chat.session_id)


def test_put_session_delegate_starts_the_chosen_intent_section_1() -> None:
    chat = new_chat()
    result = chat.runtime.put_session(
        **chat.ids,
        sessionId="put-1",
        sessionState={"dialogAction": {"type": "Delegate"}, "intent": {"name": "OrderPizza", "slots": {}}, "sessionAttributes": {"x": "1"}},
        requestAttributes={"r": "1"},
    )
    assert result["contentType"] == "text/plain; charset=utf-8"
    assert result["sessionId"] == "put-1"
    state = decode_header(result["sessionState"])  # gzip+base64 JSON, as boto3 hands it over
    assert state["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Size"}
    assert state["sessionAttributes"] == {"x": "1"}
    assert decode_header(result["messages"])[0]["content"] in ("What size?", "Which size would you like?")
    assert decode_header(result["requestAttributes"]) == {"r": "1"}
    assert result["audioStream"].read() == b""
    follow = chat.runtime.recognize_text(**chat.ids, sessionId="put-1", text="small")
    assert action(follow)["slotToElicit"] == "Crust"


def test_put_session_elicit_slot_with_messages_resumes_there() -> None:
    chat = new_chat()
    messages = [{"contentType": "PlainText", "content": "Welcome back! Which crust?"}]
    result = chat.runtime.put_session(
        **chat.ids,
        sessionId="put-2",
        sessionState={
            "dialogAction": {"type": "ElicitSlot", "slotToElicit": "Crust"},
            "intent": {
                "name": "OrderPizza",
                "slots": {"Size": {"value": {"originalValue": "small", "interpretedValue": "small", "resolvedValues": ["small"]}}},
            },
        },
        messages=messages,
    )
    assert decode_header(result["messages"]) == messages
    follow = chat.runtime.recognize_text(**chat.ids, sessionId="put-2", text="thick")
    assert action(follow)["type"] == "ConfirmIntent"


def test_unknown_bot_alias_locale_are_not_found_section_1() -> None:
    chat = new_chat()
    with pytest.raises(ResourceNotFoundException, match="bot 'ZZZZZZZZZZ'"):
        chat.runtime.recognize_text(botId="ZZZZZZZZZZ", botAliasId="TSTALIASID", localeId="en_US", sessionId="s1", text="hi")
    with pytest.raises(ResourceNotFoundException, match="alias"):
        chat.runtime.recognize_text(botId=chat.deployment.bot_id, botAliasId="OTHERALIAS", localeId="en_US", sessionId="s1", text="hi")
    with pytest.raises(ResourceNotFoundException, match="locale 'fr_FR'"):
        chat.runtime.recognize_text(botId=chat.deployment.bot_id, botAliasId="TSTALIASID", localeId="fr_FR", sessionId="s1", text="hi")


def test_input_validation_section_1() -> None:
    chat = new_chat()
    with pytest.raises(ValidationException, match="botId"):
        chat.runtime.recognize_text(botId="short", botAliasId="TSTALIASID", localeId="en_US", sessionId="s1", text="hi")
    with pytest.raises(ValidationException, match="1025"):
        chat.say("a" * 1025)
    with pytest.raises(ValidationException, match="sessionId"):
        chat.runtime.recognize_text(**chat.ids, sessionId="../../etc/passwd", text="hi")
    with pytest.raises(ValidationException, match="text"):
        chat.runtime.recognize_text(**chat.ids, sessionId="s1", text=None)  # type: ignore[arg-type]
    with pytest.raises(ValidationException, match="not an intent"):
        chat.say("hi", sessionState={"intent": {"name": "DropTables"}})
    with pytest.raises(ValidationException, match="time zone"):
        chat.say("hi", requestAttributes={"x-amz-lex:time-zone": "Mars/Olympus"})


@pytest.mark.parametrize(
    "text",
    [
        "a" * 1024,
        "😀" * 512,
        "\u202eredro na ezob\u202c",
        "line\nbreak\ttab\x00nul\x1b[31m",
        "<script>alert(1)</script> {Size} [name] ((x-amz-lex:x))",
        "' OR 1=1; --",
        "\u200b\u200b\u200b",
        "%s%n%x {0} {{}}",
    ],
)
def test_hostile_text_gets_a_normal_answer(text: str) -> None:
    response = new_chat().say(text)
    assert response["sessionState"]["dialogAction"]["type"] in ("Close", "ElicitSlot", "ConfirmIntent", "ElicitIntent")
    for message in response.get("messages", []):
        assert "{Size}" not in message.get("content", "") or "Size" not in response["sessionState"]["intent"]["slots"]


def test_failed_turn_leaves_the_session_unchanged() -> None:
    def broken(event: dict[str, object]) -> dict[str, object]:
        return {"sessionState": {"dialogAction": {"type": "Close"}, "intent": {"name": "OrderPizza"}}}  # Close without state

    chat = new_chat(code_hook=broken, fulfillment_hook=True)
    chat.say("order a large pizza with thin crust")
    before = chat.runtime.get_session(**chat.ids, sessionId=chat.session_id)
    from runtime.lex.errors import DependencyFailedException

    with pytest.raises(DependencyFailedException):
        chat.say("yes")
    assert chat.runtime.get_session(**chat.ids, sessionId=chat.session_id) == before


def test_last_explanation_shows_the_decisions() -> None:
    chat = new_chat()
    chat.say("order a pizza")
    chat.say("big")
    explained = chat.explain()
    assert explained["inputTranscript"] == "big"
    assert explained["dialogAction"] == {"type": "ElicitSlot", "slotToElicit": "Crust"}
    assert [d["step"] for d in explained["decisions"]][:2] == ["slot-captured", "elicit-slot"]
    assert explained["nlu"] is not None
    with pytest.raises(ResourceNotFoundException):
        chat.runtime.last_explanation(chat.deployment.bot_id, "TSTALIASID", "en_US", "never-seen")


def test_bot_id_is_deterministic_and_lex_shaped() -> None:
    assert bot_id_for("PizzaBot") == bot_id_for("PizzaBot")
    assert len(bot_id_for("PizzaBot")) == 10 and bot_id_for("PizzaBot").isalnum()
    assert bot_id_for("PizzaBot") != bot_id_for("OtherBot")
    assert new_chat().deployment.bot_id == bot_id_for("PizzaBot")


def test_runtime_satisfies_the_client_protocol() -> None:
    client: LexRuntimeClient = new_chat().runtime
    assert callable(client.recognize_text)
    assert texts(new_chat().say("opening hours")) == ["We are open from 9 to 5."]


def test_concurrent_requests_on_one_session_are_serialised() -> None:
    import threading

    chat = new_chat()
    errors: list[BaseException] = []

    def talk() -> None:
        try:
            for _ in range(15):
                chat.say("opening hours")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=talk) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert chat.explain()["turn"] == 60  # every turn ran, one at a time


def test_a_failed_first_turn_leaves_no_session() -> None:
    chat = new_chat()
    with pytest.raises(ValidationException):
        chat.say("hi", sessionState={"intent": {"name": "NoSuchIntent"}})
    with pytest.raises(ResourceNotFoundException):
        chat.runtime.get_session(**chat.ids, sessionId=chat.session_id)
    assert chat.runtime.stats()["sessions"] == 0
