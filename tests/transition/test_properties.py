"""Properties of plans on generated clusters, states and events (ARCHITECTURE.md invariants).

* the graph is acyclic and every start/promote comes after every fence;
* no action touches a node that is unclean (except fencing it);
* simulating the transition yields exactly the solver's target placement;
* planning again from that state gives nothing to do.
"""

from __future__ import annotations

from collections import Counter

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from placement.events import Fail, NodeDown, NodeLeave, Standby
from placement.model import Config
from placement.state import NodeStatus
from placement.transition import Op


@st.composite
def clusters(draw: st.DrawFn) -> Config:
    """A small cluster written in the language: nodes, a fence device, primitives, a group,
    clones, locations, colocations and orders (orders only forward, so never a cycle)."""
    nodes = [f"n{i}" for i in range(draw(st.integers(2, 4)))]
    lines = [f"cluster stickiness={draw(st.integers(1, 200))} fencing=on"]
    lines += [f"node {n} rack={draw(st.sampled_from('ab'))}" for n in nodes]
    lines.append("fence f stonith:fence_dummy")
    count = draw(st.integers(1, 5))
    prims = [f"r{i}" for i in range(count)]
    lines += [f"resource {p} ocf:heartbeat:Dummy {{ monitor every 10s }}" for p in prims]
    tops = list(prims)
    if count >= 3 and draw(st.booleans()):
        lines.append("group g of r0 r1")
        tops = ["g", *prims[2:]]
    kind = draw(st.sampled_from(["none", "clone", "unique", "promotable"]))
    if kind != "none" and tops[-1].startswith("r"):
        child = tops.pop()
        if kind == "clone":
            lines.append(f"clone c of {child} max={draw(st.integers(1, len(nodes)))}")
        elif kind == "unique":
            # Globally-unique instances are resources of their own: a failure or a lost node
            # moves one instance, which the transition must keep apart from the others.
            copies, per_node = draw(st.integers(1, len(nodes) + 1)), draw(st.integers(1, 2))
            lines.append(f"clone c of {child} max={copies} per-node={per_node} unique")
        else:
            lines.append(f"promotable c of {child}")
        tops.append("c")
    for _ in range(draw(st.integers(0, 4))):
        who, node = draw(st.sampled_from(tops)), draw(st.sampled_from(nodes))
        verb = draw(st.sampled_from(["prefers", "avoids"]))
        score = draw(st.sampled_from(["", " 10", " 50", " 300"]))
        role = " promoted" if who == "c" and kind == "promotable" and draw(st.booleans()) else ""
        lines.append(f"location {who}{role} {verb} {node}{score}")
    pairs = [(a, b) for i, a in enumerate(tops) for b in tops[i + 1:]]
    for a, b in draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True)) if pairs else []:
        score = draw(st.sampled_from(["", " 100", " -100"]))
        words = "apart from" if draw(st.booleans()) and score != " -100" else "with"
        lines.append(f"colocation {b} {words} {a}{score.replace('-', '') if words == 'apart from' else score}")
    for a, b in draw(st.lists(st.sampled_from(pairs), max_size=3, unique=True)) if pairs else []:
        lines.append(f"order {a} then {b}{draw(st.sampled_from(['', ' optional']))}")
    return placement.loads("\n".join(lines) + "\n")


@st.composite
def scenarios(draw: st.DrawFn):
    """A cluster, its steady state, and up to two events."""
    config = draw(clusters())
    now = placement.steady_state(config, time_limit=10)
    nodes = list(config.nodes)
    running = [(i.resource, i.node) for i in now.instances]
    choices = [NodeDown(n) for n in nodes] + [Standby(n) for n in nodes] + [NodeLeave(n) for n in nodes]
    choices += [Fail(r, n, op) for r, n in running for op in ("monitor", "start")]
    events = draw(st.lists(st.sampled_from(choices), max_size=2, unique=True)) if choices else []
    # Keep one node that neither dies nor leaves, so there is always someone to fence from.
    survivors = set(nodes) - {e.node for e in events if isinstance(e, (NodeDown, NodeLeave))}
    if not survivors:
        events = events[:1]
    return config, now, events


def active(state) -> Counter:
    return Counter((i.resource, i.node, i.role) for i in state.instances)


@settings(max_examples=40)
@given(scenarios())
def test_plans_keep_every_invariant(scenario) -> None:
    config, now, events = scenario
    result = placement.plan(config, now, events, time_limit=10)
    graph = result.transition
    assert nx.is_directed_acyclic_graph(graph)

    unclean = {n for n, s in result.state.nodes.items() if s.status is NodeStatus.UNCLEAN}
    fences = [a for a in graph if a.op is Op.FENCE]
    assert {f.node for f in fences} <= unclean
    for action in graph:
        if action.op is not Op.FENCE:
            assert action.node not in unclean, f"{action} touches unclean {action.node}"
        if action.op in (Op.START, Op.PROMOTE, Op.MIGRATE_FROM):
            assert all(action in nx.descendants(graph, fence) for fence in fences)

    after = result.apply()
    target = Counter((a.resource, a.node, a.role) for a in result.placement.assignments)
    blocked_nodes = set(result.details.unfenceable)
    assert active(after) - Counter({k: v for k, v in active(after).items() if k[1] in blocked_nodes}) == \
        target - Counter({k: v for k, v in target.items() if k[1] in blocked_nodes})

    again = placement.plan(result.config, after, time_limit=10)
    assert [item.text for item in again.details.summary if not item.blocked] == []
    assert again.transition.number_of_nodes() == 0
