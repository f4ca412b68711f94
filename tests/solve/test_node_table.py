"""Pacemaker's walk of a resource's allowed-node table (`placement.solve.node_table`).

The order is read back from Pacemaker itself: with a placement strategy,
``pcmk__ban_insufficient_capacity`` logs every allowed node of the primitive it is about
to assign ("Post-utilization: … allocation score on N") while it iterates that table, so
crm_simulate's trace gives the order of any set of node ids and names we draw.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement.solve.node_table import allowed_nodes_order, merge_sort, numeric_casecmp, pacemaker_node_order
from tests.cib.cibxml import ONLINE, cib, dummy, option


def _utilization(owner: str, amount: int) -> str:
    return f'<utilization id="{owner}-u"><nvpair id="{owner}-u-cpu" name="cpu" value="{amount}"/></utilization>'


def _walk_by_pacemaker(tmp_path: Path, ids: list[str], names: list[str], grouped: bool) -> list[str]:
    """The order of ``probe``'s table; ``grouped``: ``probe`` heads a group, so folding in
    the next member's colocation replaced its table by a copy."""
    nodes = "".join(
        f'<node id="{i}" uname="{n}">{_utilization("n" + i, 10)}</node>' for i, n in zip(ids, names, strict=True)
    )
    status = "".join(f'<node_state id="{i}" uname="{n}" {ONLINE}/>' for i, n in zip(ids, names, strict=True))
    resources = dummy("probe", _utilization("probe", 1))
    if grouped:
        resources = f'<group id="g">{resources}{dummy("next")}</group>'
    path = tmp_path / "walk.xml"
    path.write_text(
        cib(
            resources,
            nodes=nodes,
            status=status,
            options=option("stonith-enabled", "false") + option("placement-strategy", "utilization"),
        )
    )
    done = subprocess.run(["crm_simulate", "-x", str(path), "-S", "-VVVVVVV"], capture_output=True, text=True)
    lines = (done.stdout + done.stderr).splitlines()
    return [line.split()[-2].rstrip(":") for line in lines if "Post-utilization: probe allocation score on" in line]


_idents = st.text(alphabet="0123456789abcdef-", min_size=1, max_size=10).filter(lambda s: s[0] != "-")
_names = st.builds(
    lambda stem, number, tail: f"{stem}{number}{tail}",
    st.sampled_from(["node", "Node", "db", "n"]),
    st.integers(0, 150),
    st.sampled_from(["", "a", "B", "-x"]),
)


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="crm_simulate (pacemaker-cli-utils) is not installed")
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pairs=st.lists(
        st.tuples(_idents, _names), min_size=1, max_size=20, unique_by=(lambda p: p[0], lambda p: p[1].lower())
    ),
    grouped=st.booleans(),
)
def test_the_walk_is_pacemakers_for_any_ids_and_names(
    tmp_path: Path, pairs: list[tuple[str, str]], grouped: bool
) -> None:
    ids, names = [p[0] for p in pairs], [p[1] for p in pairs]
    # (Up to 20 nodes: the table grows past 8 and 16 entries, relocating in place; short
    # ids of hex digits often share a bucket, so the copy's order differs from the first.)
    expected = _walk_by_pacemaker(tmp_path, ids, names, grouped)
    assert allowed_nodes_order(dict(zip(names, ids, strict=True)), copies=int(grouped)) == expected


def test_node_names_sort_with_numbers_as_numbers() -> None:
    assert pacemaker_node_order(["node10", "node9", "Node2", "node007", "node7"]) == [
        "Node2",
        "node7",
        "node007",
        "node9",
        "node10",
    ]
    assert numeric_casecmp("a", "A") == 0
    assert numeric_casecmp("node", "node1") < 0 < numeric_casecmp("node1", "node")


def test_the_merge_sort_compares_in_glibs_order() -> None:
    """g_list_sort cuts an odd list with the shorter half on the left: crm_simulate's trace
    of ``balanced`` node sorting over [node2, node4, node1] compares node4 with node1 first,
    then node2 with node1. With a comparison that is not transitive, that order decides."""
    calls: list[tuple[str, str]] = []
    rank = {"node1": 1, "node2": 2, "node4": 4}

    def compare(one: str, other: str) -> int:
        calls.append((one, other))
        return rank[one] - rank[other]

    assert merge_sort(["node2", "node4", "node1"], compare) == ["node1", "node2", "node4"]
    assert calls == [("node4", "node1"), ("node2", "node1"), ("node2", "node4")]
    assert merge_sort(list(range(9, 0, -1)), lambda x, y: x - y) == list(range(1, 10))
