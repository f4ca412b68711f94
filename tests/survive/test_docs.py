"""docs/survive.md cannot rot: its API example prints what the page says it prints."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = (ROOT / "docs" / "survive.md").read_text(encoding="utf-8")


def test_the_api_example_prints_what_the_page_shows() -> None:
    (example,) = re.findall(r"```python\n(.*?)```", PAGE, flags=re.DOTALL)
    shown = re.search(r"prints\n\n```\n(.*?)```", PAGE.split(example, 1)[1], flags=re.DOTALL).group(1)  # type: ignore[union-attr]
    output = io.StringIO()
    previous = Path.cwd()
    os.chdir(ROOT)
    try:
        with contextlib.redirect_stdout(output):
            exec(compile(example, "docs/survive.md", "exec"), {})
    finally:
        os.chdir(previous)
    assert output.getvalue() == shown
