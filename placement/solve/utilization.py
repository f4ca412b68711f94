"""Utilization: what runs on a node must fit its capacity (SEMANTICS.md §6.3).

Only when ``placement-strategy`` is not ``default``. A resource's requirement counts only
for the attributes it lists; a node without an attribute has capacity 0 for it. The
preferences of ``balanced`` and ``minimal`` (most free capacity, packing) are Pacemaker's
tie-breaks, so they live in the greedy reference, which the objective stays close to.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from placement.solve.context import EncodeContext
    from placement.solve.problem import Problem
    from placement.solve.solution import SolutionView

KIND = "utilization"


def demands(problem: Problem) -> dict[tuple[str, str], list[tuple[str, int]]]:
    """(node, attribute) → the units that may use it there and how much, in unit order."""
    # (Grouped by attribute, then node, with one (unit, amount) pair per unit and attribute:
    # a neighbourhood model asks this of a few hundred units on every node.)
    by_attribute: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for unit in problem.units:
        for attribute, amount in sorted(unit.utilization.items()):
            if amount <= 0:
                continue
            entry = (unit.key, amount)
            per_node = by_attribute.setdefault(attribute, {})
            for node in problem.allowed.get(unit.key, {}):  # `Problem.nodes_of`, in node order
                users = per_node.get(node)
                if users is None:
                    per_node[node] = [entry]
                else:
                    users.append(entry)
    return {(node, attribute): users for attribute, nodes in by_attribute.items() for node, users in nodes.items()}


def encode(ctx: EncodeContext, problem: Problem) -> None:
    """One capacity constraint per (node, attribute) that could overflow, guarded by its name."""
    if problem.capacity is None:
        return
    from placement.solve.cp_model_import import cp_model

    pinned_on, x = problem.pinned, ctx.x
    for (node, attribute), users in sorted(demands(problem).items()):
        amounts = [amount for _key, amount in users]
        # Copies pinned in place (unmanaged, blocked) use what they use; never make that infeasible.
        pinned = sum(amount for key, amount in users if node in pinned_on.get(key, ()))
        limit = max(problem.capacity[node].get(attribute, 0), pinned)
        if sum(amounts) <= limit:
            continue
        guard = ctx.guard(f"capacity {attribute} of {node}")
        # weighted_sum builds the same row as summing the products, in half the time.
        row = cp_model.LinearExpr.weighted_sum([x[(key, node)] for key, _ in users], amounts)
        constraint = ctx.model.add(row <= limit)
        if guard is not None:
            constraint.only_enforce_if(guard)
        ctx.capacity_rows[(node, attribute)] = constraint.index


def check(view: SolutionView) -> list[str]:
    """Capacity violations in a candidate solution."""
    problem = view.problem
    if problem.capacity is None:
        return []
    used: dict[tuple[str, str], int] = defaultdict(int)
    pinned: dict[tuple[str, str], int] = defaultdict(int)
    for key, node in view.solution.pairs():
        held = node in problem.pinned.get(key, ())
        for attribute, amount in problem.by_key[key].utilization.items():
            used[(node, attribute)] += max(0, amount)
            if held:
                pinned[(node, attribute)] += max(0, amount)
    # As `encode`: copies pinned in place count, but never make the answer infeasible
    # (Pacemaker assigns them without a capacity check, pcmk__finalize_assignment).
    return [
        f"{node} uses {amount} {attribute} of {problem.capacity[node].get(attribute, 0)}"
        for (node, attribute), amount in sorted(used.items())
        if amount > max(problem.capacity[node].get(attribute, 0), pinned[(node, attribute)])
    ]
