"""``converse --record`` (the dialogue as it went, as a scenario) and ``export-conversation ID --as gherkin``."""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tools.exit_codes import EXIT_FAILED, EXIT_OK, EXIT_SERVICE_ERROR, EXIT_USAGE
from tools.recording import Exchange, RecordingError, scenario_text
from tools.store_options import add_store_options, open_store_from_args


def register(subparsers: Any) -> None:
    """Add ``export-conversation``."""
    parser = subparsers.add_parser(
        "export-conversation",
        help="write a conversation stored by the chat runtime as a Gherkin scenario",
        description="Read conversation ID from the chat store and write it as a scenario that passes when run again "
        "(docs/conversation-tests.md, Tests from conversations).",
    )
    parser.add_argument("conversation_id", metavar="ID", help="the conversation id (a user's private one is private-<user id>)")
    parser.add_argument("--as", dest="as_format", choices=["gherkin"], default="gherkin", help="the output format (gherkin)")
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="FILE.feature", help="write here (default: standard output)")
    add_store_options(parser)
    parser.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    """Read the conversation, write its scenario; what cannot be written is listed on stderr."""
    from runtime.store.errors import StoreError, StoreUnavailable

    if args.output is not None and args.output.exists():
        print(f"error: {args.output} exists; export to a new file (nothing is overwritten)", file=sys.stderr)
        return EXIT_USAGE

    async def read() -> list[Any]:
        store = open_store_from_args(args)
        try:
            return await read_conversation(store, args.conversation_id)
        finally:
            await store.close()

    try:
        messages = asyncio.run(read())
        text, skipped = gherkin_for(args.conversation_id, messages)
    except StoreUnavailable as exc:
        print(f"error: cannot use the store {args.store}: {exc}", file=sys.stderr)
        return EXIT_SERVICE_ERROR
    except (StoreError, LookupError, RecordingError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for line in skipped:
        print(f"warning: left out {line}", file=sys.stderr)
    if args.output is None:
        sys.stdout.write(text)
    else:
        with args.output.open("x", encoding="utf-8") as out:
            out.write(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


@dataclass
class ConverseRecorder:
    """Collects a converse session's exchanges; writes the feature file when the session ends."""

    path: Path
    bot_name: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    exchanges: list[Exchange] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, bot_name: str) -> ConverseRecorder | None:
        """A recorder for ``path``; None (after saying why) when it would overwrite a file or cannot be written."""
        if path.suffix != ".feature":
            print(f"error: --record {path}: the file must end in .feature", file=sys.stderr)
            return None
        if path.exists():
            print(f"error: --record {path}: the file exists; record to a new file (nothing is overwritten)", file=sys.stderr)
            return None
        if not path.parent.is_dir():
            print(f"error: --record {path}: no folder {path.parent}", file=sys.stderr)
            return None
        return cls(path, bot_name)

    def add(self, text: str, response: dict[str, Any] | None, error: str | None = None) -> None:
        self.exchanges.append(Exchange(text, response, error))

    def save(self) -> int:
        """Write the scenario; exit 1 when nothing was said (no file is written then)."""
        title = f"Conversation recorded {self.started:%Y-%m-%d %H:%M} UTC"
        try:
            text = scenario_text(f"{self.bot_name} conversation", title, self.exchanges, self.started)
        except RecordingError as exc:
            print(f"error: --record: {exc}", file=sys.stderr)
            return EXIT_FAILED
        # Exclusive creation: a file made meanwhile is not overwritten.
        with self.path.open("x", encoding="utf-8") as out:
            out.write(text)
        print(f"recorded {len(self.exchanges)} turns to {self.path}", file=sys.stderr)
        return EXIT_OK


def exchanges_from_messages(messages: list[Any]) -> tuple[list[Exchange], list[str]]:
    """Each user message and the bot replies stored for it (``inReplyTo``), as Lex-shaped responses; and what was left out."""
    replies: dict[str, list[Any]] = {}
    for message in messages:
        if message.role == "bot":
            replies.setdefault(str(message.metadata.get("inReplyTo", "")), []).append(message)
    exchanges: list[Exchange] = []
    skipped: list[str] = []
    for message in messages:
        if message.role != "user":
            if message.role != "bot" or str(message.metadata.get("inReplyTo", "")) not in {m.message_id for m in messages}:
                skipped.append(f"{message.message_id}: a {message.role} message answering no user message of this conversation")
            continue
        answers = replies.get(message.message_id, [])
        if not answers:
            skipped.append(f"{message.message_id}: the bot did not answer {message.content[:60]!r} (not addressed to it, or it failed)")
            continue
        exchanges.append(Exchange(message.content, _lex_shaped(answers)))
    return exchanges, skipped


def _lex_shaped(answers: list[Any]) -> dict[str, Any]:
    """A RecognizeText-shaped response rebuilt from the metadata the chat runtime stores with each bot reply."""
    first = answers[0].metadata
    lex_messages: list[dict[str, Any]] = []
    for answer in answers:
        card = answer.metadata.get("responseCard")
        if isinstance(card, dict):
            lex_messages.append({"contentType": "ImageResponseCard", "imageResponseCard": card})
        else:
            lex_messages.append({"contentType": answer.metadata.get("contentType", "PlainText"), "content": answer.content})
    slots = first.get("slots") if isinstance(first.get("slots"), dict) else {}
    intent: dict[str, Any] = {
        "name": first.get("intent"),
        "state": first.get("intentState"),
        "slots": {name: ({"value": {"interpretedValue": value}} if value is not None else None) for name, value in slots.items()},
    }
    action = first.get("dialogAction") if isinstance(first.get("dialogAction"), dict) else {}
    return {"messages": lex_messages, "sessionState": {"intent": intent, "dialogAction": action}}


MAX_EXPORTED_MESSAGES = 10_000  # a conversation longer than this is not a test


async def read_conversation(store: Any, conversation_id: str) -> list[Any]:
    """Every stored message of the conversation, oldest first; LookupError when there is none."""
    messages: list[Any] = []
    after: str | None = None
    while len(messages) < MAX_EXPORTED_MESSAGES:
        page = await store.messages_after(conversation_id, after, limit=500)
        if not page:
            break
        messages.extend(page)
        after = page[-1].message_id
    if not messages:
        raise LookupError(f"conversation {conversation_id!r} has no stored messages (unknown id, or they expired)")
    return messages[:MAX_EXPORTED_MESSAGES]


def gherkin_for(conversation_id: str, messages: list[Any]) -> tuple[str, list[str]]:
    """The feature text of a stored conversation, and the messages it leaves out."""
    exchanges, skipped = exchanges_from_messages(messages)
    users = [m for m in messages if m.role == "user"]
    started = datetime.fromtimestamp(messages[0].created_at, UTC)
    attributes = {"customer": users[0].sender_name} if users else None
    senders = sorted({m.sender_name for m in users})
    if len(senders) > 1:
        skipped.append(f"several people spoke ({', '.join(senders)}); the scenario sends every message as {senders[0]!r}")
    text = scenario_text(f"Conversation {conversation_id}", f"Exported conversation {conversation_id}", exchanges, started, attributes)
    return text, skipped
