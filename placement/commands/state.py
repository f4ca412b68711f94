"""``placement state``: print the steady state of a configuration as JSON (a starting point)."""

from __future__ import annotations

from pathlib import Path

import click

from placement.lang import load
from placement.planning import steady_state
from placement.state_json import dumps_state


@click.command("state")
@click.argument("file", type=click.Path(path_type=Path))
def command(file: Path) -> None:
    """Print a state in which every node is online and everything runs where the solver puts it.

    Edit it (mark a node unclean, a resource failed) and pass it back with --state.
    """
    click.echo(dumps_state(steady_state(load(file))), nl=False)
