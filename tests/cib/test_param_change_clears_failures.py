"""A failure recorded with other parameters than today's no longer bans the node
(`placement.cib.digests`, Pacemaker's ``should_clear_for_param_change``).

The generated CIBs put a start failure (fail count INFINITY) on alice, which the
resource prefers; its history records the digest of some parameters. When those are
today's parameters alice stays banned and the resource runs on bob; when they differ
the fail count is being cleared and the resource goes back to alice. Each case is
checked against the digest arithmetic and, when ``crm_simulate`` is installed, against
Pacemaker's own placement of the same CIB.
"""

# ruff: noqa: E501 - XML fixtures read best one element per line, however long.

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement.cib import import_cib
from placement.cib.digests import operation_digest
from tests.cib.cibxml import ONLINE, agreed_placement, cib, option

NODES = '<node id="alice" uname="alice"/><node id="bob" uname="bob"/>'
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789._-/", min_size=1, max_size=8)
PARAMS = st.dictionaries(st.sampled_from(["ip", "port", "config", "state", "server"]), WORDS, max_size=3)


def _cib(configured: dict[str, str], recorded: dict[str, str], *, task: str = "start", interval_ms: int = 0,
         timeout: str = "", failure_timeout: str = "") -> str:
    pairs = "".join(f'<nvpair id="p-{name}" name="{name}" value="{value}"/>' for name, value in configured.items())
    ops = f'<op id="r-{task}" name="{task}" interval="{interval_ms}ms"{f" timeout={chr(34)}{timeout}{chr(34)}" if timeout else ""}/>'
    meta = f'<meta_attributes id="r-meta"><nvpair id="r-ft" name="failure-timeout" value="{failure_timeout}"/></meta_attributes>' if failure_timeout else ""
    resource = (
        f'<primitive id="r" class="ocf" provider="pacemaker" type="Dummy">'
        f'<instance_attributes id="r-params">{pairs}</instance_attributes>{meta}<operations>{ops}</operations></primitive>'
    )
    prefer = '<rsc_location id="prefer-alice" rsc="r" node="alice" score="100"/>'
    timeout_ms = int(timeout.rstrip("s")) * 1000 if timeout else 20000
    digest = operation_digest(recorded, interval_ms, timeout_ms)
    rc_target = "0" if task == "start" or interval_ms else "7"
    history = (
        '<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
        f'<lrm_rsc_op id="r_last_failure_0" operation_key="r_{task}_{interval_ms}" operation="{task}" interval="{interval_ms}"'
        f' call-id="3" rc-code="1" op-status="0" transition-key="1:1:{rc_target}:uuid" transition-magic="0:1;1:1:{rc_target}:uuid"'
        f' last-rc-change="1000" last-run="1000" op-digest="{digest}"/>'
        '<lrm_rsc_op id="r_last_0" operation_key="r_stop_0" operation="stop" interval="0" call-id="4" rc-code="0" op-status="0"'
        f' transition-key="2:1:0:uuid" transition-magic="0:0;2:1:0:uuid" last-rc-change="1001" last-run="1001" op-digest="{digest}"/>'
        '</lrm_resource>'
    )
    failures = (
        '<transient_attributes id="alice-t"><instance_attributes id="alice-ta">'
        '<nvpair id="alice-fc" name="fail-count-r#start_0" value="INFINITY"/>'
        '<nvpair id="alice-lf" name="last-failure-r#start_0" value="1000"/>'
        "</instance_attributes></transient_attributes>"
    )
    status = (
        f'<node_state id="alice" uname="alice" {ONLINE}>{failures}<lrm id="alice-lrm"><lrm_resources>{history}</lrm_resources></lrm></node_state>'
        f'<node_state id="bob" uname="bob" {ONLINE}/>'
    )
    return cib(resource, prefer, nodes=NODES, options=option("stonith-enabled", "false"), status=status,
               root='have-quorum="1" crm_feature_set="3.16.1" execution-date="2000"')


def _placed(tmp_path: Path, text: str) -> set[tuple[str, str]]:
    path = tmp_path / "cib.xml"
    path.write_text(text)
    return agreed_placement(path)


def test_same_parameters_keep_the_ban(tmp_path: Path) -> None:
    params = {"ip": "10.0.0.1"}
    assert _placed(tmp_path, _cib(params, params)) == {("r", "bob")}


def test_changed_parameters_clear_the_failure(tmp_path: Path) -> None:
    assert _placed(tmp_path, _cib({"ip": "10.0.0.2"}, {"ip": "10.0.0.1"})) == {("r", "alice")}


def test_a_recurring_monitor_digest_includes_its_timeout(tmp_path: Path) -> None:
    # Same parameters, but the monitor now has a 30 s timeout instead of the default 20 s.
    text = _cib({"ip": "a"}, {"ip": "a"}, task="monitor", interval_ms=10000, timeout="30s")
    recorded_with_default = text.replace(operation_digest({"ip": "a"}, 10000, 30000) or "", operation_digest({"ip": "a"}, 10000, 20000) or "")
    assert _placed(tmp_path, text) == {("r", "bob")}
    assert _placed(tmp_path, recorded_with_default) == {("r", "alice")}


def test_an_expired_failure_is_not_checked_but_gone(tmp_path: Path) -> None:
    # failure-timeout 10 s, last failure at 1000, now 2000: expired, so no ban either way.
    assert _placed(tmp_path, _cib({"ip": "a"}, {"ip": "a"}, failure_timeout="10s")) == {("r", "alice")}


def test_a_value_that_needs_escaping_is_never_taken_for_a_change() -> None:
    assert operation_digest({"config": 'a "quoted" value'}, 0, 20000) is None
    assert operation_digest({"config": "a&b"}, 0, 20000) is None


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(configured=PARAMS, recorded=PARAMS)
def test_the_ban_holds_exactly_when_the_digest_matches(configured: dict[str, str], recorded: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "cib.xml"
        path.write_text(_cib(configured, recorded))
        state = import_cib(path).state
        banned = any(f.resource == "r" and f.node == "alice" for f in state.fail_counts)
        assert banned == (operation_digest(configured, 0, 20000) == operation_digest(recorded, 0, 20000))


def test_crm_simulate_agrees_on_random_parameter_changes(tmp_path: Path) -> None:
    if not shutil.which("crm_simulate"):
        pytest.skip("crm_simulate (Debian pacemaker-cli-utils) is not installed")
    import random

    draw = random.Random(2026)
    for index in range(6):
        configured = {name: draw.choice(["a", "b", "10.0.0.1"]) for name in draw.sample(["ip", "port", "state"], draw.randint(0, 2))}
        recorded = dict(configured) if index % 2 == 0 else {**configured, "port": draw.choice(["1", "2"])}
        case = tmp_path / f"case-{index}"
        case.mkdir()
        expected = {("r", "bob")} if configured == recorded else {("r", "alice")}
        assert _placed(case, _cib(configured, recorded)) == expected
