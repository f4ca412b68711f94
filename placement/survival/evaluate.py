"""Solve one failure scenario: proven without search when the displaced units simply fit, else planned.

The scenario is the events ``NodeDown`` for each lost node, applied to the current state
exactly as ``placement whatif --node-down …`` applies them, and lowered to the same
`Problem`. Then, cheapest first:

1. **Fit** (no search). Keep every unit where it runs and re-place only the displaced
   ones: first by combining the moves that each single failure's own fit made (when the
   scenario loses several domains, `compose`), else one by one as Pacemaker would
   (`greedy` on the neighbourhood of the displaced units, `incremental.restrict`). If the
   candidate breaks no hard constraint (`violations`, the checker the solver's answers
   are tested with) and reaches the *upper bound* of the first objective level — every
   unit runs as many copies as its allowed nodes permit — then every optimal answer, the
   planner's included, runs exactly that many copies of every unit: the bound pins the
   copies per unit. So which resources stop, lose copies or stay blocked is the
   planner's answer, without a model. (Promotions are not pinned by that level: a
   problem with promotable units always goes to step 3.)
2. **Local** search: when one-by-one placement falls short (a unit would have to move out
   of the way), CP-SAT maximises only the first level on that small neighbourhood model;
   reaching the global bound proves the answer the same way.
3. **Plan**: otherwise the whatif planner's solver answers, on the same problem
   (`solve_problem`: what `placement.planning.plan` runs for these events).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from placement.errors import PlacementError
from placement.events import NodeDown, apply_events
from placement.model import Config
from placement.remote import with_lost_guests
from placement.solve import current_solution, solve_problem
from placement.solve.evaluate import violations
from placement.solve.greedy import greedy
from placement.solve.incremental import displaced, merge, neighbourhood, restrict
from placement.solve.options import SolverOptions
from placement.solve.problem import Problem, build_problem
from placement.solve.solution import Solution
from placement.state import State
from placement.survival.lowering import Lowering
from placement.survival.outcome import Answer, Baseline, Moves, Outcome, impacts

# The local model is small: if it has not reached the bound by then, the planner decides.
LOCAL_SECONDS = 5.0


def evaluate(
    config: Config,
    state: State,
    baseline: Baseline,
    groups: tuple[tuple[str, ...], ...],
    *,
    time_limit: float = 60.0,
    fit: bool = True,
    hints: Mapping[tuple[str, ...], Moves] | None = None,
    lowering: Lowering | None = None,
) -> Outcome:
    """The outcome of losing every node of ``groups`` (one group per failure domain) at once.

    ``hints`` are the moves each single domain's failure needed (`Outcome.moves`), by its
    nodes: they build a first candidate for a scenario losing several domains. ``lowering``
    is the no-failure lowering of ``config`` in ``state`` (else the problem is built from scratch).
    """
    began = time.perf_counter()
    nodes = tuple(node for group in groups for node in group)
    after, lost = apply_events(config, state, [NodeDown(node) for node in nodes])
    lost = with_lost_guests(after, lost)
    problem = lowering.problem(after, lost) if lowering is not None else build_problem(after, lost)
    if fit:
        proven = fitted(problem, groups, hints or {}, time_limit)
        if proven is not None:
            method, solution, moves = proven
            found = impacts(after, problem, baseline, Answer.of_solution(problem, solution))
            return Outcome(nodes, found, method, True, None, time.perf_counter() - began, moves)
    try:
        placement = solve_problem(problem, time_limit=time_limit)
    except PlacementError as error:
        return Outcome(nodes, (), "plan", False, str(error), time.perf_counter() - began)
    found = impacts(after, problem, baseline, Answer.of_placement(problem, placement))
    return Outcome(nodes, found, "plan", placement.optimal, None, time.perf_counter() - began)


def fitted(
    problem: Problem,
    groups: tuple[tuple[str, ...], ...],
    hints: Mapping[tuple[str, ...], Moves],
    time_limit: float = 10.0,
) -> tuple[str, Solution, Moves] | None:
    """(method, a solution whose copies per unit provably equal the planner's, its moves), or None."""
    if any(problem.promotable.values()):
        return None
    current = current_solution(problem)
    bound = running_bound(problem)
    if len(groups) > 1 and all(group in hints for group in groups):
        lost = {node for group in groups for node in group}
        combined = compose(current, [hints[group] for group in groups], lost)
        if _proven(problem, combined, bound):
            return "fit", combined, moves_of(combined, current)
        # Some moves clashed (onto another lost node, or over a capacity): re-place only what
        # is still displaced, around the combined moves.
        found = _around(problem, combined, current, bound, time_limit, search=False)
        if found is not None:
            return found
    return _around(problem, current, current, bound, time_limit, search=True)


def _around(problem: Problem, base: Solution, current: Solution, bound: int, time_limit: float,
            search: bool) -> tuple[str, Solution, Moves] | None:
    """Re-place the units displaced from ``base`` one by one (then, if ``search``, by CP-SAT)."""
    free = neighbourhood(problem, displaced(problem, base))
    if not free:
        candidate = base
    elif len(free) >= len(problem.units):
        candidate = greedy(problem)
    else:
        small = restrict(problem, free, base)
        kept = set(small.scope or ())
        near = greedy(small)
        candidate = merge(kept, near, base)
        if search and not _proven(problem, candidate, bound):
            local = _local(small, near, time_limit)
            if local is None:
                return None
            candidate = merge(kept, local, base)
            return ("local", candidate, moves_of(candidate, current)) if _proven(problem, candidate, bound) else None
    return ("fit", candidate, moves_of(candidate, current)) if _proven(problem, candidate, bound) else None


def compose(current: Solution, parts: list[Moves], lost: set[str]) -> Solution:
    """``current`` with the moves of several single failures applied together.

    A move onto a node that another of the failures loses is left out (the unit stays
    displaced); whether the rest fits together is for `violations` to say.
    """
    placed = dict(current.placed)
    for key in {key for moves in parts for key in moves}:
        now = current.nodes(key)
        removed = set().union(*(now - moves[key] for moves in parts if key in moves))
        added = set().union(*(moves[key] - now for moves in parts if key in moves))
        placed[key] = frozenset((now - removed) | (added - lost))
    return Solution({k: v for k, v in placed.items() if v}, dict(current.promoted))


def moves_of(solution: Solution, current: Solution) -> Moves:
    """What ``solution`` changed: unit → its nodes, for every unit not where it runs now."""
    keys = set(solution.placed) | set(current.placed)
    return {key: solution.nodes(key) for key in keys if solution.nodes(key) != current.nodes(key)}


def running_bound(problem: Problem) -> int:
    """The first objective level's upper bound: every unit on as many allowed nodes as it may use.

    The same sum as `objective.upper_bounds` gives for ``running``, without the other levels.
    """
    total = 0
    for unit in problem.units:
        allowed = problem.allowed.get(unit.key, {})
        total += problem.weights[unit.key] * min(problem.most_copies(unit), len(allowed))
    return total


def _proven(problem: Problem, candidate: Solution, bound: int) -> bool:
    """Whether ``candidate`` is a placement (no unit over its copies, no violation) at the bound."""
    by_key = problem.by_key
    running = 0
    for key, nodes in candidate.placed.items():
        unit = by_key[key]
        if len(nodes) > problem.most_copies(unit):
            return False  # combined moves put a single copy on two nodes: not a placement
        running += problem.weights[key] * len(nodes)
    return running == bound and not violations(problem, candidate)


def _local(small: Problem, near: Solution, time_limit: float) -> Solution | None:
    """The neighbourhood's best first level by CP-SAT (ortools is imported only here)."""
    from placement.solve.cpsat import solve_levels

    pinned_only = Solution({k: v for k, v in small.pinned.items() if v}, dict(small.pinned_promoted))
    start = next((s for s in (near, pinned_only) if not violations(small, s)), None)
    if start is None:
        return None
    options = SolverOptions(time_limit=min(time_limit, LOCAL_SECONDS))
    return solve_levels(small, start, near, start, options, levels=("running",)).solution
