"""Exact placement: the best target for a configuration in a state, by CP-SAT (issue 4).

The pipeline, one module per step:

* `problem.build_problem` lowers config + state to units, allowed nodes with scored terms
  (`scores`), colocation links, order precedences and capacities;
* when something runs already, `incremental.replan` re-solves only the displaced units'
  neighbourhood and certifies the answer globally optimal (``method="incremental"``);
* otherwise `greedy.greedy` computes Pacemaker's own one-by-one answer; if it is feasible
  and reaches the upper bound of every maximised level it is optimal and returned without
  building a model (``method="greedy"``); else its shortfalls are re-solved the same
  neighbourhood way, and only if that cannot be certified does `cpsat.solve_levels` solve
  the whole lexicographic objective (`objective`, ``method="cp-sat"``);
* `result.to_placement` turns the answer into a `Placement`.

docs/solver.md explains the model.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from placement.errors import InvalidInput
from placement.model import Config
from placement.solve import objective
from placement.solve.evaluate import violations
from placement.solve.greedy import greedy
from placement.solve.options import SolverOptions
from placement.solve.problem import Problem, build_problem
from placement.solve.result import to_placement
from placement.solve.solution import Solution
from placement.state import State
from placement.target import Placement, SolveStats

__all__ = ["Problem", "Solution", "build_problem", "current_solution", "solve", "solve_problem"]


def current_solution(problem: Problem) -> Solution:
    """The state's placement as a `Solution` (for closeness and moves)."""
    current = problem.table.current
    return Solution(dict(current.nodes), dict(current.promoted))


def solve(
    config: Config,
    state: State | None = None,
    *,
    time_limit: float = 60.0,
    num_workers: int = 1,
    seed: int = 0,
    use_greedy: bool = True,
    incremental: bool = True,
) -> Placement:
    """The best placement of ``config`` in ``state`` (empty/None = fresh cluster).

    ``time_limit`` bounds the search (seconds); when it is hit the best placement found is
    returned with ``stats.optimal`` False and the proven ``gap``. ``num_workers`` and
    ``seed`` are pinned for determinism. ``use_greedy=False`` skips the greedy fast path;
    ``incremental=False`` always solves the whole model (see `placement.solve.incremental`).
    """
    began = time.perf_counter()
    problem = build_problem(config, state)
    return solve_problem(
        problem,
        time_limit=time_limit,
        num_workers=num_workers,
        seed=seed,
        use_greedy=use_greedy,
        incremental=incremental,
        began=began,
    )


def solve_problem(problem: Problem, *, began: float | None = None, **options: Any) -> Placement:
    """`solve` for an already lowered problem (same options)."""
    began = time.perf_counter() if began is None else began
    current = current_solution(problem)
    if options.get("incremental", True) and current.placed:
        answer = _incremental(problem, current, began, options)
        if answer is not None:
            return answer
    reference = greedy(problem)
    if options.get("use_greedy", True) and _greedy_is_optimal(problem, reference):
        values = objective.values(problem, reference, reference, current)
        stats = SolveStats("greedy", time.perf_counter() - began, True)
        return to_placement(problem, reference, values, stats)
    # Hint with a feasible answer when there is one: greedy's, else only what is pinned in place.
    pinned_only = Solution(dict(problem.pinned), dict(problem.pinned_promoted))
    start = next((s for s in (reference, pinned_only) if not violations(problem, s)), current)
    if options.get("incremental", True) and not current.placed and start is reference:
        improved = _around_greedy(problem, reference, current, began, options)
        if isinstance(improved, Placement):
            return improved
        start = improved or start
    from placement.solve.cpsat import solve_levels  # imports ortools only when needed

    remaining = max(0.01, _options(options).time_limit - (time.perf_counter() - began))
    outcome = solve_levels(problem, start, reference, current, replace(_options(options), time_limit=remaining))
    broken = violations(problem, outcome.solution)
    if broken:
        # Only when not even leaving everything as it is satisfies the hard constraints, and the
        # solver found nothing in time: never hand out a plan that breaks one (invariant 1).
        raise InvalidInput("no placement satisfies every hard constraint: " + "; ".join(broken[:5]))
    stats = SolveStats(
        "cp-sat",
        time.perf_counter() - began,
        outcome.optimal,
        outcome.gap,
        outcome.variables,
        outcome.constraints,
        outcome.tie_break_optimal,
    )
    return to_placement(problem, outcome.solution, outcome.values, stats)


# Above this many (unit, node) pairs an unproven neighbourhood answer is returned as is
# (flagged not proven optimal) rather than re-solving the whole model.
FULL_FALLBACK_PAIRS = 50_000
# Up to this many units a proven replan is compared with Pacemaker's one-by-one answer, which
# wins ties (objective level 3); above it the neighbourhood answer is kept for speed.
GREEDY_TIE_CHECK = 2_000


def _incremental(problem: Problem, current: Solution, began: float, options: dict[str, Any]) -> Placement | None:
    from placement.solve.incremental import replan

    solver_options = _options(options)
    # Pacemaker's own answer, for the closeness level and the tie check below (small problems).
    reference = greedy(problem) if len(problem.units) <= GREEDY_TIE_CHECK else None
    outcome = replan(problem, current, solver_options, began + solver_options.time_limit, reference=reference)
    if outcome is None:
        return None
    pairs = sum(len(nodes) for nodes in problem.allowed.values())
    if not outcome.proven and pairs <= FULL_FALLBACK_PAIRS:
        return None
    values = objective.values(problem, outcome.solution, current, current)
    # Level 3: among optimal answers Pacemaker's own comes first. If the one-by-one answer is
    # as good on every maximised level, it is the answer (§6.2 tie-breaks included).
    if outcome.proven and reference is not None and not violations(problem, reference):
        theirs = objective.values(problem, reference, reference, current)
        if all(theirs[level] == values[level] for level in objective.MAXIMISED):
            stats = SolveStats("greedy", time.perf_counter() - began, True)
            return to_placement(problem, reference, theirs, stats)
    stats = SolveStats(
        "incremental",
        time.perf_counter() - began,
        outcome.proven,
        None,
        outcome.variables,
        outcome.constraints,
        outcome.tie_break_optimal,
    )
    return to_placement(problem, outcome.solution, values, stats)


def _around_greedy(
    problem: Problem, reference: Solution, current: Solution, began: float, options: dict[str, Any]
) -> Placement | Solution | None:
    """A fresh cluster: improve greedy's answer where it falls short, keeping the rest.

    Returns the proven placement, or (unproven) a better hint for the full model, or —
    when the full model would be too big to build — the unproven placement with its gap.
    """
    from placement.solve.incremental import regretful, replan

    solver_options = _options(options)
    deadline = began + solver_options.time_limit
    # (Pacemaker's whole answer is the tie-break reference too: a neighbourhood's own greedy
    # answer would not see the units left out of it, nor their share of §6.2's node counts.)
    outcome = replan(
        problem,
        current,
        solver_options,
        deadline,
        base=reference,
        seeds=regretful(problem, reference),
        reference=reference,
    )
    if outcome is None:
        return None
    pairs = sum(len(nodes) for nodes in problem.allowed.values())
    if not outcome.proven and pairs <= FULL_FALLBACK_PAIRS:
        return outcome.solution
    values = objective.values(problem, outcome.solution, reference, current)
    bound = objective.upper_bounds(problem)["score"]
    gap = None if outcome.proven else max(0, bound - values["score"]) / max(1, abs(bound))
    stats = SolveStats(
        "incremental",
        time.perf_counter() - began,
        outcome.proven,
        gap,
        outcome.variables,
        outcome.constraints,
        outcome.tie_break_optimal,
    )
    return to_placement(problem, outcome.solution, values, stats)


def _options(options: dict[str, Any]) -> SolverOptions:
    return SolverOptions(
        time_limit=options.get("time_limit", 60.0),
        num_workers=options.get("num_workers", 1),
        seed=options.get("seed", 0),
    )


def _greedy_is_optimal(problem: Problem, reference: Solution) -> bool:
    """Greedy is optimal when it breaks nothing and reaches every maximised level's upper bound."""
    if violations(problem, reference):
        return False
    bounds = objective.upper_bounds(problem)
    reached = objective.values(problem, reference, reference, reference)
    return all(reached[level] >= bound for level, bound in bounds.items())
