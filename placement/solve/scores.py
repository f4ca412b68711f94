"""The score of every unit on every node, term by term (SEMANTICS.md §1, §3, §4).

This is the pure function behind `placement scores` and the explanations: the solver reads
the same table for its variables (only allowed pairs get one) and objective weights.
Terms are folded in Pacemaker's order: node base score, locations, stickiness,
failures, target-role.
"""

from __future__ import annotations

from functools import cached_property

from placement.hierarchy import Hierarchy
from placement.model import Config, Meta, Role
from placement.score import INFINITY
from placement.solve import failures, stickiness
from placement.solve.availability import unavailable_reason
from placement.solve.location import LocationIndex
from placement.solve.rules import node_attributes
from placement.solve.terms import NodeScore, Term
from placement.solve.units import Current, Unit, build_units, current_placement
from placement.state import State

TARGET_ROLE_STOPPED = Term("target-role", "Stopped", -INFINITY)
TARGET_ROLE_UNPROMOTED = Term("target-role", "Unpromoted", -INFINITY)
EXCLUSIVE_DISCOVERY = Term("discovery", "not an exclusive-discovery node", -INFINITY)


class ScoreTable:
    """Scores of units on nodes, computed once per unit on first use."""

    def __init__(
        self,
        config: Config,
        state: State | None = None,
        units: tuple[Unit, ...] | None = None,
        hierarchy: Hierarchy | None = None,
        current: Current | None = None,
    ) -> None:
        self.config = config
        self.state = state or State()
        self.hierarchy = hierarchy or Hierarchy(config)
        self.units = units if units is not None else build_units(config, self.hierarchy)
        self.by_key = {unit.key: unit for unit in self.units}
        self.current = current or current_placement(config, self.state, self.units)
        self.nodes = tuple(config.nodes)
        self.unavailable = {node: unavailable_reason(config, self.state, node) for node in self.nodes}
        self.locations = LocationIndex(config, self.state, self.hierarchy)
        self._scores: dict[str, dict[str, NodeScore]] = {}
        self._meta: dict[str, Meta] = {}
        self._promotion: dict[str, dict[str, NodeScore]] = {}

    @cached_property
    def _clone_members(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = {}
        for unit in self.units:
            if unit.clone is not None:
                members.setdefault(unit.clone, [])
                if unit.primitive not in members[unit.clone]:
                    members[unit.clone].append(unit.primitive)
        return members

    def meta(self, rid: str) -> Meta:
        """Effective meta of resource ``rid``, computed once (it is asked for per unit and per node)."""
        found = self._meta.get(rid)
        if found is None:
            found = self.hierarchy.effective_meta(rid)
            self._meta[rid] = found
        return found

    def scores(self, key: str) -> dict[str, NodeScore]:
        """The score of unit ``key`` on every configured node, in node order."""
        cached = self._scores.get(key)
        if cached is None:
            cached = self._compute(self.by_key[key])
            self._scores[key] = cached
        return cached

    def allowed(self, key: str) -> dict[str, NodeScore]:
        """Only the nodes where unit ``key`` may run."""
        return {node: score for node, score in self.scores(key).items() if score.allowed}

    def _compute(self, unit: Unit) -> dict[str, NodeScore]:
        config = self.config
        meta = self.meta(unit.primitive)
        located = self.locations.terms(unit.primitive)
        exclusive = self.locations.exclusive_nodes(unit.primitive)
        current = self.current.of(unit.key)
        sticky = stickiness.stickiness_terms(unit, meta, current)
        banned_by_role = meta.target_role is Role.STOPPED
        failed = self._failure_terms_by_node(unit)
        specific = set(located) | set(sticky) | set(failed)
        if banned_by_role or exclusive is not None or not config.cluster.symmetric:
            specific = set(self.nodes)
        plain = self._plain
        result: dict[str, NodeScore] = {}
        for node in self.nodes:
            if node not in specific:
                result[node] = plain[node]  # nothing but the node itself: shared by every unit
                continue
            terms: list[Term] = []
            base = config.nodes[node].score
            if base:
                terms.append(Term("node", "score", base))
            terms.extend(located.get(node, ()))
            entry = config.cluster.symmetric or node in located
            if exclusive is not None and node not in exclusive:
                terms.append(EXCLUSIVE_DISCOVERY)
            # compat(pacemaker): §2 — in opt-in clusters stickiness needs an entry on the node.
            if node in sticky and entry:
                terms.append(sticky[node])
            terms.extend(failed.get(node, ()))
            if banned_by_role:
                terms.append(TARGET_ROLE_STOPPED)
            result[node] = NodeScore(node, tuple(terms), entry, self.unavailable[node])
        return result

    @cached_property
    def _plain(self) -> dict[str, NodeScore]:
        """The score of a unit with no terms of its own on each node (symmetric clusters)."""
        found = {}
        for node in self.nodes:
            base = self.config.nodes[node].score
            terms = (Term("node", "score", base),) if base else ()
            found[node] = NodeScore(node, terms, True, self.unavailable[node])
        return found

    def _failure_terms_by_node(self, unit: Unit) -> dict[str, list[Term]]:
        # compat(pacemaker): §4 — an anonymous clone's failure bans the whole clone on that node.
        primitives = self._clone_members[unit.clone] if unit.multi and unit.clone else [unit.primitive]
        found: dict[str, list[Term]] = {}
        for failure in self.state.fail_counts:
            if failure.resource in primitives and failure.node in self.config.nodes:
                term = failures.threshold_term(self.state, failure.resource, failure.node, self.meta(failure.resource))
                if term is not None and term not in found.get(failure.node, []):
                    found.setdefault(failure.node, []).append(term)
        return found

    def promotion(self, key: str) -> dict[str, NodeScore]:
        """Promotion scores of a promotable unit on each node (§8): ``master-<rsc>`` plus Promoted locations.

        A node without the attribute gets -1 (compat(pacemaker): not promotable unless a
        Promoted-role location adds at least 1).
        """
        cached = self._promotion.get(key)
        if cached is not None:
            return cached
        unit = self.by_key[key]
        meta = self.meta(unit.primitive)
        located = self.locations.terms(unit.primitive, promoted=True)
        attribute = f"master-{unit.primitive}"
        result = {}
        for node in self.nodes:
            value = node_attributes(self.config, self.state, node).get(attribute)
            terms: list[Term]
            if value is None:
                terms = [Term("promotion", f"no {attribute} attribute", -1)]
            else:
                terms = [Term("promotion", attribute, _score_or_ban(value))]
            terms.extend(located.get(node, ()))
            if meta.target_role is Role.UNPROMOTED:
                terms.append(TARGET_ROLE_UNPROMOTED)
            result[node] = NodeScore(node, tuple(terms), True, self.unavailable[node])
        self._promotion[key] = result
        return result


def _score_or_ban(text: str) -> int:
    from placement.score import parse_score

    try:
        return parse_score(text)
    except ValueError:
        return -INFINITY


def score_table(config: Config, state: State | None = None) -> ScoreTable:
    """The score table of ``config`` in ``state`` (empty state = fresh cluster).

    >>> from placement.model import Agent, Location, Node, Primitive, frozen_map
    >>> config = Config(
    ...     nodes=frozen_map({"alice": Node("alice"), "bob": Node("bob")}),
    ...     resources=frozen_map({"db": Primitive("db", Agent.parse("ocf:heartbeat:pgsql"))}),
    ...     constraints=(Location(resource="db", node="alice", score=50, id="pref-alice"),),
    ... )
    >>> score_table(config).scores("db")["alice"].explain()
    'alice 50 = location pref-alice 50'
    """
    return ScoreTable(config, state)
