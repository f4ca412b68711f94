"""The score table: locations, rules, patterns, stickiness, failures, target-role (§1, §3, §4)."""

from __future__ import annotations

from placement.model import (
    Comparison,
    Defined,
    Discovery,
    Group,
    Location,
    Operator,
    Role,
    Rule,
    frozen_map,
)
from placement.score import INFINITY
from placement.solve import solve
from placement.solve.scores import score_table
from placement.state import FailCount, Instance, NodeState, State
from tests.solve.builders import config, node, primitive


def test_location_terms_are_named_and_summed():
    cfg = config(
        ["alice", "bob"],
        [primitive("db", stickiness=100)],
        constraints=(Location(resource="db", node="alice", score=50, id="pref-alice"),),
    )
    table = score_table(cfg, State(instances=(Instance("db", "alice"),)))
    alice = table.scores("db")["alice"]
    assert alice.total == 150
    assert alice.explain() == "alice 150 = location pref-alice 50 + stickiness 100"
    assert table.scores("db")["bob"].total == 0


def test_ban_beats_requirement():
    """§1: +INF + -INF = -INF — a ban always wins."""
    cfg = config(
        ["alice", "bob"],
        [primitive("db")],
        constraints=(
            Location(resource="db", node="alice", score=INFINITY, id="must"),
            Location(resource="db", node="alice", score=-INFINITY, id="ban"),
        ),
    )
    assert not score_table(cfg).scores("db")["alice"].allowed
    assert solve(cfg).nodes_of("db") == ("bob",)


def test_negative_finite_score_keeps_a_resource_off_a_node():
    """§1: a resource runs on a node only if its score there is ≥ 0."""
    cfg = config(["alice"], [primitive("db")], constraints=(Location(resource="db", node="alice", score=-10),))
    assert solve(cfg).nodes_of("db") == ()


def test_rules_over_node_attributes_state_overrides_config():
    """§3 Rules: attributes from the configuration, overridden by transient state attributes."""
    rule = Rule(Comparison("ssd", Operator.EQ, "yes"), score=70)
    cfg = config(
        [node("alice", attributes={"ssd": "yes"}), node("bob", attributes={"ssd": "no"})],
        [primitive("db")],
        constraints=(Location(resource="db", rules=(rule,), id="fast-disk"),),
    )
    assert solve(cfg).nodes_of("db") == ("alice",)
    flipped = State(
        nodes=frozen_map(
            {
                "alice": NodeState(attributes=frozen_map({"ssd": "no"})),
                "bob": NodeState(attributes=frozen_map({"ssd": "yes"})),
            }
        )
    )
    assert solve(cfg, flipped).nodes_of("db") == ("bob",)


def test_rule_on_uname_and_numbers():
    """#uname is built in; integers compare as numbers (10 > 9)."""
    rules = (
        Rule(Comparison("#uname", Operator.EQ, "bob"), score=5),
        Rule(Comparison("cores", Operator.GT, "9"), score=20),
    )
    cfg = config(
        [node("alice", attributes={"cores": "10"}), node("bob", attributes={"cores": "8"})],
        [primitive("db")],
        constraints=(Location(resource="db", rules=rules, id="r"),),
    )
    scores = score_table(cfg).scores("db")
    assert (scores["alice"].total, scores["bob"].total) == (20, 5)


def test_score_attribute_missing_on_matching_node_bans():
    """§3: with score-attribute, a matching node lacking the attribute gets -INFINITY."""
    rule = Rule(Defined("rack"), score_attribute="weight")
    cfg = config(
        [
            node("alice", attributes={"rack": "1", "weight": "30"}),
            node("bob", attributes={"rack": "2"}),
            node("carol"),
        ],
        [primitive("db")],
        constraints=(Location(resource="db", rules=(rule,)),),
    )
    scores = score_table(cfg).scores("db")
    assert (scores["alice"].total, scores["bob"].total, scores["carol"].total) == (30, -INFINITY, 0)


def test_pattern_matches_top_level_ids_and_inverts():
    """§3 rsc-pattern: unanchored regex over top-level ids; a leading '!' inverts."""
    cfg = config(
        ["alice", "bob"],
        [primitive("vm-a"), primitive("vm-b"), primitive("db")],
        constraints=(
            Location(pattern="^vm-", node="bob", score=-INFINITY),
            Location(pattern="!^vm-", node="alice", score=-INFINITY),
        ),
    )
    placement = solve(cfg)
    assert placement.nodes_of("vm-a") == placement.nodes_of("vm-b") == ("alice",)
    assert placement.nodes_of("db") == ("bob",)


def test_location_on_group_scores_its_first_member():
    """pcmk__group_apply_location: the first member gets the score, the others the node at 0."""
    cfg = config(
        ["alice", "bob"],
        [primitive("ip"), primitive("web"), Group("g", ("ip", "web"))],
        constraints=(Location(resource="g", node="bob", score=10, id="g-bob"),),
    )
    table = score_table(cfg)
    assert table.scores("ip")["bob"].total == 10
    assert table.scores("web")["bob"].total == 0


def test_promoted_role_location_only_shapes_promotion():
    """§3: a Promoted-role location does not move the resource, Unpromoted applies to all roles."""
    cfg = config(
        ["alice", "bob"],
        [primitive("db")],
        constraints=(
            Location(resource="db", node="bob", score=50, role=Role.PROMOTED),
            Location(resource="db", node="alice", score=5, role=Role.UNPROMOTED),
        ),
    )
    assert solve(cfg).nodes_of("db") == ("alice",)


def test_exclusive_discovery_bans_other_nodes():
    """§3 resource-discovery=exclusive: nodes not covered by an exclusive constraint are banned."""
    cfg = config(
        ["alice", "bob"],
        [primitive("db")],
        constraints=(
            Location(resource="db", node="bob", score=0, discovery=Discovery.EXCLUSIVE),
            Location(resource="db", node="alice", score=100),
        ),
    )
    assert solve(cfg).nodes_of("db") == ("bob",)


def test_stickiness_keeps_a_resource_against_a_weaker_preference():
    """§4 stickiness: +stickiness on the current node when active on exactly one node."""
    cfg = config(
        ["alice", "bob"],
        [primitive("db", stickiness=100)],
        constraints=(Location(resource="db", node="bob", score=50),),
    )
    assert solve(cfg, State(instances=(Instance("db", "alice"),))).nodes_of("db") == ("alice",)
    weak = config(
        ["alice", "bob"],
        [primitive("db", stickiness=10)],
        constraints=(Location(resource="db", node="bob", score=50),),
    )
    assert solve(weak, State(instances=(Instance("db", "alice"),))).nodes_of("db") == ("bob",)


def test_no_stickiness_when_active_on_two_nodes():
    cfg = config(["alice", "bob"], [primitive("db", stickiness=100)])
    table = score_table(cfg, State(instances=(Instance("db", "alice"), Instance("db", "bob"))))
    assert all(t.kind != "stickiness" for s in table.scores("db").values() for t in s.terms)


def test_migration_threshold_bans_and_failure_timeout_expires():
    """§4: fail count ≥ migration-threshold ⇒ -INF there; failures older than failure-timeout expire."""
    cfg = config(
        ["alice", "bob"],
        [primitive("db", migration_threshold=3, failure_timeout=60)],
        constraints=(Location(resource="db", node="alice", score=50),),
    )
    failed = State(fail_counts=(FailCount("db", "alice", 3, last_failure=1000),), now=1030)
    assert solve(cfg, failed).nodes_of("db") == ("bob",)
    later = State(fail_counts=(FailCount("db", "alice", 3, last_failure=1000),), now=1100)
    assert solve(cfg, later).nodes_of("db") == ("alice",)
    below = State(fail_counts=(FailCount("db", "alice", 2),))
    assert solve(cfg, below).nodes_of("db") == ("alice",)


def test_target_role_stopped():
    """§4 target-role=Stopped: -INF everywhere."""
    placement = solve(config(["alice"], [primitive("db", target_role=Role.STOPPED)]))
    assert placement.assignments == ()
    assert "target-role Stopped" in placement.stopped[0].reason
