"""Shared pieces of the status page tests: the runtime demo's configuration, a belief, a board."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import placement
from placement.model import Config, Role
from placement.runtime.belief import Belief, Membership, NodeView
from placement.state import Instance

DEMO = Path(__file__).parents[2] / "docs" / "runtime-demo.place"
PAGE_URL = re.compile(r"status page on (http://127\.0\.0\.1:\d+/)")
SECRET = b"0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="session")
def demo_config() -> Config:
    return placement.load(DEMO)


def demo_belief() -> Belief:
    """alice and bob online, charlie lost (unclean) and still believed to run zulu."""
    belief = Belief()
    belief.nodes = {
        "alice": NodeView(Membership.ONLINE, "b1"),
        "bob": NodeView(Membership.ONLINE, "b2"),
        "charlie": NodeView(Membership.UNCLEAN, "b3", "agent lost"),
    }
    for node, instance in (("alice", "0"), ("bob", "1"), ("charlie", "2")):
        belief.set_instance(Instance("iscsi", node, Role.STARTED, clone_instance=instance))
    belief.set_instance(Instance("xray", "alice"))
    belief.set_instance(Instance("yankee", "bob", Role.STARTED, failed=True))
    belief.set_instance(Instance("zulu", "charlie"))
    return belief


@pytest.fixture
def controller_group(tmp_path: Path):
    """etcd, three real agents, and two ``placement run --etcd --http`` (c1, c2): (cluster, processes, page urls)."""
    from placement.runtime.auth import write_secret
    from tests.runtime.cluster import Cluster
    from tests.runtime.etcd_members import EtcdMembers
    from tests.runtime.harness import CLI, Processes, wait_for

    secret = tmp_path / "secret"
    write_secret(secret)
    (tmp_path / "logs").mkdir()
    processes = Processes(tmp_path / "logs")
    try:
        members = EtcdMembers(processes, tmp_path / "etcd", 1)
        members.start()
        cluster = Cluster(processes, tmp_path, secret)
        cluster.start_agents()
        cluster.etcd = members.client()
        urls = {}
        for name in ("c1", "c2"):
            processes.spawn(name, [*CLI, "run", str(cluster.config), "--agents", cluster.agents_option,
                                   "--secret-file", str(secret), "--etcd", members.urls, "--name", name,
                                   "--lease-ttl", "3", "--dead-after", "3", "--poll", "0.1",
                                   "--http", "127.0.0.1:0"])
            found = wait_for(lambda n=name: PAGE_URL.search(processes.log_text(n)), 60, f"{name}'s page")
            urls[name] = found[1]  # type: ignore[index]
        yield cluster, processes, urls
    finally:
        processes.cleanup()
