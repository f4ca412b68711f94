"""``<resources>`` → primitives, groups, clones (and legacy ``<master>``), with templates.

Pacemaker's resource section nests: a group holds primitives, a clone holds a primitive
or a group. `Config.resources` lists every resource in definition order with a
container after its children, which is the order produced here.

What placement cannot plan with raises `Unsupported`: bundles. Remote and guest nodes
(``ocf:pacemaker:remote`` primitives, the ``remote-node`` meta) are found by
`placement.cib.remote`. A ``container``
meta is remembered in `Resources.containers`; `placement.cib.configuration` turns it
into the colocation and order Pacemaker implies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Final
from xml.etree.ElementTree import Element

from placement.cib import attributes, rules
from placement.cib.values import parse_bool, parse_duration_ms, parse_int_prefix, parse_score_or_none
from placement.cib.xml import Document
from placement.errors import InvalidInput, Unsupported
from placement.model import Agent, Clone, Group, Meta, Operation, Primitive, Resource, Role, frozen_map

_REQUIRES: Final = frozenset({"nothing", "quorum", "fencing", "unfencing"})
_MULTIPLE_ACTIVE: Final = frozenset({"stop_start", "stop_only", "block", "stop_unexpected"})
# Meta attributes that turn a resource into something placement does not model.
_UNSUPPORTED_META: Final[dict[str, str]] = {}
_HOST_SEPARATORS: Final = re.compile(r"[\s,;]+")
# Attributes of <op> with their own field; the rest go to Operation.options.
_OP_FIELDS: Final = frozenset({"id", "name", "interval", "timeout", "role", "on-fail"})


@dataclass
class Resources:
    """The result of unpacking ``<resources>``: resources in order plus reference helpers.

    ``templates`` maps a template id to the primitives built from it, so constraints can
    expand a reference to a template; ``warnings`` collects what was adjusted.
    """

    nodes: frozenset[str] = frozenset()  # configured node names, for fence targets
    resources: dict[str, Resource] = field(default_factory=dict)
    templates: dict[str, list[str]] = field(default_factory=dict)
    containers: dict[str, str] = field(default_factory=dict)  # resource id → its ``container`` meta
    warnings: list[str] = field(default_factory=list)


def unpack(document: Document, section: Element | None, nodes: frozenset[str] = frozenset()) -> Resources:
    """Every resource under ``<resources>``, children before their containers.

    ``nodes`` are the configured node names: a fence device's host list keeps only those.
    """
    result = Resources(nodes=nodes)
    if section is None:
        return result
    templates = {t.get("id", ""): t for t in section.findall("template")}
    for template_id in templates:
        if not template_id:
            raise document.error(section.find("template"), "<template> has no 'id'")
        result.templates[template_id] = []
    for element in section:
        _unpack_top(document, element, templates, result)
    return result


def _unpack_top(document: Document, element: Element, templates: dict[str, Element], out: Resources) -> None:
    tag = element.tag
    if tag == "template":
        return
    if tag == "primitive":
        _add(document, out, _primitive(document, element, templates, out))
    elif tag == "group":
        _group(document, element, templates, out)
    elif tag in ("clone", "master"):
        _clone(document, element, templates, out)
    elif tag == "bundle":
        raise Unsupported("bundle", element.get("id"))
    else:
        raise document.error(element, f"unexpected <{tag}> in <resources>")


def _add(document: Document, out: Resources, resource: Resource) -> None:
    # Unique ids are already enforced by the parser; this guards hand-built documents.
    if resource.id in out.resources:
        raise InvalidInput(f"resource id {resource.id!r} is defined twice")
    out.resources[resource.id] = resource


# ----------------------------------------------------------------------------- primitives


def _primitive(document: Document, element: Element, templates: dict[str, Element], out: Resources) -> Primitive:
    rid = document.require(element, "id")
    template_id = element.get("template")
    template = None
    if template_id is not None:
        template = templates.get(template_id)
        if template is None:
            raise document.error(element, f"primitive {rid!r}: template {template_id!r} is not defined")
        out.templates[template_id].append(rid)
    source = template if template is not None and element.get("class") is None else element
    standard = document.require(source, "class")
    agent_type = document.require(source, "type")
    agent = Agent(standard, source.get("provider"), agent_type)

    def layered(tag: str) -> dict[str, str]:
        # A template's sets come first; the primitive's own values override them.
        # compat(pacemaker): only meta-attribute rules see the agent (get_meta_attributes).
        scope = rules.Scope(agent=agent) if tag == "meta_attributes" else None
        inherited = attributes.merged(document, template, tag, scope=scope) if template is not None else {}
        return {**inherited, **attributes.merged(document, element, tag, scope=scope)}

    params = layered("instance_attributes")
    meta_values = layered("meta_attributes")
    if meta_values.get("container"):
        out.containers[rid] = meta_values["container"].strip()
    operations = _operations(document, element, agent)
    if template is not None:
        own = {(op.name, op.interval_ms, op.role) for op in operations}
        operations = (
            tuple(op for op in _operations(document, template, agent) if (op.name, op.interval_ms, op.role) not in own)
            + operations
        )
    return Primitive(
        id=rid,
        agent=agent,
        params=frozen_map(params),
        meta=meta(document, element, meta_values, out.warnings),
        operations=operations,
        utilization=frozen_map({k: parse_int_prefix(v) for k, v in layered("utilization").items()}),
        fences=_fence_targets(document, element, params, out) if agent.is_fencing else (),
        span=document.span(element),
    )


def _fence_targets(document: Document, element: Element, params: dict[str, str], out: Resources) -> tuple[str, ...]:
    """Nodes a fence device may fence (``pcmk_host_list`` / ``pcmk_host_map``); () = any.

    Hosts that are not cluster nodes are dropped (the fencer is never asked about
    them). A device left with none is kept able to fence any node, with a warning:
    Pacemaker's scheduler only asks whether some device exists (``pe_can_fence``).
    """
    check = params.get("pcmk_host_check", "").strip().lower()
    if check in ("none", "dynamic-list"):
        return ()
    hosts = [h for h in _HOST_SEPARATORS.split(params.get("pcmk_host_list", "")) if h]
    for entry in re.split(r"[\s,;]+", params.get("pcmk_host_map", "")):
        # compat(pacemaker): "node:port" or "node=port" pairs; the node is before the separator.
        host = re.split(r"[:=]", entry, maxsplit=1)[0]
        if host:
            hosts.append(host)
    known = tuple(h for h in dict.fromkeys(hosts) if h in out.nodes)
    if hosts and not known:
        out.warnings.append(
            f"{document.span(element)}: fence device {element.get('id')!r} lists no configured node"
            f" ({', '.join(hosts)}); it is taken as able to fence any node, as Pacemaker's scheduler does"
        )
    return known


def _operations(document: Document, element: Element, agent: Agent) -> tuple[Operation, ...]:
    operations: list[Operation] = []
    for block in element.findall("operations"):
        block = document.resolve(block)
        for op in block.findall("op"):
            op = document.resolve(op)
            operations.append(_operation(document, op, agent))
    return tuple(operations)


def _operation(document: Document, op: Element, agent: Agent) -> Operation:
    ident = op.get("id")
    name = document.require(op, "name")
    # compat(pacemaker): unpack_operation judges the op's meta rules with the agent, the
    # op's name and the interval written on the <op> itself.
    scope = rules.Scope(agent=agent, operation=(name, parse_duration_ms(op.get("interval", "0")) or 0))
    op_meta = attributes.merged(document, op, "meta_attributes", scope=scope)
    values = {**op_meta, **{k: v for k, v in op.attrib.items()}}
    interval_ms = parse_duration_ms(values.get("interval", "0"))
    if interval_ms is None:
        raise document.error(op, f"op {ident!r}: interval {values['interval']!r} is not a duration")
    # compat(pacemaker): an unreadable timeout falls back to the default (unpack_operation).
    timeout_ms = parse_duration_ms(values["timeout"]) if "timeout" in values else None
    role = None
    if values.get("role"):
        role = _parse_role(document, op, values["role"])
    return Operation(
        name=name,
        interval_ms=interval_ms,
        timeout_ms=timeout_ms,
        role=role,
        on_fail=values["on-fail"].strip().lower() if values.get("on-fail") else None,
        options=frozen_map({k: v for k, v in values.items() if k not in _OP_FIELDS}),
        params=frozen_map(attributes.merged(document, op, "instance_attributes")),
        span=document.span(op),
    )


# ----------------------------------------------------------------------------- meta


def meta(document: Document, element: Element, values: dict[str, str], warnings: list[str] | None = None) -> Meta:
    """The planning-relevant meta attributes of a resource (or of ``rsc_defaults``).

    Unknown names are kept out of `Meta` (Pacemaker ignores them too); names that
    make the resource something placement cannot model raise `Unsupported`. A value
    Pacemaker's ``unpack_resource`` reads leniently (a score without a number, a
    boolean that is not "true") is read the same way, with a warning in ``warnings``.
    """
    ident = element.get("id")
    for name, feature in _UNSUPPORTED_META.items():
        if values.get(name):
            raise Unsupported(feature, ident)
    noted = warnings if warnings is not None else []

    def lenient(name: str, reading: str) -> None:
        noted.append(
            f"{document.span(element)}: <{element.tag} id={ident!r}>: meta {name}={values[name]!r} "
            f"is not valid; read as {reading}, as Pacemaker does"
        )

    def score(name: str) -> int | None:
        if name not in values or _is_default(values[name]):
            return None
        parsed = parse_score_or_none(values[name])
        if parsed is None:
            lenient(name, "0")  # char2score
            return 0
        return parsed

    def boolean(name: str) -> bool | None:
        if name not in values or _is_default(values[name]):
            return None
        parsed = parse_bool(values[name])
        if parsed is None:
            lenient(name, "false")  # crm_is_true: anything but a true spelling is false
            return False
        return parsed

    def choice(name: str, allowed: frozenset[str]) -> str | None:
        if name not in values or _is_default(values[name]):
            return None
        word = values[name].strip().lower()
        if word not in allowed:
            lenient(name, "the default")  # multiple-active: stop_start; requires: by the cluster
            return None
        return word

    failure_timeout = None
    if "failure-timeout" in values and not _is_default(values["failure-timeout"]):
        milliseconds = parse_duration_ms(values["failure-timeout"])
        if milliseconds is None:
            lenient("failure-timeout", "no timeout")  # crm_parse_interval_spec gives 0
        else:
            failure_timeout = milliseconds // 1000
    target_role = None
    if values.get("target-role") and not _is_default(values["target-role"]):
        try:
            target_role = Role.parse(values["target-role"])
        except ValueError:
            lenient("target-role", "unset")  # "Ignoring 'target-role' … because … is not valid"
    return Meta(
        priority=score("priority"),
        stickiness=score("resource-stickiness"),
        target_role=target_role,
        managed=boolean("is-managed"),
        maintenance=boolean("maintenance"),
        migration_threshold=score("migration-threshold"),
        failure_timeout=failure_timeout,
        allow_migrate=boolean("allow-migrate"),
        requires=choice("requires", _REQUIRES),
        critical=boolean("critical"),
        multiple_active=choice("multiple-active", _MULTIPLE_ACTIVE),
    )


def _is_default(text: str) -> bool:
    # compat(pacemaker): the literal "default" (and "#default") means "not set here".
    return text.strip().lower() in ("default", "#default")


def _parse_role(document: Document, element: Element, text: str) -> Role:
    try:
        return Role.parse(text)
    except ValueError:
        raise document.error(element, f"<{element.tag} id={element.get('id')!r}>: unknown role {text!r}") from None


# ----------------------------------------------------------------------------- containers


def _group(document: Document, element: Element, templates: dict[str, Element], out: Resources) -> Group:
    gid = document.require(element, "id")
    members = []
    for child in element:
        if child.tag == "primitive":
            primitive = _primitive(document, child, templates, out)
            _add(document, out, primitive)
            members.append(primitive.id)
        elif child.tag in ("meta_attributes", "instance_attributes", "utilization", "description"):
            continue
        else:
            raise document.error(child, f"group {gid!r}: <{child.tag}> cannot be a group member")
    if not members:
        raise document.error(element, f"group {gid!r} has no members")
    group = Group(
        id=gid,
        members=tuple(members),
        meta=_container_meta(document, element, out),
        span=document.span(element),
    )
    _add(document, out, group)
    return group


def _container_meta(document: Document, element: Element, out: Resources) -> Meta:
    """A group's meta, remembering its ``container`` (its members inherit it)."""
    values = attributes.merged(document, element, "meta_attributes")
    if values.get("container"):
        out.containers[element.get("id", "")] = values["container"].strip()
    return meta(document, element, values, out.warnings)


def _clone(document: Document, element: Element, templates: dict[str, Element], out: Resources) -> Clone:
    cid = document.require(element, "id")
    children = [c for c in element if c.tag in ("primitive", "group", "clone", "master", "bundle")]
    if len(children) != 1:
        raise document.error(element, f"clone {cid!r} must hold exactly one primitive or group")
    child = children[0]
    if child.tag == "primitive":
        primitive = _primitive(document, child, templates, out)
        _add(document, out, primitive)
        child_id = primitive.id
    elif child.tag == "group":
        child_id = _group(document, child, templates, out).id
    else:
        raise document.error(child, f"clone {cid!r}: a <{child.tag}> cannot be cloned")
    values = attributes.merged(document, element, "meta_attributes")
    if values.get("container"):
        out.containers[cid] = values["container"].strip()

    def count(*names: str) -> int | None:
        for name in names:
            if name in values and not _is_default(values[name]):
                parsed = parse_score_or_none(values[name])
                if parsed is None or parsed < 0:
                    raise document.error(element, f"clone {cid!r}: {name}={values[name]!r} is not a count")
                return parsed
        return None

    def flag(name: str) -> bool:
        parsed = parse_bool(values.get(name, "false"))
        if parsed is None:
            raise document.error(element, f"clone {cid!r}: {name}={values[name]!r} is not a boolean")
        return parsed

    promotable = element.tag == "master" or flag("promotable")
    clone = Clone(
        id=cid,
        child=child_id,
        max=count("clone-max"),
        per_node=count("clone-node-max"),
        min=count("clone-min"),
        interleave=flag("interleave"),
        ordered=flag("ordered"),
        globally_unique=flag("globally-unique"),
        notify=flag("notify"),
        promotable=promotable,
        # compat(pacemaker): master-max / master-node-max are the pre-2.0 names.
        # (they mean nothing unless the clone is promotable)
        promoted_max=count("promoted-max", "master-max") if promotable else None,
        promoted_per_node=count("promoted-node-max", "master-node-max") if promotable else None,
        meta=meta(document, element, values, out.warnings),
        span=document.span(element),
    )
    _add(document, out, clone)
    return clone
