"""``<configuration>`` → `Config`: cluster options, nodes, defaults, resources, constraints.

The cluster options come from ``crm_config`` (plus ``have-quorum`` on the root, which
the suicide policy needs), the stickiness default from ``rsc_defaults``; everything
else is delegated to `placement.cib.resources` and `placement.cib.constraints`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Final
from xml.etree.ElementTree import Element

from placement.cib import attributes, constraints, health, remote, resources
from placement.cib import defaults as defaults_sets
from placement.cib.values import is_true, parse_bool, parse_int_prefix, parse_score_or_none
from placement.cib.xml import Document
from placement.errors import Unsupported
from placement.model import (
    Clone,
    ClusterOptions,
    Colocation,
    Comparison,
    Config,
    FencingAction,
    FencingLevel,
    Group,
    Location,
    Meta,
    Node,
    NodeKind,
    NoQuorumPolicy,
    Operator,
    Order,
    Primitive,
    Rule,
    Strategy,
    frozen_map,
)
from placement.score import INFINITY

# The property set Pacemaker reads before all others (CIB_OPTIONS_FIRST).
OPTIONS_FIRST: Final = "cib-bootstrap-options"


@dataclass(frozen=True)
class Imported:
    """A configuration plus the raw options the status unpacking needs."""

    config: Config
    options: dict[str, str]
    node_ids: dict[str, str]  # node id (as the status section names it) → node name
    warnings: tuple[str, ...]  # what was ignored or adjusted the way Pacemaker does it
    refs: constraints.References  # what constraint ids may name (tickets need it later)
    containers: dict[str, str]  # primitive → the resource that contains it (``container`` meta)


def unpack(document: Document) -> Imported:
    """The `Config` of a CIB document, and its raw ``crm_config`` options."""
    root = document.root
    section = root.find("configuration")
    if section is None:
        raise document.error(root, "<cib> has no <configuration>")
    options = _options(document, section)
    cluster = _cluster(document, root, options)
    nodes, node_ids = _nodes(document, section.find("nodes"))
    remote.add_hosted_nodes(document, section.find("resources"), nodes)
    rsc_sets = defaults_sets.sets(document, section.find("rsc_defaults"), operations=False)
    op_sets = defaults_sets.sets(document, section.find("op_defaults"), operations=True)
    early: list[str] = []  # what the defaults and resources adjust, before constraints add theirs
    stickiness, defaults = _resource_defaults(document, section.find("rsc_defaults"), rsc_sets, options, early)
    unpacked = resources.unpack(document, section.find("resources"), frozenset(nodes))
    refs = constraints.References(
        resources=frozenset(unpacked.resources),
        expansions={**{k: tuple(v) for k, v in unpacked.templates.items()}, **_tags(document, section)},
        nodes=frozenset(nodes),
    )
    warnings: list[str] = [*early, *unpacked.warnings]
    containers = _containers(unpacked, warnings)
    if any(_provides_unfencing(document, e) for e in section.iter("primitive")) and defaults.requires is None:
        # compat(pacemaker): a device that provides unfencing makes every resource
        # require unfencing by default (lib/pengine/complex.c:unpack_requires).
        defaults = replace(defaults, requires="unfencing")
    config = Config(
        cluster=replace(cluster, stickiness=stickiness),
        nodes=frozen_map(nodes),
        resources=frozen_map(unpacked.resources),
        constraints=tuple(constraints.unpack(document, section.find("constraints"), refs, warnings))
        + _container_constraints(containers, nodes),
        fencing_levels=_fencing_levels(document, section.find("fencing-topology"), nodes),
        resource_defaults=defaults,
        op_defaults=frozen_map(defaults_sets.unconditional(op_sets)),
        source=document.source,
    )
    config = defaults_sets.apply_resource_defaults(document, config, rsc_sets, warnings)
    config = defaults_sets.apply_operation_defaults(config, op_sets)
    return Imported(config, options, node_ids, tuple(warnings), refs, containers)


# ----------------------------------------------------------------------------- options


def _options(document: Document, section: Element) -> dict[str, str]:
    crm_config = section.find("crm_config")
    if crm_config is None:
        return {}
    return attributes.merged(document, crm_config, "cluster_property_set", first_id=OPTIONS_FIRST)


def _cluster(document: Document, root: Element, options: dict[str, str]) -> ClusterOptions:
    def flag(name: str, default: bool) -> bool:
        if name not in options:
            return default
        parsed = parse_bool(options[name])
        if parsed is None:
            raise document.error(
                root.find("configuration"), f"cluster option {name}={options[name]!r} is not a boolean"
            )
        return parsed

    def enum(name: str, kind: type, default: object, aliases: dict[str, str] | None = None) -> object:
        text = options.get(name)
        if text is None:
            return default
        word = text.strip().lower()
        word = (aliases or {}).get(word, word)
        try:
            return kind(word)
        except ValueError:
            raise document.error(root.find("configuration"), f"cluster option {name}={text!r} is not valid") from None

    if health.strategy(options) is None:
        raise document.error(
            root.find("configuration"),
            f"cluster option node-health-strategy={options['node-health-strategy']!r} is not valid",
        )
    flag("shutdown-lock", False)  # valid or not: `shutdown_lock.bans` reads it from the options
    fencing = flag("stonith-enabled", True)
    policy = enum("no-quorum-policy", NoQuorumPolicy, NoQuorumPolicy.STOP)
    if policy is NoQuorumPolicy.SUICIDE:
        # compat(pacemaker): unpack_config downgrades suicide to stop when fencing is off,
        # or when the cluster never had quorum and no-quorum-panic is not set (§2).
        panic = parse_int_prefix(root.get("no-quorum-panic")) != 0
        if not fencing or not (panic or is_true(root.get("have-quorum"))):
            policy = NoQuorumPolicy.STOP
    return ClusterOptions(
        symmetric=flag("symmetric-cluster", True),
        fencing=fencing,
        # compat(pacemaker): "poweroff" is the deprecated spelling of "off".
        fencing_action=enum("stonith-action", FencingAction, FencingAction.REBOOT, {"poweroff": "off"}),
        strategy=enum("placement-strategy", Strategy, Strategy.DEFAULT),
        no_quorum=policy,
        maintenance=flag("maintenance-mode", False),
        stop_all=flag("stop-all-resources", False),
        start_failure_is_fatal=flag("start-failure-is-fatal", True),
        concurrent_fencing=flag("concurrent-fencing", False),
        name=options.get("cluster-name"),
        span=document.span(root.find("configuration/crm_config")),
    )


# ----------------------------------------------------------------------------- nodes


def _nodes(document: Document, section: Element | None) -> tuple[dict[str, Node], dict[str, str]]:
    nodes: dict[str, Node] = {}
    ids: dict[str, str] = {}
    if section is None:
        return nodes, ids
    for element in section.findall("node"):
        ident = document.require(element, "id")
        name = (element.get("uname") or ident).strip()
        kind = (element.get("type") or "member").strip().lower()
        if kind == "ping":
            raise Unsupported("ping node", name)
        if kind not in ("member", "normal", "remote"):
            raise document.error(element, f"node {name!r}: unknown type {kind!r}")
        if name in nodes:
            raise document.error(element, f"node {name!r} is defined twice")
        values = attributes.merged(document, element, "instance_attributes")
        score_text = element.get("score", "0")
        score = parse_score_or_none(score_text)
        if score is None:
            raise document.error(element, f"node {name!r}: score {score_text!r} is not a score")
        nodes[name] = Node(
            name=name,
            # standby and maintenance have their own fields; keeping them twice too
            # would let the two disagree.
            # The node id is what rules see as #id; kept only when it is not the name.
            attributes=frozen_map({**{k: v for k, v in values.items() if k not in ("standby", "maintenance")},
                                   **({"#id": ident} if ident != name else {})}),
            capacity=frozen_map(
                {k: parse_int_prefix(v) for k, v in attributes.merged(document, element, "utilization").items()}
            ),
            standby=is_true(values.get("standby")),
            maintenance=is_true(values.get("maintenance")),
            score=score,
            span=document.span(element),
            # Its connection is filled in from <resources> (`placement.cib.remote`).
            kind=NodeKind.REMOTE if kind == "remote" else NodeKind.CLUSTER,
        )
        ids[ident] = name
    return nodes, ids


# ----------------------------------------------------------------------------- defaults


def _resource_defaults(
    document: Document,
    section: Element | None,
    found: list[defaults_sets.DefaultSet],
    options: dict[str, str],
    warnings: list[str],
) -> tuple[int | None, Meta]:
    """``rsc_defaults`` for every resource: the stickiness default apart, the other meta as `Meta`."""
    values = defaults_sets.unconditional(found)
    # compat(pacemaker): the deprecated cluster option is-managed-default still counts.
    if "is-managed" not in values and "is-managed-default" in options:
        values["is-managed"] = options["is-managed-default"]
    # The section is only where errors point; a CIB without one has nothing to point at.
    meta = resources.meta(document, section if section is not None else Element("rsc_defaults"), values, warnings)
    return meta.stickiness, replace(meta, stickiness=None)


def _provides_unfencing(document: Document, primitive: Element) -> bool:
    if primitive.get("class") != "stonith":
        return False
    values = attributes.merged(document, primitive, "meta_attributes")
    return values.get("provides", "").strip().lower() == "unfencing"


# ----------------------------------------------------------------------------- containers


def _containers(unpacked: resources.Resources, warnings: list[str]) -> dict[str, str]:
    """Each primitive's container: its own ``container`` meta, else its group's or clone's.

    compat(pacemaker): ``setup_container`` gives containers to primitives only, through the
    meta they inherit, and ignores a resource named as its own container (a group whose
    first member is the container) or a container that does not exist.
    """
    parents: dict[str, str] = {}
    for rid, resource in unpacked.resources.items():
        if isinstance(resource, Group):
            parents.update((member, rid) for member in resource.members)
        elif isinstance(resource, Clone):
            parents[resource.child] = rid
    found: dict[str, str] = {}
    for rid, resource in unpacked.resources.items():
        if not isinstance(resource, Primitive):
            continue
        holder = rid
        while holder not in unpacked.containers and holder in parents:
            holder = parents[holder]
        container = unpacked.containers.get(holder)
        if container is None or container == rid:
            continue
        if container not in unpacked.resources:
            warnings.append(f"resource {rid!r}: container {container!r} does not exist; ignored as Pacemaker does")
            continue
        found[rid] = container
    return found


def _container_constraints(
    containers: dict[str, str], nodes: dict[str, Node]
) -> tuple[Colocation | Order | Location, ...]:
    """A contained resource runs with its container and starts after it (and stops before).

    compat(pacemaker): ``pcmk__primitive_internal_constraints`` adds exactly this mandatory
    colocation and ordering for a resource with a ``container``.
    """
    out: list[Colocation | Order | Location] = []
    for rid, container in containers.items():
        guest = next((name for name, node in nodes.items() if node.via == container), None)
        if guest is not None:
            # compat(pacemaker): a container that brings up a remote or guest node puts the
            # resource on that node instead of beside the container (every other node -INFINITY).
            rule = Rule(Comparison("#uname", Operator.NE, guest), score=-INFINITY)
            out.append(Location(resource=rid, rules=(rule,), id=f"container-{rid}-on-{guest}"))
            continue
        out.append(Colocation(rid, container, INFINITY, id=f"container-{rid}-with-{container}"))
        out.append(Order(container, rid, id=f"container-{container}-then-{rid}"))
    return tuple(out)


# ----------------------------------------------------------------------------- references


def _tags(document: Document, section: Element) -> dict[str, tuple[str, ...]]:
    """``<tags>``: each tag id → the ids it tags."""
    tags: dict[str, tuple[str, ...]] = {}
    block = section.find("tags")
    if block is None:
        return tags
    for tag in block.findall("tag"):
        tid = document.require(tag, "id")
        tags[tid] = tuple(document.require(ref, "id") for ref in tag.findall("obj_ref"))
    return tags


# ----------------------------------------------------------------------------- fencing


def _fencing_levels(document: Document, section: Element | None, nodes: dict[str, Node]) -> tuple[FencingLevel, ...]:
    """Fencing levels, one per target node (patterns and attribute targets expanded)."""
    levels: list[FencingLevel] = []
    if section is None:
        return ()
    for element in section.findall("fencing-level"):
        lid = document.require(element, "id")
        index_text = document.require(element, "index")
        if not index_text.isdigit() or int(index_text) < 1:
            raise document.error(element, f"fencing level {lid!r}: index {index_text!r} is not a positive integer")
        devices = tuple(d for d in re.split(r"[\s,]+", document.require(element, "devices")) if d)
        if element.get("target"):
            targets = [element.get("target", "")]
        elif element.get("target-pattern"):
            pattern = re.compile(element.get("target-pattern", ""))
            targets = [name for name in nodes if pattern.search(name)]
        elif element.get("target-attribute"):
            attribute, value = element.get("target-attribute", ""), element.get("target-value")
            targets = [name for name, node in nodes.items() if node.attributes.get(attribute) == value]
        else:
            raise document.error(element, f"fencing level {lid!r} has no target")
        levels.extend(
            FencingLevel(target=t, index=int(index_text), devices=devices, id=lid, span=document.span(element))
            for t in targets
            if t in nodes  # compat(pacemaker): the fencer ignores levels for unknown nodes
        )
    return tuple(levels)
