"""The fence-agent protocol: our fence_process, Debian's fence_dummy, and fencing levels."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from placement.errors import InvalidInput
from placement.model import Agent, Config, FencingLevel, Primitive, frozen_map
from placement.runtime import fence_process, fencing
from placement.runtime.fencing import FenceAction, FenceDevice, FenceResult

needs_fence_dummy = pytest.mark.skipif(
    shutil.which("fence_dummy", path="/usr/sbin:/usr/bin") is None,
    reason="fence_dummy missing: apt-get install fence-agents (.ci/install-agents)",
)


@pytest.fixture
def victim(tmp_path: Path):
    """A fake node: a process group leader (with a child) whose pid file sits in its node dir."""
    node_dir = tmp_path / "nodes" / "charlie"
    (node_dir / "rsctmp").mkdir(parents=True)
    (node_dir / "rsctmp" / "Dummy-vm1.state").touch()
    process = subprocess.Popen(["sh", "-c", "sleep 300 & wait"], start_new_session=True, stdout=subprocess.DEVNULL)
    (node_dir / "agent.pid").write_text(f"{process.pid}\n")
    yield process, node_dir
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def device(tmp_path: Path, **params: str) -> FenceDevice:
    return FenceDevice("fp", "fence_process", {"node_root": str(tmp_path / "nodes"), **params})


def test_off_kills_the_group_and_wipes_the_node_directory(tmp_path: Path, victim) -> None:
    process, node_dir = victim
    assert fencing.run_agent(device(tmp_path), FenceAction.STATUS, "charlie").exit_code == 0
    result = fencing.run_agent(device(tmp_path), FenceAction.OFF, "charlie")
    assert result.ok, result.output
    assert process.wait(timeout=10) == -signal.SIGKILL
    assert list(node_dir.iterdir()) == []
    status = fencing.run_agent(device(tmp_path), FenceAction.STATUS, "charlie")
    assert (status.ok, status.exit_code) == (False, 2)


def test_reboot_kills_a_frozen_node(tmp_path: Path, victim) -> None:
    process, _ = victim
    os.killpg(process.pid, signal.SIGSTOP)  # alive but silent: the split-brain case
    assert fencing.run_agent(device(tmp_path), FenceAction.REBOOT, "charlie").ok
    assert process.wait(timeout=10) == -signal.SIGKILL


def test_a_fencing_drill_fails_while_its_file_exists_then_fencing_works(tmp_path: Path, victim) -> None:
    process, node_dir = victim
    drill = tmp_path / "nodes" / fence_process.DRILL_FAIL_FILE
    drill.touch()
    failed = fencing.run_agent(device(tmp_path), FenceAction.OFF, "charlie")
    assert not failed.ok and "fencing drill" in failed.output
    assert process.poll() is None and (node_dir / "rsctmp" / "Dummy-vm1.state").exists()
    drill.unlink()
    assert fencing.run_agent(device(tmp_path), FenceAction.OFF, "charlie").ok
    assert process.wait(timeout=10) == -signal.SIGKILL


def test_fencing_a_node_already_off_succeeds(tmp_path: Path) -> None:
    (tmp_path / "nodes" / "bob").mkdir(parents=True)
    result = fencing.run_agent(device(tmp_path), FenceAction.OFF, "bob")
    assert result.ok and "Already OFF" in result.output


def test_list_monitor_and_metadata(tmp_path: Path, victim) -> None:
    (tmp_path / "nodes" / "alice").mkdir()
    listed = fencing.run_agent(device(tmp_path), FenceAction.LIST, None)
    assert listed.output.split() == ["alice,alice", "charlie,charlie"]
    assert fencing.run_agent(device(tmp_path), FenceAction.MONITOR, None).ok
    missing = FenceDevice("fp", "fence_process", {"node_root": str(tmp_path / "absent")})
    assert not fencing.run_agent(missing, FenceAction.MONITOR, None).ok
    assert "<resource-agent" in fencing.run_agent(device(tmp_path), FenceAction.METADATA, None).output


def test_command_line_form_works_too(tmp_path: Path, victim) -> None:
    process, _ = victim
    argv = [
        sys.executable,
        "-m",
        "placement.runtime.fence_process",
        "-o",
        "off",
        "-n",
        "charlie",
        "--node-root",
        str(tmp_path / "nodes"),
    ]
    assert subprocess.run(argv, capture_output=True, timeout=30, check=False).returncode == 0
    assert process.wait(timeout=10) == -signal.SIGKILL


def test_a_path_is_not_a_node_name(tmp_path: Path) -> None:
    assert not fencing.run_agent(device(tmp_path), FenceAction.OFF, "../../etc").ok


@needs_fence_dummy
def test_fence_dummy_speaks_the_same_protocol(tmp_path: Path) -> None:
    status_file = tmp_path / "power"
    status_file.write_text("on")
    dummy = FenceDevice("fd", "fence_dummy", {"status_file": str(status_file)})
    assert fencing.run_agent(dummy, FenceAction.STATUS, "charlie").exit_code == 0
    assert fencing.run_agent(dummy, FenceAction.OFF, "charlie").ok
    assert status_file.read_text() == "off"
    assert fencing.run_agent(dummy, FenceAction.STATUS, "charlie").exit_code == 2
    assert "</resource-agent>" in fencing.run_agent(dummy, FenceAction.METADATA, None).output


@needs_fence_dummy
def test_fence_dummy_of_type_fail_fails(tmp_path: Path) -> None:
    failing = FenceDevice("fd", "fence_dummy", {"type": "fail", "power_timeout": "1", "pcmk_off_timeout": "30"})
    result = fencing.run_agent(failing, FenceAction.OFF, "charlie")
    assert not result.ok and result.exit_code != 0


def test_an_agent_that_hangs_times_out(tmp_path: Path) -> None:
    slow = FenceDevice("slow", "fence_dummy", {"random_sleep_range": "60", "pcmk_off_timeout": "1"})
    if shutil.which("fence_dummy", path="/usr/sbin:/usr/bin") is None:
        pytest.skip("fence_dummy missing")
    began = time.monotonic()
    result = fencing.run_agent(slow, FenceAction.OFF, "charlie")
    # random_sleep_range may draw 1 second, which then finishes within the timeout: accept either
    assert result.timed_out or result.duration_ms >= 900
    assert time.monotonic() - began < 15


def test_unknown_agent_is_a_failed_result_not_an_exception() -> None:
    result = fencing.run_agent(FenceDevice("x", "fence_nonexistent_xyz"), FenceAction.OFF, "a")
    assert not result.ok and "not installed" in result.output


def test_pcmk_settings_stay_out_of_the_agent_input() -> None:
    d = FenceDevice("ipmi", "fence_ipmilan", {"ip": "10.0.0.1", "pcmk_host_argument": "port"})
    assert fencing.protocol_input(d, FenceAction.REBOOT, "bob") == "action=reboot\nport=bob\nip=10.0.0.1\n"
    none = FenceDevice("ipmi", "fence_ipmilan", {"pcmk_host_argument": "none"})
    assert fencing.protocol_input(none, FenceAction.OFF, "bob") == "action=off\n"


def test_newlines_cannot_inject_protocol_lines() -> None:
    with pytest.raises(InvalidInput):
        FenceDevice("x", "fence_dummy", {"ip": "1\naction=on"})
    with pytest.raises(InvalidInput):
        fencing.protocol_input(FenceDevice("x", "fence_dummy"), FenceAction.OFF, "a\naction=on")


# ----------------------------------------------------------------------------- levels


def stonith(rid: str, fences: tuple[str, ...] = ()) -> Primitive:
    return Primitive(rid, Agent("stonith", None, "fence_dummy"), fences=fences)


def config_with(*primitives: Primitive, levels: tuple[FencingLevel, ...] = ()) -> Config:
    return Config(resources=frozen_map({p.id: p for p in primitives}), fencing_levels=levels)


def test_without_levels_each_capable_device_is_tried_alone() -> None:
    config = config_with(stonith("f-a", ("alice",)), stonith("f-any"), stonith("f-c", ("charlie",)))
    assert [[d.id for d in level] for level in fencing.levels_for(config, "charlie")] == [["f-any"], ["f-c"]]


def test_configured_levels_win_in_index_order() -> None:
    levels = (FencingLevel("charlie", 2, ("f2",)), FencingLevel("charlie", 1, ("f1a", "f1b")))
    config = config_with(stonith("f1a"), stonith("f1b"), stonith("f2"), levels=levels)
    assert [[d.id for d in level] for level in fencing.levels_for(config, "charlie")] == [
        ["f1a", "f1b"],
        ["f2"],
    ]
    with pytest.raises(InvalidInput):
        fencing.levels_for(config_with(stonith("f1a"), levels=levels), "charlie")


def scripted(outcomes: dict[str, bool], calls: list[str]):
    def run(dev: FenceDevice, action: FenceAction, target: str) -> FenceResult:
        calls.append(dev.id)
        return FenceResult(dev.id, action.value, target, outcomes[dev.id], 0 if outcomes[dev.id] else 1, 1)

    return run


def test_a_failing_device_moves_on_to_the_next_level() -> None:
    levels = [(FenceDevice("a", "fence_x"), FenceDevice("b", "fence_x")), (FenceDevice("c", "fence_x"),)]
    calls: list[str] = []
    outcome = fencing.fence("charlie", levels, FenceAction.REBOOT, scripted({"a": False, "b": True, "c": True}, calls))
    assert (outcome.ok, outcome.level, calls) == (True, 2, ["a", "c"])


def test_a_level_needs_all_of_its_devices() -> None:
    levels = [(FenceDevice("a", "fence_x"), FenceDevice("b", "fence_x"))]
    calls: list[str] = []
    outcome = fencing.fence("charlie", levels, FenceAction.OFF, scripted({"a": True, "b": False}, calls))
    assert not outcome.ok and calls == ["a", "b"]
    assert "failed" in outcome.summary


def test_no_device_means_no_fencing() -> None:
    outcome = fencing.fence("charlie", [], FenceAction.OFF, scripted({}, []))
    assert not outcome.ok and outcome.summary == "no fence device can fence charlie"
