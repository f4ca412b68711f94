"""A finite colocation lifts a node the resource's own score rules out (`placement.solve.coloc_lift`).

Pacemaker assigns a primary before its dependents and folds a finite colocation's score
into the dependent's node scores before picking a node with a score ≥ 0
(``pcmk__apply_coloc_to_weights``): −100 on a node plus +200 with a primary placed there
is 100, and the dependent runs there. The CIB shapes are checked against the rule and,
when ``crm_simulate`` is installed, against Pacemaker's own placement; the property
checks the exact model against brute force on random clusters where lifts happen.
"""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from placement.model import Colocation, Group, Location, Strategy
from placement.solve import build_problem, solve_problem
from placement.solve.evaluate import violations
from placement.solve.result import to_solution
from placement.state import Instance, State
from tests.cib.cibxml import ONLINE, agreed_placement, cib, dummy, option, our_placement
from tests.solve.brute import best_levels
from tests.solve.builders import config, node, primitive

THREE = '<node id="1" uname="alice"/><node id="2" uname="bob"/><node id="3" uname="carol"/>'
THREE_ONLINE = "".join(
    f'<node_state id="{i}" uname="{n}" {ONLINE}/>' for i, n in enumerate(("alice", "bob", "carol"), 1)
)


def _loc(rsc: str, node: str, score: int) -> str:
    return f'<rsc_location id="l-{rsc}-{node}" rsc="{rsc}" node="{node}" score="{score}"/>'


def _everywhere(rsc: str, score: int, nodes=("alice", "bob")) -> str:
    return "".join(_loc(rsc, n, score) for n in nodes)


def _placed(tmp_path: Path, resources: str, constraints: str, **kwargs) -> set[tuple[str, str]]:
    path = tmp_path / "cib.xml"
    path.write_text(cib(resources, constraints, options=option("stonith-enabled", "false"), **kwargs))
    return agreed_placement(path)


def test_a_dependent_negative_everywhere_runs_where_its_primary_lifts_it(tmp_path: Path) -> None:
    placed = _placed(
        tmp_path,
        dummy("a") + dummy("b"),
        _loc("a", "alice", 10) + _everywhere("b", -100) + '<rsc_colocation id="c" rsc="b" with-rsc="a" score="200"/>',
    )
    assert placed == {("a", "alice"), ("b", "alice")}


def test_a_lift_short_of_zero_lifts_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            dummy("a") + dummy("b"),
            _loc("a", "alice", 10)
            + _everywhere("b", -300)
            + '<rsc_colocation id="c" rsc="b" with-rsc="a" score="200"/>',
            options=option("stonith-enabled", "false"),
        )
    )
    assert ("b", "alice") not in our_placement(path) and ("b", "bob") not in our_placement(path)


def test_a_group_is_lifted_through_its_first_member(tmp_path: Path) -> None:
    """A location on a group scores its first member; the colocation lifts that member and
    the rest follows it (the shape of differential case minimal-410)."""
    group = '<group id="g">' + dummy("m1") + dummy("m2") + "</group>"
    placed = _placed(
        tmp_path,
        dummy("a") + group,
        _loc("a", "bob", 10) + _everywhere("g", -100) + '<rsc_colocation id="c" rsc="g" with-rsc="a" score="200"/>',
    )
    assert placed == {("a", "bob"), ("m1", "bob"), ("m2", "bob")}


def test_a_node_attribute_colocation_lifts_every_node_with_the_primary_s_value(tmp_path: Path) -> None:
    nodes = (
        '<node id="1" uname="alice"><instance_attributes id="a-attrs"><nvpair id="a-rack" name="rack" value="r1"/></instance_attributes></node>'
        '<node id="2" uname="bob"><instance_attributes id="b-attrs"><nvpair id="b-rack" name="rack" value="r1"/></instance_attributes></node>'
        '<node id="3" uname="carol"><instance_attributes id="c-attrs"><nvpair id="c-rack" name="rack" value="r2"/></instance_attributes></node>'
    )
    placed = _placed(
        tmp_path,
        dummy("a") + dummy("b"),
        _loc("a", "alice", 10)
        + _loc("b", "alice", -300)
        + _loc("b", "bob", -100)
        + _loc("b", "carol", -100)
        + '<rsc_colocation id="c" rsc="b" with-rsc="a" score="200" node-attribute="rack"/>',
        nodes=nodes,
        status=THREE_ONLINE,
    )
    assert placed == {("a", "alice"), ("b", "bob")}  # alice stays short (-100), carol has another rack


def test_the_dependent_follows_its_primary_when_the_primary_s_node_goes(tmp_path: Path) -> None:
    """Replanning: alice leaves; the primary moves to bob, and the lift moves with it."""
    status = (
        f'<node_state id="1" uname="alice" in_ccm="false" crmd="offline" join="down" expected="down"/>'
        f'<node_state id="2" uname="bob" {ONLINE}/><node_state id="3" uname="carol" {ONLINE}/>'
    )
    placed = _placed(
        tmp_path,
        dummy("a") + dummy("b"),
        _loc("a", "alice", 20)
        + _loc("a", "bob", 10)
        + _everywhere("b", -100, ("alice", "bob", "carol"))
        + '<rsc_colocation id="c" rsc="b" with-rsc="a" score="200"/>',
        nodes=THREE,
        status=status,
    )
    assert placed == {("a", "bob"), ("b", "bob")}


def test_lifted_running_copy_is_displaced_when_its_primary_cannot_stay() -> None:
    """The neighbourhood search frees a copy whose lift is gone (`incremental.displaced`)."""
    nodes = (node("n1", {}), node("n2", {}))
    cfg = config(
        nodes,
        (primitive("a"), primitive("b", stickiness=0)),
        (
            Location(resource="a", node="n1", score=-1_000_000, id="ban-a"),
            Location(resource="b", node="n1", score=-100, id="b1"),
            Location(resource="b", node="n2", score=-100, id="b2"),
            Colocation("b", "a", 200, id="c"),
        ),
    )
    state = State(instances=(Instance("a", "n1"), Instance("b", "n1")))
    problem = build_problem(cfg, state)
    assert problem.lifted == {"b": frozenset({"n1", "n2"})}
    solution = to_solution(problem, solve_problem(problem))
    assert solution.nodes("a") == {"n2"} and solution.nodes("b") == {"n2"}
    assert violations(problem, solution) == []


# ----------------------------------------------------------------------------- property

LIFTABLE = st.sampled_from([-150, -60, -20, 0, 15])
FINITE = st.sampled_from([-40, 30, 70, 160])


@st.composite
def lifting_clusters(draw):
    """Small clusters whose resources are negative on some nodes, with finite colocations."""
    names = ["n1", "n2", "n3"][: draw(st.integers(2, 3))]
    strategy = draw(st.sampled_from([Strategy.DEFAULT, Strategy.UTILIZATION]))
    nodes = tuple(
        node(n, {"cpu": draw(st.integers(1, 2))}, attributes={"rack": draw(st.sampled_from(["a", "b"]))}) for n in names
    )
    ids = [f"r{i}" for i in range(draw(st.integers(2, 4)))]
    resources: list = [
        primitive(rid, {"cpu": draw(st.integers(0, 1))}, stickiness=draw(st.sampled_from([0, 30]))) for rid in ids
    ]
    top = list(ids)
    if len(ids) >= 3 and draw(st.booleans()):
        resources.append(Group("g", (ids[0], ids[1])))
        top = ["g", *ids[2:]]
    constraints: list = [
        Location(resource=rid, node=n, score=draw(LIFTABLE), id=f"loc-{rid}-{n}")
        for rid in top
        for n in names
        if draw(st.booleans())
    ]
    for index in range(draw(st.integers(1, 3))):
        dependent, primary = draw(st.permutations(top))[:2]
        constraints.append(
            Colocation(
                dependent,
                primary,
                draw(FINITE),
                node_attribute=draw(st.sampled_from([None, None, "rack"])),
                id=f"col{index}",
            )
        )
    instances = tuple(Instance(rid, draw(st.sampled_from(names))) for rid in ids[:2] if draw(st.booleans()))
    return config(nodes, tuple(resources), tuple(constraints), strategy=strategy), State(instances=instances)


@settings(max_examples=60, deadline=None)
@given(lifting_clusters())
def test_lifted_nodes_solve_to_the_brute_force_optimum(case) -> None:
    cfg, state = case
    problem = build_problem(cfg, state)
    assume(problem.lifted)
    placement = solve_problem(problem, use_greedy=False)
    solution = to_solution(problem, placement)
    assert violations(problem, solution) == []
    got = (placement.objective["running"], placement.objective["required"], placement.objective["score"])
    assert got == best_levels(problem)


def test_why_names_the_condition_and_the_primary_that_cannot_come() -> None:
    from placement.solve.explain import explain

    cfg = config(
        (node("alice", {}), node("bob", {})),
        (primitive("a"), primitive("b")),
        (
            Location(resource="a", node="bob", score=-1_000_000, id="a-never-bob"),
            Location(resource="b", node="alice", score=-300, id="b-alice"),
            Location(resource="b", node="bob", score=-100, id="b-bob"),
            Colocation("b", "a", 200, id="b-with-a"),
        ),
    )
    text = str(explain(cfg, None, "b"))
    assert "b cannot run" in text
    assert "b on bob scores -100 (location b-bob -100)" in text
    assert "b-with-a" in text and "a may not run there" in text and "a-never-bob" in text
    assert "not on alice: alice scores -300" in text
