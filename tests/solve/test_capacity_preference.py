"""Capacity checked with what must follow (`placement.solve.colocated_set`, greedy ``_best``).

compat(pacemaker): ``pcmk__ban_insufficient_capacity``, before it assigns a primitive,
sums it with every unassigned resource tied to it by +INFINITY colocations — a group's
later members, a mandatory dependent — and if some node has room for them all, bans the
nodes that have not. If none has, it bans only the nodes without room for the primitive
alone and prefers the node with the most free capacity when that node scores as well as
the best (``assign_best_node``), the first such node in its table walk on a tie
(`placement.solve.node_table`).

Each CIB is drawn from a small family and checked against crm_simulate when it is
installed (`agreed_placement`), and against the rule itself always.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cib.cibxml import ONLINE, agreed_placement, cib, dummy, option


def _utilization(owner: str, cpu: int, memory: int) -> str:
    return (
        f'<utilization id="{owner}-u"><nvpair id="{owner}-u-cpu" name="cpu" value="{cpu}"/>'
        f'<nvpair id="{owner}-u-mem" name="memory" value="{memory}"/></utilization>'
    )


def _cluster(
    tmp_path: Path,
    capacities: list[tuple[int, int]],
    resources: str,
    constraints: str = "",
    strategy: str = "balanced",
    ids: list[str] | None = None,
    names: list[str] | None = None,
) -> Path:
    ids = ids or [str(i + 1) for i in range(len(capacities))]
    names = names or [f"node{i + 1}" for i in range(len(capacities))]
    nodes = "".join(
        f'<node id="{i}" uname="{n}">{_utilization("n" + i, *c)}</node>'
        for i, n, c in zip(ids, names, capacities, strict=True)
    )
    status = "".join(f'<node_state id="{i}" uname="{n}" {ONLINE}/>' for i, n in zip(ids, names, strict=True))
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            resources,
            constraints,
            nodes=nodes,
            status=status,
            options=option("stonith-enabled", "false") + option("placement-strategy", strategy),
        )
    )
    return path


@pytest.mark.parametrize("strategy", ["balanced", "utilization", "minimal"])
@pytest.mark.parametrize("ids", [None, ["4", "3", "2", "1"], ["a", "b", "0", "05e"]])
def test_a_group_that_fits_nowhere_prefers_the_first_most_capable_node(
    tmp_path: Path, strategy: str, ids: list[str] | None
) -> None:
    """Four nodes whose free capacities tie attribute by attribute; the group's second
    member fits none, so the first member goes to the first node of the table walk — not
    the lowest name, which the other tie-breaks would give."""
    group = (
        '<group id="g">'
        + dummy("m1", _utilization("m1", 1, 1))
        + dummy("m2", _utilization("m2", 100, 100))
        + "</group>"
    )
    path = _cluster(tmp_path, [(1, 9), (2, 8), (3, 7), (4, 6)], group, strategy=strategy, ids=ids)
    placed = agreed_placement(path)
    assert {r for r, _ in placed} == {"m1"}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    capacities=st.lists(st.tuples(st.integers(1, 6), st.integers(1, 6)), min_size=2, max_size=4),
    head=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    follower=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    strategy=st.sampled_from(["balanced", "utilization"]),
)
def test_a_primitive_goes_where_its_mandatory_dependent_fits_too(
    tmp_path: Path, capacities, head, follower, strategy: str
) -> None:
    """``b`` with ``a`` at +INFINITY: when some node has room for both, ``a`` is placed
    where ``b`` can follow. ``x`` takes no
    capacity and goes wherever fewer resources are: which node that is follows from where
    Pacemaker put ``a`` and ``b``, so a wrong reference shows there too."""
    resources = dummy("a", _utilization("a", *head)) + dummy("b", _utilization("b", *follower)) + dummy("x")
    constraint = '<rsc_colocation id="b-with-a" rsc="b" with-rsc="a" score="INFINITY"/>'
    path = _cluster(tmp_path, capacities, resources, constraint, strategy=strategy)
    placed = dict(agreed_placement(path))
    both = [c for c in capacities if c[0] >= head[0] + follower[0] and c[1] >= head[1] + follower[1]]
    if both:
        assert placed.get("a") == placed.get("b") is not None


@pytest.mark.parametrize("running_on", [None, "node1", "node2", "node4"])
def test_balanced_ties_follow_pacemakers_merge_sort(tmp_path: Path, running_on: str | None) -> None:
    """Under ``balanced`` the capacity votes go round: node4 beats node2 (more cpu, same
    memory), node1 ties both (one attribute each). Which node a resource without
    utilization lands on then depends on the order Pacemaker's merge sort meets them in
    (`placement.solve.node_table.merge_sort` over the table walk reversed), and on where
    it runs now."""
    status = None
    if running_on is not None:
        status = {"node1": "1", "node2": "2", "node4": "3"}[running_on]
    path = _cluster(tmp_path, [(2, 2048), (4, 1024), (7, 1024)], dummy("r"), names=["node1", "node2", "node4"])
    if status is not None:
        text = path.read_text().replace(
            f'<node_state id="{status}" uname="{running_on}" {ONLINE}/>',
            f'<node_state id="{status}" uname="{running_on}" {ONLINE}><lrm id="{status}"><lrm_resources>'
            '<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
            '<lrm_rsc_op id="r_last_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" '
            'transition-key="1:1:0:00000000-0000-0000-0000-000000000000" '
            'transition-magic="0:0;1:1:0:00000000-0000-0000-0000-000000000000" crm_feature_set="3.16.1" '
            'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource></lrm_resources></lrm></node_state>',
        )
        path.write_text(text)
    # Merged in the order [node2, node4, node1]: node4 beats node2, node1 ties node4 and
    # wins by name; where ``r`` runs, the tie goes to its node instead.
    assert agreed_placement(path) == {("r", running_on or "node1")}
