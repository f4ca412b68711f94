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

from placement.model import Strategy
from placement.score import INFINITY
from placement.solve.coloc_scores import ColocatedScores
from placement.solve.problem import Problem


def assignment_order(problem: Problem, roots: Iterable[str]) -> list[str]:
    """``roots`` (top-level resource ids, configuration order) in Pacemaker's assignment order."""
    ordered = sorted(roots, key=lambda root: -(problem.table.meta(root).priority or 0))
    if problem.config.cluster.strategy is Strategy.DEFAULT:
        return ordered
    scorer = ColocatedScores(problem)
    nodes = node_order(problem)
    keys = {}
    for root in ordered:
        table = scorer.this_with(root)
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
