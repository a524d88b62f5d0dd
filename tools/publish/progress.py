"""Progress for long waits: one updating line on a terminal, plain lines in logs and CI."""

from __future__ import annotations

import sys
from typing import TextIO


class Progress:
    """Writes steps as lines, and statuses either in place (TTY) or as lines when they change."""

    def __init__(self, stream: TextIO | None = None, *, tty: bool | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self._last_status: str | None = None
        self._open_line = False

    def line(self, text: str) -> None:
        """A permanent line (a step started or finished)."""
        self._close()
        self.stream.write(text + "\n")
        self.stream.flush()

    def status(self, text: str, *, key: str | None = None) -> None:
        """A transient status; on a TTY it overwrites the previous one.

        Elsewhere a line is written only when ``key`` (default: the text) changes, so a
        log shows each status once instead of once per poll.
        """
        dedupe = text if key is None else key
        if self.tty:
            self.stream.write("\r\x1b[K" + text)
            self._open_line = True
        elif dedupe != self._last_status:
            self.stream.write(text + "\n")
        self._last_status = dedupe
        self.stream.flush()

    def settle(self, text: str) -> None:
        """End a run of statuses: the final text stays on a TTY; elsewhere it is written if new."""
        if self.tty:
            self.stream.write("\r\x1b[K" + text + "\n")
            self._open_line = False
        elif text != self._last_status:
            self.stream.write(text + "\n")
        self._last_status = None
        self.stream.flush()

    def _close(self) -> None:
        if self._open_line:
            self.stream.write("\n")
            self._open_line = False
        self._last_status = None
