"""A ``crm_mon``-like picture of a running cluster, gathered from its node agents.

Nodes (answering or not, and which agent boot), resources with their role on
each node, failed actions, and fencing history — from the agents that ran the
fence agents and, when given, from the controller's journal.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from placement.runtime import journal
from placement.runtime.client import AgentClient, AgentError, AgentRefused


def gather(clients: Mapping[str, AgentClient], journal_path: Path | None = None) -> dict:
    """Ask every agent for its status (in parallel); add the journal's fencing history."""
    with ThreadPoolExecutor(max_workers=max(1, len(clients))) as pool:
        futures = {node: pool.submit(client.status) for node, client in sorted(clients.items())}
    nodes, resources, failed, fencing = [], [], [], []
    for node, future in futures.items():
        try:
            report = future.result()
        except AgentRefused as error:
            nodes.append({"node": node, "state": "refused", "detail": str(error)})
            continue
        except AgentError as error:
            nodes.append({"node": node, "state": "unreachable", "detail": str(error)})
            continue
        nodes.append({"node": node, "state": "online", "boot_id": report["boot_id"], "pid": report["pid"]})
        for record in report["resources"]:
            entry = {"node": node, **record}
            if record["role"] != "stopped" or record["failed"]:
                resources.append(entry)
            if record["failed"]:
                failed.append(entry)
        fencing += [{"executor": node, **f} for f in report["fencing"]]
    status = {
        "nodes": nodes,
        "resources": sorted(resources, key=lambda r: (r["resource"], r["node"])),
        "failed": failed,
        "fencing": fencing,
    }
    if journal_path is not None:
        entries = journal.read(journal_path)
        status["journal"] = [
            {
                "seq": e.seq,
                "time": e.time,
                "kind": e.kind,
                "node": e.data.get("node"),
                "summary": e.data.get("summary") or e.data.get("reason"),
            }
            for e in entries
            if e.kind in ("fenced", "fence-failed", "unclean")
        ]
        blocked = [e.data for e in entries if e.kind == "blocked"]
        status["blocked"] = blocked[-10:]
    return status


def render_text(status: dict) -> str:
    """The terse human view."""
    lines = ["Nodes:"]
    for node in status["nodes"]:
        detail = f" (boot {node['boot_id']}, pid {node['pid']})" if node["state"] == "online" else ""
        lines.append(f"  * {node['node']}: {node['state'].upper()}{detail}")
    lines.append("")
    lines.append("Resources:")
    if not status["resources"]:
        lines.append("  (none running)")
    for r in status["resources"]:
        flag = " FAILED" if r["failed"] else ""
        lines.append(f"  * {r['resource']:<16} ({r['agent']}): {r['role'].capitalize()} {r['node']}{flag}")
    if status["failed"]:
        lines += ["", "Failed Resource Actions:"]
        for r in status["failed"]:
            reason = f" '{r['last_reason']}'" if r["last_reason"] else ""
            action = f"{r['resource']} {r['last_action']} on {r['node']}"
            lines.append(f"  * {action} returned {r['last_exit_code']}{reason}")
    history = status.get("journal") or []
    if status["fencing"] or history:
        lines += ["", "Fencing History:"]
        for f in status["fencing"]:
            result = "successful" if f["ok"] else f"failed (rc={f['exit_code']})"
            lines.append(f"  * {f['action']} of {f['target']} by {f['device']} from {f['executor']}: {result}")
        for e in history:
            lines.append(f"  * journal #{e['seq']}: {e['kind']} {e['node']}: {e['summary'] or ''}".rstrip())
    return "\n".join(lines)
