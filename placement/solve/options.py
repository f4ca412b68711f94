"""How the solver searches: time budget, workers, seed (kept free of ortools imports)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """How to search: time budget for the whole solve, workers and seed (pinned for determinism)."""

    time_limit: float = 60.0
    num_workers: int = 1
    seed: int = 0
    tie_break_share: float = 0.25  # at most this share of the remaining time for the closeness level
