"""Who contains whom: parents, top-level resources, primitives and effective meta.

Derived once from a `Config` and read by the checker, the solver and the
transition builder, so none of them re-walks groups and clones by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from placement.model import Clone, Config, Group, Meta, Primitive, Resource, Role
from placement.score import INFINITY

# compat(pacemaker): defaults from lib/pengine/complex.c (SEMANTICS.md §4).
PACEMAKER_META_DEFAULTS = Meta(
    priority=0,
    stickiness=0,
    target_role=Role.STARTED,
    managed=True,
    maintenance=False,
    migration_threshold=INFINITY,
    failure_timeout=0,
    allow_migrate=False,
    requires=None,
    critical=True,
    multiple_active="stop_start",
)


@dataclass(frozen=True)
class Hierarchy:
    """The containment tree of a configuration's resources."""

    config: Config

    @cached_property
    def parent(self) -> dict[str, str]:
        """Child id → id of the group or clone that contains it."""
        parents: dict[str, str] = {}
        for rid, resource in self.config.resources.items():
            if isinstance(resource, Group):
                for member in resource.members:
                    parents[member] = rid
            elif isinstance(resource, Clone):
                parents[resource.child] = rid
        return parents

    @cached_property
    def top_level(self) -> tuple[str, ...]:
        """Resources that nothing contains, in definition order."""
        return tuple(rid for rid in self.config.resources if rid not in self.parent)

    def ancestors(self, rid: str) -> list[str]:
        """Containers of ``rid``, innermost first."""
        chain = []
        while rid in self.parent:
            rid = self.parent[rid]
            chain.append(rid)
        return chain

    def root(self, rid: str) -> str:
        """The top-level resource that holds ``rid`` (``rid`` itself if top-level)."""
        chain = self.ancestors(rid)
        return chain[-1] if chain else rid

    def clone_of(self, rid: str) -> Clone | None:
        """The clone ``rid`` is (part of), if any."""
        for candidate in [rid, *self.ancestors(rid)]:
            resource = self.config.resources.get(candidate)
            if isinstance(resource, Clone):
                return resource
        return None

    def group_of(self, rid: str) -> Group | None:
        """The group that directly contains primitive ``rid``, if any."""
        parent = self.config.resources.get(self.parent.get(rid, ""))
        return parent if isinstance(parent, Group) else None

    def primitives_in(self, rid: str) -> list[str]:
        """Every primitive inside ``rid`` (itself when it is a primitive), in order."""
        resource: Resource = self.config.resources[rid]
        if isinstance(resource, Primitive):
            return [rid]
        if isinstance(resource, Group):
            return [p for member in resource.members for p in self.primitives_in(member)]
        return self.primitives_in(resource.child)

    def effective_meta(self, rid: str) -> Meta:
        """Meta of ``rid`` with unset values inherited from containers, then defaults.

        Clones default to stickiness 1 when nothing sets it (SEMANTICS.md §4).
        """
        meta = self.config.resources[rid].meta
        for ancestor in self.ancestors(rid):
            meta = meta.over(self.config.resources[ancestor].meta)
        # The cluster's stickiness is the one place the default is written.
        defaults = Meta(stickiness=self.config.cluster.stickiness).over(self.config.resource_defaults)
        meta = meta.over(defaults)
        if meta.stickiness is None and self.clone_of(rid) is not None:
            meta = Meta(stickiness=1).over(meta)
        return meta.over(PACEMAKER_META_DEFAULTS)
