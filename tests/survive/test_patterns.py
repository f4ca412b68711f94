"""The risk list's patterns, in words."""

from __future__ import annotations

from itertools import combinations

from placement.survival.patterns import describe

NODES = [f"node{i}" for i in range(1, 7)]
PAIRS = list(combinations(NODES, 2))


def test_a_single_point_of_failure() -> None:
    assert describe(PAIRS, [p for p in PAIRS if "node3" in p]) == "every pair containing node3"


def test_two_single_points() -> None:
    hurt = [p for p in PAIRS if "node3" in p or "node5" in p]
    assert describe(PAIRS, hurt) == "every pair containing node3 or node5"


def test_only_a_set_failing_together() -> None:
    assert describe(PAIRS, [("node1", "node2")]) == "only when node1 and node2 fail together"
    trio = [p for p in PAIRS if set(p) <= {"node1", "node2", "node4"}]
    assert describe(PAIRS, trio) == "whenever 2 of node1, node2, node4 fail together"


def test_always_never_and_scattered() -> None:
    assert describe(PAIRS, PAIRS) == "every pair"
    assert describe(PAIRS, []) == "never"
    scattered = [("node1", "node2"), ("node3", "node4"), ("node5", "node6"), ("node1", "node6")]
    assert describe(PAIRS, scattered).startswith("in 4 scattered pairs; most often with node1 (2)")
    assert describe(PAIRS, [("node1", "node2"), ("node3", "node4")]) == "only node1 + node2; node3 + node4"


def test_single_failures() -> None:
    singles = [(n,) for n in NODES]
    assert describe(singles, [("node2",)]) == "when node2 fails"
