"""Clone limits: ``clone-max`` copies in all, ``clone-node-max`` per node (SEMANTICS.md §8 "Clone").

An anonymous clone is one unit with a Boolean per node, so "one per node" is free and
``clone-max`` is a cardinality; a unique clone has one unit per instance, each on at most
one node, and at most ``clone-node-max`` instances of the same member share a node.
A plain primitive is the degenerate case: at most one node.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from placement.solve.context import EncodeContext
    from placement.solve.problem import Problem
    from placement.solve.solution import SolutionView

KIND = "clone"


def encode(ctx: EncodeContext, problem: Problem) -> None:
    """Copy counts per unit, and per node for unique clones."""
    per_node: dict[tuple[str, str], list] = defaultdict(list)
    for unit in problem.units:
        lits = [ctx.x[(unit.key, node)] for node in problem.nodes_of(unit.key)]
        if len(lits) > 1 or (lits and unit.multi):
            limit = problem.limit_with_exempt(unit.key, problem.most_copies(unit))
            if limit < len(lits):
                ctx.model.add(sum(lits) <= limit) if limit > 1 else ctx.model.add_at_most_one(lits)
        if unit.clone is not None and unit.instance is not None:
            for node in problem.nodes_of(unit.key):
                if problem.takes_node_slot(unit.key, node):
                    per_node[(unit.primitive, node)].append(ctx.x[(unit.key, node)])
    left_alone = _left_alone(problem)
    for (primitive, node), lits in sorted(per_node.items()):
        clone = problem.hierarchy.clone_of(primitive)
        assert clone is not None
        limit = max(problem.per_node_limit(clone.id), left_alone[(primitive, node)])
        if len(lits) > limit:
            ctx.model.add(sum(lits) <= limit)


def check(view: SolutionView) -> list[str]:
    """Copy-count violations in a candidate solution."""
    problems = []
    per_node: dict[tuple[str, str], int] = defaultdict(int)
    for unit in view.problem.units:
        count = len(view.solution.nodes(unit.key))
        limit = view.problem.limit_with_exempt(unit.key, view.problem.most_copies(unit))
        if count > limit:
            problems.append(f"{unit.key} runs {count} copies, at most {limit}")
        if unit.clone is not None and unit.instance is not None:
            for node in view.solution.nodes(unit.key):
                if view.problem.takes_node_slot(unit.key, node):
                    per_node[(unit.primitive, node)] += 1
    left_alone = _left_alone(view.problem)
    for (primitive, node), count in sorted(per_node.items()):
        clone = view.problem.hierarchy.clone_of(primitive)
        assert clone is not None
        if count > max(view.problem.per_node_limit(clone.id), left_alone[(primitive, node)]):
            problems.append(f"clone {clone.id}: {count} copies of {primitive} on {node}")
    return problems


def _left_alone(problem: Problem) -> Counter[tuple[str, str]]:
    """Copies left alone where they run, per (primitive, node): a per-node limit never goes below them."""
    return Counter(
        (problem.by_key[key].primitive, node) for key, node in problem.exempt if problem.takes_node_slot(key, node)
    )
