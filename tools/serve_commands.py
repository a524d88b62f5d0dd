"""`chat-lex serve`: run the chat runtime (WebSocket, REST, web UI) with the backends the flags or CHAT_LEX_* name."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Any

from runtime.web.settings import Settings, SettingsError, env_name
from tools.exit_codes import EXIT_INPUT_ERROR, EXIT_OK, EXIT_SERVICE_ERROR, EXIT_USAGE

_HELP = {
    "bot": "local:<spec folder> (the local engine), aws:<botId>/<aliasId>/<localeId>, or none",
    "aws_region": "AWS region for Lex (and DynamoDB)",
    "code_hook": "local bots: this code hook instead of the spec's (python:MOD:FN, node:FILE[:EXPORT], command:'CMD', lambda:ARN, none)",
    "bot_timeout": "seconds to wait for the bot before telling users it is unavailable",
    "bot_locales": "aws bots: more locale ids users may pick besides the one in --bot, comma-separated (e.g. es_ES,fr_FR)",
    "store": "sqlite:<path> or dynamodb",
    "table_prefix": "DynamoDB table name prefix",
    "dynamodb_endpoint": "DynamoDB endpoint URL (e.g. a local emulator)",
    "auth": "local (tokens signed here) or cognito",
    "auth_key_dir": "folder of the local provider's RS256 signing key (created when missing)",
    "auth_issuer": "the local provider's token issuer; the same on every process",
    "auth_client_id": "the local provider's client id (token audience)",
    "cognito_user_pool_id": "Cognito user pool id",
    "cognito_client_id": "Cognito app client id",
    "cognito_region": "Cognito region (default: --aws-region)",
    "cognito_endpoint": "Cognito endpoint URL (e.g. moto server)",
    "cognito_jwks_url": "JWKS URL (default: the user pool's)",
    "channels": "memory (one process) or redis://host:port/db (several processes)",
    "channel_prefix": "prefix of the Redis channel and keys",
    "host": "address to listen on",
    "port": "port to listen on",
    "max_message_chars": "longest message, in characters after trimming",
    "rate_per_minute": "frames per minute per user",
    "auth_rate_per_minute": "/auth/* requests per minute per client address and per username",
    "revocation_check_seconds": "seconds between checks of open sockets against the revocation list (sign-out)",
    "auth_frame_seconds": "seconds a socket opened without a token has to send its auth frame",
    "message_ttl_days": "days to keep messages (0: forever)",
    "send_backlog": "frames queued per connection before it is closed as too slow",
    "max_connections_per_user": "open sockets per user on this process",
    "log_level": "debug, info, warning or error",
    "debug": "log message content and access lines",
    "static_dir": "folder of the web UI files",
    "transport": "websocket (this server's own socket) or apigw (a local API Gateway running the serverless Lambda handlers)",
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "serve",
        help="run the chat runtime (WebSocket + REST + web UI)",
        description="Serve the chat runtime. Every flag can also be set as the CHAT_LEX_<NAME> environment variable; flags win.",
    )
    defaults = Settings()
    for spec in dataclasses.fields(Settings):
        flag = "--" + spec.name.replace("_", "-")
        default = getattr(defaults, spec.name)
        help_text = f"{_HELP.get(spec.name, spec.name)} [{env_name(spec.name)}; default {default}]"
        if spec.type == "bool":
            parser.add_argument(flag, dest=spec.name, action="store_const", const=True, default=None, help=help_text)
        elif spec.type == "int":
            parser.add_argument(flag, dest=spec.name, type=int, default=None, metavar="N", help=help_text)
        elif spec.type == "float":
            parser.add_argument(flag, dest=spec.name, type=float, default=None, metavar="SECONDS", help=help_text)
        elif spec.type == "Path":
            parser.add_argument(flag, dest=spec.name, type=Path, default=None, metavar="DIR", help=help_text)
        else:
            parser.add_argument(flag, dest=spec.name, default=None, metavar="VALUE", help=help_text)
    parser.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    overrides = {spec.name: getattr(args, spec.name, None) for spec in dataclasses.fields(Settings)}
    try:
        settings = Settings.from_env(**overrides)
    except SettingsError as exc:  # a flag or its CHAT_LEX_* variable is malformed: bad usage
        print(f"chat-lex serve: {exc}", file=sys.stderr)
        return EXIT_USAGE
    from runtime.web.app import create_app
    from runtime.web.server import serve

    try:
        if settings.transport == "apigw":
            from runtime.serverless.local_chat import chat_gateway

            gateway_lifespan, socket_routes = chat_gateway(settings)
            app = create_app(settings, socket_routes=socket_routes, lifespans=[gateway_lifespan])
        else:
            app = create_app(settings)
    except SettingsError as exc:
        print(f"chat-lex serve: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except Exception as exc:  # a backend that cannot be opened: say which and why, without a traceback
        print(f"chat-lex serve: cannot start: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_SERVICE_ERROR
    described = app.state.chat.backends.descriptions
    socket = "API Gateway (local), Lambda handlers in process" if settings.transport == "apigw" else "WebSocket"
    print(f"chat-lex runtime on http://{settings.host}:{settings.port}  ({socket}: ws://{settings.host}:{settings.port}/ws)")
    for name in ("bot", "store", "auth", "channels"):
        print(f"  {name:<9}{described.get(name, '?')}")
    sys.stdout.flush()
    serve(app, settings)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """`python -m tools.serve_commands [flags]`: the serve command alone, without loading every other subcommand."""
    parser = argparse.ArgumentParser(prog="chat-lex")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["serve", *(sys.argv[1:] if argv is None else argv)])
    code: int = args.func(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
