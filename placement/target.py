"""The solver's answer: where each primitive should run, in which role, and why not if stopped.

Produced by `placement.solve`, read by the transition builder and the renderers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from placement.model import Role, _no_items


@dataclass(frozen=True, slots=True)
class Assignment:
    """One active copy of a primitive in the target: node and role.

    ``clone_instance`` numbers copies of a clone's primitive (``"0"``, ``"1"``…) so a
    copy that stays keeps its number; ``None`` outside clones.
    """

    resource: str
    node: str
    role: Role = Role.STARTED
    clone_instance: str | None = None


@dataclass(frozen=True, slots=True)
class StoppedResource:
    """A primitive (or clone copy) left stopped, with the reason in words."""

    resource: str
    reason: str


@dataclass(frozen=True, slots=True)
class SolveStats:
    """How the answer was found: ``method`` is "greedy", "cp-sat" or "incremental"."""

    method: str
    wall_seconds: float
    optimal: bool
    gap: float | None = None  # relative gap of the score level when not proven optimal
    variables: int = 0
    constraints: int = 0
    tie_break_optimal: bool = True  # the closeness-to-Pacemaker tie-break was proven too (solver)


@dataclass(frozen=True)
class Placement:
    """The target placement.

    ``blocked`` lists primitives that must stay exactly where they are although the
    target would move them (e.g. on an unclean node that cannot be fenced), with why.
    ``objective`` maps each level of the lexicographic objective to its value.
    """

    assignments: tuple[Assignment, ...]
    stopped: tuple[StoppedResource, ...] = ()
    blocked: tuple[StoppedResource, ...] = ()
    objective: Mapping[str, int] = _no_items()
    stats: SolveStats | None = field(default=None, compare=False)

    @property
    def optimal(self) -> bool:
        return self.stats is None or self.stats.optimal

    def nodes_of(self, resource: str) -> tuple[str, ...]:
        """Nodes where primitive ``resource`` runs in the target, sorted."""
        return tuple(sorted(a.node for a in self.assignments_of(resource)))

    def assignments_of(self, resource: str) -> tuple[Assignment, ...]:
        """The target's copies of primitive ``resource``."""
        return self._by_resource.get(resource, ())

    @cached_property
    def _by_resource(self) -> dict[str, tuple[Assignment, ...]]:
        index: dict[str, list[Assignment]] = {}
        for assignment in self.assignments:
            index.setdefault(assignment.resource, []).append(assignment)
        return {resource: tuple(copies) for resource, copies in index.items()}
