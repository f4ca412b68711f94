"""The whatif, plan and state commands: text, JSON, DOT, chained states, event order, errors."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from placement.cli import cli

KVM = str(Path(__file__).parents[2] / "examples" / "kvm.place")


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_whatif_node_down_prints_status_summary_waves_and_revised_status() -> None:
    result = run("whatif", KVM, "--node-down", "charlie")
    assert result.exit_code == 0, result.output
    text = result.stdout
    for heading in ("Current cluster status:", "Events:", "Transition Summary:", "Waves", "Revised Cluster Status:"):
        assert heading in text
    assert "  * node-down charlie" in text
    assert "  * Fence (reboot) charlie 'peer is no longer part of the cluster'" in text
    assert "Move       zulu         ( charlie -> " in text
    assert "\x1b[" not in text  # no colour when not writing to a terminal
    revised = text.split("Revised Cluster Status:")[1]
    assert "OFFLINE (fenced): [ charlie ]" in revised


def test_whatif_json_is_one_documented_document() -> None:
    result = run("whatif", KVM, "--node-down", "charlie", "--json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert {"placement", "stopped", "fenced", "actions", "waves"} <= document.keys()
    assert document["fenced"] == ["charlie"]
    assert document["actions"][0] == {"op": "fence", "resource": "charlie", "from": None, "to": None}
    assert any(a["op"] == "move" and a["resource"] == "zulu" and a["from"] == "charlie" for a in document["actions"])
    assert document["waves"][0] == ["fence charlie"]
    assert {p["node"] for p in document["placement"]} == {"alice", "bob"}
    assert all(p["role"] == "Started" for p in document["placement"])


def test_plan_without_events_from_the_steady_state_has_nothing_to_do() -> None:
    result = run("plan", KVM, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["actions"] == []


def test_state_out_chains_what_ifs(tmp_path: Path) -> None:
    down = tmp_path / "down.json"
    assert run("whatif", KVM, "--node-down", "charlie", "--state-out", str(down), "--json").exit_code == 0
    assert json.loads(down.read_text())["nodes"]["charlie"]["status"] == "fenced"
    back = run("whatif", KVM, "--state", str(down), "--node-up", "charlie", "--json")
    actions = json.loads(back.stdout)["actions"]
    assert [(a["op"], a["resource"]) for a in actions] == [("start", "iscsi:2")]  # stickiness keeps zulu


def test_events_apply_in_the_order_written() -> None:
    down_then_up = json.loads(run("whatif", KVM, "--node-down", "charlie", "--node-up", "charlie",
                                  "--json").stdout)
    up_then_down = json.loads(run("whatif", KVM, "--node-up", "charlie", "--node-down", "charlie",
                                  "--json").stdout)
    assert down_then_up["fenced"] == [] and up_then_down["fenced"] == ["charlie"]


def test_several_kinds_of_events_and_set_attr() -> None:
    result = run("whatif", KVM, "--standby", "alice", "--set-attr", "bob", "pingd=0", "--fail",
                 "yankee@bob:monitor", "--ban", "zulu@charlie", "--json")
    assert result.exit_code == 0, result.output
    placed = {(p["resource"], p["node"]) for p in json.loads(result.stdout)["placement"]}
    assert not {node for _, node in placed} & {"alice"}
    assert ("zulu", "charlie") not in placed


def test_dot_output(tmp_path: Path) -> None:
    dot = tmp_path / "t.dot"
    assert run("whatif", KVM, "--node-down", "charlie", "--dot", str(dot)).exit_code == 0
    text = dot.read_text()
    assert text.startswith('digraph "transition" {')
    assert '"fence charlie" -> "start zulu@' in text


def test_state_command_prints_the_steady_state() -> None:
    result = run("state", KVM)
    document = json.loads(result.stdout)
    assert document["version"] == 1
    assert {(i["resource"], i["node"]) for i in document["instances"]} >= {("zulu", "charlie"), ("xray", "alice")}


def test_bad_event_names_and_inputs_exit_one_with_a_message(tmp_path: Path) -> None:
    unknown = run("whatif", KVM, "--node-down", "charly")
    assert unknown.exit_code == 1 and "node 'charly' does not exist (did you mean 'charlie'?)" in unknown.stderr
    malformed = tmp_path / "bad.json"
    malformed.write_text("{")
    bad_state = run("whatif", KVM, "--state", str(malformed))
    assert bad_state.exit_code == 1 and f"{malformed}:1:2: error: not valid JSON" in bad_state.stderr
    assert run("whatif", KVM, "--fail", "xray").exit_code == 1


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    assert run("whatif").exit_code == 2
    assert run("whatif", KVM, "--cib", str(tmp_path / "x.xml")).exit_code == 2


def test_a_start_straight_into_promoted_is_summarised_as_a_promote(tmp_path: Path) -> None:
    """As crm_simulate's summary: "Promote db ( Stopped -> Promoted alice )", and in JSON a
    promote on that node, not a start (Pacemaker's bug-pm-11 summary reads so)."""
    place = tmp_path / "ms.place"
    place.write_text(
        "cluster fencing=off\nnode alice master-db=10\nnode bob\n"
        "resource db ocf:pacemaker:Stateful\npromotable ms of db\n",
        encoding="utf-8",
    )
    result = run("plan", str(place), "--state", str(_empty_state(tmp_path)), "--json")
    assert result.exit_code == 0, result.output
    actions = json.loads(result.stdout)["actions"]
    assert {"op": "promote", "resource": "db:0", "from": "alice", "to": "alice"} in actions
    assert {"op": "start", "resource": "db:1", "from": None, "to": "bob"} in actions
    text = run("plan", str(place), "--state", str(_empty_state(tmp_path))).stdout
    assert "( Stopped -> Promoted alice )" in text


def _empty_state(tmp_path: Path) -> Path:
    state = tmp_path / "empty.json"
    state.write_text('{"version": 1}', encoding="utf-8")
    return state
