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
