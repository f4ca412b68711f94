"""A ``crm_mon``-like picture of a running cluster, gathered from its node agents and the journal.

`gather` returns a plain JSON-ready dict (``placement status --json`` prints it; a
web page can render it too); `render_text` is the terse human view:

- **nodes**: what each agent answers (boot, pid, fencing token), and, for a silent
  one, what the controller last decided — ``OFFLINE (fenced)`` once fenced,
  ``UNCLEAN`` while it waits to be — from the journal's last belief;
- **resources**: primitives with their role and node; copies of a clone grouped as
  ``Clone Set: cl [child]`` with ``Started: [ … ]`` (``Promoted``/``Unpromoted`` for
  promotable ones), as crm_mon groups them;
- **failed actions**; **fencing history** in time order with timestamps (the
  journal's decisions and results when it is available — it is durable — else
  the executors' records); the **controller**: the group's leader from etcd, or
  the single controller's last start from its journal file.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from placement.hierarchy import Hierarchy
from placement.model import Config
from placement.runtime import journal
from placement.runtime.client import AgentClient, AgentError, AgentRefused
from placement.runtime.journal import Entry

_FENCING_KINDS = ("unclean", "fenced", "fence-failed")


def gather(
    clients: Mapping[str, AgentClient],
    journal_path: Path | None = None,
    *,
    entries: list[Entry] | None = None,
    leader: dict | None = None,
    config: Config | None = None,
) -> dict:
    """Ask every agent for its status (in parallel); add what the journal (file or ``entries``) says."""
    if entries is None and journal_path is not None:
        entries = journal.read(journal_path)
    belief = _last_belief(entries or [])
    with ThreadPoolExecutor(max_workers=max(1, len(clients))) as pool:
        futures = {node: pool.submit(client.status) for node, client in sorted(clients.items())}
    nodes, resources, failed, executed = [], [], [], []
    for node, future in futures.items():
        decided = belief.get(node, {})
        try:
            report = future.result()
        except AgentRefused as error:
            nodes.append({"node": node, "state": "refused", "detail": str(error)})
            continue
        except AgentError as error:
            nodes.append(_silent(node, decided, str(error)))
            continue
        state = "unclean" if decided.get("membership") == "unclean" else "online"
        nodes.append(
            {
                "node": node,
                "state": state,
                "fenced": False,
                "boot_id": report["boot_id"],
                "pid": report["pid"],
                "token": report.get("token", 0),
                "detail": decided.get("reason", "") if state == "unclean" else "",
            }
        )
        for record in report["resources"]:
            entry = {"node": node, **record}
            if record["role"] != "stopped" or record["failed"]:
                resources.append(entry)
            if record["failed"]:
                failed.append(entry)
        executed += [{"executor": node, **f} for f in report["fencing"]]
    status: dict = {
        "nodes": nodes,
        "resources": sorted(resources, key=lambda r: (r["resource"], r["node"])),
        "clones": _clone_sets(resources, config),
        "failed": failed,
        "fencing": sorted(executed, key=lambda f: f.get("time", 0.0)),
        "controller": _controller(entries, leader),
    }
    if entries is not None:
        status["journal"] = [
            {
                "seq": e.seq,
                "time": e.time,
                "kind": e.kind,
                "node": e.data.get("node"),
                "summary": e.data.get("summary") or e.data.get("reason"),
            }
            for e in sorted((e for e in entries if e.kind in _FENCING_KINDS), key=lambda e: (e.time, e.seq))
        ]
        status["blocked"] = [e.data for e in entries if e.kind == "blocked"][-10:]
    return status


def _silent(node: str, decided: Mapping, error: str) -> dict:
    membership = decided.get("membership")
    if membership == "fenced":
        return {"node": node, "state": "offline", "fenced": True, "detail": decided.get("reason", "")}
    if membership == "unclean":
        return {"node": node, "state": "unclean", "fenced": False, "detail": decided.get("reason", "")}
    return {"node": node, "state": "unreachable", "fenced": False, "detail": error}


def _last_belief(entries: list[Entry]) -> dict[str, dict]:
    for entry in reversed(entries):
        if entry.kind == "belief":
            return dict(entry.data.get("belief", {}).get("nodes", {}))
    return {}


def _controller(entries: list[Entry] | None, leader: dict | None) -> dict | None:
    if leader is not None:
        return {"mode": "group", **leader}
    starts = [e for e in entries or [] if e.kind == "controller-start"]
    if not starts:
        return None
    return {"mode": "single", "since": starts[-1].time, "journal_position": entries[-1].seq if entries else 0}


def _clone_sets(resources: list[dict], config: Config | None) -> list[dict]:
    """Copies of one primitive on several nodes, or of a configured clone: grouped by role."""
    by_resource: dict[str, list[dict]] = {}
    for record in resources:
        by_resource.setdefault(record["resource"], []).append(record)
    hierarchy = Hierarchy(config) if config is not None else None
    sets = []
    for rid, copies in sorted(by_resource.items()):
        clone = hierarchy.clone_of(rid) if hierarchy is not None and rid in config.resources else None  # type: ignore[union-attr]
        # With a configuration only its clones group; without, copies on several nodes must be one.
        if clone is None and (config is not None or len(copies) < 2):
            continue
        roles: dict[str, list[str]] = {}
        for copy in copies:
            if not copy["failed"]:
                roles.setdefault(copy["role"], []).append(copy["node"])
        sets.append(
            {
                "clone": clone.id if clone is not None else rid,
                "resource": rid,
                "agent": copies[0]["agent"],
                "promotable": bool(clone and clone.promotable),
                "roles": {role: sorted(nodes) for role, nodes in sorted(roles.items())},
                "failed": sorted(c["node"] for c in copies if c["failed"]),
            }
        )
    return sets


def when(timestamp: float) -> str:
    """A journal or agent time as crm_mon shows it, in UTC.

    >>> when(0)
    '1970-01-01 00:00:00Z'
    """
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def render_text(status: dict) -> str:
    """The terse human view."""
    lines = []
    controller = status.get("controller")
    if controller is not None:
        if controller["mode"] == "group":
            if controller.get("name"):
                lines.append(f"Current leader: {controller['name']} (fencing token {controller.get('token')})")
            else:
                lines.append("Current leader: NONE (no controller holds the lease)")
            if controller.get("members") is not None:
                names = [f"{m['name']}{' (' + m['page'] + ')' if m.get('page') else ''}" for m in controller["members"]]
                lines.append(f"Controllers: {', '.join(names) or 'none registered'}")
        else:
            lines.append(f"Controller: single, journal at #{controller['journal_position']}")
        lines.append("")
    lines.append("Nodes:")
    for node in status["nodes"]:
        lines.append(f"  * {node['node']}: {_node_state(node)}")
    lines.append("")
    lines.append("Resources:")
    grouped = {c["resource"] for c in status.get("clones", [])}
    singles = [r for r in status["resources"] if r["resource"] not in grouped]
    if not singles and not grouped:
        lines.append("  (none running)")
    for r in singles:
        flag = " FAILED" if r["failed"] else ""
        lines.append(f"  * {r['resource']:<16} ({r['agent']}): {r['role'].capitalize()} {r['node']}{flag}")
    for clone in status.get("clones", []):
        lines.append(
            f"  * Clone Set: {clone['clone']} [{clone['resource']}]{' (promotable)' if clone['promotable'] else ''}:"
        )
        for role, nodes in clone["roles"].items():
            lines.append(f"    * {role.capitalize()}: [ {' '.join(nodes)} ]")
        if clone["failed"]:
            lines.append(f"    * FAILED: [ {' '.join(clone['failed'])} ]")
    if status["failed"]:
        lines += ["", "Failed Resource Actions:"]
        for r in status["failed"]:
            reason = f" '{r['last_reason']}'" if r["last_reason"] else ""
            action = f"{r['resource']} {r['last_action']} on {r['node']}"
            lines.append(f"  * {action} returned {r['last_exit_code']}{reason}")
    history = status.get("journal")
    if history or status["fencing"]:
        lines += ["", "Fencing History:"]
    if history:
        for e in history:
            lines.append(f"  * {when(e['time'])} {e['node']}: {e['kind']}{': ' + e['summary'] if e['summary'] else ''}")
    else:
        for f in status["fencing"]:
            result = "successful" if f["ok"] else f"failed (rc={f['exit_code']})"
            stamp = f"{when(f['time'])} " if "time" in f else ""
            lines.append(f"  * {stamp}{f['action']} of {f['target']} by {f['device']} from {f['executor']}: {result}")
    return "\n".join(lines)


def _node_state(node: dict) -> str:
    state = node["state"]
    if state == "online":
        token = f", token {node['token']}" if node.get("token") else ""
        return f"ONLINE (boot {node['boot_id']}, pid {node['pid']}{token})"
    if state == "offline" and node.get("fenced"):
        return f"OFFLINE (fenced){': ' + node['detail'] if node.get('detail') else ''}"
    if state == "unclean":
        return f"UNCLEAN (waiting to be fenced){': ' + node['detail'] if node.get('detail') else ''}"
    return state.upper()
