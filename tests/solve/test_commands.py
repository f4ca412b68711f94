"""`placement place`, `placement scores` and `placement why` on real .place files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from placement.cli import cli

KVM = Path(__file__).parents[2] / "examples" / "kvm.place"
UTILIZATION = """\
cluster fencing=off strategy=utilization
node node1 capacity cpu=2 memory=2048
node node2 capacity cpu=4 memory=4096
resource small ocf:pacemaker:Dummy uses cpu=1 memory=1024
resource medium ocf:pacemaker:Dummy uses cpu=2 memory=2048
resource large ocf:pacemaker:Dummy uses cpu=3 memory=3072
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def utilization_file(tmp_path: Path) -> Path:
    path = tmp_path / "utilization.place"
    path.write_text(UTILIZATION)
    return path


def test_place_json_on_the_kvm_example():
    result = run("place", str(KVM), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    where = {p["resource"]: p["node"] for p in data["placement"] if p["resource"] in ("xray", "yankee", "zulu")}
    assert where == {"xray": "alice", "yankee": "bob", "zulu": "charlie"}
    assert data["optimal"] is True and data["stopped"] == []


def test_place_table_names_scores_and_reasons():
    result = run("place", str(KVM))
    assert result.exit_code == 0
    assert "location xray-on-alice 50" in result.output
    assert "optimal" in result.output


def test_place_runs_the_documentation_example_exactly(utilization_file: Path):
    result = run("place", str(utilization_file), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {(p["resource"], p["node"]) for p in data["placement"]} == {
        ("medium", "node1"),
        ("small", "node2"),
        ("large", "node2"),
    }


def test_scores_prints_terms():
    result = run("scores", str(KVM), "xray")
    assert result.exit_code == 0
    assert "alice 50 = location xray-on-alice 50" in result.output
    assert "yankee" not in result.output


def test_why_names_the_constraint_and_its_line(tmp_path: Path):
    text = (
        KVM.read_text()
        + "\nlocation cl_iscsi avoids alice\nlocation cl_iscsi avoids bob\nlocation cl_iscsi avoids charlie\n"
    )
    path = tmp_path / "broken.place"
    path.write_text(text)
    result = run("why", "xray", str(path))
    assert result.exit_code == 0
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("colocation xray with cl_iscsi"))
    assert "xray cannot run" in result.output
    assert f"broken.place:{line})" in result.output
    assert "cl_iscsi cannot run" in result.output


def test_unknown_resource_and_missing_file_are_clean_errors(tmp_path: Path):
    result = run("why", "nope", str(KVM))
    assert result.exit_code == 1 and "unknown resource 'nope'" in result.output
    result = run("place", str(tmp_path / "absent.place"))
    assert result.exit_code == 1 and "cannot read" in result.output
