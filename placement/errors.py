"""Diagnostics and the errors the library raises; the CLI maps them to exit codes.

The library never prints or exits: it raises one of these, carrying every problem
it found with its position, and `placement.cli` decides what the user sees.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from placement.model import Span


class ExitCode(enum.IntEnum):
    """Exit codes shared by every command (documented in the README)."""

    OK = 0
    INVALID = 1  # invalid input: syntax, unknown names, contradictions, malformed XML/JSON
    USAGE = 2  # wrong command-line usage
    UNSUPPORTED = 3  # the input uses a feature placement cannot represent yet


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in the input, with where it is and the offending source line."""

    severity: Severity
    message: str
    span: Span | None = None
    source_line: str | None = None

    def __str__(self) -> str:
        where = f"{self.span}: " if self.span else ""
        text = f"{where}{self.severity.value}: {self.message}"
        if self.span and self.source_line is not None:
            caret = " " * (max(self.span.column, 1) - 1) + "^"
            text += f"\n    {self.source_line}\n    {caret}"
        return text


class PlacementError(Exception):
    """Base of every error placement raises for bad input."""

    exit_code = ExitCode.INVALID


class InvalidInput(PlacementError):
    """The input is wrong; ``diagnostics`` lists every problem found (errors first)."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic | str) -> None:
        if isinstance(diagnostics, str):
            diagnostics = Diagnostic(Severity.ERROR, diagnostics)
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class Unsupported(PlacementError):
    """The input is valid but uses something placement cannot plan with yet."""

    exit_code = ExitCode.UNSUPPORTED

    def __init__(self, feature: str, element: str | None = None) -> None:
        self.feature = feature
        self.element = element
        detail = f" ({element})" if element else ""
        super().__init__(f"unsupported: {feature}{detail}")
