"""The solver's answer as rows and JSON-ready data (presentation stays in the commands).

Each row says where a copy runs, its score there, and the strongest terms behind it, so
`placement place` can print a table and ``--json`` the same facts for machines.
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.score import format_score
from placement.solve.problem import Problem
from placement.target import Placement


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the placement table."""

    resource: str
    role: str
    node: str
    score: str
    why: str


def rows(problem: Problem, placement: Placement) -> list[Row]:
    """Running copies (with score and main terms), then stopped and blocked ones (with reasons)."""
    found: list[Row] = []
    keys = {(u.primitive, None if u.instance is None else str(u.instance)): u.key for u in problem.units}
    for a in placement.assignments:
        key = keys.get((a.resource, a.clone_instance)) or keys[(a.resource, None)]
        score = problem.allowed.get(key, {}).get(a.node) or problem.table.scores(key)[a.node]
        terms = sorted((t for t in score.terms if t.value), key=lambda t: -abs(t.value))[:3]
        why = ", ".join(str(t) for t in terms) or "no preference"
        name = a.resource if a.clone_instance is None else f"{a.resource}:{a.clone_instance}"
        found.append(Row(name, a.role.pacemaker, a.node, format_score(score.total), why))
    for s in placement.stopped:
        found.append(Row(s.resource, "Stopped", "", "", s.reason))
    for b in placement.blocked:
        found.append(Row(b.resource, "Blocked", "", "", b.reason))
    return found


def as_data(placement: Placement) -> dict:
    """A JSON-ready document: placement, stopped, blocked, objective and stats."""
    stats = placement.stats
    return {
        "placement": [
            {"resource": a.resource, "node": a.node, "role": a.role.pacemaker, "instance": a.clone_instance}
            for a in placement.assignments
        ],
        "stopped": [{"resource": s.resource, "reason": s.reason} for s in placement.stopped],
        "blocked": [{"resource": b.resource, "reason": b.reason} for b in placement.blocked],
        "objective": dict(placement.objective),
        "optimal": placement.optimal,
        "stats": None
        if stats is None
        else {
            "method": stats.method,
            "wall_seconds": round(stats.wall_seconds, 4),
            "optimal": stats.optimal,
            "gap": stats.gap,
            "variables": stats.variables,
            "constraints": stats.constraints,
        },
    }
