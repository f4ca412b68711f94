"""``placement import``: a Pacemaker CIB (``cibadmin -Q``) as ``.place`` text.

Thin glue over `placement.cib.import_cib` and the language's formatter: what the
import ignored the way Pacemaker ignores it is listed on stderr as warnings.
"""

from __future__ import annotations

from pathlib import Path

import click

from placement.cib import import_cib
from placement.commands.collection import paused
from placement.lang import dumps
from placement.state_json import dumps_state


@click.command("import")
@click.argument("cib", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the configuration to this .place file instead of stdout.",
)
@click.option(
    "--state-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write the CIB's status as state JSON to this file.",
)
def command(cib: Path, output: Path | None, state_out: Path | None) -> None:
    """Print the configuration of the Pacemaker CIB XML file CIB as .place text.

    Exit 1 for malformed or invalid XML (file:line:col), 3 for a feature placement
    cannot represent yet (bundles, remote and guest nodes…).
    """
    with paused():
        result = import_cib(cib)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    text = dumps(result.config)
    if state_out is not None:
        state_out.write_text(dumps_state(result.state), encoding="utf-8")
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")

