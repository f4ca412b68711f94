"""A globally-unique clone's instances keep their identity through a transition.

Each instance is a resource of its own (``c:1``, ``c:2``…): when ``c:1`` fails on n3 and
its target is n4, beside ``c:2``, the transition recovers ``c:1`` from n3 to n4 and starts
the new instance on n3 — as crm_simulate prints it — instead of recovering "whatever is on
n3" in place and starting a second ``c:2`` on n4, which lost a copy of the target
(differential cluster 1315 of seed 1, judged *worse* for it).
"""

from __future__ import annotations

from collections import Counter

from placement.model import Clone, Role
from placement.state import Instance, State
from placement.target import Assignment, Placement
from placement.transition import build_transition
from placement.transition.changes import ChangeKind, compute_changes
from placement.transition.simulate import simulate
from tests.solve.builders import config, primitive


def _setting():
    cfg = config(["n1", "n3", "n4", "n5"], [primitive("c"), Clone("cl", "c", max=5, per_node=2, globally_unique=True)])
    state = State(
        instances=(
            Instance("c", "n5", clone_instance="0"),
            Instance("c", "n3", failed=True, clone_instance="1"),
            Instance("c", "n4", failed=True, clone_instance="2"),
            Instance("c", "n1", clone_instance="3"),
        )
    )
    target = Placement(
        tuple(
            Assignment("c", node, Role.STARTED, number)
            for node, number in (("n5", "0"), ("n4", "1"), ("n4", "2"), ("n1", "3"), ("n3", "4"))
        )
    )
    return cfg, state, target


def test_each_instance_changes_as_itself() -> None:
    cfg, state, target = _setting()
    changes, _ = compute_changes(cfg, state, target)
    found = {(c.kind, c.clone_instance, c.source, c.target) for c in changes}
    assert found == {
        (ChangeKind.RECOVER, "1", "n3", "n4"),
        (ChangeKind.RECOVER, "2", "n4", "n4"),
        (ChangeKind.START, "4", None, "n3"),
    }


def test_the_simulated_transition_reaches_the_target_instance_by_instance() -> None:
    cfg, state, target = _setting()
    after = simulate(cfg, state, build_transition(cfg, state, target).graph)
    assert Counter((i.node, i.clone_instance) for i in after.instances) == Counter(
        (a.node, a.clone_instance) for a in target.assignments
    )


def test_a_new_instance_waits_for_the_one_leaving_its_node() -> None:
    """The target puts instance 0 on n1 and instance 1 on n2, where instance 0 runs now and
    only one copy fits (clone-node-max 1): instance 0's stop on n2 goes before instance 1's
    start there, or the start finds the node full (differential cluster 1897 of seed 1)."""
    cfg = config(["n1", "n2"], [primitive("c"), Clone("cl", "c", max=2, per_node=1, globally_unique=True)])
    state = State(instances=(Instance("c", "n2", clone_instance="0"),))
    target = Placement((Assignment("c", "n1", Role.STARTED, "0"), Assignment("c", "n2", Role.STARTED, "1")))
    after = simulate(cfg, state, build_transition(cfg, state, target).graph)
    assert sorted((i.node, i.clone_instance) for i in after.instances) == [("n1", "0"), ("n2", "1")]


def test_the_target_s_instance_replaces_the_one_on_its_node() -> None:
    """The target puts "instance 1" on n4 where instance 0 runs now and is wanted nowhere:
    the numbers are kept as the target gives them (instance 0 may be banned on n4 by its own
    fail count, which is why the solver chose 1), so 0 stops and 1 starts, in that order
    (differential cluster 1068 of seed 1)."""
    cfg = config(["n3", "n4"], [primitive("c"), Clone("cl", "c", max=4, per_node=1, globally_unique=True)])
    state = State(instances=(Instance("c", "n4", clone_instance="0"), Instance("c", "n3", clone_instance="3")))
    target = Placement((Assignment("c", "n4", Role.STARTED, "1"), Assignment("c", "n3", Role.STARTED, "3")))
    changes, _ = compute_changes(cfg, state, target)
    assert {(c.kind, c.clone_instance, c.source, c.target) for c in changes} == {
        (ChangeKind.STOP, "0", "n4", None),
        (ChangeKind.START, "1", None, "n4"),
    }
    after = simulate(cfg, state, build_transition(cfg, state, target).graph)
    assert sorted((i.node, i.clone_instance) for i in after.instances) == [("n3", "3"), ("n4", "1")]
