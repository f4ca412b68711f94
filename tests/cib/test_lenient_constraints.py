"""Constraints Pacemaker's scheduler accepts with a warning are imported the same way.

Each case follows the C function that reads the attribute (Pacemaker 2.1.5); the last
test asks the real ``crm_simulate`` (when installed) that it accepts the same CIBs and
places the resources where the import's plan does.
"""



from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from placement.cib import import_cib
from placement.model import Colocation, Location, Order, OrderKind
from tests.cib.cibxml import cib, dummy, option, our_placement, pacemaker_placement

THREE = dummy("a") + dummy("b") + dummy("c")
TAGS = (
    '<tags><tag id="first-tag"><obj_ref id="a"/></tag>'
    '<tag id="other-tag"><obj_ref id="b"/><obj_ref id="c"/></tag></tags>'
)

# name → (constraints XML, what the import must hold, a word of the expected warning)
CASES = {
    # get_ordering_type: "Resetting 'kind' … to 'Mandatory' because 'Sometimes' is not valid"
    "order-unknown-kind": (
        '<rsc_order id="o" first="a" then="b" kind="Sometimes"/>',
        lambda cs: cs == (Order("a", "b", kind=OrderKind.MANDATORY, id="o"),),
        "Mandatory",
    ),
    # char2score on a deprecated order score without a number: 0, so Optional
    "order-score-not-a-number": (
        '<rsc_order id="o" first="a" then="b" score="often"/>',
        lambda cs: [c.kind for c in cs] == [OrderKind.OPTIONAL],
        "read as 0",
    ),
    # unpack_simple_colocation: no score is 0, and pcmk__new_colocation ignores score 0
    "colocation-without-score": (
        '<rsc_colocation id="col" rsc="a" with-rsc="b"/>',
        lambda cs: cs == (),
        "no score",
    ),
    "colocation-score-not-a-number": (
        '<rsc_colocation id="col" rsc="a" with-rsc="b" score="high"/>',
        lambda cs: [c.score for c in cs] == [0],
        "read as 0",
    ),
    # text2role of an unknown role is RSC_ROLE_UNKNOWN: every role
    "colocation-unknown-role": (
        '<rsc_colocation id="col" rsc="a" with-rsc="b" score="INFINITY" with-rsc-role="Boss"/>',
        lambda cs: [(c.primary_role, c.score) for c in cs if isinstance(c, Colocation)] == [(None, 1_000_000)],
        "any role",
    ),
    # unpack_influence: "has invalid value for influence (using default)"
    "colocation-influence-not-a-boolean": (
        '<rsc_colocation id="col" rsc="a" with-rsc="b" score="10" influence="sometimes"/>',
        lambda cs: [(c.influence, c.score) for c in cs] == [(None, 10)],
        "default used",
    ),
    # unpack_rsc_location: node + score is used as char2score reads it
    "location-score-not-a-number": (
        '<rsc_location id="l" rsc="a" node="alice" score="lots"/>',
        lambda cs: cs == (Location(resource="a", node="alice", score=0, id="l"),),
        "read as 0",
    ),
    # unpack_rsc_location: "Ignoring constraint '%s' because it contains no rules"
    "location-without-node-or-rule": (
        '<rsc_location id="l" rsc="a" score="5"/>',
        lambda cs: cs == (),
        "no rule",
    ),
    # unpack_rsc_location: "Invalid constraint %s: Bad role %s" drops it
    "location-unknown-role": (
        '<rsc_location id="l" rsc="a" node="alice" score="5" role="Boss"/>',
        lambda cs: cs == (),
        "unknown role",
    ),
    # pcmk__new_location refuses an invalid resource-discovery
    "location-unknown-discovery": (
        '<rsc_location id="l" rsc="a" node="alice" score="5" resource-discovery="sometimes"/>',
        lambda cs: cs == (),
        "resource-discovery",
    ),
    # unpack_colocation_tags: "two templates or tags cannot be colocated" (template-coloc-3)
    "colocation-of-two-tags": (
        '<rsc_colocation id="col" rsc="first-tag" with-rsc="other-tag" score="INFINITY"/>',
        lambda cs: cs == (),
        "two templates or tags",
    ),
    # pcmk__xe_get_bool_attr fails: the default symmetry
    "order-symmetrical-not-a-boolean": (
        '<rsc_order id="o" first="a" then="b" kind="Mandatory" symmetrical="perhaps"/>',
        lambda cs: [(c.kind, c.symmetrical) for c in cs] == [(OrderKind.MANDATORY, None)],
        "default used",
    ),
}


def _write(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.xml"
    # (Fencing off: with fencing on and no device Pacemaker would start nothing at all.)
    path.write_text(cib(THREE, CASES[name][0], extra=TAGS, options=option("stonith-enabled", "false")))
    return path


@pytest.mark.parametrize("name", sorted(CASES))
def test_pacemaker_accepts_it_so_the_import_does_with_a_warning(tmp_path: Path, name: str) -> None:
    _, holds, word = CASES[name]
    result = import_cib(_write(tmp_path, name))
    assert holds(result.config.constraints), result.config.constraints
    assert any(word in warning for warning in result.warnings), result.warnings
    assert all(warning.startswith(f"{tmp_path / name}.xml:") for warning in result.warnings)


@pytest.mark.skipif(shutil.which("crm_simulate") is None, reason="crm_simulate (pacemaker-cli-utils) not installed")
@pytest.mark.parametrize("name", sorted(CASES))
def test_crm_simulate_accepts_the_same_cib_and_places_alike(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name)
    assert our_placement(path) == pacemaker_placement(path)
