"""``placement status``'s picture: resources by role, failed actions, fencing history."""

from __future__ import annotations

from pathlib import Path

from placement.runtime.client import AgentClient
from placement.runtime.journal import Journal
from placement.runtime.messages import OperationRequest
from placement.runtime.status import gather, render_text

from .conftest import needs_dummy


@needs_dummy
def test_the_picture_shows_roles_failures_and_fencing(served, tmp_path: Path) -> None:
    _, _, client = served
    assert client.execute(OperationRequest("web", "web", "ocf:heartbeat:Dummy", "start")).ok
    assert client.execute(OperationRequest("db", "db", "ocf:heartbeat:Dummy", "monitor")).exit_code == 7
    broken = OperationRequest("bad", "bad", "ocf:heartbeat:NoSuchAgent", "start")
    assert not client.execute(broken).ok
    with Journal(tmp_path / "journal") as journal:
        journal.record("unclean", node="charlie", reason="agent lost")
        journal.record("fenced", node="charlie", summary="charlie fenced at level 1 by f")
    ghost = AgentClient("charlie", "127.0.0.1:1", b"s" * 32, timeout=2)
    status = gather({"alice": client, "charlie": ghost}, tmp_path / "journal")
    assert [(n["node"], n["state"]) for n in status["nodes"]] == [("alice", "online"), ("charlie", "unreachable")]
    assert [(r["resource"], r["role"], r["failed"]) for r in status["resources"]] == [
        ("bad", "started", True),
        ("web", "started", False),
    ]  # db was only probed: not running, not shown
    text = render_text(status)
    assert "web              (ocf:heartbeat:Dummy): Started alice" in text
    assert "bad start on alice returned 5" in text
    assert "unclean charlie: agent lost" in text and "fenced charlie" in text
