"""``placement place``: the best target placement of a .place file, as a table or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("place")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The current state as JSON (default: a fresh cluster, nothing running).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0.01),
    default=60.0,
    show_default=True,
    help="Seconds the solver may search; the answer says when optimality is not proven.",
)
def command(file: Path, state_path: Path | None, as_json: bool, time_limit: float) -> None:
    """Show where every resource of FILE runs, in which role, its score and why."""
    from rich.console import Console
    from rich.table import Table

    from placement.lang import load
    from placement.solve import build_problem, solve_problem
    from placement.solve.report import as_data, rows

    config = load(file)
    problem = build_problem(config, _state(state_path))
    placement = solve_problem(problem, time_limit=time_limit)
    if as_json:
        click.echo(json.dumps(as_data(placement), indent=2, sort_keys=True))
        return
    table = Table("resource", "role", "node", "score", "why", box=None, pad_edge=False)
    for row in rows(problem, placement):
        table.add_row(row.resource, row.role, row.node, row.score, row.why)
    console = Console(highlight=False, soft_wrap=True)
    console.print(table)
    stats = placement.stats
    if stats is not None:
        proof = "optimal" if stats.optimal else f"NOT proven optimal (gap {stats.gap or 0:.1%})"
        console.print(f"{proof} · {stats.method} · {stats.wall_seconds:.3f}s")


def _state(path: Path | None):
    """The state in ``path`` (JSON), or a fresh cluster."""
    from placement.state import State
    from placement.state_json import load_state

    return State() if path is None else load_state(path)
