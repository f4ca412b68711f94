"""Location constraints: scores for a resource on nodes, by node name, pattern or rules (§3).

Locations are static: they only decide which (unit, node) pairs exist and their objective
weights (through `placement.solve.scores`), so they need no encoder of their own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from placement.hierarchy import Hierarchy
from placement.model import Config, Discovery, Location, Role
from placement.solve.rules import node_attributes, rule_score
from placement.solve.terms import Term
from placement.state import State

KIND = "location"


class LocationIndex:
    """The locations that concern each primitive, found once, and their per-node terms."""

    def __init__(self, config: Config, state: State, hierarchy: Hierarchy) -> None:
        self._config = config
        self._hierarchy = hierarchy
        self._by_resource: dict[str, list[Location]] = defaultdict(list)
        self._patterns: list[tuple[re.Pattern[str], bool, Location]] = []
        for constraint in config.constraints:
            if not isinstance(constraint, Location):
                continue
            if constraint.resource is not None:
                self._by_resource[constraint.resource].append(constraint)
            elif constraint.pattern is not None:
                inverted = constraint.pattern.startswith("!")
                self._patterns.append((re.compile(constraint.pattern.lstrip("!")), inverted, constraint))
        self._attributes = {node: node_attributes(config, state, node) for node in config.nodes}
        self._cache: dict[str, tuple[Location, ...]] = {}

    def locations_of(self, primitive: str) -> tuple[Location, ...]:
        """Locations on ``primitive`` or any container of it, and patterns matching its top-level id."""
        cached = self._cache.get(primitive)
        if cached is not None:
            return cached
        found: list[Location] = []
        for rid in [primitive, *self._hierarchy.ancestors(primitive)]:
            found.extend(self._by_resource.get(rid, ()))
        root = self._hierarchy.root(primitive)
        for pattern, inverted, location in self._patterns:
            # compat(pacemaker): §3 — unanchored regex search over top-level ids, '!' inverts.
            if (pattern.search(root) is not None) != inverted:
                found.append(location)
        result = tuple(found)
        self._cache[primitive] = result
        return result

    def terms(self, primitive: str, promoted: bool = False) -> dict[str, list[Term]]:
        """Per-node location terms for ``primitive``: all roles, or only Promoted-role ones.

        compat(pacemaker): §3 — ``Started`` and ``Unpromoted`` roles apply to every role;
        ``Promoted`` ones only shape promotion (§8).
        """
        per_node: dict[str, list[Term]] = defaultdict(list)
        for location in self.locations_of(primitive):
            name = location.id or location.resource or location.pattern or ""
            for node, value, role in self._contributions(location):
                if (role is Role.PROMOTED) == promoted:
                    per_node[node].append(Term(KIND, name, value, location.span))
        return per_node

    def _contributions(self, location: Location) -> Iterable[tuple[str, int, Role | None]]:
        if location.node is not None:
            if location.node in self._config.nodes:  # compat(pacemaker): unknown node ⇒ ignored
                yield location.node, location.score, location.role
            return
        for rule in location.rules:
            role = rule.role or location.role
            for node, attributes in self._attributes.items():
                value = rule_score(rule, attributes)
                if value is not None:
                    yield node, value, role

    def exclusive_nodes(self, primitive: str) -> set[str] | None:
        """Nodes covered by ``resource-discovery=exclusive`` locations, or None if there are none."""
        exclusive = [c for c in self.locations_of(primitive) if c.discovery is Discovery.EXCLUSIVE]
        if not exclusive:
            return None
        return {node for location in exclusive for node, _value, _role in self._contributions(location)}
