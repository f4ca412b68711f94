"""The node agent over authenticated HTTP: operations, monitors, fencing, and refusals."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from placement.errors import InvalidInput
from placement.runtime import auth
from placement.runtime.client import AgentClient, AgentError, AgentRefused, AgentUnreachable, parse_agents
from placement.runtime.fencing import FenceAction, FenceDevice
from placement.runtime.messages import OperationRequest
from placement.runtime.ocf import OcfStatus
from placement.runtime.server import AgentServer

from .conftest import SECRET, needs_dummy
from .harness import wait_for


def dummy(op: str, **kw) -> OperationRequest:
    return OperationRequest("db", "db", "ocf:heartbeat:Dummy", op, **kw)


def test_heartbeat_names_the_node_and_its_boot(served) -> None:
    agent, _, client = served
    beat = client.heartbeat()
    assert (beat["node"], beat["boot_id"], beat["pid"]) == ("alice", agent.boot_id, os.getpid())


@needs_dummy
def test_operations_run_the_real_agent_in_the_node_directory(served) -> None:
    agent, _, client = served
    assert client.probe([dummy("monitor")])["db"].status is OcfStatus.NOT_RUNNING
    assert client.execute(dummy("start")).ok
    assert (agent.directory / "rsctmp" / "Dummy-db.state").exists()
    assert client.probe([dummy("monitor")])["db"].ok
    records = client.status()["resources"]
    assert [(r["instance"], r["role"], r["failed"]) for r in records] == [("db", "started", False)]
    assert client.execute(dummy("stop")).ok
    assert client.status()["resources"][0]["role"] == "stopped"


@needs_dummy
def test_a_recurring_monitor_reports_a_failure_as_an_event(served) -> None:
    agent, _, client = served
    assert client.execute(dummy("start")).ok
    assert client.execute(dummy("monitor", interval_ms=100)).ok
    assert client.events(0)[1] == []
    (agent.directory / "rsctmp" / "Dummy-db.state").unlink()  # the service dies behind our back
    boot, events = wait_for(lambda: (lambda r: r if r[1] else None)(client.events(0)), 10, "monitor event")
    assert boot == agent.boot_id
    assert [(e.resource, e.exit_code, e.healthy) for e in events] == [("db", 7, False)]
    assert client.status()["resources"][0]["failed"] is True
    # Stopping cancels the monitor: no more events afterwards.
    assert client.execute(dummy("stop")).ok
    assert client.status()["monitors"] == []


def test_stonith_devices_start_by_a_good_monitor_and_fence_others(served, tmp_path: Path) -> None:
    _, _, client = served
    node_root = tmp_path / "nodes"
    device_params = {"node_root": str(node_root)}
    stonith = OperationRequest("fence-all", "fence-all", "stonith:fence_process", "start", params=device_params)
    assert client.probe([stonith])["fence-all"].status is OcfStatus.NOT_RUNNING
    assert client.execute(stonith).ok
    assert client.probe([stonith])["fence-all"].ok
    victim_dir = node_root / "charlie"
    victim_dir.mkdir()
    victim = subprocess.Popen(["sleep", "300"], start_new_session=True)
    try:
        (victim_dir / "agent.pid").write_text(str(victim.pid))
        result = client.fence(FenceDevice("fence-all", "fence_process", device_params), FenceAction.OFF, "charlie")
        assert result.ok
        assert victim.wait(timeout=10) == -signal.SIGKILL
        assert client.status()["fencing"][0]["target"] == "charlie"
    finally:
        if victim.poll() is None:
            victim.kill()
        victim.wait()


def test_a_wrong_secret_is_refused_and_counted(served) -> None:
    _, server, _ = served
    intruder = AgentClient("alice", f"127.0.0.1:{server.port}", b"x" * 32)
    with pytest.raises(AgentRefused):
        intruder.heartbeat()
    with pytest.raises(AgentRefused):
        intruder.execute(dummy("start"))
    assert server.refused == 2


def raw(server: AgentServer, method: str, path: str, body: bytes, headers: dict) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_a_replayed_request_is_refused(served) -> None:
    _, server, _ = served
    headers = auth.sign(SECRET, "alice", "GET", "/heartbeat", b"")
    assert raw(server, "GET", "/heartbeat", b"", headers) == 200
    assert raw(server, "GET", "/heartbeat", b"", headers) == 401


def test_stale_tampered_and_unsigned_requests_are_refused(served) -> None:
    _, server, _ = served
    stale = auth.sign(SECRET, "alice", "GET", "/heartbeat", b"", now=time.time() - 120)
    assert raw(server, "GET", "/heartbeat", b"", stale) == 401
    body = json.dumps(dummy("start").to_json()).encode()
    signed = auth.sign(SECRET, "alice", "POST", "/operation", body)
    assert raw(server, "POST", "/operation", body.replace(b"start", b"stop "), signed) == 401
    moved = auth.sign(SECRET, "alice", "GET", "/status", b"")
    assert raw(server, "GET", "/heartbeat", b"", moved) == 401
    meant_for_bob = auth.sign(SECRET, "bob", "GET", "/heartbeat", b"")
    assert raw(server, "GET", "/heartbeat", b"", meant_for_bob) == 401  # no replay across agents
    assert raw(server, "GET", "/heartbeat", b"", {}) == 401
    assert server.refused == 5


def test_bad_requests_get_a_reason_not_a_crash(served) -> None:
    _, _, client = served
    with pytest.raises(AgentError, match="not one of"):
        client.call("POST", "/operation", {**dummy("start").to_json(), "action": "explode"})
    with pytest.raises(AgentError, match="missing"):
        client.call("POST", "/operation", {"resource": "db"})
    with pytest.raises(AgentError, match="no route"):
        client.call("GET", "/nothing")
    assert client.heartbeat()["node"] == "alice"  # still serving


def test_an_absent_agent_is_unreachable() -> None:
    with pytest.raises(AgentUnreachable):
        AgentClient("ghost", "127.0.0.1:1", SECRET, timeout=2).heartbeat()


def test_secret_files_readable_by_others_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret"
    auth.write_secret(path)
    assert len(auth.load_secret(path)) == 64
    path.chmod(0o644)
    with pytest.raises(InvalidInput, match="chmod 600"):
        auth.load_secret(path)
    short = tmp_path / "short"
    short.write_text("abc")
    short.chmod(0o600)
    with pytest.raises(InvalidInput, match="shorter"):
        auth.load_secret(short)


def test_agents_option_is_parsed_strictly() -> None:
    assert parse_agents("a=127.0.0.1:1,b=127.0.0.1:2") == {"a": "127.0.0.1:1", "b": "127.0.0.1:2"}
    for bad in ("a", "a=host", "a=127.0.0.1:1,a=127.0.0.1:2", ""):
        with pytest.raises(InvalidInput):
            parse_agents(bad)
