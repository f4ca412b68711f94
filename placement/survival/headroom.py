"""Capacity headroom: how many more copies of a new resource fit so that every K-failure scenario survives.

"Survives" means the copies change nothing for the worse: with *n* copies added,

* with no failure, every copy runs and everything that ran still runs (the steady plan), and
* in every K-failure scenario no copy is hurt, and no resource is hurt that was not
  already hurt in that scenario without the copies (an existing weakness is not the
  copies' fault: it is `survive`'s report).

Each count is decided exactly (`survive`, every scenario solved or proven). The search
doubles the count until it fails, then bisects; the answer *n* comes with its proof: the
report at *n* (nothing worse anywhere) and a failing scenario at *n + 1*, named with the
resource it hurts. (If survivability were not monotone in the count — a larger count
surviving where a smaller one does not — the answer is still a proven boundary: *n*
survives and *n + 1* does not.)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from placement.model import Config
from placement.planning import plan, steady_state
from placement.state import State
from placement.survival.analysis import ScenarioResult, SurvivalReport, survive
from placement.survival.outcome import Impact
from placement.survival.template import copies


@dataclass(frozen=True)
class Probe:
    """One count tried: whether it survives, and if not where it breaks first."""

    count: int
    survives: bool
    scenario: str | None = None  # the failed domains, "" when it fails with no failure at all
    resource: str | None = None
    reason: str | None = None
    report: SurvivalReport | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Headroom:
    """The answer: ``copies`` more fit; ``limit`` is the proof that one more does not."""

    template: tuple[str, ...]
    failures: int
    domain: str | None
    copies: int
    limit: Probe | None  # None when even the largest count tried survived (``capped``)
    proof: Probe
    probes: tuple[Probe, ...]
    most: int
    seconds: float = 0.0

    @property
    def capped(self) -> bool:
        return self.limit is None


def headroom(
    config: Config,
    state: State | None = None,
    template: str = "",
    failures: int = 1,
    domain: str | None = None,
    *,
    most: int = 128,
    jobs: int = 1,
    time_limit: float = 60.0,
    progress: Callable[[str], None] | None = None,
) -> Headroom:
    """The largest number of copies of ``template`` (.place text) that survive every ``failures`` scenario.

    At most ``most`` copies are tried (`Headroom.capped` says the limit was not found below).
    ``progress(message)`` hears about each count tried.
    """
    began = time.perf_counter()
    state = steady_state(config, time_limit=time_limit) if state is None else state
    made = copies(config, template, most)
    options = {"failures": failures, "domain": domain, "jobs": jobs, "time_limit": time_limit}
    before = _report(config, state, options)
    known: dict[int, Probe] = {}

    def probe(count: int) -> Probe:
        if count not in known:
            if progress:
                progress(f"trying {count} copies")
            known[count] = _probe(made.config(count), state, made.copy_names(count), count, before, options)
        return known[count]

    good, bad = 0, None
    count = 1
    while True:  # double until a count fails (or the most asked for survives) ...
        count = min(count, most)
        if not probe(count).survives:
            bad = count
            break
        good = count
        if count == most:
            break
        count *= 2
    while bad is not None and bad - good > 1:  # ... then bisect between the last good and the first bad
        middle = (good + bad) // 2
        if probe(middle).survives:
            good = middle
        else:
            bad = middle
    proof = known.get(good) or Probe(0, True, report=before)
    limit = known.get(bad) if bad is not None else None
    ordered = tuple(known[k] for k in sorted(known))
    return Headroom(made.names, failures, domain, good, limit, proof, ordered, most,
                    time.perf_counter() - began)


def _report(config: Config, state: State, options: dict) -> SurvivalReport:
    return survive(config, plan(config, state).apply(), **options)


def _probe(config: Config, state: State, names: list[str], count: int, before: SurvivalReport,
           options: dict) -> Probe:
    steady = plan(config, state)
    running = {a.resource for a in steady.placement.assignments}
    missing = [name for name in names if name not in running]
    if missing:
        reason = next((s.reason for s in steady.placement.stopped if s.resource.split(" (")[0] == missing[0]),
                      "not placed")
        return Probe(count, False, "", missing[0], f"does not run even with no failure: {reason}")
    lost = [rid for rid in before.baseline_running if rid not in running]
    if lost:
        return Probe(count, False, "", lost[0], "stops even with no failure, to make room for the copies")
    report = survive(config, steady.apply(), baseline=steady.placement, **options)
    earlier = {r.scenario.domains: {(i.resource, i.kind) for i in r.outcome.impacts} for r in before.results}
    for result in report.ranked:
        worse = _worse(result, earlier.get(result.scenario.domains, set()))
        if worse is not None:
            return Probe(count, False, result.scenario.label, worse.resource, f"{worse.kind}: {worse.reason}", report)
    return Probe(count, True, report=report)


def _worse(result: ScenarioResult, before: set[tuple[str, str]]) -> Impact | None:
    if result.outcome.error:
        return Impact("(the whole cluster)", "infeasible", 0, result.outcome.error)
    return next((i for i in result.outcome.impacts if (i.resource, i.kind) not in before), None)
