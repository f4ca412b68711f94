"""What the status page shows, as plain JSON-able data, from a live controller or from the agents.

Two sources give one shape, so one template draws both the live page (`LiveSnapshot.view`)
and `placement status --web` (`from_gathered`, the agents' answers of `runtime.status.gather`):

``nodes``       [{name, state, detail, resources: [{resource, role, failed}]}], state one of
                online, standby, offline, unclean, fenced
``transition``  None, or {actions: [{label, op, state, wave}], done, total, svg}
``fencing``     the latest fencing history, newest first: [{time, node, kind, summary}]
``leader``      {name, detail}: who controls the cluster
``group``       None, or for a controller group {this, role, leader, token, members: [{name, role, page, this}]}
``failed``      failed resource actions [{resource, node, operation, exit_code, reason}]
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from placement.model import Config
from placement.render.svg import to_svg
from placement.runtime.belief import Belief, Membership
from placement.runtime.journal import Entry
from placement.state import FailedOperation, State
from placement.transition.schedule import waves

FENCING_KINDS = ("unclean", "fenced", "fence-failed")
HISTORY_LENGTH = 30

# What each action state is called on the page, from the journal entry that settles it.
SETTLED_BY = {"dispatch": "running", "implied": "done", "blocked": "blocked", "abandoned": "abandoned"}


def node_state(membership: Membership, standby: bool) -> str:
    """The page's word for a node: the controller's membership, with standby for an online node set so."""
    if membership is Membership.ONLINE:
        return "standby" if standby else "online"
    return {Membership.UNKNOWN: "offline", Membership.UNCLEAN: "unclean", Membership.FENCED: "fenced"}[membership]


class Progress:
    """How far the controller is with the transition it executes, read off its journal entries."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}  # action label → pending, running, done, failed, blocked, abandoned

    def hear(self, entry: Entry) -> None:
        label = entry.data.get("action")
        if entry.kind == "plan":
            self.states = dict.fromkeys(entry.data.get("actions", []), "pending")
        elif entry.kind == "result" and label:
            self.states[label] = "done" if entry.data.get("ok") else "failed"
        elif entry.kind in SETTLED_BY and label:
            self.states[label] = SETTLED_BY[entry.kind]


def progress_of(states: Mapping[str, str], graph: nx.DiGraph | None) -> dict[str, Any] | None:
    """The transition as the page lists it: each action with its wave and state, and how many are done."""
    if graph is None or graph.number_of_nodes() == 0:
        return None
    actions = [
        {"label": action.label, "op": action.op.value, "wave": index, "state": states.get(action.label, "pending")}
        for index, wave in enumerate(waves(graph))
        for action in wave
    ]
    done = sum(1 for a in actions if a["state"] == "done")
    return {"actions": actions, "done": done, "total": len(actions)}


def plan_progress(plan: Iterable[str], states: Mapping[str, str]) -> dict[str, Any] | None:
    """The transition from the journal alone (a standby's page): the plan's actions in order, no waves.

    >>> plan_progress(["fence charlie", "start zulu@bob"], {"fence charlie": "done"})["done"]
    1
    """
    labels = list(plan)
    if not labels:
        return None
    actions = [{"label": label, "op": label.split(" ", 1)[0], "wave": None, "state": states.get(label, "pending")}
               for label in labels]
    done = sum(1 for a in actions if a["state"] == "done")
    return {"actions": actions, "done": done, "total": len(actions), "svg": None}  # no graph, no picture


def fencing_history(entries: Iterable[Entry]) -> list[dict[str, Any]]:
    """The journal's fencing story (unclean, fenced, fence-failed), newest first."""
    found = [
        {"time": e.time, "node": e.data.get("node"), "kind": e.kind,
         "summary": e.data.get("summary") or e.data.get("reason") or ""}
        for e in entries if e.kind in FENCING_KINDS
    ]
    return found[::-1][:HISTORY_LENGTH]


def single_controller() -> dict[str, str]:
    return {"name": f"{socket.gethostname()} (pid {os.getpid()})", "detail": "single controller, no election"}


def leader_of(named: object, entries: Iterable[Entry]) -> dict[str, str]:
    """The leader the controller names (its ``leader`` attribute, with controller HA) or its journal
    does (the latest entry whose kind mentions "leader"); else this single controller."""
    if named is None:
        told = [e for e in entries if "leader" in e.kind]
        named = told[-1].data if told else None
    if isinstance(named, Mapping):
        name = named.get("leader") or named.get("name") or named.get("node") or "?"
        detail = ", ".join(f"{k}={v}" for k, v in sorted(named.items()) if k not in ("leader", "name", "node"))
        return {"name": str(name), "detail": detail}
    if named:
        return {"name": str(named), "detail": ""}
    return single_controller()


def from_belief(config: Config, belief: Belief, agents: Iterable[str]) -> dict[str, Any]:
    """Nodes with their resources and failed actions, from the controller's belief."""
    names = sorted(set(config.nodes) | set(belief.nodes) | set(agents))
    per_node: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for (resource, node, instance), copy in sorted(belief.instances.items(), key=lambda kv: _key(kv[0])):
        label = f"{resource}:{instance}" if instance is not None else resource
        per_node.setdefault(node, []).append({"resource": label, "role": copy.role.value, "failed": copy.failed})
    nodes = []
    for name in names:
        view = belief.nodes.get(name)
        membership = view.membership if view else Membership.UNKNOWN
        standby = bool(config.nodes[name].standby) if name in config.nodes else False
        nodes.append({"name": name, "state": node_state(membership, standby),
                      "detail": view.reason if view else "", "resources": per_node.get(name, [])})
    failed = [
        {"resource": f.resource, "node": f.node, "operation": f.operation, "exit_code": f.rc,
         "reason": f.reason}
        for f in belief.failed_operations[-10:]
    ]
    return {"nodes": nodes, "failed": failed[::-1]}


def _key(key: tuple[str, str, str | None]) -> tuple[str, str, str]:
    return key[0], key[1], key[2] or ""


@dataclass(frozen=True)
class LiveSnapshot:
    """What the controller's thread hands over after a journal entry: references and small copies only.

    The belief comes as the JSON the controller journals after every change (already built,
    never changed afterwards), the configuration and the graph as the immutable objects the
    controller holds; the view itself is built on the web server's side, when a browser asks.
    """

    config: Config
    belief: Mapping[str, Any]  # `Belief.to_json()`, from the latest ``belief`` journal entry
    agents: tuple[str, ...]
    graph: nx.DiGraph | None
    progress: Mapping[str, str]  # action label → state, for the graph's plan
    history: tuple[Entry, ...]
    failed: tuple[FailedOperation, ...]  # the latest ones (the belief's JSON leaves them out)
    leader: object = None
    plan: tuple[str, ...] = ()  # without a graph (read from the journal): the plan being executed, if any
    made: float = field(default_factory=time.time)

    def view(self, drawings: dict | None = None) -> dict[str, Any]:
        """The page's data; ``drawings`` keeps the SVG of the latest graph (one drawing per plan)."""
        belief = Belief.from_json(dict(self.belief))
        belief.failed_operations = list(self.failed)
        view = from_belief(self.config, belief, self.agents)
        if self.graph is not None:
            transition = progress_of(self.progress, self.graph)
        else:
            transition = plan_progress(self.plan, self.progress)
        if transition is not None and self.graph is not None:
            drawings = {} if drawings is None else drawings
            if drawings.get("graph") is not self.graph:
                drawings.update(graph=self.graph, svg=to_svg(self.graph))
            transition["svg"] = drawings["svg"]
        view.update({
            "group": None,
            "source": "controller",
            "generated": self.made,
            "transition": transition,
            "fencing": fencing_history(self.history),
            "leader": leader_of(self.leader, self.history),
        })
        return view

    def inputs(self) -> tuple[Config, State]:
        """The configuration and the state the controller plans from, for a what-if."""
        belief = Belief.from_json(dict(self.belief))
        belief.failed_operations = list(self.failed)
        return self.config, belief.to_state(self.config, int(time.time()))


def from_gathered(status: Mapping[str, Any]) -> dict[str, Any]:
    """The same shape from `placement.runtime.status.gather` (the agents, plus the journal if given)."""
    history = list(status.get("journal") or [])
    last_word = {}
    for entry in history:  # oldest first: the last word about a node wins
        last_word[entry["node"]] = entry["kind"]
    nodes = []
    for node in status["nodes"]:
        name, answered = node["node"], node["state"]
        if answered == "online":
            state, detail = "online", f"agent boot {node['boot_id']}, pid {node['pid']}"
        else:
            told = last_word.get(name)
            state = {"fenced": "fenced", "unclean": "unclean"}.get(told or "", "offline")
            detail = f"agent {answered}: {node.get('detail', '')}".strip()
        resources = [
            {"resource": r["resource"], "role": r["role"], "failed": r["failed"]}
            for r in status["resources"] if r["node"] == name
        ]
        nodes.append({"name": name, "state": state, "detail": detail, "resources": resources})
    fencing = [
        {"time": e["time"], "node": e["node"], "kind": e["kind"], "summary": e["summary"] or ""}
        for e in history
    ][::-1][:HISTORY_LENGTH]
    for record in status.get("fencing", []):
        outcome = "fenced" if record["ok"] else "fence-failed"
        summary = f"{record['action']} by {record['device']} from {record['executor']}"
        fencing.append({"time": record.get("time"), "node": record["target"], "kind": outcome, "summary": summary})
    failed = [
        {"resource": r["resource"], "node": r["node"], "operation": r.get("last_action", ""),
         "exit_code": r.get("last_exit_code"), "reason": r.get("last_reason", "")}
        for r in status.get("failed", [])
    ]
    return {
        "group": None,
        "source": "snapshot",
        "generated": time.time(),
        "nodes": nodes,
        "failed": failed,
        "transition": None,
        "fencing": fencing,
        "leader": {"name": "not asked", "detail": "a snapshot from the node agents; the controller's page has it"},
    }
