"""The transition summary in the words of ``crm_simulate`` (SEMANTICS.md §12.1).

``Fence (reboot) charlie 'peer is no longer part of the cluster'``,
``Move xray ( charlie -> alice )``, ``Recover db:0 ( bob )``… plus the same facts as
records (``op``, ``resource``, ``from``, ``to``) for JSON output.
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.model import Role
from placement.transition.changes import Blocked, Change, ChangeKind


@dataclass(frozen=True, slots=True)
class SummaryItem:
    """One summary line as data: what happens to which resource copy (or node), from where to where."""

    op: str
    resource: str
    source: str | None
    target: str | None
    text: str
    blocked: bool = False

    def as_json(self) -> dict:
        item = {"op": self.op, "resource": self.resource, "from": self.source, "to": self.target}
        if self.blocked:
            item["blocked"] = True
        return item


def summarize(changes: list[Change], fenced: tuple[str, ...], fencing_action: str,
              blocked: list[Blocked], guests: dict[str, str | None] | None = None) -> list[SummaryItem]:
    """Fences first, then one item per change, then what is blocked.

    ``guests`` maps guest nodes to their containers: a guest's fence is its container's
    recovery, which crm_simulate names ("Fence (reboot) vm1 (resource: vm1-domain) …").
    """
    # Names line up in a column, as in crm_simulate, however long they are.
    width = max([12, *(len(c.instance_name) for c in changes), *(len(b.resource) for b in blocked)])
    guests = guests or {}
    items = [SummaryItem("fence", node, None, None,
                         f"Fence ({fencing_action}) {node} (resource: {guests[node]}) 'guest is unclean'"
                         if node in guests else
                         f"Fence ({fencing_action}) {node} 'peer is no longer part of the cluster'")
             for node in fenced]
    items += [_item(change, width) for change in changes]
    items += [SummaryItem("stop", b.resource, b.node, None, f"{'Stop':<10} {b.resource:<{width}} ( {b.node} ) "
                          f"blocked: {b.reason}", blocked=True) for b in blocked]
    return items


def _item(change: Change, width: int) -> SummaryItem:
    name = change.instance_name
    kind = change.kind
    source, target = change.source, change.target
    detail = {
        ChangeKind.START: f"{target}",
        ChangeKind.STOP: f"{source}",
        ChangeKind.MOVE: f"{source} -> {target}",
        ChangeKind.MIGRATE: f"{source} -> {target}",
        ChangeKind.RESTART: f"{source}",
        ChangeKind.RECOVER: f"{source}" if source == target else f"{source} -> {target}",
        ChangeKind.PROMOTE: f"{_role(change.from_role)} -> Promoted {target}",
        ChangeKind.DEMOTE: f"Promoted -> {_role(change.to_role)} {source}",
    }[kind]
    verb = kind.value.capitalize()
    if kind is ChangeKind.START and change.to_role is Role.PROMOTED:
        verb, detail = "Promote", f"Stopped -> Promoted {target}"
    elif kind in (ChangeKind.MOVE, ChangeKind.RECOVER) and change.to_role is Role.PROMOTED:
        detail += " Promoted"
    reason = f" {change.reason}" if change.reason.startswith("due to") else ""
    if kind is ChangeKind.STOP and not reason:
        reason = " due to node availability"
    # compat(pacemaker): a start straight into Promoted is reported as a promote on that node
    # ("Promote X ( Stopped -> Promoted node )"), as crm_simulate's summary does.
    op = "promote" if verb == "Promote" else kind.value
    where_from = source if kind is not ChangeKind.START else None
    where_to = target if kind is not ChangeKind.STOP else None
    if kind in (ChangeKind.PROMOTE, ChangeKind.DEMOTE, ChangeKind.RESTART) or op == "promote":
        where_from = where_to = source or target
    return SummaryItem(op, name, where_from, where_to, f"{verb:<10} {name:<{width}} ( {detail} ){reason}")


def _role(role: Role) -> str:
    return "Stopped" if role is Role.STOPPED else "Unpromoted" if role is not Role.PROMOTED else "Promoted"
