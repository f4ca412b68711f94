"""The survive and headroom commands: text, JSON, the SVG heat map, bad input."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from click.testing import CliRunner

from placement.cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
KVM, FARM = str(EXAMPLES / "kvm.place"), str(EXAMPLES / "vmfarm.place")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_text_ranks_the_hurting_pair_and_summarises_the_risk() -> None:
    code, out = _run("survive", FARM, "--failures", "2", "--jobs", "1")
    assert code == 0
    assert "Fully survivable: 5 of 6" in out
    assert "1. hv1 + hv2  1 out of service, highest priority 10" in out
    assert "db  stopped in 1 of 6 pairs: only when hv1 and hv2 fail together (priority 10)" in out


def test_json_is_one_document_with_every_hurting_scenario() -> None:
    code, out = _run("survive", KVM, "-k", "2", "--json", "--jobs", "2")
    assert code == 0
    document = json.loads(out)
    assert (document["scenarios"], document["survivable"]) == (3, 0)
    assert [h["failed"] for h in document["hurt"]] == [["alice", "bob"], ["alice", "charlie"], ["bob", "charlie"]]
    assert document["hurt"][0]["impacts"][0]["resource"] == "ipmi_charlie"
    assert {r["resource"] for r in document["risks"]} == {"ipmi_alice", "ipmi_bob", "ipmi_charlie"}


def test_svg_heat_map_of_node_pairs_is_well_formed(tmp_path: Path) -> None:
    target = tmp_path / "pairs.svg"
    code, _ = _run("survive", FARM, "-k", "2", "--svg", str(target), "--jobs", "1")
    assert code == 0
    root = ET.parse(target).getroot()
    tips = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "hv1 + hv2: 1 hurt" in tips and "hv3 + hv4: 0 hurt" in tips


def test_svg_of_single_failures_maps_resources_to_scenarios(tmp_path: Path) -> None:
    target = tmp_path / "single.svg"
    code, _ = _run("survive", FARM, "-k", "1", "--domain", "rack", "--svg", str(target))
    assert code == 0
    tips = [t.text for t in ET.parse(target).getroot().iter("{http://www.w3.org/2000/svg}title")]
    assert "db stopped when rack=r1 fail" in tips


def test_bad_input_is_a_clear_error() -> None:
    code, out = _run("survive", KVM, "--failures", "4")
    assert code == 1 and "only 3 failure domains can fail" in out
    code, out = _run("survive", KVM, "--domain", "nosuch")
    assert code == 1 and "no node has the attribute 'nosuch'" in out
    code, out = _run("headroom", KVM, "--add", "resource vm ocf:heartbeat:VirtualDomain\nlocation vm prefers nobody")
    assert code == 1 and "--add:2:" in out
    code, out = _run("survive", KVM, "--failures", "0")
    assert code == 2


def test_headroom_names_the_limit() -> None:
    code, out = _run("headroom", FARM, "--add", "resource web ocf:heartbeat:apache uses cpu=2 memory=4G",
                     "--most", "16", "--json")
    assert code == 0
    document = json.loads(out)
    assert not document["capped"] and document["limit"]["copies"] == document["copies"] + 1
    assert document["limit"]["resource"] and document["limit"]["scenario"] is not None
