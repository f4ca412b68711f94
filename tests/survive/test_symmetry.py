"""Interchangeable nodes: one scenario solved per class, with the same answers as solving them all."""

from __future__ import annotations

import placement
from placement.survival.symmetry import node_classes
from tests.survive.whatif_loop import survive_sets, whatif_loop

CLONES = """cluster fencing=on
node n1
node n2
node n3
node n4
fence fd stonith:fence_dummy
resource ping ocf:pacemaker:Dummy
clone cl of ping
resource web ocf:pacemaker:Dummy
location web prefers n1 50
"""


def test_nodes_running_the_same_are_one_class() -> None:
    config = placement.loads(CLONES)
    state = placement.steady_state(config)
    classes = node_classes(config, state, list(config.nodes))
    fd_node = next(i.node for i in state.instances if i.resource == "fd")
    plain = tuple(n for n in ("n2", "n3", "n4") if n != fd_node)
    assert plain in classes  # n1 runs web (and is preferred), the fence device's node differs too
    assert all(len(c) == 1 for c in classes if c != plain)


def test_symmetric_scenarios_are_solved_once_and_answer_like_whatif() -> None:
    config = placement.loads(CLONES)
    state = placement.steady_state(config)
    report = placement.survive(config, state, failures=2)
    assert report.total == 6 and report.solved < report.total
    assert sum(1 for r in report.results if r.same_as) == report.total - report.solved
    assert survive_sets(report) == whatif_loop(config, state, 2)
    every = placement.survive(config, state, failures=2, symmetry=False)
    assert every.solved == 6 and survive_sets(every) == survive_sets(report)


def test_an_attribute_a_rule_reads_breaks_the_symmetry() -> None:
    text = CLONES.replace("node n3\n", "node n3 ssd=yes\n") + "location web prefers (ssd == yes) 10\n"
    config = placement.loads(text)
    state = placement.steady_state(config)
    classes = node_classes(config, state, list(config.nodes))
    assert not any("n3" in c and len(c) > 1 for c in classes)


def test_renamed_reasons_name_the_scenarios_own_nodes() -> None:
    config = placement.loads(CLONES.replace("fence fd stonith:fence_dummy\n", "")
                             .replace("cluster fencing=on", "cluster fencing=off"))
    state = placement.steady_state(config)
    report = placement.survive(config, state, failures=1)
    for result in report.results:
        for impact in result.outcome.impacts:
            assert result.scenario.nodes[0] in impact.reason  # "held on unclean node n3 …" for n3's scenario
    assert report.solved < report.total
