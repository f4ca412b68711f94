"""``placement why``: why a resource runs where it does, or why it cannot run."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("why")
@click.argument("resource")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The current state as JSON (default: a fresh cluster, nothing running).",
)
def command(resource: str, file: Path, state_path: Path | None) -> None:
    """Explain RESOURCE in FILE: its scores, or the constraints (with file:line) that stop it."""
    from placement.lang import load
    from placement.solve.explain import explain

    click.echo(str(explain(load(file), _state(state_path), resource)))


def _state(path: Path | None):
    """The state in ``path`` (JSON), or a fresh cluster."""
    from placement.state import State
    from placement.state_json import load_state

    return State() if path is None else load_state(path)
