"""A port of Pacemaker's one-by-one assignment: the reference answer and the solver's first hint.

SEMANTICS.md §6: top-level resources are assigned in configuration order, stably sorted
by priority (highest first) — and with a placement strategy by ``cmp_resources``
(`placement.solve.sequence`); each first pulls in the primaries it is colocated with. A
resource takes the allowed node with (1) the highest score after the colocations of
already-assigned primaries and the attenuated influence of its dependents
(`placement.solve.coloc_scores`), (2) for ``balanced``, more free capacity on more
attributes, (3) except for ``minimal``, the fewest copies assigned so far in this run,
(4) its current node, (5) the lowest node name (byte order). With a positive winning score
a resource stays on its current node when that node ties for the best score. Groups place
their first member with the summed scores of all members; clones place currently active
copies first, then the rest; promotion is decided after placement; mandatory orders then
block. How a clone's instances are distributed is `placement.solve.greedy_clones`, how the
promoted copies are chosen `placement.solve.greedy_promotion`: mixins of the one pass here.

Deliberate simplifications (documented in docs/solver.md): promotion is decided after all
placement (Pacemaker sets a promotable clone's roles as soon as it is placed), a
resource's scores as others read them are its own plus the colocations applied so far
(Pacemaker's ``allowed_nodes`` also holds its dependents' merged influence), a clone's
copies feel their dependents only when the clone has fewer copies than nodes, and a
rolled-back colocation is not archived and restored later. The objective only uses this
answer as a reference and hint, so these only change which of several equally good
placements is preferred.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from functools import cmp_to_key

from placement.bundle import containers as bundle_containers
from placement.model import Clone, Group, Role, Strategy
from placement.remote import hosting_resources
from placement.score import INFINITY, add, total
from placement.solve import order, promotable
from placement.solve.coloc_scores import ColocatedScores
from placement.solve.colocated_set import ColocatedSets
from placement.solve.greedy_clones import CloneDistribution
from placement.solve.greedy_promotion import Promotion
from placement.solve.influence_lift import copies_short_of_nodes
from placement.solve.node_table import allowed_nodes_order, merge_sort
from placement.solve.problem import Problem, role_matches
from placement.solve.sequence import assignment_order, capacity_points
from placement.solve.solution import Solution, SolutionView
from placement.solve.units import Unit


def _affects_placement(link) -> bool:
    """compat(pacemaker): ``pcmk__colocation_affects`` — a role-restricted colocation with a
    positive score waits for the roles (decided after placement); a negative one applies at
    placement whatever the roles."""
    return link.dependent.role is None or link.score < 0


class _Run(CloneDistribution, Promotion):
    """The mutable bookkeeping of one greedy pass."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.placed: dict[str, set[str]] = defaultdict(set)
        self.promoted: dict[str, set[str]] = defaultdict(set)
        self.assigned_count: dict[str, int] = dict.fromkeys(problem.nodes, 0)
        # A unique clone's unit → its instance's place in the clone's sorted instance list.
        self.unique_rank: dict[str, int] = {}
        self.free: dict[str, dict[str, int]] = {n: dict(c) for n, c in (problem.capacity or {}).items()}
        self.done: set[str] = set()
        self.in_progress: set[str] = set()
        self.strategy = problem.config.cluster.strategy
        self.units_of: dict[str, list[Unit]] = defaultdict(list)
        for unit in problem.units:
            self.units_of[problem.hierarchy.root(unit.primitive)].append(unit)
        self.roots_of_unit = {unit.key: problem.hierarchy.root(unit.primitive) for unit in problem.units}
        self.available = {n for n in problem.nodes if problem.table.unavailable[n] is None}
        self.links_of: dict[str, list] = defaultdict(list)  # dependent unit → its colocations
        for link in problem.links:
            for key in link.dependent.units:
                self.links_of[key].append(link)
        for links in self.links_of.values():
            links.sort(key=self._primary_rank)  # compat(pacemaker): cmp_primary_priority
        # What each unit takes of a node's capacity (only what is checked), and each node's
        # free capacity in all, kept up to date: `choose` asks for both for every candidate.
        self.checked = problem.capacity is not None
        self.need_of = {unit.key: _need([unit]) for unit in problem.units} if self.checked else {}
        self.name_order = {node: node.encode() for node in problem.nodes}  # §6.2: byte order
        self.position = {node: index for index, node in enumerate(problem.nodes)}
        self.colocated = ColocatedScores(problem)
        self.table_position: dict[str, int] | None = None  # `node_table`, built when first asked
        self.colocated_sets = ColocatedSets(problem)
        self.copy_rank: dict[str, dict[str, int]] = defaultdict(dict)  # `_take_copy`
        self.active_instances: dict[str, int] = {}  # anonymous clone unit → copies active now
        # What a resource of a colocated set takes: a primitive its unit, a clone its first
        # copy (every member of a cloned group's first copy).
        self.first_units: dict[str, list[Unit]] = defaultdict(list)
        for unit in problem.units:
            if unit.clone is None:
                self.first_units[unit.primitive].append(unit)
            elif not any(u.primitive == unit.primitive for u in self.first_units[unit.clone]):
                self.first_units[unit.clone].append(unit)

    def _primary_rank(self, link) -> tuple:
        """Higher priority first, then clones (promotable first), groups, primitives, then id."""
        primary = link.primary.resource
        hierarchy = self.problem.hierarchy
        bundle = self.problem.config.bundles.get(primary)
        if bundle is not None:  # a bundle is Pacemaker's highest variant; its meta is its containers'
            priority = self.problem.table.meta(bundle_containers(bundle)[0]).priority
            return (-(priority or 0), -1, primary.encode())
        clone = hierarchy.clone_of(primary)
        if clone is not None:
            variant, name = (0 if clone.promotable else 1), clone.id
        else:
            variant, name = (2 if isinstance(self.problem.config.resources.get(primary), Group) else 3), primary
        return (-(self.problem.table.meta(hierarchy.root(primary)).priority or 0), variant, name.encode())

    # ----------------------------------------------------------------- scoring

    def node_score(self, unit: Unit, node: str, pulling: bool = False) -> int:
        """The unit's score on ``node`` now: static score plus assigned primaries' colocations.

        ``pulling``: the score a later group member folds into its copy's step. compat(pacemaker):
        ``pcmk__primitive_assign`` bans a member whose target-role is Stopped only when that
        member is assigned itself, so before then its scores (its stickiness) still pull.
        """
        if pulling and self.problem.table.meta(unit.primitive).target_role is Role.STOPPED:
            score = self.problem.table.scores(unit.key).get(node)
            if score is None or not score.entry:
                return -INFINITY
            value = total(term.value for term in score.terms if term.kind != "target-role")
        elif pulling and unit.key in self.problem.pinned and unit.instance is not None:
            # compat(pacemaker): a unique cloned group's member held where it runs (its stop
            # failed, or waits for one that did) is not pinned in Pacemaker's eyes: its own
            # scores fold into the group instance's (a failed stop's ban pushes the instance
            # to another node, where the member's start then cannot run).
            score = self.problem.table.scores(unit.key).get(node)
            value = score.total if score is not None and score.entry else -INFINITY
        else:
            score = self.problem.allowed.get(unit.key, {}).get(node)
            if score is None:
                return -INFINITY
            value = score.total
        for link in self.links_of.get(unit.key, ()):
            delta = self._delta(unit, link, node)
            if delta is not None:
                value = add(value, delta)
        return value

    def _delta(self, unit: Unit, link, node: str, where: frozenset | None = None) -> int | None:
        """What one colocation with assigned primaries adds to ``unit`` on ``node`` (None: nothing).

        ``where`` is `_primary_places` of the same unit and link, when the caller has it.
        """
        if not _affects_placement(link) or not link.binds(node):
            return None
        if where is None:
            where = self._primary_places(unit, link)
            if where is None:
                return None
        here = self.problem.attribute(node, link.attribute)
        together = here is not None and here in where
        if link.score >= INFINITY:
            return 0 if together else -INFINITY
        if link.score <= -INFINITY:
            return -INFINITY if together else 0
        if together:
            return link.score
        if not where and link.score > 0 and not self._by_role_of_promotable(link):
            return -link.score  # compat(pacemaker): §5, primary not running anywhere
        return None

    def _primary_places(self, unit: Unit, link) -> frozenset | None:
        """The link's attribute values where its primaries (other than ``unit``) run in a role
        it names; None while it has none or they are not all assigned yet (it adds nothing)."""
        primaries = [k for k in link.primary.units if k != unit.key]
        if not primaries or not all(self.roots_of_unit[k] in self.done for k in primaries):
            return None
        # (Roles are decided after placement: a negative colocation counts every copy then.)
        any_role = link.score < 0
        return frozenset(
            self.problem.attribute(n, link.attribute)
            for k in primaries
            for n in self.placed.get(k, ())
            if any_role or role_matches(link.primary.role, n in self.promoted.get(k, ()))
        )

    def head_scores(self, unit: Unit, candidates: list[str]) -> dict[str, int]:
        """compat(pacemaker): ``apply_this_with`` — the colocations folded in one at a time,
        a finite one rolled back when it would leave no node with a score ≥ 0
        (``pcmk__apply_coloc_to_weights``). A finite colocation with a clone is applied once
        per copy of the clone, each with its own rollback (``pcmk__clone_apply_coloc_score``
        walks the instances): of two copies apart by -10, the second is rolled back when
        both nodes would be below 0."""
        allowed = self.problem.allowed.get(unit.key, {})
        table = {n: allowed[n].total if n in allowed else -INFINITY for n in candidates}
        for link in self.links_of.get(unit.key, ()):
            # Where the primaries run is the same for every node: looked up once per link.
            where = self._primary_places(unit, link) if _affects_placement(link) else None
            if where is None:
                continue  # the link adds nothing to any node (and so rolls nothing back)
            finite = -INFINITY < link.score < INFINITY
            if finite and self._by_role_of_promotable(link):
                # compat(pacemaker): pcmk__update_dependent_with_promotable — a colocation
                # with a promotable clone in a role adds its score on the nodes of every copy
                # in that role at once (none: nothing), and apply_this_with reverts it only
                # when it is negative and leaves no node at 0 or more.
                if where:
                    applied = dict(table)
                    for node in candidates:
                        if self.problem.attribute(node, link.attribute) in where and link.binds(node):
                            applied[node] = add(applied[node], link.score)
                    if link.score > 0 or any(v >= 0 for v in applied.values()):
                        table = applied
                continue
            paired = self._interleaved_pair(unit, link, table)
            if paired is not None:
                # compat(pacemaker): an interleaved clone's copy goes with the one copy of the
                # primary clone it pairs with (find_compatible_child): the primary's copy on the
                # first node of this copy's own sorted scores that has one. With none to pair
                # with, a mandatory colocation stops the copy and any other does nothing.
                if not paired:
                    if link.score >= INFINITY:
                        table = dict.fromkeys(table, -INFINITY)
                    continue
                where = frozenset({self.problem.attribute(paired, link.attribute)})
                steps = None
            else:
                steps = self._copies_of_clone(unit, link) if finite and where else None
            for step in steps or (where,):
                applied = dict(table)
                for node in candidates:
                    delta = self._delta(unit, link, node, step)
                    if delta is not None:
                        applied[node] = add(applied[node], delta)
                if finite and not any(v >= 0 for v in applied.values()):
                    continue
                table = applied
        return table

    def _interleaved_pair(self, unit: Unit, link, table: dict[str, int]) -> str | None:
        """The node of the primary copy an interleaved clone's copy pairs with ("" when it
        pairs with none), or None when ``link`` is not an interleaved clone-with-clone one."""
        if unit.clone is None:
            return None
        mine = self.problem.config.resources.get(unit.clone)
        theirs = self.problem.hierarchy.clone_of(link.primary.resource) or self.problem.config.resources.get(
            link.primary.resource
        )
        if not isinstance(mine, Clone) or not mine.interleave or not isinstance(theirs, Clone) or theirs is mine:
            return None
        if (mine.per_node or 1) != (theirs.per_node or 1):
            return None  # Pacemaker refuses to interleave these ("Cannot interleave …")
        placed = {
            node
            for key in link.primary.units
            for node in self.placed.get(key, ())
            if role_matches(link.primary.role, node in self.promoted.get(key, ()))
        }
        # The copy's own allowed nodes, not only those still free for it: a node that holds
        # as many copies of its clone as it may sorts last (can_run_instance's -INFINITY).
        allowed = self.problem.allowed.get(unit.key, {})
        full = self.placed.get(unit.key, set()) if unit.multi else set()
        scores = {
            node: -INFINITY if node in full else table.get(node, allowed[node].total)
            for node in allowed
            if node in self.available
        }
        minimal = self.strategy is Strategy.MINIMAL
        # pcmk__sort_nodes without a current node: score, (fewest assigned), name.
        ranked = sorted(
            scores,
            key=lambda n: (-scores[n], 0 if minimal else self.assigned_count[n], self.name_order[n]),
        )
        return next((node for node in ranked if node in placed), "")

    def _by_role_of_promotable(self, link) -> bool:
        """Whether ``link`` names a role of a promotable clone as its primary."""
        if link.primary.role is None or not link.primary.units:
            return False
        return self.problem.by_key[link.primary.units[0]].promotable

    def _copies_of_clone(self, unit: Unit, link) -> list[frozenset] | None:
        """The attribute value of each copy of a clone primary, in instance order (a clone's
        anonymous copies in node order); None when the primary is not a clone."""
        hierarchy = self.problem.hierarchy
        if hierarchy.clone_of(link.primary.resource) is None and not isinstance(
            self.problem.config.resources.get(link.primary.resource), Clone
        ):
            return None
        # (sort index, 0 running now where it may stay / 1 where it may not / 2 not running, where)
        found: list[tuple[int, int, frozenset]] = []
        idle = 0
        promotable_clone = self.problem.table.by_key[link.primary.units[0]].promotable if link.primary.units else False
        # (A unique clone's instances in the order it sorted them, `_instance_order`.)
        keys = sorted(link.primary.units, key=lambda k: self.unique_rank.get(k, -1))
        for key in keys:
            if key == unit.key:
                continue
            placed = self.placed.get(key, ())
            scores = self.problem.promotable.get(key, {}) if promotable_clone else {}
            clone = self.problem.by_key[key].clone or ""
            # compat(pacemaker): the copies in the clone's instance order, as it assigned
            # them (pinned copies, which have no rank, first, in node order).
            ranks = self.copy_rank.get(key, {})
            for node in sorted(placed, key=lambda n: (ranks.get(n, -1), self.position[n])):
                if role_matches(link.primary.role, node in self.promoted.get(key, ())):
                    score = scores.get(node)
                    # (A copy with no promotion score has priority -1, set_instance_priority.)
                    index = -1 if score is None else self._priority(clone, score.total, node)
                    # (An anonymous copy's instance ran before if its rank is an active one's;
                    # its rank already puts one whose node can no longer run it later.)
                    if key in self.active_instances:
                        idle_now = 2 * (ranks.get(node, 0) >= self.active_instances[key])
                    else:
                        now = self.problem.table.current.of(key)
                        idle_now = 2 if not now else int(not now <= self.available)
                    found.append((index, idle_now, frozenset({self.problem.attribute(node, link.attribute)})))
            primary = self.problem.by_key[key]
            if link.primary.role is None:  # (a role-restricted one skips copies not in the role)
                idle += max(0, (primary.max_copies if primary.multi else 1) - len(placed))
        # An instance left unassigned counts as a primary that runs nowhere (its step lowers
        # every node by a positive score, and is rolled back if that leaves none at 0).
        # compat(pacemaker): a promotable clone's instances are walked in promotion order
        # (pcmk__set_instance_roles sorts them by sort index when the clone is assigned): an
        # unassigned instance keeps sort index 0, so it comes before copies whose priority
        # is below 0 and after those above; at equal index one running now comes first
        # (``cmp_promotable_instance``: the higher current role), and of those one whose
        # node can still run it (``pcmk__cmp_instance``).
        if promotable_clone:
            steps = found + [(0, 2, frozenset())] * idle
            steps.sort(key=lambda step: (-step[0], step[1]))
            return [where for _, _, where in steps]
        return [where for _, _, where in found] + [frozenset()] * idle

    def fits(self, units: list[Unit], node: str) -> bool:
        if not self.checked:
            return True
        need = self.need_of[units[0].key] if len(units) == 1 else _need(units)
        return self._room(need, node)

    def _room(self, need: dict[str, int], node: str) -> bool:
        free = self.free[node]
        return all(free.get(attribute, 0) >= amount for attribute, amount in need.items())

    def take(self, unit: Unit, node: str, counted: bool = True) -> None:
        self.placed[unit.key].add(node)
        self.assigned_count[node] += counted
        if self.checked:
            free = self.free[node]
            for attribute, amount in self.need_of[unit.key].items():
                free[attribute] = free.get(attribute, 0) - amount

    def choose(
        self,
        members: list[Unit],
        candidates: list[str],
        current: frozenset[str],
        others_sticky: frozenset[str] = frozenset(),
    ) -> str | None:
        """Pick a node for a copy of ``members`` (a primitive or a whole group) by §6.2.

        ``others_sticky``: nodes where other instances of an anonymous clone run, whose
        stickiness this copy does not have.
        """
        values = self.values(members, candidates)
        for node in others_sticky & values.keys():
            values[node] = add(values[node], -self._stickiness(members, node))
        scored = [(node, value) for node, value in values.items() if value >= 0]
        if not scored:
            return None
        # compat(pacemaker): assign_best_node — a unique clone instance does not stay on an
        # equally good current node: distribute_children already kept it there if it should.
        if members[0].instance is not None and members[0].clone is not None:
            current = frozenset()
            keep = False
        else:
            keep = True
        return self._best(members, scored, current, keep)

    def values(self, members: list[Unit], candidates: list[str]) -> dict[str, int]:
        """The score of a copy of ``members`` on each candidate node, before the §6.2 tie-breaks."""
        values: dict[str, int] = {}
        if len(members) == 1 and not self.links_of.get(members[0].key):
            # One primitive without colocations (the common case): its static score is all.
            allowed = self.problem.allowed.get(members[0].key, {})
            for node in candidates:
                score = allowed.get(node)
                if score is not None:
                    values[node] = score.total
        else:
            values = self.head_scores(members[0], candidates)
            # compat(pacemaker): pcmk__add_colocated_node_scores — each later member's scores
            # are one step (the next member's are merged inside it): a step that leaves no
            # node at 0 or more is rolled back, and the members after it with it. A later
            # member banned from a node keeps the group off it while other nodes remain.
            for unit in members[1:]:
                step = {node: add(value, self.node_score(unit, node, pulling=True)) for node, value in values.items()}
                if not any(value >= 0 for value in step.values()):
                    break
                values = step
        influencing = self._influencing(members)
        if influencing and values:
            # compat(pacemaker): §5 ``apply_with_this`` — the dependents' attenuated preferences.
            values = self.colocated.with_this(influencing, values)
        return values

    def _best(
        self, members: list[Unit], scored: list[tuple[str, int]], current: frozenset[str], keep: bool
    ) -> str | None:
        balanced = self.strategy is Strategy.BALANCED
        minimal = self.strategy is Strategy.MINIMAL
        assigned, name_order = self.assigned_count, self.name_order

        def plain(item: tuple[str, int]) -> tuple:
            node, value = item
            # compat(pacemaker): compare_nodes with ``minimal`` goes from the score straight to
            # the node name: neither the assigned count nor the current node counts there
            # (assign_best_node still keeps a current node whose score is positive).
            if minimal:
                return (-value, 0, False, name_order[node])
            return (-value, assigned[node], node not in current, name_order[node])

        def compare(one: tuple[str, int], other: tuple[str, int]) -> int:
            # compat(pacemaker): §6.2 ``compare_nodes`` — with ``balanced``, equal scores go to
            # the node with more free capacity on more attributes (a point each, not the sum).
            if one[1] != other[1]:
                return -1 if one[1] > other[1] else 1
            points = capacity_points(free[one[0]], free[other[0]])
            if points:
                return points
            left, right = plain(one), plain(other)
            return -1 if left < right else (1 if left > right else 0)

        free = self.free
        rank = cmp_to_key(compare) if balanced else plain

        fits = self._fitting_with_colocated(members)
        # The scores order transitively and come first in the comparison, so any merge sort
        # puts a node with the single best score first: when it fits, the order of the rest
        # does not matter and Pacemaker's sort need not be copied (the common case).
        copy_sort = balanced and not _unique_best_fits(scored, fits)
        if copy_sort:
            # compat(pacemaker): with ``balanced`` the comparison is not transitive (capacity
            # votes can go round in a circle), so the order Pacemaker's merge sort sees the
            # nodes in decides: g_hash_table_get_values lists the allowed-node table's walk
            # backwards, and g_list_sort merges halves. Sorted once, as Pacemaker does.
            # Every node of the resource's table takes part (unavailable or ruled-out ones at
            # -INFINITY): where they sit changes how the halves are cut.
            position = self._walk_position()
            value_of = dict(scored)
            entries = self.problem.table.scores(members[0].key)
            listed = [(node, value_of.get(node, -INFINITY)) for node, score in entries.items() if score.entry]
            ranked = merge_sort(sorted(listed, key=lambda item: -position[item[0]]), compare)
            scored = [item for item in ranked if item[0] in value_of]
        first = scored[0] if copy_sort else min(scored, key=rank)
        if fits(first[0]):
            # The usual case: the best node has room. Only an equally good current node can win.
            best_node, best = first
            if keep and best > 0 and best_node not in current:
                stay = [(node, best) for node in current if (node, best) in scored and fits(node)]
                if stay:
                    return min(stay, key=rank)[0]
            return best_node
        if not copy_sort:
            scored.sort(key=rank)  # (with ``balanced`` only the fitting best came this way)
        first = next((item for item in scored if fits(item[0])), None)
        if first is None and self.checked:
            # compat(pacemaker): §6.3 ``pcmk__ban_insufficient_capacity`` — if no node fits the
            # whole group and what is colocated with it, only the first member must fit, and
            # the node with the most free capacity (of those scoring ≥ 0, whether the member
            # fits there or not) is preferred when it scores as well as the best
            # (``assign_best_node``'s prefer).
            prefer = self._most_capable([node for node, _ in scored])
            fits = self._fitting(members[:1])
            first = next((item for item in scored if fits(item[0])), None)
            if first is not None and fits(prefer) and (prefer, first[1]) in scored:
                return prefer
        if first is None:
            return None
        best_node, best = first
        if keep and best > 0:
            for node, value in scored:
                if value == best and node in current and fits(node):
                    return node
        return best_node

    def _stickiness(self, members: list[Unit], node: str) -> int:
        """The stickiness the copy's members score on ``node``."""
        scores = [self.problem.table.scores(unit.key).get(node) for unit in members]
        return total(t.value for score in scores if score is not None for t in score.terms if t.kind == "stickiness")

    def _current_node(self, unit: Unit) -> frozenset[str]:
        """Where a primitive (or a group's copy) counts as running for the tie-breaks.

        compat(pacemaker): ``pe__current_node`` — a resource found active on several nodes
        counts only the first of them, in the order the status lists them (``running_on``).
        """
        current = self.problem.table.current.of(unit.key)
        if len(current) < 2:
            return current
        return frozenset(self._in_status_order(current)[:1])

    def _walk_position(self) -> dict[str, int]:
        """Each node's place in Pacemaker's walk of a resource's allowed-node table.

        (Taken as copied once, as a table is when a colocation is folded in; with the small
        consecutive ids most clusters have, no two ids share a bucket and copies change
        nothing. A longer chain copies it again, which this does not follow.)"""
        if self.table_position is None:
            ids = {node: self.problem.attribute(node, "#id") or node for node in self.problem.nodes}
            self.table_position = {node: i for i, node in enumerate(allowed_nodes_order(ids, copies=1))}
        return self.table_position

    def _most_capable(self, nodes: list[str]) -> str:
        """compat(pacemaker): the node with the most free capacity by attribute votes; of
        nodes that tie, the first in Pacemaker's walk of the allowed-node table."""
        position = self._walk_position()
        most = None
        for node in sorted(nodes, key=position.__getitem__):
            if most is None or capacity_points(self.free[node], self.free[most]) < 0:
                most = node
        assert most is not None
        return most

    def _influencing(self, members: list[Unit]) -> list[str]:
        """The resources whose dependents pull a copy of ``members``.

        compat(pacemaker): a clone's copies feel its dependents only when the clone has
        fewer copies than there are nodes to run them (``distribute_children``'s
        ``all_coloc``, with which ``append_parent_colocation`` hands each instance the
        clone's dependents); otherwise only the negative ones would count, which this
        reference leaves out.
        """
        head = members[0]
        if not self.colocated.dependents_of:
            return []
        if head.clone is not None:
            if head.clone in self.colocated.dependents_of and copies_short_of_nodes(self.problem, head):
                return [head.clone]
            return []
        rids = [unit.primitive for unit in members]
        if head.group is not None:
            rids.append(head.group)
        return rids if any(rid in self.colocated.dependents_of for rid in rids) else []

    def _fitting_with_colocated(self, members: list[Unit]) -> Callable[[str], bool]:
        """A test "this node has room for ``members`` and the unassigned resources tied to
        them by mandatory colocations" (`placement.solve.colocated_set`)."""
        head = members[0]
        if not self.checked or head.clone is not None:
            return self._fitting(members)
        keys = {unit.key for unit in members}
        extra = [
            unit
            for rid in self.colocated_sets.of(head.primitive)
            for unit in self.first_units.get(rid, ())
            if unit.key not in keys and unit.key not in self.placed and self.roots_of_unit[unit.key] not in self.done
        ]
        return self._fitting(members + extra) if extra else self._fitting(members)

    def _fitting(self, members: list[Unit]) -> Callable[[str], bool]:
        """A test "this node has room for ``members``"."""
        if not self.checked:
            return lambda node: True
        need = self.need_of[members[0].key] if len(members) == 1 else _need(members)
        return lambda node: self._room(need, node)

    # ----------------------------------------------------------------- assignment

    def assign(self, root: str) -> None:
        if root in self.done or root in self.in_progress:
            return
        self.in_progress.add(root)
        if isinstance(self.problem.config.resources.get(root), Group):
            self.colocated.expanded.add(root)
        units = self.units_of[root]
        # Primaries first (§6.1), highest priority first, then by id.
        primaries = sorted(
            {
                self.roots_of_unit[key]
                for unit in units
                for link in self.links_of.get(unit.key, ())
                for key in link.primary.units
            }
            - {root},
            key=lambda r: (-(self.problem.table.meta(r).priority or 0), r),
        )
        if units and units[0].clone is None:
            # compat(pacemaker): apply_this_with assigns each primary and applies its
            # colocation in turn, in the order of the colocations (cmp_primary_priority), so
            # a later primary's merge already sees the earlier colocations in this
            # resource's (or group's first member's) scores (`ColocatedScores.live`).
            head = units[0]
            nodes = list(self.colocated.table(head.primitive))
            ordered = dict.fromkeys(
                self.roots_of_unit[key] for link in self.links_of.get(head.key, ()) for key in link.primary.units
            )
            primaries = [r for r in ordered if r != root] + [r for r in primaries if r not in ordered]
            for primary in primaries:
                self.assign(primary)
                self.colocated.live[head.primitive] = self.head_scores(head, nodes)
        else:
            for primary in primaries:
                self.assign(primary)
        copies = _copies(units)
        if units and units[0].multi:
            self.assign_anonymous(units)
        elif units and units[0].instance is not None and units[0].clone is not None:
            self.assign_unique(copies)
        else:
            for members in copies:
                self.assign_copy(members, set())
        self.in_progress.discard(root)
        self.done.add(root)

    def assign_copy(self, members: list[Unit], exclude: set[str]) -> str | None:
        """Place one copy (primitive or group) on one node; later members stop where they cannot follow."""
        head = members[0]
        pinned = self.problem.pinned.get(head.key)
        if pinned:
            here = sorted(pinned)[0]
            # (The tie-break counts of a stuck instance are its own: `_assign_stuck_copy`.)
            counts = not (head.instance is not None and not self.problem.takes_node_slot(head.key, here))
            if not counts:
                self._assign_stuck_copy(members, here)
            following = True  # later members that are not pinned follow the head where it is held
            for unit in members:
                # compat(pacemaker): an unmanaged primitive is assigned to one node only
                # (``pe__current_node``), so a copy left on a second node counts for nobody's
                # tie-break (§6.2 ``num_resources``); it still runs, and takes capacity, there.
                held = sorted(self.problem.pinned.get(unit.key, ()), key=self.position.get)
                for index, node in enumerate(held):
                    self.take(unit, node, counted=counts and index == 0)
                if held or unit is head:
                    continue
                following = (
                    following
                    and here in self.available
                    and self.node_score(unit, here) >= 0
                    and self.fits([unit], here)
                    and self._clone_room(unit, here)
                )
                if following:
                    self.take(unit, here)
            return here
        available = self.available
        candidates = [n for n in self.problem.allowed.get(head.key, ()) if n in available and n not in exclude]
        if head.clone is not None and head.instance is not None:
            candidates = [n for n in candidates if self._clone_room(head, n)]
        node = self.choose(members, candidates, self._current_node(head))
        if node is None:
            return None
        for index, unit in enumerate(members):
            # (The head's score was judged by `choose`, with Pacemaker's rollbacks.)
            if index and self.node_score(unit, node) < 0:
                break
            if not self.fits([unit], node) or not self._clone_room(unit, node):
                break
            self.take(unit, node)
        if head.instance is not None:
            self._keep_held_members(members, node)
        return node

    def block(self) -> None:
        """Stop what mandatory orders, mandatory colocations and group chains no longer allow."""
        changed = True
        while changed:
            changed = False
            solution = self.solution()
            for key, node in self._unsupported(solution):
                if key in self.problem.pinned and node in self.problem.pinned[key]:
                    continue
                self.placed[key].discard(node)
                # (A group copy is promoted as a whole: one member stopping demotes it all.)
                for member in promotable.copy_of(self.problem).get(key, (key,)):
                    if member == key or member not in self.problem.frozen:
                        self.promoted[member].discard(node)
                changed = True

    def _unsupported(self, solution: Solution) -> list[tuple[str, str]]:
        view = SolutionView(self.problem, solution)
        drop: list[tuple[str, str]] = []
        for precedence in self.problem.precedences:
            if order.satisfied(view, precedence):  # non-empty: ``then`` runs without ``first``
                drop.extend((k, n) for k in precedence.then.units for n in view.nodes_in_role(k, precedence.then.role))
        for link in self.problem.links:
            if not link.mandatory:
                continue
            for key in link.dependent.units:
                for node in view.nodes_in_role(key, link.dependent.role):
                    if not link.binds(node):
                        continue
                    value = self.problem.attribute(node, link.attribute)
                    together = view.active_at(link.primary, link.attribute, value, key)
                    if together != (link.score > 0):
                        drop.append((key, node))
        for unit in self.problem.units:
            if unit.after is not None:
                drop.extend((unit.key, n) for n in solution.nodes(unit.key) - solution.nodes(unit.after))
        return drop

    def solution(self) -> Solution:
        return Solution(
            {k: frozenset(v) for k, v in self.placed.items() if v},
            {k: frozenset(v) for k, v in self.promoted.items() if v},
        )


def _unique_best_fits(scored: list[tuple[str, int]], fits: Callable[[str], bool]) -> bool:
    """Whether one node alone has the best score in ``scored`` and has room."""
    best = max(value for _, value in scored)
    top = [node for node, value in scored if value == best]
    return len(top) == 1 and fits(top[0])


def _need(units: list[Unit]) -> dict[str, int]:
    """What ``units`` together take of a node's capacity, per attribute (negative amounts take nothing)."""
    need: dict[str, int] = defaultdict(int)
    for unit in units:
        for attribute, amount in unit.utilization.items():
            need[attribute] += max(0, amount)
    return dict(need)


def _copies(units: list[Unit]) -> list[list[Unit]]:
    """Split a top-level resource's units into copies: one list per primitive, group copy or instance."""
    copies: list[list[Unit]] = []
    for unit in units:
        if unit.after is None:
            copies.append([unit])
        else:
            copies[-1].append(unit)
    return copies


def greedy(problem: Problem) -> Solution:
    """Pacemaker's answer for ``problem``, as closely as a one-pass port gets it."""
    run = _Run(problem)
    # compat(pacemaker): allocate_resources assigns remote connections first (a guest's
    # connection pulls in its container, its primary), then the rest in assignment order.
    hosting = hosting_resources(problem.config)
    ordered = assignment_order(problem, dict.fromkeys(run.roots_of_unit[u.key] for u in problem.units))
    for root in sorted(ordered, key=lambda root: root not in hosting):
        run.assign(root)
    run.promote()
    run.block()
    return run.solution()
