"""Where a finite colocation lifts a node the resource's own score rules out (§1, §5).

A resource runs only where its score is ≥ 0 — its score *at assignment*: Pacemaker first
assigns the primaries it is colocated with, then adds each finite colocation's score to
the nodes where the primary went (``pcmk__apply_coloc_to_weights``), and only then picks
a node with a score ≥ 0. So a resource at −100 on node1 but colocated +200 with something
placed on node1 is at 100 there and runs. A ban (−INFINITY) is never lifted.

An exact model cannot fold the primary's node in beforehand, so such a node is allowed on
a condition: the unit may run there only if its own score plus the finite colocations it
earns there, given where their primaries end up, is ≥ 0. Nodes where the resource's own
score is ≥ 0 get no condition: a finite anti-colocation stays a penalty there, as
Pacemaker rolls one back when it would leave no node (SEMANTICS.md §5).

Left out, as the greedy reference leaves them out: a role-restricted dependent (its role
is decided after placement) and the "primary runs nowhere: minus the score everywhere"
rule, which only ever lowers a node that is lifted here.

`candidates` finds the nodes (in `build_problem`); `encode`, `check` and `broken` keep the
condition for the CP model, the pure evaluator and the neighbourhood search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from placement.score import INFINITY
from placement.solve.colocation import ANYWHERE, Link
from placement.solve.scores import ScoreTable
from placement.solve.terms import NodeScore

if TYPE_CHECKING:
    from placement.solve.context import EncodeContext
    from placement.solve.problem import Problem
    from placement.solve.solution import Solution, SolutionView


def _counts(link: Link) -> bool:
    """Whether ``link`` adds its score to the dependent's table at assignment."""
    return not link.mandatory and link.on is None and link.attribute != ANYWHERE and link.dependent.role is None


def finite_links(links: Iterable[Link]) -> dict[str, list[Link]]:
    """Dependent unit → the finite colocations folded into its score at assignment."""
    found: dict[str, list[Link]] = {}
    for link in links:
        if _counts(link):
            for key in link.dependent.units:
                found.setdefault(key, []).append(link)
    return found


def candidates(table: ScoreTable, links: Iterable[Link], keys: Iterable[str]) -> dict[str, dict[str, NodeScore]]:
    """For each unit among ``keys``, the nodes it could run on only thanks to its finite
    colocations: its own score there is negative but finite, and the positive colocations
    it has there could bring it to 0."""
    lifting: dict[str, int] = {}
    for key, found in finite_links(links).items():
        gain = sum(link.score for link in found if link.score > 0)
        if gain > 0:
            lifting[key] = gain
    lifted: dict[str, dict[str, NodeScore]] = {}
    for key in keys:
        gain = lifting.get(key)
        if gain is None or len(table.allowed(key)) == len(table.nodes):
            continue  # nothing lifts it, or every node is allowed already: no whole row to build
        for node, score in table.scores(key).items():
            if score.allowed or score.unavailable is not None or not score.entry or score.total <= -INFINITY:
                continue
            if score.total + gain >= 0:
                lifted.setdefault(key, {})[node] = score
    return lifted


def _needed(problem: Problem) -> dict[str, dict[str, int]]:
    """Unit → lifted node → its own score there (what the colocations must make up)."""
    return {
        key: {node: problem.allowed[key][node].total for node in nodes if node in problem.allowed.get(key, {})}
        for key, nodes in problem.lifted.items()
    }


def encode(ctx: EncodeContext, problem: Problem) -> None:
    """``run[unit@node] ⇒ own score + Σ score · primary-there ≥ 0`` for every lifted pair."""
    if not problem.lifted:
        return
    links_of = finite_links(problem.links)
    for key, nodes in _needed(problem).items():
        for node, own in nodes.items():
            here = ctx.x.get((key, node))
            if here is None or (key, node) in problem.exempt:
                continue
            lits, coefficients = [], []
            for link in links_of.get(key, ()):
                if not link.binds(node):
                    continue
                there = ctx.active_at(link.primary, link.attribute, problem.attribute(node, link.attribute), key)
                if there is not None:
                    lits.append(there)
                    coefficients.append(link.score)
            name = guard_name(key, node)
            if sum(c for c in coefficients if c > 0) + own < 0:
                ctx.require([ctx.negate(here)], name)  # no primary can come here after all
                continue
            from placement.solve.cp_model_import import cp_model

            constraint = ctx.model.add(cp_model.LinearExpr.weighted_sum(lits, coefficients) >= -own)
            guard = ctx.guard(name)
            constraint.only_enforce_if([here, guard] if guard is not None else [here])


def guard_name(key: str, node: str) -> str:
    """The name `placement why` knows the condition of one lifted pair by."""
    return f"lifted {key}@{node}"


def describe(problem: Problem) -> dict[str, tuple[str, dict[str, str]]]:
    """Guard name → the condition in words, and the units it involves (by the names used)."""
    from placement.solve.explain import where

    links_of = finite_links(problem.links)
    found: dict[str, tuple[str, dict[str, str]]] = {}
    for key, nodes in _needed(problem).items():
        for node, own in nodes.items():
            score = problem.allowed[key][node]
            culprits = ", ".join(str(t) for t in score.terms if t.value < 0)
            links = [link for link in links_of.get(key, ()) if link.binds(node) and link.score > 0]
            lifting = "; ".join(f"{link}{where(link.span)}{_absent(problem, link, node)}" for link in links)
            text = f"{key} on {node} scores {own} ({culprits}): only its colocations there can make it up: {lifting}"
            primaries = {k: link.primary.resource for link in links for k in link.primary.units}
            found[guard_name(key, node)] = (text, primaries)
    return found


def _shortfalls(view: SolutionView) -> Iterator[tuple[str, str, int, int]]:
    """(unit, node, score there, own score) for every copy on a lifted node below 0."""
    problem = view.problem
    links_of = finite_links(problem.links)
    for key, nodes in _needed(problem).items():
        running = view.solution.nodes(key)
        for node, own in nodes.items():
            if node not in running or (key, node) in problem.exempt:
                continue
            total = own
            for link in links_of.get(key, ()):
                value = problem.attribute(node, link.attribute)
                if link.binds(node) and view.active_at(link.primary, link.attribute, value, key):
                    total += link.score
            if total < 0:
                yield key, node, total, own


def check(view: SolutionView) -> list[str]:
    """Copies on a lifted node whose colocations do not bring their score to 0."""
    if not view.problem.lifted:
        return []
    return [
        f"{key} scores {total} on {node}: its colocations do not make up its own {own}"
        for key, node, total, own in _shortfalls(view)
    ]


def broken(problem: Problem, solution: Solution) -> set[str]:
    """The units ``solution`` runs on a lifted node that their colocations no longer lift."""
    from placement.solve.solution import SolutionView

    if not problem.lifted:
        return set()
    return {key for key, _node, _total, _own in _shortfalls(SolutionView(problem, solution))}


def _absent(problem: Problem, link: Link, node: str) -> str:
    """`` — but <primary> may not run there: …`` when no copy of the primary can come."""
    value = problem.attribute(node, link.attribute)
    places = problem.nodes_with(link.attribute, value)
    if any(n in problem.allowed.get(k, {}) for k in link.primary.units for n in places):
        return ""
    reasons = [problem.table.scores(k)[node].why_not() for k in link.primary.units[:1]]
    return f" — but {link.primary} may not run there" + "".join(f" ({r})" for r in reasons if r)
