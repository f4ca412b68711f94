"""Turn a `Solution` into the public `Placement`: assignments, stopped copies with reasons, blocked ones.

Clone copies get instance numbers here: a copy that stays keeps the number the state knew,
new copies take the lowest free numbers, and members of a cloned group share their copy's
number on a node.
"""

from __future__ import annotations

from placement.model import Role
from placement.solve.problem import FROZEN_COPIES, Problem
from placement.solve.solution import Solution
from placement.target import Assignment, Placement, SolveStats, StoppedResource

# Why a unit that could run somewhere was left stopped, when no static reason explains it.
OUTCOMPETED = "could not run alongside higher-priority or better-scoring resources (see `placement why`)"


def to_placement(problem: Problem, solution: Solution, values: dict[str, int], stats: SolveStats) -> Placement:
    """The public answer for ``solution``."""
    assignments: list[Assignment] = []
    stopped: list[StoppedResource] = []
    numbers = _instance_numbers(problem, solution)
    for unit in problem.units:
        nodes = sorted(solution.nodes(unit.key))
        promoted = solution.promoted_on(unit.key)
        for node in nodes:
            role = Role.STARTED
            if unit.promotable:
                role = Role.PROMOTED if node in promoted else Role.UNPROMOTED
            number = numbers.get((unit.key, node))
            assignments.append(Assignment(unit.primitive, node, role, number))
        wanted = unit.max_copies if unit.multi else 1
        missing = wanted - len(nodes)
        if missing <= 0:
            continue
        reason = problem.not_running.get(unit.key)
        if reason is None and len(nodes) >= problem.most_copies(unit):
            reason = FROZEN_COPIES  # the cap, not the nodes, stops the others
        if reason is None and unit.multi and len(nodes) == len(problem.allowed.get(unit.key, {})):
            reason = "no more nodes may take a copy"
        label = unit.key if not unit.multi else f"{unit.primitive} ({missing} of {wanted} copies)"
        stopped.append(StoppedResource(label, reason or OUTCOMPETED))
    blocked = tuple(StoppedResource(key, reason) for key, reason in sorted(problem.blocked.items()))
    return Placement(tuple(assignments), tuple(stopped), blocked, dict(values), stats)


def _instance_numbers(problem: Problem, solution: Solution) -> dict[tuple[str, str], str]:
    """Clone instance number per (unit, node): kept when the state knew it, else lowest free."""
    numbers: dict[tuple[str, str], str] = {}
    known = problem.table.current.instance_numbers
    by_clone: dict[str, list] = {}
    for unit in problem.units:
        if unit.clone is not None:
            by_clone.setdefault(unit.clone, []).append(unit)
    for units in by_clone.values():
        if units[0].instance is not None:
            for unit in units:
                for node in solution.nodes(unit.key):
                    numbers[(unit.key, node)] = str(unit.instance)
            continue
        # Anonymous: one number per node where the clone's first member runs, shared by the group.
        first = units[0]
        nodes = sorted(solution.nodes(first.key))
        chosen: dict[str, str] = {}
        for node in nodes:
            for unit in units:
                if (unit.primitive, node) in known:
                    chosen[node] = known[(unit.primitive, node)]
                    break
        taken = set(chosen.values())
        free = (str(n) for n in range(len(nodes) + len(taken) + 1) if str(n) not in taken)
        for node in nodes:
            if node not in chosen:
                chosen[node] = next(free)
        for unit in units:
            for node in solution.nodes(unit.key):
                numbers[(unit.key, node)] = chosen.get(node, str(len(nodes)))
    return numbers


def to_solution(problem: Problem, placement: Placement) -> Solution:
    """Read a `Placement` back as a `Solution` of ``problem`` (the inverse of `to_placement`)."""
    placed: dict[str, set[str]] = {}
    promoted: dict[str, set[str]] = {}
    keys = {(u.primitive, None if u.instance is None else str(u.instance)): u.key for u in problem.units}
    for assignment in placement.assignments:
        key = keys.get((assignment.resource, assignment.clone_instance)) or keys[(assignment.resource, None)]
        placed.setdefault(key, set()).add(assignment.node)
        if assignment.role is Role.PROMOTED:
            promoted.setdefault(key, set()).add(assignment.node)
    return Solution({k: frozenset(v) for k, v in placed.items()}, {k: frozenset(v) for k, v in promoted.items()})
