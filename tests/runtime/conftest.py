"""Shared fixtures for the runtime tests: real OCF agents, temp OCF roots, free ports."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from placement.runtime.agent import NodeAgent
from placement.runtime.client import AgentClient
from placement.runtime.server import AgentServer

REAL_OCF_ROOT = Path("/usr/lib/ocf")
DUMMY = REAL_OCF_ROOT / "resource.d" / "heartbeat" / "Dummy"
STATEFUL = REAL_OCF_ROOT / "resource.d" / "pacemaker" / "Stateful"

needs_dummy = pytest.mark.skipif(
    not DUMMY.exists(),
    reason="ocf:heartbeat:Dummy missing: apt-get install resource-agents (.ci/install-agents)",
)
needs_stateful = pytest.mark.skipif(
    not STATEFUL.exists(), reason="ocf:pacemaker:Stateful missing: apt-get install pacemaker"
)


def write_agent(root: Path, provider: str, name: str, script: str) -> Path:
    """Install a shell-script OCF agent under a private OCF root."""
    path = root / "resource.d" / provider / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def ocf_root(tmp_path: Path) -> Path:
    """A private OCF root for hand-written test agents."""
    root = tmp_path / "ocf"
    (root / "resource.d").mkdir(parents=True)
    return root


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    from placement.runtime.auth import write_secret

    path = tmp_path / "secret"
    write_secret(path)
    return path


@pytest.fixture
def processes(tmp_path: Path):
    from .harness import Processes

    logs = tmp_path / "logs"
    logs.mkdir()
    owner = Processes(logs)
    try:
        yield owner
    finally:
        owner.cleanup()


SECRET = b"s" * 32


@pytest.fixture
def served(tmp_path: Path):
    """An in-process agent for node alice on a free loopback port, served from a thread."""
    agent = NodeAgent("alice", tmp_path / "nodes" / "alice", REAL_OCF_ROOT)
    server = AgentServer(("127.0.0.1", 0), agent, SECRET)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield agent, server, AgentClient("alice", f"127.0.0.1:{server.port}", SECRET)
    finally:
        agent.shutdown()
        server.shutdown()
        server.server_close()
        thread.join(5)
