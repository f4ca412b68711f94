"""Globally-unique clones: pre-assignment to current nodes, then rebalancing (distribute_children, §8)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Clone, Location, frozen_map
from placement.solve import build_problem, solve
from placement.solve.greedy import greedy
from placement.state import Instance, State
from tests.solve.builders import config, primitive


def _clone(count: int, per_node: int, nodes: tuple[str, ...], locations=()) -> object:
    return config(
        list(nodes),
        [primitive("d", stickiness=0), Clone("c", "d", globally_unique=True, max=count, per_node=per_node)],
        constraints=tuple(locations),
    )


def _running(*where: tuple[int, str]) -> State:
    return State(nodes=frozen_map({}), instances=tuple(Instance("d", n, clone_instance=str(i)) for i, n in where))


def _where(placement) -> dict[str, str]:
    return {a.clone_instance: a.node for a in placement.assignments}


def test_a_unique_instance_does_not_stay_on_an_equally_good_crowded_node():
    """clone-max 2 on two nodes scoring 10 each, both copies on n2: d:0 is pre-assigned there
    (one per node is optimal), d:1 goes where fewer copies are — crm_simulate moves d:1 to n1."""
    locations = [Location(resource="c", node=n, score=10) for n in ("n1", "n2")]
    cfg = _clone(2, 2, ("n1", "n2"), locations)
    state = _running((0, "n2"), (1, "n2"))
    assert greedy(build_problem(cfg, state)).nodes("d:1") == {"n1"}
    assert _where(solve(cfg, state)) == {"0": "n2", "1": "n1"}


def test_crowded_instances_spread_out():
    """Four copies on n1 of two nodes, no stickiness: two are kept, two move (crm_simulate agrees)."""
    cfg = _clone(4, 4, ("n1", "n2"))
    state = _running(*((i, "n1") for i in range(4)))
    where = _where(solve(cfg, state))
    assert sorted(where.values()) == ["n1", "n1", "n2", "n2"]
    assert where["0"] == where["1"] == "n1"


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 6), st.integers(1, 3), st.lists(st.sampled_from(["n1", "n2", "n3"]), max_size=6))
def test_pre_assignment_keeps_the_spread_balanced(count, per_node, where):
    """Without scores the greedy reference never puts more than its share plus the remainder on a node."""
    cfg = _clone(count, per_node, ("n1", "n2", "n3"))
    state = _running(*((i, n) for i, n in enumerate(where[:count])))
    solution = greedy(build_problem(cfg, state))
    on = [n for i in range(count) for n in solution.nodes(f"d:{i}")]
    assert len(on) == min(count, 3 * per_node)
    assert all(on.count(n) <= per_node for n in ("n1", "n2", "n3"))
    assert max(on.count(n) for n in ("n1", "n2", "n3")) <= -(-count // 3)  # ceil: spread, not piled
