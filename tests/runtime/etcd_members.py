"""A real etcd cluster of 1 or 3 members on loopback ports, for tests and the fault campaign (test code).

Members are `Processes`-owned (killed, group and all, when the test ends); each has a
data directory of its own, so a killed member restarts with its data as a crashed
machine would.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

from placement.runtime.etcd import Etcd, EtcdUnavailable

from .harness import Processes, wait_for

ETCD = shutil.which("etcd")
needs_etcd = pytest.mark.skipif(
    ETCD is None, reason="etcd missing: apt-get install etcd-server etcd-client (.ci/install-agents)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EtcdMembers:
    """``count`` etcd members forming one cluster."""

    def __init__(self, processes: Processes, root: Path, count: int = 1) -> None:
        self.processes = processes
        self.root = root
        self.names = [f"etcd{i}" for i in range(count)]
        self.client_ports = {n: free_port() for n in self.names}
        self.peer_ports = {n: free_port() for n in self.names}
        self.members: dict[str, subprocess.Popen] = {}

    @property
    def urls(self) -> str:
        return ",".join(f"http://127.0.0.1:{self.client_ports[n]}" for n in self.names)

    def client(self) -> Etcd:
        return Etcd(self.urls)

    def start(self) -> None:
        for name in self.names:
            self.start_member(name)
        wait_for(self.healthy, 60, "etcd to serve", interval=0.2)

    def start_member(self, name: str) -> None:
        assert ETCD is not None
        peers = ",".join(f"{n}=http://127.0.0.1:{self.peer_ports[n]}" for n in self.names)
        client = f"http://127.0.0.1:{self.client_ports[name]}"
        peer = f"http://127.0.0.1:{self.peer_ports[name]}"
        argv = [ETCD, "--name", name, "--data-dir", str(self.root / name)]
        argv += ["--listen-client-urls", client, "--advertise-client-urls", client]
        argv += ["--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer]
        argv += ["--initial-cluster", peers, "--initial-cluster-state", "new", "--initial-cluster-token", "placement"]
        # Loopback timing: quick elections, and a generous heartbeat for a loaded two-core machine.
        argv += ["--heartbeat-interval", "100", "--election-timeout", "1000", "--logger", "zap", "--log-level", "warn"]
        self.members[name] = self.processes.spawn(name, argv)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.members[name].pid, sig)
        if sig == signal.SIGKILL:
            self.members[name].wait(10)

    def alive(self, name: str) -> bool:
        return self.members[name].poll() is None

    def healthy(self) -> bool:
        try:
            self.client().range("/health-probe")
        except EtcdUnavailable:
            return False
        return True
