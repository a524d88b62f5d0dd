"""The spec linter: one case per lint code, located at file:line when read from a folder."""

from __future__ import annotations

import copy
import shutil
import textwrap
from pathlib import Path

import pytest

from bot_spec import lint
from bot_spec.definition import (
    BotDefinition,
    BotLocale,
    Button,
    ImageResponseCard,
    Intent,
    Message,
    MessageGroup,
    PromptSpecification,
    ResponseSpecification,
    Slot,
    SlotType,
    SlotTypeValue,
    plain,
)
from bot_spec.diagnostics import Diagnostic
from bot_spec.formats.yaml_spec import definition_from_docs, load_spec
from bot_spec.lint import LINT_CODES, has_errors, lint_spec, near_duplicate_pairs, normalise_utterance
from bot_spec.spec_source import read_spec_folder
from tests.conftest import SEED_BOT_DIR


def make_bot(tmp_path: Path, seed_bot_dir: Path, files: dict[str, str | None]) -> Path:
    """A copy of the seed bot with ``files`` written over it (None deletes the file)."""
    root = tmp_path / "bot"
    shutil.copytree(seed_bot_dir, root)
    for rel, text in files.items():
        path = root / rel
        if text is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def lint_folder(root: Path) -> list[Diagnostic]:
    docs = read_spec_folder(root)
    return lint_spec(definition_from_docs(docs.bot, docs.intents, docs.slot_types), docs)


def only(diags: list[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [d.render() for d in diags]
    assert found[0].severity == LINT_CODES[code][0]
    return found[0]


def at(diag: Diagnostic) -> tuple[str, int | None]:
    return (Path(diag.file or "").name, diag.line)


def minimal_bot(*locale_ids: str) -> BotDefinition:
    """A definition with a fallback and one intent per locale (for checks the schema forbids in YAML)."""
    locales = []
    for lid in locale_ids or ("en_US",):
        fallback = Intent(name="FallbackIntent", parent_intent_signature="AMAZON.FallbackIntent")
        hello = Intent(name="Hello", sample_utterances=["hello"])
        locales.append(BotLocale(locale_id=lid, intents=[fallback, hello]))
    return BotDefinition(name="Bot", locales=locales)


def codes(diags: list[Diagnostic]) -> list[str]:
    return [d.code for d in diags]


# ---------------------------------------------------------------- the seed bot


def test_seed_bot_is_lint_clean(seed_bot_dir: Path) -> None:
    assert lint_folder(seed_bot_dir) == []


def test_lint_without_source_still_names_things(seed_bot_dir: Path) -> None:
    defn = load_spec(seed_bot_dir)
    defn.locales[0].intents[1].sample_utterances.append("help")  # Greeting gets Help's utterance
    diag = only(lint_spec(defn), "L101")
    assert diag.file is None and diag.line is None
    assert "Greeting" in diag.message and "Help" in diag.message


# ---------------------------------------------------------------- duplicates


def test_normalisation() -> None:
    assert normalise_utterance("  What's   my {OrderId}, please?! ") == "whats my {} please"
    assert normalise_utterance("what’s MY {Other} please") == "whats my {} please"


def test_same_utterance_in_two_intents(tmp_path: Path, seed_bot_dir: Path) -> None:
    help_text = (seed_bot_dir / "intents" / "Help.yaml").read_text().replace("    - menu\n", "    - Hello!\n")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": help_text})
    diag = only(lint_folder(root), "L101")
    assert at(diag) == ("Help.yaml", help_text.splitlines().index("    - Hello!") + 1)
    assert diag.column == 7
    assert "also an utterance of intent Greeting" in diag.message


def test_same_utterance_twice_in_one_intent(tmp_path: Path, seed_bot_dir: Path) -> None:
    help_text = (seed_bot_dir / "intents" / "Help.yaml").read_text().replace("    - menu\n", "    - Help me!\n")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": help_text})
    diag = only(lint_folder(root), "L102")
    assert at(diag) == ("Help.yaml", help_text.splitlines().index("    - Help me!") + 1)
    assert "repeats utterance 2" in diag.message


def test_placeholders_count_as_alike(tmp_path: Path, seed_bot_dir: Path) -> None:
    status = (seed_bot_dir / "intents" / "Status.yaml").read_text().replace("    - track my {StatusType}\n", "    - where is my {Other}\n")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Status.yaml": status})
    assert "L102" in codes(lint_folder(root))


def test_near_duplicate_across_intents(tmp_path: Path, seed_bot_dir: Path) -> None:
    help_text = (seed_bot_dir / "intents" / "Help.yaml").read_text().replace("    - menu\n", "    - i want to check a status please\n")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": help_text})
    diag = only(lint_folder(root), "L103")
    status = (seed_bot_dir / "intents" / "Status.yaml").read_text()
    assert at(diag) == ("Status.yaml", status.splitlines().index("    - i want to check a status") + 1)
    assert "nearly the same as “i want to check a status please” of intent Help" in diag.message


def test_near_duplicate_pairs_skip_same_group_and_find_typos() -> None:
    records = [
        ("A", "whats my credit score"),
        ("A", "whats my credit score today"),
        ("B", "what is my credit score"),
        ("B", "book a table for two"),
        ("C", "cancel my order"),
    ]
    pairs = {(i, j) for i, j, _ in near_duplicate_pairs(records).pairs}
    assert pairs == {(0, 2)}


def test_near_duplicate_pairs_report_each_text_once() -> None:
    records = [("A", "reset my password"), ("B", "reset my passwords"), ("C", "reset my password now please")]
    found = near_duplicate_pairs(records).pairs
    assert [j for _, j, _ in found] == sorted({j for _, j, _ in found})
    assert (0, 1) in {(i, j) for i, j, _ in found}


def test_near_duplicate_search_is_bounded(tmp_path: Path, seed_bot_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = [(f"G{n}", f"reset my password number {n}") for n in range(50)]
    assert not near_duplicate_pairs(records, max_comparisons=10).complete
    assert near_duplicate_pairs(records).complete
    monkeypatch.setattr(lint, "MAX_COMPARISONS", 0)
    diag = only(lint_folder(seed_bot_dir), "L199")
    assert at(diag) == ("bot.yaml", 7)


# ---------------------------------------------------------------- references


def test_unknown_placeholder_in_utterance_and_prompt(tmp_path: Path, seed_bot_dir: Path) -> None:
    status = (seed_bot_dir / "intents" / "Status.yaml").read_text()
    status = status.replace("    - track my {StatusType}\n", "    - track my {Statustype}\n")
    status = status.replace("What type of status would you like to check?", "Which {Kind} status?")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Status.yaml": status})
    diags = [d for d in lint_folder(root) if d.code == "L104"]
    assert len(diags) == 2
    utter = next(d for d in diags if "Statustype" in d.message)
    assert at(utter) == ("Status.yaml", status.splitlines().index("    - track my {Statustype}") + 1)
    assert utter.fix == "write `{StatusType}`"
    prompt = next(d for d in diags if "Kind" in d.message)
    assert prompt.path == "intent Status: slots[0].prompt.en_US"


def test_slot_missing_from_slot_order_and_unknown_slot_in_it(tmp_path: Path, seed_bot_dir: Path) -> None:
    status = (seed_bot_dir / "intents" / "Status.yaml").read_text().replace("slot_order: [StatusType]", "slot_order: [StatusKind]")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Status.yaml": status})
    diags = lint_folder(root)
    missing, unknown = only(diags, "L105"), only(diags, "L106")
    line = status.splitlines().index("slot_order: [StatusKind]") + 1
    assert at(missing) == ("Status.yaml", line) and at(unknown) == ("Status.yaml", line)
    assert unknown.column == 14
    assert "did you mean `StatusType`?" in unknown.message


def test_undefined_slot_types(tmp_path: Path, seed_bot_dir: Path) -> None:
    status = (seed_bot_dir / "intents" / "Status.yaml").read_text().replace("type: StatusTypes", "type: StatusTyps")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Status.yaml": status})
    diags = lint_folder(root)
    undefined = only(diags, "L107")
    assert at(undefined) == ("Status.yaml", status.splitlines().index("    type: StatusTyps") + 1)
    assert "did you mean `StatusTypes`?" in undefined.message
    assert only(diags, "L108").file is not None  # StatusTypes is now unused

    builtin = status.replace("type: StatusTyps", "type: AMAZON.Emial")
    root2 = make_bot(tmp_path / "2", seed_bot_dir, {"intents/Status.yaml": builtin})
    assert "did you mean `AMAZON.EmailAddress`?" in only(lint_folder(root2), "L107").message


def test_every_lex_v2_builtin_slot_type_is_known_and_v1_names_are_not(tmp_path: Path, seed_bot_dir: Path) -> None:
    status = (seed_bot_dir / "intents" / "Status.yaml").read_text()
    currency = status.replace("type: StatusTypes", "type: AMAZON.Currency")  # a V2 built-in lint once refused
    assert "L107" not in codes(lint_folder(make_bot(tmp_path / "v2", seed_bot_dir, {"intents/Status.yaml": currency})))
    airport = status.replace("type: StatusTypes", "type: AMAZON.Airport")  # Lex V1 only; Lex V2 rejects it
    assert "AMAZON.Airport" in only(lint_folder(make_bot(tmp_path / "v1", seed_bot_dir, {"intents/Status.yaml": airport})), "L107").message


def test_unused_slot_type(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"slot_types/Colours.yaml": "name: Colours\nvalues: [red]\n"})
    diag = only(lint_folder(root), "L108")
    assert at(diag) == ("Colours.yaml", 1)


def test_unknown_parent_intent(tmp_path: Path, seed_bot_dir: Path) -> None:
    help_text = (seed_bot_dir / "intents" / "Help.yaml").read_text() + "parent: AMAZON.HelpIntnt\n"
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Help.yaml": help_text})
    diag = only(lint_folder(root), "L110")
    assert "did you mean `AMAZON.HelpIntent`?" in diag.message


def test_bad_names_from_other_formats() -> None:
    defn = minimal_bot()
    defn.name = "My Bot"
    defn.locales[0].intents[1].name = "hello.world"
    defn.locales[0].intents[1].slots = [Slot(name="a__b", slot_type_name="AMAZON.Number", slot_constraint="Optional")]
    defn.locales[0].intents[1].slot_priorities = ["a__b"]
    assert codes(lint_spec(defn)).count("L109") == 3


# ---------------------------------------------------------------- quotas


def test_utterance_quotas() -> None:
    defn = minimal_bot()
    hello = defn.locales[0].intents[1]
    hello.sample_utterances = [f"hello number {n}" for n in range(1501)] + ["x" * 501]
    found = codes(lint_spec(defn))
    assert found.count("L120") == 1 and found.count("L121") == 1


def test_intents_per_locale_quota_depends_on_locale() -> None:
    defn = minimal_bot("en_US", "fr_FR")
    for loc in defn.locales:
        loc.intents += [Intent(name=f"Intent{n}", sample_utterances=[f"request {n} in {loc.locale_id}"]) for n in range(300)]
    diag = only(lint_spec(defn), "L122")
    assert "fr_FR has 302 intents; Lex allows at most 250" in diag.message


def test_slot_type_quotas() -> None:
    defn = minimal_bot("de_DE")
    loc = defn.locales[0]
    loc.slot_types = [SlotType(name=f"Type{n}", values=[SlotTypeValue("v")]) for n in range(101)]
    loc.slot_types[0].values = [SlotTypeValue(f"value {n}", synonyms=[f"syn {n}"]) for n in range(5001)]
    loc.slot_types[1].values = [SlotTypeValue("v" * 141)]
    loc.intents[1].slots = [Slot(name=f"S{n}", slot_type_name=f"Type{n}", slot_constraint="Optional") for n in range(101)]
    loc.intents[1].slot_priorities = [s.name for s in loc.intents[1].slots]
    found = codes(lint_spec(defn))
    assert found.count("L123") == 1 and found.count("L124") == 1 and found.count("L125") == 1 and found.count("L130") == 1


def test_slot_sample_utterance_quota() -> None:
    defn = minimal_bot()
    samples = [f"{{Size}} {n}" for n in range(11)]
    slot = Slot(name="Size", slot_type_name="AMAZON.Number", slot_constraint="Optional", sample_utterances=samples)
    defn.locales[0].intents[1].slots = [slot]
    defn.locales[0].intents[1].slot_priorities = ["Size"]
    assert codes(lint_spec(defn)) == ["L126"]


def test_setting_ranges() -> None:
    defn = minimal_bot()
    defn.idle_session_ttl_in_seconds = 30
    defn.locales[0].nlu_intent_confidence_threshold = 1.5
    prompt = PromptSpecification(message_groups=[plain("How many?")], max_retries=9)
    defn.locales[0].intents[1].slots = [Slot(name="Size", slot_type_name="AMAZON.Number", prompt=prompt)]
    defn.locales[0].intents[1].slot_priorities = ["Size"]
    assert sorted(codes(lint_spec(defn))) == ["L127", "L128", "L129"]


def test_message_limits_from_other_formats() -> None:
    defn = minimal_bot()
    card = Message(image_response_card=ImageResponseCard(title="Pick", buttons=[Button("b", "b")] * 6))
    groups = [MessageGroup(message=card, variations=[Message(plain_text="a")] * 3)] + [plain("x" * 1001)] * 5
    defn.locales[0].intents[1].closing_response = ResponseSpecification(message_groups=groups)
    assert codes(lint_spec(defn)).count("L131") == 3 + 5  # groups, variations, buttons, and each long text


# ---------------------------------------------------------------- fallback and slot types


def test_missing_fallback_intent(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"intents/FallbackIntent.yaml": None})
    diag = only(lint_folder(root), "L140")
    assert at(diag) == ("bot.yaml", 7) and diag.column == 3


def test_fallback_with_utterances_and_a_second_fallback(tmp_path: Path, seed_bot_dir: Path) -> None:
    seed_fallback = (seed_bot_dir / "intents" / "FallbackIntent.yaml").read_text()
    fallback = seed_fallback + "utterances:\n  en_US: [whatever]\n"
    second = "name: Other\nparent: AMAZON.FallbackIntent\n"
    root = make_bot(tmp_path, seed_bot_dir, {"intents/FallbackIntent.yaml": fallback, "intents/Other.yaml": second})
    diags = lint_folder(root)
    assert at(only(diags, "L141")) == ("FallbackIntent.yaml", len(seed_fallback.splitlines()) + 2)  # the en_US line added
    assert at(only(diags, "L142")) == ("Other.yaml", 2)


def test_top_resolution_without_values(tmp_path: Path, seed_bot_dir: Path) -> None:
    root = make_bot(tmp_path, seed_bot_dir, {"slot_types/StatusTypes.yaml": "name: StatusTypes\nresolution: TopResolution\n"})
    diag = only(lint_folder(root), "L143")
    assert (at(diag), diag.column) == (("StatusTypes.yaml", 2), 1)


# ---------------------------------------------------------------- locales


TWO_LOCALES = """
    name: ChatBot
    idle_session_ttl: 300
    child_directed: false
    locales:
      en_US: {confidence_threshold: 0.4}
      en_GB: {confidence_threshold: 0.4}
"""


def test_intent_missing_from_a_locale_and_without_utterances(tmp_path: Path, seed_bot_dir: Path) -> None:
    help_text = (seed_bot_dir / "intents" / "Help.yaml").read_text() + "locales: [en_US]\n"
    root = make_bot(tmp_path, seed_bot_dir, {"bot.yaml": TWO_LOCALES, "intents/Help.yaml": help_text})
    diags = lint_folder(root)
    missing = only(diags, "L150")
    assert at(missing) == ("Help.yaml", 1) and "not in en_GB" in missing.message
    no_utterances = [d for d in diags if d.code == "L152"]
    assert {d.message.split(" has")[0] for d in no_utterances} == {"intent Greeting", "intent Status"}
    assert not has_errors([d for d in diags if d.code in ("L150", "L152")])


def test_slot_missing_from_a_locale() -> None:
    defn = minimal_bot("en_US", "en_GB")
    defn.locales[0].intents[1].slots = [Slot(name="Size", slot_type_name="AMAZON.Number", slot_constraint="Optional")]
    defn.locales[0].intents[1].slot_priorities = ["Size"]
    assert codes(lint_spec(defn)) == ["L151"]


def test_required_slot_without_prompt(tmp_path: Path, seed_bot_dir: Path) -> None:
    status = (seed_bot_dir / "intents" / "Status.yaml").read_text()
    start, end = status.index("    prompt:"), status.index("    sample_utterances:")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Status.yaml": status[:start] + status[end:]})
    diag = only(lint_folder(root), "L153")
    assert at(diag) == ("Status.yaml", status.splitlines().index("  - name: StatusType") + 1)


def test_locale_only_features() -> None:
    defn = minimal_bot("de_DE")
    defn.locales[0].intents[1].slots = [
        Slot(name="Post", slot_type_name="AMAZON.UKPostalCode", slot_constraint="Optional"),
        Slot(name="Many", slot_type_name="AMAZON.Number", slot_constraint="Optional", allow_multiple_values=True),
    ]
    defn.locales[0].intents[1].slot_priorities = ["Post", "Many"]
    assert sorted(codes(lint_spec(defn))) == ["L154", "L154", "L155"]  # L155: the engine does not read German


@pytest.mark.parametrize(
    ("locale_id", "type_name", "expected"),
    [
        ("de_DE", "AMAZON.Number", ["L155"]),  # the locale itself
        ("fr_CA", "AMAZON.AlphaNumeric", ["L155"]),
        ("en_GB", "AMAZON.Duration", []),
        ("es_US", "AMAZON.Date", []),
        ("es_ES", "AMAZON.Confirmation", []),
        ("es_ES", "AMAZON.EmailAddress", []),
        ("es_US", "AMAZON.Duration", ["L155"]),  # read in English only
        ("es_419", "AMAZON.Percentage", ["L155"]),
    ],
)
def test_locales_and_builtins_the_engine_cannot_run(locale_id: str, type_name: str, expected: list[str]) -> None:
    defn = minimal_bot(locale_id)
    defn.locales[0].intents[1].slots = [Slot(name="Value", slot_type_name=type_name, slot_constraint="Optional")]
    defn.locales[0].intents[1].slot_priorities = ["Value"]
    found = [d for d in lint_spec(defn) if d.code == "L155"]
    assert codes(found) == expected
    for diag in found:
        assert diag.severity == "warning" and locale_id in diag.message


def test_engine_fidelity_matches_the_engine() -> None:
    from bot_spec import engine_fidelity
    from runtime.lex import lang_es

    assert engine_fidelity.SPANISH_LOCALES == lang_es.LOCALES
    assert engine_fidelity.SPANISH_BUILTINS == lang_es.SUPPORTED_BUILTINS


def test_the_bilingual_seed_bot_lints_clean() -> None:
    assert lint_spec(load_spec(SEED_BOT_DIR)) == []  # en_US and es_ES: no error, no warning (L155 included)


# ---------------------------------------------------------------- replies and free-form input


def test_reply_template_that_does_not_parse(tmp_path: Path, seed_bot_dir: Path) -> None:
    greeting = (seed_bot_dir / "intents" / "Greeting.yaml").read_text().replace("{% endif %}", "")
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Greeting.yaml": greeting})
    diag = only(lint_folder(root), "L160")
    assert at(diag) == ("Greeting.yaml", greeting.splitlines().index("replies:") + 3)
    assert "not a valid Jinja2 template" in diag.message


def test_reply_template_nested_too_deeply(seed_bot_dir: Path) -> None:
    defn = load_spec(seed_bot_dir)
    defn.locales[0].intents[1].replies["deep"] = "{{" + "(" * 1900 + "1" + ")" * 1900 + "}}"
    diag = only(lint_spec(defn), "L160")
    assert "nests too deeply" in diag.message


def test_free_form_slot_in_sample_utterances(tmp_path: Path, seed_bot_dir: Path) -> None:
    intent = """
        name: Feedback
        utterances:
          en_US: [i have feedback, "my feedback is {Text}"]
        slots:
          - name: Text
            type: AMAZON.FreeFormInput
            required: true
            prompt: {en_US: What is your feedback?}
        slot_order: [Text]
    """
    root = make_bot(tmp_path, seed_bot_dir, {"intents/Feedback.yaml": intent})
    diag = only(lint_folder(root), "L161")
    assert (at(diag), diag.column) == (("Feedback.yaml", 3), 28)


def test_lint_does_not_modify_the_definition(seed_bot_dir: Path) -> None:
    defn = load_spec(seed_bot_dir)
    before = copy.deepcopy(defn)
    lint_spec(defn)
    assert defn == before


@pytest.mark.parametrize("code", sorted(LINT_CODES))
def test_every_code_is_documented(code: str) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "spec-format.md").read_text(encoding="utf-8")
    assert f"| {code} |" in doc
