"""Remote and guest nodes in the solver: a copy there needs the node's connection running.

compat(pacemaker): a remote node is online in a transition when its connection resource
is assigned a node (``remote_connection_assigned``), a guest node when its container runs
(``pcmk__node_available`` with ``consider_guest``). Pacemaker assigns connections first and
then treats the node as up or down; the exact model makes the node's availability a
consequence of the connection's placement instead: every copy placed on remote node R
implies that R's connection (or container) runs somewhere. It is lowered to one mandatory
`colocation.Link` per node, bound only on that node, whose primary may be anywhere, so
the encoders, the greedy reference and the evaluator need nothing of their own.
"""

from __future__ import annotations

from placement.model import Config, Primitive
from placement.score import INFINITY
from placement.solve.colocation import ANYWHERE, Link
from placement.solve.refs import Ref, RefResolver
from placement.solve.terms import NodeScore
from placement.solve.units import Unit

KIND = "remote-node"


def lower(
    config: Config, resolver: RefResolver, units: tuple[Unit, ...], allowed: dict[str, dict[str, NodeScore]]
) -> list[Link]:
    """One link per remote/guest node: whatever may run there requires its connection running."""
    links: list[Link] = []
    for name, node in config.nodes.items():
        via = node.via
        if via is None or not isinstance(config.resources.get(via), Primitive):
            continue
        primary = resolver.resolve(via, None, True)
        dependents = tuple(
            unit.key for unit in units if unit.key not in primary.units and name in allowed.get(unit.key, {})
        )
        if not dependents:
            continue
        dependent = Ref(f"what runs on {name}", dependents)
        links.append(Link(f"{KIND}-{name}", dependent, primary, INFINITY, ANYWHERE, node.span, frozenset({name})))
    return links


