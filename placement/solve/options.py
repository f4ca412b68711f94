"""How the solver searches: time budget, workers, seed (kept free of ortools imports)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """How to search: time budget for the whole solve, workers and seed (pinned for determinism).

    ``tie_break_work`` is the closeness tie-break's budget in CP-SAT's *deterministic* time
    (``max_deterministic_time``: a count of work, about a second each on this kind of
    machine), fixed when the options are made — ``tie_break_share`` of ``time_limit`` unless
    given. A wall-clock budget would cut the tie-break at a different point on a busier
    machine, so the same input could give a different one of the equally good answers; a
    count of work cuts it at the same point every time (with one worker, CP-SAT's search is
    deterministic). ``time_limit`` stays a wall-clock cap on the whole solve: only when it
    binds first can the answer depend on the machine's speed.
    """

    time_limit: float = 60.0
    num_workers: int = 1
    seed: int = 0
    tie_break_share: float = 0.25  # the tie-break's default budget, as a share of time_limit
    tie_break_work: float | None = None  # deterministic seconds for the closeness level

    def __post_init__(self) -> None:
        if self.tie_break_work is None:
            # Fixed here, from the limit the caller gave: the solve later narrows time_limit
            # to what is left (`dataclasses.replace`), which must not move this budget.
            object.__setattr__(self, "tie_break_work", self.tie_break_share * self.time_limit)
