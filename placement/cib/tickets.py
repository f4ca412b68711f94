"""Tickets (``rsc_ticket`` + ``<tickets>`` in the status) as the bans they amount to.

A ticket is granted to one site of a multi-site cluster; resources that depend on it may
only run (or be promoted) while it is granted and not in standby. placement has no
tickets, but what a ticket decides for one scheduler run is expressible: Pacemaker's
``rsc_ticket_constraint`` (``pcmk_sched_tickets.c``) turns a missing ticket into a
-INFINITY location everywhere (or, for ``rsc-role=Promoted``, a ban on promotion), and
its ``loss-policy`` into fencing (``fence``: the nodes running the resource become
unclean) or leaving active copies alone (``freeze``: they become unmanaged). A granted
ticket changes nothing. So a CIB with tickets imports as the equivalent bans and state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final
from xml.etree.ElementTree import Element

from placement.cib.constraints import References, Skip, resource_set_of
from placement.cib.values import is_true
from placement.cib.xml import Document
from placement.hierarchy import Hierarchy
from placement.model import Config, Defined, Location, Role, Rule
from placement.score import INFINITY
from placement.state import Instance, NodeStatus, State

_POLICIES: Final = frozenset({"stop", "demote", "fence", "freeze"})
_EVERY_NODE: Final = Defined("#uname")


@dataclass(frozen=True, slots=True)
class _Dependency:
    """One resource's dependency on a ticket."""

    constraint: str
    resource: str
    ticket: str
    role: Role | None  # rsc-role; None when not given
    policy: str


def apply(
    document: Document, config: Config, state: State, refs: References, warnings: list[str]
) -> tuple[Config, State]:
    """``config`` with the bans the tickets imply, ``state`` with their fencing and freezing.

    ``refs`` resolves the names a ticket constraint may use (resources, templates, tags).
    """
    section = document.root.find("configuration/constraints")
    elements = section.findall("rsc_ticket") if section is not None else []
    if not elements:
        return config, state
    granted, standby = _ticket_states(document)
    hierarchy = Hierarchy(config)
    locations: list[Location] = []
    instances = list(state.instances)
    fence: set[str] = set()
    for element in elements:
        try:
            dependencies = list(_dependencies(document, element, refs))
        except Skip as skip:
            warnings.append(f"{document.span(element)}: ignoring rsc_ticket {element.get('id')!r}: {skip}")
            continue
        for dependency in dependencies:
            revoked = not granted.get(dependency.ticket, False)
            in_standby = standby.get(dependency.ticket, False)
            if not revoked and not in_standby:
                continue  # a granted ticket changes nothing
            for primitive in hierarchy.primitives_in(dependency.resource):
                locations.extend(_bans(dependency, primitive, revoked, instances, fence))
    nodes = dict(state.nodes)
    for name in sorted(fence):
        # compat(pacemaker): loss-policy=fence fences the nodes running it ("deadman ticket was lost").
        nodes[name] = replace(state.node(name), status=NodeStatus.UNCLEAN)
    config = replace(config, constraints=config.constraints + tuple(locations))
    return config, replace(state, nodes=nodes, instances=tuple(instances))


def _bans(dependency: _Dependency, primitive: str, revoked: bool, instances: list[Instance], fence: set[str]):
    """``rsc_ticket_constraint`` for one primitive: the locations it adds (and state edits)."""
    role, policy = dependency.role, dependency.policy
    promoted_only = role is Role.PROMOTED
    running = [i for i, copy in enumerate(instances) if copy.resource == primitive]
    if revoked and running:
        if policy == "stop" or (policy == "demote" and not promoted_only):
            yield _ban(dependency, primitive, None)
        elif policy == "fence":
            matching = [i for i in running if _role_matches(role, instances[i].role)]
            fence.update(instances[i].node for i in matching)
            if matching and len(matching) == len(running):
                # The ban is Pacemaker's per copy; a copy in another role is left alone.
                yield _ban(dependency, primitive, None)
        elif policy == "freeze":
            # Copies in the ticket's role stay where they are, untouched (and a ban would
            # contradict them: the model has no per-copy bans).
            for i in running:
                if _role_matches(role, instances[i].role):
                    instances[i] = replace(instances[i], managed=False)
    elif not promoted_only or policy == "stop":
        yield _ban(dependency, primitive, None)
    frozen = revoked and policy == "freeze" and any(_role_matches(role, instances[i].role) for i in running)
    if promoted_only and not frozen:
        # compat(pacemaker): a Promoted-role ticket that is missing or in standby blocks
        # promotion (an unmanaged promoted copy keeps its role).
        yield _ban(dependency, primitive, Role.PROMOTED)


def _role_matches(wanted: Role | None, actual: Role) -> bool:
    """``filter_rsc_ticket``: a ticket with a role only concerns copies in that role."""
    return wanted is None or wanted is actual


def _ban(dependency: _Dependency, primitive: str, role: Role | None) -> Location:
    suffix = "-promotion" if role is Role.PROMOTED else ""
    return Location(
        resource=primitive,
        rules=(Rule(_EVERY_NODE, score=-INFINITY, role=role, id=f"{dependency.constraint}-{primitive}{suffix}"),),
        id=f"ticket-{dependency.ticket}-{dependency.constraint}-{primitive}{suffix}",
    )


def _ticket_states(document: Document) -> tuple[dict[str, bool], dict[str, bool]]:
    granted: dict[str, bool] = {}
    standby: dict[str, bool] = {}
    for ticket in document.root.iterfind("status/tickets/ticket_state"):
        name = document.require(ticket, "id")
        granted[name] = is_true(ticket.get("granted"))
        standby[name] = is_true(ticket.get("standby"))
    return granted, standby


def _dependencies(document: Document, element: Element, refs: References):
    cid = document.require(element, "id")
    ticket = document.require(element, "ticket")
    policy = (element.get("loss-policy") or "stop").strip().lower()
    if policy not in _POLICIES:
        raise document.error(element, f"ticket constraint {cid!r}: unknown loss-policy {policy!r}")
    targets: list[tuple[str, Role | None]] = []
    if element.get("rsc"):
        targets.append((element.get("rsc", ""), _role(document, element, element.get("rsc-role"))))
    for resource_set in element.findall("resource_set"):
        resolved = resource_set_of(document, resource_set, refs)
        set_role = _role(document, resource_set, document.resolve(resource_set).get("role"))
        targets.extend((name, set_role) for name in resolved.resources)
    for name, role in targets:
        for resource in refs.expand(name):  # raises Skip for a resource that does not exist
            yield _Dependency(cid, resource, ticket, role, policy)


def _role(document: Document, element: Element, text: str | None) -> Role | None:
    if not text:
        return None
    try:
        return Role.parse(text)
    except ValueError:
        raise document.error(element, f"<{element.tag} id={element.get('id')!r}>: unknown role {text!r}") from None
