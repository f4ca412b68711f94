"""``no-quorum-policy=freeze`` keeps what runs and starts nothing new (`placement.solve.problem`).

compat(pacemaker): ``update_resource_action_runnable`` makes a start unrunnable without
quorum under freeze unless the resource — for a clone, the *instance* — is active already.
A clone running one copy therefore keeps that copy and starts no other, on any node; with
quorum it would fill every node. Checked against the rule and, when ``crm_simulate`` is
installed, against Pacemaker's own placement.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cib.cibxml import ONLINE, agreed_placement, cib, dummy, option

STARTED = (
    '<lrm id="{i}"><lrm_resources><lrm_resource id="c" class="ocf" provider="pacemaker" type="{agent}">'
    '<lrm_rsc_op id="c_last_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" '
    'crm_feature_set="3.16.1" transition-key="1:1:0:00000000-0000-0000-0000-000000000000" '
    'transition-magic="0:0;1:1:0:00000000-0000-0000-0000-000000000000" '
    'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8" last-rc-change="1700000000" exec-time="0" queue-time="0"/>'
    "</lrm_resource></lrm_resources></lrm>"
)


@pytest.mark.parametrize("quorum", ["0", "1"])
@pytest.mark.parametrize("promotable", [False, True])
def test_a_clone_without_quorum_under_freeze_starts_no_new_copy(tmp_path: Path, quorum: str, promotable: bool) -> None:
    agent = "Stateful" if promotable else "Dummy"
    child = dummy("c", cls=f'class="ocf" provider="pacemaker" type="{agent}"')
    flag = '<meta_attributes id="cl-m"><nvpair id="cl-p" name="promotable" value="true"/></meta_attributes>'
    clone = f'<clone id="cl">{flag if promotable else ""}{child}</clone>'
    status = (
        f'<node_state id="1" uname="alice" {ONLINE}>{STARTED.format(i=1, agent=agent)}</node_state>'
        f'<node_state id="2" uname="bob" {ONLINE}/>'
    )
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            clone,
            status=status,
            root=f'have-quorum="{quorum}"',
            options=option("stonith-enabled", "false") + option("no-quorum-policy", "freeze"),
        )
    )
    nodes = {node for rid, node in agreed_placement(path) if rid == "c"}
    assert nodes == ({"alice"} if quorum == "0" else {"alice", "bob"})
