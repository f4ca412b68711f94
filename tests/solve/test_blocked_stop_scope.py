"""A blocked stop holds only the primitive named as ``first``, not a group's or a clone's copies.

``c2``'s stop failed (fencing off: blocked where it is); ``order X then c2`` puts X's stop
after c2's. Pacemaker makes that stop unrunnable only between the two primitives
themselves (``pcmk__update_action_for_orderings`` checks the blocked resource of the
ordering's ``first``): with X a group or a clone, or ``c2`` inside a clone, the order
links pseudo actions and the copies' own stops still run. X's copy on bob scores -10
there, so it wants to move to alice. Checked against the rule and, when ``crm_simulate``
is installed, against Pacemaker's plan (its own simulation stalls on the blocked stop in
some of these shapes, so the scheduled actions are what is compared).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bench.random_cib.planned import planned_placement
from tests.cib.cibxml import ONLINE, cib, dummy, option, our_placement

DIGEST = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"'


def _history(rid: str, operation: str, rc: int) -> str:
    return (
        f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="{rid}_last_0" '
        f'operation_key="{rid}_{operation}_0" operation="{operation}" call-id="3" rc-code="{rc}" op-status="0" '
        f'interval="0" {DIGEST} transition-key="3:1:0:x" transition-magic="0:{rc};3:1:0:x"/></lrm_resource>'
    )


SHAPES = {
    # name: (resources, order's first, order's then, X held on bob)
    "primitive-then-primitive": (dummy("c1") + dummy("c2"), "c1", "c2", True),
    "group-then-primitive": ('<group id="g">' + dummy("c1") + "</group>" + dummy("c2"), "g", "c2", False),
    "clone-then-primitive": ('<clone id="cl">' + dummy("c1") + "</clone>" + dummy("c2"), "cl", "c2", False),
    "primitive-then-clone": (dummy("c1") + '<clone id="cl2">' + dummy("c2") + "</clone>", "c1", "cl2", False),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_blocked_stop_holds_only_a_primitive_named_first(tmp_path: Path, shape: str) -> None:
    resources, first, then, held = SHAPES[shape]
    constraints = (
        f'<rsc_location id="l" rsc="{first}" node="bob" score="-10"/><rsc_order id="o" first="{first}" then="{then}"/>'
    )
    status = (
        f'<node_state id="1" uname="alice" {ONLINE}><lrm><lrm_resources>{_history("c2", "stop", 1)}'
        f'</lrm_resources></lrm></node_state><node_state id="2" uname="bob" {ONLINE}><lrm><lrm_resources>'
        f"{_history('c1', 'start', 0)}</lrm_resources></lrm></node_state>"
    )
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            resources,
            constraints,
            nodes='<node id="1" uname="alice"/><node id="2" uname="bob"/>',
            status=status,
            options=option("stonith-enabled", "false"),
            root='have-quorum="1" crm_feature_set="3.16.1"',
        )
    )
    ours = our_placement(path)
    assert ("c2", "alice") in ours  # blocked where it is
    assert (("c1", "bob") in ours) == held
    assert (("c1", "alice") in ours) != held
    if shutil.which("crm_simulate"):
        done = subprocess.run(
            ["crm_simulate", "-x", str(path), "-S", "--output-as=xml"], capture_output=True, text=True
        )
        planned = {(entry["resource"], entry["node"]) for entry in planned_placement(done.stdout)}
        assert ours == planned
