"""Where its dependents' pull lifts a node a primary's own score rules out (§5 "Effect on the primary").

Before Pacemaker assigns a primary it folds in the scores of the resources colocated with
it that have influence (``pcmk__add_colocated_node_scores``, `placement.solve.coloc_scores`):
each dependent's best score per node, scaled by the colocation's ``score / INFINITY``, and
their own dependents' recursively, each at its *own* factor — so a dependent two steps away
through a mandatory colocation pulls at full weight. The primary then runs only where the
folded score is ≥ 0. A primary at −100 on node2 whose dependent's dependent prefers node2
by 100 through an INFINITY colocation is at 0 there, and may go.

That pull is static: it reads the dependents' own tables, not where they end up (they are
assigned after their primary). So such a node is simply allowed, with the primary's own
score as its weight in the objective (the dependents' preferences count on their own
units). A ban (−INFINITY) is never lifted; plain primitives and the copies of a clone with
fewer copies than nodes (whose instances inherit the clone's dependents,
``append_parent_colocation``) are lifted here; groups get the same fold from their members
in `group_scores`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from placement.score import INFINITY
from placement.solve.terms import NodeScore

if TYPE_CHECKING:
    from placement.solve.problem import Problem
    from placement.solve.units import Unit


def lifted_by_pull(problem: Problem, keys: Iterable[str]) -> dict[str, dict[str, NodeScore]]:
    """For each unit among ``keys`` with influencing dependents, the nodes its own score
    rules out but its dependents' folded pull brings to ≥ 0.

    ``problem`` is the provisional one `build_problem` makes (the allowed nodes so far and
    the constraints' links): the walk reads only the table, the links and node attributes."""
    table = problem.table
    primaries = {link.primary.resource for link in problem.links if link.on is None}
    candidates = []
    for key in keys:
        unit = table.by_key[key]
        if unit.group is not None:
            continue
        if unit.clone is not None:
            if unit.clone not in primaries or not copies_short_of_nodes(problem, unit):
                continue
        elif unit.primitive not in primaries:
            continue
        if len(table.allowed(key)) == len(table.nodes):
            continue  # allowed everywhere already (the common case): no whole row to build
        candidates.append(unit)
    if not candidates:
        return {}
    from placement.solve.coloc_scores import ColocatedScores

    walk = ColocatedScores(problem)
    found: dict[str, dict[str, NodeScore]] = {}
    for unit in candidates:
        scores = table.scores(unit.key)
        short = {
            node: score
            for node, score in scores.items()
            if not score.allowed and score.unavailable is None and score.entry and score.total > -INFINITY
        }
        rid = unit.clone or unit.primitive
        if not short or not walk.dependents_of.get(rid):
            continue
        pulled = walk.with_this([rid], {node: score.total for node, score in scores.items() if score.entry})
        lifted = {node: score for node, score in short.items() if pulled.get(node, -INFINITY) >= 0}
        if lifted:
            found[unit.key] = lifted
    return found


def copies_short_of_nodes(problem: Problem, unit: Unit) -> bool:
    """compat(pacemaker): a clone's instances fold in its dependents' pull only when it has
    fewer copies than nodes available to run them (``distribute_children``'s ``all_coloc``:
    the nodes that are up, whatever the clone scores there)."""
    nodes = sum(1 for node in problem.nodes if problem.table.unavailable[node] is None)
    if unit.multi:
        return unit.max_copies < nodes
    return len({u.instance for u in problem.table.units if u.clone == unit.clone}) < nodes
