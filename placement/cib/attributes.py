"""Name/value sets (``instance_attributes``, ``meta_attributes``, ``utilization``…).

A CIB element may carry several sets of the same kind. Pacemaker merges them in
order of their ``score`` (highest first, a set named ``first_id`` before all) and the
first value seen for a name wins (``pe_unpack_nvpairs``). Sets of equal score are taken
last one first: ``make_pairs`` prepends each set before a stable sort, so a later set
overrides an earlier one (checked with crm_simulate). Sets that hold a ``<rule>``
apply only when the rule holds (time of day, node, resource…): placement cannot
represent that, so they raise `Unsupported` instead of being silently merged.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from placement.cib.values import parse_score_or_none
from placement.cib.xml import Document
from placement.errors import Unsupported


def merged(document: Document, owner: Element, tag: str, first_id: str | None = None) -> dict[str, str]:
    """Every name/value pair of the ``<tag>`` sets directly under ``owner``, merged.

    Raises `Unsupported` for a set guarded by a rule and `InvalidInput` for a dangling
    ``id-ref`` or an ``nvpair`` without a name.
    """
    sets = [document.resolve(child) for child in owner.findall(tag)]
    ranked = sorted(
        enumerate(sets),
        key=lambda item: (
            item[1].get("id") != first_id if first_id else False,
            -(parse_score_or_none(item[1].get("score", "0")) or 0),
            -item[0],  # compat(pacemaker): equal scores, later set first
        ),
    )
    values: dict[str, str] = {}
    for _, attribute_set in ranked:
        if attribute_set.find("rule") is not None:
            ident = attribute_set.get("id") or owner.get("id")
            raise Unsupported(f"rule inside <{tag}>", ident)
        for reference in attribute_set.findall("nvpair"):
            name, value = pair(document, reference)
            # compat(pacemaker): the first value wins, later sets only fill gaps.
            values.setdefault(name, value)
    return values


def pair(document: Document, element: Element) -> tuple[str, str]:
    """An ``nvpair``'s name and value; an ``id-ref`` lends its value, and a name given
    beside the ``id-ref`` renames it (``<nvpair id-ref="x" name="other"/>``)."""
    target = document.resolve(element)
    name = element.get("name") if element.get("id-ref") and element.get("name") else None
    return name or document.require(target, "name"), target.get("value", "")
