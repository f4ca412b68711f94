#!/usr/bin/env python3
"""What the status page costs the controller: building its view and page part per journal entry.

A synthetic cluster of NODES nodes and RESOURCES Dummy primitives, steady, then one node
lost: the transition that recovers its resources is what the page draws. Measured in-process
(no Python start-up), medians: the snapshot the controller's thread takes after every
journal entry (its whole cost), and on the server's side building the view (drawing the
transition's SVG once per plan) and rendering the live part of the page (once per update,
whatever the number of browsers), with the size of one update. For a standby's page (a
controller group): hearing one journal entry read from etcd, and building the view from
what it heard (no graph: no drawing).

    python3 bench/status_page.py [--nodes 16] [--resources 300] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

import placement
from placement.events import NodeDown
from placement.runtime.belief import Belief, Membership, NodeView
from placement.runtime.journal import Entry
from placement.web.group_page import JournalFollower
from placement.web.pages import cluster_html
from placement.web.view import LiveSnapshot, Progress


def cluster_text(nodes: int, resources: int) -> str:
    lines = ["cluster stickiness=100 fencing=on", *(f"node n{i}" for i in range(nodes)),
             "fence f stonith:fence_dummy"]
    lines += [f"resource r{i} ocf:heartbeat:Dummy {{ monitor every 10s }}" for i in range(resources)]
    return "\n".join(lines) + "\n"


def timed(function, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    samples, value = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, value


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--nodes", type=int, default=16)
    options.add_argument("--resources", type=int, default=300)
    options.add_argument("--repeat", type=int, default=20)
    args = options.parse_args()
    config = placement.loads(cluster_text(args.nodes, args.resources))
    state = placement.steady_state(config)
    lost = sorted(config.nodes)[0]
    graph = placement.plan(config, state, [NodeDown(lost)]).transition
    belief = Belief()
    for name in config.nodes:
        belief.nodes[name] = NodeView(Membership.UNCLEAN if name == lost else Membership.ONLINE, "boot")
    for instance in state.instances:
        belief.set_instance(instance)
    belief_json = belief.to_json()  # what the controller journals after every change
    progress = Progress()
    progress.hear(Entry(1, time.time(), "plan", {"actions": [a.label for a in graph]}))

    def snapshot() -> LiveSnapshot:  # the controller thread's whole share of the work, per journal entry
        return LiveSnapshot(config, belief_json, tuple(config.nodes), graph, dict(progress.states), (), ())

    take_ms, taken = timed(snapshot, args.repeat * 10)
    drawn_ms, _ = timed(lambda: taken.view({}), args.repeat)  # type: ignore[union-attr]
    drawings: dict = {}
    view_ms, view = timed(lambda: taken.view(drawings), args.repeat)  # type: ignore[union-attr]
    html_ms, html = timed(lambda: cluster_html(view), args.repeat)  # type: ignore[arg-type]
    print(f"cluster: {args.nodes} nodes, {args.resources} resources; transition of {graph.number_of_nodes()} "
          f"actions, {graph.number_of_edges()} edges")
    print(f"controller thread, per journal entry (snapshot): {take_ms * 1000:.0f} µs")
    print(f"server, view with a new drawing (once per plan): {drawn_ms:.1f} ms")
    print(f"server, view per update (drawing kept):          {view_ms:.1f} ms")
    size = len(str(html).encode()) / 1024
    print(f"server, page part per update (any browsers):     {html_ms:.1f} ms, {size:.0f} KiB")

    # A standby follows the journal: a belief after every change, a dispatch and a result per action.
    labels = [a.label for a in graph]
    entries = [Entry(1, time.time(), "belief", {"belief": belief_json}), Entry(2, time.time(), "plan",
                                                                            {"actions": labels})]
    for label in labels:
        seq = len(entries) + 1
        entries.append(Entry(seq, time.time(), "dispatch", {"action": label, "op": label.split()[0]}))
        entries.append(Entry(seq + 1, time.time(), "result", {"dispatch": seq, "action": label, "ok": True}))
        entries.append(Entry(seq + 2, time.time(), "belief", {"belief": belief_json}))
    follower = JournalFollower()

    def hear_all() -> None:
        for entry in entries:
            follower.hear(entry)

    hear_ms, _ = timed(hear_all, args.repeat)
    follow_ms, _ = timed(lambda: follower.snapshot(config, tuple(config.nodes)).view(), args.repeat)
    print(f"standby, per journal entry heard:                {hear_ms * 1000 / len(entries):.1f} µs")
    print(f"standby, view from what it heard:                {follow_ms:.1f} ms")


if __name__ == "__main__":
    main()
