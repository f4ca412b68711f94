"""Run the controller as its own process for end-to-end tests (test code).

Usage: python controller_main.py CONFIG AGENTS SECRET JOURNAL DEAD_AFTER [ETCD NAME TTL [SEND_DELAY]]

With ETCD NAME TTL it is one controller of a group (journal in etcd, JOURNAL unused).
SEND_DELAY (seconds) makes every start and stop wait that long between its journal
entry and its request to the agent, as a slow network would: the fault campaign
freezes a leader inside that moment to see its order meet a newer token.

The planner is the real one (`placement.plan`) when it exists, else the test stub;
``PLACEMENT_TEST_PLANNER=stub`` forces the stub. ``PLACEMENT_TEST_COMPACT_AFTER=N`` makes
a group's leader compact its journal every N entries (tests of the checkpoint).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

from placement.runtime.auth import load_secret
from placement.runtime.client import AgentClient, parse_agents
from placement.runtime.controller import Controller, ControllerOptions, default_planner
from placement.runtime.etcd import Etcd
from placement.runtime.group import run_group
from placement.runtime.journal import Journal
from placement.runtime.journal_etcd import COMPACT_AFTER


def choose_planner():
    if os.environ.get("PLACEMENT_TEST_PLANNER") != "stub" and importlib.util.find_spec("placement.planning"):
        return default_planner
    from tests.runtime import stub_planner

    return stub_planner.plan


def slow_sends(delay: float) -> None:
    """Every start and stop waits ``delay`` seconds before it is sent (journalled already)."""
    send = AgentClient.execute

    def execute(self: AgentClient, request, dispatch: str = ""):
        if dispatch and request.action in ("start", "stop"):
            time.sleep(delay)
        return send(self, request, dispatch)

    AgentClient.execute = execute  # type: ignore[method-assign]


def main() -> None:
    config, agents, secret_file, journal_path, dead_after = sys.argv[1:6]
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s controller %(levelname)s %(name)s %(message)s"
    )
    secret = load_secret(secret_file)
    options = ControllerOptions(
        dead_after=float(dead_after),
        poll_interval=0.1,
        startup_grace=10.0,
        fence_retry=0.5,
        fence_retry_max=2.0,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if len(sys.argv) > 6:
        etcd, name, ttl = sys.argv[6:9]
        if len(sys.argv) > 9 and float(sys.argv[9]) > 0:
            slow_sends(float(sys.argv[9]))
        run_group(
            Path(config),
            parse_agents(agents),
            secret,
            Etcd(etcd),
            stop,
            name=name,
            ttl=int(ttl),
            options=options,
            planner=choose_planner(),
            compact_after=int(os.environ.get("PLACEMENT_TEST_COMPACT_AFTER", COMPACT_AFTER)),
        )
        return
    clients = {n: AgentClient(n, a, secret) for n, a in parse_agents(agents).items()}
    with Journal(journal_path) as journal:
        Controller(Path(config), clients, journal, planner=choose_planner(), options=options).run(stop)


if __name__ == "__main__":
    main()
