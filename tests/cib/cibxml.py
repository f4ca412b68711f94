"""Small CIB documents for the import tests, written the way ``cibadmin -Q`` writes them."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from placement.cib import loads_cib
from placement.cli import cli
from placement.model import Config
from placement.state import State

ONLINE = 'in_ccm="true" crmd="online" join="member" expected="member"'


def cib(
    resources: str = "",
    constraints: str = "",
    *,
    nodes: str = '<node id="1" uname="alice"/><node id="2" uname="bob"/>',
    options: str = "",
    status: str | None = None,
    extra: str = "",
    root: str = 'have-quorum="true"',
) -> str:
    """A whole CIB around the given sections; by default both nodes are online."""
    if status is None:
        status = f'<node_state id="1" uname="alice" {ONLINE}/><node_state id="2" uname="bob" {ONLINE}/>'
    return (
        f"<cib {root}><configuration>"
        f'<crm_config><cluster_property_set id="cib-bootstrap-options">{options}</cluster_property_set></crm_config>'
        f"<nodes>{nodes}</nodes><resources>{resources}</resources>"
        f"<constraints>{constraints}</constraints>{extra}</configuration>"
        f"<status>{status}</status></cib>"
    )


def option(name: str, value: str) -> str:
    return f'<nvpair id="opt-{name}" name="{name}" value="{value}"/>'


def dummy(rid: str, inner: str = "", cls: str = 'class="ocf" provider="pacemaker" type="Dummy"') -> str:
    return f'<primitive id="{rid}" {cls}>{inner}</primitive>'


def meta(owner: str, **values: str) -> str:
    pairs = "".join(f'<nvpair id="{owner}-{k}" name="{k.replace("_", "-")}" value="{v}"/>' for k, v in values.items())
    return f'<meta_attributes id="{owner}-meta">{pairs}</meta_attributes>'


def load(text: str) -> tuple[Config, State]:
    return loads_cib(text, source="test.xml")


def config_of(text: str) -> Config:
    return load(text)[0]


def whatif(tmp_path, text: str) -> dict:
    """``placement whatif --cib`` on ``text`` (written under ``tmp_path``), its JSON answer."""
    path = tmp_path / "cib.xml"
    path.write_text(text)
    result = CliRunner().invoke(cli, ["whatif", "--cib", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def crm_simulate(tmp_path, text: str) -> str:
    """Pacemaker's own ``crm_simulate -S`` output for ``text`` (tests skip without it)."""
    path = tmp_path / "pacemaker.xml"
    path.write_text(text)
    return subprocess.run(["crm_simulate", "-x", str(path), "-S"], capture_output=True, text=True).stdout


def pacemaker_placement(path: str | os.PathLike[str]) -> set[tuple[str, str]]:
    """(resource, node) pairs running after ``crm_simulate -S`` on the CIB at ``path``."""
    done = subprocess.run(
        ["crm_simulate", "-x", str(path), "-S", "--output-as=xml"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    status = ET.fromstring(done.stdout).find("revised_cluster_status")
    assert status is not None
    return {
        (resource.get("id", ""), node.get("name", ""))
        for resource in status.iter("resource")
        if resource.get("role") not in (None, "Stopped")
        for node in resource.iter("node")
    }


def our_placement(path: str | os.PathLike[str]) -> set[tuple[str, str]]:
    """(resource, node) pairs running once placement's plan for the CIB at ``path`` is applied."""
    from placement.cib import import_cib
    from placement.planning import plan

    imported = import_cib(path)
    return {(i.resource, i.node) for i in plan(imported.planning_config, imported.state).apply().instances}


def agreed_placement(path: str | os.PathLike[str]) -> set[tuple[str, str]]:
    """`our_placement` of the CIB at ``path``, asserted equal to Pacemaker's when
    ``crm_simulate`` is installed (the tests' rule checks hold either way)."""
    import shutil

    ours = our_placement(path)
    if shutil.which("crm_simulate"):
        assert ours == pacemaker_placement(path), "placement disagrees with crm_simulate"
    return ours
