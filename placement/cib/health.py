"""Node health (``node-health-strategy`` and ``#health-*`` node attributes) as locations.

Pacemaker 2.1.5 sums each node's ``#health-*`` attributes — ``red``, ``yellow`` and
``green`` read as scores the strategy chooses, numbers as themselves — and adds the sum
to every resource on that node (``pcmk__apply_node_health``; SEMANTICS.md §1 "node
health"). placement has no health strategy, but the result for a given status is a
location score per resource and node, so that is what this module adds: one `Location`
per top-level resource and unhealthy node, id ``node-health-<node>-<resource>``.
A resource with ``allow-unhealthy-nodes=true`` is spared negative health.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from placement.cib import attributes
from placement.cib import defaults as default_sets
from placement.cib.values import is_true, parse_score_or_none
from placement.cib.xml import Document
from placement.hierarchy import Hierarchy
from placement.model import Config, Location
from placement.score import INFINITY, add
from placement.state import State

STRATEGIES: Final = frozenset({"none", "migrate-on-red", "only-green", "progressive", "custom"})
# compat(pacemaker): the colours each strategy imposes (unpack_config); None = configured.
_FIXED_COLOURS: Final = {
    "migrate-on-red": {"red": -INFINITY, "yellow": 0, "green": 0},
    "only-green": {"red": -INFINITY, "yellow": -INFINITY, "green": 0},
}


def strategy(options: dict[str, str]) -> str | None:
    """The health strategy in ``options``, or None for an unknown one."""
    word = (options.get("node-health-strategy") or "none").strip().lower()
    return word if word in STRATEGIES else None


def apply(document: Document, config: Config, state: State, options: dict[str, str]) -> Config:
    """``config`` with the health score of each unhealthy node on every resource."""
    chosen = strategy(options) or "none"
    if chosen == "none":
        return config
    colours = _FIXED_COLOURS.get(chosen) or {
        colour: parse_score_or_none(options.get(f"node-health-{colour}", "0")) or 0
        for colour in ("red", "yellow", "green")
    }
    base = (parse_score_or_none(options.get("node-health-base", "0")) or 0) if chosen == "progressive" else 0
    hierarchy = Hierarchy(config)
    spared = {rid for rid in hierarchy.top_level if _allows_unhealthy(document, rid)}
    locations: list[Location] = []
    for name, node in config.nodes.items():
        values = {**node.attributes, **state.node(name).attributes}
        health = base
        for attribute, value in sorted(values.items()):
            if attribute.startswith("#health"):
                word = value.strip().lower()
                score = colours[word] if word in colours else parse_score_or_none(value) or 0
                health = add(health, score)
        if health == 0:
            continue
        locations.extend(
            Location(resource=target, node=name, score=health, id=f"node-health-{name}-{target}")
            for rid in hierarchy.top_level
            if health > 0 or rid not in spared
            for target in _scored(hierarchy, rid)
        )
    return replace(config, constraints=config.constraints + tuple(locations)) if locations else config


def _allows_unhealthy(document: Document, rid: str) -> bool:
    element = document.by_id.get(rid)
    if element is None:
        return False
    own = attributes.merged(document, element, "meta_attributes")
    if "allow-unhealthy-nodes" in own:
        return is_true(own["allow-unhealthy-nodes"])
    found = default_sets.sets(document, document.root.find("configuration/rsc_defaults"), operations=False)
    return is_true(default_sets.unconditional(found).get("allow-unhealthy-nodes"))


def _scored(hierarchy: Hierarchy, rid: str) -> list[str]:
    """What carries a top-level resource's health score: the resource itself, or each
    member of a group in it — compat(pacemaker): ``resource_location`` scores every member
    of a group, where a location constraint on the group scores its first member only
    (`placement.solve.location`)."""
    primitives = hierarchy.primitives_in(rid)
    return primitives if any(hierarchy.group_of(p) is not None for p in primitives) else [rid]
