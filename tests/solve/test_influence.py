"""Colocation influence: a primary leans towards its dependents (placement.solve.coloc_scores, §5)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Colocation, Location, frozen_map
from placement.score import INFINITY
from placement.solve import build_problem, solve
from placement.solve.coloc_scores import ColocatedScores
from placement.solve.greedy import greedy
from placement.state import Instance, State
from tests.solve.builders import config, primitive


def _two_dependents(influence: bool | None = None):
    """B is the primary of A and C (100 each); A wants n2 by 20,000, C wants n1 by 10,000.

    Both "B on n1" and "B on n2" score 30,100: an exact tie the objective cannot break.
    Pacemaker's B takes 100/1,000,000 of each dependent's preference: +2 on n2, +1 on n1.
    """
    return config(
        ["n1", "n2"],
        [primitive("A"), primitive("B"), primitive("C")],
        constraints=(
            Colocation("A", "B", 100, influence=influence),
            Colocation("C", "B", 100, influence=influence),
            Location(resource="A", node="n2", score=20_000),
            Location(resource="C", node="n1", score=10_000),
        ),
    )


def test_the_primary_follows_its_dependents_attenuated_preferences():
    cfg = _two_dependents()
    assert greedy(build_problem(cfg)).nodes("B") == {"n2"}
    placement = solve(cfg)
    assert (placement.nodes_of("A"), placement.nodes_of("B"), placement.nodes_of("C")) == (("n2",), ("n2",), ("n1",))


def test_influence_false_only_counts_while_the_primary_is_inactive():
    """pcmk__colocation_has_influence: ``influence=false`` leaves an active primary alone."""
    running = State(nodes=frozen_map({}), instances=(Instance("B", "n1"),))
    assert solve(_two_dependents(False), running).nodes_of("B") == ("n1",)  # stays (current node)
    assert solve(_two_dependents(True), running).nodes_of("B") == ("n2",)
    assert solve(_two_dependents(False)).nodes_of("B") == ("n2",)  # not active: influence anyway


def test_scaling_rounds_and_never_rounds_a_preference_away():
    """add_node_scores_matching_attr: 100/1e6 × 20,000 = 2; × 10 = 0.001, which still counts 1."""
    cfg = config(
        ["n1", "n2"],
        [primitive("A"), primitive("B")],
        constraints=(Colocation("A", "B", 100), Location(resource="A", node="n2", score=10)),
    )
    problem = build_problem(cfg)
    scores = ColocatedScores(problem).with_this(["B"], {"n1": 0, "n2": 0})
    assert scores == {"n1": 0, "n2": 1}


def test_a_dependent_that_would_leave_no_node_is_rolled_back():
    """A's -INFINITY on both nodes would ban B everywhere: that contribution is discarded."""
    cfg = config(
        ["n1", "n2"],
        [primitive("A"), primitive("B"), primitive("C")],
        constraints=(
            Colocation("A", "B", INFINITY),
            Location(resource="A", node="n1", score=-INFINITY),
            Location(resource="A", node="n2", score=-INFINITY),
            Colocation("C", "B", 500_000),
            Location(resource="C", node="n2", score=10),
        ),
    )
    scores = ColocatedScores(build_problem(cfg)).with_this(["B"], {"n1": 0, "n2": 0})
    assert scores == {"n1": 0, "n2": 5}


def test_chains_pass_on_the_sign_only():
    """D with C with B: D's preference reaches B at C's factor of 1 (only the outer sign counts)."""
    cfg = config(
        ["n1", "n2"],
        [primitive("B"), primitive("C"), primitive("D")],
        constraints=(
            Colocation("C", "B", INFINITY),
            Colocation("D", "C", 1000),
            Location(resource="D", node="n2", score=5000),
        ),
    )
    scores = ColocatedScores(build_problem(cfg)).with_this(["B"], {"n1": 0, "n2": 0})
    assert scores == {"n1": 0, "n2": 5}  # 1 × (0 + 1000/1e6 × 5000)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-3, 3), st.integers(-30_000, 30_000)), min_size=1, max_size=4),
    st.sampled_from([-INFINITY, -500, 500, INFINITY]),
)
def test_influence_only_breaks_ties(preferences, score):
    """Whatever the dependents want, the answer stays optimal: influence reorders equals only."""
    names = [f"d{i}" for i in range(len(preferences))]
    constraints = [Colocation(n, "p", score) for n in names]
    constraints += [Location(resource=n, node="n2", score=s) for n, (_, s) in zip(names, preferences, strict=True)]
    cfg = config(["n1", "n2", "n3"], [primitive("p"), *(primitive(n) for n in names)], constraints=tuple(constraints))
    with_influence = solve(cfg)
    searched = solve(cfg, use_greedy=False)  # the model solved, not the greedy fast path
    assert with_influence.optimal and searched.optimal
    assert with_influence.objective["score"] == searched.objective["score"]
    assert with_influence.objective["running"] == searched.objective["running"]


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_crm_simulate_agrees(tmp_path):
    from placement.cib import loads_cib

    text = """<cib have-quorum="true" epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.0">
<configuration><crm_config><cluster_property_set id="o">
<nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
<resources><primitive id="A" class="ocf" provider="pacemaker" type="Dummy"/>
<primitive id="B" class="ocf" provider="pacemaker" type="Dummy"/>
<primitive id="C" class="ocf" provider="pacemaker" type="Dummy"/></resources>
<constraints><rsc_colocation id="ab" rsc="A" with-rsc="B" score="100"/>
<rsc_colocation id="cb" rsc="C" with-rsc="B" score="100"/>
<rsc_location id="la" rsc="A" node="n2" score="20000"/><rsc_location id="lc" rsc="C" node="n1" score="10000"/>
</constraints></configuration><status>
<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/></status></cib>"""
    path = tmp_path / "cib.xml"
    path.write_text(text)
    out = subprocess.run(["crm_simulate", "-x", str(path), "-S"], capture_output=True, text=True).stdout
    cfg, state = loads_cib(text)
    assert f"Start      B       (    {solve(cfg, state).nodes_of('B')[0]} )" in out


def test_a_finite_anti_colocation_that_leaves_no_node_is_rolled_back():
    """apply_this_with: X apart from Y and from Z (-100 each), Y on n1 and Z on n2. Folding in
    the second (by primary id) would leave X no node ≥ 0, so it is reverted: X joins Z on n2
    (crm_simulate agrees), instead of staying stopped."""
    cfg = config(
        ["n1", "n2"],
        [primitive("X"), primitive("Y"), primitive("Z")],
        constraints=(
            Colocation("X", "Y", -100),
            Colocation("X", "Z", -100),
            Location(resource="Y", node="n1", score=1000),
            Location(resource="Z", node="n2", score=1000),
        ),
    )
    assert greedy(build_problem(cfg)).nodes("X") == {"n2"}
    assert solve(cfg).nodes_of("X") == ("n2",)


@pytest.mark.parametrize("score", [-10, 10])
def test_a_finite_colocation_with_a_clone_applies_copy_by_copy(tmp_path, score):
    """``pcmk__clone_apply_coloc_score`` applies a finite colocation once per copy, each
    rolled back on its own when it would leave no node at 0 or more: apart by -10 from a
    clone with a copy on each node, the second copy's penalty is rolled back, so ``r`` goes
    to bob, where that copy runs; with +10 both apply and the lower name decides."""
    from tests.cib.cibxml import agreed_placement, cib, dummy, option

    clone = (
        '<clone id="cl"><meta_attributes id="cl-m"><nvpair id="cl-p" name="promotable" value="true"/></meta_attributes>'
        '<primitive id="c" class="ocf" provider="pacemaker" type="Stateful"/></clone>'
    )
    path = tmp_path / "cib.xml"
    colocation = f'<rsc_colocation id="col" rsc="r" with-rsc="cl" score="{score}"/>'
    path.write_text(cib(clone + dummy("r"), colocation, options=option("stonith-enabled", "false")))
    placed = agreed_placement(path)
    assert ("r", "bob" if score < 0 else "alice") in placed


def test_an_idle_clone_instance_lowers_every_node_by_a_positive_colocation(tmp_path):
    """A clone of three copies with one node offline leaves an instance unassigned, and
    ``pcmk__apply_coloc_to_weights`` lowers every node by the score for it: ``r`` with the
    clone at +100 ends at 0 on both nodes instead of 100, so it does not stay on its node
    by a positive tie and goes to the emptier one (bob: alice also holds ``x``)."""
    from tests.cib.cibxml import ONLINE, agreed_placement, cib, dummy, option

    digest = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"'
    running = (
        '<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="r_last_0" '
        f'operation_key="r_start_0" operation="start" call-id="1" rc-code="0" op-status="0" interval="0" {digest} '
        'transition-key="1:1:0:x" transition-magic="0:0;1:1:0:x"/></lrm_resource>'
    )
    nodes = '<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>'
    status = (
        f'<node_state id="1" uname="alice" {ONLINE}><lrm><lrm_resources>{running}</lrm_resources></lrm></node_state>'
        f'<node_state id="2" uname="bob" {ONLINE}/>'
        '<node_state id="3" uname="carol" in_ccm="false" crmd="offline" join="down" expected="member"/>'
    )
    constraints = (
        '<rsc_location id="x-alice" rsc="x" node="alice" score="10"/>'
        '<rsc_colocation id="col" rsc="r" with-rsc="cl" score="100"/>'
    )
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            dummy("x") + '<clone id="cl">' + dummy("c") + "</clone>" + dummy("r"),
            constraints,
            nodes=nodes,
            status=status,
            options=option("stonith-enabled", "false"),
            root='have-quorum="1" crm_feature_set="3.16.1"',
        )
    )
    assert ("r", "bob") in agreed_placement(path)


def test_a_stopped_dependent_still_pulls_its_primary(tmp_path):
    """``target-role=Stopped`` bans a resource when it is assigned itself
    (``pcmk__primitive_assign``), after its primary has folded in its table: ``d`` prefers
    bob by INFINITY and is apart from ``p`` by -10, so ``p`` is pushed off bob even though
    ``d`` never runs — onto alice, next to the fence device, not to the emptier bob."""
    from tests.cib.cibxml import agreed_placement, cib, dummy

    stopped = '<meta_attributes id="d-m"><nvpair id="d-r" name="target-role" value="Stopped"/></meta_attributes>'
    resources = '<primitive id="fence1" class="stonith" type="fence_dummy"/>' + dummy("p") + dummy("d", stopped)
    constraints = (
        '<rsc_location id="d-bob" rsc="d" node="bob" score="INFINITY"/>'
        '<rsc_colocation id="apart" rsc="d" with-rsc="p" score="-10"/>'
    )
    path = tmp_path / "cib.xml"
    path.write_text(cib(resources, constraints))
    assert agreed_placement(path) == {("fence1", "alice"), ("p", "alice")}


def test_a_negative_role_colocation_applies_at_placement_to_every_copy(tmp_path):
    """``pcmk__colocation_affects`` waits for the roles only with a positive score: the
    promotable clone "unpromoted apart from" ``r`` keeps every copy off ``r``'s node while
    copies are placed, so one copy runs, and ``g`` then ties between alice (``r``) and bob
    (the copy) and takes the lower name."""
    from tests.cib.cibxml import agreed_placement, cib, dummy, option

    clone = (
        '<clone id="cl"><meta_attributes id="cl-m"><nvpair id="cl-p" name="promotable" value="true"/></meta_attributes>'
        '<primitive id="c" class="ocf" provider="pacemaker" type="Stateful"/></clone>'
    )
    colocation = '<rsc_colocation id="apart" rsc="cl" rsc-role="Unpromoted" with-rsc="r" score="-INFINITY"/>'
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            dummy("r") + clone + '<group id="g">' + dummy("m") + "</group>",
            colocation,
            options=option("stonith-enabled", "false"),
        )
    )
    placed = agreed_placement(path)
    assert ("r", "alice") in placed and ("m", "alice") in placed and ("c", "bob") in placed
