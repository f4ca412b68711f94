"""OCF execution against real agents (Dummy, Stateful) and hand-written ones."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.errors import InvalidInput
from placement.model import Role
from placement.runtime import ocf
from placement.runtime.fence_process import process_gone
from placement.runtime.ocf import OcfRequest, OcfStatus

from .conftest import REAL_OCF_ROOT, needs_dummy, needs_stateful, write_agent


def dummy(action: str, state: Path, **kw) -> ocf.OcfResult:
    request = OcfRequest("heartbeat", "Dummy", "db", action, params={"state": str(state)}, **kw)
    return ocf.run(request, REAL_OCF_ROOT)


@needs_dummy
def test_dummy_lifecycle_is_read_from_exit_codes(tmp_path: Path) -> None:
    state = tmp_path / "db.state"
    assert dummy("monitor", state).status is OcfStatus.NOT_RUNNING
    assert dummy("start", state).ok
    assert state.exists()
    assert dummy("monitor", state).status is OcfStatus.SUCCESS
    assert dummy("stop", state).ok
    assert not state.exists()
    assert ocf.observed_role(dummy("monitor", state)) == (Role.STOPPED, False)


@needs_dummy
def test_dummy_state_defaults_into_ha_rsctmp(tmp_path: Path) -> None:
    request = OcfRequest("heartbeat", "Dummy", "web", "start")
    assert ocf.run(request, REAL_OCF_ROOT, {"HA_RSCTMP": str(tmp_path)}).ok
    assert (tmp_path / "Dummy-web.state").exists()


@needs_stateful
def test_stateful_promotion_is_seen_by_monitor(tmp_path: Path) -> None:
    def stateful(action: str) -> ocf.OcfResult:
        request = OcfRequest("pacemaker", "Stateful", "ms:0", action, params={"state": str(tmp_path / "s")})
        return ocf.run(request, REAL_OCF_ROOT)

    assert stateful("start").ok
    assert ocf.observed_role(stateful("monitor")) == (Role.STARTED, False)
    assert stateful("promote").ok
    assert stateful("monitor").status is OcfStatus.RUNNING_PROMOTED
    assert ocf.observed_role(stateful("monitor")) == (Role.PROMOTED, False)
    assert stateful("demote").ok
    assert stateful("monitor").status is OcfStatus.SUCCESS


def test_environment_reaches_the_agent(ocf_root: Path, tmp_path: Path) -> None:
    dump = tmp_path / "env"
    write_agent(ocf_root, "test", "envdump", f"env | sort > {dump}\nexit 0\n")
    request = OcfRequest(
        "test",
        "envdump",
        "ip:1",
        "monitor",
        params={"ip": "192.0.2.5"},
        meta={"clone": "1", "clone-max": "3"},
        timeout_ms=5000,
        interval_ms=10_000,
    )
    assert ocf.run(request, ocf_root, {"HA_RSCTMP": "/x"}).ok
    env = dict(line.split("=", 1) for line in dump.read_text().splitlines())
    assert env["OCF_ROOT"] == str(ocf_root)
    assert env["OCF_RESOURCE_INSTANCE"] == "ip:1"
    assert (env["OCF_RESOURCE_TYPE"], env["OCF_RESOURCE_PROVIDER"]) == ("envdump", "test")
    assert env["OCF_RESKEY_ip"] == "192.0.2.5"
    assert env["OCF_RESKEY_CRM_meta_clone_max"] == "3"
    assert env["OCF_RESKEY_CRM_meta_timeout"] == "5000"
    assert env["OCF_RESKEY_CRM_meta_interval"] == "10000"
    assert env["HA_RSCTMP"] == "/x"


@settings(max_examples=15, deadline=None)
@given(code=st.integers(min_value=0, max_value=255))
def test_every_exit_code_maps_to_a_status(tmp_path_factory: pytest.TempPathFactory, code: int) -> None:
    root = tmp_path_factory.mktemp("ocf")
    write_agent(root, "test", "rc", 'exit "$OCF_RESKEY_rc"\n')
    result = ocf.run(OcfRequest("test", "rc", "r", "start", params={"rc": str(code)}), root)
    assert result.exit_code == code
    assert result.status == (OcfStatus(code) if code <= 9 else OcfStatus.ERR_GENERIC)
    assert result.ok == (code == 0)


def test_exit_reason_is_kept(ocf_root: Path) -> None:
    write_agent(ocf_root, "test", "broken", 'echo "ocf-exit-reason:disk on fire" >&2\nexit 6\n')
    result = ocf.run(OcfRequest("test", "broken", "r", "start"), ocf_root)
    assert (result.status, result.reason) == (OcfStatus.ERR_CONFIGURED, "disk on fire")


def test_timeout_kills_the_whole_process_group(ocf_root: Path, tmp_path: Path) -> None:
    child = tmp_path / "child.pid"
    # The agent leaves a helper behind; the timeout must take it down too.
    write_agent(ocf_root, "test", "hang", f"sleep 60 &\necho $! > {child}\nwait\n")
    began = time.monotonic()
    result = ocf.run(OcfRequest("test", "hang", "r", "start", timeout_ms=700), ocf_root)
    assert result.timed_out and not result.ok
    assert "timed out" in result.reason
    assert time.monotonic() - began < 10
    helper = int(child.read_text())
    deadline = time.monotonic() + 5
    while not process_gone(helper) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_gone(helper)


def test_missing_agent_is_not_installed(ocf_root: Path) -> None:
    result = ocf.run(OcfRequest("test", "nothere", "r", "start"), ocf_root)
    assert result.status is OcfStatus.ERR_INSTALLED


@pytest.mark.parametrize(
    "kwargs",
    [
        {"provider": "../../bin"},
        {"type": "sh;rm"},
        {"action": "explode"},
        {"params": {"bad key": "x"}},
        {"timeout_ms": 0},
    ],
)
def test_bad_requests_are_refused_before_running(kwargs: dict) -> None:
    fields = {"provider": "heartbeat", "type": "Dummy", "instance": "r", "action": "start", **kwargs}
    with pytest.raises(InvalidInput):
        OcfRequest(**fields)


def test_result_survives_json() -> None:
    result = ocf.OcfResult(OcfStatus.RUNNING_PROMOTED, 8, 12, reason="r", output="o")
    assert ocf.OcfResult.from_json(result.to_json()) == result
