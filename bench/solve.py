"""Benchmark the whole placement decision on synthetic clusters, 3×10 up to 100×10,000.

For each size: generate a .place text (10% of resources in groups of three, a few clones,
location preferences and bans, mandatory / finite / anti colocations, mandatory orders,
stickiness 100, utilization with the ``balanced`` strategy), then time

* fresh: parse → model → solve on an empty cluster;
* replan: the same cluster running that answer, after its first node is lost uncleanly
  (node-down what-if), parse → model → solve (→ transition once `placement.transition`
  offers a builder).

Prints wall time, peak memory (the process's peak RSS so far: sizes run smallest first),
optimality and moves per size, with progress on stderr. Every solve has a time limit, so it never hangs.

    python bench/solve.py --quick          # 3×10, 3×100, 32×1000
    python bench/solve.py                  # up to 100×10,000
    python bench/solve.py --sizes 64x3000  # one size
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from placement.lang import loads
from placement.solve import solve
from placement.state import Instance, NodeState, NodeStatus, State

QUICK = ((3, 10), (3, 100), (32, 1000))
FULL = (*QUICK, (64, 3000), (100, 10_000))


def cluster_text(nodes: int, resources: int, seed: int = 1) -> str:
    """A synthetic cluster in the placement language, the same for the same arguments."""
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(nodes)]
    # Capacity ~1.6× the demand spread evenly: tight enough for utilization to matter.
    cpu = max(4, (resources * 2 * 16) // (nodes * 10))
    lines = ["cluster stickiness=100 strategy=balanced fencing=on"]
    lines += [f"node {n} capacity cpu={cpu} memory={cpu * 512}" for n in names]
    lines.append("fence fence_all stonith:fence_dummy")
    ids = [f"r{i}" for i in range(resources)]
    for rid in ids:
        demand = rng.choice((1, 1, 2, 3))
        lines.append(f"resource {rid} ocf:pacemaker:Dummy uses cpu={demand} memory={demand * 256}")
    grouped: set[str] = set()
    for start in range(0, resources - 2, 30):  # 10% in groups of three
        members = ids[start : start + 3]
        grouped.update(members)
        lines.append(f"group g{start} of {' '.join(members)}")
    for c in range(max(1, resources // 2000) + 1):  # a few clones
        lines.append(f"resource ping{c} ocf:pacemaker:ping host_list=192.0.2.1")
        lines.append(f"clone cl_ping{c} of ping{c}")
    top = [r for r in ids if r not in grouped] + [f"g{s}" for s in range(0, resources - 2, 30)]
    for rid in top:
        lines.append(f"location {rid} prefers {rng.choice(names)} {rng.randint(10, 100)}")
        if rng.random() < 0.05:
            lines.append(f"location {rid} avoids {rng.choice(names)}")
    singles = [r for r in ids if r not in grouped]
    for index, rid in enumerate(singles):
        other = singles[(index * 7 + 3) % len(singles)] if len(singles) > 1 else None
        if other is None or other == rid:
            continue
        draw = rng.random()
        if draw < 0.02:
            lines.append(f"colocation {rid} with {other}")
        elif draw < 0.07:
            lines.append(f"colocation {rid} with {other} {rng.randint(20, 50)}")
        elif draw < 0.09:
            lines.append(f"colocation {rid} apart from {other}")
        if rng.random() < 0.03:
            lines.append(f"order {other} then {rid}")
    return "\n".join(lines) + "\n"


def running_state(placement) -> State:
    return State(
        instances=tuple(
            Instance(a.resource, a.node, a.role, clone_instance=a.clone_instance) for a in placement.assignments
        )
    )


def timed(step):
    """Run ``step``: its result, wall seconds, and the process's peak resident memory so far."""
    began = time.perf_counter()
    result = step()
    wall = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    return result, wall, peak


def moves(before: State, placement) -> int:
    now = {(i.resource, i.node) for i in before.instances}
    target = {(a.resource, a.node) for a in placement.assignments}
    return len(now - target)


def run_size(nodes: int, resources: int, time_limit: float) -> None:
    text = cluster_text(nodes, resources)
    progress(f"{nodes}×{resources}: fresh placement …")
    fresh, fresh_wall, fresh_peak = timed(lambda: solve(loads(text), time_limit=time_limit))
    report(nodes, resources, "fresh", fresh, fresh_wall, fresh_peak, 0)
    state = running_state(fresh)
    down = state.with_node("n0", NodeState(NodeStatus.UNCLEAN))
    progress(f"{nodes}×{resources}: node-down replan …")
    replan, replan_wall, replan_peak = timed(lambda: solve(loads(text), down, time_limit=time_limit))
    report(nodes, resources, "node-down", replan, replan_wall, replan_peak, moves(state, replan))


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def report(nodes, resources, kind, placement, wall, peak, moved) -> None:
    stats = placement.stats
    gap = "unproven" if stats.gap is None else f"gap {stats.gap:.2%}"
    proof = "optimal" if stats.optimal else gap
    print(
        f"{nodes:>4}×{resources:<6} {kind:<9} {wall:8.3f}s  peak {peak / 2**20:7.1f} MiB  "
        f"{stats.method:<11} {proof:<10} running {len(placement.assignments):>6}  "
        f"stopped {len(placement.stopped):>4}  moves {moved:>4}",
        flush=True,
    )


def warm_up() -> None:
    """Import the parser and the solver once, so the first size does not pay for it."""
    solve(loads(cluster_text(3, 10)), time_limit=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only the small sizes")
    parser.add_argument("--sizes", nargs="*", help="sizes like 32x1000")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver time limit per solve (s)")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.sizes:
        sizes = tuple(tuple(int(v) for v in size.split("x")) for size in args.sizes)
    warm_up()
    for nodes, resources in sizes:
        run_size(nodes, resources, args.time_limit)


if __name__ == "__main__":
    main()
