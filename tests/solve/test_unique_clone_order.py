"""The order of a globally-unique clone's instances, as a dependent's colocation walks them.

compat(pacemaker): ``distribute_children`` sorts the clone's instances once
(``pcmk__cmp_instance``: active ones first, then inactive ones, one active on a node that
bans it last) and keeps that order; a dependent's colocation with the clone applies the
instances one at a time in it, each step rolled back when it leaves the dependent no node
at 0 or more (``pcmk__apply_coloc_to_weights``). With an anti-colocation every step but
the first can be the one rolled back, so which node the dependent ends on depends on the
order. Checked against crm_simulate when it is installed. Found by shrinking a
disagreement of `bench/differential.py` (seed 7: cluster 665).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.cib.cibxml import ONLINE, cib, dummy, meta, option, our_placement, pacemaker_placement

NODES = ("node1", "node2", "node3")


def _started(rid: str) -> str:
    key = "1:1:0:00000000-0000-0000-0000-000000000000"
    return (
        f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
        f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0" operation="start" call-id="1" '
        f'rc-code="0" op-status="0" interval="0" crm_feature_set="3.16.1" transition-key="{key}" '
        f'transition-magic="0:0;{key}" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8" '
        'last-rc-change="1700000000" exec-time="0" queue-time="0"/></lrm_resource>'
    )


@settings(max_examples=25, deadline=None)
@given(
    node_count=st.integers(2, 3),
    copies=st.integers(2, 3),
    active=st.dictionaries(st.integers(0, 2), st.integers(0, 2), max_size=2),
    score=st.sampled_from([-10, -5, 10]),
)
def test_a_dependent_folds_the_instances_in_the_clones_order(
    node_count: int, copies: int, active: dict[int, int], score: int
) -> None:
    """``d`` colocated with a unique clone (``clone-node-max`` 1) some of whose instances
    run somewhere now: ``d`` lands where Pacemaker puts it."""
    names = NODES[:node_count]
    clone = f'<clone id="c-clone">{meta("c-clone", globally_unique="true", clone_max=str(copies))}{dummy("c")}</clone>'
    resources = clone + dummy("d")
    constraints = f'<rsc_colocation id="d-with-c" rsc="d" with-rsc="c-clone" score="{score}"/>'
    running: dict[str, list[str]] = {}
    taken: set[str] = set()
    for number, where in sorted(active.items()):
        node = names[where % node_count]
        if number < copies and node not in taken:
            taken.add(node)
            running.setdefault(node, []).append(f"c:{number}")
    status = "".join(
        f'<node_state id="{i + 1}" uname="{name}" {ONLINE}><lrm id="{i + 1}"><lrm_resources>'
        + "".join(_started(rid) for rid in running.get(name, []))
        + "</lrm_resources></lrm></node_state>"
        for i, name in enumerate(names)
    )
    nodes = "".join(f'<node id="{i + 1}" uname="{n}"/>' for i, n in enumerate(names))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "cib.xml"
        path.write_text(
            cib(resources, constraints, nodes=nodes, status=status, options=option("stonith-enabled", "false"))
        )
        ours = {node for rid, node in our_placement(path) if rid == "d"}
        if shutil.which("crm_simulate"):
            assert ours == {node for rid, node in pacemaker_placement(path) if rid == "d"}
    assert len(ours) == 1  # a finite colocation never keeps it from running
