"""Benchmark the whole placement decision on synthetic clusters, 3×10 up to 100×10,000.

For each size: generate a .place text (10% of resources in groups of three, a few clones,
location preferences and bans, mandatory / finite / anti colocations, mandatory orders,
stickiness 100, utilization with the ``balanced`` strategy), then time

* fresh: parse → model → solve → transition on an empty cluster (`placement.plan`);
* node-down: the same cluster running that answer, after its first node is lost uncleanly
  (the what-if), parse → model → solve → transition.

With ``--crm`` and Pacemaker's ``crm_simulate`` installed, each cluster is also written as
CIB XML (fresh, every node online) and ``crm_simulate -R`` runs on it, with the ratio.

Prints wall time, peak memory (the process's peak RSS so far: sizes run smallest first),
optimality and moves per size, with progress on stderr. Every solve has a time limit, so it never hangs.

    python bench/solve.py --quick          # 3×10, 3×100, 32×1000
    python bench/solve.py                  # up to 100×10,000
    python bench/solve.py --sizes 64x3000  # one size
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from placement.events import NodeDown
from placement.lang import loads
from placement.model import Clone, Colocation, Config, Group, Location, Order, Primitive
from placement.planning import plan
from placement.score import format_score
from placement.state import State

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


def run_size(nodes: int, resources: int, time_limit: float, crm: bool, crm_timeout: float) -> None:
    text = cluster_text(nodes, resources)
    parsing: list[float] = []

    def parse() -> Config:
        began = time.perf_counter()
        config = loads(text)
        parsing.append(time.perf_counter() - began)
        return config

    progress(f"{nodes}×{resources}: fresh placement …")
    fresh, fresh_wall, fresh_peak = timed(lambda: plan(parse(), State(), time_limit=time_limit))
    report(nodes, resources, "fresh", fresh, fresh_wall, fresh_peak, 0, parsing[-1])
    if crm:
        compare_with_crm_simulate(fresh.config, fresh_wall, crm_timeout)
    steady = fresh.apply()
    # A what-if runs with the cluster's state, not with the previous plan in memory: drop it,
    # so that garbage collection during the replan walks only what a real run would hold.
    del fresh
    gc.collect()
    progress(f"{nodes}×{resources}: node-down replan …")
    replan, replan_wall, replan_peak = timed(
        lambda: plan(parse(), steady, events=[NodeDown("n0")], time_limit=time_limit)
    )
    report(
        nodes, resources, "node-down", replan, replan_wall, replan_peak, moves(steady, replan.placement), parsing[-1]
    )


# ----------------------------------------------------------------------------- crm_simulate


def cib_xml(config: Config) -> str:
    """The synthetic cluster as a Pacemaker CIB with every node online (what the generator uses)."""
    out = [
        '<cib validate-with="pacemaker-3.0" epoch="1" num_updates="0" admin_epoch="0" have-quorum="1">',
        '<configuration><crm_config><cluster_property_set id="options">',
        _nv("options", "stonith-enabled", "true" if config.cluster.fencing else "false"),
        _nv("options", "placement-strategy", config.cluster.strategy.value),
        "</cluster_property_set></crm_config><nodes>",
    ]
    for index, node in enumerate(config.nodes.values()):
        out.append(f'<node id="{index + 1}" uname="{node.name}"><utilization id="{node.name}-u">')
        out.extend(_nv(f"{node.name}-u", k, str(v)) for k, v in node.capacity.items())
        out.append("</utilization></node>")
    out.append("</nodes><resources>")
    written: set[str] = set()

    def primitive(p: Primitive) -> str:
        provider = f' provider="{p.agent.provider}"' if p.agent.provider else ""
        body = "".join(_nv(f"{p.id}-u", k, str(v)) for k, v in p.utilization.items())
        utilization = f'<utilization id="{p.id}-u">{body}</utilization>' if body else ""
        kind = f'class="{p.agent.standard}"{provider} type="{p.agent.type}"'
        return f'<primitive id="{p.id}" {kind}>{utilization}</primitive>'

    children = {c for r in config.resources.values() if isinstance(r, Group) for c in r.members}
    children |= {r.child for r in config.resources.values() if isinstance(r, Clone)}
    for rid, item in config.resources.items():
        if rid in children:
            continue
        if isinstance(item, Primitive):
            out.append(primitive(item))
        elif isinstance(item, Group):
            members = "".join(primitive(config.resources[m]) for m in item.members)  # type: ignore[arg-type]
            out.append(f'<group id="{rid}">{members}</group>')
        elif isinstance(item, Clone):
            out.append(f'<clone id="{rid}">{primitive(config.resources[item.child])}</clone>')  # type: ignore[arg-type]
        written.add(rid)
    out.append('</resources><rsc_defaults><meta_attributes id="defaults">')
    out.append(_nv("defaults", "resource-stickiness", str(config.cluster.stickiness or 0)))
    out.append("</meta_attributes></rsc_defaults><constraints>")
    for index, c in enumerate(config.constraints):
        if isinstance(c, Location):
            out.append(f'<rsc_location id="l{index}" rsc="{c.resource}" node="{c.node}" score="{_score(c.score)}"/>')
        elif isinstance(c, Colocation):
            out.append(
                f'<rsc_colocation id="c{index}" rsc="{c.dependent}" with-rsc="{c.primary}" score="{_score(c.score)}"/>'
            )
        elif isinstance(c, Order):
            out.append(f'<rsc_order id="o{index}" first="{c.first}" then="{c.then}" kind="Mandatory"/>')
    out.append("</constraints></configuration><status>")
    for index, node in enumerate(config.nodes.values()):
        out.append(
            f'<node_state id="{index + 1}" uname="{node.name}" in_ccm="true" crmd="online" '
            'join="member" expected="member"/>'
        )
    out.append("</status></cib>")
    return "\n".join(out)


def _nv(owner: str, name: str, value: str) -> str:
    return f'<nvpair id="{owner}-{name}" name="{name}" value="{value}"/>'


def _score(score: int) -> str:
    text = format_score(score)
    return {"inf": "INFINITY", "-inf": "-INFINITY"}.get(text, text)


def compare_with_crm_simulate(config: Config, ours: float, limit: float) -> None:
    """Time ``crm_simulate -R`` on the same cluster and print the ratio to our whole decision."""
    if shutil.which("crm_simulate") is None:
        progress("crm_simulate is not installed: no comparison")
        return
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "cib.xml"
        path.write_text(cib_xml(config), encoding="utf-8")
        began = time.perf_counter()
        try:
            done = subprocess.run(
                ["crm_simulate", "-R", "-Q", "-x", str(path)], capture_output=True, timeout=limit, check=False
            )
        except subprocess.TimeoutExpired:
            print(f"{'':16} crm_simulate -R  > {limit:.0f}s (stopped)  > {limit / max(ours, 1e-3):.0f}× our time")
            return
        wall = time.perf_counter() - began
        state = "ok" if done.returncode == 0 else f"exit {done.returncode}"
        print(f"{'':16} crm_simulate -R  {wall:8.3f}s  ({state})  {wall / max(ours, 1e-3):.1f}× our time", flush=True)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def report(nodes, resources, kind, result, wall, peak, moved, parse) -> None:
    """One line per decision: whole wall time, then its parse / solve / rest (events, transition)."""
    placement = result.placement
    stats = placement.stats
    gap = "unproven" if stats.gap is None else f"gap {stats.gap:.2%}"
    proof = "optimal" if stats.optimal else gap
    solve = stats.wall_seconds
    rest = max(0.0, wall - parse - solve)
    print(
        f"{nodes:>4}×{resources:<6} {kind:<9} {wall:8.3f}s  (parse {parse:.3f} solve {solve:.3f} rest {rest:.3f})"
        f"  peak {peak / 2**20:7.1f} MiB  "
        f"{stats.method:<11} {proof:<10} running {len(placement.assignments):>6}  "
        f"stopped {len(placement.stopped):>4}  moves {moved:>4}  actions {result.transition.number_of_nodes():>5}",
        flush=True,
    )


def warm_up() -> None:
    """Import the parser and the solver once, so the first size does not pay for it."""
    plan(loads(cluster_text(3, 10)), State(), time_limit=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="only the small sizes")
    parser.add_argument("--sizes", nargs="*", help="sizes like 32x1000")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver time limit per solve (s)")
    parser.add_argument("--crm", action="store_true", help="also time crm_simulate -R on the same clusters")
    parser.add_argument("--crm-timeout", type=float, default=300.0, help="seconds before crm_simulate is stopped")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    if args.sizes:
        sizes = tuple(tuple(int(v) for v in size.split("x")) for size in args.sizes)
    warm_up()
    for nodes, resources in sizes:
        run_size(nodes, resources, args.time_limit, args.crm, args.crm_timeout)


if __name__ == "__main__":
    main()
