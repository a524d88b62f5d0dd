"""The errors the code hook raises: a malformed event, a broken reply, an invalid response."""

from __future__ import annotations


class InvalidEvent(ValueError):
    """The input is not a Lex V2 code-hook event; ``path`` names the offending field."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"invalid Lex V2 code-hook event: {path}: {problem}")


class ReplyError(LookupError):
    """A reply template is missing, malformed, or uses a variable it was not given."""


class InvalidResponse(ValueError):
    """A response breaks Lex V2's code-hook response rules; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid Lex V2 code-hook response: " + "; ".join(problems))
