"""Small builders for configurations in solver tests (the language is tested elsewhere)."""

from __future__ import annotations

from placement.model import (
    Agent,
    Clone,
    ClusterOptions,
    Config,
    Group,
    Meta,
    Node,
    Primitive,
    frozen_map,
)

DUMMY = Agent.parse("ocf:pacemaker:Dummy")
FENCE = Agent.parse("stonith:fence_dummy")


def node(name: str, capacity: dict[str, int] | None = None, **options: object) -> Node:
    attributes = options.pop("attributes", None)
    return Node(name, attributes=frozen_map(attributes or {}), capacity=frozen_map(capacity or {}), **options)


def primitive(
    rid: str, utilization: dict[str, int] | None = None, fences: tuple[str, ...] = (), **meta: object
) -> Primitive:
    agent = FENCE if rid.startswith("fence") else DUMMY
    return Primitive(rid, agent, meta=Meta(**meta), utilization=frozen_map(utilization or {}), fences=fences)


def config(
    nodes: list[Node] | tuple[str, ...] = ("alice", "bob"),
    resources: list[Primitive | Group | Clone] = (),
    constraints: tuple = (),
    fencing: bool = False,
    **cluster: object,
) -> Config:
    """A configuration; fencing is off by default so tests need no fence device."""
    built = [n if isinstance(n, Node) else Node(n) for n in nodes]
    return Config(
        cluster=ClusterOptions(fencing=fencing, **cluster),
        nodes=frozen_map({n.name: n for n in built}),
        resources=frozen_map({r.id: r for r in resources}),
        constraints=tuple(constraints),
    )
