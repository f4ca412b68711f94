"""An unmanaged primitive left on several nodes counts for one of them (§6.2 ``num_resources``)."""

from __future__ import annotations

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


def test_a_blocked_primitive_counts_on_one_node_for_the_tie_break():
    config, state = load(_primitive_block())
    copies = [i for i in state.instances if i.resource == "r"]
    assert sorted(i.node for i in copies) == ["alice", "bob"]
    assert not any(i.managed for i in copies)
    placement = solve(config, state)
    assert placement.nodes_of("r") == ("alice", "bob")
    # The unmanaged primitive counts on one node only (pe__current_node): s, with nothing
    # pinning it, keeps bob (fewest assigned ties, then its current node) as Pacemaker does.
    assert placement.nodes_of("s") == ("bob",)
