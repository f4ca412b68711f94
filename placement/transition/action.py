"""The vocabulary of a transition: one action on one resource (or node), and its kinds.

The transition graph (`networkx.DiGraph`) has `Action` objects as nodes and an
edge ``a → b`` when ``a`` must complete before ``b`` starts. Actions are hashable
and ordered, so graphs built from the same inputs iterate the same way.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from functools import total_ordering


class Op(enum.Enum):
    """What an action does. Values are the verbs the runtime sends to agents."""

    FENCE = "fence"  # power-cycle or power off a node through a fence device
    STOP = "stop"
    START = "start"
    PROMOTE = "promote"
    DEMOTE = "demote"
    MIGRATE_TO = "migrate_to"  # runs on the source node
    MIGRATE_FROM = "migrate_from"  # runs on the target node
    MONITOR = "monitor"  # start the recurring monitor after a start/promote


@total_ordering
@dataclass(frozen=True, slots=True)
class Action:
    """One step: ``op`` on primitive ``resource`` at ``node``.

    For ``FENCE``, ``resource`` is None and ``node`` is the node being fenced.
    ``clone_instance`` tells copies of a clone's primitive apart. ``reason`` says
    why the action exists ("charlie is unclean", "moving to alice") and does not
    take part in identity.
    """

    op: Op
    node: str
    resource: str | None = None
    clone_instance: str | None = None
    reason: str = field(default="", compare=False)

    def __lt__(self, other: object) -> bool:  # Enum values are not orderable by default
        if not isinstance(other, Action):
            return NotImplemented
        return self.sort_key < other.sort_key

    @property
    def sort_key(self) -> tuple[str, str, str, str]:
        return (self.resource or "", self.op.value, self.node, self.clone_instance or "")

    @property
    def label(self) -> str:
        """Short text id: ``fence charlie``, ``start xray@alice``, ``start iscsi:1@bob``."""
        if self.op is Op.FENCE:
            return f"fence {self.node}"
        instance = f":{self.clone_instance}" if self.clone_instance is not None else ""
        return f"{self.op.value} {self.resource}{instance}@{self.node}"

    def __str__(self) -> str:
        return self.label
