"""``placement survive``: every combination of K failures, which would hurt, and how much."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from placement.commands.inputs import input_options, load_inputs
from placement.render.heatmap_svg import heat_map
from placement.render.survive_json import survive_document
from placement.render.survive_text import survive_text
from placement.survival import survive
from placement.survival.runner import default_jobs


def analysis_options(function):  # type: ignore[no-untyped-def]
    """Options shared with ``placement headroom``: how many failures, of what, with how many workers."""
    function = click.option("--time-limit", type=float, default=60.0, show_default=True,
                            help="Seconds the solver may search per scenario.")(function)
    function = click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
                            help="Worker processes (default: one per core).")(function)
    function = click.option("--domain", metavar="ATTR",
                            help="Fail whole failure domains: the nodes sharing this node attribute (e.g. rack).")(
        function)
    return click.option("--failures", "-k", type=click.IntRange(min=1), default=1, show_default=True,
                        help="How many nodes (or domains) fail at once.")(function)


@contextmanager
def progress_bar(enabled: bool, description: str) -> Iterator[Callable[[int, int | None], None] | None]:
    """A rich progress bar on a terminal's stderr (``advance(done, total)``, total None if unknown); else None."""
    if not enabled or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=None)

        def advance(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


@click.command("survive")
@input_options
@analysis_options
@click.option("--json", "as_json", is_flag=True, help="One machine-readable JSON document (no progress bar).")
@click.option("--svg", type=click.Path(path_type=Path), help="Write a heat map (node pairs, or resources × scenarios).")
@click.option("--all", "show_all", is_flag=True, help="List every hurting scenario and resource.")
@click.option("--no-symmetry", is_flag=True, help="Solve every scenario, even renamings of another.")
@click.option("--no-fit", is_flag=True, help="Send every scenario through the full planner (to check the proofs).")
def command(file: Path | None, state_path: Path | None, cib: Path | None, failures: int, domain: str | None,
            jobs: int | None, time_limit: float, as_json: bool, svg: Path | None, show_all: bool,
            no_symmetry: bool, no_fit: bool) -> None:
    """Which K simultaneous failures would hurt, and what: every combination, each solved exactly.

    Each scenario is `placement whatif --node-down …` for its nodes, from the current state.
    E.g. `placement survive examples/kvm.place --failures 2`, or
    `placement survive --cib cib.xml --failures 1 --domain rack`.
    """
    config, state = load_inputs(file, state_path, cib)
    with progress_bar(not as_json, f"{failures}-failure scenarios") as advance:
        report = survive(config, state, failures, domain, jobs=jobs or default_jobs(), symmetry=not no_symmetry,
                         fit=not no_fit, time_limit=time_limit, progress=advance)
    if svg is not None:
        svg.write_text(heat_map(report), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(survive_document(report), indent=2))
    else:
        click.echo(survive_text(report, show_all), nl=False)
