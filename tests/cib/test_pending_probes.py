"""A start waits for probes on a node that is still joining (`placement.solve.probes`).

carol is *pending* (up, not yet joined): nothing runs there, not even a probe. A resource
that runs nowhere and whose state on carol is unknown cannot start anywhere; one with a
history on carol, one carol may not discover, or one already running is not held back.
A clone waits as a whole. Random clusters of those shapes are checked against the rule
and, when ``crm_simulate`` is installed, against Pacemaker's own placement.
"""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from placement.cib import import_cib
from tests.cib.cibxml import ONLINE, cib, dummy, option, our_placement, pacemaker_placement

PENDING = 'in_ccm="true" crmd="online" join="pending" expected="member"'
NODES = '<node id="alice" uname="alice"/><node id="bob" uname="bob"/><node id="carol" uname="carol"/>'
DEVICE = '<primitive id="fence" class="stonith" type="fence_dummy"/>'


def _op(rid: str, task: str, rc: int, call: int, target: int = 0) -> str:
    return (f'<lrm_rsc_op id="{rid}_last_{call}" operation_key="{rid}_{task}_0" operation="{task}" interval="0" call-id="{call}"'
            f' rc-code="{rc}" op-status="0" transition-key="{call}:1:{target}:uuid" transition-magic="0:{rc};{call}:1:{target}:uuid"/>')


def _history(rid: str, running: bool) -> str:
    ops = _op(rid, "start", 0, 2) if running else _op(rid, "monitor", 7, 1, target=7)
    agent = 'class="stonith" type="fence_dummy"' if rid == "fence" else 'class="ocf" provider="pacemaker" type="Dummy"'
    return f'<lrm_resource id="{rid}" {agent}>{ops}</lrm_resource>'


@dataclass
class Shape:
    """Where each primitive runs now, and which are known (probed) on carol."""

    running: dict[str, str]  # primitive → node
    known_on_carol: set[str]
    never_on_carol: set[str]  # resource-discovery=never locations for carol

    def text(self) -> str:
        resources = DEVICE + dummy("p") + dummy("q") + '<group id="g">' + dummy("g1") + dummy("g2") + "</group>"
        resources += '<clone id="c">' + dummy("cd") + "</clone>"
        constraints = "".join(
            f'<rsc_location id="never-{rid}" rsc="{rid}" node="carol" score="0" resource-discovery="never"/>'
            for rid in sorted(self.never_on_carol)
        )
        states = []
        for node, membership in (("alice", ONLINE), ("bob", ONLINE), ("carol", PENDING)):
            rids = sorted({r for r, n in self.running.items() if n == node} | ({"fence"} if node == "alice" else set()))
            histories = "".join(_history(r, True) for r in rids)
            if node == "carol":
                histories = "".join(_history(r, False) for r in sorted(self.known_on_carol))
            states.append(f'<node_state id="{node}" uname="{node}" {membership}><lrm id="{node}-lrm"><lrm_resources>{histories}</lrm_resources></lrm></node_state>')
        return cib(resources, constraints, nodes=NODES, options=option("stonith-enabled", "true"),
                   status="".join(states), root='have-quorum="1" crm_feature_set="3.16.1"')


def _placed(tmp_path: Path, shape: Shape) -> set[tuple[str, str]]:
    path = tmp_path / "cib.xml"
    path.write_text(shape.text())
    ours = our_placement(path)
    if shutil.which("crm_simulate"):
        # What runs, and how many copies: where a start goes among equal nodes is a tie that
        # Pacemaker breaks counting the blocked starts it assigned too, which this rule is not about.
        assert _copies(ours) == _copies(pacemaker_placement(path)), "placement disagrees with crm_simulate"
    return ours


def _copies(placed: set[tuple[str, str]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for rid, _node in placed:
        counts[rid] = counts.get(rid, 0) + 1
    return counts


def _runs(placed: set[tuple[str, str]], rid: str) -> bool:
    return any(r == rid for r, _ in placed)


def test_an_unknown_stopped_resource_waits_and_a_known_one_starts(tmp_path: Path) -> None:
    placed = _placed(tmp_path, Shape({}, known_on_carol={"q", "fence"}, never_on_carol=set()))
    assert not _runs(placed, "p")  # unknown on carol: its start waits for a probe there
    assert _runs(placed, "q")  # carol has its history: nothing to wait for
    assert not _runs(placed, "cd")  # the clone waits as a whole


def test_a_running_resource_is_not_stopped_for_a_probe(tmp_path: Path) -> None:
    placed = _placed(tmp_path, Shape({"p": "bob", "cd": "alice"}, known_on_carol={"fence"}, never_on_carol=set()))
    assert ("p", "bob") in placed
    assert ("cd", "alice") in placed
    # The clone's probed instance (its first) runs on alice, so its start waits for nothing.
    assert ("cd", "bob") in placed


def test_discovery_never_on_the_pending_node_means_no_probe_to_wait_for(tmp_path: Path) -> None:
    placed = _placed(tmp_path, Shape({}, known_on_carol={"fence"}, never_on_carol={"p"}))
    assert _runs(placed, "p")


def test_a_group_member_that_waits_holds_the_members_after_it(tmp_path: Path) -> None:
    placed = _placed(tmp_path, Shape({}, known_on_carol={"fence", "g1"}, never_on_carol=set()))
    assert _runs(placed, "g1")
    assert not _runs(placed, "g2")


def test_the_state_json_keeps_what_a_pending_node_knows(tmp_path: Path) -> None:
    from placement.state_json import dumps_state, loads_state

    path = tmp_path / "cib.xml"
    path.write_text(Shape({}, known_on_carol={"q", "fence"}, never_on_carol=set()).text())
    state = import_cib(path).state
    assert state.node("carol").pending and state.node("carol").probed == frozenset({"q", "fence"})
    assert loads_state(dumps_state(state)) == state


@pytest.mark.parametrize("seed", range(8))
def test_random_shapes_follow_the_rule(tmp_path: Path, seed: int) -> None:
    draw = random.Random(seed)
    primitives = ["p", "q", "g1", "g2", "cd"]
    running = {rid: draw.choice(["alice", "bob"]) for rid in primitives if draw.random() < 0.3}
    if "g2" in running:
        running["g1"] = running["g2"]  # a group runs from its first member on
    known = {rid for rid in [*primitives, "fence"] if draw.random() < 0.5}
    never = {rid for rid in ("p", "q") if draw.random() < 0.3}
    shape = Shape(running, known, never)
    placed = _placed(tmp_path, shape)
    for rid in ("p", "q"):
        if rid not in running and rid not in known and rid not in never:
            assert not _runs(placed, rid), f"{rid} started before its probe on carol could run"
        else:
            assert _runs(placed, rid), f"{rid} was held back with nothing to wait for"
