"""The bans Pacemaker derives from failed operations in the history.

While unpacking the history (``unpack.c:unpack_rsc_op_failure`` and its callers),
Pacemaker 2.1.5 adds -INFINITY locations that last as long as the failed operation is
recorded — even if a later operation succeeded (SEMANTICS.md §9):

* a failed **stop** bans the resource from that node (``__stop_fail__``);
* a **hard error** (agent not installed, invalid parameters, insufficient privileges,
  or an unimplemented action without interval) bans it from that node (``hard-error``),
  as does a failure ``on-fail=ignore`` could not ignore (a missing agent);
* a **fatal** error (rc 6, not configured) bans it from every node (``fatal-error``);
* ``on-fail=stop`` makes its role after failure Stopped: banned from every node;
* a **probe** that could not run the agent (not installed, invalid parameters) means "not
  running", but bans that node too (``masked-probe-failure``) unless it has expired;
* a primitive found active on several nodes with ``multiple-active=stop_only`` is stopped
  everywhere (``pcmk__multiply_active``), which for one run is a ban from every node.

`bans` returns them as `Location` constraints, from `State.failed_operations`, so a
planner (or the conformance re-scoring) can add them to the configuration it solves.
Ignored failures (``on-fail=ignore``) ban nothing. ``on-fail=stop`` on one copy of a
clone stops that copy only; without per-copy bans it is approximated by a ban on that
node.
"""

from __future__ import annotations

from typing import Final

from placement.hierarchy import Hierarchy
from placement.model import Config, Defined, Location, Rule
from placement.score import INFINITY
from placement.state import FailedOperation, State

_HARD_RC: Final = frozenset({2, 4, 5})  # invalid parameter, insufficient privileges, not installed
_FATAL_RC: Final = 6  # not configured
_UNIMPLEMENTED_RC: Final = 3


def bans(config: Config, state: State) -> tuple[Location, ...]:
    """Every ban the failed operations of ``state`` imply, without duplicates, in order."""
    hierarchy = Hierarchy(config)
    found: dict[str, Location] = {}
    nodes_of: dict[str, set[str]] = {}
    for instance in state.instances:
        nodes_of.setdefault(instance.resource, set()).add(instance.node)
    for rid in sorted(nodes_of):
        if rid in config.resources and hierarchy.clone_of(rid) is None:
            nodes = nodes_of[rid]
            if len(nodes) > 1 and hierarchy.effective_meta(rid).multiple_active == "stop_only":
                ident = f"multiple-active-{rid}"
                found[ident] = Location(resource=rid, rules=(_everywhere(ident),), id=ident)
    for failure in state.failed_operations:
        if failure.resource not in config.resources:
            continue
        cloned = hierarchy.clone_of(failure.resource) is not None
        # compat(pacemaker): each instance of a globally-unique clone is a resource of its
        # own, so ``resource_location`` bans the instance that failed (``c:0``) alone: ``c:1``
        # may still start on that node.
        instance = failure.clone_instance if _of_unique_instance(hierarchy, failure) else None
        for location in _bans_of(failure, cloned, instance):
            found.setdefault(location.id or "", location)
    return tuple(found.values())


def _of_unique_instance(hierarchy: Hierarchy, failure: FailedOperation) -> bool:
    clone = hierarchy.clone_of(failure.resource)
    return failure.clone_instance is not None and clone is not None and clone.globally_unique


def _bans_of(failure: FailedOperation, cloned: bool, instance: str | None = None) -> list[Location]:
    # compat(pacemaker): unpack_rsc_op "pretends" these succeeded and never reaches
    # unpack_rsc_op_failure, so no ban: any failure under on-fail=ignore, and a stop of a
    # contained resource whose container is recovered anyway (restart-container).
    if failure.on_fail == "ignore" or (failure.on_fail == "restart-container" and failure.operation == "stop"):
        return []
    probe = failure.operation == "monitor" and failure.interval_ms == 0
    everywhere = failure.rc == _FATAL_RC or (failure.on_fail == "stop" and not cloned)
    here = (
        failure.operation == "stop"
        or failure.on_fail == "stop"
        or failure.on_fail == "ban"
        or (failure.rc in _HARD_RC and not probe)
        or (failure.rc == _UNIMPLEMENTED_RC and failure.interval_ms == 0)
    )
    named = failure.resource if instance is None else f"{failure.resource}:{instance}"
    if everywhere:
        why = "fatal-error" if failure.rc == _FATAL_RC else "on-fail-stop"
        ident = f"{why}-{named}"
        return [Location(resource=failure.resource, rules=(_everywhere(ident),), id=ident, instance=instance)]
    if here:
        why = {"stop": "stop-failure"}.get(
            failure.operation, "on-fail-stop" if failure.on_fail == "stop" else "hard-error"
        )
        if probe and failure.on_fail == "ban":
            why = "masked-probe-failure"
        ident = f"{why}-{named}-{failure.node}"
        return [Location(resource=failure.resource, node=failure.node, score=-INFINITY, id=ident, instance=instance)]
    return []


def _everywhere(ident: str) -> Rule:
    return Rule(Defined("#uname"), score=-INFINITY, id=ident)
