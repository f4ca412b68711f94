"""Benchmark `placement survive`: every double failure of a 32-node, 1,000-resource cluster.

The cluster comes from ``/work/shared/bench/gen_cib.py --nodes 32 --resources 1000
--utilization`` (the CIB as generated: fencing disabled), plus a variant with fencing
enabled and one ``fence_dummy`` device (so that a lost node is fenced and its resources
recovered, in Pacemaker and in placement alike). For each:

* **placement**: the whole process, ``python -m placement survive --cib X --failures 2
  --json`` (496 scenarios), wall time and CPU time (this process's children);
* **crm_simulate**: ``crm_simulate -x X --node-fail A --node-fail B -S`` on a seeded sample
  of the same scenarios, one run each, timed; the mean × 496 is its time for the whole set.

Prints the load average before and after (the machine is shared), the sizes, the
survivability counts, how the scenarios were answered, and the ratio.

    python bench/survive.py                    # both variants, crm_simulate sample of 6
    python bench/survive.py --sample 12 --variant fencing
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = Path("/work/shared/bench/gen_cib.py")
TARGET_SECONDS = 60.0


def generate(directory: Path, nodes: int, resources: int) -> dict[str, Path]:
    plain = directory / "cluster.xml"
    subprocess.run([sys.executable, str(GENERATOR), "--nodes", str(nodes), "--resources", str(resources),
                    "--utilization", "-o", str(plain)], check=True, capture_output=True)
    text = plain.read_text(encoding="utf-8")
    fenced = directory / "cluster-fencing.xml"
    text = text.replace('name="stonith-enabled" value="false"', 'name="stonith-enabled" value="true"')
    text = text.replace("<resources>", '<resources>\n      <primitive id="fence-all" class="stonith" '
                        'type="fence_dummy"/>', 1)
    fenced.write_text(text, encoding="utf-8")
    return {"as-generated": plain, "fencing": fenced}


def time_placement(cib: Path, failures: int) -> tuple[float, float, dict]:
    """Wall and CPU seconds of the whole ``placement survive`` process, and its JSON."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "placement", "survive", "--cib", str(cib), "--failures",
                           str(failures), "--json"], cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"placement survive failed: {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads(done.stdout)


def time_crm_simulate(cib: Path, scenarios: list[tuple[str, ...]]) -> list[float]:
    times = []
    for nodes in scenarios:
        args = ["crm_simulate", "-x", str(cib), "-S"] + [a for n in nodes for a in ("--node-fail", n)]
        began = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True, timeout=600)
        times.append(time.perf_counter() - began)
        print(f"  crm_simulate {' + '.join(nodes)}: {times[-1]:.1f} s", file=sys.stderr)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=32)
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--failures", type=int, default=2)
    parser.add_argument("--sample", type=int, default=6, help="crm_simulate runs to extrapolate from (0: none)")
    parser.add_argument("--variant", choices=("as-generated", "fencing", "both"), default="both")
    options = parser.parse_args()
    crm = shutil.which("crm_simulate") if options.sample else None
    total = math.comb(options.nodes, options.failures)
    print(f"survive: {options.nodes} nodes x {options.resources} resources, K={options.failures} "
          f"({total} scenarios); {os.cpu_count()} cores; load before {_load()}")
    with tempfile.TemporaryDirectory() as tmp:
        variants = generate(Path(tmp), options.nodes, options.resources)
        names = list(variants) if options.variant == "both" else [options.variant]
        for name in names:
            cib = variants[name]
            wall, cpu, document = time_placement(cib, options.failures)
            solved = document["solved"]
            verdict = "met" if wall <= TARGET_SECONDS else "NOT met"
            print(f"[{name}] placement survive: {wall:.1f} s wall, {cpu:.1f} s CPU (whole process, "
                  f"{cpu / total * 1000:.0f} ms CPU per scenario; target <= {TARGET_SECONDS:.0f} s wall: {verdict}); "
                  f"load now {_load()}")
            print(f"  {document['survivable']} of {document['scenarios']} survivable; solved "
                  f"{solved['total']}: {solved['fit']} proven without search, {solved['local']} local search, "
                  f"{solved['plan']} full planner; {len(document['hurt'])} hurt, {len(document['risks'])} "
                  f"resources at risk")
            if crm:
                every = list(combinations([f"node{i}" for i in range(1, options.nodes + 1)], options.failures))
                sample = random.Random(14).sample(every, min(options.sample, len(every)))
                times = time_crm_simulate(cib, sample)
                mean = sum(times) / len(times)
                print(f"  crm_simulate: {mean:.1f} s per scenario (mean of {len(times)}), x {total} = "
                      f"{mean * total:.0f} s for the set; ratio {mean * total / wall:.0f}x; load now {_load()}")


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
