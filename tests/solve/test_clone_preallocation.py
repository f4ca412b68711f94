"""A clone copy stays where it runs only if that node scores as well as the best free one.

compat(pacemaker): ``allocate_instance`` pre-assigns an active copy to its current node
and undoes it when another node is better ("Not pre-allocating … because … is better"),
so a copy whose node lost a +INFINITY preference moves, to the lower name among equals.
The greedy reference (the tie-break) must do the same; checked against the rule and, when
``crm_simulate`` is installed, against Pacemaker's own placement.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cib.cibxml import ONLINE, agreed_placement, cib, dummy, option

DIGEST = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"'


def _running(rid: str) -> str:
    return (
        f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="{rid}_last_0" '
        f'operation_key="{rid}_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" '
        f'{DIGEST} transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/></lrm_resource>'
    )


@pytest.mark.parametrize("preference", ["INFINITY", "100"])
def test_a_copy_leaves_a_node_that_no_longer_scores_best(tmp_path: Path, preference: str) -> None:
    clone = (
        '<clone id="cl"><meta_attributes id="cl-m"><nvpair id="cl-max" name="clone-max" value="1"/>'
        f"</meta_attributes>{dummy('c')}</clone>"
    )
    prefer = "".join(f'<rsc_location id="l-{n}" rsc="cl" node="{n}" score="{preference}"/>' for n in ("bob", "carol"))
    nodes = '<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>'
    status = (
        f'<node_state id="1" uname="alice" {ONLINE}>'
        f"<lrm><lrm_resources>{_running('c')}</lrm_resources></lrm></node_state>"
        f'<node_state id="2" uname="bob" {ONLINE}/><node_state id="3" uname="carol" {ONLINE}/>'
    )
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            clone,
            prefer,
            nodes=nodes,
            status=status,
            options=option("stonith-enabled", "false"),
            root='have-quorum="1" crm_feature_set="3.16.1"',
        )
    )
    assert agreed_placement(path) == {("c", "bob")}
