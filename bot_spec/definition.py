"""The canonical Lex V2 bot definition: the hub every format converts to and from.

Field names are the snake_case forms of the lexv2-models API names
(``idleSessionTTLInSeconds`` -> ``idle_session_ttl_in_seconds``). Lex features the
model does not type yet are kept verbatim, API-shaped (camelCase), in ``extras`` so
that no format drops data silently.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from bot_spec.code_hook import CodeHookSpec
from bot_spec.lex_vocabulary import FALLBACK_INTENT

FALLBACK_SIGNATURE = FALLBACK_INTENT
DRAFT_VERSION = "DRAFT"
TEST_ALIAS_ID = "TSTALIASID"

ResolutionStrategy = Literal["OriginalValue", "TopResolution", "Concatenation"]
SlotConstraint = Literal["Required", "Optional"]
SelectionStrategy = Literal["Random", "Ordered"]


@dataclass
class Button:
    """A response-card button: what it shows and the value it sends back."""

    text: str
    value: str


@dataclass
class ImageResponseCard:
    """Lex's image response card (title, optional subtitle and image, up to 5 buttons)."""

    title: str
    subtitle: str | None = None
    image_url: str | None = None
    buttons: list[Button] = field(default_factory=list)


@dataclass
class Message:
    """One Lex message; exactly one of the four content fields is set."""

    plain_text: str | None = None
    ssml: str | None = None
    custom_payload: str | None = None
    image_response_card: ImageResponseCard | None = None

    @property
    def content_type(self) -> str:
        """The runtime ``contentType`` this message is delivered as."""
        if self.plain_text is not None:
            return "PlainText"
        if self.ssml is not None:
            return "SSML"
        if self.custom_payload is not None:
            return "CustomPayload"
        return "ImageResponseCard"


@dataclass
class MessageGroup:
    """A message and up to two variations; Lex plays one of them per group."""

    message: Message
    variations: list[Message] = field(default_factory=list)


@dataclass
class ResponseSpecification:
    """A statement Lex plays (closing, declination): 1-5 message groups."""

    message_groups: list[MessageGroup]
    allow_interrupt: bool | None = None


@dataclass
class PromptSpecification:
    """A question Lex asks and re-asks up to ``max_retries`` times."""

    message_groups: list[MessageGroup]
    max_retries: int = 2
    allow_interrupt: bool | None = None
    message_selection_strategy: SelectionStrategy | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class IntentConfirmation:
    """``intentConfirmationSetting``: the yes/no question before fulfillment."""

    prompt: PromptSpecification
    declination_response: ResponseSpecification | None = None
    confirmation_response: ResponseSpecification | None = None
    active: bool = True
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class OutputContext:
    """A context an intent activates when it is fulfilled."""

    name: str
    time_to_live_in_seconds: int
    turns_to_live: int


@dataclass
class Slot:
    """A slot of an intent (``CreateSlot``)."""

    name: str
    slot_type_name: str
    slot_constraint: SlotConstraint = "Required"
    description: str | None = None
    prompt: PromptSpecification | None = None
    sample_utterances: list[str] = field(default_factory=list)
    default_values: list[str] = field(default_factory=list)
    allow_multiple_values: bool = False
    obfuscate: bool = False
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def required(self) -> bool:
        """Whether Lex elicits this slot by default."""
        return self.slot_constraint == "Required"


@dataclass
class Intent:
    """An intent of one locale (``CreateIntent`` plus its slots).

    ``slot_priorities`` lists slot names, highest priority first; Lex numbers them
    from 1 through ``UpdateIntent`` once the slots exist. ``replies`` is chat-lex's
    own: named Jinja2 templates that the fulfillment code renders. Lex formats have
    no place for them, so they travel only in the YAML spec and the fulfillment zip.
    """

    name: str
    description: str | None = None
    parent_intent_signature: str | None = None
    sample_utterances: list[str] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    slot_priorities: list[str] = field(default_factory=list)
    dialog_code_hook: bool = False
    fulfillment_code_hook: bool = False
    confirmation: IntentConfirmation | None = None
    closing_response: ResponseSpecification | None = None
    closing_active: bool = True
    input_contexts: list[str] = field(default_factory=list)
    output_contexts: list[OutputContext] = field(default_factory=list)
    replies: dict[str, str] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def is_fallback(self) -> bool:
        """Whether this is the locale's AMAZON.FallbackIntent."""
        return self.parent_intent_signature == FALLBACK_SIGNATURE

    def slot(self, name: str) -> Slot | None:
        """The slot called ``name``, or None."""
        return next((s for s in self.slots if s.name == name), None)

    def slots_by_priority(self) -> list[Slot]:
        """Slots in elicitation order: priorities first, then any left out."""
        by_name = {s.name: s for s in self.slots}
        ordered = [by_name[n] for n in self.slot_priorities if n in by_name]
        return ordered + [s for s in self.slots if s.name not in self.slot_priorities]


@dataclass
class SlotTypeValue:
    """A slot type's value and its synonyms."""

    value: str
    synonyms: list[str] = field(default_factory=list)


@dataclass
class SlotType:
    """A custom slot type of one locale (``CreateSlotType``)."""

    name: str
    description: str | None = None
    values: list[SlotTypeValue] = field(default_factory=list)
    resolution_strategy: ResolutionStrategy = "OriginalValue"
    regex_filter: str | None = None
    parent_slot_type_signature: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class VoiceSettings:
    """Polly voice of a locale."""

    voice_id: str
    engine: str | None = None


@dataclass
class BotLocale:
    """A locale of the bot (``CreateBotLocale``) with its intents and slot types."""

    locale_id: str
    nlu_intent_confidence_threshold: float = 0.40
    description: str | None = None
    voice_settings: VoiceSettings | None = None
    intents: list[Intent] = field(default_factory=list)
    slot_types: list[SlotType] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)
    code_hook: CodeHookSpec | None = None  # None: the spec names none (local runs then use none and warn)

    def intent(self, name: str) -> Intent | None:
        """The intent called ``name``, or None."""
        return next((i for i in self.intents if i.name == name), None)

    def slot_type(self, name: str) -> SlotType | None:
        """The custom slot type called ``name``, or None."""
        return next((t for t in self.slot_types if t.name == name), None)

    def fallback_intent(self) -> Intent | None:
        """The locale's fallback intent, or None when it has none."""
        return next((i for i in self.intents if i.is_fallback), None)


@dataclass
class BotDefinition:
    """A whole Lex V2 bot (``CreateBot``) with its locales."""

    name: str
    idle_session_ttl_in_seconds: int = 300
    child_directed: bool = False
    description: str | None = None
    role_arn: str | None = None
    locales: list[BotLocale] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)

    def locale(self, locale_id: str) -> BotLocale | None:
        """The locale ``locale_id``, or None."""
        return next((loc for loc in self.locales if loc.locale_id == locale_id), None)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole definition."""
        out = dataclasses.asdict(self)
        for loc in out["locales"]:
            if loc["code_hook"] is None:  # unnamed hooks leave the dict (and fingerprints) as before
                del loc["code_hook"]
        return out

    def without_replies(self) -> BotDefinition:
        """A copy with chat-lex's replies and local code-hook choices removed: what Lex formats carry of a bot."""
        clone = copy.deepcopy(self)
        for loc in clone.locales:
            loc.code_hook = None  # on AWS the Lambda belongs to an alias, not to the bot
            for intent in loc.intents:
                intent.replies = {}
        return clone

    def fingerprint(self) -> str:
        """A stable hash of the definition; equal definitions give equal hashes."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def plain(text: str) -> MessageGroup:
    """A message group holding one plain-text message."""
    return MessageGroup(message=Message(plain_text=text))


def message_texts(groups: list[MessageGroup]) -> list[str]:
    """The primary plain-text or SSML content of each group (for display and tests)."""
    out: list[str] = []
    for group in groups:
        msg = group.message
        text = msg.plain_text if msg.plain_text is not None else msg.ssml
        if text is None and msg.custom_payload is not None:
            text = msg.custom_payload
        if text is None and msg.image_response_card is not None:
            text = msg.image_response_card.title
        out.append(text or "")
    return out
