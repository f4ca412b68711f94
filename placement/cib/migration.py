"""Live migrations caught half-way in the history: where is the resource really?

A migration is ``migrate_to`` on the source, ``migrate_from`` on the target, then a
stop on the source. A CIB can hold any prefix of that (or a failure in it), and
Pacemaker 2.1.5 decides in ``unpack_migrate_to_success`` / ``…_failure`` (``unpack.c``,
SEMANTICS.md §11) where the resource counts as active:

* both steps done: the resource is on the target only (the source is "dangling");
* ``migrate_from`` missing or pending: active on both nodes (a partial migration);
* ``migrate_to`` itself still pending: nothing yet — active where the rest says;
* a step failed: active on the source and failed, and on the target too unless the
  target has newer history.

`settle` applies that to the per-node replay outcomes of one primitive.
"""

from __future__ import annotations

from dataclasses import dataclass

from placement.cib.history import Op, Outcome


@dataclass(frozen=True, slots=True)
class Verdict:
    """Corrections for one primitive: nodes where it is not active after all, nodes
    where it is active although its own history there does not say so, and whether
    the resource counts as failed."""

    inactive: frozenset[str] = frozenset()
    also_active: frozenset[str] = frozenset()
    failed: bool = False


NOTHING = Verdict()


def settle(histories: dict[str, Outcome], online: set[str]) -> Verdict:
    """Corrections implied by the last ``migrate_to`` of each source node's history."""
    inactive: set[str] = set()
    also_active: set[str] = set()
    failed = False
    for source, outcome in sorted(histories.items()):
        migrate_to = _last(outcome.ops, "migrate_to")
        if migrate_to is None or not migrate_to.migrate_target:
            continue
        target = migrate_to.migrate_target
        source_newer = any(op.task != "monitor" and _after(op, migrate_to) for op in outcome.ops)
        target_history = histories.get(target)
        target_ops = target_history.ops if target_history else ()
        migrate_from = _last([op for op in target_ops if op.migrate_source in (None, source)], "migrate_from")
        anchor = migrate_from or migrate_to
        target_newer = any(
            op is not anchor and _newer_elsewhere(op, anchor, migrate_from is not None) for op in target_ops
        )
        target_up = target in online
        if migrate_to.pending:
            # compat(pacemaker): unpack_rsc_op leaves a pending migrate_to alone: the resource
            # is where its other history puts it (a stop is forced on the target only if the
            # source is unclean, which is an action, not a place where it runs).
            continue
        if not migrate_to.succeeded:
            # compat(pacemaker): unpack_migrate_to_failure: assume it may run on the target.
            known_on_target = any(not op.pending for op in target_ops)
            if known_on_target and not target_newer and target_up:
                also_active.add(target)
                failed = True
            continue
        if migrate_from is not None and source_newer:
            continue
        if source_newer and target_newer:
            continue
        if migrate_from is not None and migrate_from.succeeded:
            inactive.add(source)  # dangling: the source only needs a cleanup stop
        elif migrate_from is not None and not migrate_from.pending:
            if not target_newer and target_up:
                also_active.add(target)
            else:
                failed = True
        elif not target_newer and target_up:
            also_active.add(target)  # partial migration: counts as active on both nodes
        elif not source_newer:
            failed = True
    return Verdict(frozenset(inactive), frozenset(also_active), failed)


def _last(ops: tuple[Op, ...] | list[Op], task: str) -> Op | None:
    matching = [op for op in ops if op.task == task]
    return matching[-1] if matching else None


def _after(op: Op, reference: Op) -> bool:
    """Later on the same node: a higher call id (a pending op is the newest)."""
    if op is reference:
        return False
    if op.call_id < 0:
        return True
    return reference.call_id >= 0 and op.call_id > reference.call_id


def _newer_elsewhere(op: Op, reference: Op, same_node: bool) -> bool:
    """``pe__is_newer_op``: call ids on one node, last-rc-change across nodes."""
    if same_node:
        return _after(op, reference)
    if op.last_change is None or reference.last_change is None:
        return False
    return op.last_change > reference.last_change
