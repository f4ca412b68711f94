"""Location constraints: scores for a resource on nodes, by node name, pattern or rules (§3).

Locations are static: they only decide which (unit, node) pairs exist and their objective
weights (through `placement.solve.scores`), so they need no encoder of their own.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from placement.bundle import bundle_containers, bundle_nodes, guests
from placement.hierarchy import Hierarchy
from placement.model import Config, Discovery, Location, NodeKind, Role, Rule
from placement.remote import hosting_resources, is_connection_agent, is_hosted
from placement.score import INFINITY
from placement.solve.rules import node_attributes, rule_score
from placement.solve.terms import Term
from placement.state import State

KIND = "location"
# compat(pacemaker): rsc_avoids_remote_nodes — connections, fence devices and guest containers.
NOT_ON_REMOTE = Term("remote-node", "connections, guest containers and fence devices stay off it", -INFINITY)
# compat(pacemaker): create_remote_resource — a bundle's guest node is -INFINITY for all but its child.
NOT_ON_BUNDLE = Term("bundle-node", "a bundle's guest node runs only the bundle's child", -INFINITY)


class LocationIndex:
    """The locations that concern each primitive, and their per-node terms.

    Each location's terms (a rule's over every node) are made once, however many primitives
    it concerns, so the primitives of a group or clone share the same term objects. The
    per-primitive answers are not kept: the score table asks once per resource.
    """

    def __init__(self, config: Config, state: State, hierarchy: Hierarchy) -> None:
        self._config = config
        self._state = state
        self._hierarchy = hierarchy
        # A resource's first location, then any others (most have one: no list each).
        self._by_resource: dict[str, Location] = {}
        self._more: dict[str, list[Location]] = defaultdict(list)
        self._by_instance: dict[tuple[str, str], list[Location]] = defaultdict(list)
        self._patterns: list[tuple[re.Pattern[str], bool, Location]] = []
        any_exclusive = False
        for constraint in config.constraints:
            if not isinstance(constraint, Location):
                continue
            any_exclusive = any_exclusive or constraint.discovery is Discovery.EXCLUSIVE
            if constraint.instance is not None and constraint.resource is not None:
                self._by_instance[(constraint.resource, constraint.instance)].append(constraint)
            elif constraint.resource is not None:
                if constraint.resource in self._by_resource:
                    self._more[constraint.resource].append(constraint)
                else:
                    self._by_resource[constraint.resource] = constraint
            elif constraint.pattern is not None:
                inverted = constraint.pattern.startswith("!")
                self._patterns.append((re.compile(constraint.pattern.lstrip("!")), inverted, constraint))
        self._attributes = {node: node_attributes(config, state, node) for node in config.nodes}
        self._any_exclusive = any_exclusive
        self._by_root: dict[str, tuple[Location, ...]] = {}
        # Keyed by id(): the locations live in the configuration as long as this index.
        self._node_terms: dict[int, Term] = {}
        self._zero_terms: dict[int, Term] = {}  # id(term) → the term a later group member gets
        self._terms_of: dict[int, tuple[tuple[str, Term, Role | None], ...]] = {}
        self._exclusive: dict[str, frozenset[str] | None] = {}
        self._rules: dict[tuple, tuple[tuple[str, int], ...]] = {}
        self._hosted = tuple(name for name, node in config.nodes.items() if is_hosted(node))
        self._hosting = frozenset(hosting_resources(config)) if self._hosted else frozenset()
        # compat(pacemaker): a bundle's containers may run on remote nodes (nested remotes,
        # pe_rsc_allow_remote_remotes), though not on guests; other guest containers on neither.
        self._bundled = bundle_containers(config) if self._hosted else frozenset()
        self._guests = frozenset(n for n, node in config.nodes.items() if node.kind is NodeKind.GUEST)
        self._bundle_nodes = bundle_nodes(config)
        self._host_targets = {
            b.child: frozenset(guests(b)) for b in config.bundles.values() if b.child and b.attribute_target == "host"
        }

    def attributes_for(self, primitive: str, node: str) -> dict[str, str]:
        """The attributes ``primitive``'s promotion score is read from on ``node``.

        compat(pacemaker): ``pe_node_attribute_calculated`` — a resource with
        ``container-attribute-target=host`` reads a guest node's attributes from the node
        its container runs on now (none while the container is stopped).
        """
        guests = self._host_targets.get(primitive)
        if guests is None or node not in guests:
            return self.attributes(node)
        via = self._config.nodes[node].via or ""
        hosts = [i.node for i in self._state.instances_of(via)]
        return self.attributes(hosts[0]) if hosts else {}

    def attributes(self, node: str) -> dict[str, str]:
        """Node attributes as rules see them (`node_attributes`), computed once per configured node."""
        found = self._attributes.get(node)
        return found if found is not None else node_attributes(self._config, self._state, node)

    def locations_of(self, primitive: str) -> tuple[Location, ...]:
        """Locations on ``primitive`` or any container of it, and patterns matching its top-level id."""
        found: list[Location] = []
        ancestors = self._hierarchy.ancestors(primitive)
        for rid in (primitive, *ancestors):
            first = self._by_resource.get(rid)
            if first is not None:
                found.append(first)
                if rid in self._more:
                    found.extend(self._more[rid])
        if self._patterns:
            found.extend(self._matching_patterns(ancestors[-1] if ancestors else primitive))
        return tuple(found)

    def _matching_patterns(self, root: str) -> tuple[Location, ...]:
        cached = self._by_root.get(root)
        if cached is None:
            # compat(pacemaker): §3 — unanchored regex search over top-level ids, '!' inverts.
            cached = tuple(
                location
                for pattern, inverted, location in self._patterns
                if (pattern.search(root) is not None) != inverted
            )
            self._by_root[root] = cached
        return cached

    def terms(self, primitive: str, promoted: bool = False) -> dict[str, list[Term]]:
        """Per-node location terms for ``primitive``: all roles, or only Promoted-role ones.

        compat(pacemaker): §3 — ``Started`` and ``Unpromoted`` roles apply to every role;
        ``Promoted`` ones only shape promotion (§8).
        """
        per_node: dict[str, list[Term]] = {}
        follower = self._follower(primitive) if not promoted else None
        for location in self.locations_of(primitive):
            zeroed = follower is not None and location.resource != primitive
            for node, term, role in self._location_terms(location):
                if zeroed:
                    term = self._zeroed(term)
                if (role is Role.PROMOTED) == promoted:
                    found = per_node.get(node)
                    if found is None:
                        per_node[node] = [term]
                    else:
                        found.append(term)
        if self._hosted and not promoted and self._avoids_hosted(primitive):
            for node in self._guests if primitive in self._bundled else self._hosted:
                per_node.setdefault(node, []).append(NOT_ON_REMOTE)
        if self._bundle_nodes and not promoted:
            owner = self._hierarchy.clone_of(primitive)
            for node, child in self._bundle_nodes.items():
                if owner is None or owner.id != child:
                    per_node.setdefault(node, []).append(NOT_ON_BUNDLE)
        return per_node

    def instance_terms(self, primitive: str, instance: str) -> dict[str, list[Term]]:
        """Per-node terms of the locations on one instance of a globally-unique clone only
        (`Location.instance`: a failure's ban), empty for most."""
        per_node: dict[str, list[Term]] = {}
        for location in self._by_instance.get((primitive, instance), ()):
            for node, term, role in self._location_terms(location):
                if role is not Role.PROMOTED:
                    per_node.setdefault(node, []).append(term)
        return per_node

    def _follower(self, primitive: str) -> str | None:
        """The group ``primitive`` follows when it is not its group's first member, else None.

        compat(pacemaker): ``pcmk__group_apply_location`` — a location on a group (or on a
        clone of one, or a pattern naming it) scores the group's first member; the other
        members get the same nodes at score 0, because they run where the first one does
        and its score already counts for the whole group. A group that prefers a node by
        10 is 10 ahead there, not 10 per member.
        """
        group = self._hierarchy.group_of(primitive)
        if group is None or not group.members or group.members[0] == primitive:
            return None
        return group.id

    def _zeroed(self, term: Term) -> Term:
        """``term`` as a later group member carries it: the same node, score 0."""
        found = self._zero_terms.get(id(term))
        if found is None:
            name = f"{term.name} (on the group's first member)"
            found = self._zero_terms[id(term)] = Term(term.kind, name, 0, term.span)
        return found

    def _avoids_hosted(self, primitive: str) -> bool:
        """`placement.remote.must_avoid_hosted_nodes`, with the hosting resources computed once."""
        item = self._config.primitives.get(primitive)
        return item is not None and (
            item.agent.is_fencing or is_connection_agent(item.agent) or primitive in self._hosting
        )

    def _location_terms(self, location: Location) -> Iterable[tuple[str, Term, Role | None]]:
        """The terms ``location`` gives, one per contribution, made once."""
        if location.node is not None:  # the common form: one term, kept without the node and role
            if location.node not in self._config.nodes:  # compat(pacemaker): unknown node ⇒ ignored
                return ()
            term = self._node_terms.get(id(location))
            if term is None:
                term = self._node_terms[id(location)] = Term(KIND, _name(location), location.score, location.span)
            return ((location.node, term, location.role),)
        cached = self._terms_of.get(id(location))
        if cached is None:
            name = _name(location)
            cached = tuple(
                (node, Term(KIND, name, value, location.span), role)
                for node, value, role in self._contributions(location)
            )
            self._terms_of[id(location)] = cached
        return cached

    def _contributions(self, location: Location) -> Iterable[tuple[str, int, Role | None]]:
        if location.node is not None:
            if location.node in self._config.nodes:  # compat(pacemaker): unknown node ⇒ ignored
                yield location.node, location.score, location.role
            return
        for rule in location.rules:
            role = rule.role or location.role
            for node, value in self._rule_values(rule):
                yield node, value, role

    def _rule_values(self, rule: Rule) -> tuple[tuple[str, int], ...]:
        """The nodes ``rule`` matches and the score it gives each, once per distinct rule.

        Many locations repeat one rule (a connectivity ban on every resource): the result
        only depends on the expression, the score and the score attribute.
        """
        key = (rule.expression, rule.score, rule.score_attribute)
        found = self._rules.get(key)
        if found is None:
            found = tuple(
                (node, value)
                for node, attributes in self._attributes.items()
                if (value := rule_score(rule, attributes)) is not None
            )
            self._rules[key] = found
        return found

    def exclusive_nodes(self, primitive: str) -> set[str] | None:
        """Nodes covered by ``resource-discovery=exclusive`` locations, or None if there are none."""
        found = self.exclusive_set(primitive)
        return None if found is None else set(found)

    def undiscovered(self, primitive: str) -> frozenset[str]:
        """Nodes where a ``resource-discovery=never`` location says not to probe ``primitive``."""
        return frozenset(
            node
            for location in self.locations_of(primitive)
            if location.discovery is Discovery.NEVER
            for node, _term, _role in self._location_terms(location)
        )

    def exclusive_set(self, primitive: str) -> frozenset[str] | None:
        """`exclusive_nodes` as a frozenset, computed once per primitive."""
        if not self._any_exclusive:
            return None
        if primitive in self._exclusive:
            return self._exclusive[primitive]
        exclusive = [c for c in self.locations_of(primitive) if c.discovery is Discovery.EXCLUSIVE]
        found = None
        if exclusive:
            found = frozenset(node for location in exclusive for node, _term, _role in self._location_terms(location))
        self._exclusive[primitive] = found
        return found


def _name(location: Location) -> str:
    return location.id or location.resource or location.pattern or ""
