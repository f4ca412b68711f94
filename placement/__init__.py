"""placement: a declarative planner for highly available clusters.

The embedded API, imported lazily so that ``import placement`` stays cheap:

>>> import placement
>>> config = placement.loads("node alice\\nresource vip ocf:heartbeat:IPaddr2 ip=192.0.2.5")
>>> sorted(config.resources)
['vip']
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

# name → module that defines it; resolved on first use.
_API = {
    "load": "placement.lang",
    "loads": "placement.lang",
    "dumps": "placement.lang",
    "check": "placement.lang",
    "plan": "placement.planning",
    "steady_state": "placement.planning",
    "Plan": "placement.planning",
    "Config": "placement.model",
    "State": "placement.state",
    "PlacementError": "placement.errors",
    "InvalidInput": "placement.errors",
    "Unsupported": "placement.errors",
    "survive": "placement.survival",
    "headroom": "placement.survival",
    "SurvivalReport": "placement.survival",
    "Headroom": "placement.survival",
}

__all__ = sorted([*_API, "solve"])
__version__ = "0.1.0"


# Submodules reachable as attributes without importing them first.
_MODULES = {"events", "planning", "state_json", "hierarchy", "model", "state"}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"placement.{name}")
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'placement' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


class _Package(types.ModuleType):
    """This package, with `placement.solve` the function, loaded on first use.

    The function shares its name with the subpackage `placement/solve/`, and Python binds a
    subpackage to its parent's attribute whenever it loads it: the setter below keeps the
    function there instead, so ``placement.solve`` is the function however it was reached.
    """

    @property
    def solve(self) -> Any:
        from placement.solve import solve

        return solve

    @solve.setter
    def solve(self, _subpackage: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package
