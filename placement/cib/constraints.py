"""``<constraints>`` → `Location`, `Colocation`, `ColocationSet`, `Order`, `OrderSet`.

References are expanded the way Pacemaker does (``unpack_*`` in
``pcmk_sched_{location,colocation,ordering}.c``): a template or a tag named by a
constraint stands for every resource built from it / tagged with it; in a simple
colocation or order that becomes a non-sequential resource set. A constraint that
names a resource or node that does not exist is ignored by Pacemaker ("Ignoring
constraint … does not exist"); it is dropped here too, with a warning, so the plan
is Pacemaker's. Tickets depend on the status and are left to `placement.cib.tickets`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final
from xml.etree.ElementTree import Element

from placement.cib import attributes, rules
from placement.cib.values import parse_bool, parse_score_or_none
from placement.cib.xml import Document
from placement.errors import Unsupported
from placement.model import (
    Action,
    Colocation,
    ColocationSet,
    Constraint,
    Discovery,
    Location,
    Order,
    OrderKind,
    OrderSet,
    ResourceSet,
    Role,
)
from placement.score import INFINITY

_ACTIONS: Final = {action.value: action for action in Action}


class Skip(Exception):
    """A constraint Pacemaker would ignore; the message says why."""


@dataclass(frozen=True)
class References:
    """What constraint ids may name: resources, templates/tags (→ members), nodes."""

    resources: frozenset[str]
    expansions: dict[str, tuple[str, ...]]  # template or tag id → resources it stands for
    nodes: frozenset[str]

    def expand(self, name: str) -> tuple[str, ...]:
        if name in self.resources:
            return (name,)
        if name in self.expansions:
            return self.expansions[name]
        raise Skip(f"resource {name!r} does not exist")


def unpack(document: Document, section: Element | None, refs: References, warnings: list[str]) -> list[Constraint]:
    """Every constraint of ``<constraints>`` in document order (some expand to several)."""
    constraints: list[Constraint] = []
    if section is None:
        return constraints
    for element in section:
        element = document.resolve(element)
        try:
            if element.tag == "rsc_location":
                constraints.extend(_location(document, element, refs, warnings))
            elif element.tag == "rsc_colocation":
                constraints.append(_colocation(document, element, refs, warnings))
            elif element.tag == "rsc_order":
                constraints.append(_order(document, element, refs, warnings))
            elif element.tag == "rsc_ticket":
                continue  # needs the status: `placement.cib.tickets` turns it into bans
            else:
                raise document.error(element, f"unexpected <{element.tag}> in <constraints>")
        except Skip as skip:
            warnings.append(f"{document.span(element)}: ignoring {element.tag} {element.get('id')!r}: {skip}")
    return constraints


# ----------------------------------------------------------------------------- location


def _location(document: Document, element: Element, refs: References, warnings: list[str]) -> list[Location]:
    cid = document.require(element, "id")
    role = _location_role(document, element)
    discovery = None
    if element.get("resource-discovery"):
        try:
            discovery = Discovery(element.get("resource-discovery", "").strip().lower())
        except ValueError:
            # compat(pacemaker): pcmk__new_location refuses the constraint, not the CIB.
            raise Skip(f"resource-discovery {element.get('resource-discovery')!r} is not valid") from None
    rule_elements = element.findall("rule")
    per_resource = False
    node = element.get("node")
    score = INFINITY
    if node is not None and element.get("score") is not None:
        # compat(pacemaker): unpack_rsc_location uses node + score before any rule.
        if node not in refs.nodes:
            raise Skip(f"node {node!r} does not exist")
        located = {"node": node}
        score = _score(document, element, f"location {cid!r}", warnings)
    elif rule_elements:
        # A rule reading the resource's params or meta (value-source) differs per resource.
        per_resource = rules.uses_value_source(document, rule_elements)
        located = {"rules": () if per_resource else tuple(rules.rule(document, r) for r in rule_elements)}
    else:
        # compat(pacemaker): "Ignoring constraint because it contains no rules".
        raise Skip("it has no rule and no node with a score")
    common = dict(score=score, role=role, discovery=discovery, id=cid, span=document.span(element))
    pattern = element.get("rsc-pattern")
    if pattern is not None and not per_resource:
        return [Location(pattern=pattern, **located, **common)]
    if pattern is not None:
        targets = [(name, role) for name in _matching(document, pattern)]
    elif element.get("rsc") is not None:
        targets = [(name, role) for name in refs.expand(element.get("rsc", ""))]
    else:
        sets = element.findall("resource_set")
        if not sets:
            raise document.error(element, f"location {cid!r} names no resource (rsc, rsc-pattern or a set)")
        targets = []
        for resource_set in sets:
            resolved = resource_set_of(document, resource_set, refs)
            set_role = resolved.role if resolved.role is Role.PROMOTED else None
            targets.extend((name, set_role or role) for name in resolved.resources)

    def located_for(name: str) -> dict[str, object]:
        if not per_resource:
            return located
        resource = attributes.resource_values(document, name)
        return {"rules": tuple(rules.rule(document, r, resource) for r in rule_elements)}

    return [
        # one constraint per resource; ids stay unique when a tag or set expands to several
        Location(
            resource=name,
            **located_for(name),  # type: ignore[arg-type]
            **{**common, "role": target_role, "id": cid if len(targets) == 1 else f"{cid}-{name}"},
        )
        for name, target_role in targets
    ]


def _matching(document: Document, pattern: str) -> list[str]:
    """Top-level resources whose id ``rsc-pattern`` matches (unanchored; ``!`` inverts)."""
    inverted = pattern.startswith("!")
    compiled = re.compile(pattern[1:] if inverted else pattern)
    section = document.root.find("configuration/resources")
    ids = [child.get("id", "") for child in (section if section is not None else ()) if child.get("id")]
    return [rid for rid in ids if (compiled.search(rid) is not None) != inverted]


def _location_role(document: Document, element: Element) -> Role | None:
    text = element.get("role")
    if not text:
        return None
    try:
        role = Role.parse(text)
    except ValueError:
        # compat(pacemaker): "Invalid constraint: Bad role" drops the constraint.
        raise Skip(f"unknown role {text!r}") from None
    # compat(pacemaker): Started and Unpromoted filters apply to every role (§3 "role").
    return role if role is Role.PROMOTED else None


# ----------------------------------------------------------------------------- colocation


def _colocation(document: Document, element: Element, refs: References, warnings: list[str]) -> Constraint:
    cid = document.require(element, "id")
    for unsupported in ("rsc-instance", "with-rsc-instance"):
        if element.get(unsupported):
            raise Unsupported(f"colocation {unsupported}", cid)
    if element.get("score") is None:
        # compat(pacemaker): a missing score is 0, and pcmk__new_colocation ignores score 0.
        raise Skip("it has no score (0), so it has no effect")
    score = _score(document, element, f"colocation {cid!r}", warnings)
    node_attribute = element.get("node-attribute")
    sets = element.findall("resource_set")
    if sets:
        return ColocationSet(
            sets=_colocation_sets(document, [document.resolve(s) for s in sets], refs, score, cid),
            score=score,
            node_attribute=node_attribute,
            id=cid,
            span=document.span(element),
        )
    dependent_name, primary_name = document.require(element, "rsc"), document.require(element, "with-rsc")
    dependent, primary = refs.expand(dependent_name), refs.expand(primary_name)
    if dependent_name not in refs.resources and primary_name not in refs.resources:
        # compat(pacemaker): unpack_colocation_tags — "two templates or tags cannot be colocated".
        raise Skip("two templates or tags cannot be colocated")
    dependent_role = _colocation_role(document, element, "rsc-role", warnings)
    primary_role = _colocation_role(document, element, "with-rsc-role", warnings)
    influence = None
    if element.get("influence") is not None:
        influence = parse_bool(element.get("influence", ""))
        if influence is None:
            # compat(pacemaker): unpack_influence "has invalid value for influence (using default)".
            _warn(document, element, warnings, f"influence {element.get('influence')!r} is not a boolean; default used")
    if len(dependent) == 1 and len(primary) == 1:
        return Colocation(
            dependent=dependent[0],
            primary=primary[0],
            score=score,
            dependent_role=dependent_role,
            primary_role=primary_role,
            node_attribute=node_attribute,
            influence=influence,
            id=cid,
            span=document.span(element),
        )
    if influence is not None:
        raise Unsupported("influence on a colocation with a template or tag", cid)
    # compat(pacemaker): a template/tag in a simple colocation becomes a non-sequential set.
    return ColocationSet(
        sets=(
            ResourceSet(dependent, sequential=len(dependent) == 1, role=dependent_role),
            ResourceSet(primary, sequential=len(primary) == 1, role=primary_role),
        ),
        score=score,
        node_attribute=node_attribute,
        id=cid,
        span=document.span(element),
    )


def _colocation_sets(
    document: Document, elements: list[Element], refs: References, score: int, cid: str
) -> tuple[ResourceSet, ...]:
    """The sets of a colocation, a ``listed`` one reversed.

    compat(pacemaker): ``unpack_colocation_set`` reads ``ordering`` (the only place 2.1.5
    does): with the default ``group`` each member is placed with the one before it, with
    any other value each member with the one after it — the chain of the reversed list.
    Between sets (``colocate_rsc_sets``) it is ignored, so a ``listed`` set among several
    cannot be written as a reversed set.
    """
    found = []
    for element in elements:
        resolved = resource_set_of(document, element, refs)
        listed = (element.get("ordering") or "group").lower() != "group"
        if listed and resolved.sequential and score > 0:
            if len(elements) > 1:
                raise Unsupported("resource set ordering=listed among several sets", element.get("id"))
            resolved = replace(resolved, resources=resolved.resources[::-1])
        found.append(resolved)
    return tuple(found)


def _colocation_role(document: Document, element: Element, attribute: str, warnings: list[str]) -> Role | None:
    text = element.get(attribute)
    if not text:
        return None
    try:
        role = Role.parse(text)
    except ValueError:
        # compat(pacemaker): text2role gives RSC_ROLE_UNKNOWN, which matches every role.
        _warn(document, element, warnings, f"unknown {attribute} {text!r} read as any role")
        return None
    # compat(pacemaker): a Started role means any role (§5 "Roles").
    return None if role is Role.STARTED else role


# ----------------------------------------------------------------------------- order


def _order(document: Document, element: Element, refs: References, warnings: list[str]) -> Constraint:
    cid = document.require(element, "id")
    kind = _order_kind(document, element, warnings)
    symmetrical = None
    if element.get("symmetrical") is not None:
        symmetrical = parse_bool(element.get("symmetrical", ""))
        if symmetrical is None:
            # compat(pacemaker): pcmk__xe_get_bool_attr fails, so the default applies.
            text = element.get("symmetrical")
            _warn(document, element, warnings, f"symmetrical={text!r} is not a boolean; default used")
    sets = element.findall("resource_set")
    if sets:
        return OrderSet(
            sets=tuple(resource_set_of(document, s, refs) for s in sets),
            kind=kind,
            symmetrical=symmetrical,
            id=cid,
            span=document.span(element),
        )
    first = refs.expand(document.require(element, "first"))
    then = refs.expand(document.require(element, "then"))
    first_action = _action(document, element, element.get("first-action") or "start")
    then_action = _action(document, element, element.get("then-action")) if element.get("then-action") else None
    require_all = True
    if element.get("require-all") is not None:
        parsed = parse_bool(element.get("require-all", ""))
        if parsed is None:
            text = element.get("require-all")
            _warn(document, element, warnings, f"require-all={text!r} is not a boolean; default used")
        else:
            require_all = parsed
    if len(first) == 1 and len(then) == 1 and require_all:
        return Order(
            first=first[0],
            then=then[0],
            first_action=first_action,
            then_action=then_action,
            kind=kind,
            symmetrical=symmetrical,
            id=cid,
            span=document.span(element),
        )
    # compat(pacemaker): templates/tags become non-sequential sets; require-all=false on
    # the order means "then" needs only one instance of "first" (clone-min 1, §7).
    return OrderSet(
        sets=(
            ResourceSet(first, sequential=len(first) == 1, require_all=require_all, action=first_action),
            ResourceSet(then, sequential=len(then) == 1, action=then_action or first_action),
        ),
        kind=kind,
        symmetrical=symmetrical,
        id=cid,
        span=document.span(element),
    )


def _order_kind(document: Document, element: Element, warnings: list[str]) -> OrderKind:
    kind = element.get("kind")
    if kind is not None:
        try:
            return OrderKind(kind.strip().lower())
        except ValueError:
            # compat(pacemaker): get_ordering_type "Resetting 'kind' ... to 'Mandatory'".
            _warn(document, element, warnings, f"unknown kind {kind!r} read as Mandatory")
            return OrderKind.MANDATORY
    if element.get("score") is None:
        return OrderKind.MANDATORY
    score = _score(document, element, f"order {element.get('id')!r}", warnings)
    # compat(pacemaker): the deprecated score means Optional when 0, else Mandatory (§7).
    return OrderKind.OPTIONAL if score == 0 else OrderKind.MANDATORY


def _score(document: Document, element: Element, what: str, warnings: list[str]) -> int:
    """The ``score`` attribute as ``char2score`` reads it: text without a number is 0."""
    text = element.get("score", "")
    score = parse_score_or_none(text)
    if score is None:
        _warn(document, element, warnings, f"score {text!r} is not a score; read as 0")
        return 0
    return score


def _warn(document: Document, element: Element, warnings: list[str], message: str) -> None:
    warnings.append(f"{document.span(element)}: {element.tag} {element.get('id')!r}: {message}, as Pacemaker does")


def _action(document: Document, element: Element, text: str | None) -> Action:
    word = (text or "start").strip().lower()
    action = _ACTIONS.get(word)
    if action is None:
        raise Unsupported(f"order action {word!r}", element.get("id"))
    return action


# ----------------------------------------------------------------------------- sets


def resource_set_of(document: Document, element: Element, refs: References) -> ResourceSet:
    """A ``<resource_set>`` with its references expanded (templates and tags in place)."""
    element = document.resolve(element)
    sid = element.get("id")
    # compat(pacemaker): ``ordering`` matters only to colocations (`_colocation_sets`);
    # orders and locations ignore it.
    if element.get("score") is not None:
        raise Unsupported("score on a resource set", sid)
    members: list[str] = []
    for ref in element.findall("resource_ref"):
        members.extend(refs.expand(document.require(ref, "id")))
    if not members:
        raise document.error(element, f"resource set {sid!r} is empty")

    def flag(name: str, default: bool) -> bool:
        text = element.get(name)
        if text is None:
            return default
        parsed = parse_bool(text)
        if parsed is None:
            raise document.error(element, f"resource set {sid!r}: {name} is not a boolean")
        return parsed

    role = _parse_role(document, element, element.get("role", "")) if element.get("role") else None
    action = _action(document, element, element.get("action")) if element.get("action") else None
    return ResourceSet(
        resources=tuple(dict.fromkeys(members)),
        sequential=flag("sequential", True),
        require_all=flag("require-all", True),
        role=None if role is Role.STARTED else role,
        action=action,
        id=sid,
        span=document.span(element),
    )


def _parse_role(document: Document, element: Element, text: str) -> Role:
    try:
        return Role.parse(text)
    except ValueError:
        raise document.error(element, f"<{element.tag} id={element.get('id')!r}>: unknown role {text!r}") from None
