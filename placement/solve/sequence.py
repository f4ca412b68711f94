"""The order Pacemaker assigns top-level resources in (SEMANTICS.md §6.1), for the greedy port.

compat(pacemaker): ``unpack_resources`` keeps configuration order stably sorted by
priority, and with ``placement-strategy=default`` that is the order. Any other strategy
re-sorts with ``cmp_resources`` (pcmk_sched_resource.c): priority first, then the higher
score on the resource's current node, then the scores node by node in the global node
order — each score being the resource's own table plus what its "this with" colocations
add (``pcmk__add_colocated_node_scores`` at factor 1). Which resources come first decides
who gets the capacity left, so the greedy reference (and through it the solver's
tie-break) must follow this order to land where Pacemaker does.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cmp_to_key

from placement.model import Clone, Group, Strategy
from placement.score import INFINITY, add
from placement.solve.problem import Problem

Table = dict[str, int]


def assignment_order(problem: Problem, roots: Iterable[str]) -> list[str]:
    """``roots`` (top-level resource ids, configuration order) in Pacemaker's assignment order."""
    ordered = sorted(roots, key=lambda root: -(problem.table.meta(root).priority or 0))
    if problem.config.cluster.strategy is Strategy.DEFAULT:
        return ordered
    scorer = _Colocated(problem)
    nodes = node_order(problem)
    keys = {}
    for root in ordered:
        table = scorer.scores(root)
        current = scorer.current_node(root)
        here = table.get(current, -INFINITY) if current is not None else -INFINITY
        keys[root] = (-(problem.table.meta(root).priority or 0), -here, tuple(-table.get(n, -INFINITY) for n in nodes))
    return sorted(ordered, key=keys.__getitem__)  # stable, as g_list_sort is


def node_order(problem: Problem) -> list[str]:
    """The cluster's nodes sorted by ``compare_nodes`` before anything is assigned (§6.2)."""
    unavailable = problem.table.unavailable
    capacity = {name: dict(node.capacity) for name, node in problem.config.nodes.items()}
    balanced = problem.config.cluster.strategy is Strategy.BALANCED
    minimal = problem.config.cluster.strategy is Strategy.MINIMAL

    def weight(node: str) -> int:
        return problem.config.nodes[node].score if unavailable[node] is None else -INFINITY

    def compare(a: str, b: str) -> int:
        if weight(a) != weight(b):
            return -1 if weight(a) > weight(b) else 1
        if balanced and not minimal:
            points = capacity_points(capacity[a], capacity[b])
            if points:
                return points
        return -1 if a.encode() < b.encode() else (1 if a.encode() > b.encode() else 0)

    return sorted(problem.nodes, key=cmp_to_key(compare))


def capacity_points(free_a: dict[str, int], free_b: dict[str, int]) -> int:
    """compat(pacemaker): ``pcmk__compare_node_capacities`` — one point per attribute, not the sum.

    Negative when node a has more free capacity on more attributes than node b.
    """
    result = 0
    for attribute in {*free_a, *free_b}:
        mine, theirs = free_a.get(attribute, 0), free_b.get(attribute, 0)
        if mine > theirs:
            result -= 1
        elif mine < theirs:
            result += 1
    return result


class _Colocated:
    """``pcmk__add_colocated_node_scores`` with the "this with" selection, for sorting only."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.config = problem.config
        self.hierarchy = problem.hierarchy
        self.available = {n for n in problem.nodes if problem.table.unavailable[n] is None}
        self.units_of: dict[str, list[str]] = {}
        for unit in problem.table.units:
            self.units_of.setdefault(unit.primitive, []).append(unit.key)
        self.this_with: dict[str, list[tuple[str, int, str | None]]] = {}
        for link in problem.links:
            self.this_with.setdefault(self._owner(link.dependent.resource), []).append(
                (self._owner(link.primary.resource), link.score, link.attribute)
            )
        self.merging: set[str] = set()

    def _owner(self, rid: str) -> str:
        """A clone's child named in a constraint stands for the clone."""
        clone = self.hierarchy.clone_of(rid)
        if clone is not None and not isinstance(self.config.resources[rid], Clone):
            return clone.id
        return rid

    def current_node(self, rid: str) -> str | None:
        current = self.problem.table.current
        nodes = [n for p in self.hierarchy.primitives_in(rid) for k in self.units_of.get(p, ()) for n in current.of(k)]
        if not nodes:
            return None
        position = {n: i for i, n in enumerate(self.problem.nodes)}
        return min(nodes, key=position.__getitem__)

    def table(self, rid: str) -> Table:
        """A resource's own ``allowed_nodes`` weights (a clone's without its copies' stickiness)."""
        resource = self.config.resources[rid]
        if isinstance(resource, Clone):
            primitives = self.hierarchy.primitives_in(rid)
            keys = self.units_of.get(primitives[0], ()) if primitives else ()
            if not keys:
                return {}
            scores = self.problem.table.scores(keys[0])
            return {n: _fold(t.value for t in s.terms if t.kind != "stickiness") for n, s in scores.items() if s.entry}
        keys = self.units_of.get(rid, ())
        if not keys:
            return {}
        return {n: s.total for n, s in self.problem.table.scores(keys[0]).items() if s.entry}

    def scores(self, rid: str) -> Table:
        return self._merge(rid, None, None, 1.0, active=False)

    def _merge(self, rid: str, work: Table | None, attribute: str | None, factor: float, *, active: bool) -> Table:
        if rid in self.merging:
            return work or {}  # a colocation loop: cut here, as the "merging" flag does
        self.merging.add(rid)
        try:
            resource = self.config.resources[rid]
            if isinstance(resource, Group) and resource.members:
                member = resource.members[-1] if work is None else resource.members[0]
                new = self._merge(member, work, attribute, factor, active=active)
            elif work is None:
                new = self.table(rid)
            else:
                new = self._matching(dict(work), self.table(rid), attribute, factor)
            if any(score >= 0 and node in self.available for node, score in new.items()):
                sign = -1.0 if factor < 0 else 1.0
                for primary, score, attr in self._primaries(rid):
                    new = self._merge(primary, new, attr, sign * score / INFINITY, active=True)
            elif active:
                return work or {}  # rolled back: it would leave no node available
            return new
        finally:
            self.merging.discard(rid)

    def _primaries(self, rid: str) -> list[tuple[str, int, str | None]]:
        found = list(self.this_with.get(rid, ()))
        group = self.hierarchy.group_of(rid)
        if group is not None:
            index = group.members.index(rid)
            if index > 0:  # a group member is colocated with the one before it (§8)
                found.insert(0, (group.members[index - 1], INFINITY, None))
        return found

    def _matching(self, work: Table, primary: Table, attribute: str | None, factor: float) -> Table:
        """``add_node_scores_matching_attr``: add the primary's best matching score, scaled."""
        best: dict[str | None, int] = {}
        for node, score in primary.items():
            if node in self.available:
                value = self.problem.attribute(node, attribute)
                best[value] = max(best.get(value, -INFINITY), score)
        for node, weight in work.items():
            score = best.get(self.problem.attribute(node, attribute), -INFINITY)
            if factor < 0 and score < 0:
                continue  # a negative preference for a negative score is not a positive one
            scaled = factor * score
            points = int(scaled - 0.5) if scaled < 0 else int(scaled + 0.5)
            if points == 0 and score != 0:
                points = 1 if factor > 0 else -1 if factor < 0 else 0
            work[node] = add(points, weight)
        return work


def _fold(values: Iterable[int]) -> int:
    total = 0
    for value in values:
        total = add(total, value)
    return total
