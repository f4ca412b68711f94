"""Promotable clones: which running copies are promoted (SEMANTICS.md §8 "Promotable clone").

One promotion Boolean per (unit, node) where the promotion score is ≥ 0; a copy can only be
promoted where it runs; at most ``promoted-max`` promoted copies in all and
``promoted-node-max`` per node. The promotion score (``master-<rsc>`` plus Promoted-role
locations) is rewarded in the score level. Pacemaker decides placement first and promotion
after; here both are chosen together, which can only do better (§6.4).

A promotable clone of a group is promoted copy by copy: every member of a copy is promoted
on its node, or none is (compat(pacemaker): ``node_to_be_promoted_on`` refuses an instance
whose member cannot be promoted). Each member keeps its own promotion Boolean — constraints
on the promoted role name a member (a group as primary is its last member, as dependent its
first, `placement.solve.refs`) — and the members' Booleans are tied node by node to one
another (`tied`). A copy counts once toward the limits and carries its summed score once,
both on its first member (`counts`, `placement.solve.problem`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from placement.solve.units import group_copies

if TYPE_CHECKING:
    from placement.solve.context import EncodeContext
    from placement.solve.problem import Problem
    from placement.solve.solution import Solution, SolutionView
    from placement.solve.units import Unit

KIND = "promotable"


def counts(unit: Unit) -> bool:
    """Whether ``unit``'s promotions count as promoted copies: a primitive's always, a group
    copy's on its first member only (the others are promoted with it)."""
    return unit.after is None


def copies(problem: Problem) -> dict[str, tuple[str, ...]]:
    """The group copies of promotable clones in ``problem``: first member's key → all members' keys.

    Computed once per problem (every encoder, checker and bound asks).
    """
    cached = problem.__dict__.get("_promotable_copies")
    if cached is None:
        cached = problem.__dict__["_promotable_copies"] = group_copies(
            unit for unit in problem.units if unit.promotable and unit.key in problem.promotable
        )
    return cached


def copy_of(problem: Problem) -> dict[str, tuple[str, ...]]:
    """Every member key of a promotable group copy → all the keys of its copy."""
    cached = problem.__dict__.get("_promotable_copy_of")
    if cached is None:
        cached = {key: keys for keys in copies(problem).values() for key in keys}
        problem.__dict__["_promotable_copy_of"] = cached
    return cached


def tied(problem: Problem, keys: tuple[str, ...], node: str) -> list[str]:
    """The members of a copy whose promotion on ``node`` must agree.

    Members left alone (unmanaged, or held where they run) keep whatever role they have:
    tying them could make leaving them alone infeasible, as `placement.solve.group` does
    for the chain.
    """
    return [key for key in keys if key not in problem.frozen and (key, node) not in problem.exempt]


def encode(ctx: EncodeContext, problem: Problem) -> None:
    """Promotion variables, their link to running, the limits, the promotion reward and the copy ties."""
    in_clone: dict[str, list] = defaultdict(list)
    on_node: dict[tuple[str, str], list] = defaultdict(list)
    for key, nodes in problem.promotable.items():
        unit = problem.by_key[key]
        for node, score in nodes.items():
            promoted = ctx.promoted_var(key, node)
            ctx.model.add_implication(promoted, ctx.x[(key, node)])
            ctx.add_score(score.finite, promoted)
            assert unit.clone is not None
            if counts(unit):
                in_clone[unit.clone].append(promoted)
                on_node[(unit.clone, node)].append(promoted)
    pinned_in_clone, pinned_on_node = _pinned_promotions(problem)
    for clone, lits in sorted(in_clone.items()):
        most = max(problem.promoted_limits(clone)[0], pinned_in_clone[clone])
        if len(lits) > most:
            ctx.model.add(sum(lits) <= most)
    for (clone, node), lits in sorted(on_node.items()):
        per_node = max(problem.promoted_limits(clone)[1], pinned_on_node[(clone, node)])
        if len(lits) > per_node:
            ctx.model.add(sum(lits) <= per_node)
    _encode_ties(ctx, problem)


def _encode_ties(ctx: EncodeContext, problem: Problem) -> None:
    """Each copy is promoted as a whole: its tied members' promotions on a node are equal."""
    for head, keys in copies(problem).items():
        name = tie_name(problem, head)
        nodes = sorted({node for key in keys for node in problem.promotable.get(key, {})})
        for node in nodes:
            members = tied(problem, keys, node)
            lits = [ctx.promoted.get((key, node)) for key in members]
            present = [lit for lit in lits if lit is not None]
            if len(present) < len(lits):
                # A member that can never be promoted here keeps the whole copy unpromoted.
                for lit in present:
                    ctx.require([ctx.negate(lit)], name)
                continue
            for lit in present[1:]:
                ctx.require([ctx.negate(lit), present[0]], name)
                ctx.require([ctx.negate(present[0]), lit], name)


def tie_name(problem: Problem, head: str) -> str:
    """The hard-constraint name of a copy's tie (`placement.solve.explain` describes it)."""
    unit = problem.by_key[head]
    return f"{unit.clone}#{unit.group}"


def partial(problem: Problem, solution: Solution) -> list[tuple[str, str]]:
    """(first member, node) of every group copy promoted on some tied members and not on others."""
    found = []
    for head, keys in copies(problem).items():
        nodes = sorted({node for key in keys for node in solution.promoted_on(key)})
        for node in nodes:
            states = {node in solution.promoted_on(key) for key in tied(problem, keys, node)}
            if len(states) > 1:
                found.append((head, node))
    return found


def check(view: SolutionView) -> list[str]:
    """Promotion violations in a candidate solution."""
    problem = view.problem
    problems = []
    in_clone: dict[str, int] = defaultdict(int)
    on_node: dict[tuple[str, str], int] = defaultdict(int)
    for key, nodes in view.solution.promoted.items():
        unit = problem.by_key[key]
        for node in nodes:
            if node not in problem.promotable.get(key, {}):
                problems.append(f"{key} promoted on {node}, where it may not be")
            if node not in view.solution.nodes(key):
                problems.append(f"{key} promoted on {node} but not running there")
            if unit.clone is not None and counts(unit):
                in_clone[unit.clone] += 1
                on_node[(unit.clone, node)] += 1
    pinned_in_clone, pinned_on_node = _pinned_promotions(problem)
    for clone, count in in_clone.items():
        if count > max(problem.promoted_limits(clone)[0], pinned_in_clone[clone]):
            problems.append(f"clone {clone}: {count} promoted copies")
    for (clone, node), count in on_node.items():
        if count > max(problem.promoted_limits(clone)[1], pinned_on_node[(clone, node)]):
            problems.append(f"clone {clone}: {count} promoted copies on {node}")
    for head, node in partial(problem, view.solution):
        unit = problem.by_key[head]
        problems.append(f"clone {unit.clone}: the copy of {unit.group} with {head} is promoted in part on {node}")
    return problems


def _pinned_promotions(problem: Problem) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Promoted copies kept as they are, per clone and per (clone, node): limits never go below them."""
    in_clone: dict[str, int] = defaultdict(int)
    on_node: dict[tuple[str, str], int] = defaultdict(int)
    for key, nodes in problem.pinned_promoted.items():
        unit = problem.by_key[key]
        assert unit.clone is not None
        if not counts(unit):
            continue
        for node in nodes:
            in_clone[unit.clone] += 1
            on_node[(unit.clone, node)] += 1
    return in_clone, on_node
