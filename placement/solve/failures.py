"""Fail counts against migration-threshold: a node where a resource failed too often is banned (§4).

compat(pacemaker): ``pcmk__threshold_reached`` — fail count ≥ threshold ⇒ -INFINITY on that
node; threshold 0 disables, negative counts as 1; failures older than ``failure-timeout``
(when the state says what time it is) no longer count.
"""

from __future__ import annotations

from collections.abc import Iterable

from placement.model import Meta
from placement.score import INFINITY
from placement.solve.terms import Term
from placement.state import FailCount, State

KIND = "failures"


def live_fail_count(
    state: State, primitive: str, node: str, meta: Meta, failures: Iterable[FailCount] | None = None
) -> int:
    """Failures of ``primitive`` on ``node`` that have not expired.

    ``failures`` narrows the search to those fail counts (every one of the state by default):
    a caller that indexed the state's fail counts by resource and node passes that entry.

    >>> from placement.state import FailCount
    >>> state = State(fail_counts=(FailCount("db", "alice", 3, last_failure=1000),), now=1100)
    >>> live_fail_count(state, "db", "alice", Meta(failure_timeout=60))
    0
    >>> live_fail_count(state, "db", "alice", Meta())
    3
    """
    count = 0
    timeout = meta.failure_timeout or 0
    for failure in state.fail_counts if failures is None else failures:
        if failure.resource != primitive or failure.node != node:
            continue
        expired = (
            timeout > 0
            and state.now is not None
            and failure.last_failure is not None
            and state.now > failure.last_failure + timeout
        )
        if not expired:
            count += failure.count
    return count


def threshold_term(
    state: State, primitive: str, node: str, meta: Meta, failures: Iterable[FailCount] | None = None
) -> Term | None:
    """A -INFINITY term when ``primitive`` reached its migration-threshold on ``node``.

    ``failures``: as for `live_fail_count`.
    """
    threshold = meta.migration_threshold if meta.migration_threshold is not None else INFINITY
    if threshold == 0:
        return None
    threshold = max(threshold, 1)
    count = live_fail_count(state, primitive, node, meta, failures)
    if count >= threshold:
        return Term(KIND, f"{primitive} failed {count}× (migration-threshold {threshold})", -INFINITY)
    return None
