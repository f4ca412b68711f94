"""Real processes for runtime tests: node agents and controllers, always cleaned up.

Every process is started in its own session (so a fence can kill its group) and
killed, group and all, when the test ends, whatever happened in between.
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-c", "from placement.cli import main; main()"]
_LISTENING = re.compile(r"listening on ([0-9.]+):(\d+)")


def wait_for(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.05) -> object:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO), "PYTHONUNBUFFERED": "1"}


class Processes:
    """Owner of every process a test starts."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=log, env=environment(), cwd=REPO, start_new_session=True
        )
        log.close()
        self.started.append(process)
        return process

    def agent(
        self, node: str, secret: Path, directory: Path, port: int = 0, ocf_root: Path | None = None
    ) -> tuple[subprocess.Popen, str]:
        """Start ``placement agent`` and return it with the address it listens on."""
        argv = [*CLI, "agent", "--node", node, "--listen", f"127.0.0.1:{port}", "--secret-file", str(secret)]
        argv += ["--dir", str(directory), "--ocf-root", str(ocf_root or "/usr/lib/ocf")]
        process = self.spawn(f"agent-{node}", argv)
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], 60)  # bounded: a hung start fails the test
        line = process.stdout.readline().decode() if ready else ""
        match = _LISTENING.search(line)
        if not match:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=10)
            raise AssertionError(f"agent {node} did not start: {line!r}\n{self.log_text(f'agent-{node}')}")
        return process, f"{match[1]}:{match[2]}"

    def log_text(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def cleanup(self) -> None:
        for process in self.started:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()
