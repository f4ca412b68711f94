#!/usr/bin/env python3
"""Cross-check the CIB status import against Pacemaker's own reading (crm_mon).

For every case of ``../shared/pacemaker-scheduler/cases`` that imports, compare what
`placement.cib` makes of ``<status>`` — node status and the active instances with
role, node, failed and managed flags — with ``crm_mon -1 -r --output-as=xml`` run on
the same CIB (Debian's ``pacemaker-cli-utils``). Prints each difference and a total.
A development tool: it needs crm_mon, the product never calls it.

    python3 bench/conformance_status.py [--cases DIR] [--cache DIR] [NAME ...]
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from placement.cib import import_cib
from placement.errors import PlacementError
from placement.state import NodeStatus

ROOT = Path(__file__).resolve().parents[1]
PENDING_ROLES = {
    "Starting": "Started",
    "Stopping": "Started",
    "Migrating": "Started",
    "Promoting": "Promoted",
}
DEFAULT_CASES = ROOT.parent / "shared" / "pacemaker-scheduler" / "cases"


def crm_mon(case: Path, cache: Path | None) -> ET.Element:
    """crm_mon's XML view of the CIB ``case`` (cached in ``cache`` when given)."""
    cached = cache / case.name if cache else None
    if cached and cached.exists() and cached.stat().st_size > 0:
        return ET.parse(cached).getroot()
    env = {**os.environ, "CIB_file": str(case)}
    out = subprocess.run(
        ["crm_mon", "-1", "-r", "--output-as=xml"], env=env, capture_output=True, text=True, timeout=60
    ).stdout
    if cached:
        cached.write_text(out)
    return ET.fromstring(out)


def pacemaker_view(mon: ET.Element) -> tuple[dict[str, str], collections.Counter]:
    nodes = {}
    for node in mon.iter("node"):
        if node.get("online") is None:
            continue
        if node.get("unclean") == "true":
            status = "unclean"
        elif node.get("online") != "true":
            status = "offline"
        elif node.get("maintenance") == "true":
            status = "maintenance"
        elif node.get("standby") == "true":
            status = "standby"
        else:
            status = "online"
        nodes[node.get("name")] = status
    instances: collections.Counter = collections.Counter()
    for resource in mon.find("resources").iter("resource"):
        if resource.get("active") != "true" or resource.get("orphaned") == "true":
            continue
        rid = resource.get("id").split(":")[0]
        # crm_mon names a pending operation's role; the scheduler counts the resource active.
        role = PENDING_ROLES.get(resource.get("role"), resource.get("role"))
        for node in resource.findall("node"):
            flags = (resource.get("failed") == "true", resource.get("managed") == "true")
            instances[(rid, role, node.get("name"), *flags)] += 1
    return nodes, instances


def placement_view(case: Path) -> tuple[dict[str, str], collections.Counter]:
    state = import_cib(case, now=int(time.time())).state
    nodes = {name: state.node(name).status for name in state.nodes}
    nodes = {name: ("online" if s is NodeStatus.ONLINE else s.value) for name, s in nodes.items()}
    instances: collections.Counter = collections.Counter()
    for i in state.instances:
        instances[(i.resource, i.role.pacemaker, i.node, i.failed, i.managed)] += 1
    return nodes, instances


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("names", nargs="*")
    args = parser.parse_args()
    if not args.cases.is_dir():
        print(f"no cases at {args.cases}", file=sys.stderr)
        return 2
    paths = [args.cases / f"{n}.xml" for n in args.names] or sorted(args.cases.glob("*.xml"))
    agree = differ = skipped = 0
    for case in paths:
        try:
            ours = placement_view(case)
        except PlacementError:
            skipped += 1
            continue
        theirs = pacemaker_view(crm_mon(case, args.cache))
        problems = []
        for name in sorted(set(ours[0]) | set(theirs[0])):
            if ours[0].get(name) != theirs[0].get(name):
                problems.append(f"node {name}: ours {ours[0].get(name)}, pacemaker {theirs[0].get(name)}")
        for key in sorted((ours[1] - theirs[1]).elements()):
            problems.append(f"extra   {key}")
        for key in sorted((theirs[1] - ours[1]).elements()):
            problems.append(f"missing {key}")
        if problems:
            differ += 1
            print(f"{case.stem}:")
            print("\n".join(f"    {p}" for p in problems))
        else:
            agree += 1
    print(f"status: {agree} agree, {differ} differ, {skipped} not imported")
    return 0


if __name__ == "__main__":
    sys.exit(main())
