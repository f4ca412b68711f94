"""``placement why``: why a resource runs where it does, or why it cannot run."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("why")
@click.argument("resource")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def command(resource: str, file: Path) -> None:
    """Explain RESOURCE in FILE: its scores, or the constraints (with file:line) that stop it."""
    from placement.lang import load
    from placement.solve.explain import explain

    click.echo(str(explain(load(file), None, resource)))
