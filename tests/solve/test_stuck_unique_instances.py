"""A globally-unique clone instance whose stop failed, as Pacemaker 2.1.5 treats it.

Without fencing, a failed stop leaves the instance ``FAILED (blocked)`` where it runs.
Three rules decide what happens around it:

* the ban that failure brings (``__stop_fail__``) falls on that one instance, ``c:0``: the
  other instances are resources of their own and may still start on that node;
* the stuck instance is assigned after all the others (``pcmk__cmp_instance``: "active on
  a disallowed node") and never to the node where it is stuck. So it takes no
  ``clone-node-max`` slot there: crm_simulate starts ``c:1`` beside it;
* in a cloned group, a later member held by the chain of stops takes no slot either. The
  group instance's slot is where its first member goes.

Each test is a family of small CIBs, judged against crm_simulate when it is installed
(`agreed_placement`) and against the rule itself always. Found by shrinking disagreements
of `bench/differential.py` (seed 7: clusters 382, 1549, 1776).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.cib import import_cib
from placement.planning import plan
from tests.cib.cibxml import ONLINE, cib, dummy, meta, option

NODES = ("node1", "node2", "node3")
_KEY = "1:1:0:00000000-0000-0000-0000-000000000000"


def _op(rid: str, operation: str, rc: int, call: int, suffix: str = "last_0") -> str:
    return (
        f'<lrm_rsc_op id="{rid}_{suffix}" operation_key="{rid}_{operation}_0" operation="{operation}" '
        f'crm-debug-origin="test" crm_feature_set="3.16.1" transition-key="{_KEY}" '
        f'transition-magic="0:{rc};{_KEY}" call-id="{call}" rc-code="{rc}" op-status="0" interval="0" '
        f'last-rc-change="1700000600" exec-time="0" queue-time="0" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>'
    )


def _history(rid: str, failed_stop: bool) -> str:
    ops = _op(rid, "stop", 1, 2) + _op(rid, "stop", 1, 2, "last_failure_0") if failed_stop else _op(rid, "start", 0, 1)
    return f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">{ops}</lrm_resource>'


def _status(names: tuple[str, ...], where: str, copies: list[tuple[str, bool]]) -> str:
    """Every node online; on ``where`` the given (history id, stop failed) copies."""
    states = []
    for index, name in enumerate(names):
        attributes = ""
        entries = ""
        if name == where:
            failed = [rid for rid, stop_failed in copies if stop_failed]
            pairs = "".join(
                f'<nvpair id="s-{rid}-fc" name="fail-count-{rid}#stop_0" value="INFINITY"/>'
                f'<nvpair id="s-{rid}-lf" name="last-failure-{rid}#stop_0" value="1700000600"/>'
                for rid in failed
            )
            attributes = (
                f'<transient_attributes id="{index + 1}"><instance_attributes id="status-{index + 1}">{pairs}'
                "</instance_attributes></transient_attributes>"
            )
            entries = "".join(_history(rid, stop_failed) for rid, stop_failed in copies)
        states.append(
            f'<node_state id="{index + 1}" uname="{name}" {ONLINE}>{attributes}<lrm id="{index + 1}">'
            f"<lrm_resources>{entries}</lrm_resources></lrm></node_state>"
        )
    return "".join(states)


def _agreed_copies(path: Path, limited: str | None = None, held_on: str | None = None) -> Counter[tuple[str, str]]:
    """How many copies of each primitive run on each node once placement's plan is applied,
    asserted equal to crm_simulate's when it is installed (instance numbers left out: the
    two may number a new instance differently).

    ``limited``: a primitive of which placement never runs two copies on a node (the clone's
    ``clone-node-max`` of 1) but ``held_on``, where one held copy may have a new one beside
    it. Where Pacemaker does otherwise, the answers are not compared: that is Pacemaker
    breaking the limit (docs/conformance.md).
    """

    def within(placed: Counter[tuple[str, str]]) -> bool:
        return all(count <= 1 + (node == held_on) for (rid, node), count in placed.items() if rid == limited)

    imported = import_cib(path)
    ours = Counter((i.resource, i.node) for i in plan(imported.planning_config, imported.state).apply().instances)
    if limited is not None:
        assert within(ours)
    if shutil.which("crm_simulate"):
        done = subprocess.run(["crm_simulate", "-x", str(path), "-S", "--output-as=xml"], capture_output=True,
                              text=True, timeout=60)
        status = ET.fromstring(done.stdout).find("revised_cluster_status")
        assert status is not None, done.stderr
        theirs = Counter(
            (re.sub(r":\d+$", "", resource.get("id", "")), node.get("name", ""))
            for resource in status.iter("resource")
            if resource.get("role") not in (None, "Stopped")
            for node in resource.iter("node")
        )
        if limited is None or within(theirs):
            assert ours == theirs, "placement disagrees with crm_simulate"
    return ours


def _write(directory: Path, resources: str, constraints: str, status: str, names: tuple[str, ...]) -> Path:
    path = directory / "cib.xml"
    nodes = "".join(f'<node id="{i + 1}" uname="{n}"/>' for i, n in enumerate(names))
    path.write_text(cib(resources, constraints, nodes=nodes, status=status, options=option("stonith-enabled", "false")))
    return path


@settings(max_examples=20, deadline=None)
@given(
    node_count=st.integers(2, 3),
    copies=st.integers(1, 3),
    stuck_on=st.integers(0, 2),
    preferred=st.one_of(st.none(), st.integers(0, 2)),
)
def test_other_instances_may_start_beside_a_stuck_one(
    node_count: int, copies: int, stuck_on: int, preferred: int | None
) -> None:
    """``c:0``'s stop failed on one node. ``c:0`` stays there, and any other instance may
    take that node, whatever the node's ``clone-node-max`` of 1."""
    names = NODES[:node_count]
    where = names[stuck_on % node_count]
    clone = (
        f'<clone id="c-clone">{meta("c-clone", globally_unique="true", clone_max=str(copies + 1))}'
        f"{dummy('c')}</clone>"
    )
    constraints = ""
    if preferred is not None:
        target = names[preferred % node_count]
        constraints = f'<rsc_location id="prefer" rsc="c-clone" node="{target}" score="200"/>'
    with tempfile.TemporaryDirectory() as directory:
        path = _write(Path(directory), clone, constraints, _status(names, where, [("c:0", True)]), names)
        placed = _agreed_copies(path)
    assert placed[("c", where)] >= 1  # the stuck one stays
    # Every other instance runs: the clone has a node for each, the stuck one's included ...
    assert sum(placed.values()) == min(copies, node_count) + 1
    # ... and a node holds two copies only where one of them is the stuck instance.
    assert all(placed[("c", node)] <= 1 for node in names if node != where)


@settings(max_examples=20, deadline=None)
@given(node_count=st.integers(2, 3), stuck_on=st.integers(0, 2), stuck_member=st.integers(1, 2),
       head_running=st.booleans())
def test_a_held_group_instance_leaves_its_node_to_another_instance(
    node_count: int, stuck_on: int, stuck_member: int, head_running: bool
) -> None:
    """A unique cloned group ``g`` (members ``a``, ``b``, ``z``): the stop of one later
    member of ``g:0`` failed, so the running members before it are held beside it (their
    stops come after its stop), and a member after it cannot start (its start follows the
    stuck one's). The instance is never assigned to that node, nor is its slot taken: the
    other instance may use the node."""
    names = NODES[:node_count]
    where = names[stuck_on % node_count]
    members = ("a", "b", "z")
    group = f'<group id="g">{"".join(dummy(m) for m in members)}</group>'
    clone = f'<clone id="g-clone">{meta("g-clone", globally_unique="true", clone_max="2")}{group}</clone>'
    stuck = members[stuck_member]
    copies = [(f"{m}:0", False) for m in members[1:stuck_member]] + [(f"{stuck}:0", True)]
    if head_running:
        copies.insert(0, ("a:0", False))
    with tempfile.TemporaryDirectory() as directory:
        path = _write(Path(directory), clone, "", _status(names, where, copies), names)
        # (When the first member never ran, Pacemaker starts ``a:0`` where the undone
        # pre-assignment put it and may put ``a:1`` beside it: two first members on a node.)
        placed = _agreed_copies(path, limited="a", held_on=where if head_running else None)
    for rid, _ in copies:  # held where they run
        assert placed[(rid.split(":")[0], where)] >= 1
    # the other instance runs whole, somewhere
    assert all(sum(placed[(m, n)] for n in names) >= 1 for m in members)
