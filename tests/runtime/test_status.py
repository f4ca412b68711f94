"""``placement status``'s picture: nodes as the controller decided, clone sets, failures, fencing history."""

from __future__ import annotations

import json
from pathlib import Path

import placement
from placement.runtime.belief import Belief, Membership, NodeView
from placement.runtime.client import AgentClient
from placement.runtime.journal import Journal, read
from placement.runtime.messages import OperationRequest
from placement.runtime.status import gather, render_text

from .conftest import SECRET, needs_dummy


@needs_dummy
def test_the_picture_shows_roles_failures_and_fencing(served, tmp_path: Path) -> None:
    _, _, client = served
    assert client.execute(OperationRequest("web", "web", "ocf:heartbeat:Dummy", "start")).ok
    assert client.execute(OperationRequest("db", "db", "ocf:heartbeat:Dummy", "monitor")).exit_code == 7
    broken = OperationRequest("bad", "bad", "ocf:heartbeat:NoSuchAgent", "start")
    assert not client.execute(broken).ok
    with Journal(tmp_path / "journal") as journal:
        journal.record("controller-start", agents={}, resumed=False)
        journal.record("unclean", node="charlie", reason="agent lost")
        journal.record("fenced", node="charlie", summary="charlie fenced at level 1 by f")
        belief = Belief(nodes={"charlie": NodeView(Membership.FENCED, "b1", "fenced at level 1")})
        journal.record("belief", belief=belief.to_json())
    ghost = AgentClient("charlie", "127.0.0.1:1", SECRET, timeout=2)
    status = gather({"alice": client, "charlie": ghost}, tmp_path / "journal")
    assert [(n["node"], n["state"]) for n in status["nodes"]] == [("alice", "online"), ("charlie", "offline")]
    assert [(r["resource"], r["role"], r["failed"]) for r in status["resources"]] == [
        ("bad", "started", True),
        ("web", "started", False),
    ]  # db was only probed: not running, not shown
    text = render_text(status)
    assert "charlie: OFFLINE (fenced)" in text
    assert "web              (ocf:heartbeat:Dummy): Started alice" in text
    assert "bad start on alice returned 5" in text
    assert "Controller: single, journal at #4" in text
    history = text.split("Fencing History:\n")[1].splitlines()
    assert [line.split("Z ", 1)[1] for line in history] == [
        "charlie: unclean: agent lost",
        "charlie: fenced: charlie fenced at level 1 by f",
    ]
    assert json.loads(json.dumps(status)) == status  # plain data: --json, or a web page, can carry it


def test_a_silent_node_the_controller_never_fenced_is_unreachable_or_unclean(tmp_path: Path) -> None:
    ghost = AgentClient("bob", "127.0.0.1:1", SECRET, timeout=2)
    assert gather({"bob": ghost})["nodes"][0]["state"] == "unreachable"
    with Journal(tmp_path / "journal") as journal:
        journal.record(
            "belief", belief=Belief(nodes={"bob": NodeView(Membership.UNCLEAN, None, "agent lost")}).to_json()
        )
    status = gather({"bob": ghost}, tmp_path / "journal")
    assert "bob: UNCLEAN (waiting to be fenced): agent lost" in render_text(status)


def test_clone_copies_are_grouped_by_role_as_crm_mon_does(tmp_path: Path, served) -> None:
    config_path = tmp_path / "c.place"
    config_path.write_text(
        "node alice\nnode bob\nnode charlie\n"
        "resource db ocf:pacemaker:Stateful\npromotable ms_db of db\n"
        "resource web ocf:heartbeat:Dummy\n"
    )
    from placement.runtime import status as status_module

    config = placement.load(config_path)
    copies = [
        {"resource": "db", "node": n, "role": role, "failed": False, "agent": "ocf:pacemaker:Stateful"}
        for n, role in (("alice", "promoted"), ("bob", "unpromoted"), ("charlie", "unpromoted"))
    ]
    copies.append({"resource": "web", "node": "alice", "role": "started", "failed": False, "agent": "x"})
    sets = status_module._clone_sets(copies, config)
    assert sets == [
        {
            "clone": "ms_db",
            "resource": "db",
            "agent": "ocf:pacemaker:Stateful",
            "promotable": True,
            "roles": {"promoted": ["alice"], "unpromoted": ["bob", "charlie"]},
            "failed": [],
        }
    ]
    text = render_text({"nodes": [], "resources": copies, "clones": sets, "failed": [], "fencing": []})
    assert (
        "  * Clone Set: ms_db [db] (promotable):\n    * Promoted: [ alice ]\n    * Unpromoted: [ bob charlie ]" in text
    )
    assert "web" in text and "Started alice" in text
    # Without the configuration, copies of one primitive on several nodes are still one set.
    assert [s["clone"] for s in status_module._clone_sets(copies, None)] == ["db"]


def test_the_leader_of_a_group_is_shown() -> None:
    base = {"nodes": [], "resources": [], "failed": [], "fencing": []}
    assert "Current leader: ctl-b (fencing token 42)" in render_text(
        {**base, "controller": {"mode": "group", "name": "ctl-b", "token": 42}}
    )
    assert "Current leader: NONE" in render_text({**base, "controller": {"mode": "group", "name": None}})
    members = [{"name": "ctl-a", "page": None}, {"name": "ctl-b", "page": "http://127.0.0.1:8080/"}]
    text = render_text({**base, "controller": {"mode": "group", "name": "ctl-b", "token": 42, "members": members}})
    assert "Controllers: ctl-a, ctl-b (http://127.0.0.1:8080/)" in text


def test_journal_reading_for_status_needs_no_writer(tmp_path: Path) -> None:
    assert read(tmp_path / "absent") == []
