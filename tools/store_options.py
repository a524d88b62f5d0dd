"""The chat store's command-line options, for the commands that read or write it outside the runtime."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.store.base import Store


def add_store_options(parser: Any) -> None:
    """``--store``, ``--table-prefix``, ``--dynamodb-endpoint`` and ``--aws-region``, defaulting to the CHAT_LEX_* settings."""
    from runtime.store.base import DEFAULT_STORE_URL  # here, not at the top: `chat-lex --help` loads every command module

    parser.add_argument(
        "--store",
        default=os.environ.get("CHAT_LEX_STORE", DEFAULT_STORE_URL),
        help=f"sqlite:PATH or dynamodb [CHAT_LEX_STORE; default {DEFAULT_STORE_URL}]",
    )
    parser.add_argument("--table-prefix", default=os.environ.get("CHAT_LEX_TABLE_PREFIX", "chat-lex-"), help="DynamoDB table prefix")
    parser.add_argument("--dynamodb-endpoint", default=os.environ.get("CHAT_LEX_DYNAMODB_ENDPOINT"), help="DynamoDB endpoint URL")
    parser.add_argument("--aws-region", default=os.environ.get("CHAT_LEX_AWS_REGION", "us-east-1"), help="AWS region for DynamoDB")


def open_store_from_args(args: argparse.Namespace) -> Store:
    """The store the options name."""
    from runtime.store import open_store

    return open_store(args.store, table_prefix=args.table_prefix, endpoint_url=args.dynamodb_endpoint, region=args.aws_region)
