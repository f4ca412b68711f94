"""Incremental replanning: keep what need not move, solve only the displaced neighbourhood.

One monolithic model does not scale (a node-down replan at 32×1000 took seconds, at
64×3000 minutes), yet after an event almost everything may stay. So, around a *base*
placement (the current one for a replan; Pacemaker's greedy answer for a fresh cluster):

1. *Displaced* units are those whose base nodes are no longer allowed, that run fewer
   copies than they could, or that are not running at all but could, and every unit of a
   clone over one of its limits or of a group copy promoted in part (for a fresh cluster
   also every unit greedy left below its best, `regretful`); their *neighbourhood* adds
   every unit tied to them by a mandatory colocation, an order or a group chain
   (transitively) and by a finite colocation (one hop).
2. The model holds only those units, their direct partners and their clones' other
   instances, pinned (`restrict`, `Problem.scope`); every other unit stays where it is,
   its capacity taken off its node (`merge` puts it back). No model is built when
   greedy's answer on the neighbourhood already reaches a cap of every maximised level:
   the upper bounds, or for the score the colocation forest's cap (`score_cap`).
3. A certificate decides whether that answer is globally optimal (`certify`). Any better
   placement must move some pinned unit ``f``; doing so loses at least ``c_f`` = its score
   here minus its best score on another node (less what colocations among pinned units
   could gain through it), while everything else together can gain at most ``R`` = what
   the freed units could still earn — the smaller of their regrets and of a cap on their
   optimum with every pinned unit removed (`relaxed`: the colocation forest's cap,
   `forest_bound`, or the LP relaxation's when that one does not prove it) — plus the
   regret of colocations between freed and pinned units and of promotion. If every
   running level is at its upper bound and ``min c_f ≥ R``, no placement is better:
   proven. (Promotions of pinned copies can change without a move, so any promotion
   regret frees the promotable units first.)
   When the LP relaxation proved the neighbourhood's score level, a pinned unit outside
   the neighbourhood with ``c_f < R`` may still stay pinned: its move cost must pay for
   the LP price of the capacity its leaving would free (`Priced`); a level settled at a
   cap that leaves capacity out prices every capacity at 0.
4. Otherwise the neighbourhood widens by every pinned unit with ``c_f < R`` (or, when
   something could not run, by the units on the nodes it could use) and the solve repeats;
   when the neighbourhood would be everything or too wide, the caller decides: the full
   model for small problems, the unproven answer (flagged) for large ones.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import cached_property

from placement.solve import coloc_lift, colocation, objective, promotable
from placement.solve.colocation import Link
from placement.solve.forest_bound import earned, forest_bound, score_cap
from placement.solve.forest_optimum import forest_optimum
from placement.solve.problem import Problem
from placement.solve.solution import Solution, SolutionView
from placement.solve.units import Unit

MAX_ROUNDS = 4
WIDEN_LIMIT = 0.2  # share of all units beyond which widening stops (answer left unproven)


@dataclass(frozen=True, slots=True)
class Certificate:
    """The outcome of the optimality argument for a neighbourhood answer."""

    proven: bool
    regret: int  # R: what the freed units, colocations and promotions could still gain
    widen: frozenset[str]  # pinned units to free next when not proven


def displaced(problem: Problem, current: Solution) -> set[str]:
    """Units that cannot stay exactly as they are, or could run more copies."""
    found = set()
    for unit in problem.units:
        now = current.nodes(unit.key)
        allowed = problem.allowed.get(unit.key, {})
        most = min(problem.most_copies(unit), len(allowed))
        if (
            any(node not in allowed for node in now)
            or len(now) != most
            or any(node not in problem.promotable.get(unit.key, {}) for node in current.promoted_on(unit.key))
        ):
            found.add(unit.key)
    # A group copy promoted in part (one member demoted by hand, or after a failure) must be
    # free as a whole: pinned, its members would be left alone in that state.
    for head, _node in promotable.partial(problem, current):
        found.update(promotable.copies(problem)[head])
    # A copy on a node only its colocations lift, whose primaries have gone from there.
    found |= coloc_lift.broken(problem, current)
    return found | _over_clone_limits(problem, current)


def _over_clone_limits(problem: Problem, current: Solution) -> set[str]:
    """Every unit of a clone that runs or is promoted beyond its limits now.

    A neighbourhood pins its partners where they run, so a clone already over a limit
    (two instances on one node after a failure, say) must be free as a whole.
    """
    siblings = _clone_units(problem)
    over: set[str] = set()
    for clone, keys in siblings.items():
        most, per_node = problem.promoted_limits(clone)
        counted = [key for key in keys if promotable.counts(problem.by_key[key])]
        promoted = [node for key in counted for node in current.promoted_on(key)]
        if len(promoted) > most or any(promoted.count(node) > per_node for node in set(promoted)):
            over.add(clone)
            continue
        per_primitive: dict[tuple[str, str], int] = defaultdict(int)
        for key in keys:
            unit = problem.by_key[key]
            if unit.instance is not None:
                for node in current.nodes(key):
                    if problem.takes_node_slot(key, node):
                        per_primitive[(unit.primitive, node)] += 1
        if any(count > problem.per_node_limit(clone) for count in per_primitive.values()):
            over.add(clone)
    return {key for clone in over for key in siblings[clone]}


def neighbourhood(problem: Problem, seeds: set[str]) -> set[str]:
    """``seeds`` plus what must move with them: mandatory ties transitively, finite ones one hop."""
    hard: dict[str, set[str]] = defaultdict(set)
    soft: dict[str, set[str]] = defaultdict(set)
    for link in problem.links:
        ends = set(link.dependent.units) | set(link.primary.units)
        for key in ends:
            (hard if link.mandatory else soft)[key].update(ends - {key})
    for precedence in problem.precedences:
        ends = set(precedence.then.units) | {k for first in precedence.firsts for k in first.units}
        for key in ends:
            hard[key].update(ends - {key})
    copies: dict[tuple[str | None, int | None, str], set[str]] = defaultdict(set)
    for unit in problem.units:
        if unit.group is not None:
            copies[(unit.clone, unit.instance, unit.group)].add(unit.key)
    for members in copies.values():
        for key in members:
            hard[key].update(members - {key})
    found = set(seeds)
    stack = list(seeds)
    while stack:
        key = stack.pop()
        for other in hard.get(key, ()):
            if other not in found:
                found.add(other)
                stack.append(other)
    for key in list(found):
        found.update(soft.get(key, ()))
    return found


def _ties(problem: Problem) -> dict[str, set[str]]:
    """Every unit's direct partners: colocations, orders and group chains."""
    ties: dict[str, set[str]] = defaultdict(set)
    groups = [set(link.dependent.units) | set(link.primary.units) for link in problem.links]
    groups += [set(p.then.units) | {k for first in p.firsts for k in first.units} for p in problem.precedences]
    for members in groups:
        for key in members:
            ties[key].update(members - {key})
    for unit in problem.units:
        if unit.after is not None:
            ties[unit.key].add(unit.after)
            ties[unit.after].add(unit.key)
    return ties


def kept_units(problem: Problem, free: set[str]) -> set[str]:
    """The freed units, their direct partners and their clone siblings: what a neighbourhood model holds.

    Siblings come along because clone limits (copies per node, promoted copies) count every
    instance of the clone; pinned where they run, they keep those counts exact.
    """
    ties = _ties(problem)
    kept = set(free) | {partner for key in free for partner in ties.get(key, ())}
    siblings = _clone_units(problem)
    for key in list(kept):
        clone = problem.by_key[key].clone
        if clone is not None:
            kept.update(siblings[clone])
    # A partner may be a later member of a group (a constraint with a group as primary names
    # its last member): its whole group copy comes along, pinned, since a copy is placed from
    # its first member on and the checks walk the chain from there.
    copies = _group_copies(problem)
    for key in list(kept):
        unit = problem.by_key[key]
        if unit.group is not None:
            kept.update(copies[(unit.clone, unit.instance, unit.group)])
    return kept


def _group_copies(problem: Problem) -> dict[tuple[str | None, int | None, str], list[str]]:
    found: dict[tuple[str | None, int | None, str], list[str]] = defaultdict(list)
    for unit in problem.units:
        if unit.group is not None:
            found[(unit.clone, unit.instance, unit.group)].append(unit.key)
    return found


def _clone_units(problem: Problem) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for unit in problem.units:
        if unit.clone is not None:
            found[unit.clone].append(unit.key)
    return found


def restrict(problem: Problem, free: set[str], current: Solution) -> Problem:
    """``problem`` reduced to the neighbourhood of ``free``: the rest pinned where it runs now.

    Units in ``free`` keep every choice; their partners (`kept_units`) are pinned where they
    run; every other unit is left out of the problem's `scope` altogether, its use of
    capacity taken off its nodes (constraints among those units are constant). So the
    model and every check on it stay as small as the neighbourhood; `merge` puts the rest
    back.
    """
    kept = kept_units(problem, free)
    allowed: dict[str, dict] = {}
    pinned = {key: nodes for key, nodes in problem.pinned.items() if key in free}
    frozen = (problem.frozen & free) | (kept - free)
    promotable: dict[str, dict] = {}
    pinned_promoted = {key: nodes for key, nodes in problem.pinned_promoted.items() if key in free}
    for key in kept:
        if key in free:
            allowed[key] = problem.allowed.get(key, {})
            if key in problem.promotable:
                promotable[key] = problem.promotable[key]
            continue
        nodes = current.nodes(key)
        allowed[key] = {node: problem.allowed[key][node] for node in sorted(nodes)}
        pinned[key] = frozenset(nodes)
        if key in problem.promotable:
            promoted = current.promoted_on(key)
            promotable[key] = {n: s for n, s in problem.promotable[key].items() if n in promoted}
            pinned_promoted[key] = promoted
    capacity = None
    if problem.capacity is not None:
        capacity = {n: dict(c) for n, c in problem.capacity.items()}
        by_key = problem.by_key
        for key, nodes in current.placed.items():
            if key in kept:
                continue
            for attribute, amount in by_key[key].utilization.items():
                if amount > 0:
                    for node in nodes:
                        capacity[node][attribute] = capacity[node].get(attribute, 0) - amount
    return replace(
        problem,
        allowed=allowed,
        pinned=pinned,
        frozen=frozen,
        blocked={key: why for key, why in problem.blocked.items() if key in kept},
        promotable=promotable,
        pinned_promoted=pinned_promoted,
        links=[link for link in problem.links if set(link.dependent.units) | set(link.primary.units) <= kept],
        precedences=[
            p for p in problem.precedences if set(p.then.units) | {k for f in p.firsts for k in f.units} <= kept
        ],
        capacity=capacity,
        not_running={key: why for key, why in problem.not_running.items() if key in kept},
        exempt=frozenset(pair for pair in problem.exempt if pair[0] in kept),
        scope=frozenset(kept),
        # Pinned partners keep no condition: their primaries may lie outside (links dropped);
        # `replan` checks the merged answer against the whole problem.
        lifted={key: nodes for key, nodes in problem.lifted.items() if key in free},
    )


def _within(solution: Solution, keys: set[str]) -> Solution:
    """Only the units ``keys`` of ``solution``."""
    return Solution(
        {k: v for k, v in solution.placed.items() if k in keys},
        {k: v for k, v in solution.promoted.items() if k in keys},
    )


def merge(kept: set[str], solution: Solution, current: Solution) -> Solution:
    """The whole placement: ``solution`` for the ``kept`` units, the current placement for the rest."""
    placed = {k: v for k, v in current.placed.items() if k not in kept}
    promoted = {k: v for k, v in current.promoted.items() if k not in kept}
    placed.update(solution.placed)
    promoted.update(solution.promoted)
    return Solution({k: v for k, v in placed.items() if v}, {k: v for k, v in promoted.items() if v})


def certify(
    problem: Problem,
    free: set[str],
    solution: Solution,
    free_bound: int | None = None,
    priced: Priced | None = None,
) -> Certificate:
    """Whether ``solution`` (optimal with everything outside ``free`` pinned) is globally optimal.

    ``free_bound``, when known, is the best score the freed units could reach with every
    pinned unit gone (`relaxed`): a tighter cap on what they can gain than their regrets.
    ``priced``, when the neighbourhood's score level was proven by its LP relaxation, lets a
    unit outside the neighbourhood stay pinned when its move cost covers the price of the
    capacity its leaving would free (see `Priced`).
    """
    bounds = objective.upper_bounds(problem)
    if (
        objective.running(problem, solution) < bounds["running"]
        or objective.required(problem, solution) < bounds["required"]
    ):
        return Certificate(False, 0, frozenset(_on_wanted_nodes(problem, free, solution)))
    charged: dict[str, int] = defaultdict(int)
    inside = outside = 0  # regret of colocations among freed units / between freed and pinned
    for link, value in _link_regrets(problem, solution):
        ends = set(link.dependent.units) | set(link.primary.units)
        if ends <= free:
            inside += value
        elif ends & free:
            outside += value
        else:
            # Colocations between two pinned units gain only if one of them moves: charge
            # their regret to the move cost of their ends instead of to R.
            for key in ends:
                charged[key] += value
    regret = sum(_unit_regret(problem, key, solution) for key in sorted(free)) + inside
    if free_bound is not None:
        regret = min(regret, max(0, free_bound - earned(problem, free, solution)))
    promotion = _promotion_regret(problem, solution)
    regret += outside + promotion
    widen = set()
    if promotion > 0:
        # Promotions of pinned copies change without any move, so no move cost bounds them:
        # free every promotable unit, and prove nothing until they are.
        widen.update(k for k in problem.promotable if k not in free and k not in problem.frozen)
    for unit in problem.units:
        if unit.key in free or unit.key in problem.frozen:
            continue
        cost = _move_cost(problem, unit.key, solution) - charged[unit.key]
        if cost >= regret:
            continue
        if priced is not None and priced.pays(unit, solution.nodes(unit.key), cost, promotion):
            continue
        widen.add(unit.key)
    return Certificate(not widen, regret, frozenset(widen))


@dataclass(frozen=True)
class Priced:
    """The neighbourhood's score level as proven by its LP relaxation, for `certify`.

    The LP optimum is a concave function of the capacities, so with ``prices`` (its dual
    values per node and attribute) capacity freed by units outside the neighbourhood can
    raise the neighbourhood's best score by at most the freed amounts times their prices,
    plus ``gap`` (LP bound minus the answer's score). Such a unit (not a partner in ``kept``:
    those are pinned inside the model) can stay pinned when its move cost pays for that:
    any better placement moving a set of them loses more than the neighbourhood could gain.
    """

    kept: frozenset[str]
    gap: float
    prices: dict[tuple[str, str], float]

    def pays(self, unit: Unit, nodes: frozenset[str], cost: float, promotion: int) -> bool:
        """Whether moving ``unit`` (outside the neighbourhood) costs more than it could ever gain.

        ``promotion`` is the promotion regret, which no price covers (promotions change
        without moves).
        """
        needed = self.gap + promotion + _NUMERIC_SLACK
        if unit.key in self.kept or cost < 0 or cost < needed:
            return False  # (what it frees is never negative: below ``needed`` it cannot pay)
        freed = 0.0  # the most the neighbourhood could gain from one copy leaving its node
        positive = self._positive
        for node in nodes:
            prices = positive.get(node)
            if prices is None:
                continue  # no capacity there is worth anything: leaving frees nothing of value
            value = sum(prices.get(attribute, 0.0) * max(0, amount) for attribute, amount in unit.utilization.items())
            freed = max(freed, value)
        return cost - freed >= needed

    @cached_property
    def _positive(self) -> dict[str, dict[str, float]]:
        """The prices above 0, by node then attribute (asked for every unit outside the neighbourhood)."""
        found: dict[str, dict[str, float]] = {}
        for (node, attribute), price in self.prices.items():
            if price > 0:
                found.setdefault(node, {})[attribute] = price
        return found


_NUMERIC_SLACK = 1e-6  # LP duals are floating point: never let rounding prove too much


def relaxed(problem: Problem, free: set[str]) -> Problem:
    """Only the freed units, with every pinned unit gone and every tie to one dropped.

    Its optimum bounds what the freed units can earn in any placement (dropping units and
    constraints only frees room), which is what `certify` needs. Promotion is left out;
    `certify` counts its regret separately.
    """

    def inside(units: set[str]) -> bool:
        return units <= free

    return replace(
        problem,
        allowed={key: problem.allowed.get(key, {}) for key in free},
        pinned={key: nodes for key, nodes in problem.pinned.items() if key in free},
        frozen=problem.frozen & free,
        blocked={},
        promotable={},
        pinned_promoted={},
        links=[link for link in problem.links if inside(set(link.dependent.units) | set(link.primary.units))],
        precedences=[
            p for p in problem.precedences if inside(set(p.then.units) | {k for first in p.firsts for k in first.units})
        ],
        not_running={key: why for key, why in problem.not_running.items() if key in free},
        exempt=frozenset(pair for pair in problem.exempt if pair[0] in free),
        scope=frozenset(free),
        # A lift's primaries may be pinned (gone here): without the condition the bound stays high.
        lifted={},
    )


def _ranked(problem: Problem) -> dict[str, list[tuple[int, str]]]:
    """Per unit, its best nodes by finite score, best first: one more than it runs copies.

    Enough to answer "its best score" and "the best score on a node it does not use" (for a
    single copy) without going through every node again; computed once per problem.
    """
    cached = problem.__dict__.get("_ranked")
    if cached is None:
        cached = {}
        for unit in problem.units:
            allowed = problem.allowed.get(unit.key, {})
            copies = min(problem.most_copies(unit), len(allowed))
            cached[unit.key] = _best_of(allowed, copies + 1)
        problem.__dict__["_ranked"] = cached
    return cached


def _best_of(allowed: dict, count: int) -> list[tuple[int, str]]:
    """The ``count`` best (finite score, node) of ``allowed``, best first."""
    if count > 2:
        return sorted(((s.finite, n) for n, s in allowed.items()), key=lambda pair: -pair[0])[:count]
    # One or two of ~every node, for every unit: max() and index() run in C, a heap does not.
    nodes = list(allowed)
    values = [score.finite for score in allowed.values()]
    best = []
    for _ in range(min(count, len(values))):
        value = max(values)
        index = values.index(value)
        best.append((value, nodes[index]))
        values[index] = _BELOW_ANY
    return best


_BELOW_ANY = -(10**18)


def _best_finite(problem: Problem, key: str) -> int:
    unit = problem.by_key[key]
    copies = min(problem.most_copies(unit), len(problem.allowed.get(key, {})))
    return sum(value for value, _node in _ranked(problem)[key][:copies])


def _unit_regret(problem: Problem, key: str, solution: Solution) -> int:
    got = sum(problem.allowed[key][node].finite for node in solution.nodes(key))
    return _best_finite(problem, key) - got


def _link_regrets(problem: Problem, solution: Solution) -> list[tuple[Link, int]]:
    """Each finite colocation with what it could still gain (its best reward minus its reward now)."""
    view = SolutionView(problem, solution)
    found = []
    for link in problem.links:
        if link.mandatory:
            continue
        best = 0
        if link.score > 0:
            for key in link.dependent.units:
                unit = problem.by_key[key]
                best += link.score * min(problem.most_copies(unit), len(problem.allowed.get(key, {})))
        value = best - colocation.reward(view, link)
        if value:
            found.append((link, value))
    return found


def _promotion_regret(problem: Problem, solution: Solution) -> int:
    best: dict[str, list[int]] = defaultdict(list)
    got = 0
    for key, nodes in problem.promotable.items():
        unit = problem.by_key[key]
        if not promotable.counts(unit):
            continue  # promoted with its group copy, whose score its first member carries
        clone = unit.clone
        assert clone is not None
        best[clone].extend(max(0, s.finite) for s in nodes.values())
        got += sum(nodes[n].finite for n in solution.promoted_on(key) if n in nodes)
    total = sum(sum(heapq.nlargest(problem.promoted_limits(c)[0], gains)) for c, gains in best.items())
    return total - got


def _move_cost(problem: Problem, key: str, solution: Solution) -> float:
    """The least score a pinned unit loses by moving one copy to a node it does not use."""
    nodes = frozenset(solution.nodes(key))  # (the same object when it is one already)
    # It depends on the nodes alone, and a replan asks it of every unit outside the
    # neighbourhood, on the same nodes, up to three times (`_gaining`, `certify` twice).
    costs = problem.__dict__.setdefault("_move_costs", {})
    cost = costs.get((key, nodes))
    if cost is None:
        cost = costs[(key, nodes)] = _least_loss(problem, key, nodes)
    return cost


def _least_loss(problem: Problem, key: str, nodes: frozenset[str]) -> float:
    allowed = problem.allowed.get(key, {})
    if not nodes or len(nodes) >= len(allowed):
        return float("inf")
    ranked = _ranked(problem)[key]
    elsewhere = next((value for value, node in ranked if node not in nodes), None)
    if elsewhere is None:  # more copies run than were ranked: look at every node
        elsewhere = max(s.finite for n, s in allowed.items() if n not in nodes)
    return min(allowed[n].finite for n in nodes) - elsewhere


def _gaining(problem: Problem, free: set[str], solution: Solution) -> set[str]:
    """Units outside ``free`` that gain by moving: a better node, or a colocation with another such unit.

    Their move cost less the colocation regret charged to them (as `certify` counts it) is
    negative, so no certificate can leave them pinned.
    """
    charged: dict[str, int] = defaultdict(int)
    for link, value in _link_regrets(problem, solution):
        ends = set(link.dependent.units) | set(link.primary.units)
        if not ends & free:
            for key in ends:
                charged[key] += value
    return {
        unit.key
        for unit in problem.units
        if unit.key not in free
        and unit.key not in problem.frozen
        and _move_cost(problem, unit.key, solution) - charged[unit.key] < 0
    }


def _on_wanted_nodes(problem: Problem, free: set[str], solution: Solution) -> set[str]:
    """Pinned units on nodes that a not-fully-running unit could use."""
    wanted: set[str] = set()
    for unit in problem.units:
        allowed = problem.allowed.get(unit.key, {})
        if len(solution.nodes(unit.key)) < min(problem.most_copies(unit), len(allowed)):
            wanted.update(allowed)
    return {
        unit.key
        for unit in problem.units
        if unit.key not in free and unit.key not in problem.frozen and solution.nodes(unit.key) & wanted
    }


@dataclass(frozen=True)
class IncrementalOutcome:
    """The neighbourhood answer, whether it is proven globally optimal, and how big it got."""

    solution: Solution
    proven: bool
    solver_optimal: bool
    tie_break_optimal: bool
    free: int
    rounds: int
    variables: int
    constraints: int


def _free_bound(
    problem: Problem,
    free: set[str],
    solution: Solution,
    deadline: float,
    columns: frozenset[tuple[str, str]] = frozenset(),
) -> int | None:
    """A proven cap on the score of the freed units alone (`relaxed`), or None if not found in time.

    The LP relaxation's bound, not the integral optimum: `certify` needs only a cap, and the
    LP gives one without search. ``columns``, those the neighbourhood's LP ended with, start
    it nearer its optimum (the same bound, fewer rounds of pricing).
    """
    from placement.solve.cpsat import score_bound

    remaining = deadline - time.perf_counter()
    if remaining <= 0:
        return None
    return score_bound(relaxed(problem, free), remaining, _within(solution, free), columns)


def regretful(problem: Problem, base: Solution) -> set[str]:
    """Units of ``base`` that could score more: below their best node, or in an unearned colocation."""
    found = {unit.key for unit in problem.units if _unit_regret(problem, unit.key, base) > 0}
    for link, _value in _link_regrets(problem, base):
        found.update(link.dependent.units)
        found.update(link.primary.units)
    if _promotion_regret(problem, base) > 0:
        found.update(problem.promotable)
    return found


def replan(
    problem: Problem,
    current: Solution,
    options: object,
    deadline: float,
    base: Solution | None = None,
    seeds: set[str] = frozenset(),  # type: ignore[assignment]
    reference: Solution | None = None,
) -> IncrementalOutcome | None:
    """Solve growing neighbourhoods of the displaced units (and ``seeds``) around ``base``.

    ``base`` (default: ``current``) is where units outside the neighbourhood stay: the
    current placement for a replan, Pacemaker's greedy answer for a fresh cluster (then the
    ``seeds`` are the units greedy left below their best). ``current`` only counts moves;
    ``reference`` (Pacemaker's answer for the whole problem, when known) is what the
    closeness level stays near — otherwise the greedy answer of each neighbourhood model.

    Returns the last neighbourhood answer (``proven`` says whether the certificate holds),
    or None when even the first neighbourhood is everything or pinning makes it infeasible.
    Widening stops when the next neighbourhood would more than double and exceed a
    `WIDEN_LIMIT` share of all units: then the answer is returned unproven.
    """
    from placement.solve.evaluate import violations
    from placement.solve.greedy import greedy
    from placement.solve.options import SolverOptions

    assert isinstance(options, SolverOptions)
    base = current if base is None else base
    free = neighbourhood(problem, displaced(problem, base) | set(seeds))
    if not free and not violations(problem, base):
        # Nothing is displaced: the current placement may already be provably optimal.
        certificate = certify(problem, free, base)
        if certificate.proven:
            return IncrementalOutcome(base, True, True, True, 0, 0, 0, 0)
        free = neighbourhood(problem, set(certificate.widen))
    previous: Solution | None = None  # the last round's answer: feasible in every wider one
    core: set[str] | None = None  # the displaced neighbourhood, when gaining units widened it
    gaining = _gaining(problem, free, base) if free else set()
    if gaining and len(free) < len(problem.units):
        # Pinned units that would gain by moving whatever the event did are freed by the first
        # certificate anyway: free them now and save a round (each round is a model and LPs)
        # — unless that is the widening the rounds would stop at as too wide.
        wider = neighbourhood(problem, free | gaining)
        if not _too_wide(problem, free, wider):
            core, free = free, wider
    for round_number in range(1, MAX_ROUNDS + 1):
        if len(free) >= len(problem.units):
            return None
        small = restrict(problem, free, base)
        kept = set(small.scope or ())  # `kept_units`, as restrict found them
        near = None if reference is None else _within(reference, kept)
        if near is None or violations(small, near):
            near = greedy(small)
        pinned_only = Solution({k: v for k, v in small.pinned.items() if v}, dict(small.pinned_promoted))
        candidates = [near, *([] if previous is None else [_within(previous, kept)]), pinned_only]
        start = _best_start(small, candidates)
        if core is not None and (start is None or not _reaches_running_bounds(small, start)):
            # Greedy on the widened neighbourhood may run less than on the displaced one alone
            # (the gaining units take room first): that answer, with them left where they
            # are, is feasible here too.
            displaced_only = restrict(problem, core, base)
            placed = greedy(displaced_only)
            if not violations(displaced_only, placed):
                around = merge(set(displaced_only.scope or ()), placed, base)
                start = _best_start(small, [*candidates, _within(around, kept)])
        core = None
        start = start or _within(base, kept)
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return None
        if start is near and _reaches_score_cap(small, start):
            # Greedy's answer reaches every maximised level's cap, and is the closeness
            # reference itself (the only answer at distance 0): optimal without a model, and
            # without importing ortools. The caps leave capacity out, so capacity freed by
            # units outside the neighbourhood is worth nothing to it: a price of 0 everywhere.
            outcome = _Settled(start, score_gap=0.0, capacity_prices={})
        elif (optimum := forest_optimum(small, near, _within(current, kept))) is not None:
            # A forest of colocations solved exactly on every level by its own programme, whose
            # relaxation leaves capacity out: the same zero prices hold.
            outcome = _Settled(optimum, score_gap=0.0, capacity_prices={})
        else:
            from placement.solve.cpsat import solve_levels  # ortools only when a model is needed

            # (Moves are counted against the kept units' current nodes: the rest cannot move.)
            outcome = solve_levels(small, start, near, _within(current, kept), replace(options, time_limit=remaining))
        if violations(small, outcome.solution):
            return None  # pinning made it infeasible: the whole problem must be solved
        whole = merge(kept, outcome.solution, base)
        if violations(problem, whole):
            return None
        outcome = replace(outcome, solution=whole)
        priced = None
        if outcome.capacity_prices is not None and outcome.score_gap is not None:
            priced = Priced(frozenset(kept), outcome.score_gap, outcome.capacity_prices)
        certificate = certify(problem, free, outcome.solution, priced=priced)
        if not certificate.proven and certificate.regret > 0:
            # A cap on the freed units alone: the forest's first (milliseconds), the LP
            # relaxation's (a model and column pricing) only when that one does not prove it.
            bound = forest_bound(relaxed(problem, free))
            certificate = certify(problem, free, outcome.solution, bound, priced)
            if not certificate.proven:
                lp_bound = _free_bound(problem, free, outcome.solution, deadline, outcome.lp_pairs)
                if lp_bound is not None and lp_bound < bound:
                    certificate = certify(problem, free, outcome.solution, lp_bound, priced)
        wider = neighbourhood(problem, free | set(certificate.widen))
        too_wide = _too_wide(problem, free, wider)
        if (
            certificate.proven
            or round_number == MAX_ROUNDS
            or too_wide
            or len(wider) >= len(problem.units)
            or time.perf_counter() >= deadline
        ):
            return IncrementalOutcome(
                outcome.solution,
                certificate.proven and outcome.optimal,
                outcome.optimal,
                outcome.tie_break_optimal,
                len(free),
                round_number,
                outcome.variables,
                outcome.constraints,
            )
        free, previous = wider, outcome.solution
    return None


def _too_wide(problem: Problem, free: set[str], wider: set[str]) -> bool:
    """Whether widening ``free`` to ``wider`` more than doubles it past `WIDEN_LIMIT` of all units."""
    return len(wider) > 2 * len(free) and len(wider) > WIDEN_LIMIT * len(problem.units)


@dataclass(frozen=True)
class _Settled:
    """A neighbourhood answer proven without a model: the fields of `cpsat.Outcome` replan reads."""

    solution: Solution
    optimal: bool = True
    tie_break_optimal: bool = True
    variables: int = 0
    constraints: int = 0
    score_gap: float | None = None
    capacity_prices: dict[tuple[str, str], float] | None = None
    lp_pairs: frozenset[tuple[str, str]] = frozenset()


def _reaches_score_cap(problem: Problem, solution: Solution) -> bool:
    """Whether ``solution`` reaches a cap of every maximised level (so is optimal on them).

    The running levels' upper bounds first; then the score's upper bound (each unit at its
    best alone), and when that is not reached the colocation forest's cap (`score_cap`:
    group members and colocated units that cannot all have their best nodes at once).
    """
    if not _reaches_running_bounds(problem, solution):
        return False
    value = objective.score(problem, solution)
    return value >= objective.upper_bounds(problem)["score"] or value >= score_cap(problem)


def _reaches_running_bounds(problem: Problem, solution: Solution) -> bool:
    """Whether ``solution`` runs (and runs where required) as much as anything could."""
    bounds = objective.upper_bounds(problem)
    return (
        objective.running(problem, solution) >= bounds["running"]
        and objective.required(problem, solution) >= bounds["required"]
    )


def _best_start(problem: Problem, candidates: list[Solution]) -> Solution | None:
    """The feasible candidate with the best maximised levels (the first among equals).

    A wider neighbourhood's greedy answer may run less than the last round's answer, which
    stays feasible there (it only frees more units): starting from the better one lets the
    solver fix the levels it already reaches without search.
    """
    from placement.solve.evaluate import violations

    best, best_levels = None, None
    for candidate in candidates:
        if violations(problem, candidate):
            continue
        levels = (
            objective.running(problem, candidate),
            objective.required(problem, candidate),
            objective.score(problem, candidate),
        )
        if best_levels is None or levels > best_levels:
            best, best_levels = candidate, levels
    return best
