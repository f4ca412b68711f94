"""Bundles: what a ``<bundle>`` (or the language's ``bundle``) becomes (SEMANTICS.md §2 "Bundles").

compat(pacemaker): ``pe__unpack_bundle`` (``lib/pengine/bundle.c``) makes of a bundle with
``replicas`` = n, for each replica i:

* a container primitive ``<bundle>-<launcher>-<i>`` (``ocf:heartbeat:docker``, ``podman``
  or ``rkt``), carrying the inner primitive's utilization;
* with ``ip-range-start``, an ``ocf:heartbeat:IPaddr2`` primitive ``<bundle>-ip-<addr>``
  (addresses counted up from the start, ``next_ip``), colocated with the container and
  started before it;
* with an inner primitive and a usable network (an IP range or a control port), a guest
  node ``<bundle>-<i>`` brought up by the container — the replica's implicit connection
  — on which instance i of the inner primitive runs. The inner primitive becomes a clone
  ``<bundle>-clone`` (``<bundle>-master`` when ``promoted-max`` is set) with
  ``clone-max`` = replicas, ``clone-node-max`` = replicas-per-host, globally unique iff
  replicas-per-host > 1.

A bundle's guest nodes take nothing but the bundle's own child (every other resource gets
−INFINITY there), and the child runs nowhere else. This module is that expansion, shared by
the CIB import and the language, plus the questions the solver asks about it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from placement.model import (
    Agent,
    BoolExpr,
    Bundle,
    Clone,
    Colocation,
    Comparison,
    Config,
    Constraint,
    Location,
    Node,
    NodeKind,
    Operator,
    Order,
    Primitive,
    Resource,
    Role,
    Rule,
    frozen_map,
)
from placement.score import INFINITY

LAUNCHERS = ("docker", "podman", "rkt")
IP_AGENT = Agent("ocf", "heartbeat", "IPaddr2")


def container_id(bundle: Bundle, index: int) -> str:
    """``<bundle>-docker-<i>``: replica ``index``'s container."""
    return f"{bundle.id}-{bundle.launcher}-{index}"


def guest_name(bundle: Bundle, index: int) -> str:
    """``<bundle>-<i>``: replica ``index``'s guest node (and its implicit connection)."""
    return f"{bundle.id}-{index}"


def clone_id(bundle: Bundle) -> str:
    """The clone the inner primitive becomes (``-master`` kept for rolling upgrades)."""
    return f"{bundle.id}-{'master' if bundle.promoted_max else 'clone'}"


def valid_network(bundle: Bundle) -> bool:
    """Whether the cluster can reach a child in the container (``valid_network``)."""
    return bundle.ip_range_start is not None or bundle.control_port is not None


def addresses(bundle: Bundle) -> list[str]:
    """The replicas' IP addresses: counted up from ``ip-range-start`` (``next_ip``), IPv4 only.

    compat(pacemaker): the last octet goes up to 254, then the third octet steps and the
    fourth restarts at 1; past x.x.254.x (or for IPv6) no further address: those replicas
    get no IP.
    """
    if bundle.ip_range_start is None:
        return []
    found = [bundle.ip_range_start]
    while len(found) < bundle.replicas:
        following = _next_ip(found[-1])
        if following is None:
            break
        found.append(following)
    return found


def _next_ip(last: str) -> str | None:
    parts = last.split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts):
        return None
    a, b, c, d = (int(p) for p in parts)
    if c > 253:
        return None
    if d > 253:
        c, d = c + 1, 1
    else:
        d += 1
    return f"{a}.{b}.{c}.{d}"


def ip_id(bundle: Bundle, address: str) -> str:
    """``<bundle>-ip-<addr>`` with the characters an id cannot hold replaced (``crm_xml_sanitize_id``)."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in f"{bundle.id}-ip-{address}")


def containers(bundle: Bundle) -> tuple[str, ...]:
    return tuple(container_id(bundle, i) for i in range(bundle.replicas))


def guests(bundle: Bundle) -> tuple[str, ...]:
    """The bundle's guest nodes: one per replica when it has a child it can reach."""
    if bundle.child is None or not valid_network(bundle):
        return ()
    return tuple(guest_name(bundle, i) for i in range(bundle.replicas))


@dataclass
class Expansion:
    """What one bundle adds to a configuration."""

    resources: dict[str, Resource] = field(default_factory=dict)
    nodes: dict[str, Node] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)


def expand(bundle: Bundle, child: Primitive | None, known_nodes: dict[str, Node]) -> Expansion:
    """The primitives, clone, guest nodes and internal constraints of ``bundle``.

    ``child`` is the inner primitive (already unpacked); ``known_nodes`` the configured
    nodes, whose entry for a guest name (permanent attributes) is completed, not replaced.
    """
    out = Expansion()
    span = bundle.span
    ips = addresses(bundle)
    agent = Agent("ocf", "heartbeat", bundle.launcher)
    utilization = child.utilization if child is not None else frozen_map({})
    for index, cid in enumerate(containers(bundle)):
        params = {"image": bundle.image} if bundle.image else {}
        out.resources[cid] = Primitive(cid, agent, frozen_map(params), bundle.meta, utilization=utilization, span=span)
        if index < len(ips):
            iid = ip_id(bundle, ips[index])
            out.resources[iid] = Primitive(iid, IP_AGENT, frozen_map({"ip": ips[index]}), bundle.meta, span=span)
            # compat(pacemaker): pcmk__bundle_internal_constraints — ip-with-docker, ip before container.
            out.constraints.append(Colocation(iid, cid, INFINITY, id=f"{iid}-with-{cid}", span=span))
            out.constraints.append(Order(iid, cid, id=f"{iid}-then-{cid}", span=span))
    if bundle.per_host == 1:
        # compat(pacemaker): distribute_children with replicas-per-host 1 — at most one
        # container of the bundle per node, like the instances of a clone.
        names = containers(bundle)
        for i, first in enumerate(names):
            for second in names[i + 1:]:
                out.constraints.append(Colocation(second, first, -INFINITY, id=f"{bundle.id}-apart-{i}", span=span))
    names = guests(bundle)
    if child is not None and names:
        for index, name in enumerate(names):
            known = known_nodes.get(name)
            via = container_id(bundle, index)
            if known is None:
                out.nodes[name] = Node(name, kind=NodeKind.GUEST, via=via, span=span)
            else:
                out.nodes[name] = replace(known, kind=NodeKind.GUEST, via=via)
        out.resources[child.id] = replace(child, utilization=frozen_map({}))
        clone = Clone(
            clone_id(bundle),
            child.id,
            max=bundle.replicas,
            per_node=bundle.per_host,
            ordered=True,
            globally_unique=bundle.per_host > 1,
            promotable=bundle.promoted_max > 0,
            promoted_max=bundle.promoted_max or None,
            meta=bundle.meta,
            span=span,
        )
        out.resources[clone.id] = clone
        # The child runs on the bundle's guest nodes and nowhere else (its allowed nodes
        # are replaced by the replica's node in create_remote_resource).
        outside = [Comparison("#uname", Operator.NE, name) for name in names]
        rule = Rule(outside[0] if len(outside) == 1 else _all(outside), score=-INFINITY)
        out.constraints.append(Location(resource=clone.id, rules=(rule,), id=f"{bundle.id}-child-inside", span=span))
    return out


def _all(parts: list[Comparison]) -> BoolExpr:
    return BoolExpr("and", tuple(parts))


def bundle_nodes(config: Config) -> dict[str, str]:
    """Every bundle guest node → the bundle's child clone, the only resource allowed there."""
    found: dict[str, str] = {}
    for bundle in config.bundles.values():
        for name in guests(bundle):
            found[name] = clone_id(bundle)
    return found


def bundle_containers(config: Config) -> frozenset[str]:
    """Every bundle's containers."""
    return frozenset(c for bundle in config.bundles.values() for c in containers(bundle))


def same_bundle(config: Config, first: str, second: str) -> bool:
    """Whether ``first`` and ``second`` are two containers of one bundle (kept apart as replicas)."""
    return any(first in names and second in names for names in map(containers, config.bundles.values()))


def members(bundle: Bundle) -> tuple[str, ...]:
    """The resources a location on the bundle applies to: its containers and IPs."""
    return containers(bundle) + tuple(ip_id(bundle, a) for a in addresses(bundle))


def retarget(constraints: tuple[Constraint, ...], bundles: dict[str, Bundle]) -> tuple[Constraint, ...]:
    """Constraints naming a bundle, rewritten onto what the bundle became.

    compat(pacemaker): ``pcmk__bundle_rsc_location`` applies a location to every container
    and IP (and a Promoted/Unpromoted one to the child); a bundle as a colocation's
    dependent stands for each replica's container (its colocations are handed to the
    replicas); ordering starts the containers after what comes first, and what comes after
    the bundle waits for its child (``pcmk__bundle_internal_constraints``: the bundle is
    running once its child is), or for its containers when it has none. A bundle as a
    colocation's *primary* stays as it is: any container will do, which the solver's
    references resolve (`placement.solve.refs`).
    """
    if not bundles:
        return constraints
    out: list[Constraint] = []
    for constraint in constraints:
        if isinstance(constraint, Location) and constraint.resource in bundles:
            bundle = bundles[constraint.resource]
            roles = {constraint.role, *(rule.role for rule in constraint.rules)}
            if roles & {Role.PROMOTED, Role.UNPROMOTED} and guests(bundle):
                targets: tuple[str, ...] = (clone_id(bundle),)
            else:
                targets = members(bundle)
            out.extend(replace(constraint, resource=t, id=_sub_id(constraint.id, t)) for t in targets)
        elif isinstance(constraint, Colocation) and constraint.dependent in bundles:
            for cid in containers(bundles[constraint.dependent]):
                out.append(replace(constraint, dependent=cid, id=_sub_id(constraint.id, cid)))
        elif isinstance(constraint, Order) and (constraint.first in bundles or constraint.then in bundles):
            firsts = _after(bundles[constraint.first]) if constraint.first in bundles else (constraint.first,)
            thens = containers(bundles[constraint.then]) if constraint.then in bundles else (constraint.then,)
            for first in firsts:
                out.extend(replace(constraint, first=first, then=t, id=_sub_id(constraint.id, f"{first}-{t}"))
                           for t in thens)
        else:
            out.append(constraint)
    return tuple(out)


def _after(bundle: Bundle) -> tuple[str, ...]:
    """What "after the bundle" waits for: its child when it has one, else its containers."""
    return (clone_id(bundle),) if guests(bundle) else containers(bundle)


def _sub_id(base: str | None, part: str) -> str | None:
    return f"{base}-{part}" if base else None


def ref_members(config: Config, name: str) -> tuple[str, ...] | None:
    """The containers a bundle id stands for as a colocation's primary (None: not a bundle)."""
    bundle = config.bundles.get(name)
    return containers(bundle) if bundle is not None else None


@dataclass
class BundleParts:
    """What a configuration's bundles imply, so the formatter writes only the ``bundle`` lines."""

    owner: dict[str, str] = field(default_factory=dict)  # implied resource → its bundle
    nodes: dict[str, Node] = field(default_factory=dict)
    constraints: list[Constraint] = field(default_factory=list)


def bundle_parts(config: Config) -> BundleParts:
    parts = BundleParts()
    for bundle in config.bundles.values():
        child = config.primitives.get(bundle.child) if bundle.child is not None else None
        expansion = expand(bundle, child, {})
        parts.owner.update((rid, bundle.id) for rid in expansion.resources)
        parts.nodes.update(expansion.nodes)
        parts.constraints.extend(expansion.constraints)
    return parts
