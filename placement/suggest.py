"""The "did you mean" hint of a message that names something unknown.

Its own module, free of the parser: the CIB path and the state reader use it without
loading the ``.place`` grammar (docs/performance.md).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string.

    >>> did_you_mean("interleaf", ["interleave", "ordered"])
    " (did you mean 'interleave'?)"
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
