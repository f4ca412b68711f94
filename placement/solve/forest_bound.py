"""A cap on what a problem's units can score, by dynamic programming over their colocations.

`incremental.certify` needs a cap on the score the freed units could reach with every
pinned unit gone (`incremental.relaxed`). The LP relaxation gives one, but it encodes a
CP-SAT model and prices columns: over half a second for the few hundred units a node
leaving 100×10,000 frees. What makes that cap tighter than the units' regrets is nearly
always structure, not capacity: group members and colocated resources that cannot all sit
on their own best nodes at once. That structure is mostly a forest, and on a forest the best
placement with capacity left out is a dynamic programme over the nodes, linear in units ×
nodes (a few milliseconds there).

The cap holds for any placement that passes the problem's hard constraints, because every
step only loosens them:

* capacity, orders, bans (anti-colocations, negative scores as penalties) and roles are left
  out: without them the best score can only grow;
* ``a`` depends on ``b`` (a group chain, or a mandatory colocation of ``a`` with ``b`` on the
  same node in any role of ``a``): where ``a`` runs, ``b`` runs on that node. It is kept for
  single-copy units that are never left alone somewhere (`Problem.exempt`);
* a positive finite colocation between two such units earns its score where both run on
  the same node;
* a tie that would close a cycle is cut (a finite one counted as always earned), so each
  connected set of units is a tree;
* a unit with several copies (a clone) is its own tree: its best nodes, one copy each; a
  colocation with it always earns its score, once per copy of its dependent.

The quantity capped is `earned`: the units' finite scores where they run plus the rewards
of their finite colocations among themselves — what the certificate compares it with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from placement.model import Role
from placement.solve import colocation, objective
from placement.solve.disjoint_sets import DisjointSets
from placement.solve.problem import Problem
from placement.solve.solution import Solution, SolutionView

_IMPOSSIBLE = -math.inf


def earned(problem: Problem, keys: set[str], solution: Solution) -> int:
    """What units ``keys`` score in ``solution``: their finite scores, and finite colocations among them."""
    view = SolutionView(problem, solution)
    score = sum(problem.allowed[key][node].finite for key in keys for node in solution.nodes(key))
    return score + sum(
        colocation.reward(view, link)
        for link in problem.links
        if not link.mandatory and set(link.dependent.units) | set(link.primary.units) <= keys
    )


def score_cap(problem: Problem) -> int:
    """A cap on the score level (`objective.score`) of any answer to ``problem`` that breaks
    no hard constraint: the forest's cap on what its units earn, plus the promotions' best.

    It holds whatever capacity the nodes have, since capacity is left out of it: an answer
    that reaches it is optimal on the score level, and no capacity freed elsewhere could
    raise that optimum (a capacity price of 0 everywhere).
    """
    return min(objective.upper_bounds(problem)["score"], forest_bound(problem) + objective.promotion_bound(problem))


def forest_bound(problem: Problem) -> int:
    """A cap on `earned` by every unit of ``problem`` in any placement that breaks no hard constraint."""
    keys = {unit.key for unit in problem.units}
    forest = _Forest(problem, keys)
    total = forest.always
    for key in sorted(keys):
        if key in forest.done:
            continue
        total += forest.best_of_tree(key) if forest.single(key) else _best_copies(problem, key)
    return total


@dataclass(frozen=True, slots=True)
class _Tie:
    """A kept tie from a tree node to a neighbour: its kind and which end depends on the other."""

    other: str
    score: int  # 0 for a dependency (a hard tie), else the finite colocation's score
    depends: bool  # this end depends on ``other`` (for a dependency)


class _Forest:
    """The kept ties of ``keys``, as trees, and the score of ties counted as always earned."""

    def __init__(self, problem: Problem, keys: set[str]) -> None:
        self.problem = problem
        self.keys = keys
        self.done: set[str] = set()
        self.always = 0
        self.ties: dict[str, list[_Tie]] = {}
        self._sets = DisjointSets()
        left_alone = {key for key, _ in problem.exempt}
        self._single = {
            key
            for key in keys
            if key not in left_alone
            and problem.most_copies(problem.by_key[key]) == 1
            and len(problem.pinned.get(key, ())) <= 1
        }
        for key in sorted(keys):
            after = problem.by_key[key].after
            if after in keys and self.single(key) and self.single(after):
                self._tie(key, after, 0)
        for link in problem.links:
            self._link(link)

    def single(self, key: str) -> bool:
        """Whether ``key`` runs at most one copy, and only where the hard ties allow."""
        return key in self._single

    def _link(self, link: colocation.Link) -> None:
        dependents, primaries = link.dependent.units, link.primary.units
        if link.score < 0 or not set(dependents) | set(primaries) <= self.keys:
            return  # a ban or a penalty only lowers the score; ties leaving the problem are gone
        simple = (
            len(dependents) == 1
            and len(primaries) == 1
            and dependents[0] != primaries[0]
            and self.single(dependents[0])
            and self.single(primaries[0])
            and link.attribute is None
            and link.on is None
        )
        if link.mandatory:
            # A role of the dependent (say, promoted) binds only copies in that role.
            if simple and link.dependent.role in (None, Role.STARTED):
                self._tie(dependents[0], primaries[0], 0)
            return
        if simple:
            self._tie(dependents[0], primaries[0], link.score)
        else:
            copies = sum(self._copies(key) for key in dependents)
            self.always += link.score * copies

    def _copies(self, key: str) -> int:
        problem = self.problem
        return max(problem.most_copies(problem.by_key[key]), len(problem.pinned.get(key, ())))

    def _tie(self, dependent: str, primary: str, score: int) -> None:
        if not self._sets.join(dependent, primary):
            self.always += score  # closes a cycle: cut, its reward counted as earned
            return
        self.ties.setdefault(dependent, []).append(_Tie(primary, score, True))
        self.ties.setdefault(primary, []).append(_Tie(dependent, score, False))

    def best_of_tree(self, top: str) -> int:
        """The best `earned` of the tree holding ``top``, by a pass from the leaves up."""
        order, parent = [top], {top: top}
        self.done.add(top)
        for key in order:  # (grows while it is walked: breadth first)
            for tie in self.ties.get(key, ()):
                if tie.other not in self.done:
                    self.done.add(tie.other)
                    parent[tie.other] = key
                    order.append(tie.other)
        # For each unit: the best of its subtree with it on each node it may use, and stopped.
        on_node: dict[str, dict[str, float]] = {}
        stopped: dict[str, float] = {}
        for key in reversed(order):
            here = {node: float(score.finite) for node, score in self.problem.allowed.get(key, {}).items()}
            off = 0.0
            for tie in self.ties.get(key, ()):
                child = tie.other
                if parent.get(child) != key:
                    continue
                child_on, child_off = on_node[child], stopped[child]
                child_best = max(child_off, *child_on.values()) if child_on else child_off
                if tie.score:  # finite: earned where both run on one node
                    off += child_best
                    for node in here:
                        here[node] += max(child_best, child_on.get(node, _IMPOSSIBLE) + tie.score)
                elif tie.depends:  # this unit needs the child on its node
                    off += child_best
                    for node in here:
                        here[node] += child_on.get(node, _IMPOSSIBLE)
                else:  # the child needs this unit on its node, or stops
                    off += child_off
                    for node in here:
                        here[node] += max(child_off, child_on.get(node, _IMPOSSIBLE))
            on_node[key], stopped[key] = here, off
        best = max(stopped[top], *on_node[top].values()) if on_node[top] else stopped[top]
        return int(best)


def _best_copies(problem: Problem, key: str) -> int:
    """A unit with several copies: its best positive scores, one per copy it may run."""
    unit = problem.by_key[key]
    copies = max(problem.most_copies(unit), len(problem.pinned.get(key, ())))
    values = sorted((max(0, score.finite) for score in problem.allowed.get(key, {}).values()), reverse=True)
    return sum(values[:copies])
