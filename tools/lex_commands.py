"""``chat-lex lex-serve`` (the local Lex V2 runtime over HTTP) and ``chat-lex converse`` (a terminal chat)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import uuid
from pathlib import Path
from typing import Any, TextIO

from bot_spec import SEED_BOT_DIR
from tools.code_hook_option import add_code_hook_option
from tools.exit_codes import EXIT_OK, EXIT_SERVICE_ERROR, EXIT_USAGE

DEFAULT_BOT_DIR = SEED_BOT_DIR


def register(subparsers: Any) -> None:
    """Add ``lex-serve`` and ``converse``."""
    serve = subparsers.add_parser(
        "lex-serve",
        help="serve a bot on the Lex V2 runtime REST API (point boto3's endpoint_url at it)",
        description="Serve the bot with the local Lex V2 engine. Prints one line with the ids to use, then serves.",
    )
    serve.add_argument("bot_dir", nargs="?", type=Path, default=DEFAULT_BOT_DIR, help="bot spec folder (default: the seed bot)")
    serve.add_argument("--host", default=os.environ.get("CHAT_LEX_LEX_HOST", "127.0.0.1"), help="address to bind (CHAT_LEX_LEX_HOST)")
    serve.add_argument("--port", type=int, default=int(os.environ.get("CHAT_LEX_LEX_PORT", "8010")), help="port (CHAT_LEX_LEX_PORT)")
    add_code_hook_option(serve)
    serve.set_defaults(func=run_lex_serve)

    converse = subparsers.add_parser(
        "converse",
        help="chat with a bot in the terminal through the local Lex V2 engine",
        description="Type to the bot; reads stdin line by line when it is not a terminal, so a dialogue can be piped in.",
    )
    converse.add_argument("bot_dir", nargs="?", type=Path, default=DEFAULT_BOT_DIR, help="bot spec folder (default: the seed bot)")
    converse.add_argument("--explain", action="store_true", help="show intent, confidence, dialog action, slots and interpretations")
    converse.add_argument("--locale", default="en_US", help="locale id (default en_US)")
    converse.add_argument("--session-id", default=None, help="session id (default: a new random one)")
    add_code_hook_option(converse)
    converse.add_argument(
        "--record", type=Path, default=None, metavar="FILE.feature", help="write the dialogue as a scenario that passes when run again"
    )
    converse.set_defaults(func=run_converse)


def _check_bot_dir(bot_dir: Path) -> bool:
    if not bot_dir.is_dir():
        print(f"error: {bot_dir} is not a folder; give a bot spec folder (with bot.yaml), e.g. bot_spec/chatbot", file=sys.stderr)
        return False
    return True


def _open_local(args: argparse.Namespace) -> tuple[Any, Any] | None:
    """The engine serving ``args.bot_dir`` with ``--code-hook`` or the spec's hooks; None (said why) when a hook cannot open."""
    from runtime.lex.engine import local_runtime_for
    from runtime.lex.hook_loader import CodeHookError

    try:
        return local_runtime_for(args.bot_dir, code_hook=args.code_hook)
    except CodeHookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return None


def run_lex_serve(args: argparse.Namespace) -> int:
    """Load the bot, print its ids, serve until interrupted."""
    import uvicorn

    from runtime.lex.h2c import SniffingProtocol
    from runtime.lex.http import create_lex_http_app

    if not _check_bot_dir(args.bot_dir):
        return EXIT_USAGE
    if not 0 < args.port < 65536:
        print(f"error: --port {args.port} is not a TCP port (1-65535)", file=sys.stderr)
        return EXIT_USAGE
    opened = _open_local(args)
    if opened is None:
        return EXIT_USAGE
    runtime, deployment = opened
    print(f"botId={deployment.bot_id} botAliasId={deployment.alias_id} localeId={deployment.locale_ids[0]}", flush=True)
    # Request logs are JSON lines on stderr; stdout carries only the ids line above.
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    started = {
        "event": "lex_serve_started",
        "backend": "local Lex V2 engine",
        "bot": deployment.definition.name,
        "locales": deployment.locale_ids,
        "endpoint_url": f"http://{args.host}:{args.port}",
    }
    logging.getLogger("chat_lex.lex_serve").info(json.dumps(started))
    try:
        uvicorn.run(create_lex_http_app(runtime), host=args.host, port=args.port, log_level="warning", http=SniffingProtocol)
    except SystemExit as exc:  # uvicorn exits when it cannot bind; it has already said why
        print(f"error: could not serve on {args.host}:{args.port} (is the port in use?)", file=sys.stderr)
        return EXIT_SERVICE_ERROR if exc.code else EXIT_OK
    return EXIT_OK


def _card_lines(card: dict[str, Any]) -> list[str]:
    lines = [f"[card] {card.get('title', '')}"]
    if card.get("subtitle"):
        lines.append(f"       {card['subtitle']}")
    buttons = card.get("buttons") or []
    if buttons:
        lines.append("       buttons: " + "  ".join(f"[{b['text']}] -> {b['value']}" for b in buttons))
    return lines


def render_messages(response: dict[str, Any]) -> list[str]:
    """The bot's messages as terminal lines; cards show their buttons."""
    lines: list[str] = []
    for message in response.get("messages") or []:
        if message.get("contentType") == "ImageResponseCard":
            lines.extend("bot> " + line for line in _card_lines(message.get("imageResponseCard") or {}))
        else:
            lines.append(f"bot> {message.get('content', '')}")
    return lines


def _slot_value(slot: Any) -> str | None:
    if not isinstance(slot, dict) or not isinstance(slot.get("value"), dict):
        return None
    value = slot["value"]
    shown = value.get("interpretedValue", value.get("originalValue"))
    return None if shown is None else str(shown)


def render_explanation(response: dict[str, Any]) -> list[str]:
    """Intent, confidence, dialog action, slots and the ranked interpretations."""
    state = response.get("sessionState") or {}
    intent = state.get("intent") or {}
    action = state.get("dialogAction") or {}
    interpretations = response.get("interpretations") or []
    top = interpretations[0] if interpretations else {}
    score = (top.get("nluConfidence") or {}).get("score")
    lines = [
        f"  intent: {intent.get('name', '-')} ({intent.get('state', '-')}, confirmation {intent.get('confirmationState', '-')})"
        f"  confidence: {'-' if score is None else f'{score:.2f}'}",
        f"  dialogAction: {action.get('type', '-')}" + (f" slotToElicit={action['slotToElicit']}" if action.get("slotToElicit") else ""),
    ]
    slots = intent.get("slots") or {}
    if slots:
        lines.append("  slots: " + ", ".join(f"{name}={_slot_value(slot) or '-'}" for name, slot in slots.items()))
    ranked = []
    for item in interpretations:
        conf = (item.get("nluConfidence") or {}).get("score")
        ranked.append(f"{item['intent']['name']} {'-' if conf is None else f'{conf:.2f}'}")
    lines.append("  interpretations: " + " | ".join(ranked))
    return lines


def render_hook_logs(calls: list[dict[str, Any]]) -> list[str]:
    """The code-hook calls of a turn with the log lines each wrote (console.log, print, logging)."""
    lines: list[str] = []
    for call in calls:
        lines.append(f"  code hook: {call.get('invocationSource')} -> {(call.get('dialogAction') or {}).get('type')}")
        lines.extend(f"    log: {line}" for line in call.get("logs") or [])
    return lines


def run_converse(args: argparse.Namespace) -> int:
    """A read-eval-print loop over the local engine."""
    from runtime.lex.errors import LexError

    if not _check_bot_dir(args.bot_dir):
        return EXIT_USAGE
    opened = _open_local(args)
    if opened is None:
        return EXIT_USAGE
    runtime, deployment = opened
    if args.locale not in deployment.locale_ids:
        print(f"error: locale {args.locale} is not in the bot (it has: {', '.join(deployment.locale_ids)})", file=sys.stderr)
        return EXIT_USAGE
    session_id = args.session_id or f"converse-{uuid.uuid4().hex[:12]}"
    recorder = None
    if args.record is not None:
        from tools.record_commands import ConverseRecorder

        recorder = ConverseRecorder.open(args.record, deployment.definition.name)
        if recorder is None:
            return EXIT_USAGE
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"Talking to {deployment.definition.name} ({args.locale}); Ctrl-D ends.", flush=True)
    for line in _lines(sys.stdin, interactive):
        text = line.strip()
        if not text:
            continue
        if not interactive:
            print(f"you> {text}")
        try:
            response = runtime.recognize_text(
                botId=deployment.bot_id, botAliasId=deployment.alias_id, localeId=args.locale, sessionId=session_id, text=text
            )
        except LexError as error:
            print(f"error: {error.code}: {error.message}", file=sys.stderr, flush=True)
            if recorder is not None:
                recorder.add(text, None, f"{error.code}: {error.message}")
            continue
        if recorder is not None:
            recorder.add(text, dict(response))
        for out in render_messages(response):
            print(out)
        if args.explain:
            for out in render_explanation(response):
                print(out)
            explained = runtime.last_explanation(deployment.bot_id, deployment.alias_id, args.locale, session_id)
            print("  trace: " + json.dumps(explained["decisions"]))
            for out in render_hook_logs(explained.get("codeHooks") or []):
                print(out)
        sys.stdout.flush()
    return recorder.save() if recorder is not None else EXIT_OK


def _lines(stream: TextIO, interactive: bool) -> Any:
    if not interactive:
        yield from stream
        return
    while True:
        try:
            yield input("you> ")
        except EOFError:
            print()
            return
