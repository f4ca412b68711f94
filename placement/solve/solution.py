"""A candidate answer in plain Python: where each unit runs and where it is promoted.

The greedy reference produces one, CP-SAT's answer is read back into one, and the pure
evaluator scores and checks one — so the fast path ("greedy is provably optimal") and the
tests (brute force) need no solver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from placement.model import Role
from placement.solve.problem import role_matches
from placement.solve.refs import Ref

if TYPE_CHECKING:
    from placement.solve.problem import Problem


@dataclass(frozen=True)
class Solution:
    """Nodes per unit key (at most one unless the unit is an anonymous clone), and promoted nodes."""

    placed: Mapping[str, frozenset[str]]
    promoted: Mapping[str, frozenset[str]]

    def nodes(self, key: str) -> frozenset[str]:
        return self.placed.get(key, frozenset())

    def promoted_on(self, key: str) -> frozenset[str]:
        return self.promoted.get(key, frozenset())

    def pairs(self) -> frozenset[tuple[str, str]]:
        """Every (unit, node) that runs (computed once: whole-cluster solutions are asked often)."""
        return self._pairs

    def promoted_pairs(self) -> frozenset[tuple[str, str]]:
        return self._promoted_pairs

    @cached_property
    def _pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset((key, node) for key, nodes in self.placed.items() for node in nodes)

    @cached_property
    def _promoted_pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset((key, node) for key, nodes in self.promoted.items() for node in nodes)


class SolutionView:
    """Questions the constraint checkers ask of a `Solution`."""

    def __init__(self, problem: Problem, solution: Solution) -> None:
        self.problem = problem
        self.solution = solution

    def nodes_in_role(self, key: str, role: Role | None) -> list[str]:
        """Nodes where ``key`` runs in ``role`` (any role for None), sorted."""
        promoted = self.solution.promoted_on(key)
        return sorted(n for n in self.solution.nodes(key) if role_matches(role, n in promoted))

    def active_at(self, ref: Ref, attribute: str | None, value: str | None, exclude: str | None = None) -> bool:
        """Whether some unit of ``ref`` runs, in its role, on a node whose ``attribute`` is ``value``."""
        if value is None:
            return False
        places = set(self.problem.nodes_with(attribute, value))
        return any(places.intersection(self.nodes_in_role(key, ref.role)) for key in ref.units if key != exclude)

    def copies(self, ref: Ref, movable: bool = False, keep_running: bool = False) -> int:
        """How many copies of ``ref`` run in its role.

        ``movable`` leaves out copies left alone, ``keep_running`` copies that run there now.
        """
        current = self.problem.table.current
        return sum(
            1
            for key in ref.units
            for node in self.nodes_in_role(key, ref.role)
            if (not movable or (key, node) not in self.problem.exempt)
            and (not keep_running or node not in current.of(key))
        )
