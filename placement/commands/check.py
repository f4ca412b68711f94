"""``placement check``: validate .place files and summarise them."""

from __future__ import annotations

from pathlib import Path

import click

from placement.errors import ExitCode, InvalidInput, Severity
from placement.lang import parse, read_text
from placement.model import Config


def summary(config: Config) -> str:
    """``3 nodes, 9 resources, 11 constraints`` (resources count primitives, groups and clones)."""
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"
    return ", ".join([count(len(config.nodes), "node"), count(len(config.resources), "resource"),
                      count(len(config.constraints), "constraint")])


@click.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def command(files: tuple[Path, ...], strict: bool) -> None:
    """Check FILES for errors; print 'ok: …' for each valid one.

    Every problem is reported with file:line:column. Warnings (such as a resource that
    can never run) do not fail the check unless --strict is given.
    """
    failed = False
    for path in files:
        try:
            config, diagnostics = parse(read_text(path), str(path))
        except InvalidInput as error:
            click.echo(str(error), err=True)
            failed = True
            continue
        errors = [d for d in diagnostics if d.severity is Severity.ERROR]
        for diagnostic in diagnostics:
            click.echo(str(diagnostic), err=True)
        if errors or (strict and diagnostics):
            failed = True
            noun = "error" if len(errors) == 1 else "errors"
            click.echo(f"{path}: {len(errors)} {noun}, {len(diagnostics) - len(errors)} warnings", err=True)
        else:
            where = f"{path}: " if len(files) > 1 else ""
            click.echo(f"ok: {where}{summary(config)}")
    raise SystemExit(int(ExitCode.INVALID if failed else ExitCode.OK))
