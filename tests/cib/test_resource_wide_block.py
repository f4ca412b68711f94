"""``managed`` is a flag of the primitive: a block on one copy leaves every copy (unpack.c)."""

from __future__ import annotations

import shutil

import pytest

from placement.solve import solve
from tests.cib.cibxml import ONLINE, cib, crm_simulate, dummy, load, option


def _op(op_id: str, task: str, call: int, rc: int, expected: int, interval: int = 0) -> str:
    return (
        f'<lrm_rsc_op id="{op_id}" operation_key="r_{task}_{interval}" operation="{task}" call-id="{call}" '
        f'rc-code="{rc}" op-status="0" interval="{interval}" transition-key="{call}:1:{expected}:x" '
        f'transition-magic="0:{rc};{call}:1:{expected}:x"/>'
    )


def _history(ops: str) -> str:
    resource = f'<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">{ops}</lrm_resource>'
    return f"<lrm><lrm_resources>{resource}</lrm_resources></lrm>"


def _cib() -> str:
    """r's stop failed on alice (fencing off: on-fail=block); a probe found r running on bob."""
    alice = _op("r_start", "start", 2, 0, 0) + _op("r_stop", "stop", 4, 1, 0)
    bob = _op("r_probe", "monitor", 1, 0, 7)
    return cib(
        dummy("r"),
        options=option("stonith-enabled", "false"),
        status=(
            f'<node_state id="1" uname="alice" {ONLINE}>{_history(alice)}</node_state>'
            f'<node_state id="2" uname="bob" {ONLINE}>{_history(bob)}</node_state>'
        ),
    )


def test_every_copy_of_a_blocked_primitive_is_left_alone():
    config, state = load(_cib())
    assert sorted((i.node, i.managed) for i in state.instances) == [("alice", False), ("bob", False)]
    assert solve(config, state).nodes_of("r") == ("alice", "bob")


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_crm_simulate_agrees(tmp_path):
    out = crm_simulate(tmp_path, _cib())
    assert "FAILED (blocked) [ alice bob ]" in out
    assert (
        "Transition Summary:\n\nExecuting" in out
        or "* Stop" not in out.split("Transition Summary:")[1].split("Executing")[0]
    )
