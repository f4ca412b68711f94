"""Lower every failure scenario from the no-failure problem: only what the lost nodes touch is redone.

A scenario's state is the current state with some nodes down (unclean, or offline and
their copies dropped when fencing is off); the configuration is the same object. Most of
`build_problem`'s work does not depend on that difference:

* the units, the resource hierarchy and the constraints' links and precedences depend on
  the configuration alone;
* where each unit runs now (`current_placement`) is decided primitive by primitive, so
  only the primitives with a copy on a changed node need deciding again;
* a unit's score on a node is its terms (locations, stickiness, failures, a copy held
  there unmanaged — its own or a later group member's —, the node's base score) plus
  whether the node is available. If nothing about the unit's resource changed (no copy of
  it on a lost node, hence the same copies now and the same stickiness and unmanaged
  terms; the same fail counts, node attributes and DC, hence the same location and failure
  terms), its scores on the unchanged nodes are the no-failure ones, and on a node that
  went down it is not allowed. So its allowed nodes are the no-failure ones minus the
  lost nodes.

`ScenarioScores` answers `allowed` that way (and a whole score row: the no-failure one
with the lost nodes' reason to be down) and computes everything else (the units of
changed primitives, promotion scores) afresh, exactly as `ScoreTable` does;
`build_problem` does the rest as always. When a scenario differs from the no-failure state
in anything else — or a node is a remote or guest node, whose availability follows its
connection — the scenario gets a plain `ScoreTable` (sharing only what depends on the
configuration alone). `tests/survive/test_lowering.py` checks every derived problem,
field by field, against `build_problem` from scratch on random clusters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cached_property
from typing import Any

from placement.model import Config, NodeKind
from placement.solve.availability import unavailable_reason
from placement.solve.problem import Problem, build_problem, lower_constraints
from placement.solve.scores import ScoreTable
from placement.solve.terms import NodeScore
from placement.solve.units import Current, current_placement
from placement.state import State


class Lowering:
    """The no-failure score table of ``config`` in ``state``, every unit's allowed nodes computed once.

    Built before the worker processes fork, so they all share it. `problem` lowers a
    scenario (the same configuration, some nodes down) reusing what the lost nodes leave alone.
    """

    def __init__(self, config: Config, state: State) -> None:
        self.config = config
        self.state = state
        self.table = ScoreTable(config, state)
        self.allowed = {unit.key: self.table.allowed(unit.key) for unit in self.table.units}
        self.scores_of = self.table.scores  # whole rows, built on first use (group leaders need them)
        self.lowered = lower_constraints(config, self.table.hierarchy, self.table.units)
        # Per primitive (in the order current_placement meets them), the keys it placed now.
        order: dict[str, None] = {}
        for unit in self.table.units:
            order.setdefault(unit.primitive, None)
        self.primitives = tuple(order)
        self.keys_of: dict[str, list[str]] = {}
        # A unit's scores may read its fellow members' copies (a group goes where a member is
        # held unmanaged), so a resource is computed afresh as a whole: its keys by top-level resource.
        self.root_of: dict[str, str] = {}
        self.keys_in: dict[str, list[str]] = {}
        hierarchy = self.table.hierarchy
        for unit in self.table.units:
            self.keys_of.setdefault(unit.primitive, []).append(unit.key)
            root = self.root_of.setdefault(unit.primitive, hierarchy.root(unit.primitive))
            self.keys_in.setdefault(root, []).append(unit.key)
        self.cluster_only = all(node.kind is NodeKind.CLUSTER for node in config.nodes.values())

    def problem(self, config: Config, state: State) -> Problem:
        """`build_problem(config, state)`, reusing the no-failure lowering where it provably holds."""
        if config is not self.config:
            return build_problem(config, state)
        return build_problem(config, state, self.scores(state), self.lowered)

    def scores(self, state: State) -> ScoreTable:
        """The score table of the configuration in ``state`` (a scenario of the no-failure state)."""
        changed = self._changed_nodes(state)
        base = self.table
        if changed is None:
            return ScoreTable(self.config, state, base.units, base.hierarchy)
        if not changed:
            return ScenarioScores(self, state, base.current, frozenset(), frozenset())
        affected = {i.resource for i in self.state.instances if i.node in changed}
        affected.update(i.resource for i in state.instances if i.node in changed)
        current = self._current(state, affected)
        roots = {self.root_of[primitive] for primitive in affected if primitive in self.root_of}
        fresh = frozenset(key for root in roots for key in self.keys_in[root])
        return ScenarioScores(self, state, current, frozenset(changed), fresh)

    def _changed_nodes(self, state: State) -> set[str] | None:
        """The nodes whose status differs, if that (and their copies) is all that differs and each
        changed node is now unavailable; else None."""
        base = self.state
        if not self.cluster_only or (
            state.fail_counts != base.fail_counts
            or state.failed_operations != base.failed_operations
            or state.quorum != base.quorum
            or state.now != base.now
            or state.dc != base.dc
        ):
            return None
        changed: set[str] = set()
        for name in base.nodes.keys() | state.nodes.keys():
            before, after = base.node(name), state.node(name)
            if before == after:
                continue
            if name not in self.config.nodes or replace(after, status=before.status) != before:
                return None
            if unavailable_reason(self.config, state, name) is None:
                return None  # a node came up, or stayed available: its scores are not derivable
            changed.add(name)
        if changed:
            kept_before = [i for i in base.instances if i.node not in changed]
            kept_after = [i for i in state.instances if i.node not in changed]
            if kept_before != kept_after:
                return None
        elif state.instances != base.instances:
            return None
        return changed

    def _current(self, state: State, affected: set[str]) -> Current:
        """Where units run in ``state``: the no-failure answer, with the affected primitives decided again.

        `current_placement` decides each primitive on its own, filling its maps one
        primitive at a time in unit order; splicing the affected primitives' entries into
        the no-failure ones primitive by primitive gives the same maps, in the same order.
        """
        base = self.table.current
        if not affected:
            return base
        part = current_placement(self.config, state, tuple(u for u in self.table.units if u.primitive in affected))
        by_key = self.table.by_key

        def splice(before: dict, whole: Mapping, now: Mapping, primitive_of: Callable[[Any], str]) -> Mapping:
            grouped = _grouped(now, primitive_of)
            dropped: list = []
            for primitive in affected:
                old = [entry[0] for entry in before.get(primitive, ())]
                new = [entry[0] for entry in grouped.get(primitive, ())]
                kept = set(new)
                if new != [key for key in old if key in kept]:
                    break  # a primitive's entries changed their order or gained one: splice in full
                dropped.extend(key for key in old if key not in kept)
            else:
                # Each affected primitive kept some of its entries, in order: deleting the others
                # from a copy and updating the kept ones in place gives the same order.
                if not dropped and all(whole[key] == value for key, value in now.items()):
                    return whole  # nothing moved (the lost nodes' copies are still there, unclean)
                merged = dict(whole)
                for key in dropped:
                    del merged[key]
                merged.update(now)
                return merged
            merged = {}
            for primitive in self.primitives:
                merged.update(grouped.get(primitive, ()) if primitive in affected else before.get(primitive, ()))
            return merged

        def primitive_of(key: str) -> str:
            return by_key[key].primitive

        return Current(
            nodes=splice(self._base_nodes, base.nodes, part.nodes, primitive_of),
            promoted=splice(self._base_promoted, base.promoted, part.promoted, primitive_of),
            instance_numbers=splice(self._base_numbers, base.instance_numbers, part.instance_numbers,
                                    lambda pair: pair[0]),
        )

    @cached_property
    def _base_nodes(self) -> dict[str, list[tuple[str, frozenset[str]]]]:
        by_key = self.table.by_key
        return _grouped(self.table.current.nodes, lambda key: by_key[key].primitive)

    @cached_property
    def _base_promoted(self) -> dict[str, list[tuple[str, frozenset[str]]]]:
        by_key = self.table.by_key
        return _grouped(self.table.current.promoted, lambda key: by_key[key].primitive)

    @cached_property
    def _base_numbers(self) -> dict[str, list[tuple[tuple[str, str], str]]]:
        return _grouped(self.table.current.instance_numbers, lambda pair: pair[0])


def _grouped(mapping: Mapping, primitive_of: Callable[[Any], str]) -> dict[str, list[tuple]]:
    """The entries of ``mapping`` by primitive, each primitive's in the mapping's order."""
    grouped: dict[str, list[tuple]] = {}
    for key, value in mapping.items():
        grouped.setdefault(primitive_of(key), []).append((key, value))
    return grouped


class ScenarioScores(ScoreTable):
    """A scenario's score table: `allowed` and `scores` from the no-failure one where nothing about
    the unit changed.

    ``changed`` are the nodes that went down (each now unavailable), ``fresh`` the units of
    the (top-level) resources with a copy on one of them (computed afresh, like everything else).
    """

    def __init__(
        self, lowering: Lowering, state: State, current: Current, changed: frozenset[str], fresh: frozenset[str]
    ) -> None:
        base = lowering.table
        super().__init__(lowering.config, state, base.units, base.hierarchy, current)
        self._base_allowed = lowering.allowed
        self._changed = changed
        self._fresh = fresh
        self._scores_before = lowering.scores_of
        self._down = {node: self.unavailable[node] for node in changed}  # each lost node, why it is down

    def allowed(self, key: str) -> dict[str, NodeScore]:
        if key in self._fresh:
            return super().allowed(key)
        found = dict(self._base_allowed[key])  # a new dictionary, as `ScoreTable.allowed` gives
        for node in self._changed:
            found.pop(node, None)  # a lost node is unavailable: it allows nothing
        return found

    def scores(self, key: str) -> dict[str, NodeScore]:
        if key in self._fresh:
            return super().scores(key)
        cached = self._scores.get(key)
        if cached is None:
            cached = dict(self._scores_before(key))
            for node, why in self._down.items():
                before = cached[node]  # the same terms, on a node that is down now
                cached[node] = NodeScore(node, before.terms, before.entry, why)
            self._scores[key] = cached
        return cached
