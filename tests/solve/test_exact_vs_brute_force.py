"""Property: on tiny random clusters the solver is exactly as good as trying everything.

For each random model (≤3 nodes, ≤4 resources, mixed constraints, promotable clones of
groups included) the solver's answer
breaks no hard constraint (checked by the independent evaluator) and its maximised
objective levels equal the brute-force optimum.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Clone, Colocation, Group, Location, Order, Role, Strategy
from placement.score import INFINITY
from placement.solve import build_problem, solve_problem
from placement.solve.evaluate import violations
from placement.solve.result import to_solution
from placement.state import Instance, State
from tests.solve.brute import best_levels
from tests.solve.builders import config, node, primitive

# -20 can be lifted by a colocation of 25 (`placement.solve.coloc_lift`), -50 cannot.
SCORES = st.sampled_from([-INFINITY, -50, -20, 0, 10, 40, INFINITY])
COLOCATION_SCORES = st.sampled_from([-INFINITY, -30, 25, INFINITY])


SHAPES = ("plain", "group", "clone", "promotable", "unique", "promotable-group", "unique-promotable-group")


@st.composite
def clusters(draw, shapes=SHAPES):
    node_names = ["n1", "n2", "n3"][: draw(st.integers(2, 3))]
    strategy = draw(st.sampled_from([Strategy.DEFAULT, Strategy.UTILIZATION]))
    nodes = [
        node(n, {"cpu": draw(st.integers(1, 3))}, attributes={"rack": draw(st.sampled_from(["a", "b"]))})
        for n in node_names
    ]
    count = draw(st.integers(1, 4))
    ids = [f"r{i}" for i in range(count)]
    resources: list = []
    for rid in ids:
        resources.append(
            primitive(
                rid,
                {"cpu": draw(st.integers(0, 2))},
                priority=draw(st.sampled_from([0, 0, 5])),
                stickiness=draw(st.sampled_from([0, 30])),
            )
        )
    top = list(ids)
    shape = draw(st.sampled_from(shapes))
    unique = shape == "unique-promotable-group"
    shape = "promotable-group" if unique else shape
    if shape == "promotable-group" and count < 2:
        shape = "promotable"
    if shape == "group" and count >= 2:
        resources.append(Group("g", (ids[0], ids[1])))
        top = ["g", *ids[2:]]
    elif shape == "promotable-group":
        # A promotable clone of a group (§8): each copy is promoted as a whole.
        resources.append(Group("g", (ids[0], ids[1])))
        resources.append(Clone("c", "g", max=2, promotable=True, globally_unique=unique))
        top = ["c", *ids[2:]]
    elif shape == "unique":
        resources.append(Clone("c", ids[0], max=2, per_node=draw(st.integers(1, 2)), globally_unique=True))
        top = ["c", *ids[1:]]
    elif shape in ("clone", "promotable"):
        resources.append(Clone("c", ids[0], max=draw(st.integers(1, 2)), promotable=shape == "promotable"))
        top = ["c", *ids[1:]]
    constraints: list = []
    for rid in top:
        for n in node_names:
            if draw(st.booleans()):
                constraints.append(Location(resource=rid, node=n, score=draw(SCORES), id=f"loc-{rid}-{n}"))
    for index in range(draw(st.integers(0, 2))):
        if len(top) < 2:
            break
        dependent, primary = draw(st.permutations(top))[:2]
        attribute = draw(st.sampled_from([None, None, "rack"]))
        constraints.append(
            Colocation(dependent, primary, draw(COLOCATION_SCORES), node_attribute=attribute, id=f"col{index}")
        )
    if len(top) >= 2 and draw(st.booleans()):
        first, then = draw(st.permutations(top))[:2]
        constraints.append(Order(first, then, id="ord"))
    instances = []
    for rid in ids[:2]:
        if draw(st.booleans()):
            instances.append(Instance(rid, draw(st.sampled_from(node_names))))
    promoted = draw(st.booleans())
    state = State(instances=tuple(instances))
    cfg = config(nodes, resources, tuple(constraints), strategy=strategy)
    if shape in ("promotable", "promotable-group"):
        # A promotion score on the first node only (the others have none: -1, not promotable),
        # and a Promoted-role location that makes the last node promotable too.
        constraints.append(Location(resource="c", node=node_names[-1], score=3, role=Role.PROMOTED, id="promo"))
        scores = {0: {"master-r0": "5"}} if promoted else {}
        if shape == "promotable-group":
            # The copy's score is the sum of its members'; a member may veto a node.
            suffix = ":0" if unique else ""
            scores = {0: {f"master-r0{suffix}": "5"}} if promoted else {}
            if draw(st.booleans()):
                scores.setdefault(1, {})[f"master-r1{suffix}"] = str(draw(st.sampled_from([-4, 0, 6])))
            if draw(st.booleans()):
                score = draw(st.sampled_from([-INFINITY, -2, 4]))
                constraints.append(
                    Location(resource="r1", node=draw(st.sampled_from(node_names)), score=score, role=Role.PROMOTED)
                )
            if len(top) >= 2 and draw(st.booleans()):
                # Role-restricted colocations name the promoted copy (its last or first member).
                other = top[1]
                score = draw(COLOCATION_SCORES)
                if draw(st.booleans()):
                    constraints.append(Colocation(other, "c", score, primary_role=Role.PROMOTED, id="with-promoted"))
                else:
                    constraints.append(Colocation("c", other, score, dependent_role=Role.PROMOTED, id="promoted-with"))
        with_scores = [
            node(n.name, dict(n.capacity), attributes={**n.attributes, **scores.get(i, {})})
            for i, n in enumerate(nodes)
        ]
        cfg = config(with_scores, resources, tuple(constraints), strategy=strategy)
    return cfg, state


@settings(max_examples=80)
@given(clusters())
def test_solver_matches_brute_force_and_breaks_no_hard_constraint(case):
    _matches_brute_force(case)


@settings(max_examples=50)
@given(clusters(shapes=("promotable-group",)))
def test_promotable_groups_match_brute_force(case):
    """§8: a promotable clone of a group, with member scores, member Promoted-role locations
    and colocations with the promoted role."""
    _matches_brute_force(case)


@settings(max_examples=30)
@given(clusters(shapes=("unique-promotable-group",)))
def test_unique_promotable_groups_match_brute_force(case):
    """The same for a globally-unique one: instance N's members read ``master-<member>:<N>``."""
    _matches_brute_force(case)


def _matches_brute_force(case):
    cfg, state = case
    problem = build_problem(cfg, state)
    placement = solve_problem(problem, use_greedy=False)
    solution = to_solution(problem, placement)
    assert violations(problem, solution) == []
    best = best_levels(problem)
    got = (placement.objective["running"], placement.objective["required"], placement.objective["score"])
    assert got == best
    assert placement.optimal


@settings(max_examples=60)
@given(clusters())
def test_greedy_fast_path_never_returns_a_worse_answer(case):
    cfg, state = case
    problem = build_problem(cfg, state)
    fast = solve_problem(problem)
    exact = solve_problem(problem, use_greedy=False)
    levels = ("running", "required", "score")
    assert [fast.objective[level] for level in levels] == [exact.objective[level] for level in levels]
