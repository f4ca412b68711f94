"""Refusals on the agent RPC: non-finite timestamps, plain HTTP or foreign certificates on a
TLS agent, and actions under a fencing token older than the newest the node has seen."""

from __future__ import annotations

import http.client
import json
import ssl
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from placement.errors import InvalidInput
from placement.runtime import auth, fence_process
from placement.runtime.agent import NodeAgent, StaleToken
from placement.runtime.client import AgentClient, AgentUnreachable, Deposed
from placement.runtime.fencing import FenceAction, FenceDevice
from placement.runtime.messages import OperationRequest
from placement.runtime.server import AgentServer
from placement.runtime.tls import client_context, init_keys, server_context

from .conftest import REAL_OCF_ROOT, SECRET, needs_dummy
from .harness import CLI, REPO, environment
from .test_agent import raw
from .test_fencing import needs_fence_dummy


def signed_with_timestamp(timestamp: str, path: str = "/heartbeat") -> dict[str, str]:
    """Headers with a correct MAC over a timestamp of our choosing (what a buggy or hostile signer sends)."""
    nonce = f"n-{timestamp}-{time.monotonic_ns()}"
    return {
        auth.HEADER_TIMESTAMP: timestamp,
        auth.HEADER_NONCE: nonce,
        auth.HEADER_MAC: auth.mac(SECRET, "alice", "GET", path, timestamp, nonce, b""),
    }


@pytest.mark.parametrize("timestamp", ["nan", "NaN", "inf", "-inf", "infinity", "1e9", "-5", " 1", "0x10", "1_000"])
def test_non_finite_and_odd_timestamps_are_refused_even_when_correctly_signed(served, timestamp: str) -> None:
    _, server, _ = served
    assert raw(server, "GET", "/heartbeat", b"", signed_with_timestamp(timestamp)) == 401
    assert raw(server, "GET", "/heartbeat", b"", signed_with_timestamp(f"{time.time():.6f}")) == 200


@given(offset=st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6))
def test_a_timestamp_passes_exactly_when_within_the_skew(offset: float) -> None:
    now = 1_700_000_000.0
    verifier = auth.Verifier(SECRET, "alice", clock=lambda: now)
    sent = now + offset
    headers = auth.sign(SECRET, "alice", "GET", "/x", b"", now=sent)
    if sent < 0:
        with pytest.raises(auth.AuthError):
            verifier.verify("GET", "/x", headers, b"")
        return
    recorded = float(headers[auth.HEADER_TIMESTAMP])
    if abs(now - recorded) <= auth.MAX_SKEW_SECONDS:
        verifier.verify("GET", "/x", headers, b"")
    else:
        with pytest.raises(auth.AuthError, match="stale"):
            verifier.verify("GET", "/x", headers, b"")


# ---------------------------------------------------------------------- TLS


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("keys")
    init_keys(directory, ["alice", "bob"])
    return directory


@pytest.fixture
def tls_served(tmp_path: Path, keys: Path):
    agent = NodeAgent("alice", tmp_path / "nodes" / "alice", REAL_OCF_ROOT)
    server = AgentServer(("127.0.0.1", 0), agent, SECRET, server_context(keys, "alice"))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield agent, server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_keys_init_writes_private_keys_for_the_owner_only_and_refuses_to_overwrite(keys: Path) -> None:
    names = sorted(p.name for p in keys.iterdir())
    assert names == sorted(
        ["ca.pem", "ca.key", "alice.pem", "alice.key", "bob.pem", "bob.key", "controller.pem", "controller.key"]
    )
    for key in keys.glob("*.key"):
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with pytest.raises(InvalidInput, match="CA exists"):
        init_keys(keys, ["carol"])


def test_the_keys_init_command_writes_the_files_and_refuses_a_second_ca(tmp_path: Path) -> None:
    argv = [*CLI, "keys", "init", "--nodes", "alice,bob", "--dir", str(tmp_path / "k")]
    first = subprocess.run(argv, capture_output=True, text=True, env=environment(), cwd=REPO, timeout=60)
    assert first.returncode == 0, first.stderr
    assert "alice.pem" in first.stdout and (tmp_path / "k" / "controller.key").exists()
    again = subprocess.run(argv, capture_output=True, text=True, env=environment(), cwd=REPO, timeout=60)
    assert again.returncode == 1 and "CA exists" in again.stderr and "Traceback" not in again.stderr


def test_mutual_tls_carries_the_signed_requests(tls_served, keys: Path) -> None:
    _, server = tls_served
    client = AgentClient("alice", f"127.0.0.1:{server.port}", SECRET, tls=client_context(keys))
    assert client.heartbeat()["node"] == "alice"


def test_plain_http_to_a_tls_agent_is_refused(tls_served) -> None:
    _, server = tls_served
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        raw(server, "GET", "/heartbeat", b"", auth.sign(SECRET, "alice", "GET", "/heartbeat", b""))
    # Counted before the agent closed the connection: no wait, whatever the load.
    assert server.refused == 1
    plain = AgentClient("alice", f"127.0.0.1:{server.port}", SECRET)
    with pytest.raises(AgentUnreachable):
        plain.heartbeat()


def test_a_client_without_a_certificate_of_the_cluster_ca_is_refused(tls_served, keys: Path, tmp_path: Path) -> None:
    _, server = tls_served
    anonymous = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    anonymous.load_verify_locations(keys / "ca.pem")
    with pytest.raises(AgentUnreachable):
        AgentClient("alice", f"127.0.0.1:{server.port}", SECRET, tls=anonymous).heartbeat()
    other = tmp_path / "other"
    init_keys(other, ["alice"])
    foreign = client_context(other)
    foreign.load_verify_locations(keys / "ca.pem")  # trusts our agent, but its own cert is from another CA
    with pytest.raises(AgentUnreachable):
        AgentClient("alice", f"127.0.0.1:{server.port}", SECRET, tls=foreign).heartbeat()


def test_an_agent_must_prove_the_node_name_the_controller_meant(tls_served, keys: Path) -> None:
    _, server = tls_served  # serves alice's certificate
    with pytest.raises(AgentUnreachable, match=r"certificate|hostname|match"):
        AgentClient("bob", f"127.0.0.1:{server.port}", SECRET, tls=client_context(keys)).heartbeat()


def test_the_agent_daemon_refuses_a_public_address_without_tls(secret_file: Path, tmp_path: Path) -> None:
    argv = [*CLI, "agent", "--node", "a", "--listen", "0.0.0.0:0", "--secret-file", str(secret_file)]
    done = subprocess.run(
        [*argv, "--allow-remote", "--dir", str(tmp_path / "a")],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 1 and "needs --tls" in done.stderr


# ---------------------------------------------------------------------- fencing tokens


def dummy(op: str) -> OperationRequest:
    return OperationRequest("db", "db", "ocf:heartbeat:Dummy", op)


@needs_dummy
def test_an_action_under_an_older_token_is_refused_and_nothing_runs(served) -> None:
    agent, _, client = served
    leader = AgentClient("alice", client.address, SECRET, fencing_token=7)
    assert leader.announce() == 7
    deposed = AgentClient("alice", client.address, SECRET, fencing_token=6)
    with pytest.raises(Deposed, match="older than 7"):
        deposed.execute(dummy("start"))
    assert not (agent.directory / "rsctmp" / "Dummy-db.state").exists()
    assert deposed.probe([dummy("monitor")])["db"].exit_code == 7  # looking is still allowed
    assert leader.execute(dummy("start")).ok
    with pytest.raises(Deposed):
        deposed.execute(dummy("stop"))
    assert (agent.directory / "rsctmp" / "Dummy-db.state").exists()
    assert client.status()["refused_stale"] == 2
    # The refusals are on the node's disk: the evidence that a deposed leader tried, and what.
    refused = [json.loads(line) for line in (agent.directory / "lib" / "refused.jsonl").read_text().splitlines()]
    assert [(r["token"], r["newest"], r["action"], r["subject"]) for r in refused] == [
        (6, 7, "start", "db"),
        (6, 7, "stop", "db"),
    ]


def test_a_malformed_token_is_a_bad_request(served) -> None:
    _, _, client = served
    with pytest.raises(Exception, match="non-negative integer"):
        client.call("POST", "/token", {"token": "9"})
    with pytest.raises(Exception, match="non-negative integer"):
        client.call("POST", "/token", {"token": True})


def test_the_newest_token_survives_an_agent_restart_and_a_power_off(tmp_path: Path) -> None:
    directory = tmp_path / "alice"
    first = NodeAgent("alice", directory)
    first.admit(3)
    first.admit(5)
    with pytest.raises(StaleToken):
        first.admit(4)
    fence_process.power_off(directory)  # wipes rsctmp and run, keeps lib/
    assert not (directory / "rsctmp").exists()
    second = NodeAgent("alice", directory)
    assert second.token == 5
    with pytest.raises(StaleToken):
        second.admit(4)
    second.admit(5)


def test_a_garbled_token_file_stops_the_agent_instead_of_trusting_anyone(tmp_path: Path) -> None:
    directory = tmp_path / "alice"
    NodeAgent("alice", directory).admit(2)
    (directory / "lib" / "fencing-token").write_text("two\n")
    with pytest.raises(RuntimeError, match="not a fencing token"):
        NodeAgent("alice", directory)


def test_json_bodies_name_the_token_field() -> None:
    assert json.loads(json.dumps({**dummy("start").to_json(), "token": 1}))["token"] == 1


@needs_fence_dummy
def test_a_fence_is_recorded_on_the_executors_disk_and_told_by_dispatch(served, tmp_path: Path) -> None:
    agent, _, client = served
    power = tmp_path / "power"
    power.write_text("on")
    device = FenceDevice("fd", "fence_dummy", {"status_file": str(power)})
    leader = AgentClient("alice", client.address, SECRET, fencing_token=4)
    assert leader.fence_record("#12") == {"dispatch": "#12", "state": "none", "results": []}
    assert leader.fence(device, FenceAction.OFF, "charlie", "#12").ok and power.read_text() == "off"
    told = client.fence_record("#12")  # asking is reading: no token needed
    assert told["state"] == "ended" and [(r["device"], r["ok"], r["token"]) for r in told["results"]] == [
        ("fd", True, 4)
    ]
    deposed = AgentClient("alice", client.address, SECRET, fencing_token=3)
    with pytest.raises(Deposed):
        deposed.fence(device, FenceAction.OFF, "charlie", "#13")
    assert client.fence_record("#13")["state"] == "none"  # refused before anything was recorded or run
    fence_process.power_off(agent.directory)  # the executor's own power-off keeps lib/
    again = NodeAgent("alice", agent.directory)
    assert again.fence_records.about("#12")["state"] == "ended"
    assert again.status()["fencing"][0]["dispatch"] == "#12"
