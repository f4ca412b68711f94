"""A fence agent for clusters of node-agent processes on one machine.

Run as ``python -m placement.runtime.fence_process`` and driven by the fence-agent
protocol (``key=value`` lines on stdin, or ``-o ACTION -n NODE`` on the command line):

- ``off`` / ``reboot``: "pull the plug" on node ``plug``: kill the process group
  named by ``<node_root>/<plug>/agent.pid`` with SIGKILL (a stopped, silent agent
  dies too), wait until it is gone, then wipe the node's directory as a reboot wipes
  ``/run`` — except its ``lib/`` (the node's disk: the newest fencing token).
  Nothing powers the node back on: it stays off until restarted.
- ``on``: nothing to do (succeeds); ``status``: exit 0 if the agent runs, 2 if off;
  ``monitor``: exit 0 if ``node_root`` exists; ``list``: the nodes under
  ``node_root``; ``metadata``: the XML description.

Exit codes follow fence-agents: 0 success, 1 failure, 2 "off" for status.

For fault drills, ``off`` and ``reboot`` fail while a file named `DRILL_FAIL_FILE`
exists in ``node_root``: a fencing device that breaks, then works again.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path

PID_FILE = "agent.pid"
# Set by the node agent in every agent it runs: how a power-off finds all the node's processes.
NODE_DIR_VARIABLE = "PLACEMENT_NODE_DIR"
PERSISTENT_DIR = "lib"  # the node's disk: a power-off keeps it, as a reboot keeps /var/lib
_NODE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
KILL_WAIT_SECONDS = 10.0
DRILL_FAIL_FILE = "fence-drill-fail"

METADATA = """<?xml version="1.0" ?>
<resource-agent name="fence_process" shortdesc="Fence placement node agents running on this machine">
<longdesc>Powers a node off by killing its node agent's process group (from its pid file)
and wiping its node directory, as a reboot clears /run.</longdesc>
<parameters>
  <parameter name="action" unique="0" required="1">
    <getopt mixed="-o, --action=[action]" />
    <content type="string" default="reboot" />
    <shortdesc lang="en">Fencing action</shortdesc>
  </parameter>
  <parameter name="plug" unique="0" required="0">
    <getopt mixed="-n, --plug=[node]" />
    <content type="string" />
    <shortdesc lang="en">Node to fence (its directory name under node_root)</shortdesc>
  </parameter>
  <parameter name="node_root" unique="0" required="1">
    <getopt mixed="--node-root=[directory]" />
    <content type="string" />
    <shortdesc lang="en">Directory holding one directory per node</shortdesc>
  </parameter>
</parameters>
<actions>
  <action name="on" /><action name="off" /><action name="reboot" /><action name="status" />
  <action name="list" /><action name="monitor" /><action name="metadata" />
</actions>
</resource-agent>
"""


def parse_stdin(text: str) -> dict[str, str]:
    """``key=value`` lines; blank lines and ``#`` comments are skipped.

    >>> parse_stdin("action=off\\n# c\\nport=alice\\n")
    {'action': 'off', 'port': 'alice'}
    """
    options = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            options[key.strip()] = value.strip()
    return options


def process_gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (a zombie awaiting its parent counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return True
    return stat.rsplit(")", 1)[-1].split()[0] in ("Z", "X")


def agent_pid(node_dir: Path) -> int | None:
    try:
        return int((node_dir / PID_FILE).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def node_processes(node_dir: Path) -> list[int]:
    """Processes started for the node: their environment names its directory."""
    marker = f"{NODE_DIR_VARIABLE}={node_dir.resolve()}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or another user's
            continue
        if marker in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def _kill(pid: int) -> None:
    for kill in (os.killpg, os.kill):  # the group first; the process alone if it left its group
        with contextlib.suppress(ProcessLookupError, PermissionError):
            kill(pid, signal.SIGKILL)


def power_off(node_dir: Path) -> str:
    """Kill the node's agent group and every process it ran, wipe its directory; say what happened.

    The agent's resource agents run in process groups of their own (so a timeout can
    kill one without the agent); a real power-off stops them too, so they are found
    by the node directory in their environment.
    """
    pid = agent_pid(node_dir)
    message = "Success: Already OFF"
    victims = [pid] if pid is not None and not process_gone(pid) else []
    for _ in range(3):  # a dying script may have forked once more
        victims += [p for p in node_processes(node_dir) if not process_gone(p)]
        for victim in victims:
            _kill(victim)
        deadline = time.monotonic() + KILL_WAIT_SECONDS
        while not all(process_gone(v) for v in victims):
            if time.monotonic() > deadline:
                raise RuntimeError(f"processes {victims} survived SIGKILL")
            time.sleep(0.02)
    if victims:
        message = "Success: Powered OFF"
    if node_dir.is_dir():
        for child in node_dir.iterdir():
            if child.name == PERSISTENT_DIR:
                continue  # the node's disk (fencing token), not its /run
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
    return message


def main(argv: list[str] | None = None) -> int:
    """Entry point: options from the command line, then stdin (stdin wins, as in fence-agents)."""
    parser = argparse.ArgumentParser(prog="fence_process", description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--action")
    parser.add_argument("-n", "--plug")
    parser.add_argument("--node-root")
    args = parser.parse_args(argv)
    options = {k: v for k, v in (("action", args.action), ("plug", args.plug), ("node_root", args.node_root)) if v}
    if not sys.stdin.isatty() and (args.action is None):
        options.update(parse_stdin(sys.stdin.read()))
    action = options.get("action", "reboot")
    plug = options.get("plug") or options.get("port")
    if action == "metadata":
        print(METADATA, end="")
        return 0
    root_text = options.get("node_root")
    if not root_text:
        print("Failed: node_root is required", file=sys.stderr)
        return 1
    root = Path(root_text)
    if action in ("monitor", "validate-all"):
        return 0 if root.is_dir() else 1
    if action == "list":
        for node_dir in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
            print(f"{node_dir.name},{node_dir.name}")
        return 0
    if not plug or not _NODE.match(plug):
        print(f"Failed: plug {plug!r} is not a node name", file=sys.stderr)
        return 1
    node_dir = root / plug
    if action == "status":
        pid = agent_pid(node_dir)
        running = pid is not None and not process_gone(pid)
        print(f"Status: {'ON' if running else 'OFF'}")
        return 0 if running else 2
    if action == "on":
        print("Success: Powered ON (nothing to do: the node starts when its agent is started)")
        return 0
    if action in ("off", "reboot"):
        if (root / DRILL_FAIL_FILE).exists():
            print(f"Failed: fencing drill ({root / DRILL_FAIL_FILE} exists)", file=sys.stderr)
            return 1
        try:
            print(power_off(node_dir))
        except (OSError, RuntimeError) as error:
            print(f"Failed: {error}", file=sys.stderr)
            return 1
        return 0
    print(f"Failed: unknown action {action!r}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
