"""Which units a constraint's resource name stands for (SEMANTICS.md §5 "Groups", "With a clone").

A colocation or order names primitives, groups or clones; the solver places units. A group
as *dependent* means its first member; as *primary* its last member for a mandatory
colocation and its first for any other (compat(pacemaker): ``colocate_with_group``) —
except that a mandatory colocation binds every member of a dependent group
(`placement.solve.colocation.lower`); a clone means every copy of its child.
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.bundle import ref_members
from placement.errors import Diagnostic, InvalidInput, Severity
from placement.hierarchy import Hierarchy
from placement.model import Clone, Config, Group, Role
from placement.solve.units import Unit


@dataclass(frozen=True, slots=True)
class Ref:
    """A constraint endpoint: the units it covers and the role it asks for (None = any)."""

    resource: str
    units: tuple[str, ...]
    role: Role | None = None

    def __str__(self) -> str:
        return self.resource if self.role in (None, Role.STARTED) else f"{self.resource} ({self.role.value})"


class RefResolver:
    """Resolves resource ids to `Ref`s for one configuration."""

    def __init__(self, config: Config, hierarchy: Hierarchy, units: tuple[Unit, ...]) -> None:
        self._config = config
        self._hierarchy = hierarchy
        self._by_primitive: dict[str, list[str]] = {}
        for unit in units:
            self._by_primitive.setdefault(unit.primitive, []).append(unit.key)

    def resolve(
        self,
        resource: str,
        role: Role | None,
        as_primary: bool,
        where: object = None,
        whole_group: bool = False,
        mandatory: bool = True,
    ) -> Ref:
        """The units ``resource`` stands for; a clone's child primitive stands for the clone.

        ``where`` (the constraint) only serves the error when ``resource`` does not exist.
        ``whole_group`` makes a group stand for every member instead of its first or last.
        ``mandatory=False`` (a colocation below +INFINITY) makes a group as primary stand for
        its first member: compat(pacemaker): ``colocate_with_group`` — for an optional
        colocation whether the group is partly or fully up does not matter; only a mandatory
        one needs the whole group, and so its last member.
        """
        bundled = ref_members(self._config, resource)
        if bundled is not None:
            # compat(pacemaker): pcmk__bundle_apply_coloc_score — with a bundle is with any
            # of its containers.
            keys = tuple(key for p in bundled for key in self._by_primitive.get(p, ()))
            return Ref(resource, keys, None if role is Role.STARTED else role)
        if resource not in self._config.resources:
            name = getattr(where, "id", None) or type(where).__name__.lower()
            raise InvalidInput(
                Diagnostic(
                    Severity.ERROR, f"{name}: resource {resource!r} does not exist", getattr(where, "span", None)
                )
            )
        target = resource
        clone = self._hierarchy.clone_of(resource)
        if clone is not None and not isinstance(self._config.resources[resource], Clone):
            target = clone.id
        item = self._config.resources[target]
        if isinstance(item, Clone):
            item = self._config.resources[item.child]
        if isinstance(item, Group):
            members = self._hierarchy.primitives_in(item.id)
            primitives = members if whole_group else [members[-1] if as_primary and mandatory else members[0]]
        else:
            primitives = [item.id]
        if role is Role.STARTED:
            role = None
        return Ref(resource, tuple(key for p in primitives for key in self._by_primitive.get(p, ())), role)
