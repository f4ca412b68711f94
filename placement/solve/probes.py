"""Starts that wait for a probe which cannot run yet (compat(pacemaker): ``pcmk__probe_rsc_on_node``).

Before a resource starts anywhere, Pacemaker probes it on every online node where its
state is unknown, and orders the start after those probes. On a *pending* node (up, but
not yet joined) no action can run (``update_resource_action_runnable``), so the probe is
unrunnable; for a resource that is not running anywhere, that makes its start unrunnable
too (``pe_order_runnable_left``): it stays stopped until the node has joined. A running
resource is not stopped for it.

Which start waits: a primitive's own, or — for a clone — the whole clone's, so no new copy
of the clone starts while one of its instances waits (the probe is ordered before the
clone's start). An anonymous clone probes one instance per node, the first, which runs
somewhere exactly when the clone has a running copy; a unique clone probes each instance.

No probe, nothing to wait for: where the node's state already knows the resource
(`NodeState.probed`: a history exists, or the importer knew Pacemaker would not probe it),
where a ``resource-discovery=never`` location says so, or outside the nodes of a
``resource-discovery=exclusive`` location.
"""

from __future__ import annotations

from placement.solve.scores import ScoreTable
from placement.solve.units import Unit


def waiting_starts(table: ScoreTable) -> dict[str, str]:
    """Unit key → why it may not start now, for every unit whose start waits for a probe.

    Such a unit keeps the copies it runs and starts no new one.
    """
    state = table.state
    pending = [node for node, now in state.nodes.items() if now.pending and node in table.config.nodes]
    if not pending:
        return {}
    waiting: dict[str, str] = {}
    by_clone: dict[str, list[Unit]] = {}
    for unit in table.units:
        if unit.clone is not None:
            by_clone.setdefault(unit.clone, []).append(unit)
            continue
        if table.current.of(unit.key):
            continue
        node = _unprobed_on(table, unit, pending)
        if node is not None:
            waiting[unit.key] = _reason(unit.primitive, node)
    for units in by_clone.values():
        for unit in units:
            if table.current.of(unit.key):
                continue  # the probed instance runs somewhere: the clone's start does not wait
            node = _unprobed_on(table, unit, pending)
            if node is not None:
                for member in units:
                    waiting.setdefault(member.key, _reason(unit.primitive, node))
                break
    return waiting


def _unprobed_on(table: ScoreTable, unit: Unit, pending: list[str]) -> str | None:
    """The first pending node where ``unit``'s primitive would be probed, or None."""
    primitive = unit.primitive
    exclusive = table.locations.exclusive_set(primitive)
    never = table.locations.undiscovered(primitive)
    for node in pending:
        if primitive in table.state.node(node).probed or node in never:
            continue
        if exclusive is not None and node not in exclusive:
            continue
        return node
    return None


def _reason(primitive: str, node: str) -> str:
    return f"its start waits for a probe of {primitive} on {node}, which is still joining (pending)"
