"""What one failure scenario does to the resources: which stop, which lose copies, which stay stuck.

Everything is measured against the *baseline*: the target of the plan with no failure,
so pending changes of the current state are not blamed on the failure.

* a resource **stops** when it runs in the baseline and has no copy in the scenario's target;
* a clone is **degraded** when it keeps some copies but fewer than it could: fewer than
  its baseline copies and than the surviving nodes allow it (losing the copy of a failed
  node that no other node may take is not a degradation, it is the failure);
* a resource is **blocked** when its copies are held on a lost node that cannot be fenced:
  nothing recovers it;
* a promotable clone is **demoted** when it has fewer promoted copies than in the baseline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from placement.model import Config, Role
from placement.solve.problem import Problem
from placement.solve.solution import Solution
from placement.target import Placement

Moves = dict[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class Impact:
    """One resource hurt by a scenario: ``kind`` is stopped, degraded, blocked or demoted."""

    resource: str
    kind: str
    priority: int
    reason: str
    copies: tuple[int, int] | None = None  # (baseline, in the scenario) for clones


@dataclass(frozen=True)
class Outcome:
    """The answer for one scenario (from the planner, or proven without search)."""

    nodes: tuple[str, ...]
    impacts: tuple[Impact, ...] = ()
    method: str = "plan"  # "plan": the whatif planner; "fit": proven without search
    proven: bool = True  # the planner proved its answer optimal
    error: str | None = None  # the planner found no placement at all
    seconds: float = field(default=0.0, compare=False)
    # What the proof moved (unit → nodes), reused to compose scenarios of several failures.
    moves: Moves | None = field(default=None, compare=False, repr=False)

    @property
    def survivable(self) -> bool:
        return not self.impacts and self.error is None

    def of_kind(self, kind: str) -> list[Impact]:
        return [impact for impact in self.impacts if impact.kind == kind]


@dataclass(frozen=True)
class Baseline:
    """What runs with no failure: copies and promoted copies per primitive."""

    copies: Counter[str]
    promoted: Counter[str]

    @classmethod
    def of(cls, placement: Placement) -> Baseline:
        copies: Counter[str] = Counter(a.resource for a in placement.assignments)
        promoted: Counter[str] = Counter(a.resource for a in placement.assignments if a.role is Role.PROMOTED)
        return cls(copies, promoted)


@dataclass(frozen=True)
class Answer:
    """A scenario's target as far as impacts go: copies and promoted copies per primitive, why not."""

    copies: Counter[str]
    promoted: Counter[str]
    blocked: dict[str, str]  # primitive → why its copies are held on a lost node
    reasons: dict[str, str]  # primitive → why (some of) its copies do not run

    @classmethod
    def of_placement(cls, problem: Problem, target: Placement) -> Answer:
        """From the planner's `Placement`."""
        copies: Counter[str] = Counter(a.resource for a in target.assignments)
        promoted: Counter[str] = Counter(a.resource for a in target.assignments if a.role is Role.PROMOTED)
        reasons: dict[str, str] = {}
        for item in target.stopped:
            key = item.resource.split(" (", 1)[0]  # "p (1 of 3 copies)" for an anonymous clone
            unit = problem.by_key.get(key)
            reasons.setdefault(unit.primitive if unit is not None else key, item.reason)
        return cls(copies, promoted, _blocked(problem), reasons)

    @classmethod
    def of_solution(cls, problem: Problem, solution: Solution) -> Answer:
        """From a solution at the running level's upper bound (see `placement.survival.evaluate`).

        At that bound a unit runs fewer copies than wanted only where no more nodes allow
        it, so its reason is the problem's own (as `placement.solve.result` gives it).
        """
        copies: Counter[str] = Counter()
        reasons: dict[str, str] = {}
        for unit in problem.units:
            placed = len(solution.nodes(unit.key))
            copies[unit.primitive] += placed
            if placed < problem.most_copies(unit):
                why = problem.not_running.get(unit.key) or "no more nodes may take a copy"
                reasons.setdefault(unit.primitive, why)
        promoted: Counter[str] = Counter()
        for key, nodes in solution.promoted.items():
            promoted[problem.by_key[key].primitive] += len(nodes)
        return cls(copies, promoted, _blocked(problem), reasons)


def _blocked(problem: Problem) -> dict[str, str]:
    return {problem.by_key[key].primitive: why for key, why in sorted(problem.blocked.items())}


def impacts(config: Config, problem: Problem, baseline: Baseline, answer: Answer) -> tuple[Impact, ...]:
    """How ``answer`` (the scenario's target, on ``problem``) hurts what runs in ``baseline``."""
    possible = _possible_copies(problem)
    cloned = {unit.primitive for unit in problem.table.units if unit.clone is not None}
    found: list[Impact] = []
    for primitive, before in baseline.copies.items():
        priority = (problem.table.meta(primitive).priority or 0) if primitive in config.resources else 0
        multi = primitive in cloned
        after = answer.copies.get(primitive, 0)
        if primitive in answer.blocked:
            # (For a clone: the copies counted include those held on the lost node.)
            found.append(Impact(primitive, "blocked", priority, answer.blocked[primitive],
                                (before, after) if multi else None))
            continue
        reason = answer.reasons.get(primitive, "not placed")
        if after == 0:
            found.append(Impact(primitive, "stopped", priority, reason, (before, 0) if multi else None))
        elif multi and after < min(before, possible.get(primitive, 0)):
            found.append(Impact(primitive, "degraded", priority, reason, (before, after)))
        promoted = answer.promoted.get(primitive, 0)
        if baseline.promoted.get(primitive, 0) > promoted:
            found.append(Impact(primitive, "demoted", priority,
                                f"{promoted} of {baseline.promoted[primitive]} promoted copies"))
    return tuple(sorted(found, key=lambda i: (-i.priority, i.kind, i.resource)))


def _possible_copies(problem: Problem) -> Counter[str]:
    """Per primitive, the most copies the surviving nodes allow (each unit alone)."""
    possible: Counter[str] = Counter()
    for unit in problem.table.units:
        allowed = problem.allowed.get(unit.key, {})
        possible[unit.primitive] += min(problem.most_copies(unit), len(allowed))
    return possible
