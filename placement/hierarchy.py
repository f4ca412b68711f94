"""Who contains whom: parents, top-level resources, primitives and effective meta.

Derived once from a `Config` and read by the checker, the solver and the
transition builder, so none of them re-walks groups and clones by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from placement.model import NO_META, Clone, Config, Group, Meta, Primitive, Resource, Role
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
        """The clone ``rid`` is (part of), if any (asked per history entry: kept per resource)."""
        cache = self._clones
        if rid in cache:
            return cache[rid]
        found = None
        for candidate in [rid, *self.ancestors(rid)]:
            resource = self.config.resources.get(candidate)
            if isinstance(resource, Clone):
                found = resource
                break
        cache[rid] = found
        return found

    @cached_property
    def _clones(self) -> dict[str, Clone | None]:
        return {}

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

        Clones default to stickiness 1 when nothing sets it (SEMANTICS.md §4). Computed once
        per resource (units, the score table and the transition all ask for it), and shared
        between resources that set nothing of their own: such a resource has exactly the
        effective meta of its container (or, at the top level, of every other such resource).
        """
        found = self._effective.get(rid)
        if found is None:
            found = self._effective[rid] = self._compute_effective(rid)
        return found

    @cached_property
    def _effective(self) -> dict[str, Meta]:
        return {}

    @cached_property
    def _inherited(self) -> dict[str, Meta]:
        return {}

    @cached_property
    def _defaults(self) -> Meta:
        # The cluster's stickiness is the one place the default is written.
        return Meta(stickiness=self.config.cluster.stickiness).over(self.config.resource_defaults)

    @cached_property
    def _plain_top_level(self) -> Meta:
        """The effective meta of a top-level non-clone resource that sets nothing itself."""
        return self._finish(self._defaults, in_clone=False)

    def _compute_effective(self, rid: str) -> Meta:
        resource = self.config.resources[rid]
        if (resource.meta is NO_META or resource.meta == NO_META) and not isinstance(resource, Clone):
            # Nothing of its own and not a clone: `clone_of` and every inherited value are its parent's.
            parent = self.parent.get(rid)
            return self.effective_meta(parent) if parent is not None else self._plain_top_level
        return self._finish(self._inherit(rid), in_clone=self.clone_of(rid) is not None)

    def _inherit(self, rid: str) -> Meta:
        """``rid``'s meta over its containers' (innermost first), over the defaults.

        The same as folding the chain with `Meta.over` from the resource outwards: taking
        the first value set is associative, so each container's part is computed once.
        """
        found = self._inherited.get(rid)
        if found is None:
            parent = self.parent.get(rid)
            fallback = self._defaults if parent is None else self._inherit(parent)
            own = self.config.resources[rid].meta
            found = fallback if own is NO_META or own == NO_META else own.over(fallback)
            self._inherited[rid] = found
        return found

    @staticmethod
    def _finish(meta: Meta, in_clone: bool) -> Meta:
        if meta.stickiness is None and in_clone:
            meta = Meta(stickiness=1).over(meta)
        return meta.over(PACEMAKER_META_DEFAULTS)
