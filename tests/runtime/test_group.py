"""A group of three real controllers on a real etcd: a leader killed or frozen mid-transition.

Real agents, real OCF agents, real etcd (one member: election and journal need no
more; the fault campaign `bench/faults.py` runs three). The truth is read from the
agents' state files, the journal from etcd.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from .cluster import Cluster, TwiceWatcher
from .conftest import needs_dummy
from .etcd_members import EtcdMembers, needs_etcd
from .harness import wait_for

pytestmark = [needs_dummy, needs_etcd]

VMS = ["xray", "yankee", "zulu"]
SEED = {"xray": ["alice"], "yankee": ["bob"], "zulu": ["charlie"], "iscsi": 3}
TTL = 3
CONTROLLERS = ("ctl-a", "ctl-b", "ctl-c")


COMPACTING = pytest.mark.parametrize("group", [0, 5], ids=["whole-journal", "compacted-every-5"], indirect=True)


@pytest.fixture
def group(processes, secret_file: Path, tmp_path: Path, request, monkeypatch) -> tuple[Cluster, EtcdMembers]:
    """The group; ``request.param`` N > 0: its leaders compact the journal every N entries."""
    if getattr(request, "param", 0):
        monkeypatch.setenv("PLACEMENT_TEST_COMPACT_AFTER", str(request.param))
    members = EtcdMembers(processes, tmp_path / "etcd", 1)
    members.start()
    # Slow starts keep the transition in flight long enough to strike inside it.
    cluster = Cluster(processes, tmp_path, secret_file, zulu_agent="ocf:test:Scripted start_delay=3")
    cluster.start_agents()
    for name in CONTROLLERS:
        cluster.start_group_controller(name, members.urls, TTL)
    return cluster, members


def assert_compacted_if_asked(cluster: Cluster) -> None:
    """With compaction on, etcd holds a checkpoint and what follows it; the copy has everything."""
    if os.environ.get("PLACEMENT_TEST_COMPACT_AFTER"):
        stored = cluster.stored()
        assert stored[0].kind == "belief" and "checkpoint" in stored[0].data, [e.kind for e in stored[:3]]
        assert len(stored) < len(cluster.entries())


def zulu_starts(cluster: Cluster) -> list:
    return [e for e in cluster.kinds("dispatch") if e.data.get("resource") == "zulu" and e.data.get("op") == "start"]


def term_start(cluster: Cluster, token: int):
    def found():
        return next((e for e in cluster.kinds("controller-start") if e.data.get("token") == token), None)

    return wait_for(found, 60, f"the term of token {token} to start")


def new_leader(cluster: Cluster, old: str) -> dict:
    return wait_for(
        lambda: (lambda now: now if now and now["name"] != old else None)(cluster.leader()), 60, "a new leader"
    )  # type: ignore[return-value]


@COMPACTING
def test_a_leader_killed_mid_transition_is_replaced_and_nothing_runs_twice(group) -> None:
    cluster, _ = group
    with TwiceWatcher(cluster, VMS) as watcher:
        wait_for(lambda: zulu_starts(cluster), 90, "zulu's start dispatched")
        first = cluster.leader()
        assert first is not None and first["name"] in CONTROLLERS
        cluster.controllers[first["name"]].kill()  # SIGKILL mid-transition: its lease must expire
        killed = time.monotonic()
        second = new_leader(cluster, first["name"])
        print(f"a standby led {time.monotonic() - killed:.2f}s after the leader was killed (lease TTL {TTL}s)")
        assert second["token"] > first["token"]
        start = term_start(cluster, second["token"])
        cluster.wait_running(SEED, timeout=90)
        cluster.wait_converged(after=start.seq, timeout=90)
    assert max(watcher.most.values()) == 1, f"a resource ran on two nodes at once: {watcher.most}"
    # The start in flight was re-probed (the agent's copy lock made a probe wait for it), not run again;
    # dispatched again only if the kill came before the agent got it.
    assert [node for node, _ in cluster.executed("start", "zulu")] == ["charlie"]
    assert cluster.running("zulu") == ["charlie"]
    assert "standby: " in cluster.processes.log_text(second["name"])
    assert_compacted_if_asked(cluster)


def test_a_frozen_leader_that_wakes_up_sends_nothing(group) -> None:
    cluster, _ = group
    wait_for(lambda: zulu_starts(cluster), 90, "zulu's start dispatched")
    first = cluster.leader()
    assert first is not None
    frozen = cluster.controllers[first["name"]]
    frozen.send_signal(signal.SIGSTOP)  # alive but silent for longer than its lease
    second = new_leader(cluster, first["name"])
    cluster.wait_running(SEED, timeout=90)
    frozen.send_signal(signal.SIGCONT)
    wait_for(
        lambda: "no longer the leader" in cluster.processes.log_text(first["name"]), 60, "the old leader to step down"
    )
    cluster.wait_converged(after=term_start(cluster, second["token"]).seq, timeout=90)
    # Every journal entry after the new term began was written by the new leader's term.
    terms = [e.data["token"] for e in cluster.kinds("controller-start")]
    assert terms == sorted(terms) and terms[-1] == second["token"]
    assert cluster.leader()["name"] == second["name"]
    assert [node for node, _ in cluster.executed("start", "zulu")] == ["charlie"]
    for node in ("alice", "bob", "charlie"):
        tokens = [o["token"] for o in cluster.orders(node)]
        assert tokens == sorted(tokens), f"{node} ran an order under an older token after a newer one"
    assert cluster.running("zulu") == ["charlie"]


@COMPACTING
def test_a_leader_killed_mid_fence_is_replaced_and_the_fence_runs_once(group) -> None:
    cluster, _ = group
    cluster.wait_running(SEED, timeout=90)
    cluster.wait_converged(timeout=90)
    before = cluster.entries()[-1].seq
    cluster.kill_agent("charlie")

    def fence_dispatched():
        return next((e for e in cluster.kinds("dispatch") if e.seq > before and e.data.get("op") == "fence"), None)

    fence = wait_for(fence_dispatched, 60, "charlie's fence to be journalled")
    first = cluster.leader()
    cluster.controllers[first["name"]].kill()  # its fence may be running, done or not yet sent
    second = new_leader(cluster, first["name"])
    start = term_start(cluster, second["token"])
    cluster.wait_running({"zulu": 1}, timeout=90)
    # Whether the executor had run it (its record says so: settled, not repeated) or never got it
    # (settled as not run: fenced once by the new leader), charlie was fenced exactly once.
    runs = [(n, o) for n in ("alice", "bob") for o in cluster.orders(n) if o["action"].startswith("fence-")]
    assert len(runs) == 1, runs
    answered = [e for e in cluster.kinds("result") if e.data.get("dispatch") == fence.seq]
    assert len(answered) == 1, answered  # by the old leader before it died, or settled by the new one
    print(f"fence #{fence.seq}: {answered[0].data['reason']}")
    if answered[0].seq > start.seq:
        assert answered[0].data["reason"].startswith("settled after a takeover")
    assert not [e for e in cluster.kinds("dispatch") if e.data.get("reissue_of") is not None]
    assert cluster.running("zulu") != ["charlie"]
    assert_compacted_if_asked(cluster)
