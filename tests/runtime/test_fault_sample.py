"""A bounded sample of the fault campaign in CI: two runs of bench/faults.py, zero violations."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import needs_dummy
from .etcd_members import needs_etcd
from .harness import REPO, environment

pytestmark = [needs_dummy, needs_etcd]


def test_two_randomized_runs_of_the_fault_campaign_violate_nothing(tmp_path: Path) -> None:
    figures = tmp_path / "faults.json"
    # Seed 3 draws an etcd quorum loss, then an agent kill; the bound is generous for a busy CI.
    done = subprocess.run(
        [sys.executable, "bench/faults.py", "--runs", "2", "--seed", "3", "--faults", "2", "--json", str(figures)],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=REPO,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    result = json.loads(figures.read_text())
    print(done.stdout)
    assert result["runs"] == 2 and result["violations"] == []
    assert result["faults_total"] >= 2
