"""A one-shot command reads its CIB outside the cyclic garbage collector's sight.

Reading a CIB builds an element tree and the model from it: about a million long-lived
objects at 100 nodes × 10,000 resources and almost no reference cycles (81 objects of
cyclic garbage there), yet each young-generation collection walks every object made since
the last one, and pausing the collector only defers that walk to the first collection
after it. So the read runs with the collector paused and then freezes what exists
(``gc.freeze``: moved to a generation the collector never walks) — 0.13 s less of a
100×10,000 what-if (docs/performance.md). What the freeze holds is never examined for
cycles again, which suits the one-shot commands that use it (whatif, plan, survive,
headroom, import: they compute, print and exit, `placement.cli.ONE_SHOT`) and would not
suit a long-running process; the embedded API (`placement.cib`) leaves the host's
collector alone.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside the block; what exists after it is frozen, the collector restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
