"""One cluster through both schedulers: placement (in-process) against crm_simulate.

The verdict is the conformance test's: the harness's ``judge`` decides *match* (same
active instances, same fenced nodes); a placement mismatch with the same fenced nodes is
re-scored by `placement.cib.compare.judge` and counts as *better* only when proven.
placement exiting 3 is *unsupported*; any other failure of placement is an *error*, and
a CIB the reference refuses is *invalid* (a generator bug, never counted as agreement).
When Pacemaker's simulated transition cannot complete, its answer is read as the plan it
made (`bench.random_cib.planned`) and the verdict says so (``planned``); *incomplete* is
left for a stalled simulation whose plan cannot be read either.
"""

from __future__ import annotations

import json
import re
import subprocess
import tempfile
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from bench.random_cib import reference
from bench.random_cib.model import Cluster
from bench.random_cib.writer import to_xml

# How a mismatch re-scores: a tie (same objective, another choice), ours worse, one side
# breaking what placement's model calls hard, Pacemaker blocked, or other fenced nodes.
KINDS = ("tie", "worse", "pacemaker-breaks-hard", "ours-breaks-hard", "blocked", "fenced", "not-comparable")
STATUSES = ("match", "better", "mismatch", "unsupported", "error", "invalid", "incomplete")


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str
    why: str = ""
    diff: dict = field(default_factory=dict)
    actions: str = "absent"  # the secondary metric: match / mismatch / absent
    kind: str = ""  # a mismatch's re-scoring outcome (`KINDS`), an error's first words
    planned: bool = False  # judged on Pacemaker's plan: its simulation of it stalled

    def signature(self) -> tuple[str, ...]:
        """What kind of disagreement this is, for "is it still the same failure?"."""
        parts = [self.status] + ([self.kind] if self.kind else [])
        if self.diff.get("fenced_missing") or self.diff.get("fenced_extra"):
            parts.append("fenced")
        if self.diff.get("placement_missing"):
            parts.append("missing")
        if self.diff.get("placement_extra"):
            parts.append("extra")
        return tuple(parts)


def _placement(path: Path, time_limit: float) -> tuple[int, str, str]:
    """``placement whatif --cib PATH --json`` in-process: exit code, stdout, error text."""
    from click.testing import CliRunner

    from placement.cli import cli

    result = CliRunner().invoke(cli, ["whatif", "--cib", str(path), "--json", "--time-limit", str(time_limit)])
    problem = ""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        problem = "".join(traceback.format_exception(result.exception)).strip()
    elif result.exit_code != 0:
        problem = (result.stderr if hasattr(result, "stderr") else result.output).strip()
    return result.exit_code, result.stdout, problem


def judge_path(path: Path, time_limit: float = 20) -> Verdict:
    """The verdict for the CIB at ``path``."""
    ref = reference.run(path)
    verdict = _judge(path, ref, time_limit)
    return replace(verdict, planned=True) if ref.planned else verdict


def _judge(path: Path, ref: reference.Reference, time_limit: float) -> Verdict:
    if ref.expected is None:
        return Verdict("incomplete" if ref.problem.startswith("incomplete") else "invalid", ref.problem)
    code, stdout, problem = _placement(path, time_limit)
    if code == 3:
        return Verdict("unsupported", problem.splitlines()[-1] if problem else "unsupported")
    if code != 0 or problem:
        last = (problem or f"exit {code}").strip().splitlines()[-1]
        # "error: no placement satisfies every hard constraint: node2 uses 8 cpu of 5" → the
        # words before the particulars, so the shrinker keeps the same refusal
        words = last.removeprefix("Error: ").removeprefix("error: ").split(":")[0][:60]
        kind = "traceback: " + last.split(":")[0] if "Traceback" in problem else words
        return Verdict("error", problem or f"exit {code}", kind=kind)
    module = reference.harness()
    try:
        document = module.parse_planner_json(stdout)
        placement_ok, fenced_ok, actions, diff = module.judge(ref.expected, document)
    except module.BadOutput as error:
        return Verdict("error", f"bad output: {error}")
    if placement_ok and fenced_ok:
        return Verdict("match", diff=diff, actions=actions)
    if not fenced_ok:
        return Verdict("mismatch", "different nodes fenced", diff, actions, "fenced")
    return _rescore(path, ref.expected, document, diff, actions)


def _rescore(path: Path, expected: dict, document: dict, diff: dict, actions: str) -> Verdict:
    from placement.cib import import_cib
    from placement.cib.compare import judge
    from placement.errors import PlacementError

    # Our copies keep their instance numbers (``web:1``): the judge reads them as those
    # instances, where Pacemaker's listing (without numbers) has to be matched to instances.
    ours = [
        (e["resource"], e.get("role") or "Started", e["node"])
        for e in document["placement"]
        if e.get("node") and (e.get("role") or "Started") != "Stopped"
    ]
    theirs = [(e["resource"], e["role"], e["node"]) for e in expected["placement"]]
    blocked = [a["resource"].split(":")[0] for a in expected.get("actions", []) if a.get("blocked")]
    try:
        imported = import_cib(path)
        fenced = set(document.get("fenced") or ()) & set(expected.get("fenced") or ())
        judgement = judge(imported.config, imported.state, ours, theirs, _block_causes(path, blocked), fenced)
    except PlacementError as error:
        return Verdict("mismatch", f"cannot re-score: {error}", diff, actions, "not-comparable")
    why = judgement.reason or f"ours {judgement.ours} vs Pacemaker's {judgement.theirs} ({judgement.verdict})"
    if judgement.verdict == "better":
        return Verdict("better", why, diff, actions)
    kind = {"equal": "tie", "worse": "worse"}.get(judgement.verdict) or (
        "pacemaker-breaks-hard" if why.startswith("Pacemaker's breaks") else
        "ours-breaks-hard" if why.startswith("ours breaks") else
        "blocked" if "blocked" in why else "not-comparable")
    return Verdict("mismatch", why, diff, actions, kind)


_UNRUNNABLE = re.compile(
    r"^\s*\* \w+\s+(\S+)\s.*due to unrunnable (\S+) (?:start|running|promote|promoted)\b.*\(blocked\)"
)


def _block_causes(path: Path, blocked: list[str]) -> dict[str, frozenset[str]]:
    """Each resource Pacemaker blocked, with what blocked it when the summary names only
    unrunnable starts ("due to unrunnable rsc1 start (blocked)"; empty: another reason).

    The harness keeps only the "blocked" flag; the reason is read from crm_simulate's own
    summary, and only when something was blocked.
    """
    if not blocked:
        return {}
    text = subprocess.run(["crm_simulate", "-x", str(path), "-S"], capture_output=True, text=True, check=False)
    causes: dict[str, set[str]] = {}
    other: set[str] = set()
    for line in text.stdout.split("Executing Cluster Transition")[0].splitlines():
        if "(blocked)" not in line and not line.rstrip().endswith("blocked"):
            continue
        match = _UNRUNNABLE.match(line)
        if match:
            causes.setdefault(match.group(1).split(":")[0], set()).add(match.group(2).split(":")[0])
        else:
            words = line.split()
            if len(words) > 2:
                other.add(words[2].split(":")[0])
    return {r: frozenset() if r in other else frozenset(causes.get(r, ())) for r in blocked}


def judge_cluster(cluster: Cluster, time_limit: float = 20, keep: Path | None = None) -> Verdict:
    """Write ``cluster`` as a CIB (into ``keep`` if given, else a scratch file) and judge it."""
    text = to_xml(cluster)
    if keep is not None:
        keep.write_text(text)
        return judge_path(keep, time_limit)
    with tempfile.TemporaryDirectory(prefix="differential-") as scratch:
        path = Path(scratch) / "cib.xml"
        path.write_text(text)
        return judge_path(path, time_limit)


def as_json(verdict: Verdict) -> str:
    return json.dumps({"status": verdict.status, "kind": verdict.kind, "why": verdict.why, "diff": verdict.diff,
                       "actions": verdict.actions}, indent=1, default=list)
