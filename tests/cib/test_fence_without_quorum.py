"""Without quorum, a node still in our membership can be fenced (pe_can_fence, §10)."""

from __future__ import annotations

import shutil

import pytest

from placement.solve.availability import can_fence
from placement.state import NodeStatus
from placement.state_json import dumps_state, loads_state
from tests.cib.cibxml import ONLINE, cib, crm_simulate, dummy, load, option, whatif

FAILED_STOP = (
    '<lrm><lrm_resources><lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
    '<lrm_rsc_op id="r_last_0" operation_key="r_stop_0" operation="stop" call-id="2" rc-code="1" '
    'op-status="0" interval="0" transition-key="2:1:0:x" transition-magic="0:1;2:1:0:x"/>'
    "</lrm_resource></lrm_resources></lrm>"
)
NODES = '<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>'


def _cib(bob: str = ONLINE) -> str:
    """No quorum; r's stop failed on bob (on-fail=fence by default); carol left cleanly."""
    return cib(
        '<primitive id="fence" class="stonith" type="fence_dummy"/>' + dummy("r"),
        nodes=NODES,
        options=option("stonith-enabled", "true"),
        status=(
            f'<node_state id="1" uname="alice" {ONLINE}/>'
            f'<node_state id="2" uname="bob" {bob}>{FAILED_STOP}</node_state>'
            '<node_state id="3" uname="carol" in_ccm="false" crmd="offline" join="down" expected="down"/>'
        ),
        root='have-quorum="0"',
    )


def test_an_unclean_member_can_be_fenced_without_quorum():
    config, state = load(_cib())
    assert state.node("bob").status is NodeStatus.UNCLEAN and state.node("bob").in_membership
    assert can_fence(config, state, "bob")


def test_an_unclean_node_that_left_cannot():
    config, state = load(_cib('in_ccm="false" crmd="offline" join="down" expected="member"'))
    assert state.node("bob").status is NodeStatus.UNCLEAN and not state.node("bob").in_membership
    assert not can_fence(config, state, "bob")


def test_membership_survives_the_state_json_round_trip():
    _, state = load(_cib())
    assert loads_state(dumps_state(state)).node("bob").in_membership


def test_the_failed_stop_escalates_to_fencing(tmp_path):
    out = whatif(tmp_path, _cib())
    assert out["fenced"] == ["bob"]
    assert out["placement"] == []


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_crm_simulate_agrees(tmp_path):
    summary = crm_simulate(tmp_path, _cib())
    assert "Fence (reboot) bob" in summary
    assert whatif(tmp_path, _cib())["fenced"] == ["bob"]
