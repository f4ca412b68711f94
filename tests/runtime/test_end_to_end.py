"""The seed scenarios for real: three agents, a controller, Dummy/Stateful agents, fencing.

Each test starts real processes on loopback (fixture ``processes`` kills them all
at the end), waits by polling with generous bounds, and reads the truth from the
agents' state files and the controller's journal.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
from pathlib import Path

import pytest

from placement.runtime.journal import Entry

from .cluster import Cluster, TwiceWatcher
from .conftest import needs_dummy
from .harness import CLI, REPO, environment, wait_for

pytestmark = needs_dummy

VMS = ["xray", "yankee", "zulu"]
SEED = {"xray": ["alice"], "yankee": ["bob"], "zulu": ["charlie"], "iscsi": 3}


@pytest.fixture
def cluster(processes, secret_file: Path, tmp_path: Path) -> Cluster:
    return Cluster(processes, tmp_path, secret_file)


def first(entries: list[Entry], kind: str, **match: object) -> Entry:
    found = [e for e in entries if e.kind == kind and all(e.data.get(k) == v for k, v in match.items())]
    assert found, f"no {kind} {match} in the journal"
    return found[0]


def wait_moved_off(cluster: Cluster, resource: str, node: str, timeout: float = 60) -> None:
    """Wait until ``resource`` runs on exactly one node, not ``node``."""
    try:
        wait_for(
            lambda: len(cluster.running(resource)) == 1 and cluster.running(resource) != [node],
            timeout,
            f"{resource} recovered off {node}",
        )
    except AssertionError:
        log = cluster.processes.log_text("controller")[-6000:]
        raise AssertionError(f"{resource} runs on {cluster.running(resource)}\n{log}") from None


def recovery_starts(entries: list[Entry], resource: str) -> list[Entry]:
    return [
        e
        for e in entries
        if e.kind == "dispatch" and e.data.get("op") == "start" and e.data.get("resource") == resource
    ]


def test_1_everything_starts_where_the_planner_says(cluster: Cluster) -> None:
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    assert len(cluster.running("fence_nodes")) == 0  # a fence device leaves no agent state file
    results = [e for e in cluster.entries() if e.kind == "result"]
    assert results and all(e.data["ok"] for e in results)


def test_2_a_dead_node_is_fenced_before_its_resources_start_elsewhere(cluster: Cluster) -> None:
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    before = len(cluster.entries())
    cluster.kill_agent("charlie")
    wait_moved_off(cluster, "zulu", "charlie")
    cluster.wait_running({"xray": ["alice"], "yankee": ["bob"], "iscsi": 2})
    entries = [e for e in cluster.entries() if e.seq > before]
    fenced = first(entries, "fenced", node="charlie")
    assert recovery_starts(entries, "zulu"), "zulu was never recovered"
    for start in recovery_starts(entries, "zulu"):
        assert start.seq > fenced.seq, "zulu was started elsewhere before charlie was fenced"
    assert [p.name for p in (cluster.node_root / "charlie").iterdir()] == ["lib"]  # wiped but its disk
    # charlie comes back (a new agent boot): probed, it rejoins and takes its clone copy again.
    cluster.start_agent("charlie")
    cluster.wait_running({"iscsi": 3, "zulu": 1, "xray": ["alice"], "yankee": ["bob"]})
    rejoined = [e for e in cluster.kinds("probe") if e.data["node"] == "charlie" and e.seq > fenced.seq]
    assert rejoined and rejoined[0].data["found"] == {}  # the reboot left nothing running


def test_2b_a_frozen_node_is_fenced_and_nothing_ever_runs_twice(cluster: Cluster) -> None:
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    with TwiceWatcher(cluster, VMS) as watcher:
        cluster.kill_agent("charlie", signal.SIGSTOP)  # alive but silent
        wait_moved_off(cluster, "zulu", "charlie")
        cluster.wait_running({"xray": ["alice"], "yankee": ["bob"]})
        assert cluster.agents["charlie"].wait(timeout=30) == -signal.SIGKILL  # really killed by the fence
    assert max(watcher.most.values()) == 1, f"a resource ran on two nodes at once: {watcher.most}"
    fenced = first(cluster.entries(), "fenced", node="charlie")
    assert all(s.seq > fenced.seq for s in recovery_starts(cluster.entries(), "zulu")[1:])


def test_3_when_fencing_fails_nothing_is_recovered(processes, secret_file: Path, tmp_path: Path) -> None:
    cluster = Cluster(processes, tmp_path, secret_file, fence_extra="")
    # Replace the device by one that always fails (Debian's fence_dummy, type=fail), when installed.
    failing = "fence fence_nodes stonith:fence_dummy type=fail power_timeout=1"
    text = cluster.config.read_text().splitlines()
    cluster.config.write_text("\n".join(failing if line.startswith("fence ") else line for line in text) + "\n")
    if not Path("/usr/sbin/fence_dummy").exists():
        pytest.skip("fence_dummy missing: apt-get install fence-agents (.ci/install-agents)")
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    cluster.kill_agent("charlie")
    wait_for(lambda: len(cluster.kinds("fence-failed")) >= 3, 60, "three failed fencing attempts")
    assert cluster.running("zulu") == ["charlie"]  # its state is untouched: still "running" there
    assert recovery_starts(cluster.entries(), "zulu")[1:] == []
    assert "retry" in processes.log_text("controller")


def test_4_a_monitor_failure_recovers_in_place_then_moves_after_the_threshold(cluster: Cluster) -> None:
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    state = cluster.node_root / "bob" / "rsctmp" / "Dummy-yankee.state"
    state.unlink()  # yankee dies on bob behind everyone's back
    wait_for(lambda: len(recovery_starts(cluster.entries(), "yankee")) >= 2, 30, "yankee restarted")
    cluster.wait_running({"yankee": ["bob"]})
    assert recovery_starts(cluster.entries(), "yankee")[1].data["node"] == "bob"  # recovered in place
    # The second failure reaches migration-threshold=2: yankee must leave bob.
    cluster.wait_converged(after=recovery_starts(cluster.entries(), "yankee")[1].seq)
    state.unlink()
    wait_moved_off(cluster, "yankee", "bob")
    events = [e for e in cluster.kinds("event") if e.data["resource"] == "yankee" and e.data["exit_code"] == 7]
    assert len(events) >= 2


def test_5_a_failed_stop_fences_the_node(processes, secret_file: Path, tmp_path: Path) -> None:
    cluster = Cluster(processes, tmp_path, secret_file, zulu_agent="ocf:test:Scripted")
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    rsctmp = cluster.node_root / "charlie" / "rsctmp"
    (rsctmp / "fail-stop").touch()  # zulu's stop will fail on charlie
    (rsctmp / "Scripted-zulu.state").unlink()  # and its monitor fails: recovery needs that stop
    fenced = wait_for(lambda: cluster.kinds("fenced"), 60, "charlie fenced")[0]  # type: ignore[index]
    assert fenced.data["node"] == "charlie"
    unclean = first(cluster.entries(), "unclean", node="charlie")
    assert "stop of zulu failed" in unclean.data["reason"] and unclean.seq < fenced.seq
    wait_moved_off(cluster, "zulu", "charlie")
    assert cluster.agents["charlie"].wait(timeout=30) == -signal.SIGKILL


def test_6_a_controller_killed_mid_transition_resumes_without_running_anything_twice(
    processes, secret_file: Path, tmp_path: Path
) -> None:
    # Slow starts keep the transition in flight long enough to kill the controller inside it.
    cluster = Cluster(processes, tmp_path, secret_file, zulu_agent="ocf:test:Scripted start_delay=3")
    cluster.start_agents()
    with TwiceWatcher(cluster, VMS) as watcher:
        controller = cluster.start_controller()
        wait_for(
            lambda: any(e.data.get("resource") == "zulu" for e in cluster.kinds("dispatch")),
            60,
            "zulu's start dispatched",
        )
        controller.kill()  # SIGKILL: no goodbye, a dispatch without result stays in the journal
        controller.wait(timeout=10)
        assert any(e.data.get("resource") == "zulu" for e in _in_doubt(cluster))
        cluster.start_controller()
        # zulu's slow start may complete on its own: wait for the restarted controller, not just the files.
        resumed = wait_for(
            lambda: [e for e in cluster.kinds("controller-start") if e.data.get("resumed")], 60, "the restart"
        )
        cluster.wait_running(SEED, timeout=90)
        cluster.wait_converged(after=resumed[0].seq)  # type: ignore[index]
    assert max(watcher.most.values()) == 1, f"a resource ran on two nodes at once: {watcher.most}"
    assert cluster.running("zulu") == ["charlie"]


def _in_doubt(cluster: Cluster) -> list[Entry]:
    answered = {e.data.get("dispatch") for e in cluster.kinds("result")}
    return [e for e in cluster.kinds("dispatch") if e.seq not in answered]


def test_7_a_wrong_secret_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    cluster.start_agents()
    wrong = tmp_path / "wrong"
    wrong.write_text("not-the-cluster-secret-at-all\n")
    wrong.chmod(0o600)
    done = subprocess.run(
        [*CLI, "status", "--agents", cluster.agents_option, "--secret-file", str(wrong)],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "REFUSED" in done.stdout
    assert "refused GET /status" in cluster.processes.log_text("agent-alice")
    good = subprocess.run(
        [*CLI, "status", "--agents", cluster.agents_option, "--secret-file", str(cluster.secret), "--json"],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert good.returncode == 0, good.stderr
    assert '"state": "online"' in good.stdout


PROMOTABLE = """\
resource db ocf:pacemaker:Stateful {
    monitor every 1s timeout 10s
    monitor every 2s role=promoted timeout 10s
}
promotable ms_db of db
location db-promoted-on-alice: ms_db promoted prefers alice 100
location db-promoted-else-on-bob: ms_db promoted prefers bob 50
"""


def promoted(cluster: Cluster) -> list[str]:
    return [
        node
        for node in ("alice", "bob", "charlie")
        if (cluster.node_root / node / "run" / "Stateful-db.state").exists()
        and (cluster.node_root / node / "run" / "Stateful-db.state").read_text().strip() == "Promoted"
    ]


def test_1b_a_promotable_clone_is_promoted_once_and_promoted_again_after_fencing(
    processes, secret_file: Path, tmp_path: Path
) -> None:
    cluster = Cluster(processes, tmp_path, secret_file, extra=PROMOTABLE)
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running({**SEED, "db": 3})
    wait_for(lambda: promoted(cluster) == ["alice"], 60, "db promoted on alice")
    cluster.wait_converged()
    cluster.kill_agent("alice")
    wait_for(lambda: promoted(cluster) == ["bob"], 60, "db promoted on bob")
    fenced = first(cluster.entries(), "fenced", node="alice")
    promotes = [e for e in cluster.entries() if e.kind == "dispatch" and e.data.get("op") == "promote"]
    assert promotes[-1].seq > fenced.seq


def test_8_a_configuration_change_on_disk_is_applied(cluster: Cluster) -> None:
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    text = cluster.config.read_text().replace("xray prefers alice 50", "xray avoids alice")
    cluster.config.write_text(text)
    wait_moved_off(cluster, "xray", "alice")
    assert cluster.kinds("config")


def test_9_a_broken_configuration_change_is_ignored(cluster: Cluster) -> None:
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    cluster.config.write_text(cluster.config.read_text() + "location oops: nothing prefers nowhere\n")
    wait_for(lambda: cluster.kinds("config-rejected"), 30, "the change rejected")
    cluster.wait_running(SEED)  # and everything keeps running where it was


@pytest.mark.skipif(
    importlib.util.find_spec("placement.planning") is None, reason="placement.plan (issue 5) has not landed yet"
)
def test_the_placement_run_command_drives_the_cluster(cluster: Cluster) -> None:
    cluster.start_agents()
    controller = cluster.processes.spawn(
        "controller",
        [
            *CLI,
            "run",
            str(cluster.config),
            "--agents",
            cluster.agents_option,
            "--secret-file",
            str(cluster.secret),
            "--journal",
            str(cluster.journal),
            "--dead-after",
            "3",
            "--poll",
            "0.1",
        ],
    )
    cluster.wait_running(SEED)
    cluster.wait_converged()
    shown = subprocess.run(
        [
            *CLI,
            "status",
            "--agents",
            cluster.agents_option,
            "--secret-file",
            str(cluster.secret),
            "--journal",
            str(cluster.journal),
        ],
        capture_output=True,
        text=True,
        env=environment(),
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert "zulu" in shown.stdout and "Started charlie" in shown.stdout
    controller.send_signal(signal.SIGTERM)
    assert controller.wait(timeout=30) == 0


def test_3b_fencing_levels_fall_through_to_a_working_device(processes, secret_file: Path, tmp_path: Path) -> None:
    if not Path("/usr/sbin/fence_dummy").exists():
        pytest.skip("fence_dummy missing: apt-get install fence-agents (.ci/install-agents)")
    levels = "fence broken stonith:fence_dummy type=fail power_timeout=1\nfence-level 1 charlie broken\n"
    levels += "fence-level 2 charlie fence_nodes\n"
    cluster = Cluster(processes, tmp_path, secret_file, extra=levels)
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    cluster.kill_agent("charlie")
    wait_moved_off(cluster, "zulu", "charlie")
    fenced = first(cluster.entries(), "fenced", node="charlie")
    assert fenced.data["summary"] == "charlie fenced at level 2 by fence_nodes"
    assert all(s.seq > fenced.seq for s in recovery_starts(cluster.entries(), "zulu")[1:])


def test_10_a_restarted_agent_is_probed_not_fenced(cluster: Cluster) -> None:
    cluster.start_agents()
    cluster.start_controller(dead_after=10)
    cluster.wait_running(SEED)
    cluster.wait_converged()
    old_boot = first(cluster.entries(), "probe", node="bob").data["boot_id"]
    cluster.agents["bob"].send_signal(signal.SIGTERM)  # a clean restart of bob's agent, resources keep running
    assert cluster.agents["bob"].wait(timeout=15) == 0
    cluster.start_agent("bob")
    reprobe = wait_for(
        lambda: [e for e in cluster.kinds("probe") if e.data["node"] == "bob" and e.data["boot_id"] != old_boot],
        30,
        "bob re-probed",
    )
    assert reprobe[0].data["found"] == {"iscsi": "started", "yankee": "started"}  # type: ignore[index]
    assert not cluster.kinds("fenced") and not cluster.kinds("unclean")
    cluster.wait_running(SEED)
    # Its recurring monitors are back: a failure on bob is noticed again.
    (cluster.node_root / "bob" / "rsctmp" / "Dummy-yankee.state").unlink()
    wait_for(lambda: [e for e in cluster.kinds("event") if e.data["resource"] == "yankee"], 30, "yankee's failure")


def test_11_a_migratable_resource_moves_by_migrate_to_and_migrate_from(cluster: Cluster) -> None:
    if os.environ.get("PLACEMENT_TEST_PLANNER") == "stub":
        pytest.skip("the test planner does not migrate")
    text = cluster.config.read_text().replace(
        "resource xray ocf:heartbeat:Dummy {", "resource xray ocf:heartbeat:Dummy meta allow-migrate=true {"
    )
    cluster.config.write_text(text)
    cluster.start_agents()
    cluster.start_controller()
    cluster.wait_running(SEED)
    cluster.wait_converged()
    with TwiceWatcher(cluster, ["xray"]) as watcher:
        cluster.config.write_text(text.replace("xray prefers alice 50", "xray avoids alice"))
        wait_moved_off(cluster, "xray", "alice")
        cluster.wait_converged(after=first(cluster.entries(), "config").seq)
    assert watcher.most["xray"] == 1
    changed = first(cluster.entries(), "config").seq
    moves = [
        (e.data["op"], e.data["node"])
        for e in cluster.kinds("result")
        if e.seq > changed and e.data.get("resource") == "xray" and e.data["op"] != "monitor"
    ]
    assert moves == [("migrate_to", "alice"), ("migrate_from", moves[1][1]), ("stop", "alice")]


def test_12_a_failed_start_bans_the_node_and_the_resource_starts_elsewhere(
    processes, secret_file: Path, tmp_path: Path
) -> None:
    cluster = Cluster(processes, tmp_path, secret_file, zulu_agent="ocf:test:Scripted")
    cluster.start_agents()
    (cluster.node_root / "charlie" / "rsctmp" / "fail-start").touch()
    cluster.start_controller()
    wait_moved_off(cluster, "zulu", "charlie")
    failed = [e for e in cluster.kinds("result") if e.data.get("resource") == "zulu" and not e.data["ok"]]
    assert [(e.data["op"], e.data["node"]) for e in failed] == [("start", "charlie")]
    assert not cluster.kinds("fenced")  # a failed start is not a reason to fence (only a failed stop is)
    cluster.wait_converged()
    belief = cluster.kinds("belief")[-1].data["belief"]
    assert {"resource": "zulu", "node": "charlie", "count": 1_000_000} in [
        {k: f[k] for k in ("resource", "node", "count")} for f in belief["fail_counts"]
    ]  # start-failure-is-fatal: INFINITY
