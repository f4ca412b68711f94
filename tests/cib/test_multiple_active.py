"""A primitive found active on several nodes (``multiple-active``, native.c ``native_add_running``)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from placement.solve import solve
from tests.cib.cibxml import ONLINE, cib, dummy, load, option

NODES = '<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>'


def _started(rid: str) -> str:
    return (
        f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
        f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0" operation="start" call-id="1" '
        'rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/>'
        "</lrm_resource>"
    )


def _status(running: dict[str, list[str]]) -> str:
    states = []
    for number, name in enumerate(("alice", "bob", "carol"), start=1):
        history = "".join(_started(r) for r in running.get(name, ()))
        lrm = f"<lrm><lrm_resources>{history}</lrm_resources></lrm>"
        states.append(f'<node_state id="{number}" uname="{name}" {ONLINE}>{lrm}</node_state>')
    return "".join(states)


def _policy(owner: str, value: str) -> str:
    pair = f'<nvpair id="{owner}-ma" name="multiple-active" value="{value}"/>'
    return f'<meta_attributes id="{owner}-m">{pair}</meta_attributes>'


def _primitive_block() -> str:
    """r (multiple-active=block) runs on alice and bob; s runs on bob."""
    return cib(
        dummy("r", _policy("r", "block")) + dummy("s"),
        nodes=NODES,
        options=option("stonith-enabled", "false"),
        status=_status({"alice": ["r"], "bob": ["r", "s"]}),
    )


def _group_block() -> str:
    """Group g says block; its second member runs on alice and bob."""
    return cib(
        f'<group id="g">{_policy("g", "block")}{dummy("g1")}{dummy("g2")}</group>',
        nodes=NODES,
        options=option("stonith-enabled", "false"),
        status=_status({"alice": ["g1", "g2"], "bob": ["g2"]}),
    )


def test_block_leaves_every_copy_unmanaged_where_it_is():
    config, state = load(_primitive_block())
    copies = [i for i in state.instances if i.resource == "r"]
    assert sorted(i.node for i in copies) == ["alice", "bob"]
    assert not any(i.managed for i in copies)
    placement = solve(config, state)
    assert placement.nodes_of("r") == ("alice", "bob")
    # The unmanaged primitive counts on one node only (pe__current_node): s, with nothing
    # pinning it, keeps bob (fewest assigned ties, then its current node) as Pacemaker does.
    assert placement.nodes_of("s") == ("bob",)


def test_a_group_that_says_block_is_blocked_whole():
    config, state = load(_group_block())
    assert not any(i.managed for i in state.instances)
    placement = solve(config, state)
    assert placement.nodes_of("g1") == ("alice",)
    assert placement.nodes_of("g2") == ("alice", "bob")


def test_default_stop_start_keeps_one_copy():
    text = _primitive_block().replace('value="block"', 'value="stop_start"')
    config, state = load(text)
    assert all(i.managed for i in state.instances)
    assert len(solve(config, state).nodes_of("r")) == 1


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
@pytest.mark.parametrize("text", [_primitive_block(), _group_block()])
def test_crm_simulate_agrees(tmp_path, text):
    path = tmp_path / "cib.xml"
    path.write_text(text)
    out = subprocess.run(
        ["crm_simulate", "-x", str(path), "-S", "--output-as=xml"], capture_output=True, text=True
    ).stdout
    revised = out[out.index("<revised_cluster_status") :]
    config, state = load(text)
    placement = solve(config, state)
    for assignment in placement.assignments:
        assert f'<resource id="{assignment.resource}"' in revised
    assert 'blocked="true" managed="false"' in revised
