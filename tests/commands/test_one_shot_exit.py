"""A one-shot command's process exits without its teardown, output and exit code intact."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from placement.cli import COMMAND_MODULES, ONE_SHOT, cli, command_name

ROOT = Path(__file__).resolve().parents[2]
SEED = str(ROOT / "examples" / "kvm.place")


# Buffered output, as a user's shell gives it: what is still buffered at the exit must get out.
BUFFERED = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}


def run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "placement", *arguments], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env=BUFFERED)


def test_every_one_shot_command_exists() -> None:
    assert set(map(command_name, COMMAND_MODULES)) >= ONE_SHOT
    assert not ONE_SHOT & {"agent", "run", "status", "keys"}  # threads, servers, sockets


def test_the_whole_output_reaches_a_pipe() -> None:
    arguments = ["whatif", SEED, "--node-down", "charlie", "--json"]
    done = run(*arguments)
    assert done.returncode == 0, done.stderr
    expected = CliRunner().invoke(cli, arguments)
    assert expected.exit_code == 0
    assert done.stdout == expected.output
    assert done.stdout.rstrip().endswith("}")


def test_a_file_written_is_complete(tmp_path: Path) -> None:
    state = tmp_path / "after.json"
    done = run("whatif", SEED, "--node-down", "charlie", "--state-out", str(state))
    assert done.returncode == 0, done.stderr
    expected = tmp_path / "expected.json"
    arguments = ["whatif", SEED, "--node-down", "charlie", "--state-out", str(expected)]
    assert CliRunner().invoke(cli, arguments).exit_code == 0
    assert state.read_text(encoding="utf-8") == expected.read_text(encoding="utf-8")


def test_a_profiler_still_gets_its_report(tmp_path: Path) -> None:
    # cProfile writes its statistics after the command returns: a one-shot exit would lose them.
    stats = tmp_path / "profile"
    done = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(stats), "-m", "placement", "check", SEED],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env=BUFFERED)
    assert done.returncode == 0, done.stderr
    assert stats.stat().st_size > 0


def test_bad_input_keeps_its_exit_code_and_message(tmp_path: Path) -> None:
    bad = tmp_path / "bad.place"
    bad.write_text("node a\nbogus\n", encoding="utf-8")
    done = run("check", str(bad))
    assert done.returncode == 1
    assert f"{bad}:2:1: error:" in done.stderr
    assert done.stdout == ""


def test_a_usage_error_keeps_exit_code_two() -> None:
    done = run("whatif", "--no-such-option")
    assert done.returncode == 2
    assert "No such option" in done.stderr
