"""A restart forced by an order is never planned on a node where nothing can run.

Without quorum (``no-quorum-policy=stop``) ``rsc1`` stops, so ``rsc2``, ordered after it,
would restart — but ``rsc2`` runs on a node that was lost and cannot be fenced without
quorum: nothing can act there, so the copy stays (Pacemaker: "Stop rsc2 ( node1 ) due to
no quorum (blocked)"). The plan used to stop it there and fail its own simulation
(differential cluster 1931 of seed 1). Checked against crm_simulate when installed.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bench.random_cib.planned import planned_placement
from tests.cib.cibxml import ONLINE, cib, dummy, our_placement, whatif

DIGEST = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"'


def _started(rid: str, call: int) -> str:
    return (
        f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="{rid}_last_0" '
        f'operation_key="{rid}_start_0" operation="start" call-id="{call}" rc-code="0" op-status="0" interval="0" '
        f'{DIGEST} transition-key="{call}:1:0:x" transition-magic="0:0;{call}:1:0:x"/></lrm_resource>'
    )


def test_a_copy_on_an_unfenceable_lost_node_is_not_restarted(tmp_path: Path) -> None:
    status = (
        '<node_state id="1" uname="alice" in_ccm="false" crmd="offline" join="down" expected="member">'
        f"<lrm><lrm_resources>{_started('rsc2', 2)}</lrm_resources></lrm></node_state>"
        f'<node_state id="2" uname="bob" {ONLINE}><lrm><lrm_resources>{_started("rsc1", 1)}'
        "</lrm_resources></lrm></node_state>"
    )
    text = cib(
        '<primitive id="fence1" class="stonith" type="fence_dummy"/>' + dummy("rsc1") + dummy("rsc2"),
        '<rsc_order id="o" first="rsc1" then="rsc2"/>',
        options='<nvpair id="o-nq" name="no-quorum-policy" value="stop"/>',
        status=status,
        root='have-quorum="0" crm_feature_set="3.16.1"',
    )
    answer = whatif(tmp_path, text)  # exits 0: the plan simulates
    assert not any(a.get("resource") == "rsc2" for a in answer.get("actions", []) if a.get("node") == "alice")
    path = tmp_path / "cib.xml"
    assert our_placement(path) == {("rsc2", "alice")}
    if shutil.which("crm_simulate"):
        # Pacemaker's own simulation stalls on the blocked stop: compare with its plan.
        done = subprocess.run(
            ["crm_simulate", "-x", str(path), "-S", "--output-as=xml"], capture_output=True, text=True
        )
        assert {(e["resource"], e["node"]) for e in planned_placement(done.stdout)} == {("rsc2", "alice")}
