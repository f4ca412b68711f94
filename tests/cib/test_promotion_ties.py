"""Equal promotion scores: Pacemaker's instance order decides (cmp_promotable_instance, §8)."""

from __future__ import annotations

import shutil

import pytest

from placement.solve import solve
from placement.state import Role
from tests.cib.cibxml import ONLINE, cib, crm_simulate, load, option

CLONE = (
    '<clone id="ms"><meta_attributes id="ms-m"><nvpair id="ms-p" name="promotable" value="true"/>'
    '</meta_attributes><primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/></clone>'
)


def _node(node_id: str, name: str, failed: bool = False) -> str:
    """``name`` runs a copy unpromoted with promotion score 5; its monitor failed if asked."""
    ops = (
        '<lrm_rsc_op id="st_last_0" operation_key="st_start_0" operation="start" call-id="2" rc-code="0" '
        'op-status="0" interval="0" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x"/>'
    )
    if failed:
        ops += (
            '<lrm_rsc_op id="st_last_failure_0" operation_key="st_monitor_10000" operation="monitor" '
            'call-id="3" rc-code="1" op-status="0" interval="10000" transition-key="3:1:0:x" '
            'transition-magic="0:1;3:1:0:x"/>'
        )
    score = f'<nvpair id="{name}-ms" name="master-st" value="5"/>'
    return (
        f'<node_state id="{node_id}" uname="{name}" {ONLINE}><transient_attributes id="{node_id}">'
        f'<instance_attributes id="{name}-ta">{score}</instance_attributes></transient_attributes>'
        '<lrm><lrm_resources><lrm_resource id="st" class="ocf" provider="pacemaker" type="Stateful">'
        f"{ops}</lrm_resource></lrm_resources></lrm></node_state>"
    )


def _failed_first() -> str:
    """alice (listed first, instance 0) has a failed monitor; bob is healthy."""
    return cib(CLONE, options=option("stonith-enabled", "false"), status=_node("1", "alice", True) + _node("2", "bob"))


def _pulled() -> str:
    """Both healthy; x goes with the clone (any role) and prefers bob."""
    x = '<primitive id="x" class="ocf" provider="pacemaker" type="Dummy"/>'
    constraints = (
        '<rsc_colocation id="c" rsc="x" with-rsc="ms" score="INFINITY"/>'
        '<rsc_location id="l" rsc="x" node="bob" score="10"/>'
    )
    return cib(
        CLONE + x,
        constraints,
        options=option("stonith-enabled", "false"),
        status=_node("1", "alice") + _node("2", "bob"),
    )


def _promoted(text: str) -> list[str]:
    config, state = load(text)
    return [a.node for a in solve(config, state).assignments if a.role is Role.PROMOTED]


def test_a_healthy_copy_is_promoted_before_a_failed_one():
    assert _promoted(_failed_first()) == ["bob"]


def test_the_copy_its_dependents_pull_towards_is_promoted():
    """cmp_instance_by_colocation: x's +10 on bob reaches the copy there at full weight."""
    assert _promoted(_pulled()) == ["bob"]


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
@pytest.mark.parametrize("text", [_failed_first(), _pulled()])
def test_crm_simulate_agrees(tmp_path, text):
    summary = crm_simulate(tmp_path, text)
    assert "Unpromoted -> Promoted bob" in summary
