"""survive on examples/kvm.place: the answers, checked against whatif run per scenario."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import placement
from placement.cli import cli
from tests.survive.whatif_loop import survive_sets, whatif_loop

KVM = Path(__file__).resolve().parents[2] / "examples" / "kvm.place"


def _whatif_stopped(*nodes: str) -> set[str]:
    """Primitives that run before and not after ``whatif --node-down …`` (its JSON, nothing of survive)."""
    runner = CliRunner()
    before = json.loads(runner.invoke(cli, ["whatif", str(KVM), "--json"]).output)
    args = ["whatif", str(KVM), "--json"] + [arg for node in nodes for arg in ("--node-down", node)]
    after = json.loads(runner.invoke(cli, args).output)
    return set(after["stopped"]) - set(before["stopped"])


def test_every_single_failure_of_kvm_is_survivable() -> None:
    config = placement.load(KVM)
    report = placement.survive(config, placement.steady_state(config), failures=1)
    assert (report.total, report.survivable) == (3, 3)
    assert report.ranked == [] and report.risks == []
    for node in ("alice", "bob", "charlie"):
        assert _whatif_stopped(node) == set()


def test_every_double_failure_of_kvm_stops_the_last_nodes_fence_device() -> None:
    config = placement.load(KVM)
    report = placement.survive(config, placement.steady_state(config), failures=2)
    assert (report.total, report.survivable) == (3, 0)
    stopped = {r.scenario.nodes: {i.resource for i in r.outcome.impacts if i.kind == "stopped"} for r in report.results}
    assert stopped == {("alice", "bob"): {"ipmi_charlie"}, ("alice", "charlie"): {"ipmi_bob"},
                       ("bob", "charlie"): {"ipmi_alice"}}
    for nodes, names in stopped.items():
        assert _whatif_stopped(*nodes) == names  # whatif's own JSON says the same
    risks = {r.resource: r.pattern for r in report.risks}
    assert risks["ipmi_charlie"] == "only when alice and bob fail together"


def test_survive_equals_the_whatif_loop_on_kvm() -> None:
    config = placement.load(KVM)
    state = placement.steady_state(config)
    for failures in (1, 2):
        report = placement.survive(config, state, failures=failures)
        assert survive_sets(report) == whatif_loop(config, state, failures)


def test_rack_domains_fail_together() -> None:
    config = placement.load(KVM)
    report = placement.survive(config, failures=1, domain="rack")
    assert [d.name for d in report.domains] == ["rack=a", "rack=b"]
    by_domain = {r.scenario.domains: {i.resource for i in r.outcome.impacts} for r in report.results}
    # Losing rack a loses alice and bob at once: charlie is left, and its fence device cannot run there.
    assert by_domain == {("rack=a",): {"ipmi_charlie"}, ("rack=b",): set()}
