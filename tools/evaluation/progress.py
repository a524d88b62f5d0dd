"""Progress of a long evaluation on stderr: a redrawn bar on a terminal, a line every tenth otherwise."""

from __future__ import annotations

import sys
from typing import TextIO

BAR_WIDTH = 30


class Progress:
    """Counts finished items of ``total`` and shows it without flooding logs."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, *, min_total: int = 50) -> None:
        self.total = total
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.enabled = total >= min_total  # a short run finishes before a bar would help
        self.tty = self.enabled and self.stream.isatty()
        self._next_line = max(1, total // 10)

    def advance(self, n: int = 1) -> None:
        """Record ``n`` more finished items."""
        self.done = min(self.total, self.done + n)
        if not self.enabled:
            return
        if self.tty:
            filled = BAR_WIDTH * self.done // max(1, self.total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stream.write(f"\r{self.label} [{bar}] {self.done}/{self.total}")
            if self.done == self.total:
                self.stream.write("\n")
            self.stream.flush()
        elif self.done >= self._next_line or self.done == self.total:
            self.stream.write(f"{self.label}: {self.done}/{self.total}\n")
            self.stream.flush()
            self._next_line = self.done + max(1, self.total // 10)
