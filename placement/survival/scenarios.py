"""Failure scenarios: every combination of K nodes, or of K whole failure domains.

A *domain* is the set of nodes sharing a value of a node attribute (``--domain rack``):
losing a domain loses all of its nodes at once. Only nodes that are up now can fail; a
node without the attribute is a domain of its own, so no node escapes the analysis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

from placement.errors import InvalidInput
from placement.model import Config
from placement.solve.rules import node_attributes
from placement.state import State


@dataclass(frozen=True, slots=True)
class Domain:
    """What fails together: a node, or every node with ``attribute=value``."""

    name: str
    nodes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    """One combination of failed domains; ``nodes`` are the nodes lost, in configuration order."""

    domains: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]  # the nodes of each failed domain

    @property
    def nodes(self) -> tuple[str, ...]:
        return tuple(node for group in self.groups for node in group)

    @property
    def label(self) -> str:
        return " + ".join(self.domains)


def failure_domains(config: Config, state: State, attribute: str | None = None) -> list[Domain]:
    """The domains that can fail: nodes that are up, grouped by ``attribute`` when given."""
    up = [name for name in config.nodes if state.node(name).status.is_up]
    if attribute is None:
        return [Domain(name, (name,)) for name in up]
    grouped: dict[str, list[str]] = {}
    for name in up:
        value = node_attributes(config, state, name).get(attribute)
        key = f"{attribute}={value}" if value is not None else name
        grouped.setdefault(key, []).append(name)
    if all(len(nodes) == 1 and nodes[0] == key for key, nodes in grouped.items()):
        raise InvalidInput(f"no node has the attribute '{attribute}': there are no failure domains to combine")
    return [Domain(key, tuple(nodes)) for key, nodes in grouped.items()]


def scenarios(domains: list[Domain], failures: int) -> list[Scenario]:
    """Every combination of ``failures`` domains, in a stable order."""
    if failures < 1:
        raise InvalidInput(f"--failures must be at least 1, got {failures}")
    if failures > len(domains):
        raise InvalidInput(f"--failures {failures}: only {len(domains)} failure domains can fail")
    return [
        Scenario(tuple(d.name for d in chosen), tuple(d.nodes for d in chosen))
        for chosen in combinations(domains, failures)
    ]


def scenario_count(domains: int, failures: int) -> int:
    return math.comb(domains, failures)
