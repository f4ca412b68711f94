"""A ``migrate_to`` still pending places the resource nowhere new (unpack_rsc_op, §11)."""

from __future__ import annotations

import shutil

import pytest

from tests.cib.cibxml import ONLINE, cib, crm_simulate, load, option, whatif

OPS = (
    '<lrm_rsc_op id="r_last_0" operation_key="r_start_0" operation="start" call-id="2" rc-code="0" '
    'op-status="0" interval="0" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x"/>'
    '<lrm_rsc_op id="r_migrate_to_0" operation_key="r_migrate_to_0" operation="migrate_to" call-id="-1" '
    'rc-code="193" op-status="-1" interval="0" migrate_source="alice" migrate_target="bob" '
    'transition-key="3:2:0:x" transition-magic="-1:193;3:2:0:x"/>'
)


def _cib() -> str:
    """r runs on alice, its migrate_to bob is pending; bob and carol both score 10."""
    resource = (
        '<primitive id="r" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="rm">'
        '<nvpair id="rm1" name="allow-migrate" value="true"/></meta_attributes></primitive>'
    )
    history = f'<lrm><lrm_resources><lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">{OPS}'
    history += "</lrm_resource></lrm_resources></lrm>"
    return cib(
        resource,
        '<rsc_location id="l1" rsc="r" node="bob" score="10"/><rsc_location id="l2" rsc="r" node="carol" score="10"/>',
        nodes='<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>',
        options=option("stonith-enabled", "false"),
        status=(
            f'<node_state id="1" uname="alice" {ONLINE}>{history}</node_state>'
            f'<node_state id="2" uname="bob" {ONLINE}/><node_state id="3" uname="carol" {ONLINE}/>'
        ),
    )


def test_the_resource_is_only_where_its_finished_history_puts_it():
    _, state = load(_cib())
    assert [(i.resource, i.node) for i in state.instances] == [("r", "alice")]


def test_it_migrates_as_planned(tmp_path):
    out = whatif(tmp_path, _cib())
    assert [(p["resource"], p["node"]) for p in out["placement"]] == [("r", "bob")]
    assert [(a["op"], a["from"], a["to"]) for a in out["actions"]] == [("migrate", "alice", "bob")]


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_crm_simulate_agrees(tmp_path):
    summary = crm_simulate(tmp_path, _cib())
    assert "Migrate    r       ( alice -> bob )" in summary
