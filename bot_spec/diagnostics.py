"""Diagnostics a person reads: code, severity, file:line:column, message and fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a spec, located as precisely as the source allows."""

    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    fix: str | None = None
    path: str | None = None  # the field, as a dotted path (slots[0].type)

    def location(self) -> str:
        """``file:line:column`` with whatever parts are known."""
        parts = [self.file or "<spec>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def render(self) -> str:
        """One human line (plus a fix line when there is one)."""
        where = f" ({self.path})" if self.path else ""
        text = f"{self.location()}: {self.severity} {self.code}: {self.message}{where}"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "fix": self.fix,
            "path": self.path,
        }


class SpecError(Exception):
    """A spec could not be loaded; carries every diagnostic found, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.render() for d in diagnostics))
