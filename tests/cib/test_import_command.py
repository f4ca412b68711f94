"""``placement import``: CIB XML in, .place text out, exit codes 0 / 1 / 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from placement.cli import cli
from placement.lang import loads
from placement.state_json import load_state
from tests.cib.cibxml import cib, dummy


def run(tmp_path, text: str, *args: str):
    path = tmp_path / "cib.xml"
    path.write_text(text)
    return CliRunner().invoke(cli, ["import", str(path), *args])


def test_prints_the_configuration_as_place_text(tmp_path) -> None:
    result = run(
        tmp_path,
        cib(dummy("db") + dummy("web"), '<rsc_colocation id="c" rsc="web" with-rsc="db" score="INFINITY"/>'),
    )
    assert result.exit_code == 0, result.output
    config = loads(result.stdout)
    assert sorted(config.resources) == ["db", "web"]
    assert [(c.dependent, c.primary) for c in config.constraints] == [("web", "db")]


def test_output_file_and_warnings_on_stderr(tmp_path) -> None:
    out = tmp_path / "cluster.place"
    result = run(tmp_path, cib(dummy("db"), '<rsc_location id="l" rsc="db" node="zed" score="5"/>'), "-o", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "warning:" in result.stderr and "node 'zed' does not exist" in result.stderr
    assert sorted(loads(out.read_text()).resources) == ["db"]


def test_a_bundle_prints_as_one_bundle_statement(tmp_path) -> None:
    result = run(tmp_path, cib(dummy("db") + '<bundle id="b1"><docker image="x" replicas="2"/></bundle>'))
    assert result.exit_code == 0, result.stderr
    assert "bundle b1 docker image=x replicas=2" in result.stdout
    assert "b1-docker-0" not in result.stdout
    config = loads(result.stdout)
    assert {"b1-docker-0", "b1-docker-1"} <= set(config.resources)


def test_cloned_fence_device_prints_as_a_clone_of_a_fence(tmp_path) -> None:
    result = run(tmp_path, cib('<clone id="fc"><primitive id="f" class="stonith" type="fence_x"/></clone>'))
    assert result.exit_code == 0, result.output
    assert "fence f stonith:fence_x\nclone fc of f\n" in result.stdout


def test_malformed_xml_exits_1_with_position(tmp_path) -> None:
    result = run(tmp_path, "<cib>\n<configuration>\n</cib>")
    assert result.exit_code == 1
    assert "cib.xml:3:3: error: malformed XML: mismatched tag" in result.stderr


def test_state_out_writes_the_status_as_state_json(tmp_path) -> None:
    state_file = tmp_path / "state.json"
    status = (
        '<node_state id="1" uname="alice" in_ccm="true" crmd="online" join="member" expected="member">'
        '<lrm id="l"><lrm_resources><lrm_resource id="db" class="ocf" type="Dummy">'
        '<lrm_rsc_op id="s" operation="start" call-id="2" rc-code="0" op-status="0" interval="0"'
        ' transition-key="1:1:0:u"/>'
        "</lrm_resource></lrm_resources></lrm></node_state>"
    )
    result = run(tmp_path, cib(dummy("db"), status=status), "--state-out", str(state_file))
    assert result.exit_code == 0, result.output
    state = load_state(state_file)
    assert [(i.resource, i.node) for i in state.instances] == [("db", "alice")]
    assert state.node("bob").status.value == "unclean"  # never seen, and fencing is on


SHARED_CASES = Path(__file__).resolve().parents[2].parent / "shared" / "pacemaker-scheduler" / "cases"
# A fixed spread of real cases: groups, clones, promotion, failures, fencing, tickets, containers.
SAMPLE = [
    "group1",
    "clone-no-shuffle",
    "promoted-0",
    "rec-rsc-5",
    "rec-node-1",
    "ticket-group-1",
    "container-group-1",
    "systemhealthp2",
    "failcount",
    "utilization-order2",
]


@pytest.mark.skipif(not SHARED_CASES.is_dir(), reason=f"Pacemaker scheduler cases not found at {SHARED_CASES}")
@pytest.mark.parametrize("name", SAMPLE)
def test_import_then_plan_from_text_and_state_json_equals_planning_from_the_cib(tmp_path, name: str) -> None:
    cib_path = SHARED_CASES / f"{name}.xml"
    place, state = tmp_path / "cluster.place", tmp_path / "state.json"
    runner = CliRunner()
    imported = runner.invoke(cli, ["import", str(cib_path), "-o", str(place), "--state-out", str(state)])
    assert imported.exit_code == 0, imported.output
    from_cib = runner.invoke(cli, ["whatif", "--cib", str(cib_path), "--json"])
    from_text = runner.invoke(cli, ["whatif", str(place), "--state", str(state), "--json"])
    assert from_cib.exit_code == from_text.exit_code == 0
    cib_plan, text_plan = json.loads(from_cib.stdout), json.loads(from_text.stdout)
    assert (cib_plan["placement"], cib_plan["fenced"]) == (text_plan["placement"], text_plan["fenced"])
