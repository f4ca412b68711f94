"""The resources Pacemaker counts as moving together when it checks a node's capacity.

compat(pacemaker): ``pcmk__ban_insufficient_capacity`` asks, before it assigns a primitive,
whether some node has room for it *and* every still-unassigned resource tied to it by
+INFINITY colocations (``pcmk__colocated_resources``): if one has, the nodes without that
room are banned, so the primitive goes where its mandatory companions can follow. The walk
follows colocations both ways from the primitive: the ones it names as dependent and as
primary, a group member's neighbours in its group (Pacemaker's internal colocations),
and a named group's members. A group's members also carry the colocations that name the
group: assigning a group moves "group with R" onto its first member and "R with group" onto
its last (``expand_group_colocations``), and the walk starts from a member of the group
being assigned.
A clone counts as one copy of its child (``pcmk__clone_add_utilization``) and is not walked
into; from a primitive it is reached as a dependent, but a clone reaches a dependent only
if that is a clone too (Pacemaker cannot tell where one copy's dependent will go).
Colocations limited to a role are not followed: they affect roles, decided after placement.
"""

from __future__ import annotations

from collections import defaultdict

from placement.model import Clone, Group
from placement.score import INFINITY
from placement.solve.problem import Problem


class ColocatedSets:
    """``pcmk__colocated_resources`` for the primitives of one problem, walked once each."""

    def __init__(self, problem: Problem) -> None:
        self._problem = problem
        self._found: dict[str, tuple[str, ...]] = {}
        # Mandatory location-affecting colocations by the resource each side names (a clone's
        # child or member standing for its clone).
        self._neighbours: dict[str, list[str]] = defaultdict(list)
        for link in problem.links:
            if link.score < INFINITY or link.dependent.role is not None or link.primary.role is not None:
                continue
            dependent, primary = self._named(link.dependent.resource), self._named(link.primary.resource)
            if dependent == primary:
                continue
            self._neighbours[dependent].append(primary)
            if not self._is_clone(primary) or self._is_clone(dependent):
                self._neighbours[primary].append(dependent)

    def _named(self, rid: str) -> str:
        clone = self._problem.hierarchy.clone_of(rid)
        return clone.id if clone is not None else rid

    def _is_clone(self, rid: str) -> bool:
        return isinstance(self._problem.config.resources.get(rid), Clone)

    def of(self, primitive: str) -> tuple[str, ...]:
        """The primitives and clones colocated with ``primitive`` (itself first), in walk order."""
        found = self._found.get(primitive)
        if found is None:
            found = self._found[primitive] = self._walk(primitive)
        return found

    def _walk(self, start: str) -> tuple[str, ...]:
        resources = self._problem.config.resources
        hierarchy = self._problem.hierarchy
        seen = {start}
        order: list[str] = []
        stack = [start]
        while stack:
            rid = stack.pop()
            item = resources.get(rid)
            nexts: list[str] = []
            if isinstance(item, Clone):
                order.append(rid)  # one copy's worth; its children are not walked
            elif isinstance(item, Group):
                nexts.extend(hierarchy.primitives_in(rid))
            else:
                order.append(rid)
                group = hierarchy.group_of(rid)
                if group is not None:
                    members = hierarchy.primitives_in(group.id)
                    at = members.index(rid)
                    nexts.extend(members[max(0, at - 1) : at] + members[at + 1 : at + 2])
                    nexts.extend(self._neighbours.get(group.id, ()))
            nexts.extend(self._neighbours.get(rid, ()))
            for other in nexts:
                if other not in seen:
                    seen.add(other)
                    stack.append(other)
        return tuple(order)
