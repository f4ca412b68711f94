"""Between the same two actions the first order constraint counts (`placement.solve.first_order`).

Pacemaker's ``order_actions`` drops an ordering between two actions that another already
links ("Filter dups"; every kind shares ``pe_order_optional``), so the order written first
decides whether ``then`` waits for ``first``. Each CIB bans ``a`` everywhere and orders
``a`` before ``b`` twice; ``b`` may start exactly when the first of the two is not
mandatory. Checked against the rule and, when ``crm_simulate`` is installed, against
Pacemaker's own placement.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cib.cibxml import ONLINE, agreed_placement, cib, dummy, option

BAN = '<rsc_location id="ban" rsc="a" node="alice" score="-INFINITY"/>'
SIMPLE = {
    "optional": '<rsc_order id="{id}" first="a" then="b" kind="Optional"/>',
    "serialize": '<rsc_order id="{id}" first="a" then="b" kind="Serialize"/>',
    "mandatory": '<rsc_order id="{id}" first="a" then="b" kind="Mandatory"/>',
    "mandatory-set": (
        '<rsc_order id="{id}" kind="Mandatory"><resource_set id="{id}-s">'
        '<resource_ref id="a"/><resource_ref id="b"/></resource_set></rsc_order>'
    ),
    "mandatory-between-sets": (
        '<rsc_order id="{id}"><resource_set id="{id}-s0" sequential="false"><resource_ref id="a"/></resource_set>'
        '<resource_set id="{id}-s1"><resource_ref id="b"/></resource_set></rsc_order>'
    ),
}


@pytest.mark.parametrize("second", sorted(SIMPLE))
@pytest.mark.parametrize("first", sorted(SIMPLE))
def test_the_first_order_between_two_starts_decides(tmp_path: Path, first: str, second: str) -> None:
    constraints = BAN + SIMPLE[first].format(id="o1") + SIMPLE[second].format(id="o2")
    path = tmp_path / "cib.xml"
    path.write_text(
        cib(
            dummy("a") + dummy("b"),
            constraints,
            nodes='<node id="1" uname="alice"/>',
            status=f'<node_state id="1" uname="alice" {ONLINE}/>',
            options=option("stonith-enabled", "false"),
        )
    )
    placed = agreed_placement(path)
    assert (("b", "alice") in placed) == (not first.startswith("mandatory"))
