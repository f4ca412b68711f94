"""Pacemaker's spellings of scalar values: booleans, durations, scores, integers.

Each function mirrors the C helper Pacemaker uses for the same attribute, so a CIB
means the same thing here as in ``pacemaker-schedulerd``.
"""

from __future__ import annotations

import re
from typing import Final

from placement.score import INFINITY, clamp, parse_score

_TRUE: Final = frozenset({"true", "on", "yes", "y", "1"})
_FALSE: Final = frozenset({"false", "off", "no", "n", "0"})

# compat(pacemaker): crm_get_msec units; a bare number is seconds.
_UNITS_MS: Final = {
    "": 1000,
    "s": 1000,
    "sec": 1000,
    "ms": 1,
    "msec": 1,
    "us": 0.001,
    "usec": 0.001,
    "m": 60_000,
    "min": 60_000,
    "h": 3_600_000,
    "hr": 3_600_000,
}
_DURATION: Final = re.compile(r"^\s*(\d+)\s*([a-z]*)\s*$")
_ISO_PART: Final = re.compile(r"(\d+)([YMWDHS])")
# Seconds per ISO 8601 unit; "M" before the "T" is a month (taken as 30 days).
_ISO_SECONDS: Final = {"Y": 365 * 86400, "W": 7 * 86400, "D": 86400, "H": 3600, "S": 1}
# compat(pacemaker): char2score's colour names (node-health defaults: red bans, others 0).
_COLOURS: Final = {"red": -INFINITY, "yellow": 0, "green": 0}


def is_true(text: str | None) -> bool:
    """``crm_is_true``: true, on, yes, y or 1 (any case).

    >>> is_true("Yes"), is_true("0"), is_true(None)
    (True, False, False)
    """
    return text is not None and text.strip().lower() in _TRUE


def parse_bool(text: str) -> bool | None:
    """A boolean, or None when ``text`` is neither a true nor a false spelling.

    >>> parse_bool("off"), parse_bool("maybe")
    (False, None)
    """
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return None


def parse_duration_ms(text: str) -> int | None:
    """A duration in milliseconds (``10s``, ``1m``, ``500ms``, ``PT10S``); None if unreadable.

    ISO 8601 durations are read as Pacemaker's ``crm_time_parse_duration`` reads them,
    which also accepts a time unit without the ``T`` (``P10S``).

    >>> [parse_duration_ms(text) for text in ("10s", "2min", "PT1M30S", "0")]
    [10000, 120000, 90000, 0]
    >>> parse_duration_ms("P10S"), parse_duration_ms("P1D")
    (10000, 86400000)
    >>> parse_duration_ms("soon") is None
    True
    """
    word = text.strip().lower()
    match = _DURATION.match(word)
    if match:
        factor = _UNITS_MS.get(match.group(2))
        return None if factor is None else int(int(match.group(1)) * factor)
    return _iso_duration_ms(text.strip().upper())


def _iso_duration_ms(word: str) -> int | None:
    if not word.startswith("P") or len(word) < 3:
        return None
    date_part, _, time_part = word[1:].partition("T")
    seconds = 0
    for part, in_time in ((date_part, False), (time_part, True)):
        matched = _ISO_PART.findall(part)
        if "".join(n + u for n, u in matched) != part:
            return None
        for number, unit in matched:
            if unit == "M":
                seconds += int(number) * (60 if in_time else 30 * 86400)
            else:
                seconds += int(number) * _ISO_SECONDS[unit]
    return seconds * 1000


def parse_score_or_none(text: str) -> int | None:
    """A score as ``char2score`` reads it, or None when there is no number at all.

    Like Pacemaker, a trailing fraction or unit is ignored (``1.0`` is 1) and the
    colour names count as node-health scores.

    >>> parse_score_or_none("+INFINITY"), parse_score_or_none("1.0"), parse_score_or_none("red")
    (1000000, 1, -1000000)
    >>> parse_score_or_none("high") is None
    True
    """
    word = text.strip()
    if word.lower() in _COLOURS:
        return _COLOURS[word.lower()]
    try:
        return parse_score(word)
    except ValueError:
        pass
    match = re.match(r"^([+-]?\d+)", word)
    return clamp(int(match.group(1))) if match else None


def parse_int_prefix(text: str | None) -> int:
    """``crm_parse_int``-style: the leading integer of ``text``, 0 when there is none.

    Utilization and similar counters use this, so ``"2G"`` reads as 2 and junk as 0.

    >>> parse_int_prefix("2048"), parse_int_prefix("-3x"), parse_int_prefix("lots")
    (2048, -3, 0)
    """
    if text and text.isascii() and text.isdigit():
        return int(text)  # the common case, without the expression
    match = _INT_PREFIX.match(text or "")
    return int(match.group(1)) if match else 0


_INT_PREFIX: Final = re.compile(r"^\s*([+-]?\d+)")


def version_below(version: str | None, than: str) -> bool:
    """``compare_version(version, than) < 0``: dotted numbers compared field by field, a
    missing field as 0, and a missing version below every other.

    >>> version_below(None, "3.0.13"), version_below("3.0.9", "3.0.13"), version_below("3.16.1", "3.0.13")
    (True, True, False)
    """
    if version is None:
        return True

    def fields(text: str) -> list[int]:
        return [parse_int_prefix(part) for part in text.split(".")] if text else []

    mine, other = fields(version), fields(than)
    width = max(len(mine), len(other))
    return mine + [0] * (width - len(mine)) < other + [0] * (width - len(other))
