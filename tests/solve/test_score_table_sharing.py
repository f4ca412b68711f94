"""The score table's shortcuts change no score: shared rows, per-resource caches, the fast fold.

`ScoreTable` builds each unit's row from a shared default row patched on the nodes where
the unit has terms of its own, shares node scores and terms between units, and caches
effective meta and location terms per resource. The property below checks it against a
straightforward reference (every node of every unit computed from scratch, as the table
did before those shortcuts) on small random clusters: every term (kind, name, value,
span), every field of every `NodeScore`, the node order, `allowed`, `score`, promotion
scores, effective meta and the current placement.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import reduce

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.hierarchy import PACEMAKER_META_DEFAULTS, Hierarchy
from placement.model import (
    NO_META,
    BoolExpr,
    Clone,
    ClusterOptions,
    Colocation,
    ColocationSet,
    Comparison,
    Config,
    Defined,
    Discovery,
    Group,
    Location,
    Meta,
    Node,
    Operator,
    Primitive,
    Role,
    Rule,
    Span,
    frozen_map,
)
from placement.score import INFINITY, add, parse_score, total
from placement.solve import failures
from placement.solve.availability import unavailable_reason
from placement.solve.rules import node_attributes, rule_score
from placement.solve.scores import ScoreTable
from placement.solve.terms import NodeScore, Term
from placement.solve.units import Current, Unit
from placement.state import FailCount, Instance, NodeState, NodeStatus, State
from tests.solve.builders import DUMMY, primitive

NODE_SCORES = st.sampled_from([0, 0, 0, 5, -10, INFINITY, -INFINITY])
SCORES = st.sampled_from([-INFINITY, -50, 0, 10, 40, 999_999, INFINITY])

# ----------------------------------------------------------------------------- the reference


def reference_meta(config: Config, rid: str) -> Meta:
    """Effective meta folded along the whole chain, every time."""
    hierarchy = Hierarchy(config)
    meta = config.resources[rid].meta
    for ancestor in hierarchy.ancestors(rid):
        meta = meta.over(config.resources[ancestor].meta)
    meta = meta.over(Meta(stickiness=config.cluster.stickiness).over(config.resource_defaults))
    if meta.stickiness is None and hierarchy.clone_of(rid) is not None:
        meta = Meta(stickiness=1).over(meta)
    return meta.over(PACEMAKER_META_DEFAULTS)


def reference_locations(config: Config, primitive_id: str) -> list[Location]:
    hierarchy = Hierarchy(config)
    locations = [c for c in config.constraints if isinstance(c, Location)]
    found = []
    for rid in [primitive_id, *hierarchy.ancestors(primitive_id)]:
        found += [c for c in locations if c.resource == rid]
    root = hierarchy.root(primitive_id)
    for c in locations:
        if c.resource is None and c.pattern is not None:
            inverted = c.pattern.startswith("!")
            if (re.search(c.pattern.lstrip("!"), root) is not None) != inverted:
                found.append(c)
    return found


def reference_contributions(config: Config, state: State, location: Location) -> list[tuple[str, int, Role | None]]:
    if location.node is not None:
        return [(location.node, location.score, location.role)] if location.node in config.nodes else []
    found = []
    for rule in location.rules:
        for name in config.nodes:
            value = rule_score(rule, node_attributes(config, state, name))
            if value is not None:
                found.append((name, value, rule.role or location.role))
    return found


def reference_terms(config: Config, state: State, primitive_id: str, promoted: bool) -> dict[str, list[Term]]:
    per_node: dict[str, list[Term]] = defaultdict(list)
    group = Hierarchy(config).group_of(primitive_id)
    # pcmk__group_apply_location: a later member gets a group's (or clone's) location at 0.
    follower = not promoted and group is not None and group.members[0] != primitive_id
    for location in reference_locations(config, primitive_id):
        name = location.id or location.resource or location.pattern or ""
        zeroed = follower and location.resource != primitive_id
        for name_of_node, value, role in reference_contributions(config, state, location):
            if (role is Role.PROMOTED) == promoted:
                term = (Term("location", f"{name} (on the group's first member)", 0, location.span) if zeroed
                        else Term("location", name, value, location.span))
                per_node[name_of_node].append(term)
    return per_node


def reference_row(config: Config, state: State, table: ScoreTable, unit: Unit) -> dict[str, NodeScore]:
    meta = reference_meta(config, unit.primitive)
    located = reference_terms(config, state, unit.primitive, promoted=False)
    exclusive_locations = [c for c in reference_locations(config, unit.primitive) if c.discovery is Discovery.EXCLUSIVE]
    exclusive = None
    if exclusive_locations:
        exclusive = {n for c in exclusive_locations for n, _v, _r in reference_contributions(config, state, c)}
    current = table.current.of(unit.key)
    value = meta.stickiness or 0
    sticky = {}
    if value >= 1 and unit.managed and (unit.multi or len(current) == 1):
        sticky = {n: Term("stickiness", "", value) for n in sorted(current)}
    members = sorted({u.primitive for u in table.units if u.clone == unit.clone}) if unit.multi else []
    primitives = members if unit.multi and unit.clone else [unit.primitive]
    failed: dict[str, list[Term]] = {}
    for failure in state.fail_counts:
        if failure.resource in primitives and failure.node in config.nodes:
            term = failures.threshold_term(
                state, failure.resource, failure.node, reference_meta(config, failure.resource)
            )
            if term is not None and term not in failed.get(failure.node, []):
                failed.setdefault(failure.node, []).append(term)
    # A sticky clone copy may not run where the clone's own locations sum below 0 (unless
    # a positive colocation or a set names the clone: its dependents' pull comes first).
    below = set()
    pulled = {
        c.primary for c in config.constraints if isinstance(c, Colocation) and c.score > 0
    } | {r for c in config.constraints if isinstance(c, ColocationSet) for s in c.sets for r in s.resources}
    if unit.clone is not None and sticky and unit.clone not in pulled:
        for name, terms in located.items():
            summed = reduce(add, (term.value for term in terms), 0)
            if -INFINITY < summed < 0:
                below.add(name)
    row = {}
    for name in config.nodes:
        terms = [Term("node", "score", config.nodes[name].score)] if config.nodes[name].score else []
        if name in below:
            terms.append(Term("clone", "the clone scores below 0 here", -INFINITY))
        terms += located.get(name, [])
        entry = config.cluster.symmetric or name in located
        if exclusive is not None and name not in exclusive:
            terms.append(Term("discovery", "not an exclusive-discovery node", -INFINITY))
        if name in sticky and entry:
            terms.append(sticky[name])
        terms += failed.get(name, [])
        if meta.target_role is Role.STOPPED:
            terms.append(Term("target-role", "Stopped", -INFINITY))
        row[name] = NodeScore(name, tuple(terms), entry, unavailable_reason(config, state, name))
    return row


def reference_promotion(config: Config, state: State, unit: Unit) -> dict[str, NodeScore]:
    meta = reference_meta(config, unit.primitive)
    located = reference_terms(config, state, unit.primitive, promoted=True)
    attribute = f"master-{unit.primitive}"
    row = {}
    for name in config.nodes:
        value = node_attributes(config, state, name).get(attribute)
        if value is None:
            terms = [Term("promotion", f"no {attribute} attribute", -1)]
        else:
            terms = [Term("promotion", attribute, parse_score(value))]
        terms += located.get(name, [])
        if meta.target_role is Role.UNPROMOTED:
            terms.append(Term("target-role", "Unpromoted", -INFINITY))
        row[name] = NodeScore(name, tuple(terms), True, unavailable_reason(config, state, name))
    return row


def reference_current(config: Config, state: State, units: tuple[Unit, ...]) -> Current:
    """Where units run now, matching unique clone instances by number with a linear search."""
    by_primitive: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        by_primitive[unit.primitive].append(unit)
    nodes: dict[str, set[str]] = defaultdict(set)
    promoted: dict[str, set[str]] = defaultdict(set)
    numbers = {}
    running = (NodeStatus.ONLINE, NodeStatus.STANDBY, NodeStatus.MAINTENANCE, NodeStatus.UNCLEAN)
    active = [i for i in state.instances if i.node in config.nodes and state.node(i.node).status in running]
    for primitive_id, owned in by_primitive.items():
        instances = [i for i in active if i.resource == primitive_id]
        for instance in instances:
            if instance.clone_instance is not None:
                numbers[(primitive_id, instance.node)] = instance.clone_instance
        placed = []
        if owned[0].instance is None:
            placed = [(owned[0], instance) for instance in instances]
        else:
            free = list(owned)
            unnumbered = []
            for instance in instances:
                match = next((u for u in free if str(u.instance) == instance.clone_instance), None)
                if match is None:
                    unnumbered.append(instance)
                else:
                    free.remove(match)
                    placed.append((match, instance))
            placed += [(free.pop(0), instance) for instance in unnumbered if free]
        for unit, instance in placed:
            nodes[unit.key].add(instance.node)
            if instance.role is Role.PROMOTED:
                promoted[unit.key].add(instance.node)
    return Current({k: frozenset(v) for k, v in nodes.items()}, {k: frozenset(v) for k, v in promoted.items()}, numbers)


def fields(score: NodeScore) -> tuple:
    """Everything a NodeScore says, spans included; the fold recomputed with `add`."""
    values = [t.value for t in score.terms]
    assert score.total == reduce(add, values, 0)
    assert score.finite == sum(v for v in values if abs(v) < INFINITY)
    assert score.allowed == (score.unavailable is None and score.entry and score.total >= 0)
    terms = tuple((t.kind, t.name, t.value, t.span) for t in score.terms)
    return score.node, terms, score.entry, score.unavailable, score.total, score.finite, score.allowed


def rows(row: dict[str, NodeScore]) -> list[tuple]:
    return [(name, fields(score)) for name, score in row.items()]


# ----------------------------------------------------------------------------- random clusters


def meta(draw) -> Meta:
    if draw(st.booleans()):
        return NO_META
    return Meta(
        stickiness=draw(st.sampled_from([None, 0, 20])),
        target_role=draw(st.sampled_from([None, None, Role.STOPPED, Role.UNPROMOTED, Role.STARTED])),
        managed=draw(st.sampled_from([None, None, False])),
        migration_threshold=draw(st.sampled_from([None, 0, 1, 1, 3])),
        failure_timeout=draw(st.sampled_from([None, 0, 60])),
    )


@st.composite
def clusters(draw) -> tuple[Config, State]:
    names = ["n1", "n2", "n3", "n4"][: draw(st.integers(1, 4))]
    nodes = [
        Node(
            n,
            attributes=frozen_map({"rack": draw(st.sampled_from(["a", "b"])), "w": draw(st.sampled_from(["7", "x"]))}),
            standby=draw(st.booleans()) and draw(st.booleans()),
            score=draw(NODE_SCORES),
        )
        for n in names
    ]
    ids = [f"r{i}" for i in range(draw(st.integers(1, 5)))]
    resources: list = [Primitive(rid, DUMMY, meta=meta(draw)) for rid in ids]
    top = list(ids)
    shape = draw(st.sampled_from(["plain", "group", "clone", "promotable", "unique", "cloned-group"]))
    if shape in ("group", "cloned-group") and len(ids) >= 2:
        resources.append(Group("g", (ids[0], ids[1]), meta=meta(draw)))
        top = ["g", *ids[2:]]
        if shape == "cloned-group":
            resources.append(Clone("c", "g", max=draw(st.sampled_from([None, 2])), meta=meta(draw)))
            top = ["c", *ids[2:]]
    elif shape == "unique":
        resources.append(Clone("c", ids[0], max=draw(st.integers(1, 3)), globally_unique=True, meta=meta(draw)))
        top = ["c", *ids[1:]]
    elif shape in ("clone", "promotable"):
        resources.append(Clone("c", ids[0], promotable=shape == "promotable", meta=meta(draw)))
        top = ["c", *ids[1:]]
    constraints: list = []
    line = iter(range(1, 1000))
    for rid in [*top, *draw(st.lists(st.sampled_from(ids), max_size=2))]:
        for n in [*names, "ghost"]:
            if draw(st.integers(0, 3)) == 0:
                constraints.append(
                    Location(
                        resource=rid,
                        node=n,
                        score=draw(SCORES),
                        role=draw(st.sampled_from([None, None, Role.PROMOTED, Role.UNPROMOTED])),
                        discovery=draw(st.sampled_from([None, None, None, Discovery.EXCLUSIVE])),
                        id=draw(st.sampled_from([None, f"loc{len(constraints)}"])),
                        span=Span("t.place", next(line), 1),
                    )
                )
    if draw(st.booleans()):
        expression = draw(
            st.sampled_from(
                [
                    Defined("rack"),
                    Comparison("rack", Operator.EQ, "a"),
                    Comparison("w", Operator.GE, "5"),
                    BoolExpr("or", (Defined("missing"), Comparison("rack", Operator.NE, "b"))),
                ]
            )
        )
        rule = Rule(
            expression,
            score=draw(SCORES),
            score_attribute=draw(st.sampled_from([None, None, "w"])),
            role=draw(st.sampled_from([None, Role.PROMOTED])),
        )
        target = draw(st.sampled_from(top))
        discovery = draw(st.sampled_from([None, Discovery.EXCLUSIVE]))
        constraints.append(
            Location(resource=target, rules=(rule,), discovery=discovery, id="rule", span=Span("t", 1, 1))
        )
        if draw(st.booleans()):  # the same rule again (its matches are computed once), another role
            again = Rule(rule.expression, draw(SCORES), rule.score_attribute, Role.STARTED, id="again")
            constraints.append(Location(resource=draw(st.sampled_from(top)), rules=(again,), id="rule-again"))
    if draw(st.booleans()):
        pattern = draw(st.sampled_from(["^r1", "!^r", "g", "c|r2"]))
        constraints.append(Location(pattern=pattern, node=draw(st.sampled_from(names)), score=draw(SCORES)))
    cluster = ClusterOptions(
        fencing=False, symmetric=draw(st.booleans()), stickiness=draw(st.sampled_from([None, 0, 100]))
    )
    defaults = Meta(
        stickiness=draw(st.sampled_from([None, 7])), migration_threshold=draw(st.sampled_from([None, 1, 2]))
    )
    config = Config(
        cluster=cluster,
        nodes=frozen_map({n.name: n for n in nodes}),
        resources=frozen_map({r.id: r for r in resources}),
        constraints=tuple(constraints),
        resource_defaults=defaults,
    )
    instances = []
    for rid in ids:
        for n in names:
            # The first primitive (a clone's child) runs more, with clashing instance numbers.
            if draw(st.integers(0, 1 if rid == ids[0] else 3)) == 0:
                number = draw(st.sampled_from([None, "0", "1", "7"] if rid != ids[0] else [None, "0", "0", "1"]))
                role = draw(st.sampled_from([Role.STARTED, Role.PROMOTED]))
                instances.append(Instance(rid, n, role=role, clone_instance=number))
    fail_counts = []
    for _ in range(draw(st.integers(0, 6))):
        fail_counts.append(
            FailCount(
                draw(st.sampled_from([*ids[:2], *ids, "gone"])),
                draw(st.sampled_from([*names, "ghost"])),
                draw(st.integers(1, 3)),
                last_failure=draw(st.sampled_from([None, 1000])),
            )
        )
    statuses = {}
    for n in names:
        status = draw(st.sampled_from([NodeStatus.ONLINE] * 8 + list(NodeStatus)))
        attributes = {"rack": "b"} if draw(st.integers(0, 4)) == 0 else {}
        if draw(st.integers(0, 3)) == 0:
            attributes[f"master-{ids[0]}"] = draw(st.sampled_from(["5", "-3", "INFINITY"]))
        statuses[n] = NodeState(status, frozen_map(attributes))
    state = State(
        nodes=frozen_map(statuses),
        instances=tuple(instances),
        fail_counts=tuple(fail_counts),
        now=draw(st.sampled_from([None, 1030, 2000])),
    )
    return config, state


@settings(max_examples=300, deadline=None)
@given(clusters())
def test_the_table_gives_the_reference_scores(cluster):
    config, state = cluster
    table = ScoreTable(config, state)
    lazy = ScoreTable(config, state)  # asked for `allowed` and `score` before any whole row
    for rid in config.resources:
        assert table.meta(rid) == reference_meta(config, rid)
    assert table.current == reference_current(config, state, table.units)
    for unit in table.units:
        want = reference_row(config, state, table, unit)
        assert [(name, fields(score)) for name, score in lazy.allowed(unit.key).items()] == [
            (name, fields(score)) for name, score in want.items() if score.allowed
        ]
        assert [fields(lazy.score(unit.key, name)) for name in config.nodes] == [fields(s) for s in want.values()]
        assert rows(table.scores(unit.key)) == rows(want)
        assert rows(lazy.scores(unit.key)) == rows(want)
        assert rows(table.allowed(unit.key)) == [(n, fields(s)) for n, s in want.items() if s.allowed]
        if unit.promotable:
            assert rows(table.promotion(unit.key)) == rows(reference_promotion(config, state, unit))


# ----------------------------------------------------------------------------- examples


def test_units_with_the_same_terms_on_a_node_share_one_score():
    nodes = frozen_map({n: Node(n) for n in ("alice", "bob", "carol")})
    resources = frozen_map({f"r{i}": primitive(f"r{i}") for i in range(4)})
    config = Config(cluster=ClusterOptions(fencing=False, stickiness=100), nodes=nodes, resources=resources)
    state = State(instances=tuple(Instance(f"r{i}", "bob") for i in range(4)))
    table = ScoreTable(config, state)
    bobs = [table.scores(f"r{i}")["bob"] for i in range(4)]
    assert bobs[0].explain() == "bob 100 = stickiness 100"
    assert all(score is bobs[0] for score in bobs)
    assert table.scores("r0")["alice"] is table.scores("r3")["alice"]


def test_allowed_keeps_the_node_order_when_a_unit_allows_a_node_its_default_row_bans():
    """A location can lift a node with a negative base score: `allowed` still lists nodes in order."""
    nodes = frozen_map({"alice": Node("alice"), "bob": Node("bob", score=-5), "carol": Node("carol")})
    config = Config(
        cluster=ClusterOptions(fencing=False),
        nodes=nodes,
        resources=frozen_map({"db": primitive("db"), "web": primitive("web")}),
        constraints=(Location(resource="db", node="bob", score=10, id="lift"),),
    )
    table = ScoreTable(config)
    assert list(table.allowed("db")) == ["alice", "bob", "carol"]
    assert list(table.allowed("web")) == ["alice", "carol"]
    assert table.score("db", "bob").explain() == "bob 5 = node score -5 + location lift 10"


def test_effective_meta_is_shared_but_equal_to_the_fold_along_the_chain():
    config = Config(
        cluster=ClusterOptions(stickiness=50),
        resources=frozen_map(
            {
                "a": primitive("a"),
                "b": primitive("b"),
                "c": primitive("c", priority=3),
                "g": Group("g", ("c",), meta=Meta(target_role=Role.STOPPED)),
                "p": primitive("p"),
                "cl": Clone("cl", "p"),
            }
        ),
    )
    hierarchy = Hierarchy(config)
    assert hierarchy.effective_meta("a") is hierarchy.effective_meta("b")
    for rid in config.resources:
        assert hierarchy.effective_meta(rid) == reference_meta(config, rid)
    assert hierarchy.effective_meta("c").target_role is Role.STOPPED
    assert hierarchy.effective_meta("c").priority == 3


def test_the_fold_matches_pairwise_addition():
    values = [0, 7, -7, 600_000, -600_000, 999_999, -999_999, INFINITY, -INFINITY, 2 * INFINITY]
    sequences = [[a, b, c] for a in values for b in values for c in values]
    for sequence in [*sequences, [], [5], [-INFINITY]]:
        assert total(sequence) == reduce(add, sequence, 0), sequence


def test_fail_counts_can_be_narrowed_to_one_resource_and_node():
    state = State(
        fail_counts=(FailCount("db", "alice", 2), FailCount("web", "alice", 5), FailCount("db", "alice", 1)),
    )
    threshold = Meta(migration_threshold=3)
    narrowed = [f for f in state.fail_counts if f.resource == "db"]
    assert failures.live_fail_count(state, "db", "alice", threshold) == 3
    assert failures.live_fail_count(state, "db", "alice", threshold, narrowed) == 3
    assert failures.threshold_term(state, "db", "alice", threshold, narrowed) == failures.threshold_term(
        state, "db", "alice", threshold
    )


def test_clone_instances_keep_their_numbers_and_the_rest_fill_free_ones_in_order():
    """Two copies claim instance 0: the first keeps it, the second takes the lowest free number."""
    nodes = frozen_map({n: Node(n) for n in ("n1", "n2", "n3", "n4")})
    config = Config(
        cluster=ClusterOptions(fencing=False),
        nodes=nodes,
        resources=frozen_map({"r0": primitive("r0"), "c": Clone("c", "r0", max=3, globally_unique=True)}),
    )
    state = State(
        instances=(
            Instance("r0", "n1", clone_instance="2"),
            Instance("r0", "n2", clone_instance="2", role=Role.PROMOTED),
            Instance("r0", "n3"),
            Instance("r0", "n4", clone_instance="9"),
        )
    )
    table = ScoreTable(config, state)
    assert table.current == reference_current(config, state, table.units)
    assert dict(table.current.nodes) == {"r0:2": {"n1"}, "r0:0": {"n2"}, "r0:1": {"n3"}}
    assert dict(table.current.promoted) == {"r0:0": {"n2"}}


def test_failures_of_a_cloned_group_ban_every_member_in_the_order_of_the_state():
    nodes = frozen_map({n: Node(n) for n in ("n1", "n2")})
    config = Config(
        cluster=ClusterOptions(fencing=False),
        nodes=nodes,
        resources=frozen_map(
            {
                "r0": primitive("r0", migration_threshold=1),
                "r1": primitive("r1", migration_threshold=1),
                "g": Group("g", ("r0", "r1")),
                "c": Clone("c", "g"),
            }
        ),
    )
    state = State(fail_counts=(FailCount("r1", "n1", 2), FailCount("r0", "n1", 1), FailCount("r1", "n1", 1)))
    table = ScoreTable(config, state)
    for unit in table.units:
        assert rows(table.scores(unit.key)) == rows(reference_row(config, state, table, unit))
    assert [t.name for t in table.scores("r0")["n1"].terms] == [
        "r1 failed 3× (migration-threshold 1)",
        "r0 failed 1× (migration-threshold 1)",
    ]
