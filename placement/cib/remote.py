"""Remote and guest nodes from ``<resources>``: the nodes that resources bring up.

compat(pacemaker): ``unpack_remote_nodes`` (``unpack.c``) creates a remote node for every
top-level ``ocf:pacemaker:remote`` primitive, named after it, and a guest node for every
primitive (top-level or in a top-level group) with the ``remote-node`` meta, named by its
value. A ``<node type="remote">`` entry with that name only adds attributes; one whose
resource is gone stays a remote node without a connection, which is never up.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from xml.etree.ElementTree import Element

from placement.cib import attributes
from placement.cib.values import parse_duration_ms
from placement.cib.xml import Document
from placement.model import Config, Node, NodeKind
from placement.remote import REMOTE_AGENT

_NodeLike = Any  # `placement.cib.status._Node` (not imported: status imports this module)


def add_hosted_nodes(document: Document, section: Element | None, nodes: dict[str, Node]) -> None:
    """Add (or complete) the remote and guest nodes ``section`` defines, in resource order."""
    if section is None:
        return
    for element in section:
        if element.tag == "primitive" and _is_connection(element):
            _add(nodes, element.get("id", ""), NodeKind.REMOTE, element.get("id", ""), document, element)
        elif element.tag == "primitive":
            _guest(document, element, nodes)
        elif element.tag == "group":
            for member in element.findall("primitive"):
                _guest(document, member, nodes)


def _is_connection(element: Element) -> bool:
    return (element.get("class"), element.get("provider"), element.get("type")) == ("ocf", "pacemaker", "remote")


def _guest(document: Document, element: Element, nodes: dict[str, Node]) -> None:
    name = attributes.merged(document, element, "meta_attributes").get("remote-node", "").strip()
    if name:
        _add(nodes, name, NodeKind.GUEST, element.get("id", ""), document, element)


def _add(nodes: dict[str, Node], name: str, kind: NodeKind, via: str, document: Document, element: Element) -> None:
    if not name:
        return
    known = nodes.get(name)
    if known is None:
        nodes[name] = Node(name, kind=kind, via=via, span=document.span(element))
    elif known.via is None:
        nodes[name] = replace(known, kind=kind, via=via)


# ----------------------------------------------------------------------------- status


def settle_online(config: Config, nodes: dict, found: dict, fencing: bool, resets: set[str]) -> None:
    """Whether each remote/guest node is up, from its connection's (container's) replayed history.

    compat(pacemaker): ``determine_remote_online_status``: up while the connection (the
    container) is started; a failed container makes its guest unclean (it must be reset,
    by recovering the container), as does a lost host; a failed connection takes its remote
    node down, and makes it unclean when the failure calls for a reset (``resets``: the
    connections whose failure on-fail ``reset_remote`` handles) and fencing is on.
    """
    for name, configured in config.nodes.items():
        node = nodes[name]
        if configured.kind is NodeKind.CLUSTER:
            continue
        node.unclean = False
        copies = [instance for instance, _, _ in found.get(configured.via or "", ()) if instance is not None]
        node.online = bool(copies) and not any(c.failed for c in copies)
        if configured.kind is NodeKind.GUEST:
            lost_host = any(nodes[c.node].unclean and not nodes[c.node].online for c in copies if c.node in nodes)
            node.unclean = (bool(copies) and any(c.failed for c in copies)) or lost_host
            node.online = node.online and not lost_host
        elif configured.via in resets and fencing and not node.fenced_before:
            node.unclean = True  # "remote connection is unrecoverable"
        managed = [c.managed for c in copies]
        if managed and not all(managed):
            node.maintenance = True  # compat(pacemaker): an unmanaged connection


def needs_reset(config: Config, rid: str, outcome: Any, configured_on_fail: dict) -> bool:
    """Whether a failure of connection ``rid`` drops a live connection: the remote node must be reset.

    compat(pacemaker): ``unpack_operation`` defaults on-fail of a connection's operations to
    ``reset_remote``, except for probes and starts (a failed start had no connection yet). A
    later successful stop clears it (``clear_past_failure``) — unless the connection has a
    ``reconnect_interval``, which keeps it until the failure itself is cleared.
    """
    item = config.primitives.get(rid)
    if item is None or item.agent != REMOTE_AGENT:
        return False
    qualifying = any(
        not failure.op.is_probe
        and failure.op.task != "start"
        and (failure.op.task, failure.op.interval_ms) not in configured_on_fail
        for failure in outcome.failures
    )
    return qualifying and (reconnect_ms(config, rid) > 0 or outcome.role.value != "stopped")


def reconnect_ms(config: Config, rid: str) -> int:
    """A connection's ``reconnect_interval`` in milliseconds (0: reconnect at once)."""
    item = config.primitives.get(rid)
    text = item.params.get("reconnect_interval", "") if item is not None else ""
    return parse_duration_ms(text) or 0 if text else 0
