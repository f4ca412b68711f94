"""The greedy reference lands where Pacemaker does on random small clusters (crm_simulate).

The exact solver may do strictly better than Pacemaker (SEMANTICS.md §13); the greedy port
is what breaks its ties, so it should reproduce Pacemaker's own choice: colocation chains
with influence, anti-colocations, locations, stickiness and resources already running.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess

import pytest

from placement.cib import loads_cib
from placement.solve import build_problem
from placement.solve.greedy import greedy

NODES = ("n1", "n2", "n3")
SCORES = ("100", "500", "-100", "50", "INFINITY", "-INFINITY")


def _start(rid: str) -> str:
    return (
        f'<lrm_resource id="{rid}" class="ocf" provider="pacemaker" type="Dummy">'
        f'<lrm_rsc_op id="{rid}_last_0" operation_key="{rid}_start_0" operation="start" call-id="2" '
        'rc-code="0" op-status="0" interval="0" transition-key="2:1:0:x" transition-magic="0:0;2:1:0:x" '
        'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>'
    )


def random_cib(seed: int) -> str:
    """3 nodes, 3–5 primitives, random colocations (some influence=false), locations, running copies."""
    rng = random.Random(seed)
    resources = [f"r{i}" for i in range(rng.randint(3, 5))]
    constraints = []
    for index, dependent in enumerate(resources):
        for primary in resources[:index]:
            if rng.random() < 0.4:
                influence = rng.choice(["", "", ' influence="false"'])
                constraints.append(
                    f'<rsc_colocation id="c-{dependent}-{primary}" rsc="{dependent}" with-rsc="{primary}" '
                    f'score="{rng.choice(SCORES)}"{influence}/>'
                )
        if rng.random() < 0.6:
            score = rng.choice([5, 10, 20, 100, -50])
            constraints.append(
                f'<rsc_location id="l-{dependent}" rsc="{dependent}" node="{rng.choice(NODES)}" score="{score}"/>'
            )
    running = {rid: rng.choice(NODES) for rid in resources if rng.random() < 0.5}
    stickiness = rng.choice(["0", "0", "10"])
    states = "".join(
        f'<node_state id="{i}" uname="{node}" in_ccm="true" crmd="online" join="member" expected="member">'
        f"<lrm><lrm_resources>{''.join(_start(r) for r, n in running.items() if n == node)}</lrm_resources></lrm>"
        "</node_state>"
        for i, node in enumerate(NODES, start=1)
    )
    return (
        '<cib have-quorum="1" epoch="1" num_updates="0" admin_epoch="0" validate-with="pacemaker-3.7"><configuration>'
        '<crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/>'
        "</cluster_property_set></crm_config><nodes>"
        + "".join(f'<node id="{i}" uname="{n}"/>' for i, n in enumerate(NODES, start=1))
        + "</nodes><resources>"
        + "".join(f'<primitive id="{r}" class="ocf" provider="pacemaker" type="Dummy"/>' for r in resources)
        + f"</resources><constraints>{''.join(constraints)}</constraints>"
        f'<rsc_defaults><meta_attributes id="rd"><nvpair id="rd1" name="resource-stickiness" value="{stickiness}"/>'
        f"</meta_attributes></rsc_defaults></configuration><status>{states}</status></cib>"
    )


def _pacemaker(tmp_path, text: str) -> set[tuple[str, str]]:
    path = tmp_path / "cib.xml"
    path.write_text(text)
    out = subprocess.run(["crm_simulate", "-x", str(path), "-S", "--output-as=xml"], capture_output=True, text=True)
    revised = out.stdout[out.stdout.find("<revised_cluster_status") :]
    found = re.finditer(r'<resource id="([^"]*)"[^>]*role="Started"[^>]*>\s*<node name="([^"]*)"', revised)
    return {(m.group(1), m.group(2)) for m in found}


def _greedy(text: str) -> set[tuple[str, str]]:
    config, state = loads_cib(text)
    solution = greedy(build_problem(config, state))
    return {(key, node) for key, nodes in solution.placed.items() for node in nodes}


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="needs Pacemaker's crm_simulate")
def test_the_greedy_port_agrees_with_crm_simulate_on_random_clusters(tmp_path):
    """Measured 39 of 40 (28 of 40 before the influence, rollback and order rules)."""
    seeds = range(40)
    agree = [seed for seed in seeds if _greedy(random_cib(seed)) == _pacemaker(tmp_path, random_cib(seed))]
    assert len(agree) >= 37, f"only {len(agree)} of {len(seeds)} agree"
