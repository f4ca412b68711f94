"""A named contribution to a (resource, node) score: "location pref-alice 50", "stickiness 100".

Every score the solver uses is a sum of these, so `placement scores` and `placement why`
can print where each number comes from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from placement.model import Span
from placement.score import INFINITY, format_score


@dataclass(frozen=True, slots=True)
class Term:
    """One contribution: its ``kind`` (location, stickiness, …), a ``name`` and a value."""

    kind: str
    name: str
    value: int
    span: Span | None = field(default=None, compare=False)

    def __str__(self) -> str:
        label = f"{self.kind} {self.name}" if self.name else self.kind
        return f"{label} {format_score(self.value)}"


@dataclass(frozen=True, slots=True)
class NodeScore:
    """The score of one unit on one node, with its terms and whether the node may take it.

    ``unavailable`` says why the node cannot take anything now; ``entry`` is False when an
    opt-in cluster gives the resource no location entry on the node (§2 symmetric-cluster).
    """

    node: str
    terms: tuple[Term, ...] = ()
    entry: bool = True
    unavailable: str | None = None
    # Derived once at construction: the solver reads them for every (unit, node) pair.
    total: int = field(init=False, compare=False)  # Pacemaker's fold (bans win, clamped to ±INFINITY)
    finite: int = field(init=False, compare=False)  # the finite terms only: weight among required nodes
    allowed: bool = field(init=False, compare=False)  # available, an entry, and a score ≥ 0 (§1)

    def __post_init__(self) -> None:
        # One pass (this runs for every (unit, node) score with terms of its own): Pacemaker's
        # fold as `placement.score.total` does it — a ban (or a sum clamped to -INFINITY)
        # stays, +INFINITY stays unless a ban follows — and the plain sum of finite terms.
        folded = finite = 0
        banned = False
        for term in self.terms:
            value = term.value
            if -INFINITY < value < INFINITY:
                finite += value
                if not banned and folded < INFINITY:
                    folded += value
                    if folded >= INFINITY:
                        folded = INFINITY
                    elif folded <= -INFINITY:
                        banned = True
            elif value <= -INFINITY:
                banned = True
            else:
                folded = INFINITY
        if banned:
            folded = -INFINITY
        _set = object.__setattr__
        _set(self, "total", folded)
        _set(self, "finite", finite)
        _set(self, "allowed", self.unavailable is None and self.entry and folded >= 0)

    @property
    def required(self) -> bool:
        """+INFINITY: the resource must run here if it can (§3), a level above finite scores."""
        return self.total >= INFINITY

    def why_not(self) -> str | None:
        """Why the unit may not run here, in words (``None`` if it may)."""
        if self.unavailable is not None:
            return f"node {self.node} {self.unavailable}"
        if not self.entry:
            return f"no location allows {self.node} (opt-in cluster)"
        if self.total < 0:
            culprits = [t for t in self.terms if t.value <= -INFINITY] or [t for t in self.terms if t.value < 0]
            return f"{self.node} scores {format_score(self.total)}: " + ", ".join(str(t) for t in culprits)
        return None

    def explain(self) -> str:
        """``alice 150 = location pref-alice 50 + stickiness 100``."""
        parts = " + ".join(str(t) for t in self.terms) or "0"
        text = f"{self.node} {format_score(self.total)} = {parts}"
        if self.unavailable is not None:
            return f"{text}  (node {self.unavailable})"
        if not self.entry:
            return f"{text}  (no location entry: opt-in cluster)"
        return text
