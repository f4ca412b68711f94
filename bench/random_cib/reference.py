"""The real scheduler's answer for a CIB: ``crm_simulate -S``, read by the shared harness.

The harness's ``reference_planner`` (``../shared/pacemaker-scheduler/conformance.py``)
is what produced every expected outcome of the conformance data, so the differential
test reads crm_simulate exactly as the conformance test does. ``crm_verify -x`` first
checks the generated CIB is one Pacemaker accepts: a refused CIB is a generator bug.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from bench.random_cib.planned import planned_placement

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "pacemaker-scheduler"


@cache
def harness() -> ModuleType:
    """The shared ``conformance.py``, imported from its file (it is not a package)."""
    spec = importlib.util.spec_from_file_location("pacemaker_conformance", SHARED / "conformance.py")
    if spec is None or spec.loader is None:
        raise FileNotFoundError(SHARED / "conformance.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def available() -> str | None:
    """Why the reference cannot run here, or None when it can."""
    for program in ("crm_simulate", "crm_mon", "crm_verify"):
        if shutil.which(program) is None:
            return f"{program} not found (Debian: apt-get install pacemaker-cli-utils)"
    if not (SHARED / "conformance.py").exists():
        return f"the shared harness is not at {SHARED}"
    return None


# Errors the scheduler logs about the state it meets, not the configuration: crm_simulate
# runs such a CIB to the end. ``should_add_action_to_graph`` drops an action it created
# itself ("… scheduled for unclean node (bug?)", a fail-count clear on a node being
# fenced); ``set_instance_priority`` meets a promotable cloned group's instance whose
# members are assigned to different nodes, which a member stuck by a failed stop causes
# ("Cannot promote non-colocated child").
_STATE_ERRORS = ("(bug?)", "Cannot promote non-colocated child")


def _own_bugs_only(path: Path, timeout: float) -> bool:
    """Whether every error crm_verify logs is one about the scheduler's state (`_STATE_ERRORS`)."""
    detail = subprocess.run(["crm_verify", "-V", "-x", str(path)], capture_output=True, text=True,
                            timeout=timeout, check=False)
    errors = [line for line in detail.stderr.splitlines() if "error:" in line]
    return bool(errors) and all(any(mark in line for mark in _STATE_ERRORS) for line in errors)


@dataclass(frozen=True, slots=True)
class Reference:
    """Pacemaker's outcome in the harness's ``expected`` shape, or why there is none."""

    expected: dict | None
    problem: str = ""  # the CIB was refused (a generator bug) or crm_simulate failed
    planned: bool = False  # the simulation stalled: ``expected`` is Pacemaker's plan (`planned`)


def run(path: Path, timeout: float = 60) -> Reference:
    verify = subprocess.run(["crm_verify", "-x", str(path)], capture_output=True, text=True, timeout=timeout,
                            check=False)
    # Exit 78 comes with warnings too (a node to fence is one); only errors refuse the CIB,
    # and not the scheduler's own "(bug?)" complaints about the graph it built.
    if verify.returncode not in (0, 78) or ("Errors found" in verify.stderr and not _own_bugs_only(path, timeout)):
        detail = subprocess.run(["crm_verify", "-V", "-x", str(path)], capture_output=True, text=True,
                                timeout=timeout, check=False)
        return Reference(None, f"crm_verify refused it: {detail.stderr.strip()[-600:]}")
    rc, out, err, timed_out = harness().reference_planner(str(path), timeout)
    if timed_out:
        return Reference(None, "crm_simulate timed out")
    if rc != 0 and "Transition failed" in err:
        # The scheduler answered, but the graph it made cannot complete in simulation
        # (an action waits on one that never runs): no final status to compare with, so
        # compare with what it planned.
        return _planned(path, timeout, err)
    if rc != 0:
        return Reference(None, f"crm_simulate failed: {err.strip()[-400:]}")
    return Reference(json.loads(out))


def _planned(path: Path, timeout: float, err: str) -> Reference:
    """Pacemaker's plan for a CIB whose simulated transition stalls (`planned_placement`)."""
    text = subprocess.run(["crm_simulate", "-x", str(path), "-S"], capture_output=True, text=True,
                          timeout=timeout, check=False)
    xml = subprocess.run(["crm_simulate", "-x", str(path), "-S", "--output-as=xml"], capture_output=True,
                         text=True, timeout=timeout, check=False)
    try:
        placement = planned_placement(xml.stdout)
    except (ValueError, ET.ParseError) as error:
        return Reference(None, f"incomplete: {error}; {err.strip()[-300:]}")
    actions = harness()._ref_summary_actions(text.stdout)
    fenced = sorted({a["resource"] for a in actions if a["op"] == "fence"})
    return Reference({"placement": placement, "fenced": fenced, "actions": actions}, planned=True)
