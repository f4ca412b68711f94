"""Scores with Pacemaker's arithmetic: integers clamped to ±INFINITY, bans win.

SEMANTICS.md §1: a score is an integer in [-1,000,000, +1,000,000]; adding two
scores gives -INFINITY if either is -INFINITY (a ban beats a requirement), else
+INFINITY if either is +INFINITY, else the plain sum clamped to the bounds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

INFINITY: Final = 1_000_000


def clamp(value: int) -> int:
    """Clamp an integer into the score range.

    >>> clamp(2_000_000), clamp(-5), clamp(-3_000_000)
    (1000000, -5, -1000000)
    """
    return max(-INFINITY, min(INFINITY, value))


def add(left: int, right: int) -> int:
    """Add two scores the way Pacemaker does (``pcmk__add_scores``).

    >>> add(INFINITY, -INFINITY)
    -1000000
    >>> add(600_000, 600_000)
    1000000
    >>> add(50, 100)
    150
    """
    if left <= -INFINITY or right <= -INFINITY:
        return -INFINITY
    if left >= INFINITY or right >= INFINITY:
        return INFINITY
    return clamp(left + right)


def total(scores: Iterable[int]) -> int:
    """Fold scores left to right with :func:`add` (0 for none).

    The fold is inlined (it runs for every (unit, node) score): once a ban is reached (or
    the sum is clamped to -INFINITY) the result stays -INFINITY; once +INFINITY is reached,
    only a ban changes it.

    >>> total([]), total([50, -20]), total([INFINITY, 5, -INFINITY, INFINITY]), total([900_000, 900_000, -5])
    (0, 30, -1000000, 1000000)
    """
    result = 0
    for score in scores:
        if score <= -INFINITY:
            return -INFINITY
        if result >= INFINITY or score >= INFINITY:
            result = INFINITY
        else:
            result += score
            if result >= INFINITY:
                result = INFINITY
            elif result <= -INFINITY:
                return -INFINITY  # clamped to -INFINITY, which then acts as a ban (``add``)
    return result


def is_mandatory(score: int) -> bool:
    """True for ±INFINITY: a hard requirement or a hard ban."""
    return abs(score) >= INFINITY


def format_score(score: int) -> str:
    """Print a score the way the language writes it.

    >>> format_score(INFINITY), format_score(-INFINITY), format_score(-20)
    ('inf', '-inf', '-20')
    """
    if score >= INFINITY:
        return "inf"
    if score <= -INFINITY:
        return "-inf"
    return str(score)


def parse_score(text: str) -> int:
    """Parse ``inf``/``INFINITY`` (with sign) or an integer, clamping large ones.

    Raises ``ValueError`` for anything else.

    >>> parse_score("+INFINITY"), parse_score("-inf"), parse_score("5000000")
    (1000000, -1000000, 1000000)
    """
    word = text.strip()
    sign = -1 if word.startswith("-") else 1
    bare = word.lstrip("+-").lower()
    if bare in ("inf", "infinity"):
        return sign * INFINITY
    return clamp(int(word, 10))
