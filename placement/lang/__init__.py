"""The placement language: parse text into a `Config`, check it, print it back.

>>> from placement.lang import loads, dumps
>>> config = loads("node alice\\nresource vip ocf:heartbeat:IPaddr2 ip=192.0.2.5\\n"
...                "location vip prefers alice 50")
>>> print(dumps(config), end="")
node alice
<BLANKLINE>
resource vip ocf:heartbeat:IPaddr2 ip=192.0.2.5
<BLANKLINE>
location vip prefers alice 50
"""

from __future__ import annotations

import re
from pathlib import Path

from placement.errors import Diagnostic, InvalidInput, Severity
from placement.lang.build import build_text
from placement.lang.check import check
from placement.lang.fmt import dumps
from placement.model import Config, Span

__all__ = ["check", "dumps", "load", "loads", "parse"]


def parse(text: str, path: str | None = None) -> tuple[Config, list[Diagnostic]]:
    """Parse and check ``text``: the configuration and every diagnostic (errors and warnings).

    Raises `InvalidInput` only for a syntax error (nothing can be built past one).
    """
    config, problems = build_text(text, path)
    diagnostics = problems + check(config)
    if not diagnostics:
        return config, []
    lines = text.splitlines()
    return config, [_with_source(d, lines) for d in _sorted(diagnostics)]


def loads(text: str, path: str | None = None) -> Config:
    """The configuration written in ``text``; raises `InvalidInput` listing every error."""
    config, diagnostics = parse(text, path)
    errors = [d for d in diagnostics if d.severity is Severity.ERROR]
    if errors:
        raise InvalidInput(errors)
    return config


def load(path: str | Path) -> Config:
    """The configuration in the ``.place`` file at ``path``."""
    return loads(read_text(path), str(path))


def read_text(path: str | Path) -> str:
    """A file's text, with unreadable files reported as invalid input, not a traceback."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise InvalidInput(f"{path}: cannot read: {reason}") from None


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    def key(d: Diagnostic) -> tuple[int, int, int]:
        return (0 if d.severity is Severity.ERROR else 1,
                d.span.line if d.span else 0, d.span.column if d.span else 0)
    return sorted(diagnostics, key=key)


_UNKNOWN_NAME = re.compile(r"(?:resource|node|device) '([^']+)' does not exist")


def _with_source(diagnostic: Diagnostic, lines: list[str]) -> Diagnostic:
    """Attach the source line; point the caret at the unknown name when there is one."""
    span = diagnostic.span
    if span is None or diagnostic.source_line is not None or not 0 < span.line <= len(lines):
        return diagnostic
    line = lines[span.line - 1]
    unknown = _UNKNOWN_NAME.search(diagnostic.message)
    if unknown:
        # The model keeps one position per statement; the name is somewhere after it.
        word = re.compile(rf"(?<![\w.-]){re.escape(unknown.group(1))}(?![\w.-])")
        found = word.search(line, span.column)
        if found:
            span = Span(span.file, span.line, found.start() + 1)
    return Diagnostic(diagnostic.severity, diagnostic.message, span, line)
