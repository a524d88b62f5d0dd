"""The exit codes of every `chat-lex` command: the one table (docs/cli.md describes them to users).

0 ok; 1 the input has errors or the tests/checks failed; 2 bad usage (a malformed argument or
option); 3 an external service (AWS, Redis, a Lex endpoint) failed. The module imports nothing
of the project, so any command module can import it without an import circle.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INPUT_ERROR = 1
EXIT_FAILED = 1  # the same code as EXIT_INPUT_ERROR, named for commands that run tests or checks
EXIT_USAGE = 2
EXIT_SERVICE_ERROR = 3
