"""A ``crm_mon``-like view of a state: nodes by status, then resources where they run."""

from __future__ import annotations

from collections import defaultdict

from placement.hierarchy import Hierarchy
from placement.model import Clone, Config, Group, Primitive, Role
from placement.state import NodeStatus, State

STATUS_WORDS = {
    NodeStatus.ONLINE: "Online",
    NodeStatus.STANDBY: "Standby",
    NodeStatus.MAINTENANCE: "Maintenance",
    NodeStatus.OFFLINE: "OFFLINE",
    NodeStatus.UNCLEAN: "UNCLEAN (offline)",
    NodeStatus.FENCED: "OFFLINE (fenced)",
}


def status_lines(config: Config, state: State) -> list[str]:
    """Node list and resource list, indented like crm_simulate's cluster status."""
    by_status: dict[str, list[str]] = defaultdict(list)
    for name, node in config.nodes.items():
        status = state.node(name).status
        if status is NodeStatus.ONLINE and node.standby:
            status = NodeStatus.STANDBY
        word = STATUS_WORDS[status] + (" (shutting down)" if state.node(name).shutdown else "")
        by_status[word].append(name)
    lines = ["  * Node List:"]
    lines += [f"    * {word}: [ {' '.join(names)} ]" for word, names in by_status.items()]
    lines.append("  * Full List of Resources:")
    hierarchy = Hierarchy(config)
    for rid in hierarchy.top_level:
        lines += _resource_lines(config, state, rid, "    ")
    return lines


def _where(config: Config, state: State, primitive: str) -> str:
    copies = state.instances_of(primitive)
    if not copies:
        return "Stopped"
    parts = []
    for copy in sorted(copies, key=lambda c: c.node):
        word = {Role.PROMOTED: "Promoted", Role.UNPROMOTED: "Unpromoted"}.get(copy.role, "Started")
        flags = " (FAILED)" if copy.failed else ""
        flags += " (unmanaged)" if not copy.managed else ""
        flags += " (UNCLEAN)" if state.node(copy.node).status is NodeStatus.UNCLEAN else ""
        parts.append(f"{word} {copy.node}{flags}")
    return ", ".join(parts)


def _resource_lines(config: Config, state: State, rid: str, indent: str) -> list[str]:
    resource = config.resources[rid]
    if isinstance(resource, Primitive):
        return [f"{indent}* {rid} ({resource.agent}): {_where(config, state, rid)}"]
    if isinstance(resource, Group):
        lines = [f"{indent}* Resource Group: {rid}:"]
        for member in resource.members:
            lines += _resource_lines(config, state, member, indent + "  ")
        return lines
    return _clone_lines(config, state, resource, indent)


def _clone_lines(config: Config, state: State, clone: Clone, indent: str) -> list[str]:
    kind = "Clone Set" if not clone.promotable else "Clone Set (promotable)"
    lines = [f"{indent}* {kind}: {clone.id} [{clone.child}]:"]
    primitives = Hierarchy(config).primitives_in(clone.child)
    by_role: dict[str, set[str]] = defaultdict(set)
    for primitive in primitives:
        for copy in state.instances_of(primitive):
            word = {Role.PROMOTED: "Promoted", Role.UNPROMOTED: "Unpromoted"}.get(copy.role, "Started")
            if copy.failed:
                word += " (FAILED)"
            by_role[word].add(copy.node)
    running = set().union(*by_role.values()) if by_role else set()
    for word in sorted(by_role, key=lambda w: ("Promoted", "Unpromoted", "Started").index(w.split()[0])):
        lines.append(f"{indent}  * {word}: [ {' '.join(sorted(by_role[word]))} ]")
    idle = [n for n in config.nodes if n not in running]
    if idle:
        lines.append(f"{indent}  * Stopped: [ {' '.join(idle)} ]")
    return lines
