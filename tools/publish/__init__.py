"""``chat-lex publish`` and ``chat-lex deploy``: the bot to Amazon Lex V2, the stacks to CloudFormation."""

from __future__ import annotations

import argparse

from tools.publish import deploy_command, publish_command


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``publish`` and ``deploy`` subcommands."""
    publish_command.register(subparsers)
    deploy_command.register(subparsers)
