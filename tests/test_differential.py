"""Differential test: placement against the real scheduler on a fixed sample of random clusters.

The clusters come from ``bench/random_cib`` (the generator `bench/differential.py`
uses); each is written as CIB XML, run through ``crm_simulate -S`` and ``placement
whatif --cib X --json`` (in-process), and judged as the conformance test judges. Skipped
when crm_simulate is not installed (Debian: ``pacemaker-cli-utils``, which
``.ci/install-agents`` installs) or the shared harness is absent.

Fails when a generated CIB is refused by crm_simulate (a generator bug), when placement
crashes with a traceback on one, or when match + better drops below the floor in
``tests/differential_floor.json``.
"""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from bench.random_cib import reference
from bench.random_cib.draw import clusters, seeded
from bench.random_cib.verdict import judge_cluster
from bench.random_cib.writer import to_xml

ROOT = Path(__file__).resolve().parents[1]
FLOOR = json.loads((ROOT / "tests" / "differential_floor.json").read_text())
MISSING = reference.available()
pytestmark = pytest.mark.skipif(MISSING is not None, reason=f"differential test needs the reference: {MISSING}")


def test_fixed_sample_agrees_with_crm_simulate(tmp_path: Path) -> None:
    verdicts = {}
    for index in range(FLOOR["clusters"]):
        cluster = seeded(FLOOR["seed"], index)
        verdicts[index] = verdict = judge_cluster(cluster, time_limit=20)
        if verdict.status not in ("match", "better"):
            (tmp_path / f"cluster-{index}.xml").write_text(to_xml(cluster))
    counts = collections.Counter(v.status for v in verdicts.values())
    print(f"\ndifferential (seed {FLOOR['seed']}): {dict(counts)}; disagreeing CIBs in {tmp_path}")
    invalid = {i: v.why for i, v in verdicts.items() if v.status == "invalid"}
    assert not invalid, f"crm_simulate refused generated CIBs (generator bug): {invalid}"
    crashed = {i: v.why for i, v in verdicts.items() if v.status == "error" and "Traceback" in v.why}
    assert not crashed, f"placement crashed: {crashed}"
    good = counts["match"] + counts["better"]
    assert good >= FLOOR["match_or_better"], f"{good} match or better, floor {FLOOR['match_or_better']}"


@settings(max_examples=8)
@given(clusters())
def test_every_drawn_cluster_is_accepted_and_planned(cluster) -> None:  # type: ignore[no-untyped-def]
    """Hypothesis draws (and would shrink) clusters: crm_simulate accepts each, placement never crashes."""
    verdict = judge_cluster(cluster, time_limit=20)
    assert verdict.status != "invalid", verdict.why
    assert not (verdict.status == "error" and "Traceback" in verdict.why), verdict.why


def test_a_scheduler_error_about_the_state_does_not_refuse_the_cib(tmp_path: Path) -> None:
    """Cluster 1640 of seed 7: a promotable cloned group whose member's stop failed, so the
    member stays where the rest of its instance is not. crm_verify logs "Cannot promote
    non-colocated child" about that state, not the configuration, and crm_simulate runs it
    to the end: the reference judges it instead of calling it a generator bug."""
    path = tmp_path / "cib.xml"
    path.write_text(to_xml(seeded(7, 1640)))
    found = reference.run(path)
    assert found.problem == "" and found.expected is not None
