"""Build the CP-SAT model from a `Problem` and solve it level by level.

Parameters are pinned on purpose (issue 4, measured on 2 cores with OR-Tools 9.15): CP-SAT's
default portfolio with one or two workers has no LP-heavy worker and could not prove even
a 3×100 instance optimal in a minute, so one worker runs with the ``max_lp`` linearization
(level 2) and two workers run the ``max_lp`` and ``core`` subsolvers. The seed is fixed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from placement.solve import clone, colocation, group, objective, order, promotable, utilization
from placement.solve.context import EncodeContext
from placement.solve.problem import Problem
from placement.solve.solution import Solution

# Encoders for the lowered relations, keyed by their class (STYLE.md §5).
ENCODERS = {
    colocation.Link: colocation.encode,
    order.Precedence: order.encode,
}
# Encoders of the structure every problem has, in the order they must run
# (promotion variables first: role-restricted colocations refer to them).
STRUCTURE = (promotable.encode, clone.encode, group.encode, utilization.encode)


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """How to search: time budget for the whole solve, workers and seed (pinned for determinism)."""

    time_limit: float = 60.0
    num_workers: int = 1
    seed: int = 0


@dataclass(frozen=True)
class Outcome:
    """What CP-SAT found: the solution, each level's value, and whether every level is proven."""

    solution: Solution
    values: dict[str, int]
    optimal: bool
    gap: float | None
    variables: int
    constraints: int
    wall_seconds: float


def encode(problem: Problem, explain: bool = False) -> EncodeContext:
    """The whole model for ``problem``."""
    ctx = EncodeContext(problem, explain)
    for encode_structure in STRUCTURE:
        encode_structure(ctx, problem)
    for relation in [*problem.links, *problem.precedences]:
        ENCODERS[type(relation)](ctx, relation)
    return ctx


def configure(solver: cp_model.CpSolver, options: SolverOptions, time_limit: float) -> None:
    """Pin the search parameters (see the module docstring for why these)."""
    parameters = solver.parameters
    parameters.num_workers = max(1, options.num_workers)
    parameters.random_seed = options.seed
    parameters.max_time_in_seconds = max(0.01, time_limit)
    if options.num_workers <= 1:
        parameters.linearization_level = 2
    else:
        parameters.subsolvers.extend(["max_lp", "core", *["default_lp"] * (options.num_workers - 2)])


def read(ctx: EncodeContext, solver: cp_model.CpSolver) -> Solution:
    """The solver's current assignment as a `Solution`."""
    placed: dict[str, set[str]] = {}
    promoted: dict[str, set[str]] = {}
    for (key, node), var in ctx.x.items():
        if solver.boolean_value(var):
            placed.setdefault(key, set()).add(node)
    for (key, node), var in ctx.promoted.items():
        if solver.boolean_value(var):
            promoted.setdefault(key, set()).add(node)
    return Solution(
        {k: frozenset(v) for k, v in placed.items()}, {k: frozenset(v) for k, v in promoted.items()}
    )


def hint(ctx: EncodeContext, solution: Solution) -> None:
    """Seed the search with ``solution`` (a hint, never a constraint)."""
    ctx.model.clear_hints()
    pairs, promoted = solution.pairs(), solution.promoted_pairs()
    for pair, var in ctx.x.items():
        ctx.model.add_hint(var, pair in pairs)
    for pair, var in ctx.promoted.items():
        ctx.model.add_hint(var, pair in promoted)


def solve_levels(
    problem: Problem,
    start: Solution,
    reference: Solution,
    current: Solution,
    options: SolverOptions,
    skip: frozenset[str] = frozenset(),
) -> Outcome:
    """Solve each objective level in turn, fixing it before the next; hint with ``start``.

    Levels in ``skip`` are already known optimal for ``start`` and are fixed to its value.
    """
    began = time.perf_counter()
    deadline = began + options.time_limit
    ctx = encode(problem)
    best = start
    optimal = True
    gap: float | None = None
    start_values = objective.values(problem, start, reference, current)
    for level in objective.LEVELS:
        expr = objective.expression(ctx, level, reference, current)
        if level in skip:
            ctx.model.add(expr == start_values[level])
            continue
        if isinstance(expr, int):
            continue  # nothing to choose at this level (e.g. no +INFINITY scores)
        maximise = level in objective.MAXIMISED
        if maximise:
            ctx.model.maximize(expr)
        else:
            ctx.model.minimize(expr)
        hint(ctx, best)
        solver = cp_model.CpSolver()
        configure(solver, options, deadline - time.perf_counter())
        status = solver.solve(ctx.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # Every level is feasible (the previous solution satisfies it): only a time-out lands
            # here. Keep the previous solution and report how far it may be from the bound.
            optimal = False
            if maximise:
                value = objective.values(problem, best, reference, current)[level]
                bound = solver.best_objective_bound
                gap = abs(bound - value) / max(1.0, abs(bound))
            break
        best = read(ctx, solver)
        value = round(solver.objective_value)
        if status == cp_model.OPTIMAL:
            ctx.model.add(expr == value)
        else:
            optimal = False
            bound = solver.best_objective_bound
            if level == "score" or gap is None:
                gap = abs(bound - value) / max(1.0, abs(bound))
            ctx.model.add(expr >= value if maximise else expr <= value)
        if time.perf_counter() >= deadline:
            optimal = optimal and level == objective.LEVELS[-1]
            break
    proto = ctx.model.proto
    return Outcome(
        best,
        objective.values(problem, best, reference, current),
        optimal,
        gap,
        len(proto.variables),
        len(proto.constraints),
        time.perf_counter() - began,
    )
