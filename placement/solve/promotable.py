"""Promotable clones: which running copies are promoted (SEMANTICS.md §8 "Promotable clone").

One promotion Boolean per (unit, node) where the promotion score is ≥ 0; a copy can only be
promoted where it runs; at most ``promoted-max`` promoted copies in all and
``promoted-node-max`` per node. The promotion score (``master-<rsc>`` plus Promoted-role
locations) is rewarded in the score level. Pacemaker decides placement first and promotion
after; here both are chosen together, which can only do better (§6.4).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from placement.solve.context import EncodeContext
    from placement.solve.problem import Problem
    from placement.solve.solution import SolutionView

KIND = "promotable"


def encode(ctx: EncodeContext, problem: Problem) -> None:
    """Promotion variables, their link to running, the limits and the promotion reward."""
    in_clone: dict[str, list] = defaultdict(list)
    on_node: dict[tuple[str, str], list] = defaultdict(list)
    for key, nodes in problem.promotable.items():
        unit = problem.by_key[key]
        for node, score in nodes.items():
            promoted = ctx.promoted_var(key, node)
            ctx.model.add_implication(promoted, ctx.x[(key, node)])
            ctx.add_score(score.finite, promoted)
            assert unit.clone is not None
            in_clone[unit.clone].append(promoted)
            on_node[(unit.clone, node)].append(promoted)
    pinned_in_clone, pinned_on_node = _pinned_promotions(problem)
    for clone, lits in sorted(in_clone.items()):
        most = max(problem.promoted_limits(clone)[0], pinned_in_clone[clone])
        if len(lits) > most:
            ctx.model.add(sum(lits) <= most)
    for (clone, node), lits in sorted(on_node.items()):
        per_node = max(problem.promoted_limits(clone)[1], pinned_on_node[(clone, node)])
        if len(lits) > per_node:
            ctx.model.add(sum(lits) <= per_node)


def check(view: SolutionView) -> list[str]:
    """Promotion violations in a candidate solution."""
    problem = view.problem
    problems = []
    in_clone: dict[str, int] = defaultdict(int)
    on_node: dict[tuple[str, str], int] = defaultdict(int)
    for key, nodes in view.solution.promoted.items():
        unit = problem.by_key[key]
        for node in nodes:
            if node not in problem.promotable.get(key, {}):
                problems.append(f"{key} promoted on {node}, where it may not be")
            if node not in view.solution.nodes(key):
                problems.append(f"{key} promoted on {node} but not running there")
            if unit.clone is not None:
                in_clone[unit.clone] += 1
                on_node[(unit.clone, node)] += 1
    pinned_in_clone, pinned_on_node = _pinned_promotions(problem)
    for clone, count in in_clone.items():
        if count > max(problem.promoted_limits(clone)[0], pinned_in_clone[clone]):
            problems.append(f"clone {clone}: {count} promoted copies")
    for (clone, node), count in on_node.items():
        if count > max(problem.promoted_limits(clone)[1], pinned_on_node[(clone, node)]):
            problems.append(f"clone {clone}: {count} promoted copies on {node}")
    return problems


def _pinned_promotions(problem: Problem) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Promoted copies kept as they are, per clone and per (clone, node): limits never go below them."""
    in_clone: dict[str, int] = defaultdict(int)
    on_node: dict[tuple[str, str], int] = defaultdict(int)
    for key, nodes in problem.pinned_promoted.items():
        clone = problem.by_key[key].clone
        assert clone is not None
        for node in nodes:
            in_clone[clone] += 1
            on_node[(clone, node)] += 1
    return in_clone, on_node
