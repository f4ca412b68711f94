"""Pacemaker's *planned* outcome when its own simulation of the transition stalls.

``crm_simulate -S`` sometimes schedules a graph it cannot finish simulating ("Transition
failed: terminated": an action waits on one that never runs). Its decision is still
there: the initial status (``<cluster_status>``) and the actions it scheduled
(``<actions>``, the Transition Summary as XML). Applying the runnable actions to the
initial placement gives the placement Pacemaker *planned*, which is what placement's own
answer is: a plan. The differential test judges such clusters on that plan and counts
them apart ("judged on the plan"), never silently as if the simulation had completed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

ACTIVE = {"Started", "Promoted", "Unpromoted"}
_INSTANCE = re.compile(r":\d+$")


def planned_placement(simulate_xml: str) -> list[dict]:
    """The harness's ``placement`` entries after the runnable actions of the ``crm_simulate
    -S --output-as=xml`` document apply to its initial status."""
    root = ET.fromstring(simulate_xml)
    status = root.find("cluster_status")
    if status is None or status.find("resources") is None:
        raise ValueError("crm_simulate printed no cluster status")
    promotable: set[str] = set()
    placed: list[list[str]] = []  # [resource, role, node]
    _walk(status.find("resources"), placed, promotable, in_promotable=False)
    kept: set[tuple[str, str]] = set()  # (resource, node) the summary starts or keeps it on
    for action in root.iterfind("actions/rsc_action"):
        if action.get("blocked") == "true":
            continue
        _apply(action, placed, promotable)
        verb = (action.get("action") or "").lower()
        target = action.get("dest") or action.get("node") or action.get("source")
        if verb != "stop" and target:
            kept.add((_INSTANCE.sub("", action.get("resource", "")), target))
    # The summary names one node for the stop of a copy active on several ("Stop g (n1)"),
    # while the graph stops it on each: a stop the simulation ran also belongs to the plan,
    # unless the summary (re)starts the resource on that node.
    for op in root.iterfind("transition/rsc_action"):
        rid, node = _INSTANCE.sub("", op.get("resource", "")), op.get("node", "")
        if op.get("op") == "stop" and (rid, node) not in kept:
            _remove(placed, rid, node)
    # A node the plan fences runs nothing afterwards, whatever it listed as blocked there.
    fenced = {
        action.get("node")
        for action in root.iterfind("actions/node_action")
        if (action.get("task") or "").startswith("Fence") and "(on)" not in (action.get("task") or "")
    }
    placed = [entry for entry in placed if entry[2] not in fenced]
    return [{"resource": r, "role": role, "node": node} for r, role, node in sorted(placed)]


def _walk(element: ET.Element, placed: list[list[str]], promotable: set[str], in_promotable: bool) -> None:
    for child in element:
        if child.tag == "resource":
            rid = _INSTANCE.sub("", child.get("id", ""))
            if in_promotable:
                promotable.add(rid)
            role = child.get("role") or "Started"
            if child.get("active") == "true" and role in ACTIVE:
                placed.extend([rid, role, node.get("name", "")] for node in child.findall("node"))
        elif child.tag in ("group", "clone", "bundle", "replica"):
            _walk(child, placed, promotable, in_promotable or child.get("multi_state") == "true")


def _apply(action: ET.Element, placed: list[list[str]], promotable: set[str]) -> None:
    verb = (action.get("action") or "").lower()
    rid = _INSTANCE.sub("", action.get("resource", ""))
    source = action.get("source") or (action.get("node") if verb == "stop" else None)
    target = action.get("dest") or (action.get("node") if verb != "stop" else None)
    default = "Unpromoted" if rid in promotable else "Started"
    role = action.get("next-role") or default
    if verb == "start" and target:
        placed.append([rid, role if role in ACTIVE else default, target])
    elif verb == "stop" and source:
        _remove(placed, rid, source)
    elif verb in ("move", "migrate", "recover") and source and target and source != target:
        old = _remove(placed, rid, source)
        placed.append([rid, action.get("next-role") or old or default, target])
    elif verb in ("recover", "restart") and source and action.get("next-role") in ACTIVE:
        # "Recover c:0 (Promoted -> Unpromoted node6)": in place, only the role changes
        for entry in placed:
            if entry[0] == rid and entry[2] == source:
                entry[1] = action.get("next-role")
                break
    elif verb in ("promote", "demote", "re-promote"):
        node = target or source
        for entry in placed:
            if entry[0] == rid and entry[2] == node:
                entry[1] = "Unpromoted" if verb == "demote" else "Promoted"
                break


def _remove(placed: list[list[str]], rid: str, node: str) -> str | None:
    for index, entry in enumerate(placed):
        if entry[0] == rid and entry[2] == node:
            del placed[index]
            return entry[1]
    return None
