"""Copies of a new resource written in the .place language, added to an existing configuration.

The template is a fragment — ``resource web ocf:heartbeat:apache uses cpu=2``, optionally
followed by its own constraints (``colocation web with cl_iscsi``) — that may refer to
anything the configuration defines. Copy *i* renames every identifier the fragment
defines (its resources and constraint ids) to ``NAME-i``. The text is parsed once with
as many copies as may be asked for; `Copies.config` then keeps the first *n*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from placement.errors import InvalidInput
from placement.hierarchy import Hierarchy
from placement.lang import dumps, loads
from placement.model import Config, frozen_map

SOURCE = "--add"


@dataclass(frozen=True)
class Copies:
    """The configuration with up to ``most`` copies of the template, ready to cut at any count."""

    base: Config
    full: Config
    names: tuple[str, ...]  # the template's resources (copy 1 is ``name-1``)
    most: int

    def config(self, count: int) -> Config:
        """The base configuration plus the first ``count`` copies."""
        if not 0 <= count <= self.most:
            raise ValueError(f"between 0 and {self.most} copies, not {count}")
        extra = len(self.full.constraints) - len(self.base.constraints)
        per_copy = extra // self.most if self.most else 0
        kept = {f"{name}-{i}" for name in self.names for i in range(1, count + 1)}
        resources = {rid: r for rid, r in self.full.resources.items() if rid in self.base.resources or rid in kept}
        constraints = self.full.constraints[: len(self.base.constraints) + per_copy * count]
        return replace(self.full, resources=frozen_map(resources), constraints=constraints)

    def copy_names(self, count: int) -> list[str]:
        """The primitives of the first ``count`` copies (what must run for them to count)."""
        hierarchy = Hierarchy(self.full)
        tops = [f"{name}-{i}" for i in range(1, count + 1) for name in self.names]
        return [rid for top in tops for rid in hierarchy.primitives_in(top)]


def copies(config: Config, template: str, most: int) -> Copies:
    """Parse ``template`` against ``config``; raises `InvalidInput` (positions in the fragment) if wrong."""
    base_text = dumps(config)
    # The fragment first, so that diagnostics point into it (--add:LINE:COLUMN).
    alone = loads(template + "\n" + base_text, SOURCE)
    names = tuple(rid for rid in alone.resources if rid not in config.resources)
    if not names:
        raise InvalidInput(f"{SOURCE}: the template defines no new resource (write 'resource NAME AGENT …')")
    tops = [rid for rid in Hierarchy(alone).top_level if rid in names]
    ids = [c.id for c in alone.constraints[: len(alone.constraints) - len(config.constraints)] if c.id]
    defined = sorted(set(names) | set(ids), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w./-])(" + "|".join(map(re.escape, defined)) + r")(?![\w./-])")
    clash = [f"{name}-{i}" for name in defined for i in (1, most) if f"{name}-{i}" in config.resources]
    if clash:
        raise InvalidInput(f"{SOURCE}: copies would be named like existing resources: {', '.join(clash)}")
    texts = [pattern.sub(lambda m, i=i: f"{m.group(1)}-{i}", template) for i in range(1, most + 1)]
    full = loads(base_text + "\n" + "\n".join(texts), SOURCE)
    return Copies(config, full, tuple(tops), most)
