"""Pacemaker's colocated node scores (``pcmk__add_colocated_node_scores``), for the greedy port.

Before Pacemaker places a resource it folds the node scores of resources colocated with it
into its own table, attenuated by each constraint's ``score / INFINITY`` (SEMANTICS.md §5):

* "this with" (``cmp_resources``, §6.1): the primaries it will follow, at factor 1 — only to
  sort resources (`placement.solve.sequence`);
* "with this" (``apply_with_this``): the dependents that will follow it, when the
  colocation has ``influence`` (the dependent's ``critical`` meta by default) or the primary
  is not active yet — so a primary leans towards where its dependents want to be.

Both walk the colocation graph recursively: each step adds, to every node, the factor
times the best score the other resource has on an *available* node with the same value of
the colocation's node attribute (``add_node_scores_matching_attr``: rounded, a non-zero
product is never 0, a negative factor never turns a negative score into a preference); a
step whose result leaves no available node with a score ≥ 0 is rolled back; deeper steps
keep only the sign of the outer factor; a loop is cut where it closes (the "merging" flag).
The exact solver does not use any of this: it only decides which of several equally good
answers the greedy reference — and so the tie-break — prefers.
"""

from __future__ import annotations

from collections.abc import Iterable

from placement.bundle import same_bundle
from placement.model import Clone, Group, Role
from placement.score import INFINITY, add
from placement.solve.problem import Problem

Table = dict[str, int]
Edge = tuple[str, int, str | None, bool]  # other resource, score, node attribute, influence
# Merges one greedy choice may do at most: a long chain is walked once per resource it
# holds, which must not make the greedy pass quadratic on very large configurations.
_BUDGET = 2_000


class ColocatedScores:
    """The colocation graph of one problem, by resource id, and the walks over it."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.config = problem.config
        self.hierarchy = problem.hierarchy
        self.available = {n for n in problem.nodes if problem.table.unavailable[n] is None}
        self.units_of: dict[str, list[str]] = {}
        for unit in problem.table.units:
            self.units_of.setdefault(unit.primitive, []).append(unit.key)
        self.primaries_of: dict[str, list[Edge]] = {}
        self.dependents_of: dict[str, list[Edge]] = {}
        current = problem.table.current
        for link in problem.links:
            ends = {link.dependent.resource, link.primary.resource}
            if link.on is not None or not ends <= self.config.resources.keys():
                continue  # a remote node's "what runs here needs the connection" link: no scores
            if same_bundle(self.config, link.dependent.resource, link.primary.resource):
                continue  # replicas spread like clone instances (distribute_children), no influence
            dependent, primary = self._owner(link.dependent.resource), self._owner(link.primary.resource)
            self.primaries_of.setdefault(dependent, []).append((primary, link.score, link.attribute, True))
            influence = link.influence
            if influence is None:
                critical = self.hierarchy.effective_meta(dependent).critical
                influence = critical is None or critical
            if not influence:  # pcmk__colocation_has_influence: or the primary is not active yet
                influence = not any(current.of(k) for p in self._primitives(primary) for k in self.units_of.get(p, ()))
            self.dependents_of.setdefault(primary, []).append((dependent, link.score, link.attribute, influence))
        self.merging: set[str] = set()
        # compat(pacemaker): groups whose assignment has begun. pcmk__group_assign first
        # moves the colocations naming the group onto its members (expand_group_colocations):
        # "group with R" to the first, "R with group" to the last; the merges walk them there
        # from then on, and not before. The greedy reference adds each group as it starts.
        self.expanded: set[str] = set()
        self.tables: dict[str, Table] = {}
        # compat(pacemaker): the weights of a primitive whose primaries are being assigned,
        # with the colocations applied so far (``apply_this_with`` changes its
        # ``allowed_nodes`` in place); the greedy reference keeps it up to date.
        self.live: dict[str, Table] = {}
        self.budget = _BUDGET

    # ----------------------------------------------------------------- the two walks

    def this_with(self, rid: str) -> Table:
        """``rid``'s table plus its primaries' at factor 1 (``cmp_resources``)."""
        self.budget = _BUDGET
        return self._merge(rid, None, None, 1.0, self._primaries)

    def with_this(self, rids: Iterable[str], work: Table) -> Table:
        """``work`` (a primary's scores now) plus the influence of the dependents of ``rids``.

        ``rids`` are the resources the primary stands for: a primitive, or a group copy's
        members and the group (whose internal chain the caller has already summed).
        """
        self.budget = _BUDGET
        inside = set(rids)
        self.merging.update(inside)
        try:
            for rid in rids:
                for dependent, score, attribute, influence in self.dependents_of.get(rid, ()):
                    if influence and dependent not in inside:
                        work = self._merge(dependent, work, attribute, score / INFINITY, self._dependents)
        finally:
            self.merging.difference_update(inside)
        return work

    def instance_pull(self, clone: str, node: str) -> int:
        """``cmp_instance_by_colocation``: what the clone's colocations add to a copy on ``node``.

        Starting from that node alone at 0, the clone's primaries and its influencing
        dependents are folded in (``apply_parent_colocations``).
        """
        self.budget = _BUDGET
        work: Table = {node: 0}
        self.merging.add(clone)
        try:
            for primary, score, attribute, _ in self.primaries_of.get(clone, ()):
                work = self._merge(primary, work, attribute, score / INFINITY, self._primaries)
        finally:
            self.merging.discard(clone)
        return self.with_this([clone], work).get(node, 0)

    # ----------------------------------------------------------------- the step

    def _merge(self, rid: str, work: Table | None, attribute: str | None, factor: float, edges) -> Table:
        if rid in self.merging or self.budget <= 0:
            return work or {}  # a colocation loop: cut here, as the "merging" flag does
        self.budget -= 1
        self.merging.add(rid)
        try:
            resource = self.config.resources.get(rid)
            if isinstance(resource, Group) and resource.members:
                # Sorting starts from the last member; a merge goes in through the first.
                member = resource.members[-1] if work is None else resource.members[0]
                new = self._merge(member, work, attribute, factor, edges)
            elif work is None:
                new = dict(self.table(rid))
            else:
                new = self._matching(dict(work), self.table(rid), attribute, factor)
            if any(score >= 0 and node in self.available for node, score in new.items()):
                sign = -1.0 if factor < 0 else 1.0
                outer = edges(rid)
                if isinstance(resource, Group) and resource.members:
                    # compat(pacemaker): a group's dependents are walked through its last
                    # member's ("with group" constraints reach it only once the group is
                    # expanded); its primaries through its own list, emptied by expansion.
                    if edges == self._dependents:
                        outer = self._dependents(resource.members[-1])
                    elif rid in self.expanded:
                        outer = []
                for other, score, attr, influence in outer:
                    if influence:
                        new = self._merge(other, new, attr, sign * score / INFINITY, edges)
            elif work is not None:
                return work  # rolled back: it would leave no node available
            return new
        finally:
            self.merging.discard(rid)

    def _primaries(self, rid: str) -> list[Edge]:
        found = list(self.primaries_of.get(rid, ()))
        group = self.hierarchy.group_of(rid)
        if group is not None:
            index = group.members.index(rid)
            if index > 0:  # a group member goes with the one before it (§8)
                found.insert(0, (group.members[index - 1], INFINITY, None, True))
            elif group.id in self.expanded:
                found.extend(self.primaries_of.get(group.id, ()))  # "group with R": its first member's
        return found

    def _dependents(self, rid: str) -> list[Edge]:
        found = list(self.dependents_of.get(rid, ()))
        group = self.hierarchy.group_of(rid)
        if group is not None:
            index = group.members.index(rid)
            if index + 1 < len(group.members):  # the next member goes with this one (§8)
                found.insert(0, (group.members[index + 1], INFINITY, None, True))
            elif group.id in self.expanded:
                found.extend(self.dependents_of.get(group.id, ()))  # "R with group": its last member's
        return found

    def _matching(self, work: Table, other: Table, attribute: str | None, factor: float) -> Table:
        """``add_node_scores_matching_attr``: add the other's best matching score, scaled."""
        best: dict[str | None, int] = {}
        if attribute is None:
            # Matched on the node itself: only the nodes of ``work`` can match, so look only at
            # those (a clone instance's pull starts from one node, against tables of every node).
            available = self.available
            for node in work:
                if node in available and node in other:
                    best[node] = max(-INFINITY, other[node])
        else:
            for node, score in other.items():
                if node in self.available:
                    value = self.problem.attribute(node, attribute)
                    best[value] = max(best.get(value, -INFINITY), score)
        for node, weight in work.items():
            score = best.get(node if attribute is None else self.problem.attribute(node, attribute), -INFINITY)
            if factor < 0 and score < 0:
                continue  # a negative preference for a negative score is not a positive one
            scaled = factor * score
            points = int(scaled - 0.5) if scaled < 0 else int(scaled + 0.5)
            if points == 0 and score != 0:
                points = 1 if factor > 0 else -1
            work[node] = add(points, weight)
        return work

    # ----------------------------------------------------------------- tables

    def table(self, rid: str) -> Table:
        """A resource's own ``allowed_nodes`` weights (a clone's without its copies' stickiness),
        or, while its assignment is under way, as its colocations have changed them so far."""
        found = self.live.get(rid) or self.tables.get(rid)
        if found is None:
            found = self.tables[rid] = self._table(rid)
        return found

    def _table(self, rid: str) -> Table:
        resource = self.config.resources.get(rid)
        if isinstance(resource, Clone):
            primitives = self.hierarchy.primitives_in(rid)
            keys = self.units_of.get(primitives[0], ()) if primitives else ()
            if not keys:
                return {}
            scores = self.problem.table.scores(keys[0])
            return {n: _fold(t.value for t in s.terms if t.kind != "stickiness") for n, s in scores.items() if s.entry}
        keys = self.units_of.get(rid, ())
        if not keys:
            return {}
        scores = self.problem.table.scores(keys[0])
        if self.problem.table.meta(rid).target_role is Role.STOPPED:
            # compat(pacemaker): pcmk__primitive_assign bans a resource whose target-role is
            # Stopped when it is assigned itself, so its table still pulls before that.
            return {n: _fold(t.value for t in s.terms if t.kind != "target-role") for n, s in scores.items() if s.entry}
        return {n: s.total for n, s in scores.items() if s.entry}

    def current_node(self, rid: str) -> str | None:
        """``pe__current_node``: the first node (in node order) ``rid`` is active on."""
        current = self.problem.table.current
        nodes = {n for p in self._primitives(rid) for k in self.units_of.get(p, ()) for n in current.of(k)}
        return next((n for n in self.problem.nodes if n in nodes), None)

    def _owner(self, rid: str) -> str:
        """A clone's child named in a constraint stands for the clone."""
        clone = self.hierarchy.clone_of(rid)
        if clone is not None and not isinstance(self.config.resources.get(rid), Clone):
            return clone.id
        return rid

    def _primitives(self, rid: str) -> list[str]:
        return self.hierarchy.primitives_in(rid) if rid in self.config.resources else []


def _fold(values: Iterable[int]) -> int:
    total = 0
    for value in values:
        total = add(total, value)
    return total
