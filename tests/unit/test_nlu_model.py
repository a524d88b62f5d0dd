"""The local engine's NLU: intent ranking, Lex's fallback rule, slot extraction, explanations."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot_spec.definition import FALLBACK_SIGNATURE, BotLocale, Intent, Slot, SlotType, SlotTypeValue
from bot_spec.formats.yaml_spec import load_spec
from runtime.lex.nlu import IntentScore, NluModel, NluResult, rank_with_fallback

NOW = datetime(2026, 5, 6, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def seed_locale(seed_bot_dir: Path) -> BotLocale:
    locale = load_spec(seed_bot_dir).locale("en_US")
    assert locale is not None
    return locale


@pytest.fixture(scope="module")
def seed_model(seed_locale: BotLocale) -> NluModel:
    return NluModel.build(seed_locale)


def _top(model: NluModel, text: str, **kwargs: object) -> IntentScore:
    return model.interpret(text, now=NOW, **kwargs).top()  # type: ignore[arg-type]


# ---------------------------------------------------------------- scores


@pytest.mark.parametrize("text", ["hello", "Hello!", "  HELLO   there ", "what can you do?", "status update please"])
def test_exact_sample_utterance_scores_one(seed_model: NluModel, text: str) -> None:
    top = _top(seed_model, text)
    assert top.score == 1.0
    assert top.matched_by == "exact"


def test_template_match_extracts_the_canonical_value_and_scores_high(seed_model: NluModel) -> None:
    top = _top(seed_model, "where is my shipment")
    assert top.intent_name == "Status"
    assert top.matched_by == "template"
    assert top.score is not None and 0.95 <= top.score < 1.0
    slot = top.slots["StatusType"]
    assert (slot.original_value, slot.interpreted_value, slot.resolved_values) == ("shipment", "delivery", ["delivery"])
    assert slot.to_lex() == {
        "shape": "Scalar",
        "value": {"originalValue": "shipment", "interpretedValue": "delivery", "resolvedValues": ["delivery"]},
    }


def test_template_match_keeps_the_users_own_casing_as_original_value(seed_model: NluModel) -> None:
    top = _top(seed_model, "Track my PARCEL")
    assert top.intent_name == "Status"
    assert top.slots["StatusType"].original_value == "PARCEL"
    assert top.slots["StatusType"].interpreted_value == "delivery"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("could you assist me", "Help"),
        ("would you be able to help me out", "Help"),
        ("hey, good morning to you", "Greeting"),
        ("hi there, good evening", "Greeting"),
        ("i want to know where my package is", "Status"),
        ("status of my account please", "Status"),
        ("can you tell me what you can do", "Help"),
    ],
)
def test_paraphrases_not_in_the_spec_classify_above_threshold(seed_model: NluModel, seed_locale: BotLocale, text: str, intent: str) -> None:
    assert text.lower() not in {u.lower() for i in seed_locale.intents for u in i.sample_utterances}
    top = _top(seed_model, text)
    assert top.intent_name == intent
    assert top.score is not None and top.score >= seed_locale.nlu_intent_confidence_threshold


def test_paraphrase_with_a_slot_value_fills_the_slot(seed_model: NluModel) -> None:
    top = _top(seed_model, "i want to know where my package is")
    assert top.slots["StatusType"].interpreted_value == "delivery"
    assert top.slots["StatusType"].original_value == "package"


@pytest.mark.parametrize(
    "text",
    ["who won the game last night", "asdkjh qwe zzzkx", "tell me a joke", "I love pizza", "book a flight to paris", "what is the weather"],
)
def test_off_topic_and_gibberish_go_to_fallback(seed_model: NluModel, text: str) -> None:
    result = seed_model.interpret(text, now=NOW)
    assert result.top().intent_name == "FallbackIntent"
    assert result.top().score is None
    assert result.top().matched_by == "threshold-fallback"
    assert result.fallback_reason is not None and "below the locale threshold" in result.fallback_reason


# Thirty questions the seed bot cannot answer, written for issue 17's fourth round (none is a seed utterance).
OFF_TOPIC = [
    "what's the capital of france",
    "what's the capital of peru",
    "tell me a joke",
    "I love pizza",
    "book a flight to paris",
    "what is the weather",
    "who won the game last night",
    "play some music",
    "what time is it in tokyo",
    "how do I bake bread",
    "translate hello to spanish",
    "set an alarm for 7am",
    "what's the meaning of life",
    "can you recommend a movie",
    "how old is the president",
    "what's the square root of 144",
    "who are you",
    "do you like dogs",
    "what's your favorite color",
    "call my mom",
    "remind me to buy milk",
    "how many calories in an apple",
    "what is the price of bitcoin",
    "find a restaurant nearby",
    "what's the exchange rate for euros",
    "how far is the moon",
    "what's the traffic like",
    "turn off the lights",
    "order a pizza",
    "change my password",
]


def test_most_off_topic_questions_fall_back(seed_model: NluModel) -> None:
    """A rate, not a few picks: 21 of the 30 fell back before the meaning vectors, 22 with them. The known misses
    (the "what's the capital of ..." pair now lands on Status's "what's the status of ..." phrasing) are in docs/nlu.md."""
    fell_back = [t for t in OFF_TOPIC if seed_model.interpret(t, now=NOW).top().intent_name == "FallbackIntent"]
    assert len(fell_back) >= 21, sorted(set(OFF_TOPIC) - set(fell_back))


def test_scores_are_rounded_sorted_and_at_most_five(seed_model: NluModel) -> None:
    result = seed_model.interpret("check my order status", now=NOW)
    assert len(result.interpretations) <= 5
    scores = [i.score for i in result.interpretations if i.score is not None]
    assert scores == sorted(scores, reverse=True)
    assert all(round(s, 2) == s and 0.0 <= s <= 1.0 for s in scores)
    assert sum(1 for i in result.interpretations if i.intent_name == "FallbackIntent") == 1


def test_max_results_limits_the_list(seed_model: NluModel) -> None:
    assert len(seed_model.interpret("hello", now=NOW, max_results=2).interpretations) == 2
    assert len(seed_model.interpret("hello", now=NOW, max_results=1).interpretations) == 1


def _many_intents_locale(count: int, threshold: float = 0.4) -> BotLocale:
    topics = ["pizza", "weather", "music", "taxi", "hotel", "flight", "movie", "recipe", "alarm", "news"]
    intents = [
        Intent(name=f"Ask{topic.title()}", sample_utterances=[f"tell me about {topic}", f"i want {topic}", f"{topic} please"])
        for topic in topics[:count]
    ]
    intents.append(Intent(name="FallbackIntent", parent_intent_signature=FALLBACK_SIGNATURE))
    return BotLocale(locale_id="en_US", nlu_intent_confidence_threshold=threshold, intents=intents)


def test_never_more_than_five_interpretations_with_many_intents() -> None:
    model = NluModel.build(_many_intents_locale(10, threshold=0.0))
    result = model.interpret("tell me about pizza", now=NOW)
    assert len(result.interpretations) == 5
    # Threshold 0: nothing is below it, so FallbackIntent is not among them.
    assert all(i.intent_name != "FallbackIntent" for i in result.interpretations)
    assert result.top().intent_name == "AskPizza"


# ---------------------------------------------------------------- the fallback rule


def _scored(*pairs: tuple[str, float]) -> list[IntentScore]:
    return [IntentScore(name, score, {}, [], "similarity") for name, score in pairs]


def test_fallback_rule_documented_example_all_below_threshold() -> None:
    ranked = rank_with_fallback(_scored(("A", 0.70), ("B", 0.60), ("C", 0.50)), 0.8, "FallbackIntent")
    assert [(r.intent_name, r.score) for r in ranked] == [("FallbackIntent", None), ("A", 0.7), ("B", 0.6), ("C", 0.5)]


def test_fallback_rule_observed_example_inserted_after_confident_intents() -> None:
    ranked = rank_with_fallback(_scored(("BookCar", 0.32), ("BookHotel", 1.0)), 0.4, "FallbackIntent")
    assert [(r.intent_name, r.score) for r in ranked] == [("BookHotel", 1.0), ("FallbackIntent", None), ("BookCar", 0.32)]


def test_fallback_rule_score_equal_to_threshold_is_not_below_it() -> None:
    ranked = rank_with_fallback(_scored(("A", 0.40), ("B", 0.39)), 0.4, "FallbackIntent")
    assert [r.intent_name for r in ranked] == ["A", "FallbackIntent", "B"]


def test_fallback_rule_all_above_threshold_leaves_fallback_out() -> None:
    ranked = rank_with_fallback(_scored(("A", 0.9), ("B", 0.8)), 0.4, "FallbackIntent")
    assert [r.intent_name for r in ranked] == ["A", "B"]


def test_fallback_rule_counts_fallback_within_the_five() -> None:
    ranked = rank_with_fallback(_scored(*[(f"I{k}", 0.9 - k / 10) for k in range(8)]), 0.85, "FallbackIntent")
    assert [r.intent_name for r in ranked] == ["I0", "FallbackIntent", "I1", "I2", "I3"]


def test_fallback_rule_without_a_fallback_intent_just_ranks() -> None:
    ranked = rank_with_fallback(_scored(("A", 0.1)), 0.4, None)
    assert [r.intent_name for r in ranked] == ["A"]


def test_end_to_end_exact_match_then_fallback_then_the_rest() -> None:
    model = NluModel.build(_many_intents_locale(3))
    names = [i.intent_name for i in model.interpret("i want music", now=NOW).interpretations]
    assert names[0] == "AskMusic"
    assert names[1] == "FallbackIntent"
    assert set(names[2:]) == {"AskPizza", "AskWeather"}


def test_fallback_intent_itself_is_never_scored(seed_model: NluModel) -> None:
    for text in ["hello", "I'm sorry, I couldn't understand that.", "fallback intent"]:
        for interpretation in seed_model.interpret(text, now=NOW).interpretations:
            if interpretation.intent_name == "FallbackIntent":
                assert interpretation.score is None


# ---------------------------------------------------------------- input contexts


def _context_locale() -> BotLocale:
    return BotLocale(
        locale_id="en_US",
        intents=[
            Intent(name="OrderPizza", sample_utterances=["i want a pizza", "order a pizza"]),
            Intent(
                name="ConfirmAddress", sample_utterances=["yes that address is right", "deliver to my home"], input_contexts=["ordering"]
            ),
            Intent(name="FallbackIntent", parent_intent_signature=FALLBACK_SIGNATURE),
        ],
    )


def test_intent_needing_an_inactive_context_is_never_a_candidate() -> None:
    model = NluModel.build(_context_locale())
    result = model.interpret("deliver to my home", now=NOW)
    assert "ConfirmAddress" not in [i.intent_name for i in result.interpretations]
    assert result.excluded_by_context == ["ConfirmAddress"]
    active = model.interpret("deliver to my home", now=NOW, active_contexts=["ordering"])
    assert active.top().intent_name == "ConfirmAddress"
    assert active.top().score == 1.0


def test_no_candidates_at_all_gives_fallback_alone() -> None:
    locale = _context_locale()
    locale.intents = [i for i in locale.intents if i.input_contexts or i.is_fallback]
    result = NluModel.build(locale).interpret("deliver to my home", now=NOW)
    assert [i.intent_name for i in result.interpretations] == ["FallbackIntent"]
    assert result.fallback_reason is not None and "input context" in result.fallback_reason


# ---------------------------------------------------------------- slots from the utterance


def _travel_locale() -> BotLocale:
    rooms = SlotType(
        name="RoomTypes", values=[SlotTypeValue("king", ["king size"]), SlotTypeValue("queen"), SlotTypeValue("deluxe suite", ["suite"])]
    )
    book = Intent(
        name="BookHotel",
        sample_utterances=["book a hotel", "book a {Nights} night stay in {Location}", "i need a {RoomType} room in {Location}"],
        slots=[
            Slot(name="Location", slot_type_name="AMAZON.City"),
            Slot(name="CheckInDate", slot_type_name="AMAZON.Date"),
            Slot(name="Nights", slot_type_name="AMAZON.Number"),
            Slot(name="RoomType", slot_type_name="RoomTypes"),
        ],
        slot_priorities=["Location", "CheckInDate", "Nights", "RoomType"],
    )
    car = Intent(
        name="BookCar",
        sample_utterances=["reserve a car", "rent a car in {PickUpCity}"],
        slots=[Slot(name="PickUpCity", slot_type_name="AMAZON.City")],
    )
    fallback = Intent(name="FallbackIntent", parent_intent_signature=FALLBACK_SIGNATURE)
    return BotLocale(locale_id="en_US", intents=[book, car, fallback], slot_types=[rooms])


def test_botium_book_hotel_utterance_fills_nights_and_location() -> None:
    # BookTripV2/book_hotel.convo.txt: "Book a 2<zero-width space> night stay in London" -> Nights 2, Location London.
    model = NluModel.build(_travel_locale())
    top = model.interpret("Book a 2\u200b night stay in London", now=NOW).top()
    assert top.intent_name == "BookHotel"
    assert top.matched_by == "template"
    assert top.slots["Nights"].interpreted_value == "2"
    assert top.slots["Location"].interpreted_value == "London"


def test_botium_book_car_utterance_is_book_car() -> None:
    # BookTripV2/book_car.convo.txt: "Reserve a car pls" -> BookCar.
    top = NluModel.build(_travel_locale()).interpret("Reserve a car pls", now=NOW).top()
    assert top.intent_name == "BookCar"
    assert top.score is not None and top.score >= 0.4


def test_framed_placeholder_takes_an_unlisted_value_of_an_expandable_type() -> None:
    top = NluModel.build(_travel_locale()).interpret("i need a penthouse room in Reykjavik", now=NOW).top()
    assert top.matched_by == "template"
    assert top.slots["RoomType"].interpreted_value == "penthouse"
    assert top.slots["Location"].interpreted_value == "Reykjavik"


def test_slots_spotted_outside_templates_with_dates_and_custom_values() -> None:
    model = NluModel.build(_travel_locale())
    top = model.interpret("book a hotel in Seattle tomorrow for 3 nights, a king size room", now=NOW).top()
    assert top.intent_name == "BookHotel"
    assert top.slots["Location"].interpreted_value == "Seattle"
    assert top.slots["CheckInDate"].interpreted_value == "2026-05-07"
    assert top.slots["Nights"].interpreted_value == "3"
    assert top.slots["RoomType"].original_value == "king size"
    # The type's default strategy is OriginalValue: interpreted is what the user said.
    assert top.slots["RoomType"].interpreted_value == "king size"
    assert top.slots["RoomType"].resolved_values == ["king"]


# ---------------------------------------------------------------- explain, determinism, hostile input


def test_explain_shows_scores_nearest_utterances_threshold_and_why_fallback(seed_model: NluModel, seed_locale: BotLocale) -> None:
    explained = seed_model.interpret("how far is the moon", now=NOW).explain()
    json.dumps(explained)  # JSON-ready
    assert explained["threshold"] == 0.4
    assert explained["top_intent"] == "FallbackIntent"
    assert set(explained["scores"]) == {"Greeting", "Help", "Status"}
    assert all(score < 0.4 for score in explained["scores"].values())
    assert "below the locale threshold" in explained["fallback"]
    scored = [i for i in explained["interpretations"] if i["score"] is not None]
    assert scored and all(i["nearest"] for i in scored)
    assert all(0.0 <= n["similarity"] <= 1.0 for i in scored for n in i["nearest"])
    good = seed_model.interpret("could you assist me", now=NOW).explain()
    assert good["fallback"] is None
    assert good["top_intent"] == "Help"
    assert good["interpretations"][0]["matched_by"] == "similarity"
    help_intent = seed_locale.intent("Help")
    assert help_intent is not None
    assert good["interpretations"][0]["nearest"][0]["utterance"] in help_intent.sample_utterances
    assert good["interpretations"][0]["nearest"][0]["similarity"] > 0.2


def test_nearest_utterances_are_the_intents_own(seed_model: NluModel, seed_locale: BotLocale) -> None:
    result = seed_model.interpret("can you help me with my order", now=NOW)
    for interpretation in result.interpretations:
        if interpretation.score is None:
            continue
        intent = seed_locale.intent(interpretation.intent_name)
        assert intent is not None
        assert interpretation.nearest
        assert all(u in intent.sample_utterances for u, _ in interpretation.nearest)
        sims = [s for _, s in interpretation.nearest]
        assert sims == sorted(sims, reverse=True)


def _snapshot(result: NluResult) -> list[tuple[str, float | None, dict[str, object], list[tuple[str, float]]]]:
    return [(i.intent_name, i.score, {k: v.to_lex() for k, v in i.slots.items()}, i.nearest) for i in result.interpretations]


def test_two_builds_give_identical_results(seed_locale: BotLocale) -> None:
    first, second = NluModel.build(seed_locale), NluModel.build(seed_locale)
    for text in ["could you assist me", "where's my parcel", "tell me a joke", "hey", "status of my account"]:
        assert _snapshot(first.interpret(text, now=NOW)) == _snapshot(second.interpret(text, now=NOW))


@pytest.mark.parametrize(
    "text",
    [
        "a" * 1024,
        "where is my order " * 60,
        "😀🎉🔥 where is my 📦?",
        "\x00\x01\x02\x1b[31mstatus\x7f",
        "?!.,;:--...!!!",
        "",
        "   \t\n ",
        "{StatusType} {StatusType}",
        "\u202eredro ym si erehw\u202c",
        "ｗｈｅｒｅ ｉｓ ｍｙ ｏｒｄｅｒ",
        "1" * 1024,
        "x" * 5000,
    ],
)
def test_hostile_input_never_crashes(seed_model: NluModel, text: str) -> None:
    result = seed_model.interpret(text, now=NOW)
    assert 1 <= len(result.interpretations) <= 5
    json.dumps(result.explain())


def test_fullwidth_text_is_folded_before_matching(seed_model: NluModel) -> None:
    top = _top(seed_model, "ｗｈｅｒｅ ｉｓ ｍｙ ｏｒｄｅｒ")
    assert top.intent_name == "Status"
    assert top.slots["StatusType"].interpreted_value == "order"


# ---------------------------------------------------------------- odd bot definitions


def _locale(*intents: Intent, slot_types: list[SlotType] | None = None) -> BotLocale:
    fallback = Intent(name="FallbackIntent", parent_intent_signature=FALLBACK_SIGNATURE)
    return BotLocale(locale_id="en_US", intents=[*intents, fallback], slot_types=slot_types or [])


def test_single_intent_bot_scores_by_similarity_alone() -> None:
    model = NluModel.build(_locale(Intent(name="Only", sample_utterances=["order a pizza", "i want a pizza"])))
    assert model.interpret("order a pizza", now=NOW).top().score == 1.0
    near = model.interpret("could i order a pizza please", now=NOW).top()
    assert near.intent_name == "Only" and near.score is not None and near.score >= 0.4
    assert model.interpret("the stock market crashed", now=NOW).top().intent_name == "FallbackIntent"


def test_bot_with_no_scorable_intents_always_falls_back() -> None:
    model = NluModel.build(_locale(Intent(name="NoUtterances")))
    assert [i.intent_name for i in model.interpret("hello", now=NOW).interpretations] == ["FallbackIntent"]


def test_odd_sample_utterances_do_not_break_the_build() -> None:
    odd = Intent(
        name="Odd",
        sample_utterances=["!!!", "{Missing} thing", "{Size}", "x" * 500, "order {Size} {Size} pizza", "ORDER A PIZZA", "order a pizza"],
        slots=[Slot(name="Size", slot_type_name="Sizes")],
    )
    twin = Intent(name="Twin", sample_utterances=["order a pizza"])  # the same utterance in two intents
    sizes = SlotType(name="Sizes", values=[SlotTypeValue("large", ["big"]), SlotTypeValue("small")])
    model = NluModel.build(_locale(odd, twin, slot_types=[sizes]))
    both = model.interpret("order a pizza", now=NOW).interpretations
    assert [(i.intent_name, i.score) for i in both[:2]] == [("Odd", 1.0), ("Twin", 1.0)]
    top = model.interpret("big", now=NOW).top()
    assert top.intent_name == "Odd" and top.matched_by == "template"
    assert (top.slots["Size"].interpreted_value, top.slots["Size"].resolved_values) == ("big", ["large"])  # OriginalValue
    assert model.interpret("anything missing thing", now=NOW).top().matched_by != "template"


def test_only_punctuation_utterance_explains_that_there_are_no_words(seed_model: NluModel) -> None:
    result = seed_model.interpret("?!", now=NOW)
    assert result.top().intent_name == "FallbackIntent"
    assert result.fallback_reason == "the utterance has no words"
