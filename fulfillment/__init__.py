"""The Lex V2 code hook: Lex V2 event in, Lex V2 response out.

``handler`` is the Lambda entry point; ``create_dispatcher`` builds the same thing for
in-process callers (the local engine, tests) with an injectable clock.
"""

from fulfillment.dispatcher import Dispatcher
from fulfillment.errors import InvalidEvent, InvalidResponse, ReplyError
from fulfillment.hook_factory import HookSetup, hook_factory
from fulfillment.lambda_entry import handler
from fulfillment.seed_handlers import create_dispatcher

__all__ = ["Dispatcher", "HookSetup", "InvalidEvent", "InvalidResponse", "ReplyError", "create_dispatcher", "handler", "hook_factory"]
