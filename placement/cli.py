"""The ``placement`` command: thin glue from options to library calls and exit codes.

Every sub-command lives in `placement.commands.<name>`; this module only wires them
into one click group and turns library errors into messages and exit codes
(0 ok, 1 invalid input, 2 usage, 3 unsupported — see `placement.errors.ExitCode`).

A command's module is imported only when that command runs (or ``--help`` lists them
all): ``placement check`` never loads the solver, OR-Tools or the CIB reader
(docs/performance.md).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from typing import NoReturn

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
    "placement.commands.survive",
    "placement.commands.headroom",
)

# The command a module defines is named after the module, except for these.
_COMMAND_NAMES = {"placement.commands.import_cib": "import"}


def command_name(module: str) -> str:
    """The name of the command ``module`` defines.

    >>> command_name("placement.commands.import_cib"), command_name("placement.commands.why")
    ('import', 'why')
    """
    return _COMMAND_NAMES.get(module, module.rpartition(".")[2])


class PlacementGroup(click.Group):
    """A click group that loads each command's module on first use and reports
    `PlacementError` cleanly instead of a traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *map(command_name, COMMAND_MODULES)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            for module in COMMAND_MODULES:
                if command_name(module) == cmd_name:
                    self.add_command(importlib.import_module(module).command)
        return self.commands.get(cmd_name)

    # The sub-command the last invocation ran (None before one ran), for `main`'s exit.
    ran: str | None = None

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
        finally:
            self.ran = ctx.invoked_subcommand


@click.group(cls=PlacementGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="placement")
def cli() -> None:
    """Plan highly available clusters: place resources exactly, fence first, explain why."""


# One command is one short process that builds a large, long-lived model (a 10,000-resource CIB
# is millions of objects) and frees little before it exits: the cyclic collector's default
# thresholds would walk that heap again and again (a second of a 32×1000 what-if). Collections
# stay, just rarer; the embedded API (`placement.plan`) leaves the host process's settings alone.
GC_THRESHOLDS = (50_000, 50, 100)


# Commands that compute, print (or write a file) and are done: no threads, servers or child
# processes. When one of them ends the process exits at once instead of tearing its heap down
# object by object, which took a fifth of the seed what-if's CPU time and 0.2 s after a
# 10,000-resource CIB (docs/performance.md). The runtime's commands exit as usual.
ONE_SHOT = frozenset({"check", "fmt", "whatif", "plan", "state", "import", "place", "scores", "why",
                      "survive", "headroom"})


def main() -> None:
    """Console-script entry point."""
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        cli(prog_name="placement")
    except SystemExit as done:
        # (Under a profiler or a tracer the usual exit stays: it writes its report afterwards.)
        watched = sys.getprofile() is not None or sys.gettrace() is not None
        if cli.ran in ONE_SHOT and not watched and (done.code is None or isinstance(done.code, int)):
            _exit_now(done.code or 0)
        raise


def _exit_now(code: int) -> NoReturn:
    """Exit with ``code`` once the output is out, skipping the interpreter's teardown.

    What the teardown would still do that matters is done first: the exit handlers run and
    the standard streams are flushed. If a stream cannot be flushed (a closed pipe), the
    usual exit handles it as before.
    """
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)
