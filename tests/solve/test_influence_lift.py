"""A primary may run where its dependents' folded pull lifts its own negative score
(`placement.solve.influence_lift`).

``pcmk__add_colocated_node_scores`` folds each influencing dependent's scores into the
primary's, each level at its own factor: through a mandatory colocation a dependent two
steps away pulls at full weight. ``p`` is at -100 on alice; ``d`` is colocated 200 with it,
``e`` 100 with ``d``, and ``far`` INFINITY with ``e`` prefers alice by ``pull``: at 100 the
primary's folded score on alice is 0 and the whole chain goes there (equal nodes: the
lower name), at 50 it stays short and the primary goes to bob. Checked against the rule
and, when ``crm_simulate`` is installed, against Pacemaker's own placement.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cib.cibxml import agreed_placement, cib, dummy, option

CHAIN = (
    '<rsc_location id="p-alice" rsc="p" node="alice" score="-100"/>'
    '<rsc_colocation id="d-with-p" rsc="d" with-rsc="p" score="200"/>'
    '<rsc_colocation id="e-with-d" rsc="e" with-rsc="d" score="100"/>'
    '<rsc_colocation id="far-with-e" rsc="far" with-rsc="e" score="INFINITY"/>'
)


@pytest.mark.parametrize("pull", [100, 50])
def test_a_dependent_two_steps_away_lifts_the_primary(tmp_path: Path, pull: int) -> None:
    path = tmp_path / "cib.xml"
    far = f'<rsc_location id="far-alice" rsc="far" node="alice" score="{pull}"/>'
    resources = dummy("p") + dummy("d") + dummy("e") + dummy("far")
    path.write_text(cib(resources, CHAIN + far, options=option("stonith-enabled", "false")))
    placed = agreed_placement(path)
    expected = "alice" if pull >= 100 else "bob"
    assert ("p", expected) in placed


@pytest.mark.parametrize("copies", [2, 3])
def test_a_clone_short_of_nodes_is_lifted_by_its_dependent(tmp_path: Path, copies: int) -> None:
    """``distribute_children``: with fewer copies than nodes, each instance inherits the
    clone's dependents (``append_parent_colocation``). ``r``, +INFINITY on alice and 10 with
    the clone, lifts alice's -10 to 0, so a copy may run there and does (equal scores: the
    lower names) and ``r`` gets its 10. With a copy for every node the instances feel no
    positive dependents: alice stays ruled out."""
    nodes = '<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>'
    status = "".join(
        f'<node_state id="{i}" uname="{n}" in_ccm="true" crmd="online" join="member" expected="member"/>'
        for i, n in ((1, "alice"), (2, "bob"), (3, "carol"))
    )
    clone = (
        f'<clone id="cl"><meta_attributes id="cl-m"><nvpair id="cl-max" name="clone-max" value="{copies}"/>'
        f"</meta_attributes>{dummy('c')}</clone>"
    )
    constraints = (
        '<rsc_location id="cl-not-alice" rsc="cl" node="alice" score="-10"/>'
        '<rsc_location id="r-on-alice" rsc="r" node="alice" score="INFINITY"/>'
        '<rsc_colocation id="r-with-cl" rsc="r" with-rsc="cl" score="10"/>'
    )
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(clone + dummy("r"), constraints, nodes=nodes, status=status, options=option("stonith-enabled", "false"))
    )
    placed = agreed_placement(path)
    assert (("c", "alice") in placed) == (copies == 2)
