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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from placement.cib import failures
from placement.hierarchy import Hierarchy
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
    blocked: Iterable[str] | Mapping[str, Iterable[str]] = (),
    fenced: Iterable[str] = (),
) -> Judgement:
    """Compare our placement with Pacemaker's for ``config`` in ``state``.

    The bans Pacemaker derives from failed operations (`placement.cib.failures`) count
    as hard constraints here, so an answer that ignores them is never called better.
    ``blocked`` names resources whose start or promotion Pacemaker found unrunnable
    (ordering, fencing, quorum): running more of them is not comparable by scores —
    unless ``blocked`` maps each to the resources whose unrunnable start blocked it
    ("due to unrunnable rsc1 start") and ours runs every one of those: then Pacemaker's
    reason does not hold for our answer, and the scores decide.
    """
    ours, theirs = list(ours), list(theirs)
    plain = [(_primitive_of(resource), role, node) for resource, role, node in ours]
    extra = collections.Counter(plain) - collections.Counter(theirs)
    causes = dict(blocked) if isinstance(blocked, Mapping) else dict.fromkeys(blocked, ())
    running = {resource for resource, _, _ in plain}
    hierarchy = Hierarchy(config)
    stuck = sorted(
        resource
        for resource in {resource for resource, _, _ in extra} & causes.keys()
        if not causes[resource] or not all(_runs(hierarchy, cause, running) for cause in causes[resource])
    )
    if stuck:
        return Judgement("incomparable", reason=f"Pacemaker could not run {', '.join(stuck)} (blocked)")
    config = replace(config, constraints=config.constraints + failures.bans(config, state))
    problem = build_problem(config, state)
    mine, pacemakers = _solution(problem, ours, fenced), _solution(problem, theirs, fenced)
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


def _primitive_of(resource: str) -> str:
    """``web`` for ``web:1``: the harness lists Pacemaker's copies without instance numbers."""
    return resource.split(":")[0]


def _runs(hierarchy: Hierarchy, resource: str, running: set[str]) -> bool:
    """Whether ``resource`` (a primitive, or a group or clone by its id) runs in ``running``."""
    if resource not in hierarchy.config.resources:
        return False
    return any(primitive in running for primitive in hierarchy.primitives_in(resource))


def _values(problem: Problem, solution: Solution) -> dict[str, int]:
    return {
        "running": objective.running(problem, solution),
        "required": objective.required(problem, solution),
        "score": objective.score(problem, solution),
    }


def _solution(problem: Problem, entries: Iterable[Entry], fenced: Iterable[str] = ()) -> Solution | None:
    """Entries as a `Solution`.

    A copy the model holds where it is (unmanaged) on a node both answers fence is gone
    from both listings, by the fencing, not by a choice: it is read back as still held.

    A unique clone's copies are listed by primitive and node only, so each is matched to
    an instance: the one already running on that node if it may stay, else one allowed there
    (a maximum matching), else any left — so a copy is never charged with another
    instance's ban just because of the order the entries come in.
    """
    units_of: dict[str, list] = {}
    for unit in problem.units:
        units_of.setdefault(unit.primitive, []).append(unit)
    by_primitive: dict[str, list[tuple[str, str]]] = {}
    named: list[tuple[str, str, str]] = []  # copies listed with their instance (``web:1``)
    for primitive, role, node in sorted(entries, key=lambda e: (e[0], e[2], e[1])):
        if primitive in problem.by_key and primitive not in units_of:
            named.append((primitive, role, node))  # a unique clone's instance, by its key
            continue
        if primitive not in units_of:
            primitive = _primitive_of(primitive)  # an anonymous clone's copy: ``web:0`` is ``web``
            if primitive not in units_of:
                return None
        by_primitive.setdefault(primitive, []).append((role, node))
    placed: dict[str, set[str]] = {}
    promoted: dict[str, set[str]] = {}
    for key, role, node in named:
        placed.setdefault(key, set()).add(node)
        if Role.parse(role) is Role.PROMOTED and not (
            (key, node) in problem.exempt and node not in problem.promotable.get(key, {})
        ):
            promoted.setdefault(key, set()).add(node)
    # (In unit order, so a group member is read after the member before it.)
    position = {unit.key: index for index, unit in enumerate(problem.units)}
    for primitive in sorted(by_primitive, key=lambda p: position[units_of[p][0].key]):
        listed = by_primitive[primitive]
        units = units_of[primitive]
        if len(units) == 1:
            keys = [units[0].key] * len(listed)
        else:
            keys = _with_predecessors(units, listed, placed) or _instances(problem, units, listed)
        if keys is None:
            return None
        for key, (role, node) in zip(keys, listed, strict=True):
            placed.setdefault(key, set()).add(node)
            # A copy left alone where it runs keeps its role outside the model (no promotion
            # variable there): promoted in the listing, it is just running in the solution.
            kept_role = (key, node) in problem.exempt and node not in problem.promotable.get(key, {})
            if Role.parse(role) is Role.PROMOTED and not kept_role:
                promoted.setdefault(key, set()).add(node)
    gone = set(fenced)
    for key, nodes in problem.pinned.items():
        for node in nodes & gone:
            placed.setdefault(key, set()).add(node)
            if node in problem.pinned_promoted.get(key, ()):
                promoted.setdefault(key, set()).add(node)
    return Solution({k: frozenset(v) for k, v in placed.items()}, {k: frozenset(v) for k, v in promoted.items()})


def _with_predecessors(units: list, listed: list[tuple[str, str]], placed: dict[str, set[str]]) -> list[str] | None:
    """A unique clone's group member goes with its own copy's earlier member: the instance
    whose predecessor was read on the same node (None when some copy has no such instance)."""
    if any(unit.after is None for unit in units):
        return None
    keys: list[str] = []
    for _role, node in listed:
        key = next((u.key for u in units if u.key not in keys and node in placed.get(u.after, ())), None)
        if key is None:
            return None
        keys.append(key)
    return keys


def _instances(problem: Problem, units: list, listed: list[tuple[str, str]]) -> list[str] | None:
    """One instance key per listed copy (see `_solution`), or None when there are too many copies.

    A maximum matching of copies to instances allowed on their nodes, each copy trying
    the instance already on its node first: so a copy keeps its instance where it may,
    and an instance moved away (its old node now banned for it) is found where it went.
    Copies no allowed instance is left for get the instances left over.
    """
    if len(listed) > len(units):
        return None
    current = problem.table.current
    keys = [unit.key for unit in units]
    owner: dict[str, int] = {}

    def candidates(index: int) -> list[str]:
        node = listed[index][1]
        allowed = [key for key in keys if node in problem.allowed.get(key, {})]
        return sorted(allowed, key=lambda key: node not in current.of(key))  # the one there first

    def augment(index: int, seen: set[str]) -> bool:
        for key in candidates(index):
            if key in seen:
                continue
            seen.add(key)
            if key not in owner or augment(owner[key], seen):
                owner[key] = index
                return True
        return False

    # Copies with their instance already there go first, so ties keep them.
    order = sorted(range(len(listed)), key=lambda i: not any(listed[i][1] in current.of(k) for k in keys))
    for index in order:
        augment(index, set())
    chosen = {index: key for key, index in owner.items()}
    left = [key for key in keys if key not in owner]
    for index in range(len(listed)):
        if index not in chosen:
            chosen[index] = left.pop(0)
    return [chosen[index] for index in range(len(listed))]
