"""A scenario's conversation: what the steps send, every turn so far, and the checks ``Then`` steps make.

Every failed check raises ``ConversationMismatch`` whose message is the whole transcript
followed by what was expected and what the bot actually did.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from conversation_tests.targets import ConversationTarget
from conversation_tests.turns import ObservedTurn, collapse_whitespace, render_transcript

TIME_ZONE_ATTRIBUTE = "x-amz-lex:time-zone"
MAX_IDLE_SECONDS = 7 * 86400  # past Lex's longest idle TTL (86400 s) nothing more can happen


class ConversationMismatch(AssertionError):
    """The bot did not do what a step expected; the message carries the transcript."""


class ConversationStepError(Exception):
    """A step cannot run as written (bad regex, bad time zone, nothing said yet)."""


class Conversation:
    """The state one scenario builds up against a target."""

    def __init__(self, target: ConversationTarget, locale_id: str | None = None) -> None:
        self.target = target
        self.locale_id = locale_id
        self.user_id: str | None = None
        self.turns: list[ObservedTurn] = []
        self.pending_session_attributes: dict[str, str] = {}
        self.request_attributes: dict[str, str] = {}
        self.session_id = target.new_session(None, locale_id)

    # ------------------------------------------------------------ Given / When

    def start(self, user_id: str | None = None) -> None:
        """Begin a fresh conversation (optionally as a named user), keeping the locale."""
        self.user_id = user_id
        self.session_id = self.target.new_session(user_id, self.locale_id)
        self.turns.clear()
        self.pending_session_attributes.clear()
        self.request_attributes.clear()

    def set_locale(self, locale_id: str) -> None:
        """Use ``locale_id`` from now on (a Lex session belongs to one locale, so this starts a new one)."""
        self.locale_id = locale_id
        self.session_id = self.target.new_session(self.user_id, locale_id)

    def set_session_attribute(self, key: str, value: str) -> None:
        """Sent with the next request, merged onto the attributes the bot last returned."""
        self.pending_session_attributes[key] = value

    def set_request_attribute(self, key: str, value: str) -> None:
        """Sent with every following request of this scenario."""
        self.request_attributes[key] = value

    def set_time(self, clock_time: str, zone_name: str) -> None:
        """Set the engine's clock to ``HH:MM`` in ``zone_name``, and tell the bot the user's zone."""
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", clock_time.strip())
        if match is None:
            raise ConversationStepError(f'time {clock_time!r} is not HH:MM (24-hour), e.g. "08:30"')
        try:
            zone = ZoneInfo(zone_name)
        except Exception:
            raise ConversationStepError(f'{zone_name!r} is not an IANA time zone such as "Europe/Paris" or "UTC"') from None
        self.target.set_time(int(match.group(1)), int(match.group(2)), zone)
        self.request_attributes[TIME_ZONE_ATTRIBUTE] = zone_name
        self.turns.append(ObservedTurn(user_text="", note=f"the time is now {clock_time} in {zone_name}"))

    def idle(self, seconds: float) -> None:
        """Let the session sit idle."""
        if not 0 <= seconds <= MAX_IDLE_SECONDS:
            raise ConversationStepError(f"idle for {seconds:g} seconds: give 0 to {MAX_IDLE_SECONDS} (Lex's longest session TTL is 86400)")
        self.target.advance(seconds)
        self.turns.append(ObservedTurn(user_text="", note=f"idle for {seconds:g} seconds"))

    def say(self, text: str) -> ObservedTurn:
        """Send ``text``; pending session attributes go with it."""
        attributes: dict[str, str] | None = None
        if self.pending_session_attributes:
            last = self.last_turn()
            known = last.session_attributes if last is not None else {}
            attributes = {**known, **self.pending_session_attributes}
            self.pending_session_attributes = {}
        turn = self.target.say(text, attributes, dict(self.request_attributes) or None)
        self.turns.append(turn)
        return turn

    def choose(self, choice: str) -> ObservedTurn:
        """Send the value of the latest card's button whose text is ``choice`` (any case)."""
        latest = self.latest()
        for button in latest.buttons:
            if button.text.casefold() == choice.strip().casefold():
                return self.say(button.value)
        offered = ", ".join(f'"{b.text}"' for b in latest.buttons) or "none (the last turn had no response card)"
        self.fail(f'there is no choice "{choice}" to choose', expected=f'a button "{choice}"', actual=f"choices offered: {offered}")
        raise AssertionError  # unreachable: fail() raises

    # ------------------------------------------------------------ reading

    def last_turn(self) -> ObservedTurn | None:
        """The latest real exchange (notes skipped), or None."""
        for turn in reversed(self.turns):
            if turn.note is None or turn.user_text:
                return turn
        return None

    def latest(self) -> ObservedTurn:
        """The latest exchange; a clear error when nothing has been said yet."""
        turn = self.last_turn()
        if turn is None:
            raise ConversationStepError('nothing has been said yet: a "When I say" step must come before this check')
        return turn

    def transcript(self) -> str:
        """Every turn so far."""
        header = f"Conversation so far (target {self.target.name}, session {self.session_id}, locale {self.locale_id or 'default'}):"
        return render_transcript(self.turns, header)

    def fail(self, what: str, *, expected: str, actual: str) -> None:
        """Raise ConversationMismatch with the transcript, then expected vs actual."""
        raise ConversationMismatch(f"{what}\n\n{self.transcript()}\n\nExpected: {expected}\nActual:   {actual}")

    def _answered(self) -> ObservedTurn:
        turn = self.latest()
        if turn.error is not None:
            self.fail("the bot refused the last request", expected="an answer", actual=turn.error)
        return turn

    # ------------------------------------------------------------ Then

    def _messages(self, turn: ObservedTurn) -> str:
        return " | ".join(repr(m) for m in turn.messages) or "no message"

    def check_says(self, text: str) -> None:
        turn = self._answered()
        wanted = collapse_whitespace(text)
        if not any(collapse_whitespace(m) == wanted for m in turn.messages):
            self.fail("the bot did not say that", expected=repr(wanted), actual=self._messages(turn))

    def check_says_containing(self, text: str) -> None:
        turn = self._answered()
        wanted = collapse_whitespace(text)
        if not any(wanted in collapse_whitespace(m) for m in turn.messages):
            self.fail("no message of the bot contains that", expected=f"a message containing {wanted!r}", actual=self._messages(turn))

    def check_says_matching(self, pattern: str) -> None:
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ConversationStepError(f"{pattern!r} is not a valid regular expression: {exc}") from None
        turn = self._answered()
        if not any(regex.search(m) for m in turn.messages):
            self.fail("no message of the bot matches that", expected=f"a message matching /{pattern}/", actual=self._messages(turn))

    def check_says_nothing(self) -> None:
        turn = self._answered()
        if turn.messages:
            self.fail("the bot said something", expected="no message", actual=self._messages(turn))

    def check_intent(self, intent: str, min_confidence: float | None = None) -> None:
        turn = self._answered()
        if turn.intent != intent:
            self.fail("the intent differs", expected=intent, actual=turn.intent or "no intent")
        if min_confidence is not None:
            score = turn.confidence
            if score is None or score < min_confidence:
                shown = "none reported" if score is None else f"{score:.3f}"
                self.fail("the intent's confidence is too low", expected=f"{intent} with confidence >= {min_confidence:g}", actual=shown)

    def check_interpretations_include(self, intent: str) -> None:
        turn = self._answered()
        names = [i.intent for i in turn.interpretations]
        if intent not in names:
            self.fail("the interpretations lack that intent", expected=f"{intent} among them", actual=", ".join(names) or "none")

    def check_asks_for(self, slot: str) -> None:
        turn = self._answered()
        if turn.dialog_action != "ElicitSlot" or turn.slot_to_elicit != slot:
            actual = f"dialog action {turn.dialog_action or 'none'}" + (f" for {turn.slot_to_elicit}" if turn.slot_to_elicit else "")
            self.fail("the bot is not asking for that slot", expected=f"ElicitSlot for {slot}", actual=actual)

    def check_slot(self, slot: str, value: str | None) -> None:
        turn = self._answered()
        if slot not in turn.slots and value is not None:
            known = ", ".join(turn.slots) or "none"
            self.fail(f'the intent has no slot "{slot}"', expected=f"{slot} = {value!r}", actual=f"slots of {turn.intent}: {known}")
        actual = turn.slots.get(slot)
        if actual != value:
            self.fail("the slot value differs", expected=f"{slot} = {value!r}", actual=f"{slot} = {actual!r}")

    def check_intent_state(self, state: str) -> None:
        turn = self._answered()
        if turn.intent_state != state:
            self.fail("the intent state differs", expected=state, actual=turn.intent_state or "no intent")

    def check_dialog_action(self, action: str) -> None:
        turn = self._answered()
        if turn.dialog_action != action:
            self.fail("the dialog action differs", expected=action, actual=turn.dialog_action or "none")

    def check_session_attribute(self, key: str, value: str | None) -> None:
        turn = self._answered()
        actual = turn.session_attributes.get(key)
        if actual != value:
            expected = "not set" if value is None else repr(value)
            shown = "not set" if actual is None else repr(actual)
            self.fail(f'session attribute "{key}" differs', expected=f"{key} {expected}", actual=f"{key} {shown}")

    def check_choices(self, choices: list[str]) -> None:
        turn = self._answered()
        offered = [b.text for b in turn.buttons]
        if offered != choices:
            self.fail(
                "the bot offers other choices",
                expected=", ".join(f'"{c}"' for c in choices),
                actual=", ".join(f'"{c}"' for c in offered) or "no choices",
            )
