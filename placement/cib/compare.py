"""Judge two placements of one CIB by placement's own scorer: is ours *better*?

The conformance report counts a case where placement disagrees with Pacemaker as
*better* — not as a mismatch — only when re-scoring both answers proves it: ours breaks
no hard constraint, and by the solver's lexicographic objective (copies running,
"+INFINITY where it can", then the finite scores; see `placement.solve.objective`)
ours is strictly ahead. Pacemaker's greedy pass can leave a resource stopped that could
run, or settle for a lower total (SEMANTICS.md §6.4); this is how that is shown.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from dataclasses import dataclass, replace

from placement.cib import failures
from placement.model import Config, Role
from placement.solve import objective
from placement.solve.evaluate import violations
from placement.solve.problem import Problem, build_problem
from placement.solve.solution import Solution
from placement.state import State

# (primitive id, role name as Pacemaker prints it, node)
Entry = tuple[str, str, str]
LEVELS = ("running", "required", "score")


@dataclass(frozen=True, slots=True)
class Judgement:
    """``verdict`` is better, equal, worse or incomparable; the values are per objective level."""

    verdict: str
    ours: dict[str, int] | None = None
    theirs: dict[str, int] | None = None
    reason: str = ""


def judge(
    config: Config,
    state: State,
    ours: Iterable[Entry],
    theirs: Iterable[Entry],
    blocked: Iterable[str] = (),
) -> Judgement:
    """Compare our placement with Pacemaker's for ``config`` in ``state``.

    The bans Pacemaker derives from failed operations (`placement.cib.failures`) count
    as hard constraints here, so an answer that ignores them is never called better.
    ``blocked`` names resources whose start or promotion Pacemaker found unrunnable
    (ordering, fencing, quorum): running more of them is not comparable by scores.
    """
    ours, theirs = list(ours), list(theirs)
    extra = collections.Counter(ours) - collections.Counter(theirs)
    stuck = sorted({resource for resource, _, _ in extra} & set(blocked))
    if stuck:
        return Judgement("incomparable", reason=f"Pacemaker could not run {', '.join(stuck)} (blocked)")
    config = replace(config, constraints=config.constraints + failures.bans(config, state))
    problem = build_problem(config, state)
    mine, pacemakers = _solution(problem, ours), _solution(problem, theirs)
    if mine is None or pacemakers is None:
        return Judgement("incomparable", reason="a placed resource is not a unit of the problem")
    broken = violations(problem, mine)
    if broken:
        return Judgement("incomparable", reason=f"ours breaks: {broken[0]}")
    broken = violations(problem, pacemakers)
    if broken:
        # Pacemaker may legitimately break what the model calls hard (its +INFINITY is
        # soft, its bans come in order); then the scores cannot be compared fairly.
        return Judgement("incomparable", reason=f"Pacemaker's breaks here: {broken[0]}")
    mine_values = _values(problem, mine)
    their_values = _values(problem, pacemakers)
    key = tuple(mine_values[level] for level in LEVELS)
    other = tuple(their_values[level] for level in LEVELS)
    verdict = "better" if key > other else "equal" if key == other else "worse"
    return Judgement(verdict, mine_values, their_values)


def _values(problem: Problem, solution: Solution) -> dict[str, int]:
    return {
        "running": objective.running(problem, solution),
        "required": objective.required(problem, solution),
        "score": objective.score(problem, solution),
    }


def _solution(problem: Problem, entries: Iterable[Entry]) -> Solution | None:
    """Entries as a `Solution`; unique clone copies take instance numbers in node order."""
    units_of: dict[str, list] = {}
    for unit in problem.units:
        units_of.setdefault(unit.primitive, []).append(unit)
    placed: dict[str, set[str]] = {}
    promoted: dict[str, set[str]] = {}
    used: dict[str, int] = {}
    for primitive, role, node in sorted(entries, key=lambda e: (e[0], e[2], e[1])):
        units = units_of.get(primitive)
        if not units:
            return None
        if len(units) == 1:
            unit = units[0]
        else:
            index = used.get(primitive, 0)
            if index >= len(units):
                return None
            unit, used[primitive] = units[index], index + 1
        placed.setdefault(unit.key, set()).add(node)
        if Role.parse(role) is Role.PROMOTED:
            promoted.setdefault(unit.key, set()).add(node)
    return Solution({k: frozenset(v) for k, v in placed.items()}, {k: frozenset(v) for k, v in promoted.items()})
