"""Parsing and printing the small value types of the language: booleans, sizes, durations.

Each parser raises ``ValueError`` with a message fit for a diagnostic; each printer
gives the canonical text the formatter writes.
"""

from __future__ import annotations

import re
from typing import Final

TRUE_WORDS: Final = frozenset({"true", "yes", "on", "y", "1"})
FALSE_WORDS: Final = frozenset({"false", "no", "off", "n", "0"})

# Binary multipliers for utilization: memory=64G means 64 × 2^30 of the base unit.
SIZE_UNITS: Final = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
# Pacemaker's crm_get_msec suffixes; a bare number is seconds.
DURATION_UNITS: Final = {"ms": 1, "msec": 1, "": 1000, "s": 1000, "sec": 1000,
                         "m": 60_000, "min": 60_000, "h": 3_600_000, "hr": 3_600_000}

_NUMBER_WITH_UNIT = re.compile(r"([0-9]+)([A-Za-z]*)")


def parse_bool(text: str) -> bool:
    """Pacemaker's booleans: true/yes/on/y/1 and false/no/off/n/0.

    >>> parse_bool("on"), parse_bool("No")
    (True, False)
    """
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def parse_int(text: str) -> int:
    """A plain (signed) integer."""
    try:
        return int(text.strip(), 10)
    except ValueError:
        raise ValueError(f"expected a whole number, got {text!r}") from None


def parse_size(text: str) -> int:
    """A utilization amount: a whole number with an optional K/M/G/T (binary) suffix.

    >>> parse_size("64G"), parse_size("2048"), parse_size("1k")
    (68719476736, 2048, 1024)
    """
    match = _NUMBER_WITH_UNIT.fullmatch(text.strip())
    unit = match.group(2).upper() if match else None
    if match is None or unit not in SIZE_UNITS:
        raise ValueError(f"expected an amount like 16, 512M or 64G, got {text!r}")
    return int(match.group(1)) * SIZE_UNITS[unit]


def format_size(value: int) -> str:
    """Print an amount, with M/G/T only when exact (so 2048 stays 2048).

    >>> format_size(68719476736), format_size(2048), format_size(3 << 20)
    ('64G', '2048', '3M')
    """
    for unit in ("T", "G", "M"):
        factor = SIZE_UNITS[unit]
        if value and value % factor == 0:
            return f"{value // factor}{unit}"
    return str(value)


def parse_duration_ms(text: str) -> int:
    """A duration in milliseconds: ``10s``, ``500ms``, ``2m`` (minutes), ``1h``, or bare seconds.

    >>> parse_duration_ms("10s"), parse_duration_ms("500ms"), parse_duration_ms("2m"), parse_duration_ms("30")
    (10000, 500, 120000, 30000)
    """
    match = _NUMBER_WITH_UNIT.fullmatch(text.strip())
    unit = match.group(2).lower() if match else None
    if match is None or unit not in DURATION_UNITS:
        raise ValueError(f"expected a duration like 10s, 500ms, 2m or 1h, got {text!r}")
    return int(match.group(1)) * DURATION_UNITS[unit]


def format_duration_ms(value: int) -> str:
    """Print milliseconds the way people write them: seconds up to ten minutes.

    >>> format_duration_ms(10000), format_duration_ms(60000), format_duration_ms(900000)
    ('10s', '60s', '15m')
    >>> format_duration_ms(1500), format_duration_ms(0), format_duration_ms(7200000)
    ('1500ms', '0s', '2h')
    """
    if value and value % 3_600_000 == 0:
        return f"{value // 3_600_000}h"
    if value >= 600_000 and value % 60_000 == 0:
        return f"{value // 60_000}m"
    if value % 1000 == 0:
        return f"{value // 1000}s"
    return f"{value}ms"


_BARE = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_BARE_VALUE = re.compile(r'[^\s"#()\[\]{}]+')


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def unquote(text: str) -> str:
    r"""Undo the language's quoting; bare text is returned as is.

    >>> unquote('"a \\"b\\" \\n"') == 'a "b" \n'
    True
    """
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])
    return text


def quote(text: str) -> str:
    """Quote ``text`` as a string literal (the inverse of :func:`unquote`)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = escaped.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    return '"' + escaped + '"'


def format_name(name: str, keywords: frozenset[str] = frozenset()) -> str:
    """A name as written: bare when the grammar's NAME allows it and it is no keyword."""
    if _BARE.fullmatch(name) and name not in keywords:
        return name
    return quote(name)


_KEY = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.:#-]*")  # a leading # would start a comment


def format_key(key: str) -> str:
    """A ``key`` of ``key=value`` as written: bare when it is a plain word, else quoted."""
    return key if _KEY.fullmatch(key) else quote(key)


def format_value(value: str) -> str:
    """A parameter value as written after ``=``: bare when possible, else quoted."""
    if _BARE_VALUE.fullmatch(value):
        return value
    return quote(value)
