#!/usr/bin/env python3
"""Conformance with Pacemaker 2.1.5's scheduler on its own regression suite.

Runs the harness ``../shared/pacemaker-scheduler/conformance.py`` (relative to the
repository root) against ``placement whatif --cib {xml} --json``, then re-reads its JSON
report and re-scores every placement mismatch with placement's own scorer
(`placement.cib.compare`): a case where our answer breaks no hard constraint and is
strictly ahead on the solver's objective is counted *better*, not mismatched. With
``--crm-simulate`` it also times ``crm_simulate -S`` on every case, and placement
in-process (without Python's start-up), and prints the slowest cases side by side.

    python3 bench/conformance.py [--jobs 2] [--tag core] [--crm-simulate] [--json-report out.json]

The last line is ``conformance: M/N match (P%), B better, U unsupported, E errors``.
"""

from __future__ import annotations

import argparse
import collections
import json
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "pacemaker-scheduler"
sys.path.insert(0, str(ROOT))

from placement.cib import import_cib  # noqa: E402
from placement.cib.compare import judge  # noqa: E402
from placement.errors import PlacementError  # noqa: E402

COMMAND = f"{shlex.quote(sys.executable)} -m placement whatif --cib {{xml}} --json"


def entries(items: list) -> list[tuple[str, str, str]]:
    """Placement entries (dicts or [resource, role, node] lists) as plain triples."""
    out = []
    for item in items:
        if isinstance(item, dict):
            out.append((item["resource"].split(":")[0], item.get("role") or "Started", item["node"]))
        else:
            out.append((str(item[0]), str(item[1]), str(item[2])))
    return out


def rescore(cases: Path, result: dict) -> dict:
    """For a placement mismatch with the same fenced nodes: is our answer better?

    Our placement is rebuilt from the harness diff: Pacemaker's, minus what we did not
    place, plus what we placed and Pacemaker did not.
    """
    diff = result.get("diff", {})
    if diff.get("fenced_missing") or diff.get("fenced_extra"):
        return {"verdict": "mismatch", "why": "different nodes fenced"}
    expected = json.loads((cases / "expected" / f"{result['case']}.json").read_text())
    theirs = collections.Counter(e for e in entries(expected["placement"]) if e[1] != "Stopped")
    ours = theirs - collections.Counter(entries(diff.get("placement_missing", [])))
    ours += collections.Counter(entries(diff.get("placement_extra", [])))
    try:
        imported = import_cib(cases / "cases" / f"{result['case']}.xml")
        blocked = [a["resource"].split(":")[0] for a in expected.get("actions", []) if a.get("blocked")]
        verdict = judge(imported.config, imported.state, list(ours.elements()), list(theirs.elements()), blocked)
    except PlacementError as error:
        return {"verdict": "mismatch", "why": f"cannot re-score: {error}"}
    return {
        "verdict": "better" if verdict.verdict == "better" else "mismatch",
        "why": verdict.reason or f"ours {verdict.ours} vs Pacemaker's {verdict.theirs} ({verdict.verdict})",
    }


def amend(cases: Path, report: dict) -> dict:
    """The harness report with each mismatch re-scored (status "better" when proven)."""
    for result in report["cases"]:
        if result["status"] == "mismatch":
            verdict = rescore(cases, result)
            result["rescored"] = verdict["why"]
            if verdict["verdict"] == "better":
                result["status"] = "better"
    return report


def table(report: dict, tags: dict[str, list[str]]) -> list[str]:
    rows = [("ALL", report["cases"])]
    for tag in ("core",):
        rows.append((tag, [r for r in report["cases"] if tag in tags.get(r["case"], ())]))
    lines = [
        f"{'tag':<8} {'cases':>5} {'match':>5} {'better':>6} {'mism':>5} {'unsup':>5} {'err':>4} "
        f"{'match+better':>12} {'+unsup':>7}"
    ]
    for tag, results in rows:
        count = collections.Counter(r["status"] for r in results)
        n = max(len(results), 1)
        good = count["match"] + count["better"]
        lines.append(
            f"{tag:<8} {len(results):>5} {count['match']:>5} {count['better']:>6} {count['mismatch']:>5} "
            f"{count['unsupported']:>5} {count['error']:>4} {100 * good / n:>11.1f}% "
            f"{100 * (good + count['unsupported']) / n:>6.1f}%"
        )
    return lines


def time_crm_simulate(cases: Path, names: list[str]) -> dict[str, float]:
    """Seconds ``crm_simulate -S`` takes on each case (the reference scheduler)."""
    seconds = {}
    for name in names:
        began = time.perf_counter()
        subprocess.run(
            ["crm_simulate", "-x", str(cases / "cases" / f"{name}.xml"), "-S"],
            capture_output=True,
            timeout=120,
            check=False,
        )
        seconds[name] = time.perf_counter() - began
    return seconds


def time_in_process(cases: Path, names: list[str]) -> dict[str, float]:
    """Seconds ``placement whatif --cib X --json`` takes without the process start-up."""
    from click.testing import CliRunner

    from placement.cli import cli

    runner, seconds = CliRunner(), {}
    for name in names:
        began = time.perf_counter()
        runner.invoke(cli, ["whatif", "--cib", str(cases / "cases" / f"{name}.xml"), "--json"])
        seconds[name] = time.perf_counter() - began
    return seconds


def timing_lines(report: dict, reference: dict[str, float], planning: dict[str, float]) -> list[str]:
    ours = [r["seconds"] for r in report["cases"] if "seconds" in r]

    def describe(values: list[float]) -> str:
        if not values:
            return "-"
        values = sorted(values)
        p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
        return f"median {statistics.median(values):.2f}s  p95 {p95:.2f}s  max {values[-1]:.2f}s"

    lines = [f"per case, placement (whole command): {describe(ours)}"]
    if planning:
        lines.append(f"per case, placement (in-process):     {describe(list(planning.values()))}")
    if reference:
        lines.append(f"per case, crm_simulate -S:            {describe(list(reference.values()))}")
        process = {r["case"]: r["seconds"] for r in report["cases"] if "seconds" in r}
        slowest = sorted(process, key=lambda n: -(planning.get(n) or process[n]))[:10]
        lines.append("slowest cases: placement process / in-process / crm_simulate (seconds)")
        lines += [
            f"  {name:<45} {process[name]:6.2f} {planning.get(name, float('nan')):6.2f} "
            f"{reference.get(name, float('nan')):6.2f}"
            for name in slowest
        ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=SHARED)
    parser.add_argument("--cmd", default=COMMAND)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=60)
    parser.add_argument("--tag", action="append", default=[])
    parser.add_argument("--show-mismatches", type=int, default=20)
    parser.add_argument("--json-report", type=Path)
    parser.add_argument("--crm-simulate", action="store_true", help="also time crm_simulate on every case")
    args = parser.parse_args()
    harness = args.cases / "conformance.py"
    if not harness.exists():
        print(f"conformance data not found at {args.cases} (expected ../shared next to the repo)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        raw = Path(scratch) / "report.json"
        command = [
            sys.executable,
            str(harness),
            "--cases",
            str(args.cases),
            "--cmd",
            args.cmd,
            "--jobs",
            str(args.jobs),
            "--timeout",
            str(args.timeout),
            "--show-mismatches",
            str(args.show_mismatches),
            "--json-report",
            str(raw),
        ]
        for tag in args.tag:
            command += ["--tag", tag]
        subprocess.run(command, check=True, cwd=ROOT)
        report = json.loads(raw.read_text())
    tags = json.loads((args.cases / "tags.json").read_text()) if (args.cases / "tags.json").exists() else {}
    report = amend(args.cases, report)
    print()
    print("re-scored mismatches (better = ours ahead on placement's objective, no hard constraint broken):")
    for result in report["cases"]:
        if "rescored" in result:
            print(f"  {result['status']:<8} {result['case']}: {result['rescored']}")
    print()
    print("\n".join(table(report, tags)))
    names = [r["case"] for r in report["cases"]]
    reference = time_crm_simulate(args.cases, names) if args.crm_simulate else {}
    planning = time_in_process(args.cases, names) if args.crm_simulate else {}
    for result in report["cases"]:
        if result["case"] in reference:
            result["crm_simulate_seconds"] = round(reference[result["case"]], 3)
            result["in_process_seconds"] = round(planning[result["case"]], 3)
    print("\n".join(timing_lines(report, reference, planning)))
    if args.json_report:
        args.json_report.write_text(json.dumps(report, indent=1) + "\n")
    count = collections.Counter(r["status"] for r in report["cases"])
    total = len(report["cases"])
    print(
        f"conformance: {count['match']}/{total} match ({100 * count['match'] / max(total, 1):.1f}%), "
        f"{count['better']} better, {count['unsupported']} unsupported, {count['error']} errors"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
