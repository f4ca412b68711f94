"""How the greedy reference distributes a clone's instances (SEMANTICS.md §8 "Clone").

compat(pacemaker): ``distribute_children`` — the instances sorted once as
``pcmk__cmp_instance`` sorts them, active ones pre-assigned to their node when it is as
good as the best, the rest placed in order; for a globally-unique clone each instance on
its own, for an anonymous clone one copy per node, each active copy sticky on its own node
only. Instances held where they run (a failed stop, a blocked stop chain) and quorum
freeze change what is assigned where and what counts for the tie-break; each method says
how. A mixin of the greedy pass (`placement.solve.greedy`), whose bookkeeping it uses.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from placement.score import INFINITY, add
from placement.solve.units import Unit

if TYPE_CHECKING:
    from placement.solve.coloc_scores import ColocatedScores
    from placement.solve.problem import Problem


class CloneDistribution:
    """The clone half of `placement.solve.greedy._Run`, whose ``__init__`` sets the
    bookkeeping below and which provides ``choose``, ``values``, ``take``, ``fits``,
    ``node_score``, ``_best`` and ``assign_copy``."""

    problem: Problem
    placed: dict[str, set[str]]
    assigned_count: dict[str, int]
    available: set[str]
    position: dict[str, int]
    colocated: ColocatedScores
    copy_rank: dict[str, dict[str, int]]
    active_instances: dict[str, int]
    unique_rank: dict[str, int]

    def _keep_held_members(self, members: list[Unit], node: str) -> None:
        """Later members of a unique clone's instance held elsewhere (their stop waits for a
        blocked one) stay where they run; compat(pacemaker): for the tie-break (§6.2) a
        managed one counts on ``node``, where the instance went and its start cannot run,
        an unmanaged one where it runs."""
        unmanaged = {(i.resource, i.node) for i in self.problem.state.instances if not i.managed}
        for unit in members[1:]:
            held = sorted(self.problem.pinned.get(unit.key, ()), key=self.position.get)
            if not held or node in held:
                continue
            for where in held:
                self.take(unit, where, counted=False)
            stuck = any((unit.primitive, where) in unmanaged for where in held)
            self.assigned_count[held[0] if stuck else node] += 1

    def _assign_stuck_copy(self, members: list[Unit], here: str) -> None:
        """compat(pacemaker): a unique clone's active instance with a member stuck on ``here``
        (its stop failed there) is pre-assigned by its scores, the stuck member's ban
        included, so never to ``here``; ``allocate_instance`` then finds it off its current
        node, undoes the assignment ("Not pre-allocating … because … is better") and leaves
        the instance unassigned: it takes no node's slot. Its members' assignments still
        count for the tie-break (§6.2): those before the stuck member on the node the
        instance went to, the stuck one and those after it where it runs. What runs stays
        where it is (`assign_copy` takes it)."""
        head = members[0]
        table = self.problem.table.scores(head.key)
        values = {
            n: table[n].total
            for n in self.problem.table.nodes
            if n in self.available and n != here and table[n].entry and self._clone_room(head, n)
        }
        # (The head is held as well, so its own scores stand in for `head_scores`.)
        for unit in members[1:]:
            step = {n: add(value, self.node_score(unit, n, pulling=True)) for n, value in values.items()}
            if not any(value >= 0 for value in step.values()):
                break
            values = step
        scored = [(n, value) for n, value in values.items() if value >= 0]
        where = self._best(members, scored, frozenset(), keep=False) if scored else None
        unmanaged = {(i.resource, i.node) for i in self.problem.state.instances if not i.managed}
        for unit in members:
            # (An unmanaged member is assigned where it runs, and the members after it follow it.)
            stuck = [n for n in self.problem.pinned.get(unit.key, ()) if (unit.primitive, n) in unmanaged]
            where = stuck[0] if stuck else where
            if where is not None:
                self.assigned_count[where] += 1

    def assign_unique(self, copies: list[list[Unit]]) -> None:
        """compat(pacemaker): §8 ``distribute_children`` for a globally-unique clone.

        Active, healthy instances are pre-assigned to their current node first — if it can
        take them, scores at least as well as the best node, and holds fewer than
        ``clone-max / available nodes`` (at least 1) of this clone so far — which is what
        rebalances a clone crowded on few nodes; then every instance left is placed in order.
        """
        problem = self.problem
        optimal = max(1, len(copies) // max(1, len(self.available)))
        count: dict[str, int] = defaultdict(int)
        failed = self._failed_copies()
        done: set[str] = set()
        copies = self._instance_order(copies)
        for rank, members in enumerate(copies):
            for unit in members:
                self.unique_rank[unit.key] = rank
        for members in copies:
            head = members[0]
            now = sorted(problem.table.current.of(head.key), key=self.position.get)
            if not now or head.key in failed or head.key in problem.pinned:
                continue
            node = now[0]
            if node not in self.available or count[node] >= optimal or not self._clone_room(head, node):
                continue
            candidates = [n for n in problem.allowed.get(head.key, ()) if n in self.available]
            candidates = [n for n in candidates if self._clone_room(head, n)]
            values = self.values(members, candidates)
            best = max(values.values(), default=-INFINITY)
            if values.get(node, -INFINITY) >= max(0, best) and self.fits(members, node):
                self._take_copy(members, node, head.instance or 0)
                count[node] += 1
                done.add(head.key)
        for members in copies:
            if members[0].key not in done:
                self.assign_copy(members, set())

    def _instance_order(self, copies: list[list[Unit]]) -> list[list[Unit]]:
        """compat(pacemaker): the order ``pcmk__cmp_instance`` sorts a unique clone's
        instances in, which both assignment passes and every later colocation with the clone
        walk: active ones where their scores still allow them first, the clone's colocation
        pull on their node deciding among those (``cmp_instance_by_colocation``), then the
        inactive ones, then one active on a node it is banned from (its stop failed there:
        it takes no node from the others, `Problem.takes_node_slot`); instance number last.
        A group instance is judged by the group's own scores, which a member's ban does not
        reach."""
        table, current = self.problem.table, self.problem.table.current
        pull = self.colocated.instance_pull

        def order(members: list[Unit]) -> tuple[int, int]:
            head = members[0]
            if len(members) == 1 and not self._takes_slots(head):
                return (2, 0)
            now = sorted(current.of(head.key), key=self.position.get)
            if not now:
                return (1, 0)
            if table.score(head.key, now[0]).total < 0:
                return (2, 0)
            return (0, -pull(head.clone, now[0]) if head.clone else 0)

        return sorted(copies, key=order)

    def _takes_slots(self, unit: Unit) -> bool:
        return all(self.problem.takes_node_slot(unit.key, node) for node in self.problem.pinned.get(unit.key, ()))

    def _failed_copies(self) -> set[str]:
        """Unit keys of clone copies whose current copy has failed (they are recovered, not kept)."""
        failed = {(i.resource, i.node) for i in self.problem.state.instances if i.failed}
        if not failed:
            return set()
        current = self.problem.table.current
        return {u.key for u in self.problem.units if any((u.primitive, n) in failed for n in current.of(u.key))}

    def _clone_room(self, unit: Unit, node: str) -> bool:
        if unit.clone is None or unit.instance is None:
            return True
        prefix, takes = f"{unit.primitive}:", self.problem.takes_node_slot
        same = sum(1 for key in self.placed if key.startswith(prefix) and node in self.placed[key] and takes(key, node))
        return same < self.problem.per_node_limit(unit.clone)

    def assign_anonymous(self, members: list[Unit]) -> None:
        """compat(pacemaker): §8 ``distribute_children`` — active copies stay first, then the rest spread."""
        head = members[0]
        pinned = set()
        for unit in members:
            for node in sorted(self.problem.pinned.get(unit.key, ())):
                self.take(unit, node)
                pinned.add(node)
        limit = head.max_copies
        # (Under quorum freeze no inactive instance starts: `Problem.most_copies`.)
        most = self.problem.most_copies(head)
        available = [n for n in self.problem.nodes_of(head.key) if n in self.available]
        share = max(1, limit // max(1, len(available)))
        used = set(pinned)
        # Each active copy is an instance of its own, numbered in status order, whose
        # stickiness holds on its own node only.
        current = self.problem.table.current.of(head.key)
        # compat(pacemaker): pcmk__cmp_instance — an instance active where it may still run
        # comes before one active on a node that can no longer take it (standby, banned),
        # then the one the clone's colocations pull more towards its node
        # (cmp_instance_by_colocation), then status order (the instance number).
        pull = self.colocated.instance_pull if head.clone else None
        instances = sorted(
            self._in_status_order(current),
            key=lambda n: (n not in available, -pull(head.clone, n) if pull and n in available else 0),
        )
        for unit in members:
            self.active_instances[unit.key] = len(instances)
        left: list[tuple[int, str | None]] = []  # (the instance's rank, its node now)
        for rank, node in enumerate(instances):
            if len(used) >= most or node in used or node not in available:
                left.append((rank, None))
                continue
            # compat(pacemaker): allocate_instance keeps a copy where it runs only if that
            # node scores at least as well as the best free one ("… because X is better").
            values = self.values(members, [n for n in available if n not in used])
            if (
                share >= 1
                and values.get(node, -INFINITY) >= max(0, max(values.values(), default=0))
                and self.fits(members[:1], node)
            ):
                self._take_copy(members, node, rank)
                used.add(node)
            else:
                left.append((rank, node))
        # compat(pacemaker): distribute_children's second pass — the instances not kept, in
        # order, then the inactive ones; an instance that was active prefers its own node.
        left.extend((len(instances) + extra, None) for extra in range(max(0, limit - len(used) - len(left))))
        # compat(pacemaker): pcmk__cmp_instance — an instance active on a node its scores
        # now ban comes after the inactive ones (one on a node merely unavailable, standby
        # say, still before them).
        table = self.problem.table

        def order(entry: tuple[int, str | None]) -> int:
            rank, _own = entry
            if rank >= len(instances):
                return 1
            return 2 if table.score(head.key, instances[rank]).total < 0 else 0

        left.sort(key=order)
        placed = len(used)
        for rank, own in left:
            if len(used) >= limit:
                break
            candidates = [n for n in available if n not in used]
            mine = frozenset({own}) if own is not None else frozenset()
            node = self.choose(members, candidates, mine, others_sticky=current - mine)
            if node is None:
                break
            used.add(node)
            if rank >= len(instances) and most < limit:
                # Under quorum freeze an inactive instance is still assigned, and takes its
                # node from the others, but its start cannot run (`Problem.most_copies`).
                self.assigned_count[node] += len(members)
                continue
            if placed >= most:
                break
            self._take_copy(members, node, rank)
            placed += 1

    def _in_status_order(self, nodes: frozenset[str]) -> list[str]:
        """``nodes`` in the order the status lists them (`State.nodes`; the rest by name)."""
        listed = [node for node in self.problem.table.state.nodes if node in nodes]
        return listed + sorted(nodes - set(listed))

    def _take_copy(self, members: list[Unit], node: str, rank: int) -> None:
        """Place one copy of an anonymous clone; ``rank`` is its instance's place in the
        clone's list of instances (active ones in status order, then the rest)."""
        for index, unit in enumerate(members):
            if (index and self.node_score(unit, node) < 0) or not self.fits([unit], node):
                break
            self.take(unit, node)
            self.copy_rank[unit.key][node] = rank

    # ----------------------------------------------------------------- after placement
