"""Promotable clones of groups (SEMANTICS.md §8): each copy is a whole group, promoted as a whole.

compat(pacemaker): ``pcmk_sched_promotable.c`` — an instance's promotion score is the sum of
its members' (``promotion_score``), an instance is refused where any member cannot be
promoted (``node_to_be_promoted_on``), and ``promoted-max`` counts instances.
"""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner

from placement.cli import cli
from placement.model import Clone, Colocation, Group, Location, Meta, Role
from placement.score import INFINITY
from placement.solve import build_problem, current_solution, incremental, solve, solve_problem
from placement.solve.evaluate import violations
from placement.solve.greedy import greedy
from placement.solve.options import SolverOptions
from placement.solve.solution import Solution
from placement.state import Instance, State
from tests.solve.builders import config, node, primitive

NODES = ["alice", "bob", "carol"]


def _group_clone(*, unique: bool = False, **clone: object) -> list:
    """Members ``a`` and ``b`` in group ``g``, promotable clone ``ms`` of it."""
    return [
        primitive("a"),
        primitive("b"),
        Group("g", ("a", "b")),
        Clone("ms", "g", promotable=True, globally_unique=unique, **clone),
    ]


def _promoted(placement) -> dict[str, list[str]]:
    """Promoted nodes per member."""
    found: dict[str, list[str]] = {}
    for assignment in placement.assignments:
        if assignment.role is Role.PROMOTED:
            found.setdefault(assignment.resource, []).append(assignment.node)
    return {resource: sorted(nodes) for resource, nodes in found.items()}


def test_a_copy_is_promoted_as_a_whole():
    """Only ``a`` has a promotion score, yet both members of alice's copy are promoted there."""
    nodes = [node("alice", attributes={"master-a": "10"}), "bob", "carol"]
    placement = solve(config(nodes, _group_clone()))
    assert _promoted(placement) == {"a": ["alice"], "b": ["alice"]}
    unpromoted = {(a.resource, a.node) for a in placement.assignments if a.role is Role.UNPROMOTED}
    assert unpromoted == {(m, n) for m in "ab" for n in ("bob", "carol")}


def test_the_copy_score_is_the_sum_of_its_members_scores():
    """alice 10 + 0 = 10 against bob 4 + 8 = 12: bob's copy wins though ``a`` prefers alice."""
    nodes = [
        node("alice", attributes={"master-a": "10", "master-b": "0"}),
        node("bob", attributes={"master-a": "4", "master-b": "8"}),
        "carol",
    ]
    cfg = config(nodes, _group_clone())
    assert _promoted(solve(cfg)) == {"a": ["bob"], "b": ["bob"]}
    scores = build_problem(cfg).promotable
    assert {n: s.total for n, s in scores["a"].items()} == {"alice": 10, "bob": 12}
    assert {n: s.total for n, s in scores["b"].items()} == {"alice": 0, "bob": 0}  # carried by ``a``


def test_a_member_without_a_score_counts_zero_and_a_copy_without_any_is_not_promotable():
    """compat(pacemaker): a missing ``master-<member>`` adds 0; only a copy with none at all
    gets the -1 default. So ``master-a=0`` alone makes alice's copy promotable (0 ≥ 0)."""
    nodes = [node("alice", attributes={"master-a": "0"}), "bob"]
    cfg = config(nodes, _group_clone())
    assert _promoted(solve(cfg)) == {"a": ["alice"], "b": ["alice"]}
    table = build_problem(cfg).table
    assert table.copy_promotion(("a", "b"))["bob"].total == -1


def test_a_unique_instance_sums_its_members_instance_scores():
    """Instance N's members read ``master-<member>:<N>`` (Pacemaker's bug-pm-11 naming), not
    the bare ``master-<member>``: instance 0 on alice (5 + 5) beats instance 1 on bob (3 + 3)."""
    nodes = [
        node("alice", attributes={"master-a:0": "5", "master-b:0": "5"}),
        node("bob", attributes={"master-a:1": "3", "master-b:1": "3", "master-a": "100"}),
    ]
    state = State(
        instances=tuple(
            Instance(member, where, clone_instance=number)
            for member in "ab"
            for where, number in (("alice", "0"), ("bob", "1"))
        )
    )
    placement = solve(config(nodes, _group_clone(unique=True, max=2)), state)
    promoted = {(a.resource, a.clone_instance, a.node) for a in placement.assignments if a.role is Role.PROMOTED}
    assert promoted == {("a", "0", "alice"), ("b", "0", "alice")}


def test_promoted_max_counts_copies_not_members():
    nodes = [node(n, attributes={"master-a": str(score)}) for n, score in zip(NODES, (30, 20, 10), strict=True)]
    one = solve(config(nodes, _group_clone()))
    assert _promoted(one) == {"a": ["alice"], "b": ["alice"]}
    two = solve(config(nodes, _group_clone(promoted_max=2)))
    assert _promoted(two) == {"a": ["alice", "bob"], "b": ["alice", "bob"]}


def test_a_member_that_cannot_be_promoted_keeps_the_whole_copy_unpromoted_there():
    """``b`` may not be promoted on alice (-inf for its Promoted role): alice's copy, though its
    ``a`` scores best there, stays unpromoted, and bob's copy is promoted instead."""
    nodes = [node("alice", attributes={"master-a": "50"}), node("bob", attributes={"master-a": "5"})]
    ban = Location(resource="b", node="alice", score=-INFINITY, role=Role.PROMOTED, id="no-b-promoted-on-alice")
    placement = solve(config(nodes, _group_clone(), (ban,)))
    assert _promoted(placement) == {"a": ["bob"], "b": ["bob"]}
    assert placement.nodes_of("a") == placement.nodes_of("b") == ("alice", "bob")


def test_a_copy_missing_a_member_on_a_node_is_not_promoted_there():
    """``b`` cannot run on alice at all: alice's copy is only ``a``, so it cannot be promoted."""
    nodes = [node("alice", attributes={"master-a": "50"}), node("bob", attributes={"master-a": "5"})]
    ban = Location(resource="b", node="alice", score=-INFINITY, id="no-b-on-alice")
    placement = solve(config(nodes, _group_clone(), (ban,)))
    assert placement.nodes_of("a") == ("alice", "bob")
    assert _promoted(placement) == {"a": ["bob"], "b": ["bob"]}


def test_colocation_with_the_promoted_clone_follows_the_promoted_copy():
    """``vip with ms promoted``: the promoted copy (its last member, ``b``) and vip share bob,
    where vip wants to be, though alice has the better promotion score."""
    nodes = [node("alice", attributes={"master-a": "10"}), node("bob", attributes={"master-a": "5"})]
    constraints = (
        Colocation("vip", "ms", INFINITY, primary_role=Role.PROMOTED, id="vip-with-promoted"),
        Location(resource="vip", node="bob", score=100, id="vip-likes-bob"),
    )
    placement = solve(config(nodes, [*_group_clone(), primitive("vip")], constraints))
    assert _promoted(placement) == {"a": ["bob"], "b": ["bob"]}
    assert placement.nodes_of("vip") == ("bob",)


def test_the_promoted_copy_follows_a_colocation_of_its_promoted_role():
    """``ms promoted with vip`` (the copy's first member as dependent) promotes the copy where vip runs."""
    nodes = [node("alice", attributes={"master-a": "10"}), node("bob", attributes={"master-a": "5"})]
    constraints = (
        Colocation("ms", "vip", INFINITY, dependent_role=Role.PROMOTED, id="promoted-with-vip"),
        Location(resource="vip", node="bob", score=INFINITY, id="vip-on-bob"),
    )
    placement = solve(config(nodes, [*_group_clone(), primitive("vip")], constraints))
    assert _promoted(placement) == {"a": ["bob"], "b": ["bob"]}


def test_target_role_unpromoted_keeps_every_copy_unpromoted():
    nodes = [node(n, attributes={"master-a": "10", "master-b": "10"}) for n in NODES]
    resources = _group_clone(meta=Meta(target_role=Role.UNPROMOTED))
    placement = solve(config(nodes, resources))
    assert _promoted(placement) == {}
    assert {a.role for a in placement.assignments} == {Role.UNPROMOTED}
    assert len(placement.assignments) == 6


def test_the_checker_rejects_a_copy_promoted_in_part():
    nodes = [node("alice", attributes={"master-a": "10"}), "bob"]
    problem = build_problem(config(nodes, _group_clone()))
    both = {"a": frozenset({"alice", "bob"}), "b": frozenset({"alice", "bob"})}
    whole = Solution(both, {"a": frozenset({"alice"}), "b": frozenset({"alice"})})
    assert violations(problem, whole) == []
    half = Solution(both, {"a": frozenset({"alice"})})
    assert violations(problem, half) == ["clone ms: the copy of g with a is promoted in part on alice"]


def test_greedy_promotes_whole_copies_within_the_limits():
    nodes = [node(n, attributes={"master-a": str(score)}) for n, score in zip(NODES, (30, 20, 10), strict=True)]
    problem = build_problem(config(nodes, _group_clone(promoted_max=2)))
    answer = greedy(problem)
    assert violations(problem, answer) == []
    assert answer.promoted == {"a": frozenset({"alice", "bob"}), "b": frozenset({"alice", "bob"})}


def test_a_copy_promoted_in_part_now_is_promoted_or_demoted_as_a_whole():
    """Pacemaker's promoted-partially-demoted-group: ``a`` is promoted on alice, ``b`` only
    unpromoted. The copy is displaced as a whole, and the replan promotes all of it."""
    nodes = [node(n, attributes={"master-a": "10", "master-b": "10"}) for n in ("alice", "bob")]
    state = State(
        instances=(
            Instance("a", "alice", Role.PROMOTED),
            Instance("b", "alice", Role.UNPROMOTED),
            Instance("a", "bob", Role.UNPROMOTED),
            Instance("b", "bob", Role.UNPROMOTED),
        )
    )
    # (web runs where it wants: only the group copies are displaced.)
    state = State(instances=(*state.instances, Instance("web", "bob")))
    web = Location(resource="web", node="bob", score=10, id="web-on-bob")
    problem = build_problem(config(nodes, [*_group_clone(), primitive("web")], (web,), stickiness=100), state)
    current = current_solution(problem)
    assert incremental.displaced(problem, current) == {"a", "b"}
    outcome = incremental.replan(problem, current, SolverOptions(), time.perf_counter() + 30)
    assert outcome is not None and outcome.proven
    assert outcome.solution.promoted == {"a": frozenset({"alice"}), "b": frozenset({"alice"})}
    assert _promoted(solve_problem(problem)) == {"a": ["alice"], "b": ["alice"]}


def test_why_names_the_whole_copy_tie(tmp_path: Path):
    """``vip with ms promoted`` names the copy's last member ``y``; ``order gate then ms promote``
    blocks its first member ``x``; only the tie connects them, and `why` says so."""
    path = tmp_path / "tie.place"
    path.write_text(
        "cluster fencing=off\nnode a\nnode b\n"
        "resource x ocf:heartbeat:Dummy\nresource y ocf:heartbeat:Dummy\nresource vip ocf:heartbeat:Dummy\n"
        "resource gate ocf:heartbeat:Dummy meta target-role=stopped\n"
        "group g of x y\npromotable ms of g\nlocation ms promoted prefers a 10\n"
        "colocation vip with ms promoted\norder gate then ms promote\n"
    )
    result = CliRunner().invoke(cli, ["why", "vip", str(path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "promotable ms: a copy of g is promoted as a whole (x, y) (" in result.output
    assert "order ms (promoted) needs gate running" in result.output


def test_scores_shows_the_copy_promotion_on_its_first_member(tmp_path: Path):
    path = tmp_path / "scores.place"
    path.write_text(
        "cluster fencing=off\nnode a\nnode b\n"
        "resource x ocf:heartbeat:Dummy\nresource y ocf:heartbeat:Dummy\n"
        "group g of x y\npromotable ms of g\nlocation ms promoted prefers a 10\n"
    )
    result = CliRunner().invoke(cli, ["scores", str(path)], catch_exceptions=False)
    assert "  promotion of its copy (x, y, promoted together):" in result.output
    assert "    a 9 = promotion no master-x or master-y attribute -1 + location ms 10" in result.output
    assert "  promotion: with its copy, see x" in result.output
