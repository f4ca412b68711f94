"""A primitive found active on several nodes: ``multiple-active`` as native_add_running reads it.

Every scenario is asserted on the imported state and, when ``crm_simulate`` is
installed, on Pacemaker's own placement of the same CIB.
"""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from placement.cib import import_cib
from placement.planning import plan
from tests.cib.cibxml import ONLINE, cib, option, our_placement, pacemaker_placement

NODES = "".join(f'<node id="{n}" uname="{n}"/>' for n in ("alice", "bob", "carol"))
FENCE = '<primitive id="fence" class="stonith" type="fence_dummy"><instance_attributes id="fi"><nvpair id="fh" name="pcmk_host_check" value="none"/></instance_attributes></primitive>'
LOST = 'in_ccm="false" crmd="offline" join="down" expected="member"'


def _primitive(rid: str, **meta: str) -> str:
    pairs = "".join(f'<nvpair id="{rid}-{k}" name="{k.replace("_", "-")}" value="{v}"/>' for k, v in meta.items())
    return f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="{rid}-m">{pairs}</meta_attributes></primitive>'


def _started(rid: str) -> str:
    return f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="{rid}-start" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:uuid"/></lrm_resource>'


def _status(running: dict[str, tuple[str, ...]], lost: tuple[str, ...] = ()) -> str:
    states = ""
    for node in ("alice", "bob", "carol"):
        histories = "".join(_started(rid) for rid, nodes in running.items() if node in nodes)
        membership = LOST if node in lost else ONLINE
        states += f'<node_state id="{node}" uname="{node}" {membership}><lrm id="{node}-l"><lrm_resources>{histories}</lrm_resources></lrm></node_state>'
    return states


def _write(tmp_path: Path, resources: str, running: dict[str, tuple[str, ...]], *, fencing: bool = False, lost: tuple[str, ...] = ()) -> Path:
    options = option("stonith-enabled", str(fencing).lower())
    path = tmp_path / "cib.xml"
    path.write_text(cib(resources + (FENCE if fencing else ""), nodes=NODES, options=options, status=_status(running, lost)))
    return path


SCENARIOS = {
    # block: left unmanaged on both nodes
    "block": (_primitive("r", multiple_active="block"), {"r": ("alice", "bob")}, {}),
    # stop_only: stopped everywhere and banned
    "stop-only": (_primitive("r", multiple_active="stop_only"), {"r": ("alice", "bob")}, {}),
    # stop_start (the default): stopped everywhere, started once
    "stop-start": (_primitive("r"), {"r": ("alice", "bob")}, {}),
    "stop-unexpected": (_primitive("r", multiple_active="stop_unexpected"), {"r": ("alice", "bob")}, {}),
    # a group that says block blocks every member when one is multiply active
    "group-block": (
        '<group id="g">' + _primitive("m1") + _primitive("m2") + '<meta_attributes id="gm"><nvpair id="gmb" name="multiple-active" value="block"/></meta_attributes></group>',
        {"m1": ("alice", "bob"), "m2": ("alice",)},
        {},
    ),
    # an unclean node only counts for a resource that needs fencing
    "unclean-needs-quorum": (_primitive("r", multiple_active="block", requires="quorum"), {"r": ("alice", "bob")}, {"fencing": True, "lost": ("bob",)}),
    "unclean-needs-fencing": (_primitive("r", multiple_active="block"), {"r": ("alice", "bob")}, {"fencing": True, "lost": ("bob",)}),
}


def _scenario(tmp_path: Path, name: str) -> Path:
    resources, running, options = SCENARIOS[name]
    return _write(tmp_path, resources, running, **options)


@pytest.mark.parametrize(
    ("name", "unmanaged"),
    [
        ("block", {"r"}),
        ("stop-only", set()),
        ("stop-start", set()),
        ("group-block", {"m1", "m2"}),
        ("unclean-needs-quorum", set()),
        ("unclean-needs-fencing", {"r"}),
    ],
)
def test_which_copies_are_left_alone(tmp_path: Path, name: str, unmanaged: set[str]) -> None:
    state = import_cib(_scenario(tmp_path, name)).state
    assert {i.resource for i in state.instances if not i.managed} == unmanaged


def test_a_blocked_resource_keeps_running_on_both_nodes(tmp_path: Path) -> None:
    imported = import_cib(_scenario(tmp_path, "block"))
    result = plan(imported.planning_config, imported.state)
    assert sorted(i.node for i in result.apply().instances if i.resource == "r") == ["alice", "bob"]
    assert result.summary() == []


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="crm_simulate (pacemaker-cli-utils) not installed")
@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_pacemaker_places_alike(tmp_path: Path, name: str) -> None:
    path = _scenario(tmp_path, name)
    assert our_placement(path) == pacemaker_placement(path)
