"""``placement fmt``: print .place files in canonical form (like black: --check, --write)."""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from placement.errors import ExitCode
from placement.lang import dumps, loads, read_text


@click.command("fmt")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--write", "-w", is_flag=True, help="Rewrite the files in place.")
@click.option("--check", "check_only", is_flag=True,
              help="Write nothing; exit 1 if any file is not canonical (with a diff).")
def command(files: tuple[Path, ...], write: bool, check_only: bool) -> None:
    """Print FILES in canonical form on stdout.

    Canonical form drops comments: keep them in files you do not reformat, or write
    them after checking the diff with --check.
    """
    if write and check_only:
        raise click.UsageError("--write and --check exclude each other")
    unformatted = []
    for path in files:
        original = read_text(path)
        canonical = dumps(loads(original, str(path)))
        if check_only:
            if canonical != original:
                unformatted.append(path)
                diff = difflib.unified_diff(original.splitlines(True), canonical.splitlines(True),
                                            f"{path}", f"{path} (canonical)")
                click.echo("".join(diff), nl=False)
        elif write:
            if canonical != original:
                path.write_text(canonical, encoding="utf-8")
                click.echo(f"reformatted {path}", err=True)
        else:
            click.echo(canonical, nl=False)
    if unformatted:
        click.echo(f"{len(unformatted)} file(s) would be reformatted", err=True)
        raise SystemExit(int(ExitCode.INVALID))
