"""Where a command's "now" comes from: a .place file (with a state JSON or the steady state) or a CIB."""

from __future__ import annotations

from pathlib import Path

import click

from placement.model import Config
from placement.planning import steady_state
from placement.state import State
from placement.state_json import load_state, validate_against


def input_options(function):  # type: ignore[no-untyped-def]
    """The options every planning command shares: FILE, --state, --cib."""
    function = click.option("--cib", "cib", type=click.Path(path_type=Path),
                            help="Read configuration and status from Pacemaker CIB XML instead.")(function)
    function = click.option("--state", "state_path", type=click.Path(path_type=Path),
                            help="The current state as JSON (default: the steady state).")(function)
    return click.argument("file", required=False, type=click.Path(path_type=Path))(function)


def load_inputs(file: Path | None, state_path: Path | None, cib: Path | None) -> tuple[Config, State]:
    """The configuration and the current state the options name."""
    if cib is not None:
        if file is not None or state_path is not None:
            raise click.UsageError("--cib holds both configuration and state: give no FILE and no --state")
        from placement.cib import import_cib  # XML support is only loaded when asked for
        from placement.commands.collection import paused

        with paused():
            imported = import_cib(cib)
        for warning in imported.warnings:
            click.echo(f"warning: {warning}", err=True)
        # Plan with the bans the status's failed operations imply, as Pacemaker does.
        return imported.planning_config, imported.state
    if file is None:
        raise click.UsageError("give a .place FILE or --cib CIB.xml")
    from placement.lang import load  # the .place parser is only loaded for a .place file

    config = load(file)
    if state_path is None:
        return config, steady_state(config)
    state = load_state(state_path)
    validate_against(state, config)
    return config, state
