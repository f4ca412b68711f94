"""Name/value sets (``instance_attributes``, ``meta_attributes``, ``utilization``…).

A CIB element may carry several sets of the same kind. Pacemaker merges them in
order of their ``score`` (highest first, a set named ``first_id`` before all) and the
first value seen for a name wins (``pe_unpack_nvpairs``). Sets of equal score are taken
last one first: ``make_pairs`` prepends each set before a stable sort, so a later set
overrides an earlier one (checked with crm_simulate).

A set that holds a ``<rule>`` applies only when the rule holds (``unpack_attr_set``).
Its rule is decided here, in the `placement.cib.rules.Scope` of the element the set
belongs to: dates at the scheduler's "now", resource and operation expressions against
that resource and operation, node-attribute expressions against no node — where
Pacemaker itself unpacks the set without a node (cluster options, node attributes and
utilization, resource meta-attributes and utilization), they fail there too.

Resource and operation ``instance_attributes`` are the one place Pacemaker evaluates
per node (``pe_rsc_params`` when it builds an action on a node). Their node-independent
values are what `merged` returns — Pacemaker's own ``rsc->parameters`` — and a set whose
rule reads node attributes is noted (`notes`): placement's plan does not depend on
parameter values, but an agent run with these parameters would miss the per-node ones.
`per_node` gives the values a given node sees, for ``value-source="param"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from weakref import WeakKeyDictionary
from xml.etree.ElementTree import Element

from placement.cib import rules
from placement.cib.values import parse_score_or_none
from placement.cib.xml import Document

# Elements whose instance attributes Pacemaker evaluates per node (pe_rsc_params, op params).
_PER_NODE_OWNERS = frozenset({"primitive", "template", "group", "clone", "master", "op"})
# What the merges of a document noted, by its root element (see `notes`).
_NOTES: WeakKeyDictionary[Element, list[str]] = WeakKeyDictionary()
# Per-document lookups that `resource_values` needs for every resource it is asked about.
_PARENTS: WeakKeyDictionary[Element, dict[Element, Element]] = WeakKeyDictionary()
_NODE_ATTRIBUTES: WeakKeyDictionary[Element, dict[str, dict[str, str]]] = WeakKeyDictionary()


def notes(document: Document) -> list[str]:
    """Sets that depend on the node, found while merging ``document`` (for the warnings)."""
    return list(dict.fromkeys(_NOTES.get(document.root, [])))


def merged(
    document: Document,
    owner: Element,
    tag: str,
    first_id: str | None = None,
    scope: rules.Scope | None = None,
) -> dict[str, str]:
    """Every name/value pair of the ``<tag>`` sets directly under ``owner`` whose rule
    holds in ``scope`` (default: no resource, operation or node), merged.

    Raises `InvalidInput` for a dangling ``id-ref`` or an ``nvpair`` without a name.
    """
    if owner.find(tag) is None:
        return {}  # most elements have none of most kinds: a 10,000-resource CIB asks 60,000 times
    scope = scope or rules.Scope()
    values: dict[str, str] = {}
    for attribute_set in _ranked(document, owner, tag, first_id):
        if not rules.set_applies(document, attribute_set, scope):
            if (
                tag == "instance_attributes"
                and owner.tag in _PER_NODE_OWNERS
                and scope.node is None
                and rules.depends_on_node(document, attribute_set)
            ):
                _NOTES.setdefault(document.root, []).append(
                    f"{document.span(attribute_set)}: <{tag} id={attribute_set.get('id')!r}> of"
                    f" {owner.get('id')!r} depends on the node; Pacemaker passes it only to actions on"
                    " the nodes where its rule holds, placement keeps the node-independent parameters"
                )
            continue
        for reference in attribute_set.findall("nvpair"):
            name, value = pair(document, reference)
            # compat(pacemaker): the first value wins, later sets only fill gaps.
            values.setdefault(name, value)
    return values


def per_node(document: Document, owner: Element, tag: str, node: Mapping[str, str]) -> dict[str, str]:
    """The ``<tag>`` values of ``owner`` as Pacemaker sees them on a node with these attributes."""
    return merged(document, owner, tag, scope=rules.Scope(node=node))


def _ranked(document: Document, owner: Element, tag: str, first_id: str | None) -> list[Element]:
    """The ``<tag>`` sets in the order Pacemaker merges them (``make_pairs``, ``sort_pairs``)."""
    sets = [document.resolve(child) for child in owner.findall(tag)]
    if len(sets) == 1:
        return sets
    ranked = sorted(
        enumerate(sets),
        key=lambda item: (
            item[1].get("id") != first_id if first_id else False,
            -(parse_score_or_none(item[1].get("score", "0")) or 0),
            -item[0],  # compat(pacemaker): equal scores, later set first
        ),
    )
    return [attribute_set for _, attribute_set in ranked]


def pair(document: Document, element: Element) -> tuple[str, str]:
    """An ``nvpair``'s name and value; an ``id-ref`` lends its value, and a name given
    beside the ``id-ref`` renames it (``<nvpair id-ref="x" name="other"/>``)."""
    target = document.resolve(element)
    name = element.get("name") if element.get("id-ref") and element.get("name") else None
    return name or document.require(target, "name"), target.get("value", "")


# ----------------------------------------------------------------------------- value-source


def resource_values(document: Document, rid: str) -> rules.Resource:
    """The params (per node) and meta of resource ``rid``, as a location rule's
    ``value-source`` reads them (``pe_rsc_params(rsc, node)`` and ``rsc->meta``)."""
    section = document.root.find("configuration/resources")
    parent_of = _parents(document)
    chain = [document.by_id[rid]]
    while chain[-1] in parent_of and parent_of[chain[-1]] is not section:
        chain.append(parent_of[chain[-1]])
    template = document.by_id.get(chain[0].get("template") or "")
    if template is not None:
        chain.insert(1, template)  # the primitive's own sets win over its template's
    defaults = document.root.find("configuration/rsc_defaults")
    nodes = _node_attributes(document)
    agent_of = template if template is not None and chain[0].get("class") is None else chain[0]
    agent = None
    if agent_of.get("class") and agent_of.get("type"):
        from placement.model import Agent

        agent = Agent(agent_of.get("class", ""), agent_of.get("provider"), agent_of.get("type", ""))

    def gathered(tag: str, scope: rules.Scope) -> dict[str, str]:
        values: dict[str, str] = {}
        for holder in [*chain, *([defaults] if defaults is not None else [])]:
            for name, value in merged(document, holder, tag, scope=scope).items():
                values.setdefault(name, value)  # compat(pacemaker): the resource first, then its parents
        return values

    def params(node: str | None) -> Mapping[str, str]:
        return gathered("instance_attributes", rules.Scope(node=nodes.get(node) if node else None))

    meta = {**gathered("meta_attributes", rules.Scope(agent=agent))}
    for name, value in chain[0].attrib.items():
        meta[name] = value  # get_meta_attributes starts from the element's XML attributes
    return rules.Resource(params=params, meta=meta, nodes=tuple(nodes))


def _parents(document: Document) -> dict[Element, Element]:
    """Each element of ``<resources>`` → its parent; built once per document (the status
    import asks for many resources' values)."""
    cached = _PARENTS.get(document.root)
    if cached is None:
        section = document.root.find("configuration/resources")
        cached = {child: parent for parent in (section.iter() if section is not None else ()) for child in parent}
        _PARENTS[document.root] = cached
    return cached


def _node_attributes(document: Document) -> dict[str, dict[str, str]]:
    """Each configured node's attributes as ``add_node_attrs`` builds them: built-ins, the
    configured sets, then the transient ones from the status (built once per document)."""
    cached = _NODE_ATTRIBUTES.get(document.root)
    if cached is None:
        cached = _NODE_ATTRIBUTES[document.root] = _read_node_attributes(document)
    return cached


def _read_node_attributes(document: Document) -> dict[str, dict[str, str]]:
    dc = document.root.get("dc-uuid")
    transient = {
        state.get("id"): state.find("transient_attributes")
        for state in document.root.findall("status/node_state")
    }
    found: dict[str, dict[str, str]] = {}
    for element in document.root.findall("configuration/nodes/node"):
        ident = element.get("id", "")
        name = (element.get("uname") or ident).strip()
        values = {"#uname": name, "#id": ident, "#kind": "cluster", "#is_dc": "true" if ident == dc else "false"}
        values.update(merged(document, element, "instance_attributes"))
        status = transient.get(ident)
        if status is not None:
            values.update(merged(document, status, "instance_attributes"))
        found[name] = values
    return found
