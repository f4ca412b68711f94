"""Shared pieces of the status page tests: the runtime demo's configuration, a belief, a board."""

from __future__ import annotations

from pathlib import Path

import pytest

import placement
from placement.model import Config, Role
from placement.runtime.belief import Belief, Membership, NodeView
from placement.state import Instance

DEMO = Path(__file__).parents[2] / "docs" / "runtime-demo.place"
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
