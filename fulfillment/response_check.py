"""Lex V2's rules for a code-hook response, checked before the response leaves the handler.

Lex answers a response that breaks them with DependencyFailedException; checking here
turns a handler bug into a logged error and a polite message instead. The rules are the
local engine's too: both call `runtime.contracts.codehook_response`, which the Lambda zip carries.
"""

from __future__ import annotations

from runtime.contracts.codehook_response import response_problems


def check_response(response: object) -> list[str]:
    """Every rule the response breaks (field and what to do); an empty list means Lex accepts it."""
    return response_problems(response)
