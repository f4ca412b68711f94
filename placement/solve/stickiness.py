"""Stickiness: a bonus for staying where a resource runs now (SEMANTICS.md §4).

compat(pacemaker): ``apply_stickiness`` — each managed primitive copy with stickiness ≥ 1
that is active on exactly one node gets +stickiness there; clones default to 1 (done in
`placement.hierarchy`); groups add up because every member carries its own bonus.
"""

from __future__ import annotations

from functools import lru_cache

from placement.model import Meta
from placement.solve.terms import Term
from placement.solve.units import Unit

KIND = "stickiness"


def stickiness_terms(unit: Unit, meta: Meta, current: frozenset[str]) -> dict[str, Term]:
    """The stickiness term per current node of ``unit`` (none when it should not stick).

    >>> from placement.model import Meta
    >>> stickiness_terms(Unit("db", "db"), Meta(stickiness=100), frozenset({"alice"}))
    {'alice': Term(kind='stickiness', name='', value=100, span=None)}
    >>> stickiness_terms(Unit("db", "db"), Meta(stickiness=100), frozenset({"alice", "bob"}))
    {}
    """
    value = meta.stickiness or 0
    if value < 1 or not unit.managed:
        return {}
    # An anonymous clone unit holds one copy per node: each copy is active on one node.
    if not unit.multi and len(current) != 1:
        return {}
    term = _term(value)
    if len(current) == 1:
        return {node: term for node in current}
    return {node: term for node in sorted(current)}


@lru_cache(maxsize=256)
def _term(value: int) -> Term:
    """One term object per stickiness value: units share it, and so their node scores can be shared."""
    return Term(KIND, "", value)
