"""Role colocations move a promotable copy's promotion priority (`placement.solve.promotion_priority`).

compat(pacemaker): ``set_instance_priority`` adds the score of each colocation naming a role
of the clone, negated for the Unpromoted role, when the primary runs where the copy does;
a copy is promoted only at priority 0 or more. Each case is a small CIB judged against
crm_simulate (roles included) when it is installed, and against the rule always. Found by
shrinking disagreements of `bench/differential.py` (seed 7: clusters 427, 1807, 1919).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.cib import import_cib
from placement.model import Role
from placement.planning import plan
from tests.cib.cibxml import ONLINE, cib, dummy, meta, option

NODES = ("node1", "node2", "node3")
STATEFUL = 'class="ocf" provider="pacemaker" type="Stateful"'


def _roles(path: Path, compare: bool = True) -> set[tuple[str, str, str]]:
    """(resource, role, node) once placement's plan is applied, asserted equal to
    crm_simulate's when it is installed and ``compare``."""
    imported = import_cib(path)
    ours = {
        (i.resource, i.role.pacemaker, i.node) for i in plan(imported.planning_config, imported.state).apply().instances
    }
    if compare and shutil.which("crm_simulate"):
        done = subprocess.run(["crm_simulate", "-x", str(path), "-S", "--output-as=xml"], capture_output=True,
                              text=True, timeout=60)
        status = ET.fromstring(done.stdout).find("revised_cluster_status")
        assert status is not None, done.stderr
        theirs = {
            (re.sub(r":\d+$", "", resource.get("id", "")), resource.get("role", ""), node.get("name", ""))
            for resource in status.iter("resource")
            if resource.get("role") not in (None, "Stopped")
            for node in resource.iter("node")
        }
        assert ours == theirs, "placement disagrees with crm_simulate"
    return ours


@settings(max_examples=30, deadline=None)
@given(
    node_count=st.integers(1, 3),
    role=st.sampled_from(["Promoted", "Unpromoted"]),
    score=st.sampled_from([-100, -10, 10, 100]),
    promotion=st.one_of(st.none(), st.sampled_from([5, 50])),
    ip_on=st.integers(0, 2),
    one_copy=st.booleans(),
)
def test_a_role_colocation_moves_the_promotion_priority(
    node_count: int, role: str, score: int, promotion: int | None, ip_on: int, one_copy: bool
) -> None:
    """``db`` (promotable, ``promoted-max`` 1, one copy or one per node) colocated in a role with ``ip``, pinned to one
    node; ``master-db`` set everywhere or nowhere. ``db`` is promoted where Pacemaker
    promotes it, and only where its priority — promotion score (−1 if none), plus the score
    where ``ip`` runs (negated for the Unpromoted role) — is at least 0.

    A positive score reaches the priority only when the clone has fewer copies than nodes
    (``append_parent_colocation``), and Pacemaker places the clone before it looks at it,
    where placement chooses placement and promotion together and its objective rewards the
    colocation: there only the rule is checked (the differential judge calls such answers
    "better" when they score more)."""
    names = NODES[:node_count]
    where = names[ip_on % node_count]
    limits = {"promotable": "true", "promoted_max": "1", **({"clone_max": "1"} if one_copy else {})}
    clone = f'<clone id="db-clone">{meta("db-clone", **limits)}{dummy("db", cls=STATEFUL)}</clone>'
    constraints = (
        f'<rsc_location id="ip-here" rsc="ip" node="{where}" score="INFINITY"/>'
        f'<rsc_colocation id="db-ip" rsc="db-clone" with-rsc="ip" score="{score}" rsc-role="{role}"/>'
    )
    attributes = (
        ""
        if promotion is None
        else '<transient_attributes id="{i}"><instance_attributes id="status-{i}">'
        f'<nvpair id="s{{i}}-m" name="master-db" value="{promotion}"/></instance_attributes></transient_attributes>'
    )
    status = "".join(
        f'<node_state id="{i + 1}" uname="{name}" {ONLINE}>{attributes.format(i=i + 1)}</node_state>'
        for i, name in enumerate(names)
    )
    nodes = "".join(f'<node id="{i + 1}" uname="{n}"/>' for i, n in enumerate(names))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "cib.xml"
        options = option("stonith-enabled", "false")
        path.write_text(cib(clone + dummy("ip"), constraints, nodes=nodes, status=status, options=options))
        placed = _roles(path, compare=score < 0)
    promoted = {node for rid, r, node in placed if rid == "db" and r == Role.PROMOTED.pacemaker}
    base = -1 if promotion is None else promotion
    pull = score if role == "Promoted" else -score
    for node in promoted:
        assert base + (pull if node == where else 0) >= 0
