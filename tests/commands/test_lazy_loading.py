"""A command loads only what it uses: checked in fresh interpreters through ``sys.modules``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from placement.cli import COMMAND_MODULES, cli, command_name

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "examples" / "kvm.place")

# Run a command in-process in a new interpreter, then report which modules it loaded.
PROBE = """
import json, sys
from placement.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="placement", standalone_mode=False)
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(*arguments: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *arguments], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    return set(json.loads(done.stdout.splitlines()[-1]))


def under(modules: set[str], package: str) -> set[str]:
    return {m for m in modules if m == package or m.startswith(package + ".")}


def test_check_loads_neither_the_solver_nor_its_libraries() -> None:
    modules = loaded_by("check", SEED)
    assert "placement.lang" in modules  # it did check the file
    for package in ("ortools", "pandas", "networkx", "rich", "placement.solve", "placement.cib",
                    "placement.transition", "placement.commands.whatif"):
        assert not under(modules, package), package


def test_the_seed_whatif_needs_no_solver_library() -> None:
    # The steady state is greedy's answer at every upper bound, and so is the replan after
    # charlie goes down (the neighbourhood's greedy answer reaches every level's bound):
    # both are optimal without a model, so neither ortools nor pandas is imported.
    modules = loaded_by("whatif", SEED, "--node-down", "charlie")
    assert "placement.solve.incremental" in modules  # it did replan
    assert not under(modules, "ortools")
    assert not under(modules, "pandas")
    assert not under(modules, "placement.cib")  # no CIB was asked for


def test_a_cib_whatif_loads_no_place_parser(tmp_path: Path) -> None:
    # --cib reads XML: the .place grammar (lark) is never needed, not even for the hints
    # ("did you mean") that events and state files share with the parser.
    cib = tmp_path / "cib.xml"
    cib.write_text(
        "<cib><configuration><crm_config/><nodes><node id='1' uname='a'/><node id='2' uname='b'/></nodes>"
        "<resources><primitive id='r' class='ocf' provider='pacemaker' type='Dummy'/></resources>"
        "<constraints/></configuration><status/></cib>",
        encoding="utf-8",
    )
    modules = loaded_by("whatif", "--cib", str(cib), "--node-leave", "a")
    assert "placement.cib" in modules  # it did read the CIB
    assert not under(modules, "placement.lang")
    assert not under(modules, "lark")


def test_check_of_a_cycle_still_names_it(tmp_path: Path) -> None:
    # Only a file with a cycle loads networkx, to list the cycles; the message is unchanged.
    path = tmp_path / "cycle.place"
    path.write_text("node a\nresource x ocf:pacemaker:Dummy\nresource y ocf:pacemaker:Dummy\n"
                    "order x then y\norder y then x\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 1
    assert "mandatory orders form a cycle: x start then y start then x start (lines 4, 5)" in result.output


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_every_command_is_found_by_its_name(module: str) -> None:
    import importlib

    command = importlib.import_module(module).command
    assert command.name == command_name(module)
    assert cli.get_command(None, command.name) is command  # type: ignore[arg-type]


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for module in COMMAND_MODULES:
        assert f"  {command_name(module)} " in result.output


def test_an_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.output


def test_placement_solve_is_the_function_however_it_was_reached() -> None:
    # `placement.solve` loads on first use; importing the subpackage must not replace it.
    code = ("import placement, sys; assert 'placement.solve' not in sys.modules; "
            "import placement.solve.problem; from placement import solve; "
            "assert callable(placement.solve) and placement.solve is solve and solve.__name__ == 'solve'; "
            "c = placement.loads('node a\\nresource r ocf:pacemaker:Dummy'); "
            "print(type(placement.solve(c)).__name__)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Placement"
