"""Interchangeable nodes: failure scenarios that are the same up to renaming nodes.

Two nodes are interchangeable when swapping their names everywhere — configuration and
state — gives back the same configuration and state: the swap is an automorphism, so
the planner's answer to "a fails" is its answer to "b fails" with the names swapped.
Swaps compose, so interchangeability is an equivalence: its classes are the connected
components of the swaps found, and any two scenarios that fail the same number of nodes
of every class are the same scenario renamed. Only one per orbit is solved.

What the swap checks is the whole model, not a guess from attributes: a cheap signature
(attributes, capacity, what runs there) only picks which pairs are worth the full check.
Clone instance numbers are ignored: they label interchangeable copies and move with
their nodes when the names are swapped.
"""

from __future__ import annotations

import dataclasses
import enum
from collections import Counter, defaultdict
from collections.abc import Mapping

from placement.model import Config, frozen_map
from placement.state import State
from placement.survival.scenarios import Scenario


def node_classes(config: Config, state: State, candidates: list[str]) -> list[tuple[str, ...]]:
    """Classes of interchangeable nodes among ``candidates`` (singletons included), in order."""
    # A node named like a resource would be renamed as a resource too: leave such nodes alone.
    clashing = set(config.resources)
    by_signature: dict[object, list[str]] = defaultdict(list)
    for node in candidates:
        if node not in clashing:
            by_signature[_signature(config, state, node)].append(node)
    base = _comparable(config, state)
    representative = {node: node for node in candidates}
    for group in by_signature.values():
        leaders: list[str] = []  # one node per class found so far in this signature group
        for node in group:
            leader = next((lead for lead in leaders if _swaps_to_itself(config, state, lead, node, base)), None)
            if leader is None:
                leaders.append(node)
            else:
                representative[node] = leader
    classes: dict[str, list[str]] = defaultdict(list)
    for node in candidates:
        classes[representative[node]].append(node)
    return [tuple(members) for members in classes.values()]


def canonical(scenario: Scenario, class_of: Mapping[str, int]) -> tuple[int, ...]:
    """The orbit of a node scenario: how many nodes of each class fail (as a sorted multiset)."""
    return tuple(sorted(class_of[node] for node in scenario.nodes))


def _signature(config: Config, state: State, node: str) -> tuple:
    configured = config.nodes[node]
    now = state.node(node)
    running = Counter((i.resource, i.role, i.failed, i.managed) for i in state.instances if i.node == node)
    return (
        tuple(sorted(configured.attributes.items())),
        tuple(sorted(configured.capacity.items())),
        configured.standby,
        configured.maintenance,
        configured.score,
        configured.kind,
        configured.via,
        now.status,
        tuple(sorted(now.attributes.items())),
        tuple(sorted(running.items(), key=repr)),
    )


def _swaps_to_itself(config: Config, state: State, a: str, b: str, base: tuple) -> bool:
    names = {a: b, b: a}
    return _comparable(_relabel(config, names), _relabel(state, names)) == base  # type: ignore[arg-type]


def _comparable(config: Config, state: State) -> tuple:
    """Configuration and state as one comparable value: instances as a multiset, clone numbers dropped."""
    instances = Counter(dataclasses.replace(i, clone_instance=None) for i in state.instances)
    return config, dataclasses.replace(state, instances=()), frozenset(instances.items())


def _relabel(value: object, names: Mapping[str, str]) -> object:
    """``value`` with every string in ``names`` replaced, deeply (dataclasses, tuples, maps)."""
    if isinstance(value, str):
        return names.get(value, value)
    if value is None or isinstance(value, (int, float, bool, enum.Enum)):
        return value
    if isinstance(value, tuple):
        return tuple(_relabel(item, names) for item in value)
    if isinstance(value, list):
        return [_relabel(item, names) for item in value]
    if isinstance(value, frozenset):
        return frozenset(_relabel(item, names) for item in value)
    if isinstance(value, Mapping):
        return frozen_map({_relabel(k, names): _relabel(v, names) for k, v in value.items()})
    if dataclasses.is_dataclass(value):
        changes = {
            f.name: _relabel(getattr(value, f.name), names)
            for f in dataclasses.fields(value)
            if f.init and f.compare
        }
        return dataclasses.replace(value, **changes)  # type: ignore[type-var]
    return value
