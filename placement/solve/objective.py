"""The lexicographic objective, level by level (issue 4 "Objective").

1. ``running``  — copies that run, weighted so a higher priority always wins (maximise);
2. ``required`` — copies on a node where their score is +INFINITY, and promotions where the
   promotion score is: "run (promote) here if it can" is a level of its own above every
   finite score, never a 1,000,000 weight (maximise);
3. ``score``    — the finite scores earned: locations, stickiness, promotion, finite
   colocations (maximise);
4. ``closeness`` — difference from Pacemaker's greedy answer, then from the current placement
   (minimise; both are counts, so ``difference·(bound+1) + moves`` is exact).

Each level is solved, then fixed before the next. The same values are computed here in
plain Python for any candidate `Solution`, and with upper bounds for the greedy fast path.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from placement.score import INFINITY
from placement.solve import colocation, promotable
from placement.solve.solution import Solution, SolutionView

if TYPE_CHECKING:
    from ortools.sat.python import cp_model

    from placement.solve.context import EncodeContext
    from placement.solve.problem import Problem
    from placement.solve.terms import NodeScore

LEVELS = ("running", "required", "score", "closeness")
MAXIMISED = frozenset({"running", "required", "score"})


def running(problem: Problem, solution: Solution) -> int:
    return sum(problem.weights[key] * len(nodes) for key, nodes in solution.placed.items())


def required(problem: Problem, solution: Solution) -> int:
    """Copies on a +INFINITY node, and promotions where the promotion score is +INFINITY."""
    placed = sum(1 for key, node in solution.pairs() if problem.allowed[key][node].required)
    promoted = sum(1 for key, node in solution.promoted_pairs() if problem.promotable[key][node].required)
    return placed + promoted


def score(problem: Problem, solution: Solution) -> int:
    view = SolutionView(problem, solution)
    earned = sum(problem.allowed[key][node].finite for key, node in solution.pairs())
    earned += sum(problem.promotable[key][node].finite for key, node in solution.promoted_pairs())
    earned += sum(colocation.reward(view, link) for link in problem.links if not link.mandatory)
    return earned


def difference(left: Solution, right: Solution) -> int:
    """How many (unit, node) runs and promotions differ between two solutions."""
    return len(left.pairs() ^ right.pairs()) + len(left.promoted_pairs() ^ right.promoted_pairs())


def closeness_scale(problem: Problem) -> int:
    """One more than the largest possible difference from the current placement (once per problem)."""
    cached = problem.__dict__.get("_closeness_scale")
    if cached is None:
        cached = problem.__dict__["_closeness_scale"] = _closeness_scale(problem)
    return cached


def _closeness_scale(problem: Problem) -> int:
    pairs = sum(len(nodes) for nodes in problem.allowed.values())
    promotions = sum(len(nodes) for nodes in problem.promotable.values())
    current = sum(len(nodes) for nodes in problem.table.current.nodes.values())
    current += sum(len(nodes) for nodes in problem.table.current.promoted.values())
    return pairs + promotions + current + 1


def closeness(problem: Problem, solution: Solution, reference: Solution, current: Solution) -> int:
    return difference(solution, reference) * closeness_scale(problem) + difference(solution, current)


def values(problem: Problem, solution: Solution, reference: Solution, current: Solution) -> dict[str, int]:
    """Every level's value for a candidate solution."""
    return {
        "running": running(problem, solution),
        "required": required(problem, solution),
        "score": score(problem, solution),
        "closeness": closeness(problem, solution, reference, current),
    }


def upper_bounds(problem: Problem) -> dict[str, int]:
    """Bounds no solution can beat on the maximised levels (each unit at its best, alone).

    When a solution reaches all three it is optimal without search: the greedy fast path.
    Computed once per problem (they only depend on it).
    """
    cached = problem.__dict__.get("_upper_bounds")
    if cached is None:
        cached = _upper_bounds(problem)
        problem.__dict__["_upper_bounds"] = cached
    return dict(cached)


def _upper_bounds(problem: Problem) -> dict[str, int]:
    run = required_count = best = 0
    for unit in problem.units:
        allowed = problem.allowed.get(unit.key, {})
        copies = min(problem.most_copies(unit), len(allowed))
        if not copies:
            continue
        run += problem.weights[unit.key] * copies
        # (List comprehensions, then max/sort in C: this runs for every unit on every node.)
        finite = [s.finite for s in allowed.values()]
        required_count += min(copies, [s.total >= INFINITY for s in allowed.values()].count(True))
        if copies == 1:
            best += max(0, max(finite))
        else:
            best += sum(max(0, v) for v in heapq.nlargest(copies, finite))
    best += promotion_bound(problem)
    must_promote: dict[str, int] = {}
    for key, nodes in _counted_promotions(problem):
        clone = problem.by_key[key].clone
        assert clone is not None
        must_promote[clone] = must_promote.get(clone, 0) + sum(1 for s in nodes.values() if s.required)
    for clone, count in must_promote.items():
        required_count += min(problem.promoted_limits(clone)[0], count)
    for link in problem.links:
        if not link.mandatory and link.score > 0:
            for key in link.dependent.units:
                unit = problem.by_key[key]
                best += link.score * min(problem.most_copies(unit), len(problem.allowed.get(key, {})))
    return {"running": run, "required": required_count, "score": best}


def promotion_bound(problem: Problem) -> int:
    """A cap on what promotions add to the score: each clone's best positive promotion scores."""
    gains: dict[str, list[int]] = {}
    for key, nodes in _counted_promotions(problem):
        clone = problem.by_key[key].clone
        assert clone is not None
        gains.setdefault(clone, []).extend(max(0, s.finite) for s in nodes.values())
    return sum(sum(heapq.nlargest(problem.promoted_limits(clone)[0], values)) for clone, values in gains.items())


def _counted_promotions(problem: Problem) -> Iterator[tuple[str, dict[str, NodeScore]]]:
    """The promotable units whose promotion scores count (a group copy's first member carries the copy's)."""
    for key, nodes in problem.promotable.items():
        if promotable.counts(problem.by_key[key]):
            yield key, nodes


# ----------------------------------------------------------------------------- CP-SAT


def expression(ctx: EncodeContext, level: str, reference: Solution, current: Solution) -> cp_model.LinearExprT:
    """The linear expression of ``level`` over the model's literals."""
    problem = ctx.problem
    if level == "running":
        return _weighted([(problem.weights[key], var) for (key, _node), var in ctx.x.items()])
    if level == "required":
        placed = [var for (key, node), var in ctx.x.items() if problem.allowed[key][node].required]
        promoted = [var for (key, node), var in ctx.promoted.items() if problem.promotable[key][node].required]
        return _weighted([(1, var) for var in placed + promoted])
    if level == "score":
        scores = [(problem.allowed[key][node].finite, var) for (key, node), var in ctx.x.items()]
        return _weighted([(coefficient, lit) for coefficient, lit in [*scores, *ctx.score_terms] if coefficient])
    scale = closeness_scale(problem)
    weights: dict[object, int] = {}
    for pairs, reference_pairs, current_pairs in (
        (ctx.x, reference.pairs(), current.pairs()),
        (ctx.promoted, reference.promoted_pairs(), current.promoted_pairs()),
    ):
        for pair, var in pairs.items():
            weights[var] = scale * (-1 if pair in reference_pairs else 1) + (-1 if pair in current_pairs else 1)
    # Constant parts (pairs in the reference/current) do not change the argmin; they are
    # added back by the caller through `values`.
    return _weighted([(weight, var) for var, weight in weights.items()])


def _weighted(terms: list[tuple[int, Any]]) -> cp_model.LinearExprT:
    """Σ coefficient·literal, as ``sum`` of the products would build it (0 when empty), faster."""
    if not terms:
        return 0
    from placement.solve.cp_model_import import cp_model

    return cp_model.LinearExpr.weighted_sum([lit for _, lit in terms], [c for c, _ in terms])
