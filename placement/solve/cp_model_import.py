"""OR-Tools' CP-SAT Python API (``ortools.sat.python.cp_model``), loaded without pandas.

``cp_model`` imports pandas at its top for its ``*_series`` helpers (variables indexed
by a ``pd.Index``), which placement never calls; pandas is most of the time the import
takes (about 0.4 s of 0.6 s here), more than a whole what-if of a small cluster. So the
first import runs with a stand-in ``pandas`` whose names are empty classes — enough for
the type aliases and annotations cp_model builds from ``pd.Index`` and ``pd.Series`` at
import — and afterwards cp_model's ``pd`` is a proxy that imports the real pandas on
first use: the series helpers still work for anyone who calls them, they just pay the
import then. The stand-in is never left in ``sys.modules``; when pandas or cp_model is
already loaded, this is a plain import.
"""

from __future__ import annotations

import sys
import threading
import types
from typing import TYPE_CHECKING, Any

_LOCK = threading.Lock()


class _StandIn(types.ModuleType):
    """``pandas`` while cp_model is imported: every name is a class of its own."""

    def __getattr__(self, name: str) -> type:
        if name.startswith("__"):
            raise AttributeError(name)
        value = type(name, (), {"__module__": "pandas"})
        setattr(self, name, value)
        return value


class _OnFirstUse(types.ModuleType):
    """``pandas`` after the import: the real module, imported when a name is first read."""

    def __getattr__(self, name: str) -> Any:
        import pandas

        return getattr(pandas, name)


def load_cp_model() -> types.ModuleType:
    """The ``ortools.sat.python.cp_model`` module (imported once, without pandas)."""
    loaded = sys.modules.get("ortools.sat.python.cp_model")
    if loaded is not None:
        return loaded
    with _LOCK:
        if "pandas" in sys.modules:
            from ortools.sat.python import cp_model

            return cp_model
        stand_in = _StandIn("pandas")
        sys.modules["pandas"] = stand_in
        try:
            from ortools.sat.python import cp_model
        finally:
            if sys.modules.get("pandas") is stand_in:
                del sys.modules["pandas"]
        if cp_model.pd is stand_in:
            cp_model.pd = _OnFirstUse("pandas")
        return cp_model


if TYPE_CHECKING:
    from ortools.sat.python import cp_model
else:
    cp_model = load_cp_model()
