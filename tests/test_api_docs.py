"""The API page's example is real code: it runs as written, from the repository root."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def test_the_api_example_runs_and_prints_the_seed_scenario() -> None:
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    output = io.StringIO()
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(output):
            exec(compile(example, "docs/api.md", "exec"), {})
    finally:
        os.chdir(previous)
    lines = output.getvalue().splitlines()
    assert lines[0] == "Fence (reboot) charlie 'peer is no longer part of the cluster'"
    assert "fenced" in lines
    assert lines[-1].startswith("[") and "Recover" in lines[-1]
