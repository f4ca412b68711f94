"""``placement agent`` as a real daemon: pid file, signals, refusals at start-up."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import threading
from pathlib import Path

from placement.runtime import fencing
from placement.runtime.auth import load_secret
from placement.runtime.client import AgentClient, AgentError
from placement.runtime.fence_process import node_processes
from placement.runtime.fencing import FenceAction, FenceDevice
from placement.runtime.messages import OperationRequest

from .conftest import write_agent
from .harness import CLI, REPO, environment, wait_for


def test_the_daemon_serves_writes_its_pid_file_and_stops_on_sigterm(processes, secret_file, tmp_path) -> None:
    node_dir = tmp_path / "nodes" / "bob"
    process, address = processes.agent("bob", secret_file, node_dir)
    assert (node_dir / "agent.pid").read_text().strip() == str(process.pid)
    client = AgentClient("bob", address, load_secret(secret_file))
    assert client.heartbeat()["pid"] == process.pid
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0
    assert not (node_dir / "agent.pid").exists()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=environment(), cwd=REPO, timeout=60, check=False
    )


def test_a_world_readable_secret_stops_the_daemon_from_starting(secret_file: Path, tmp_path: Path) -> None:
    secret_file.chmod(0o644)
    done = run_cli(
        "agent",
        "--node",
        "a",
        "--listen",
        "127.0.0.1:0",
        "--secret-file",
        str(secret_file),
        "--dir",
        str(tmp_path / "a"),
    )
    assert done.returncode == 1
    assert "chmod 600" in done.stderr and "Traceback" not in done.stderr


def test_a_public_address_needs_allow_remote(secret_file: Path, tmp_path: Path) -> None:
    done = run_cli(
        "agent",
        "--node",
        "a",
        "--listen",
        "0.0.0.0:0",
        "--secret-file",
        str(secret_file),
        "--dir",
        str(tmp_path / "a"),
    )
    assert done.returncode == 1 and "--allow-remote" in done.stderr


def test_run_refuses_bad_input_before_touching_the_cluster(secret_file: Path, tmp_path: Path) -> None:
    config = tmp_path / "c.place"
    config.write_text("node alice\nresource r ocf:heartbeat:Dummy\n")
    bad_agents = run_cli("run", str(config), "--agents", "alice", "--secret-file", str(secret_file))
    assert bad_agents.returncode == 1 and "node=host:port" in bad_agents.stderr
    config.write_text("node alice\nresource r ocf:heartbeat:Dummy\nlocation l: r prefers nobody\n")
    bad_config = run_cli("run", str(config), "--agents", "alice=127.0.0.1:1", "--secret-file", str(secret_file))
    assert bad_config.returncode == 1 and "nobody" in bad_config.stderr
    assert "Traceback" not in bad_agents.stderr + bad_config.stderr
    assert not (REPO / "placement-journal.jsonl").exists()


def test_status_reports_an_unreachable_agent_without_failing(secret_file: Path) -> None:
    done = run_cli("status", "--agents", "ghost=127.0.0.1:1", "--secret-file", str(secret_file))
    assert done.returncode == 0, done.stderr
    assert "ghost: UNREACHABLE" in done.stdout


def test_power_off_also_kills_operations_still_running_for_the_node(processes, secret_file, tmp_path) -> None:
    ocf_root = tmp_path / "ocf"
    write_agent(ocf_root, "test", "Slow", 'sleep 60; touch "$HA_RSCTMP/started"\n')
    node_dir = tmp_path / "nodes" / "charlie"
    process, address = processes.agent("charlie", secret_file, node_dir, ocf_root=ocf_root)
    client = AgentClient("charlie", address, load_secret(secret_file), timeout=120)
    request = OperationRequest("slow", "slow", "ocf:test:Slow", "start", timeout_ms=90_000)

    def start_and_die_with_the_node() -> None:
        with contextlib.suppress(AgentError):  # the agent dies mid-call: that is the point
            client.execute(request)

    caller = threading.Thread(target=start_and_die_with_the_node, daemon=True)
    caller.start()
    wait_for(lambda: node_processes(node_dir), 30, "the slow start running")
    device = FenceDevice("fp", "fence_process", {"node_root": str(tmp_path / "nodes")})
    assert fencing.run_agent(device, FenceAction.OFF, "charlie").ok
    assert process.wait(timeout=10) == -signal.SIGKILL
    assert node_processes(node_dir) == []  # the sleeping start died with its node
    assert [p.name for p in node_dir.iterdir()] == ["lib"]  # only the disk (fencing token) is left
    caller.join(30)
