"""Incremental replanning (§ issue 4): the neighbourhood answer equals the full one when proven.

After a node is lost, only the displaced resources and their neighbourhood are re-solved;
the certificate must never claim optimality the full model would beat.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.model import Colocation, Location, Strategy
from placement.score import INFINITY
from placement.solve import build_problem, current_solution, solve, solve_problem
from placement.solve.cpsat import SolverOptions
from placement.solve.evaluate import violations
from placement.solve.incremental import (
    Priced,
    certify,
    displaced,
    kept_units,
    merge,
    neighbourhood,
    replan,
    restrict,
)
from placement.solve.result import to_solution
from placement.solve.solution import Solution
from placement.solve.units import Unit
from placement.state import Instance, NodeState, NodeStatus, State
from tests.solve.builders import config, node, primitive

LEVELS = ("running", "required", "score")


def running(placement) -> State:
    return State(
        instances=tuple(
            Instance(a.resource, a.node, a.role, clone_instance=a.clone_instance) for a in placement.assignments
        )
    )


@st.composite
def clusters_after_a_failure(draw):
    names = [f"n{i}" for i in range(draw(st.integers(2, 4)))]
    nodes = [node(n, {"cpu": draw(st.integers(2, 4))}) for n in names]
    count = draw(st.integers(2, 7))
    resources = [
        primitive(f"r{i}", {"cpu": draw(st.integers(1, 2))}, stickiness=draw(st.sampled_from([0, 50])))
        for i in range(count)
    ]
    constraints = []
    for i in range(count):
        if draw(st.booleans()):
            constraints.append(
                Location(
                    resource=f"r{i}",
                    node=draw(st.sampled_from(names)),
                    score=draw(st.sampled_from([-INFINITY, 20, 60])),
                )
            )
    for index in range(draw(st.integers(0, 3))):
        a, b = draw(st.permutations(range(count)))[:2]
        constraints.append(
            Colocation(f"r{a}", f"r{b}", draw(st.sampled_from([-INFINITY, -40, 30, INFINITY])), id=f"c{index}")
        )
    cfg = config(nodes, resources, tuple(constraints), strategy=Strategy.UTILIZATION)
    before = running(solve(cfg, incremental=False))
    lost = draw(st.sampled_from(names))
    status = draw(st.sampled_from([NodeStatus.OFFLINE, NodeStatus.STANDBY]))
    return cfg, before.with_node(lost, NodeState(status))


@settings(max_examples=60)
@given(clusters_after_a_failure())
def test_a_proven_neighbourhood_answer_is_as_good_as_the_full_model(case):
    assert_a_proven_replan_is_optimal(*case)


def assert_a_proven_replan_is_optimal(cfg, state) -> None:
    """The neighbourhood answer breaks nothing, and when proven it is the full model's optimum."""
    from placement.solve import objective

    problem = build_problem(cfg, state)
    current = current_solution(problem)
    outcome = replan(problem, current, SolverOptions(time_limit=20), deadline=float("inf"))
    if outcome is None:
        return  # the neighbourhood was everything: the caller solves the whole model
    assert violations(problem, outcome.solution) == []
    if outcome.proven:
        full = solve_problem(problem, incremental=False)
        assert full.optimal
        mine = objective.values(problem, outcome.solution, current, current)
        assert [mine[level] for level in LEVELS] == [full.objective[level] for level in LEVELS]


@settings(max_examples=40)
@given(clusters_after_a_failure())
def test_solve_with_incremental_is_exactly_as_good_as_without(case):
    """The public entry point falls back to the full model when it cannot prove the neighbourhood."""
    cfg, state = case
    with_neighbourhood = solve(cfg, state)
    without = solve(cfg, state, incremental=False)
    assert with_neighbourhood.optimal
    assert [with_neighbourhood.objective[level] for level in LEVELS] == [without.objective[level] for level in LEVELS]


def test_only_the_displaced_and_their_colocated_partners_are_freed():
    cfg = config(
        ["alice", "bob", "carol"],
        [primitive(r, stickiness=100) for r in ("db", "web", "mail", "dns")],
        constraints=(Colocation("web", "db", INFINITY, id="web-with-db"),),
    )
    state = State(
        instances=(
            Instance("db", "alice"),
            Instance("web", "alice"),
            Instance("mail", "bob"),
            Instance("dns", "carol"),
        ),
        nodes={"alice": NodeState(NodeStatus.OFFLINE)},
    )
    problem = build_problem(cfg, state)
    current = current_solution(problem)
    assert displaced(problem, current) == {"db", "web"}
    assert neighbourhood(problem, {"db"}) == {"db", "web"}
    placement = solve(cfg, state)
    assert placement.optimal  # (greedy wins the tie here: level 3)
    assert placement.nodes_of("mail") == ("bob",) and placement.nodes_of("dns") == ("carol",)
    assert placement.nodes_of("db") == placement.nodes_of("web") != ("alice",)
    assert certify(problem, {"db", "web"}, to_solution(problem, placement)).proven


def test_the_neighbourhood_model_leaves_out_untied_units_but_keeps_their_capacity():
    cfg = config(
        [node("alice", {"cpu": 2}), node("bob", {"cpu": 2})],
        [primitive("db", {"cpu": 1}), primitive("web", {"cpu": 1}), primitive("batch", {"cpu": 2})],
        constraints=(Colocation("web", "db", 10, id="web-near-db"),),
        strategy=Strategy.UTILIZATION,
    )
    state = State(instances=(Instance("db", "alice"), Instance("web", "alice"), Instance("batch", "bob")))
    problem = build_problem(cfg, state)
    current = current_solution(problem)
    small = restrict(problem, {"db"}, current)
    # not tied to db: left out of the model (and of every check on it)…
    assert "batch" not in small.allowed and [unit.key for unit in small.units] == ["db", "web"]
    assert small.capacity["bob"]["cpu"] == 0  # …but what it uses stays used
    assert list(small.allowed["web"]) == ["alice"] and small.pinned["web"] == {"alice"}  # tied: pinned
    assert set(small.allowed["db"]) == {"alice", "bob"}
    moved = Solution({"db": frozenset({"bob"}), "web": frozenset({"alice"})}, {})
    whole = merge(kept_units(problem, {"db"}), moved, current)
    assert whole.placed == {"db": {"bob"}, "web": {"alice"}, "batch": {"bob"}}


def test_a_steady_state_without_promotion_is_not_certified_optimal():
    """Promotions change without moves: pinned copies' promotion regret must free them (bug-lf-2544)."""
    from placement.model import Clone, Role

    nodes = [node("alice", attributes={"master-db": "5"}), node("bob", attributes={"master-db": "5"})]
    cfg = config(nodes, [primitive("db"), Clone("ms", "db", promotable=True)])
    state = State(instances=(Instance("db", "alice", Role.UNPROMOTED), Instance("db", "bob", Role.UNPROMOTED)))
    placement = solve(cfg, state)
    assert sum(a.role is Role.PROMOTED for a in placement.assignments) == 1
    assert placement.optimal


@st.composite
def clusters_with_clones_after_a_failure(draw):
    """Unique and promotable clones (of a primitive or of a group) and a group next to
    primitives: the neighbourhood model must keep clone limits (copies per node, promoted
    copies) exact while leaving most out."""
    from placement.model import Clone, Group

    names = [f"n{i}" for i in range(draw(st.integers(2, 4)))]
    nodes = [
        node(n, {"cpu": draw(st.integers(3, 6))}, attributes={"master-db": str(draw(st.sampled_from([1, 5, 10])))})
        for n in names
    ]
    resources = [
        primitive("web", {"cpu": 1}, stickiness=draw(st.sampled_from([0, 50]))),
        Clone("webs", "web", max=draw(st.integers(1, 4)), per_node=draw(st.integers(1, 2)), globally_unique=True),
        primitive("db", {"cpu": 1}),
    ]
    if draw(st.booleans()):
        # A promotable clone of a group: its copies are promoted (and freed) as a whole.
        resources += [primitive("dbfs", {"cpu": 1}), Group("dbg", ("db", "dbfs"))]
        resources.append(Clone("ms", "dbg", promotable=True, promoted_max=draw(st.integers(1, 2))))
    else:
        resources.append(Clone("ms", "db", promotable=True, promoted_max=draw(st.integers(1, 2))))
    resources += [
        primitive("ip", {"cpu": 1}),
        primitive("app", {"cpu": 1}),
        Group("g", ("ip", "app")),
    ]
    resources += [primitive(f"r{i}", {"cpu": draw(st.integers(1, 2))}) for i in range(draw(st.integers(0, 3)))]
    constraints = [Location(resource="g", node=draw(st.sampled_from(names)), score=draw(st.sampled_from([20, 60])))]
    if draw(st.booleans()):
        constraints.append(Colocation("g", "ms", draw(st.sampled_from([30, INFINITY])), id="g-with-ms"))
    if draw(st.booleans()):
        constraints.append(Colocation("g", "webs", -40, id="g-apart-webs"))
    if draw(st.booleans()):
        # The group as primary: the constraint names its last member, so a freed primitive
        # reaches the middle of a group copy that is not freed (the 64×3000 crash).
        resources.append(primitive("near", {"cpu": 1}, stickiness=50))
        constraints.append(Colocation("near", "g", draw(st.sampled_from([-25, 25, INFINITY])), id="near-with-g"))
    cfg = config(nodes, resources, tuple(constraints), strategy=Strategy.UTILIZATION)
    before = running(solve(cfg, incremental=False))
    lost = draw(st.sampled_from(names))
    return cfg, before.with_node(lost, NodeState(draw(st.sampled_from([NodeStatus.OFFLINE, NodeStatus.STANDBY]))))


@settings(max_examples=40, deadline=None)
@given(clusters_with_clones_after_a_failure())
def test_replanning_clones_incrementally_is_exactly_as_good_as_the_full_model(case):
    assert_a_proven_replan_is_optimal(*case)


def test_a_partner_inside_a_group_brings_its_whole_group_copy_pinned():
    """A freed unit colocated with a group reaches the group's last member; the neighbourhood
    holds the whole copy (pinned), never a chain without its head (greedy's IndexError)."""
    from placement.model import Group

    cfg = config(
        ["alice", "bob", "carol"],
        [
            primitive("x", stickiness=100),
            *(primitive(r, stickiness=100) for r in ("a", "b", "c")),
            Group("g", ("a", "b", "c")),
        ],
        constraints=(Colocation("x", "g", 83, id="x-near-g"),),
    )
    state = State(
        instances=(Instance("x", "alice"), *(Instance(r, "bob") for r in ("a", "b", "c"))),
        nodes={"alice": NodeState(NodeStatus.OFFLINE)},
    )
    problem = build_problem(cfg, state)
    current = current_solution(problem)
    assert displaced(problem, current) == {"x"}
    assert kept_units(problem, {"x"}) == {"x", "a", "b", "c"}
    small = restrict(problem, {"x"}, current)
    assert all(small.pinned[key] == {"bob"} for key in ("a", "b", "c"))
    placement = solve(cfg, state)
    assert placement.optimal and placement.nodes_of("x") == ("bob",)
    assert all(placement.nodes_of(r) == ("bob",) for r in ("a", "b", "c"))


def test_a_neighbourhood_keeps_every_instance_of_a_freed_units_clone():
    """Clone limits count all instances: the pinned siblings of a freed instance stay in the model."""
    from placement.model import Clone

    cfg = config(("alice", "bob", "carol"), [primitive("web"), Clone("webs", "web", max=3, globally_unique=True)])
    state = State(instances=tuple(Instance("web", n, clone_instance=str(i)) for i, n in enumerate(("alice", "bob"))))
    problem = build_problem(cfg, state)
    clone_units = {unit.key for unit in problem.units if unit.clone == "webs"}
    one = sorted(clone_units)[0]
    small = restrict(problem, {one}, current_solution(problem))
    assert {unit.key for unit in small.units} == clone_units
    assert all(small.pinned[key] == current_solution(problem).nodes(key) for key in clone_units - {one})


def test_a_clone_already_over_its_per_node_limit_is_freed_as_a_whole():
    """Pacemaker case 594: two instances of a unique clone run on one node (limit one). Pinning
    either as a partner would make the neighbourhood infeasible; the whole clone is free instead."""
    from placement.model import Clone

    cfg = config(("alice", "bob"), [primitive("web"), Clone("webs", "web", max=2, globally_unique=True)])
    both_on_alice = (Instance("web", "alice", clone_instance="0"), Instance("web", "alice", clone_instance="1"))
    state = State(instances=both_on_alice)
    problem = build_problem(cfg, state)
    assert displaced(problem, current_solution(problem)) >= {u.key for u in problem.units if u.clone == "webs"}
    placement = solve(cfg, state)
    assert placement.optimal
    assert sorted(a.node for a in placement.assignments) == ["alice", "bob"]


@st.composite
def larger_clusters_after_a_failure(draw):
    """Enough units that most stay outside the neighbourhood, with capacity tight on some
    nodes: the certificate's capacity prices decide whether those may stay pinned."""
    names = [f"n{i}" for i in range(draw(st.integers(3, 5)))]
    # Small nodes fill up (their capacity gets a price), large ones leave room for everyone.
    nodes = [node(n, {"cpu": draw(st.sampled_from([1, 2, 8, 12]))}) for n in names]
    count = draw(st.integers(6, 14))
    resources = [
        primitive(
            f"r{i}", {"cpu": draw(st.sampled_from([1, 1, 2]))}, stickiness=draw(st.sampled_from([0, 10, 50, 100]))
        )
        for i in range(count)
    ]
    constraints = [
        Location(resource=f"r{i}", node=draw(st.sampled_from(names)), score=draw(st.sampled_from([5, 40, 120])))
        for i in range(count)
        if draw(st.booleans())
    ]
    cfg = config(nodes, resources, tuple(constraints), strategy=Strategy.UTILIZATION)
    before = running(solve(cfg, incremental=False))
    return cfg, before.with_node(draw(st.sampled_from(names)), NodeState(NodeStatus.OFFLINE))


@settings(max_examples=80, deadline=None)
@given(larger_clusters_after_a_failure())
def test_capacity_prices_never_certify_a_worse_answer(case):
    """Whatever the certificate proves (with or without prices) is the full model's optimum."""
    assert_a_proven_replan_is_optimal(*case)


def test_a_full_node_that_blocks_a_better_answer_is_priced_and_freed():
    """alice is full with `batch`, which a displaced `db` would score 100 more beside. Moving
    batch costs it only 10, but alice's capacity has a price of 100 in the neighbourhood's
    LP: batch must be freed, and the answer moves it to make room."""
    cfg = config(
        [node("alice", {"cpu": 1}), node("bob", {"cpu": 2}), node("carol", {"cpu": 2})],
        [primitive("db", {"cpu": 1}), primitive("batch", {"cpu": 1}, stickiness=10)],
        constraints=(Location(resource="db", node="alice", score=100),),
        strategy=Strategy.UTILIZATION,
    )
    state = State(
        instances=(Instance("batch", "alice"), Instance("db", "carol")),
        nodes={"carol": NodeState(NodeStatus.OFFLINE)},
    )
    placement = solve(cfg, state)
    assert placement.optimal
    assert placement.nodes_of("db") == ("alice",) and placement.nodes_of("batch") == ("bob",)


def test_free_capacity_has_no_price_so_sticky_units_stay_pinned():
    """The displaced db would score 100 on alice, but alice is full with `keep` (far too sticky
    to move): db's regret stays 100 even alone. `batch` on bob would lose only 10 by moving,
    yet bob has room to spare (price 0), so its leaving could gain nothing: proven in the
    first round, without freeing batch."""
    from placement.solve.incremental import IncrementalOutcome

    cfg = config(
        [node("alice", {"cpu": 1}), node("bob", {"cpu": 3}), node("carol", {"cpu": 4})],
        [
            primitive("db", {"cpu": 1}),
            primitive("keep", {"cpu": 1}, stickiness=200),
            primitive("batch", {"cpu": 1}, stickiness=10),
        ],
        constraints=(Location(resource="db", node="alice", score=100),),
        strategy=Strategy.UTILIZATION,
    )
    state = State(
        instances=(Instance("keep", "alice"), Instance("batch", "bob"), Instance("db", "carol")),
        nodes={"carol": NodeState(NodeStatus.OFFLINE)},
    )
    problem = build_problem(cfg, state)
    outcome = replan(problem, current_solution(problem), SolverOptions(time_limit=20), deadline=float("inf"))
    assert isinstance(outcome, IncrementalOutcome) and outcome.proven and outcome.rounds == 1
    assert outcome.solution.nodes("db") == {"bob"} and outcome.solution.nodes("batch") == {"bob"}


def test_a_freed_group_member_is_not_held_to_a_pinned_predecessor_in_the_bound():
    """The bound on what the freed units can earn (`relaxed`) drops every tie to a pinned
    unit, group chains included: ``rsc5`` (not running, banned from n1) is colocated +10
    with a group running on n1 without stickiness. The neighbourhood frees ``rsc5`` and the
    group's last member; held to its pinned first member the bound said they could earn
    nothing, and the stay-put answer (score 0) was "proven" — moving the group earns 10."""
    from placement.model import Group

    cfg = config(
        ["n1", "n2", "n3"],
        [primitive("m1"), primitive("m2"), Group("g", ("m1", "m2")), primitive("rsc5")],
        constraints=(
            Location(resource="rsc5", node="n1", score=-INFINITY, id="ban"),
            Colocation("rsc5", "g", 10, id="with-g"),
        ),
    )
    state = State(instances=(Instance("m1", "n1"), Instance("m2", "n1")))
    placement = solve(cfg, state)
    assert placement.objective["score"] == 10 and placement.optimal
    assert placement.nodes_of("m1") == placement.nodes_of("m2") == placement.nodes_of("rsc5") != ("n1",)


@st.composite
def clusters_with_groups_anywhere(draw):
    """Groups and primitives with finite colocations either way, negative own scores a
    colocation may lift (`coloc_lift`), and a current placement drawn at random (group
    copies whole, any resource possibly not running): nothing is fitted to one event."""
    from placement.model import Group

    names = [f"n{i}" for i in range(draw(st.integers(2, 4)))]
    nodes = [node(n, {"cpu": draw(st.integers(2, 4))}) for n in names]
    count = draw(st.integers(3, 6))
    ids = [f"r{i}" for i in range(count)]
    resources: list = [
        primitive(rid, {"cpu": draw(st.integers(0, 1))}, stickiness=draw(st.sampled_from([0, 0, 40]))) for rid in ids
    ]
    groups = {}
    if draw(st.booleans()):
        resources.append(Group("g", (ids[0], ids[1])))
        groups["g"] = (ids[0], ids[1])
    top = [*groups, *ids[2 if groups else 0 :]]
    constraints: list = [
        Location(resource=rid, node=n, score=draw(st.sampled_from([-INFINITY, -60, 20])), id=f"l-{rid}-{n}")
        for rid in top
        for n in names
        if draw(st.integers(0, 3)) == 0
    ]
    for index in range(draw(st.integers(1, 3))):
        a, b = draw(st.permutations(top))[:2]
        constraints.append(Colocation(a, b, draw(st.sampled_from([-40, 10, 80, INFINITY])), id=f"c{index}"))
    cfg = config(nodes, resources, tuple(constraints), strategy=Strategy.UTILIZATION)
    instances = []
    for rid in top:
        where = draw(st.sampled_from([None, *names]))
        if where is not None:
            instances += [Instance(member, where) for member in groups.get(rid, (rid,))]
    return cfg, State(instances=tuple(instances))


@settings(max_examples=60, deadline=None)
@given(clusters_with_groups_anywhere())
def test_replanning_groups_from_any_placement_is_exactly_as_good_as_the_full_model(case):
    cfg, state = case
    assert_a_proven_replan_is_optimal(cfg, state)
    with_neighbourhood = solve(cfg, state)
    without = solve(cfg, state, incremental=False)
    assert [with_neighbourhood.objective[level] for level in LEVELS] == [without.objective[level] for level in LEVELS]


def test_a_pinned_unit_that_gains_by_moving_is_freed_in_the_first_round():
    """mail runs on bob but scores 50 more on carol (no stickiness holds it): whatever the
    event, no certificate can keep it pinned, so the replan after alice is lost frees it
    with the displaced db at once and proves the answer in one round, not two; dns, held
    by its stickiness, stays out of the model."""
    cfg = config(
        ["alice", "bob", "carol"],
        [primitive("db", stickiness=100), primitive("mail"), primitive("dns", stickiness=100)],
        constraints=(Location(resource="mail", node="carol", score=50),),
    )
    state = State(
        instances=(Instance("db", "alice"), Instance("mail", "bob"), Instance("dns", "bob")),
        nodes={"alice": NodeState(NodeStatus.OFFLINE)},
    )
    problem = build_problem(cfg, state)
    outcome = replan(problem, current_solution(problem), SolverOptions(time_limit=20), deadline=float("inf"))
    assert outcome is not None and outcome.proven
    assert outcome.rounds == 1 and outcome.free == 2
    assert outcome.solution.nodes("mail") == frozenset({"carol"})
    assert outcome.solution.nodes("dns") == frozenset({"bob"})


_NODES = ("n1", "n2", "n3")
_ATTRIBUTES = ("cpu", "memory")


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(_NODES), st.sampled_from(_ATTRIBUTES)),
        st.floats(-5, 5, allow_nan=False) | st.just(0.0),
    ),
    st.dictionaries(st.sampled_from(_ATTRIBUTES), st.integers(-3, 8)),
    st.frozensets(st.sampled_from(_NODES)),
    st.floats(-10, 60, allow_nan=False),
    st.integers(0, 5),
    st.floats(0, 5, allow_nan=False),
    st.booleans(),
)
def test_a_priced_unit_pays_when_its_move_cost_covers_the_most_its_leaving_frees(
    prices, utilization, nodes, cost, promotion, gap, partner
):
    """`Priced.pays` as its definition reads: the move cost, less the most the neighbourhood's
    LP prices say one copy leaving any of its nodes frees (negative prices and amounts count
    as 0), must cover the LP gap and the promotion regret; a partner inside never pays."""
    unit = Unit("u", "u", utilization=utilization)
    priced = Priced(frozenset({"u"} if partner else set()), gap, prices)
    freed = max(
        [0.0]
        + [sum(max(0.0, prices.get((n, a), 0.0)) * max(0, amount) for a, amount in utilization.items()) for n in nodes]
    )
    expected = not partner and cost >= 0 and cost - freed >= gap + promotion + 1e-6
    assert priced.pays(unit, nodes, cost, promotion) == expected
