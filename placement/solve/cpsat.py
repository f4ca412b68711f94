"""Build the CP-SAT model from a `Problem` and solve it level by level.

Parameters are pinned on purpose (issue 4, measured on 2 cores with OR-Tools 9.15): CP-SAT's
default portfolio with one or two workers has no LP-heavy worker and could not prove even
a 3×100 instance optimal in a minute, so one worker runs with the ``max_lp`` linearization
(level 2) and two workers run the ``max_lp`` and ``core`` subsolvers. The seed is fixed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from placement.solve import (
    clone,
    coloc_lift,
    colocation,
    group,
    objective,
    order,
    promotable,
    promotion_priority,
    relaxation,
    utilization,
)
from placement.solve.context import EncodeContext, hint_values
from placement.solve.cp_model_import import cp_model
from placement.solve.evaluate import violations
from placement.solve.options import SolverOptions
from placement.solve.problem import Problem
from placement.solve.solution import Solution

# Encoders for the lowered relations, keyed by their class (STYLE.md §5).
ENCODERS = {
    colocation.Link: colocation.encode,
    order.Precedence: order.encode,
}
# Encoders of the structure every problem has, in the order they must run
# (promotion variables first: role-restricted colocations refer to them).
STRUCTURE = (
    promotable.encode,
    promotion_priority.encode,
    clone.encode,
    group.encode,
    utilization.encode,
    coloc_lift.encode,
)


@dataclass(frozen=True)
class Outcome:
    """What CP-SAT found: the solution, each level's value, and whether every level is proven.

    ``values`` is empty when no feasible answer was found (``solution`` is then the start).
    """

    solution: Solution
    values: dict[str, int]
    optimal: bool
    gap: float | None
    variables: int
    constraints: int
    wall_seconds: float
    tie_break_optimal: bool = True
    # When the LP relaxation proved the score level: its bound's distance above the answer and
    # each capacity's price there (how much the score could grow per unit of extra capacity).
    score_gap: float | None = None
    capacity_prices: dict[tuple[str, str], float] | None = None
    # The (unit, node) columns the LP relaxation had taken in when it finished: where an LP
    # of a related problem (`score_bound` of the freed units) may start instead of pricing
    # its way there again.
    lp_pairs: frozenset[tuple[str, str]] = frozenset()


def encode(problem: Problem, explain: bool = False) -> EncodeContext:
    """The whole model for ``problem``."""
    ctx = EncodeContext(problem, explain)
    for encode_structure in STRUCTURE:
        encode_structure(ctx, problem)
    for relation in [*problem.links, *problem.precedences]:
        ENCODERS[type(relation)](ctx, relation)
    return ctx


def configure(solver: cp_model.CpSolver, options: SolverOptions, time_limit: float, work: float | None = None) -> None:
    """Pin the search parameters (see the module docstring for why these).

    ``time_limit`` caps the wall-clock time; ``work``, when given, the deterministic time
    (`SolverOptions.tie_break_work`), which ends the search at the same point on any load.
    """
    parameters = solver.parameters
    parameters.num_workers = max(1, options.num_workers)
    parameters.random_seed = options.seed
    parameters.max_time_in_seconds = max(0.01, time_limit)
    if work is not None:
        parameters.max_deterministic_time = max(0.0, work)
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
    return Solution({k: frozenset(v) for k, v in placed.items()}, {k: frozenset(v) for k, v in promoted.items()})


def hint(ctx: EncodeContext, solution: Solution) -> None:
    """Seed the search with ``solution`` (a hint, never a constraint)."""
    ctx.model.clear_hints()
    values = hint_values(ctx, solution.pairs(), solution.promoted_pairs())
    for index, value in sorted(values.items()):
        ctx.model.add_hint(ctx.model.get_bool_var_from_proto_index(index), value)


def solve_levels(
    problem: Problem,
    start: Solution,
    reference: Solution,
    current: Solution,
    options: SolverOptions,
    levels: tuple[str, ...] = objective.LEVELS,
) -> Outcome:
    """Solve each objective level in turn, fixing it before the next; hint with the best so far.

    A maximised level that the current best answer already reaches its upper bound on is
    fixed without search (greedy often proves "everything runs" that way). The last level
    (closeness to Pacemaker's answer) is a tie-break among answers already proven optimal:
    it gets at most `SolverOptions.tie_break_work` of deterministic time (and what is left
    of the time limit), and if that runs out the answer is still optimal for the levels
    that matter, with ``tie_break_optimal`` False.
    """
    began = time.perf_counter()
    deadline = began + options.time_limit
    ctx = encode(problem)
    bounds = objective.upper_bounds(problem)
    best = start
    feasible = not violations(problem, start)
    optimal, tie_break_optimal = True, True
    gap: float | None = None
    lp: relaxation.LinearRelaxation | None = None
    score_gap: float | None = None
    prices: dict[tuple[str, str], float] | None = None
    for level in levels:
        expr = objective.expression(ctx, level, reference, current)
        if isinstance(expr, int):
            continue  # nothing to choose at this level (e.g. no +INFINITY scores)
        if feasible and level in bounds:
            reached = objective.values(problem, best, reference, current)[level]
            if reached >= bounds[level]:
                ctx.model.add(expr == reached)
                continue
        maximise = level in objective.MAXIMISED
        tie_break = level == "closeness"
        if tie_break and feasible and optimal and not objective.difference(best, reference):
            # The best answer is the reference itself: the only one at distance 0 from it, so
            # closeness (that distance, scaled above any count of moves) is at its minimum.
            continue
        if tie_break and not optimal:
            break  # no time was left to prove the levels above: do not spend more
        ctx.model.maximize(expr) if maximise else ctx.model.minimize(expr)
        if lp is None and len(ctx.model.proto.variables) <= RELAXATION_LIMIT:
            lp = relaxation.LinearRelaxation(ctx.model, *_columns(ctx, best if feasible else None, reference, current))
        proven, relaxed = _by_relaxation(ctx, lp, problem, best if feasible else None, maximise, deadline)
        if proven is None and relaxed is not None and feasible and not tie_break:
            near, reached = _near_relaxation(ctx, relaxed, best, maximise, options, deadline)
            if reached:
                proven = near, True, relaxed.bound
            elif near is not None:
                best = near  # not proven, but better: the whole search starts from it
        if proven is not None:
            best, feasible, bound = proven
            value = round(relaxation.objective_value(ctx.model, _values(ctx, best)))
            if level == "score" and lp is not None:
                score_gap, prices = max(0.0, bound - value), lp.prices(ctx.capacity_rows)
                if len(prices) < len(ctx.capacity_rows):
                    # A capacity row the LP left out (an enforced one) has no price: an
                    # unknown price must not read as a free node, so there are none.
                    score_gap, prices = None, None
            ctx.model.add(expr == value)
            continue
        if feasible:
            hint(ctx, best)
        remaining = deadline - time.perf_counter()
        solver = cp_model.CpSolver()
        # The tie-break is cut by a count of work, not by the clock: the same input gives the
        # same one of the equally good answers however busy the machine (`SolverOptions`).
        configure(solver, options, remaining, options.tie_break_work if tie_break else None)
        status = solver.solve(ctx.model)
        if status == cp_model.INFEASIBLE and not feasible:
            # Only a restricted model (a neighbourhood with partners pinned) can be infeasible:
            # there is no answer, and the caller widens or solves the whole problem.
            optimal = False
            break
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # A time-out (the whole problem always has an answer). Keep the best answer so far.
            if tie_break:
                tie_break_optimal = False
            else:
                optimal = False
                if feasible:
                    value = objective.values(problem, best, reference, current)[level]
                    gap = _gap(bounds.get(level, math.inf), value)  # no solution: the solver's bound is not one
            break
        best, feasible = read(ctx, solver), True
        value = round(solver.objective_value)
        if status == cp_model.OPTIMAL:
            ctx.model.add(expr == value)
            continue
        if tie_break:
            tie_break_optimal = False
            break
        optimal = False
        gap = _gap(min(solver.best_objective_bound, bounds.get(level, math.inf)), value)
        ctx.model.add(expr >= value if maximise else expr <= value)
    proto = ctx.model.proto
    lp_pairs = frozenset() if lp is None else frozenset(_loaded_pairs(ctx, lp))
    return Outcome(
        best,
        objective.values(problem, best, reference, current) if feasible else {},
        optimal,
        gap,
        len(proto.variables),
        len(proto.constraints),
        time.perf_counter() - began,
        tie_break_optimal,
        score_gap,
        prices,
        lp_pairs,
    )


def _loaded_pairs(ctx: EncodeContext, lp: relaxation.LinearRelaxation) -> list[tuple[str, str]]:
    loaded = lp.loaded()
    return [pair for pair, var in ctx.x.items() if var.Index() in loaded]


def score_bound(
    problem: Problem,
    time_limit: float,
    start: Solution | None = None,
    columns: frozenset[tuple[str, str]] = frozenset(),
) -> int | None:
    """An upper bound on the score of any answer to ``problem`` that runs everything it can.

    The LP relaxation of the model with the running and required levels held at their upper
    bounds, maximising the score: no search, so far cheaper than the score's optimum, and
    a bound all the same (a relaxation only loosens). None when those bounds are not
    reachable, the model is too big for the relaxation, or GLOP does not finish in time.
    ``start``, an answer that reaches those bounds, lets the LP start from few columns;
    ``columns``, (unit, node) pairs an LP of a related problem ended with, are taken in from
    the start as well. Neither changes the bound (the LP's optimum), only how many rounds of
    pricing reach it: the freed units' bound after a neighbourhood LP took a third of the
    time with that LP's columns at 100×10,000.
    """
    ctx = encode(problem)
    if len(ctx.model.proto.variables) > RELAXATION_LIMIT:
        return None
    bounds = objective.upper_bounds(problem)
    empty = Solution({}, {})
    for level in ("running", "required"):
        expr = objective.expression(ctx, level, empty, empty)
        if not isinstance(expr, int):
            ctx.model.add(expr == bounds[level])
        elif expr != bounds[level]:
            return None
    expr = objective.expression(ctx, "score", empty, empty)
    if isinstance(expr, int):
        return expr
    ctx.model.maximize(expr)
    priced, keep = _columns(ctx, start)
    if priced:
        keep.update(ctx.x[pair].Index() for pair in columns if pair in ctx.x)
    lp = relaxation.LinearRelaxation(ctx.model, priced, keep).solve(time_limit)
    if lp is None:
        return None
    # GLOP's optimum is floating point: a slack relative to its size only loosens the cap.
    return math.floor(lp.bound + relaxation.INTEGRAL_TOLERANCE * max(1.0, abs(lp.bound)))


# The LP relaxation is tried on models up to this many variables (GLOP's time grows with size).
RELAXATION_LIMIT = 400_000


# The LP starts with each unit's few best-scoring nodes (and where the best answer so far
# puts it); the others enter only when their reduced cost asks (`LinearRelaxation._price`).
LP_COLUMNS_PER_UNIT = 3


def _columns(ctx: EncodeContext, best: Solution | None, *near: Solution) -> tuple[list[int], set[int]]:
    """The placement variables the LP may hold at 0 at first, and those it starts with.

    It starts with where ``best`` (feasible) and the ``near`` answers (the closeness level's
    reference and current placement) put each unit, and the unit's few best nodes.
    """
    if best is None:
        return [], set()  # without a feasible answer a restriction may be infeasible: start whole
    problem = ctx.problem
    priced = [var.Index() for var in ctx.x.values()]
    keep = {ctx.x[pair].Index() for answer in (best, *near) for pair in answer.pairs() if pair in ctx.x}
    for unit in problem.units:
        allowed = problem.allowed.get(unit.key, {})
        nodes = sorted(allowed, key=lambda node: -allowed[node].finite)[:LP_COLUMNS_PER_UNIT]
        keep.update(ctx.x[(unit.key, node)].Index() for node in [*nodes, *problem.pinned.get(unit.key, ())])
    return priced, keep


def _values(ctx: EncodeContext, solution: Solution) -> dict[int, bool]:
    return hint_values(ctx, solution.pairs(), solution.promoted_pairs())


def _by_relaxation(
    ctx: EncodeContext,
    relaxed: relaxation.LinearRelaxation | None,
    problem: Problem,
    best: Solution | None,
    maximise: bool,
    deadline: float,
) -> tuple[tuple[Solution, bool, float] | None, relaxation.Relaxation | None]:
    """Prove the current level with its LP relaxation, without search, when possible.

    If the best answer so far reaches the LP bound, it is the level's optimum; else if the
    LP optimum is integral and breaks no hard constraint, that is. Returns the answer, that
    it is feasible, and the LP bound (None when neither holds), and the LP optimum (None
    without one).
    """
    if relaxed is None:
        return None, None
    lp = relaxed.solve(max(0.0, deadline - time.perf_counter()) / 2)
    if lp is None:
        return None, None
    # The best answer so far first: often the reference, which then settles closeness too.
    if best is not None:
        value = relaxation.objective_value(ctx.model, _values(ctx, best))
        if relaxation.proves(lp, round(value), maximise):
            return (best, True, lp.bound), lp
    indices = [var.Index() for var in [*ctx.x.values(), *ctx.promoted.values()]]
    if lp.integral(indices):
        candidate = Solution(
            _chosen(ctx.x, lp.values),
            _chosen(ctx.promoted, lp.values),
        )
        if not violations(problem, candidate):
            value = relaxation.objective_value(ctx.model, _values(ctx, candidate))
            if relaxation.proves(lp, round(value), maximise):
                return (candidate, True, lp.bound), lp
    return None, lp


# The search near the LP optimum gets this much of CP-SAT's deterministic time: a count of
# work, not of seconds, so the same input ends the same way on any load.
NEAR_RELAXATION_WORK = 2.0


def _near_relaxation(
    ctx: EncodeContext,
    lp: relaxation.Relaxation,
    best: Solution,
    maximise: bool,
    options: SolverOptions,
    deadline: float,
) -> tuple[Solution | None, bool]:
    """Search only where the LP optimum and the best answer disagree; proven if it reaches the bound.

    Relaxation-induced neighbourhood search: every placement (and promotion) variable the LP
    optimum sets to the same 0 or 1 as the best answer is fixed, in a copy of the model, and
    CP-SAT searches the rest for a short, deterministic budget. The copy only adds
    constraints, so its answer is an answer of the level. Returns that answer when it is
    better than ``best`` (None otherwise) and whether the LP bound proves it optimal; when
    not, the whole level is searched as before, from the better answer.
    """
    values = _values(ctx, best)
    trial = ctx.model.clone()
    fixed = 0
    for var in [*ctx.x.values(), *ctx.promoted.values()]:
        index = var.Index()
        value = lp.values[index]
        hinted = values.get(index, False)
        if min(value, 1 - value) <= relaxation.INTEGRAL_TOLERANCE and round(value) == int(hinted):
            trial.add(trial.get_bool_var_from_proto_index(index) == int(hinted))
            fixed += 1
    if fixed == len(ctx.x) + len(ctx.promoted):
        return None, False  # nothing left to search (the LP optimum is the best answer's)
    trial.clear_hints()
    for index, value in sorted(values.items()):
        trial.add_hint(trial.get_bool_var_from_proto_index(index), value)
    solver = cp_model.CpSolver()
    configure(solver, options, max(0.0, deadline - time.perf_counter()), NEAR_RELAXATION_WORK)
    status = solver.solve(trial)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    value = round(solver.objective_value)
    before = round(relaxation.objective_value(ctx.model, values))
    if relaxation.proves(lp, value, maximise):
        return read(ctx, solver), True
    better = value > before if maximise else value < before
    return (read(ctx, solver) if better else None), False


def _chosen(variables: dict[tuple[str, str], cp_model.IntVar], values: list[float]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for (key, node), var in variables.items():
        if values[var.Index()] > 0.5:
            found.setdefault(key, set()).add(node)
    return {key: frozenset(nodes) for key, nodes in found.items()}


def _gap(bound: float, value: float) -> float | None:
    """Relative distance between the proven bound and the value found (None without a bound)."""
    if math.isinf(bound):
        return None
    return max(0.0, bound - value) / max(1.0, abs(bound))
