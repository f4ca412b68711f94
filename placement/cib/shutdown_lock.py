"""Shutdown locks: a resource stopped by a clean node shutdown waits for that node.

With the cluster option ``shutdown-lock=true`` Pacemaker does not recover the resources
of a node that shuts down cleanly elsewhere: each is *locked* to the node and banned from
every other one until the node comes back or ``shutdown-lock-limit`` expires (so a
maintenance reboot does not move everything twice). The lock is state: it starts when
the node's ``shutdown`` attribute is set and lives on in the resource's history entry
(``<lrm_resource shutdown-lock="EPOCH">``) once the node is down. So, like the bans of
failed operations (`placement.cib.failures`), the import turns locks into -INFINITY
locations that `CibImport.planning_config` adds; the `.place` configuration stays free
of them.

The rules follow Pacemaker 2.1.5:

* ``unpack_shutdown_lock`` (unpack.c): a history lock holds unless the limit is set and
  ``now > lock time + limit``;
* ``pcmk__primitive_shutdown_lock`` (pcmk_sched_primitive.c): fence devices and remote
  connections are never locked; a history lock is cancelled when the resource is active
  anywhere; otherwise a resource active on exactly one node that is shutting down and
  not unclean is locked there; a locked resource is banned from every other node
  (``ban_if_not_locked``). Group members are locked one by one; clones never are
  (``pcmk__clone_shutdown_lock`` does nothing).
"""

from __future__ import annotations

from placement.cib.values import is_true, parse_duration_ms, parse_int_prefix
from placement.cib.xml import Document
from placement.hierarchy import Hierarchy
from placement.model import Comparison, Config, Location, Operator, Rule
from placement.remote import is_connection_agent
from placement.score import INFINITY
from placement.state import NodeStatus, State


def bans(
    document: Document, config: Config, state: State, options: dict[str, str], now: int | None
) -> tuple[Location, ...]:
    """A ban on every other node for each resource locked to a node by its shutdown."""
    if not enabled(options):
        return ()
    limit_ms = parse_duration_ms(options.get("shutdown-lock-limit", "0")) or 0
    execution_date = document.root.get("execution-date")
    if execution_date:
        now = parse_int_prefix(execution_date)
    hierarchy = Hierarchy(config)
    locked: dict[str, str] = {}
    for rid, node in _history_locks(document):
        lock_time = parse_int_prefix(node[1])
        expired = limit_ms > 0 and now is not None and now > lock_time + limit_ms // 1000
        if not expired:
            locked.setdefault(rid, node[0])
    active: dict[str, set[str]] = {}
    for instance in state.instances:
        active.setdefault(instance.resource, set()).add(instance.node)
    found: list[Location] = []
    for rid, primitive in config.primitives.items():
        if primitive.agent.is_fencing or is_connection_agent(primitive.agent) or hierarchy.clone_of(rid) is not None:
            continue
        where = locked.get(rid)
        if where is not None and active.get(rid):
            where = None  # "Cancelling shutdown lock because … is already active"
        elif where is None and len(active.get(rid, ())) == 1:
            (node,) = active[rid]
            node_state = state.node(node)
            if node_state.shutdown and node_state.status is not NodeStatus.UNCLEAN:
                where = node
        if where is not None:
            ident = f"shutdown-lock-{rid}"
            rule = Rule(Comparison("#uname", Operator.NE, where), score=-INFINITY, id=ident)
            found.append(Location(resource=rid, rules=(rule,), id=ident))
    return tuple(found)


def enabled(options: dict[str, str]) -> bool:
    """Whether the cluster option ``shutdown-lock`` is on."""
    return is_true(options.get("shutdown-lock"))


def _history_locks(document: Document) -> list[tuple[str, tuple[str, str]]]:
    """(resource, (node, lock time)) for every history entry that records a lock."""
    status = document.root.find("status")
    found = []
    for node_state in status.findall("node_state") if status is not None else ():
        node = node_state.get("uname") or node_state.get("id") or ""
        for entry in node_state.iterfind("lrm/lrm_resources/lrm_resource"):
            stamp = entry.get("shutdown-lock")
            if stamp and parse_int_prefix(stamp) != 0:
                # compat(pacemaker): a clone instance's history names the primitive with ":N".
                found.append(((entry.get("id") or "").split(":")[0], (node, stamp)))
    return found

