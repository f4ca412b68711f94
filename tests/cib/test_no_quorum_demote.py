"""``no-quorum-policy=demote``: running promotable copies stay, unpromoted; the rest stops (§2)."""

from __future__ import annotations

import shutil

import pytest

from placement.state import Role
from tests.cib.cibxml import ONLINE, cib, crm_simulate, dummy, load, option, whatif

CLONE = (
    '<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/>'
    '</meta_attributes><primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/></clone>'
)


def _op(rid: str, task: str, call: int) -> str:
    return (
        f'<lrm_rsc_op id="{rid}_{task}" operation_key="{rid}_{task}_0" operation="{task}" call-id="{call}" '
        f'rc-code="0" op-status="0" interval="0" transition-key="{call}:1:0:x" transition-magic="0:0;{call}:1:0:x"/>'
    )


def _node(node_id: str, name: str, promoted: bool) -> str:
    ops = _op("st", "start", 2) + (_op("st", "promote", 3) if promoted else "")
    resources = f'<lrm_resource id="st" class="ocf" provider="pacemaker" type="Stateful">{ops}</lrm_resource>'
    if promoted:
        resources += (
            f'<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">{_op("r", "start", 4)}</lrm_resource>'
        )
    score = f'<nvpair id="{name}-ms" name="master-st" value="5"/>'
    return (
        f'<node_state id="{node_id}" uname="{name}" {ONLINE}><transient_attributes id="{node_id}">'
        f'<instance_attributes id="{name}-ta">{score}</instance_attributes></transient_attributes>'
        f"<lrm><lrm_resources>{resources}</lrm_resources></lrm></node_state>"
    )


def _cib() -> str:
    """No quorum; alice runs st promoted and r, bob runs st unpromoted."""
    return cib(
        CLONE + dummy("r"),
        options=option("stonith-enabled", "false") + option("no-quorum-policy", "demote"),
        status=_node("1", "alice", True) + _node("2", "bob", False),
        root='have-quorum="0"',
    )


def test_promotable_copies_stay_unpromoted_and_the_rest_stops(tmp_path):
    config, state = load(_cib())
    assert config.cluster.no_quorum.value == "demote"
    out = whatif(tmp_path, _cib())
    assert sorted((p["resource"].split(":")[0], p["role"], p["node"]) for p in out["placement"]) == [
        ("st", "Unpromoted", "alice"),
        ("st", "Unpromoted", "bob"),
    ]
    assert Role.PROMOTED in {i.role for i in state.instances}


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_crm_simulate_agrees(tmp_path):
    summary = crm_simulate(tmp_path, _cib())
    assert "Promoted -> Unpromoted alice" in summary
    assert "Stop       r" in summary
