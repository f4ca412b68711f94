"""Node health: the strategy's sum of #health-* attributes as locations on every resource."""

from __future__ import annotations

import pytest

from placement.score import INFINITY
from tests.cib.cibxml import ONLINE, cib, dummy, load, meta, option


def health_cib(strategy: str, colour: str, *, extra_options: str = "", resources: str = dummy("a") + dummy("b")):
    transient = (
        '<transient_attributes id="t"><instance_attributes id="ti">'
        f'<nvpair id="h" name="#health-ipmi" value="{colour}"/></instance_attributes></transient_attributes>'
    )
    status = (
        f'<node_state id="1" uname="alice" {ONLINE}>{transient}</node_state><node_state id="2" uname="bob" {ONLINE}/>'
    )
    options = option("node-health-strategy", strategy) + extra_options
    return load(cib(resources, options=options, status=status))[0]


def scores(config) -> list[tuple[str, str, int]]:
    return [(c.resource, c.node, c.score) for c in config.constraints]


@pytest.mark.parametrize(
    ("strategy", "colour", "expected"),
    [
        ("none", "red", None),
        ("migrate-on-red", "red", -INFINITY),
        ("migrate-on-red", "yellow", None),
        ("only-green", "yellow", -INFINITY),
        ("only-green", "green", None),
    ],
)
def test_strategies_fix_the_colour_scores(strategy: str, colour: str, expected: int | None) -> None:
    found = scores(health_cib(strategy, colour))
    assert found == ([] if expected is None else [("a", "alice", expected), ("b", "alice", expected)])


def test_progressive_uses_the_configured_scores_and_numbers() -> None:
    extra = option("node-health-yellow", "-100") + option("node-health-base", "10")
    assert scores(health_cib("progressive", "yellow", extra_options=extra)) == [
        ("a", "alice", -90),
        ("b", "alice", -90),
        ("a", "bob", 10),
        ("b", "bob", 10),
    ]
    assert scores(health_cib("custom", "-30")) == [("a", "alice", -30), ("b", "alice", -30)]


def test_allow_unhealthy_nodes_spares_a_resource_from_negative_health() -> None:
    resources = dummy("a") + dummy("b", meta("b", allow_unhealthy_nodes="true"))
    assert scores(health_cib("migrate-on-red", "red", resources=resources)) == [("a", "alice", -INFINITY)]
