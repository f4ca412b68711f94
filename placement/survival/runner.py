"""Run many scenarios on worker processes that share the parsed problem.

The configuration, the state and the baseline are set once in this module before the
workers fork, so every worker starts with them in memory: nothing is parsed, pickled
or copied per scenario, and only the small `Outcome` comes back. Without ``fork``
(or with one job) the scenarios run in this process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager

from placement.model import Config
from placement.state import State
from placement.survival.evaluate import evaluate
from placement.survival.lowering import Lowering
from placement.survival.outcome import Baseline, Moves, Outcome

# What the forked workers read (set by `run` just before the pool starts).
_SHARED: dict[str, object] = {}
CHUNK = 4  # scenarios per task: fewer round trips, still a smooth progress bar


def default_jobs() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run(config: Config, state: State, baseline: Baseline, node_sets: Sequence[tuple[tuple[str, ...], ...]], *,
        jobs: int = 1, time_limit: float = 60.0, fit: bool = True,
        hints: Mapping[tuple[str, ...], Moves] | None = None,
        lowering: Lowering | None = None,
        advance: Callable[[int], None] | None = None) -> list[Outcome]:
    """The outcome of every scenario (its nodes, per failure domain), in order; ``advance(n)`` as n finish."""
    options = {"time_limit": time_limit, "fit": fit, "hints": hints, "lowering": lowering}
    with _frozen_heap():
        return _run(config, state, baseline, node_sets, jobs, options, advance)


@contextmanager
def _frozen_heap() -> Iterator[None]:
    """Keep the garbage collector off what exists now (the configuration, the lowering…) while scenarios run.

    A full collection walks every object; with the no-failure lowering of a large cluster in
    memory that is most of the CPU time of the collections a scenario's garbage triggers
    (a fifth of the whole at 1,000 resources), and in a forked worker it also writes to the
    shared pages, copying them. Frozen objects are only skipped, never freed. (A caller that
    froze objects itself keeps its own freeze: it is left as it is.)
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(config: Config, state: State, baseline: Baseline, node_sets: Sequence[tuple[tuple[str, ...], ...]],
         jobs: int, options: dict[str, object], advance: Callable[[int], None] | None) -> list[Outcome]:
    if jobs <= 1 or len(node_sets) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        outcomes = []
        for nodes in node_sets:
            outcomes.append(evaluate(config, state, baseline, nodes, **options))  # type: ignore[arg-type]
            if advance:
                advance(1)
        return outcomes
    _SHARED.update(config=config, state=state, baseline=baseline, options=options)
    chunks = [list(node_sets[i : i + CHUNK]) for i in range(0, len(node_sets), CHUNK)]
    results: dict[int, list[Outcome]] = {}
    try:
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(_work, chunk): index for index, chunk in enumerate(chunks)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if advance:
                    advance(len(results[futures[future]]))
    finally:
        _SHARED.clear()
    return [outcome for index in range(len(chunks)) for outcome in results[index]]


def _work(chunk: list[tuple[tuple[str, ...], ...]]) -> list[Outcome]:
    config, state, baseline = _SHARED["config"], _SHARED["state"], _SHARED["baseline"]
    options = _SHARED["options"]
    return [evaluate(config, state, baseline, nodes, **options) for nodes in chunk]  # type: ignore[arg-type]
