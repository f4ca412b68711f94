"""Role colocations in a promotable copy's promotion priority (SEMANTICS.md §8).

compat(pacemaker): ``set_instance_priority`` starts an instance's priority at its promotion
score (−1 without one), then applies every colocation of the clone that names a role of
it (``pcmk__apply_coloc_to_priority``): when the primary — in its role, if the colocation
names one — runs where the instance does (the same node, or the same value of the
colocation's node attribute), the score is added, negated when the colocation is about the
Unpromoted role. ``set_instance_role`` promotes only an instance whose priority is 0 or
more. So ``db (Unpromoted) apart from ip -10`` lifts a copy beside ``ip`` that has no
promotion score into promotion (−1 + 10), and ``db (Promoted) apart from ip -100`` keeps a
copy with promotion score 10 unpromoted there.

The rule is a gate on each promotion: promoted on a node ⇒ its promotion score plus the
pulls that hold there is at least 0. Placement and promotion are chosen together here, so
the gate is one linear constraint per (copy, node) it concerns, enforced by the promotion
Boolean. Only a copy of a promotable clone of a primitive carries it: in a cloned group the
colocation goes to the group's first member, whose priority is not the group instance's.
Mandatory colocations are left to the placement constraints they already are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from placement.model import Role
from placement.solve.colocation import Link
from placement.solve.units import Unit

if TYPE_CHECKING:
    from placement.solve.context import EncodeContext
    from placement.solve.problem import Problem
    from placement.solve.scores import ScoreTable
    from placement.solve.solution import SolutionView

KIND = "promotion-priority"


@dataclass(frozen=True, slots=True)
class RolePull:
    """What a copy's promotion priority gains while ``link``'s primary runs where it does."""

    link: Link
    amount: int


@dataclass(frozen=True, slots=True)
class Gate:
    """Promotion of one copy on one node: allowed only while ``base`` plus the pulls that
    hold there is at least 0."""

    base: int
    pulls: tuple[RolePull, ...]

    @property
    def reachable(self) -> bool:
        """Whether some placement of the primaries lets the copy be promoted here."""
        return self.base + sum(max(0, pull.amount) for pull in self.pulls) >= 0

    @property
    def needed(self) -> bool:
        """Whether the gate can ever refuse: some pull could take the priority below 0."""
        return self.base < 0 or any(pull.amount < 0 for pull in self.pulls)


def role_pulls(table: ScoreTable, links: Iterable[Link]) -> dict[str, tuple[RolePull, ...]]:
    """Unit key → the finite role colocations that move its promotion priority.

    compat(pacemaker): an instance holds only the clone's colocations it inherited
    (``append_parent_colocation``): the negative ones always, a positive one only when the
    clone has fewer copies than nodes up (``distribute_children``'s ``all_coloc``).
    """
    units = [unit for unit in table.units if unit.promotable and unit.group is None]
    if not units:
        return {}
    up = sum(1 for node in table.nodes if table.unavailable[node] is None)
    eligible = {unit.key: unit for unit in units}
    found: dict[str, list[RolePull]] = {}
    for link in links:
        role = link.dependent.role
        if link.mandatory or role not in (Role.PROMOTED, Role.UNPROMOTED):
            continue
        amount = link.score if role is Role.PROMOTED else -link.score
        for key in link.dependent.units:
            unit = eligible.get(key)
            if unit is not None and (link.score < 0 or _copies(table, unit) < up):
                found.setdefault(key, []).append(RolePull(link, amount))
    return {key: tuple(pulls) for key, pulls in found.items()}


def _copies(table: ScoreTable, unit: Unit) -> int:
    if unit.multi:
        return unit.max_copies
    return len({u.instance for u in table.units if u.clone == unit.clone})


def priority(view: SolutionView, key: str, node: str, gate: Gate) -> int:
    """The copy's promotion priority on ``node`` in the candidate solution."""
    problem = view.problem
    total = gate.base
    for pull in gate.pulls:
        link = pull.link
        if view.active_at(link.primary, link.attribute, problem.attribute(node, link.attribute), key):
            total += pull.amount
    return total


def encode(ctx: EncodeContext, problem: Problem) -> None:
    """promoted[copy@node] ⇒ base + Σ amount·(primary there) ≥ 0, for every gate."""
    for key, gates in sorted(problem.promotion_gates.items()):
        for node, gate in gates.items():
            promoted = ctx.promoted.get((key, node))
            if promoted is None:
                continue
            terms = []
            for pull in gate.pulls:
                link = pull.link
                there = ctx.active_at(link.primary, link.attribute, problem.attribute(node, link.attribute), key)
                if there is not None:
                    terms.append((pull.amount, there))
            name = gate_name(key)
            guard = ctx.guard(name)
            enforced = [promoted] if guard is None else [promoted, guard]
            if not terms:
                if gate.base < 0:
                    ctx.require([ctx.negate(promoted)], name)
                continue
            ctx.model.add(sum(amount * there for amount, there in terms) >= -gate.base).only_enforce_if(enforced)


def gate_name(key: str) -> str:
    """The hard-constraint name of a copy's promotion gate (`placement.solve.explain`)."""
    return f"promotion priority of {key}"


def check(view: SolutionView) -> list[str]:
    """Promotions whose priority is below 0 in a candidate solution."""
    problems = []
    for key, gates in view.problem.promotion_gates.items():
        for node in view.solution.promoted_on(key):
            gate = gates.get(node)
            if gate is not None and (value := priority(view, key, node, gate)) < 0:
                problems.append(f"{key} promoted on {node}, where its promotion priority is {value}")
    return problems
