"""``placement scores``: each resource's score on each node and the terms that make it up."""

from __future__ import annotations

from pathlib import Path

import click

from placement.errors import InvalidInput


@click.command("scores")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("resource", required=False)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The current state as JSON (default: a fresh cluster, nothing running).",
)
def command(file: Path, resource: str | None, state_path: Path | None) -> None:
    """Print "alice 150 = location 50 + stickiness 100" for every resource (or RESOURCE) of FILE."""
    from placement.lang import load
    from placement.solve.scores import score_table
    from placement.solve.units import group_copies

    config = load(file)
    table = score_table(config, _state(state_path))
    if resource is not None and resource not in config.resources:
        raise InvalidInput(f"unknown resource {resource!r} (resources: {', '.join(sorted(config.resources))})")
    wanted = set(table.hierarchy.primitives_in(resource)) if resource else None
    # A promotable clone's group copy is promoted as a whole, on the sum of its members' scores.
    copies = group_copies(unit for unit in table.units if unit.promotable)
    copy_of = {key: keys for keys in copies.values() for key in keys}
    for unit in table.units:
        if wanted is not None and unit.primitive not in wanted:
            continue
        click.echo(f"{unit.key}:")
        for score in table.scores(unit.key).values():
            click.echo(f"  {score.explain()}")
        if not unit.promotable:
            continue
        members = copy_of.get(unit.key)
        if members is None:
            click.echo("  promotion:")
            promotion = table.promotion(unit.key)
        elif members[0] == unit.key:
            click.echo(f"  promotion of its copy ({', '.join(members)}, promoted together):")
            promotion = table.copy_promotion(members)
        else:
            click.echo(f"  promotion: with its copy, see {members[0]}")
            continue
        for score in promotion.values():
            click.echo(f"    {score.explain()}")


def _state(path: Path | None):
    """The state in ``path`` (JSON), or a fresh cluster."""
    from placement.state import State
    from placement.state_json import load_state

    return State() if path is None else load_state(path)
