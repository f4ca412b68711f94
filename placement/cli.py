"""The ``placement`` command: thin glue from options to library calls and exit codes.

Every sub-command lives in `placement.commands.<name>`; this module only wires them
into one click group and turns library errors into messages and exit codes
(0 ok, 1 invalid input, 2 usage, 3 unsupported — see `placement.errors.ExitCode`).
"""

from __future__ import annotations

import importlib
import sys

import click

from placement.errors import ExitCode, PlacementError

# Sub-command modules, each exposing ``command`` (a click.Command).
COMMAND_MODULES = (
    "placement.commands.check",
    "placement.commands.fmt",
    "placement.commands.whatif",
    "placement.commands.plan",
    "placement.commands.state",
    "placement.commands.import_cib",
    "placement.commands.agent",
    "placement.commands.keys",
    "placement.commands.run",
    "placement.commands.status",
    "placement.commands.place",
    "placement.commands.scores",
    "placement.commands.why",
)


class PlacementGroup(click.Group):
    """A click group that reports `PlacementError` cleanly instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except PlacementError as error:
            click.echo(str(error), err=True)
            ctx.exit(int(error.exit_code))
        except click.exceptions.Exit:
            raise
        except click.ClickException:
            raise
        except BrokenPipeError:
            # `placement … | head` closed our stdout: not an error of the input.
            sys.stderr.close()
            ctx.exit(int(ExitCode.OK))


@click.group(cls=PlacementGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="placement")
def cli() -> None:
    """Plan highly available clusters: place resources exactly, fence first, explain why."""


for _module in COMMAND_MODULES:
    cli.add_command(importlib.import_module(_module).command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="placement")
