"""Where a group member may run: its own score, lifted by the members after it (§1, §8).

A resource runs only where its score is ≥ 0 — its score *at assignment*, once the scores
of the resources colocated with it are folded in (``pcmk__add_colocated_node_scores``). A
group is a chain of INFINITY colocations, so when Pacemaker assigns a member it adds the
scores of every later member (factor 1; `placement.solve.coloc_scores` for the general
walk): a first member at −2 on a node where the two after it are sticky by 5 each is at
8 there and may go. Folding never pushes a node that was ≥ 0 below 0 (the
``only_positive`` rule marks it usable instead), so only negative nodes can gain.

`lifted_nodes` finds the nodes a member gains; a ban (−INFINITY) is never lifted.
"""

from __future__ import annotations

from collections.abc import Iterable

from placement.score import INFINITY, add
from placement.solve.scores import ScoreTable
from placement.solve.terms import NodeScore


def lifted_nodes(table: ScoreTable, keys: Iterable[str]) -> dict[str, dict[str, NodeScore]]:
    """For each group member among ``keys``, the nodes it may run on only thanks to the
    members after it (its score there is negative, the chain's sum is not)."""
    later: dict[str, str] = {}  # member key → the next member's key in the same copy
    for unit in table.units:
        if unit.after is not None:
            later[unit.after] = unit.key
    found: dict[str, dict[str, NodeScore]] = {}
    for key in keys:
        if key not in later:
            continue  # not followed by anyone: nothing to lift it
        if len(table.allowed(key)) == len(table.nodes):
            continue  # allowed everywhere already (the common case): no whole row to build
        for node, score in table.scores(key).items():
            if score.allowed or score.unavailable is not None or not score.entry or score.total <= -INFINITY:
                continue
            if _chain_total(table, key, node, later) >= 0:
                found.setdefault(key, {})[node] = score
    return found


def _chain_total(table: ScoreTable, key: str, node: str, later: dict[str, str]) -> int:
    """The member's score on ``node`` with the later members' folded in, step by step as
    ``add_node_scores_matching_attr`` does with ``only_positive``: a step that would take
    a positive score below 0 leaves the node usable (1) and ends the fold, one that would
    take 0 below 0 is skipped."""
    total = table.score(key, node).total
    follower = later.get(key)
    while follower is not None:
        step = add(total, table.score(follower, node).total)
        if step < 0 < total:
            return 1  # compat(pacemaker): INFINITY_HACK, reset to 1 when the fold is done
        if not (step < 0 and total == 0):
            total = step
        follower = later.get(follower)
    return total
