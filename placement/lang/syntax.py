"""Parse text into a lark tree, turning lark's errors into diagnostics people can read.

The message says what was expected in words ("a score or 'inf'"), not token names,
and after which words of the line it went wrong.
"""

from __future__ import annotations

from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedEOF, UnexpectedInput, UnexpectedToken

from placement.errors import Diagnostic, InvalidInput, Severity
from placement.lang.grammar import parser
from placement.model import Span

# Terminals in words. Keywords (anonymous string terminals) are quoted automatically.
TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": "a quoted name",
    "INT": "a whole number",
    "PARAM": "key=value",
    "AGENT": "an agent like ocf:heartbeat:IPaddr2",
    "DURATION": "a duration like 10s",
    "LITERAL": "a value",
    "COMPARATOR": "a comparison (==, !=, <, <=, >, >=)",
    "_NL": "end of line",
    "$END": "end of file",
}
SCORE_TERMINALS = {"INT", "INF", "POS_INF", "NEG_INF"}


def parse_tree(text: str, path: str | None = None) -> Tree:
    """Parse ``text`` (the contents of ``path``) or raise `InvalidInput` with one diagnostic."""
    return parse_with(parser(), text, path)


def parse_with(lark: Lark, text: str, path: str | None = None) -> Any:
    """What ``lark`` makes of ``text`` (a tree, or what its inline transformer builds).

    Raises `InvalidInput` with one diagnostic for a syntax error.
    """
    if not text.endswith("\n"):
        text += "\n"  # every statement ends with a newline, including the last one
    try:
        return lark.parse(text)
    except UnexpectedInput as error:
        raise InvalidInput(syntax_diagnostic(error, text, path, lark)) from None


def syntax_diagnostic(error: UnexpectedInput, text: str, path: str | None,
                      lark: Lark | None = None) -> Diagnostic:
    """A diagnostic for a lark error: position, expectation in words, what was found.

    ``lark`` is the parser that raised it (any parser of the grammar: they share terminals).
    """
    lines = text.splitlines()
    line_no = max(getattr(error, "line", 1) or 1, 1)
    column = max(getattr(error, "column", 1) or 1, 1)
    if isinstance(error, UnexpectedEOF) or line_no > len(lines):
        line_no, column = len(lines), len(lines[-1]) + 1 if lines else 1
    source = lines[line_no - 1] if lines else ""
    found = _found(error, source, column)
    if found == "end of line":
        # Point just past the last word rather than at the line's end whitespace.
        column = len(source.split("#", 1)[0].rstrip()) + 1
    context = f" after '{_context(source, column)}'" if _context(source, column) else ""
    if isinstance(error, (UnexpectedToken, UnexpectedEOF)):
        expected = _expected_words(_relevant(_expected_terminals(error), error), lark or parser())
        message = f"expected {expected}{context}, got {found}"
    else:
        # A character no token can start with: the lexer's list of everything is no help.
        message = f"unexpected {found}{context}"
    return Diagnostic(Severity.ERROR, message, Span(path, line_no, column), source)


# Terminals that stand for a value the user writes (as opposed to a keyword).
VALUE_TERMINALS = SCORE_TERMINALS | {"NAME", "STRING", "AGENT", "DURATION", "LITERAL"}
ROLE_WORDS = ("promoted", "unpromoted", "started", "stopped")


def _relevant(expected: set[str], error: UnexpectedInput) -> set[str]:
    """When a word was found where a value could go, the value is what was meant."""
    token = getattr(error, "token", None)
    wordlike = token is not None and token.type in {"NAME", "LITERAL", "INT", "DURATION"}
    values = expected & VALUE_TERMINALS
    return values if wordlike and values else expected


def _expected_terminals(error: UnexpectedInput) -> set[str]:
    # UnexpectedToken/EOF say `expected`; UnexpectedCharacters says `allowed`.
    return set(getattr(error, "expected", None) or getattr(error, "allowed", None) or ())


def _found(error: UnexpectedInput, source: str, column: int) -> str:
    if isinstance(error, UnexpectedToken):
        token: Token = error.token
        if token.type == "_NL":
            return "end of line"
        if token.type == "$END":
            return "end of file"
        return f"'{token.value}'"
    if isinstance(error, UnexpectedEOF):
        return "end of file"
    char = getattr(error, "char", "")
    if char and (not char.isprintable() or char.isspace()):
        return f"invisible character U+{ord(char):04X}"
    if char:
        return f"character '{char}'"
    rest = source[column - 1 :].split()
    return f"'{rest[0]}'" if rest else "end of line"


def _expected_words(terminals: set[str], lark: Lark) -> str:
    """Describe a set of expected terminals, e.g. ``a score or 'inf'``."""
    if not terminals:
        return ""
    by_name = {t.name: t for t in lark.terminals}
    words: list[str] = []
    if terminals & SCORE_TERMINALS:
        words.append("a score or 'inf'" if "INT" in terminals else "'inf'")
    roles = False
    for name in sorted(terminals - SCORE_TERMINALS, key=_rank):
        if name in TERMINAL_WORDS:
            words.append(TERMINAL_WORDS[name])
        elif name in by_name and by_name[name].pattern.type == "str":
            value = by_name[name].pattern.value
            if value in ROLE_WORDS:
                roles = True
            else:
                words.append(f"'{value}'")
        else:
            words.append(name.lower())
    if roles:
        words.insert(len([w for w in words if w.startswith("'")]), "a role (" + ", ".join(ROLE_WORDS) + ")")
    words = list(dict.fromkeys(words))
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _rank(name: str) -> tuple[int, str]:
    # Keywords and values first, the catch-alls (key=value, end of line) last.
    order = {"PARAM": 2, "_NL": 3, "$END": 4}
    return (order.get(name, 1 if name in TERMINAL_WORDS else 0), name)


def _context(source: str, column: int) -> str:
    """The last two words before ``column`` on the line: what the error came after."""
    words = source[: column - 1].split("#", 1)[0].split()
    return " ".join(words[-2:])
