"""Every shipped example checks clean: no error and no warning."""

from __future__ import annotations

from pathlib import Path

import pytest

from placement.lang import dumps, parse

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.place"))


def test_the_examples_the_readme_promises_exist() -> None:
    assert {p.name for p in EXAMPLES} >= {"kvm.place", "webstack.place", "capacity.place"}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_checks_clean_and_survives_formatting(path: Path) -> None:
    config, diagnostics = parse(path.read_text(encoding="utf-8"), str(path))
    assert [str(d) for d in diagnostics] == []
    assert parse(dumps(config))[0] == config


def test_kvm_example_has_the_shape_the_docs_describe() -> None:
    config, _ = parse((Path(__file__).parents[1] / "examples" / "kvm.place").read_text())
    assert list(config.nodes) == ["alice", "bob", "charlie"]
    devices = {rid: r.fences for rid, r in config.primitives.items() if r.agent.is_fencing}
    assert devices == {"ipmi_alice": ("alice",), "ipmi_bob": ("bob",), "ipmi_charlie": ("charlie",)}
    vms = [rid for rid, r in config.primitives.items() if r.agent.type == "VirtualDomain"]
    assert vms == ["xray", "yankee", "zulu"]
    assert all(config.resources[vm].meta.allow_migrate for vm in vms)
    assert config.cluster.stickiness == 100
