"""The exact optimum of forest-shaped problems without a model (`placement.solve.forest_optimum`).

It settles a neighbourhood in place of CP-SAT on every level, closeness included, so
whenever it gives an answer that answer must be the brute-force optimum, level by level.
"""

from __future__ import annotations

from hypothesis import event, given, settings
from hypothesis import strategies as st

from placement.model import Clone, Colocation, Group, Location, Strategy
from placement.score import INFINITY
from placement.solve import build_problem, current_solution, objective
from placement.solve.evaluate import violations
from placement.solve.forest_optimum import forest_optimum
from placement.solve.greedy import greedy
from placement.solve.incremental import displaced, neighbourhood, restrict
from placement.state import Instance, State
from tests.solve.brute import candidates
from tests.solve.builders import config, node, primitive
from tests.solve.test_exact_vs_brute_force import clusters


def levels(problem, solution, reference, current) -> tuple[int, int, int, int]:
    values = objective.values(problem, solution, reference, current)
    return values["running"], values["required"], values["score"], -values["closeness"]


def best_levels(problem, reference, current) -> tuple[int, int, int, int]:
    valid = [s for s in candidates(problem) if not violations(problem, s)]
    return max(levels(problem, s, reference, current) for s in valid)


@settings(max_examples=300, deadline=None)
@given(clusters(shapes=("plain", "group", "clone", "unique", "promotable")), st.data())
def test_an_answer_found_is_the_brute_force_optimum_on_every_level(case, data):
    """For a whole problem or a neighbourhood (its partners pinned), against greedy's answer."""
    cfg, state = case
    problem = build_problem(cfg, state)
    current = current_solution(problem)
    keys = [unit.key for unit in problem.units]
    if keys and data.draw(st.booleans()):
        # As `replan` frees them: the displaced units and the drawn ones, with their neighbourhood.
        drawn = set(data.draw(st.lists(st.sampled_from(keys), min_size=1, unique=True)))
        free = neighbourhood(problem, displaced(problem, current) | drawn)
        problem = restrict(problem, free, current)
        current = current_solution(problem)
    reference = greedy(problem)
    found = forest_optimum(problem, reference, current)
    event("found" if found is not None else "not found")
    if found is None:
        return
    assert not violations(problem, found)
    assert levels(problem, found, reference, current) == best_levels(problem, reference, current)


@st.composite
def forests(draw):
    """Four or five primitives tied into a tree (sometimes a cycle) by colocations of every
    kind and a group, maybe a clone everyone may lean on, scores, stickiness, capacity, and
    now and then an unmanaged one (left alone where it runs)."""
    names = ["n1", "n2", "n3"]
    utilization = draw(st.booleans())
    nodes = [node(n, {"cpu": draw(st.integers(1, 3))}) for n in names]
    ids = [f"r{i}" for i in range(draw(st.integers(4, 5)))]
    resources: list = [
        primitive(
            rid,
            {"cpu": draw(st.integers(0, 1))},
            stickiness=draw(st.sampled_from([0, 30])),
            managed=draw(st.sampled_from([None, None, None, False])),  # unmanaged: left alone where it runs
        )
        for rid in ids
    ]
    constraints: list = []
    grouped = draw(st.booleans())
    if grouped:
        resources.append(Group("g", (ids[0], ids[1])))
    tops = ["g", *ids[2:]] if grouped else list(ids)
    for index in range(1, len(tops)):
        other = tops[draw(st.integers(0, index - 1))]
        dependent, primary = (tops[index], other) if draw(st.booleans()) else (other, tops[index])
        score = draw(st.sampled_from([-INFINITY, -40, 30, 80, INFINITY]))
        constraints.append(Colocation(dependent, primary, score, id=f"tie{index}"))
    if draw(st.booleans()):  # one more tie: a cycle
        dependent, primary = draw(st.permutations(tops))[:2]
        constraints.append(Colocation(dependent, primary, draw(st.sampled_from([-40, 30, INFINITY])), id="cycle"))
    if draw(st.booleans()):
        resources += [primitive("base"), Clone("everywhere", "base", max=3)]
        constraints.append(
            Colocation(draw(st.sampled_from(tops)), "everywhere", draw(st.sampled_from([30, INFINITY])), id="lean")
        )
    for rid in tops:
        for n in names:
            if draw(st.booleans()):
                constraints.append(
                    Location(resource=rid, node=n, score=draw(st.sampled_from([-INFINITY, -20, 10, 40, 70])))
                )
    instances = tuple(Instance(rid, draw(st.sampled_from(names))) for rid in ids if draw(st.booleans()))
    cfg = config(
        nodes, resources, tuple(constraints), strategy=Strategy.UTILIZATION if utilization else Strategy.DEFAULT
    )
    return cfg, State(instances=instances)


@settings(max_examples=200, deadline=None)
@given(forests())
def test_a_tree_of_colocations_is_solved_at_the_brute_force_optimum(case):
    """Deeper trees than the clusters above: an answer found is the optimum on every level."""
    cfg, state = case
    problem = build_problem(cfg, state)
    current = current_solution(problem)
    reference = greedy(problem)
    found = forest_optimum(problem, reference, current)
    event("found" if found is not None else "not found")
    if found is not None:
        assert levels(problem, found, reference, current) == best_levels(problem, reference, current)


def chain() -> tuple:
    """``a`` with ``b`` with ``c`` (finite), each best alone on another node; ``x`` stands by."""
    cfg = config(
        ["n1", "n2", "n3", "n4"],
        [primitive("a"), primitive("b"), primitive("c"), primitive("x", stickiness=10)],
        constraints=(
            Location(resource="a", node="n2", score=40),
            Location(resource="b", node="n3", score=30),
            Location(resource="c", node="n4", score=30),
            Colocation("a", "b", 50, id="ab"),
            Colocation("b", "c", 50, id="bc"),
        ),
    )
    return cfg


def test_a_colocation_chain_is_solved_beyond_greedy():
    """Greedy places ``c``, then ``b`` with it, then ``a``: all on n4 (30 + 100). Putting all
    three on n2 earns 40 + 100 — the optimum, which the programme finds."""
    problem = build_problem(chain())
    reference = greedy(problem)
    current = current_solution(problem)
    found = forest_optimum(problem, reference, current)
    assert found is not None
    assert levels(problem, found, reference, current) == best_levels(problem, reference, current)
    assert objective.score(problem, found) == 140 > objective.score(problem, reference) == 130


def test_a_group_follows_its_first_member_and_a_ban_is_left_to_the_check():
    """The group ``g`` (``a`` then ``b``) is best on n2 for ``a`` and n3 for ``b``; ``b`` may
    not run with ``x``, which is pinned on n2: the programme's answer (the group on n2)
    breaks that, so it gives no answer rather than a wrong one."""
    cfg = config(
        ["n1", "n2", "n3"],
        [primitive("a"), primitive("b"), Group("g", ("a", "b")), primitive("x")],
        constraints=(
            Location(resource="a", node="n2", score=100),
            Location(resource="b", node="n3", score=10),
            Colocation("b", "x", -INFINITY, id="apart"),
        ),
    )
    state = State(instances=(Instance("x", "n2"),))
    problem = build_problem(cfg, state)
    current = current_solution(problem)
    small = restrict(problem, {"a", "b"}, current)
    assert forest_optimum(small, greedy(small), current_solution(small)) is None


def test_a_copy_left_alone_does_not_hold_its_primary():
    """``d`` is unmanaged on n1 and colocated with ``p``, which scores 100 on n2. A copy
    left alone where it runs binds nothing, so ``p`` may go to n2: the programme must not
    pin ``p`` beside ``d`` (that answer is valid but 100 worse)."""
    cfg = config(
        ["n1", "n2"],
        [primitive("d", managed=False), primitive("p")],
        constraints=(Location(resource="p", node="n2", score=100), Colocation("d", "p", INFINITY, id="dp")),
    )
    problem = build_problem(cfg, State(instances=(Instance("d", "n1"),)))
    reference, current = greedy(problem), current_solution(problem)
    found = forest_optimum(problem, reference, current)
    assert found is not None and found.nodes("p") == {"n2"}
    assert levels(problem, found, reference, current) == best_levels(problem, reference, current)


def test_every_member_of_a_group_follows_a_mandatory_primary():
    """The group ``g`` (``a``, ``b``) must run with ``p``; ``b`` alone scores 100 on n2, where
    ``p`` may not run: the programme keeps the whole group with ``p`` (members after the
    first follow through the chain), as the problem does."""
    cfg = config(
        ["n1", "n2", "n3"],
        [primitive("a"), primitive("b"), Group("g", ("a", "b")), primitive("p")],
        constraints=(
            Location(resource="b", node="n2", score=100),
            Location(resource="p", node="n2", score=-INFINITY),
            Location(resource="p", node="n3", score=10),
            Colocation("g", "p", INFINITY, id="gp"),
        ),
    )
    problem = build_problem(cfg)
    reference, current = greedy(problem), current_solution(problem)
    found = forest_optimum(problem, reference, current)
    assert found is not None
    assert found.nodes("a") == found.nodes("b") == found.nodes("p") == {"n3"}
    assert levels(problem, found, reference, current) == best_levels(problem, reference, current)
