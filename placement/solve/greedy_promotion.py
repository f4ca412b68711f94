"""How the greedy reference chooses the promoted copies, after placement (SEMANTICS.md §8).

compat(pacemaker): ``pcmk__set_instance_roles`` — each copy's promotion priority
(``set_instance_priority``: its promotion score, moved by role colocations,
`placement.solve.promotion_priority`), its sort index (``sort_promotable_instances``: the
priority plus the clone's own score on the node), then the first ``promoted-max`` by
``cmp_promotable_instance``. A mixin of the greedy pass (`placement.solve.greedy`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from placement.score import add
from placement.solve import promotable, promotion_priority
from placement.solve.solution import SolutionView

if TYPE_CHECKING:
    from placement.solve.coloc_scores import ColocatedScores
    from placement.solve.problem import Problem


class Promotion:
    """The promotion half of `placement.solve.greedy._Run`, whose ``__init__`` sets the
    bookkeeping below and which provides ``solution``."""

    problem: Problem
    placed: dict[str, set[str]]
    promoted: dict[str, set[str]]
    colocated: ColocatedScores

    def promote(self) -> None:
        """compat(pacemaker): §8 — promote the best-scoring copies, up to the limits.

        Ties go to the copy promoted now (``cmp_promotable_instance``: higher current role),
        then to one that has not failed, then to the one the clone's colocations pull most
        towards its node (``pcmk__cmp_instance``), then to the lower clone instance number. A
        group
        copy is promoted as a whole, where every member runs and may be promoted, with the
        summed score its first member carries.
        """
        problem = self.problem
        numbers = problem.table.current.instance_numbers
        members_of = promotable.copies(problem)
        current = problem.table.current.promoted
        by_clone: dict[str, list[tuple[int, int, bool, int, int, str, str]]] = defaultdict(list)
        running = problem.table.current
        failed = {(i.resource, i.node) for i in problem.state.instances if i.failed}
        role_pulls_of = promotion_priority.role_pulls(problem.table, problem.links)
        for key, nodes in problem.promotable.items():
            unit = problem.by_key[key]
            assert unit.clone is not None
            if not promotable.counts(unit):
                continue  # promoted with its copy's first member
            members = members_of.get(key, (key,))
            now = frozenset().union(*(current.get(member, frozenset()) for member in members))
            gates = problem.promotion_gates.get(key, {})
            for node, score in nodes.items():
                if all(node in self.placed.get(m, ()) and node in problem.promotable.get(m, {}) for m in members):
                    value = score.total
                    if node in gates or key in role_pulls_of:
                        # compat(pacemaker): set_instance_priority — role colocations move
                        # the priority (`placement.solve.promotion_priority`); below 0, never.
                        value = self._role_priority(key, node, score.total, role_pulls_of.get(key, ()))
                        if value < 0:
                            continue
                    number = numbers.get((unit.primitive, node), "")
                    order = int(number) if number.isdigit() else unit.instance if unit.instance is not None else 1 << 30
                    broken = any((problem.by_key[m].primitive, node) in failed for m in members)
                    role = 2 if node in now else 1 if node in running.of(key) else 0  # its role now
                    pull = self.colocated.instance_pull(unit.clone, node) if role else 0
                    by_clone[unit.clone].append(
                        (self._priority(unit.clone, value, node), role, broken, pull, order, key, node)
                    )
        for clone, options in by_clone.items():
            most, per_node = problem.promoted_limits(clone)
            on_node: dict[str, int] = defaultdict(int)
            count = 0
            ranked = sorted(options, key=lambda o: (-o[0], -o[1], o[2], -o[3], o[4], o[5], o[6]))
            for _score, _now, _failed, _pull, _order, key, node in ranked:
                if count < most and on_node[node] < per_node:
                    for member in members_of.get(key, (key,)):
                        self.promoted[member].add(node)
                    on_node[node] += 1
                    count += 1

    def _role_priority(self, key: str, node: str, base: int, pulls) -> int:
        """A copy's promotion priority on ``node`` with the role colocations that hold on
        what is placed so far (`placement.solve.promotion_priority`)."""
        view = SolutionView(self.problem, self.solution())
        return promotion_priority.priority(view, key, node, promotion_priority.Gate(base, tuple(pulls)))

    def _priority(self, clone: str, score: int, node: str) -> int:
        """compat(pacemaker): ``sort_promotable_instances`` — a copy's promotion priority is its
        promotion score added to the clone's own score on its node (locations of any role),
        unless the promotion score is negative."""
        if score < 0:
            return score
        return add(score, self.colocated.table(clone).get(node, 0))
