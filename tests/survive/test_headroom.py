"""headroom's answer is proven: one copy more than it reports makes some scenario worse."""

from __future__ import annotations

from pathlib import Path

import pytest

import placement
from placement.errors import InvalidInput
from placement.survival.analysis import SurvivalReport

FARM = Path(__file__).resolve().parents[2] / "examples" / "vmfarm.place"
WEB = "resource web ocf:heartbeat:apache uses cpu=2 memory=4G"


def _with_copies(count: int) -> placement.Config:
    """vmfarm with ``count`` web copies written out by hand (not through the template code)."""
    text = FARM.read_text(encoding="utf-8")
    extra = [f"resource web-{i} ocf:heartbeat:apache uses cpu=2 memory=4G" for i in range(1, count + 1)]
    return placement.loads(text + "\n".join(extra) + "\n")


def _impacts(report: SurvivalReport) -> dict[tuple[str, ...], set[tuple[str, str]]]:
    return {r.scenario.domains: {(i.resource, i.kind) for i in r.outcome.impacts} for r in report.results}


def _survive_after_steady(config: placement.Config) -> tuple[SurvivalReport, set[str]]:
    """Plan the copies in from the farm's steady state, then every single failure from there."""
    start = placement.steady_state(placement.load(FARM))
    steady = placement.plan(config, start)
    running = {a.resource for a in steady.placement.assignments}
    return placement.survive(config, steady.apply(), failures=1), running


def test_one_copy_more_than_the_headroom_makes_a_scenario_worse() -> None:
    farm = placement.load(FARM)
    found = placement.headroom(farm, template=WEB, failures=1, most=16)
    assert not found.capped and 0 < found.copies < 16
    assert found.limit is not None and found.limit.count == found.copies + 1
    before = _impacts(placement.survive(farm, placement.steady_state(farm), failures=1))

    at_limit, running = _survive_after_steady(_with_copies(found.copies))
    assert {f"web-{i}" for i in range(1, found.copies + 1)} <= running
    for scenario, hurt in _impacts(at_limit).items():
        assert hurt <= before[scenario], scenario  # nothing worse anywhere with the reported count

    beyond, running = _survive_after_steady(_with_copies(found.copies + 1))
    worse = {s: hurt - before[s] for s, hurt in _impacts(beyond).items() if hurt - before[s]}
    missing = {f"web-{i}" for i in range(1, found.copies + 2)} - running
    assert worse or missing  # one more copy: some scenario (or the steady state) is worse
    if worse:
        assert found.limit.scenario in {" + ".join(s) for s in worse}
        assert found.limit.resource in {name for hurt in worse.values() for name, _ in hurt}


def test_without_capacity_limits_the_search_stops_at_the_cap() -> None:
    kvm = placement.load(Path(__file__).resolve().parents[2] / "examples" / "kvm.place")
    found = placement.headroom(kvm, template="resource vm ocf:heartbeat:VirtualDomain config=/etc/vm.xml",
                               failures=1, most=4)
    assert found.capped and found.copies == 4 and found.limit is None


def test_a_bad_template_is_reported_in_the_template() -> None:
    farm = placement.load(FARM)
    with pytest.raises(InvalidInput) as error:
        placement.headroom(farm, template="resource web ocf:heartbeat:apache\ncolocation web with nosuch",
                           failures=1)
    assert "--add:2:" in str(error.value) and "nosuch" in str(error.value)
    with pytest.raises(InvalidInput, match="defines no new resource"):
        placement.headroom(farm, template="location db prefers hv1 10", failures=1)
