"""Check a candidate solution against every hard constraint, in plain Python.

Used to accept the greedy answer without a solver, and by the tests to check whatever
the solver returns against an independent reading of the rules.
"""

from __future__ import annotations

from placement.solve import clone, coloc_lift, colocation, group, order, promotable, promotion_priority, utilization
from placement.solve.problem import Problem
from placement.solve.solution import Solution, SolutionView


def violations(problem: Problem, solution: Solution) -> list[str]:
    """Every hard constraint ``solution`` breaks, in words (empty when feasible)."""
    view = SolutionView(problem, solution)
    found = []
    for key, node in sorted(solution.pairs()):
        if node not in problem.allowed.get(key, {}):
            found.append(f"{key} may not run on {node}")
    for key, nodes in problem.pinned.items():
        missing = nodes - solution.nodes(key)
        if missing:
            found.append(f"{key} must stay on {', '.join(sorted(missing))}")
    for key, nodes in problem.pinned_promoted.items():
        if nodes - solution.promoted_on(key):
            found.append(f"{key} must stay promoted")
    checks = (clone.check, group.check, promotable.check, promotion_priority.check, utilization.check, coloc_lift.check)
    for check in checks:
        found.extend(check(view))
    for link in problem.links:
        if link.mandatory:
            found.extend(colocation.satisfied(view, link))
    for precedence in problem.precedences:
        found.extend(order.satisfied(view, precedence))
    return found
