"""A three-node cluster of real processes on loopback, for end-to-end tests (test code).

Each node has a directory (pid file, agents' state); a resource "runs" on a node
exactly when its agent's state file exists there, which is what the assertions read.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from placement.runtime import journal
from placement.runtime.election import leader_of
from placement.runtime.etcd import Etcd, EtcdUnavailable, prefix_end
from placement.runtime.journal import Entry, entry_of
from placement.runtime.journal_etcd import journal_prefix, key_of, read_raw

from .conftest import write_agent
from .harness import Processes, wait_for

NODES = ("alice", "bob", "charlie")
CONTROLLER_MAIN = Path(__file__).with_name("controller_main.py")

# The KVM example's shape, with Dummy for the virtual machines and the iSCSI clone.
KVM = """\
cluster stickiness=100 fencing=on
node alice
node bob
node charlie
fence fence_nodes stonith:fence_process node_root={node_root} {fence_extra}
resource iscsi ocf:heartbeat:Dummy {{ monitor every 1s timeout 10s }}
clone cl_iscsi of iscsi interleave=true
resource xray ocf:heartbeat:Dummy {{ monitor every 1s timeout 10s }}
resource yankee ocf:heartbeat:Dummy meta migration-threshold=2 {{ monitor every 1s timeout 10s }}
resource zulu {zulu_agent} {{ monitor every 1s timeout 10s }}
location xray-on-alice: xray prefers alice 50
location yankee-on-bob: yankee prefers bob 50
location zulu-on-charlie: zulu prefers charlie 50
colocation xray with cl_iscsi
colocation yankee with cl_iscsi
colocation zulu with cl_iscsi
order cl_iscsi then xray
order cl_iscsi then yankee
order cl_iscsi then zulu
{extra}
"""

SCRIPTED = """\
state="${HA_RSCTMP}/Scripted-${OCF_RESOURCE_INSTANCE}.state"
case "$1" in
start) if [ -e "${HA_RSCTMP}/fail-start" ]; then echo "ocf-exit-reason:start refused" >&2; exit 1; fi
       sleep "${OCF_RESKEY_start_delay:-0}"; touch "$state"; exit 0;;
stop) if [ -e "${HA_RSCTMP}/fail-stop" ]; then echo "ocf-exit-reason:stop refused" >&2; exit 1; fi
      rm -f "$state"; exit 0;;
monitor) if [ -e "${HA_RSCTMP}/hang-monitor" ]; then sleep 60; fi
         [ -e "$state" ] && exit 0; exit 7;;
meta-data) echo "<resource-agent name='Scripted'/>"; exit 0;;
*) exit 3;;
esac
"""


class Cluster:
    """Agents, a controller, their files, and ways to look at what runs where."""

    def __init__(self, processes: Processes, root: Path, secret: Path, **template: str) -> None:
        self.processes = processes
        self.root = root
        self.secret = secret
        self.node_root = root / "nodes"
        self.node_root.mkdir()
        self.ocf_root = self._ocf_root()
        self.config = root / "cluster.place"
        fields = {"fence_extra": "", "zulu_agent": "ocf:heartbeat:Dummy", "extra": "", **template}
        self.config.write_text(KVM.format(node_root=self.node_root, **fields))
        self.journal = root / "journal.jsonl"
        self.agents: dict[str, subprocess.Popen] = {}
        self.addresses: dict[str, str] = {}
        self.controller: subprocess.Popen | None = None
        self.etcd: Etcd | None = None  # set: the journal is the controller group's, in etcd
        self._copy: JournalCopy | None = None
        self.controllers: dict[str, subprocess.Popen] = {}

    def _ocf_root(self) -> Path:
        root = self.root / "ocf"
        (root / "resource.d").mkdir(parents=True)
        (root / "lib").symlink_to("/usr/lib/ocf/lib")
        for provider in ("heartbeat", "pacemaker"):
            (root / "resource.d" / provider).symlink_to(f"/usr/lib/ocf/resource.d/{provider}")
        write_agent(root, "test", "Scripted", SCRIPTED)
        return root

    # ------------------------------------------------------------------ processes

    def start_agents(self) -> None:
        for node in NODES:
            self.start_agent(node)

    def start_agent(self, node: str) -> None:
        process, address = self.processes.agent(
            node, self.secret, self.node_root / node, port=self._port(node), ocf_root=self.ocf_root
        )
        self.agents[node], self.addresses[node] = process, address

    def _port(self, node: str) -> int:
        # A restarted agent keeps its address, as a rebooted node keeps its IP.
        return int(self.addresses[node].rsplit(":", 1)[1]) if node in self.addresses else 0

    @property
    def agents_option(self) -> str:
        return ",".join(f"{n}={a}" for n, a in sorted(self.addresses.items()))

    def start_controller(self, dead_after: float = 3.0) -> subprocess.Popen:
        self.controller = self.processes.spawn(
            "controller",
            [
                sys.executable,
                str(CONTROLLER_MAIN),
                str(self.config),
                self.agents_option,
                str(self.secret),
                str(self.journal),
                str(dead_after),
            ],
        )
        return self.controller

    def start_group_controller(
        self, name: str, etcd_urls: str, ttl: int, dead_after: float = 3.0, send_delay: float = 0.0
    ) -> subprocess.Popen:
        """One controller of a group (journal in etcd); its log is ``<name>.log``.

        ``send_delay``: seconds between journalling a start or stop and sending it (a slow network).
        """
        self.etcd = Etcd(etcd_urls)
        argv = [sys.executable, str(CONTROLLER_MAIN), str(self.config), self.agents_option, str(self.secret)]
        argv += [str(self.journal), str(dead_after), etcd_urls, name, str(ttl), str(send_delay)]
        self.controllers[name] = self.processes.spawn(name, argv)
        return self.controllers[name]

    def leader(self) -> dict | None:
        assert self.etcd is not None
        return leader_of(self.etcd)

    def controller_logs(self) -> str:
        names = list(self.controllers) or ["controller"]
        return "\n".join(f"--- {n} ---\n{self.processes.log_text(n)[-4000:]}" for n in names)

    def kill_agent(self, node: str, sig: int = signal.SIGKILL) -> None:
        os.killpg(self.agents[node].pid, sig)

    # ------------------------------------------------------------------ observation

    def running(self, resource: str) -> list[str]:
        """Nodes where the resource's state file exists (Dummy, Stateful or Scripted)."""
        found = []
        for node in NODES:
            directory = self.node_root / node
            names = [f"Dummy-{resource}.state", f"Scripted-{resource}.state"]
            if (
                any((directory / "rsctmp" / name).exists() for name in names)
                or (directory / "run" / f"Stateful-{resource}.state").exists()
            ):
                found.append(node)
        return found

    def orders(self, node: str) -> list[dict]:
        """What the node's agent admitted and ran, in order (its ``lib/orders.jsonl``)."""
        path = self.node_root / node / "lib" / "orders.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]

    def fence_records(self, node: str) -> list[dict]:
        """The fences the node's agent ran as an executor (its ``lib/fences.jsonl``: began and ended lines)."""
        return self._lines(node, "fences.jsonl")

    def refusals(self, node: str) -> list[dict]:
        """Orders the node's agent refused for a stale fencing token (its ``lib/refused.jsonl``)."""
        return self._lines(node, "refused.jsonl")

    def _lines(self, node: str, name: str) -> list[dict]:
        path = self.node_root / node / "lib" / name
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]

    def executed(self, action: str, subject: str) -> list[tuple[str, dict]]:
        return [(n, o) for n in NODES for o in self.orders(n) if o["action"] == action and o["subject"] == subject]

    def entries(self) -> list[Entry]:
        """Every entry the journal ever held (the group's, in etcd, though its leaders compact it)."""
        if self.etcd is not None:
            if self._copy is None:
                self._copy = JournalCopy(self.etcd)
            try:
                return self._copy.update()
            except EtcdUnavailable:
                return self._copy.entries
        return journal.read(self.journal)

    def stored(self) -> list[Entry]:
        """The group's journal as etcd holds it now: a checkpoint first once a leader compacted it."""
        assert self.etcd is not None
        return read_raw(self.etcd)

    def kinds(self, kind: str) -> list[Entry]:
        return [e for e in self.entries() if e.kind == kind]

    def wait_running(self, expected: dict[str, object], timeout: float = 60) -> None:
        """Wait until each resource runs on exactly the given nodes (a list) or on N nodes (an int)."""

        def matches() -> bool:
            for resource, want in expected.items():
                nodes = self.running(resource)
                if (isinstance(want, int) and len(nodes) != want) or (
                    not isinstance(want, int) and sorted(nodes) != sorted(want)  # type: ignore[arg-type]
                ):
                    return False
            return True

        try:
            wait_for(matches, timeout, f"placement {expected}")
        except AssertionError:
            now = {r: self.running(r) for r in expected}
            raise AssertionError(f"wanted {expected}, have {now}\n{self.controller_logs()}") from None

    def wait_converged(self, after: int = 0, timeout: float = 60) -> Entry:
        def converged() -> Entry | None:
            found = [e for e in self.kinds("converged") if e.seq > after]
            return found[-1] if found else None

        try:
            return wait_for(converged, timeout, "convergence")  # type: ignore[return-value]
        except AssertionError:
            raise AssertionError(f"not converged\n{self.controller_logs()}") from None


class JournalCopy:
    """Every entry a group's journal ever held, in order, though its leaders compact it (test code).

    Each `update` reads the keys after the last one copied. When the first key found is
    past the next number, a checkpoint deleted entries before this copy read them: they
    are read from etcd's history, at the revision just before the checkpoint's
    transaction (etcd keeps old revisions until its own compaction, which neither the
    tests nor the campaign run), going back checkpoint by checkpoint if need be.
    Checkpoints are kept as stored (their carried entries inside, not repeated).
    """

    def __init__(self, etcd: Etcd) -> None:
        self.etcd = etcd
        self.entries: list[Entry] = []
        self._lock = threading.Lock()

    def update(self) -> list[Entry]:
        with self._lock:
            self.entries += self._after(self.entries[-1].seq if self.entries else 0, 0)
            return list(self.entries)

    def _after(self, last: int, revision: int) -> list[Entry]:
        start = journal_prefix()
        items = self.etcd.range(key_of(last + 1) if last else start, prefix_end(start), revision)
        found = [(entry_of(item.value), item.mod_revision) for item in items]
        if not found or found[0][0].seq == last + 1:
            return [entry for entry, _ in found]
        return self._after(last, found[0][1] - 1) + [entry for entry, _ in found]


class TwiceWatcher:
    """Samples the state files in the background: did any resource ever run on two nodes?"""

    def __init__(self, cluster: Cluster, resources: list[str], interval: float = 0.02) -> None:
        self.cluster = cluster
        self.resources = resources
        self.interval = interval
        self.most: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> TwiceWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for resource in self.resources:
                self.most[resource] = max(self.most[resource], len(self.cluster.running(resource)))
            time.sleep(self.interval)
