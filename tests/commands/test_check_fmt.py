"""The check and fmt commands: output, exit codes, --write and --check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from placement.cli import cli

KVM = Path(__file__).parents[2] / "examples" / "kvm.place"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_check_prints_a_summary_and_exits_zero() -> None:
    result = run("check", str(KVM))
    assert result.exit_code == 0
    assert result.stdout == "ok: 3 nodes, 8 resources, 12 constraints\n"


def test_check_several_files_names_each(tmp_path: Path) -> None:
    other = tmp_path / "one.place"
    other.write_text("cluster fencing=off\nnode a\n")
    result = run("check", str(KVM), str(other))
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"ok: {KVM}: 3 nodes, 8 resources, 12 constraints",
                                          f"ok: {other}: 1 node, 0 resources, 0 constraints"]


def test_check_reports_every_error_and_exits_one(tmp_path: Path) -> None:
    bad = tmp_path / "bad.place"
    bad.write_text("cluster fencing=off\nnode alice\nlocation x prefers alice\norder y then z\n")
    result = run("check", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:3:10: error: location: resource 'x' does not exist" in result.stderr
    assert f"{bad}:4:7: error: order: resource 'y' does not exist" in result.stderr
    assert "3 errors, 0 warnings" in result.stderr
    assert result.stdout == ""


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    warned = tmp_path / "warn.place"
    warned.write_text("node alice\n")
    assert run("check", str(warned)).exit_code == 0
    strict = run("check", "--strict", str(warned))
    assert strict.exit_code == 1 and "warning: fencing is on" in strict.stderr


def test_missing_file_is_invalid_input_not_a_traceback(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope.place"))
    assert result.exit_code == 1
    assert "nope.place: cannot read: No such file or directory" in result.stderr


def test_fmt_prints_canonical_text(tmp_path: Path) -> None:
    messy = tmp_path / "messy.place"
    messy.write_text("node   a\n\n\nresource r ocf:heartbeat:Dummy   meta resource-stickiness=5 # c\n"
                     "cluster fencing=off\nlocation r prefers a -20\n")
    result = run("fmt", str(messy))
    assert result.exit_code == 0
    assert result.stdout == ("cluster fencing=false\n\nnode a\n\nresource r ocf:heartbeat:Dummy meta stickiness=5\n"
                             "\nlocation r avoids a 20\n")


def test_fmt_check_and_write(tmp_path: Path) -> None:
    messy = tmp_path / "messy.place"
    messy.write_text("cluster fencing=off\nnode   a\n")
    check = run("fmt", "--check", str(messy))
    assert check.exit_code == 1
    assert "-node   a" in check.stdout and "+node a" in check.stdout
    write = run("fmt", "--write", str(messy))
    assert write.exit_code == 0 and f"reformatted {messy}" in write.stderr
    assert messy.read_text() == "cluster fencing=false\n\nnode a\n"
    assert run("fmt", "--check", str(messy)).exit_code == 0


def test_fmt_refuses_invalid_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.place"
    bad.write_text("node a\nlocation x prefers a\n")
    result = run("fmt", "--write", str(bad))
    assert result.exit_code == 1 and "resource 'x' does not exist" in result.stderr
    assert bad.read_text() == "node a\nlocation x prefers a\n"


def test_usage_errors_exit_two() -> None:
    assert run("check").exit_code == 2
    assert run("fmt", "--write", "--check", str(KVM)).exit_code == 2
    assert run("no-such-command").exit_code == 2


def test_the_module_entry_point_reports_bad_input_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.place"
    bad.write_text("node alice\nlocation xray prefers alice fifty\n")
    done = subprocess.run([sys.executable, "-m", "placement", "check", str(bad)],
                          capture_output=True, text=True, timeout=60, cwd=Path(__file__).parents[2])
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"{bad}:2:29: error: expected a score or 'inf' after 'prefers alice', got 'fifty'" in done.stderr
