"""Shutdown locks (`placement.cib.shutdown_lock`): a cleanly stopped node keeps its resources.

Each scenario is asserted on the import's bans and the plan, and — when ``crm_simulate``
is installed — Pacemaker's own placement of the same CIB must equal ours.
"""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from placement.cib import import_cib
from tests.cib.cibxml import ONLINE, cib, dummy, option, our_placement, pacemaker_placement

NODES = "".join(f'<node id="{n}" uname="{n}"/>' for n in ("alice", "bob", "carol"))
RESOURCES = (
    dummy("a")
    + '<group id="g">' + dummy("g1") + dummy("g2") + "</group>"
    + '<clone id="c">' + dummy("cd") + "</clone>"
)
SHUTTING_DOWN = (
    '<transient_attributes id="bob-t"><instance_attributes id="bob-ta">'
    '<nvpair id="bob-shutdown" name="shutdown" value="1000"/></instance_attributes></transient_attributes>'
)
DOWN_CLEANLY = 'in_ccm="false" crmd="offline" join="down" expected="down"'


def _history(rid: str, last: str, lock: str = "") -> str:
    ops = f'<lrm_rsc_op id="{rid}-start" operation="start" call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:uuid"/>'
    if last == "stop":
        ops += f'<lrm_rsc_op id="{rid}-stop" operation="stop" call-id="3" rc-code="0" op-status="0" interval="0" transition-key="1:2:0:uuid"/>'
    attribute = f' shutdown-lock="{lock}"' if lock else ""
    return f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy"{attribute}>{ops}</lrm_resource>'


def _node(name: str, membership: str, histories: str, extra: str = "") -> str:
    return f'<node_state id="{name}" uname="{name}" {membership}>{extra}<lrm id="{name}-lrm"><lrm_resources>{histories}</lrm_resources></lrm></node_state>'


def _write(tmp_path: Path, status: str, *, lock: bool = True, limit: str = "", date: str = "2000") -> Path:
    options = option("stonith-enabled", "false") + (option("shutdown-lock", "true") if lock else "")
    options += option("shutdown-lock-limit", limit) if limit else ""
    path = tmp_path / "cib.xml"
    path.write_text(cib(RESOURCES, nodes=NODES, options=options, status=status, root=f'have-quorum="1" execution-date="{date}"'))
    return path


def _shutting_down(tmp_path: Path, lock: bool = True) -> Path:
    on_bob = _history("a", "start") + _history("g1", "start") + _history("g2", "start") + _history("cd", "start")
    others = _history("cd", "start")
    return _write(
        tmp_path,
        _node("alice", ONLINE, others) + _node("bob", ONLINE, on_bob, SHUTTING_DOWN) + _node("carol", ONLINE, ""),
        lock=lock,
    )


def _locked_in_history(tmp_path: Path, *, limit: str = "", running_elsewhere: bool = False) -> Path:
    on_bob = _history("a", "stop", lock="1000") + _history("g1", "stop", lock="1000") + _history("g2", "stop", lock="1000")
    on_alice = _history("a", "start") if running_elsewhere else ""
    return _write(
        tmp_path,
        _node("alice", ONLINE, on_alice) + _node("bob", DOWN_CLEANLY, on_bob) + _node("carol", ONLINE, ""),
        limit=limit,
    )


def test_a_node_shutting_down_keeps_its_primitives_and_groups_but_not_clone_copies(tmp_path: Path) -> None:
    imported = import_cib(_shutting_down(tmp_path))
    assert sorted(ban.resource for ban in imported.locks) == ["a", "g1", "g2"]
    assert any("shutdown-lock=true is state" in warning for warning in imported.warnings)
    placed = our_placement(_shutting_down(tmp_path))
    assert not any(rid in ("a", "g1", "g2") for rid, _ in placed)  # stopped on bob, started nowhere
    assert ("cd", "carol") in placed  # clone copies are never locked


def test_without_the_option_a_shutdown_moves_everything(tmp_path: Path) -> None:
    assert import_cib(_shutting_down(tmp_path, lock=False)).locks == ()
    placed = our_placement(_shutting_down(tmp_path, lock=False))
    assert {rid for rid, _ in placed} >= {"a", "g1", "g2"}
    assert all(node != "bob" for _, node in placed)


def test_a_lock_in_the_history_outlives_the_shutdown(tmp_path: Path) -> None:
    assert sorted(ban.resource for ban in import_cib(_locked_in_history(tmp_path)).locks) == ["a", "g1", "g2"]
    assert {rid for rid, _ in our_placement(_locked_in_history(tmp_path))} == {"cd"}


def test_a_lock_expires_after_the_limit(tmp_path: Path) -> None:
    path = _locked_in_history(tmp_path, limit="5m")  # locked at 1000, now 2000 > 1000 + 300
    assert import_cib(path).locks == ()
    assert {rid for rid, _ in our_placement(path)} == {"a", "g1", "g2", "cd"}
    assert import_cib(_locked_in_history(tmp_path, limit="1h")).locks != ()


def test_a_lock_is_cancelled_when_the_resource_runs_elsewhere(tmp_path: Path) -> None:
    imported = import_cib(_locked_in_history(tmp_path, running_elsewhere=True))
    assert sorted(ban.resource for ban in imported.locks) == ["g1", "g2"]


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="crm_simulate (pacemaker-cli-utils) not installed")
@pytest.mark.parametrize(
    "scenario",
    [
        lambda p: _shutting_down(p),
        lambda p: _shutting_down(p, lock=False),
        lambda p: _locked_in_history(p),
        lambda p: _locked_in_history(p, limit="5m"),
        lambda p: _locked_in_history(p, limit="1h"),
        lambda p: _locked_in_history(p, running_elsewhere=True),
    ],
    ids=["shutting-down", "no-lock", "history", "expired", "not-expired", "running-elsewhere"],
)
def test_pacemaker_places_alike(tmp_path: Path, scenario) -> None:
    path = scenario(tmp_path)
    assert our_placement(path) == pacemaker_placement(path)
