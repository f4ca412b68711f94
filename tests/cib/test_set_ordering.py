"""``ordering`` on a resource set: Pacemaker 2.1.5 reads it only in colocation sets.

``unpack_colocation_set``: with the default ``group`` each member is placed with the one
before it; with anything else (``listed``) with the one after it, which is the chain of
the reversed list. Orders ignore the attribute. The last test asks ``crm_simulate``
(when installed) to place the same CIBs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from placement.errors import Unsupported
from placement.model import ColocationSet, OrderSet
from tests.cib.cibxml import cib, config_of, dummy, option, our_placement, pacemaker_placement

THREE = dummy("a") + dummy("b") + dummy("c")


def members(ordering: str, ids: str = "abc", extra: str = "") -> str:
    refs = "".join(f'<resource_ref id="{i}"/>' for i in ids)
    return f'<resource_set id="s-{ordering}-{ids}" ordering="{ordering}"{extra}>{refs}</resource_set>'


def test_a_listed_colocation_set_is_the_reversed_chain() -> None:
    config = config_of(cib(THREE, f'<rsc_colocation id="col" score="INFINITY">{members("listed")}</rsc_colocation>'))
    (colocation,) = [c for c in config.constraints if isinstance(c, ColocationSet)]
    assert colocation.sets[0].resources == ("c", "b", "a")


@pytest.mark.parametrize(
    ("score", "extra"), [("-INFINITY", ""), ("INFINITY", ' sequential="false"')]
)
def test_ordering_does_not_matter_to_anti_colocation_or_unordered_sets(score: str, extra: str) -> None:
    constraint = f'<rsc_colocation id="col" score="{score}">{members("listed", extra=extra)}</rsc_colocation>'
    (colocation,) = [c for c in config_of(cib(THREE, constraint)).constraints if isinstance(c, ColocationSet)]
    assert colocation.sets[0].resources == ("a", "b", "c")


def test_orders_ignore_ordering() -> None:
    config = config_of(cib(THREE, f'<rsc_order id="o">{members("listed")}</rsc_order>'))
    (order,) = [c for c in config.constraints if isinstance(c, OrderSet)]
    assert order.sets[0].resources == ("a", "b", "c")


def test_a_listed_set_among_several_is_unsupported() -> None:
    constraint = f'<rsc_colocation id="col" score="INFINITY">{members("listed", "ab")}{members("group", "c")}'
    with pytest.raises(Unsupported, match="ordering=listed"):
        config_of(cib(THREE, constraint + "</rsc_colocation>"))


# "a" cannot run: with "group" b and c depend on it and stop too, with "listed" a
# depends on b, and b on c, so b and c run.
BANS = (
    '<rsc_location id="na" rsc="a" node="alice" score="-INFINITY"/>'
    '<rsc_location id="nb" rsc="a" node="bob" score="-INFINITY"/>'
)


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="crm_simulate (pacemaker-cli-utils) not installed")
@pytest.mark.parametrize("ordering", ["group", "listed"])
def test_crm_simulate_chains_the_set_alike(tmp_path: Path, ordering: str) -> None:
    path = tmp_path / "cib.xml"
    constraint = f'<rsc_colocation id="col" score="INFINITY">{members(ordering)}</rsc_colocation>'
    path.write_text(cib(THREE, constraint + BANS, options=option("stonith-enabled", "false")))
    theirs = pacemaker_placement(path)
    ours = our_placement(path)
    assert ours == theirs
    assert {resource for resource, _ in ours} == ({"b", "c"} if ordering == "listed" else set())
