"""``placement headroom``: how many more copies of a new resource fit, surviving every K-failure scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from placement.commands.inputs import input_options, load_inputs
from placement.commands.survive import analysis_options, progress_bar
from placement.survival.headroom import Headroom, Probe, headroom
from placement.survival.patterns import NAMES
from placement.survival.runner import default_jobs


@click.command("headroom")
@input_options
@click.option("--add", "template", required=True, metavar="'resource NAME AGENT …'",
              help="The new resource in the .place language, optionally with its constraints.")
@analysis_options
@click.option("--most", type=click.IntRange(min=1), default=128, show_default=True,
              help="The largest number of copies tried.")
@click.option("--json", "as_json", is_flag=True, help="One machine-readable JSON document.")
def command(file: Path | None, state_path: Path | None, cib: Path | None, template: str, failures: int,
            domain: str | None, jobs: int | None, time_limit: float, most: int, as_json: bool) -> None:
    """The largest number of copies of a new resource that still survive every K-failure scenario.

    E.g. `placement headroom examples/kvm.place --add 'resource vm ocf:heartbeat:VirtualDomain
    config=/etc/vm.xml' --failures 1`. Each count is checked with `placement survive`; the
    answer comes with its proof: the scenario and resource that fail with one copy more.
    """
    config, state = load_inputs(file, state_path, cib)
    with progress_bar(not as_json, "headroom: copies tried") as advance:
        tried = 0

        def say(_message: str) -> None:
            nonlocal tried
            tried += 1
            if advance is not None:
                advance(tried, None)

        found = headroom(config, state, template, failures, domain, most=most, jobs=jobs or default_jobs(),
                         time_limit=time_limit, progress=say)
    if as_json:
        click.echo(json.dumps(headroom_document(found), indent=2))
    else:
        click.echo(headroom_text(found), nl=False)


def headroom_text(found: Headroom) -> str:
    name = ", ".join(found.template)
    word = NAMES.get(found.failures, f"{found.failures}-failure combination")
    scope = f"every {word}" + (f" of {found.domain} domains" if found.domain else "")
    scenarios = found.proof.report.total if found.proof.report else 0
    lines = [f"Headroom: {found.copies} {'more copy' if found.copies == 1 else 'more copies'} of {name} "
             f"survive {scope} ({scenarios} scenarios)"]
    if found.capped:
        lines.append(f"  No limit found up to {found.most} copies (--most raises it)")
    else:
        assert found.limit is not None
        lines.append(f"  Proof: with {found.copies}, no scenario is worse than without them; "
                     f"with {found.limit.count}, {_where(found.limit)}")
    tried = ", ".join(f"{p.count} {'ok' if p.survives else 'fails'}" for p in found.probes)
    lines.append(f"  Counts tried: {tried} ({found.seconds:.1f} s)")
    return "\n".join(lines) + "\n"


def _where(probe: Probe) -> str:
    verb = "fail" if probe.scenario and " + " in probe.scenario else "fails"
    when = f"when {probe.scenario} {verb}" if probe.scenario else "even with no failure"
    return f"{when}, {probe.resource} is hurt ({probe.reason})"


def headroom_document(found: Headroom) -> dict[str, Any]:
    return {
        "template": list(found.template),
        "failures": found.failures,
        "domain": found.domain,
        "copies": found.copies,
        "capped": found.capped,
        "most": found.most,
        "limit": None if found.limit is None else _probe(found.limit),
        "probes": [_probe(p) for p in found.probes],
        "seconds": round(found.seconds, 3),
    }


def _probe(probe: Probe) -> dict[str, Any]:
    return {"copies": probe.count, "survives": probe.survives, "scenario": probe.scenario,
            "resource": probe.resource, "reason": probe.reason}
