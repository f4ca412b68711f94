"""Which ``fail-count-*`` attributes count depends on the CIB's ``crm_feature_set``.

compat(pacemaker): ``generate_fail_regex`` matches per-operation attributes
(``fail-count-r#start_0``) from feature set 3.0.13 on, and only per-resource ones
(``fail-count-r``) before it or without a feature set. Every combination is checked
against the expected ban and, when ``crm_simulate`` is installed, Pacemaker's placement.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from placement.cib import import_cib
from tests.cib.cibxml import ONLINE, cib, dummy, option, our_placement, pacemaker_placement

NAMES = {"per-operation": "fail-count-r#start_0", "per-resource": "fail-count-r"}
VERSIONS = {"none": None, "3.0.12": "3.0.12", "3.0.13": "3.0.13", "3.16.1": "3.16.1"}


def _cib(name: str, version: str | None) -> str:
    failures = (
        '<transient_attributes id="alice-t"><instance_attributes id="alice-ta">'
        f'<nvpair id="alice-fc" name="{name}" value="INFINITY"/>'
        "</instance_attributes></transient_attributes>"
    )
    status = (f'<node_state id="alice" uname="alice" {ONLINE}>{failures}</node_state>'
              f'<node_state id="bob" uname="bob" {ONLINE}/>')
    root = 'have-quorum="1"' + (f' crm_feature_set="{version}"' if version else "")
    return cib(
        dummy("r"),
        '<rsc_location id="prefer-alice" rsc="r" node="alice" score="100"/>',
        nodes='<node id="alice" uname="alice"/><node id="bob" uname="bob"/>',
        options=option("stonith-enabled", "false"),
        status=status,
        root=root,
    )


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("form", NAMES)
def test_a_fail_count_counts_only_in_the_form_of_its_feature_set(tmp_path: Path, form: str, version: str) -> None:
    path = tmp_path / "cib.xml"
    path.write_text(_cib(NAMES[form], VERSIONS[version]))
    per_operation_era = version in ("3.0.13", "3.16.1")
    counts = (form == "per-operation") == per_operation_era
    assert bool(import_cib(path).state.fail_counts) == counts
    placed = our_placement(path)
    assert placed == {("r", "bob" if counts else "alice")}
    if shutil.which("crm_simulate"):
        assert placed == pacemaker_placement(path)


@pytest.mark.parametrize("unique", [True, False], ids=["unique", "anonymous"])
def test_a_unique_clone_instance_fails_alone(tmp_path: Path, unique: bool) -> None:
    """``fail-count-c:1`` of a globally-unique clone bans instance 1 from alice, and only it
    (each instance is a resource of its own); of an anonymous clone it bans the clone there.
    Two copies preferring alice, one allowed per node: the unique clone keeps a copy on alice."""
    failures = (
        '<transient_attributes id="alice-t"><instance_attributes id="alice-ta">'
        '<nvpair id="alice-fc" name="fail-count-c:1#start_0" value="INFINITY"/>'
        "</instance_attributes></transient_attributes>"
    )
    clone = (
        f'<clone id="cl"><meta_attributes id="cl-m"><nvpair id="cl-u" name="globally-unique" value="{str(unique).lower()}"/>'
        '<nvpair id="cl-max" name="clone-max" value="2"/><nvpair id="cl-nm" name="clone-node-max" value="1"/>'
        f"</meta_attributes>{dummy('c')}</clone>"
    )
    text = cib(
        clone,
        '<rsc_location id="prefer-alice" rsc="cl" node="alice" score="100"/>',
        nodes='<node id="alice" uname="alice"/><node id="bob" uname="bob"/>',
        options=option("stonith-enabled", "false"),
        status=f'<node_state id="alice" uname="alice" {ONLINE}>{failures}</node_state>'
        f'<node_state id="bob" uname="bob" {ONLINE}/>',
        root='have-quorum="1" crm_feature_set="3.16.1"',
    )
    path = tmp_path / "cib.xml"
    path.write_text(text)
    placed = our_placement(path)
    assert (("c", "alice") in placed) == unique and ("c", "bob") in placed
    if shutil.which("crm_simulate"):
        theirs = {(rid.split(":")[0], node) for rid, node in pacemaker_placement(path)}
        assert placed == theirs
