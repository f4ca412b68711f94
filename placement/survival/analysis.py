"""N-k survivability: every combination of K failures, each answered exactly (issue 14).

`survive` enumerates the scenarios (`scenarios`), solves one per class of symmetric
scenarios (`symmetry`), answers each either by proof without search or with the whatif
planner (`evaluate`), on worker processes (`runner`), and returns a `SurvivalReport`:
the scenarios that hurt, ranked worst first, a per-resource risk list with its pattern
(`patterns`), and the count of fully survivable scenarios.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property

from placement.model import Config
from placement.planning import steady_state
from placement.remote import with_lost_guests
from placement.solve import solve
from placement.state import State
from placement.survival import runner
from placement.survival.lowering import Lowering
from placement.survival.outcome import Baseline, Impact, Outcome
from placement.survival.patterns import describe
from placement.survival.scenarios import Domain, Scenario, failure_domains, scenarios
from placement.survival.symmetry import canonical, node_classes
from placement.target import Placement

# Impacts that take a resource out of service (the rest leave it running, weakened).
OUT_OF_SERVICE = ("stopped", "blocked")


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """A scenario with its outcome; ``same_as`` names the solved scenario it is a renaming of."""

    scenario: Scenario
    outcome: Outcome
    same_as: str | None = None

    @property
    def out_of_service(self) -> list[Impact]:
        return [i for i in self.outcome.impacts if i.kind in OUT_OF_SERVICE]

    @property
    def severity(self) -> tuple[int, int, int]:
        """Worst first: how many resources go out of service, their highest priority, all impacts."""
        down = self.out_of_service
        top = max((i.priority for i in self.outcome.impacts), default=0)
        return (len(down) + (1 if self.outcome.error else 0), top, len(self.outcome.impacts))


@dataclass(frozen=True, slots=True)
class Risk:
    """One resource across all scenarios: where it is hurt, and the pattern in words."""

    resource: str
    priority: int
    kinds: tuple[str, ...]
    hurt: tuple[Scenario, ...]
    pattern: str


@dataclass(frozen=True)
class SurvivalReport:
    """Every K-failure scenario and what it does; see `ranked`, `risks`, `survivable`."""

    failures: int
    domain: str | None
    domains: tuple[Domain, ...]
    results: tuple[ScenarioResult, ...]
    classes: tuple[tuple[str, ...], ...]  # interchangeable nodes (only classes of two or more)
    baseline_running: frozenset[str] = frozenset()  # primitives that run with no failure
    seconds: float = field(default=0.0, compare=False)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def survivable(self) -> int:
        """Scenarios after which everything that ran still runs, unharmed."""
        return sum(1 for r in self.results if r.outcome.survivable)

    @property
    def solved(self) -> int:
        """Scenarios actually answered (the rest are symmetric renamings of these)."""
        return sum(1 for r in self.results if r.same_as is None)

    def count(self, method: str) -> int:
        """Solved scenarios answered by ``method``: "fit" (proven without search) or "plan"."""
        return sum(1 for r in self.results if r.same_as is None and r.outcome.method == method)

    @cached_property
    def ranked(self) -> list[ScenarioResult]:
        """The scenarios that hurt something, worst first."""
        hurt = [r for r in self.results if not r.outcome.survivable]
        return sorted(hurt, key=lambda r: tuple(-v for v in r.severity))

    @cached_property
    def risks(self) -> list[Risk]:
        """Every resource hurt somewhere, most often hurt (then highest priority) first."""
        universe = [r.scenario.domains for r in self.results]
        hurt: dict[str, list[ScenarioResult]] = {}
        kinds: dict[str, dict[str, None]] = {}
        priority: dict[str, int] = {}
        for result in self.results:
            for impact in result.outcome.impacts:
                hurt.setdefault(impact.resource, []).append(result)
                kinds.setdefault(impact.resource, {})[impact.kind] = None
                priority[impact.resource] = impact.priority
        risks = [
            Risk(name, priority[name], tuple(kinds[name]), tuple(r.scenario for r in found),
                 describe(universe, [r.scenario.domains for r in found]))
            for name, found in hurt.items()
        ]
        return sorted(risks, key=lambda r: (-len(r.hurt), -r.priority, r.resource))

    @property
    def unproven(self) -> int:
        return sum(1 for r in self.results if not r.outcome.proven and r.outcome.error is None)


def survive(
    config: Config,
    state: State | None = None,
    failures: int = 1,
    domain: str | None = None,
    *,
    jobs: int = 1,
    symmetry: bool = True,
    fit: bool = True,
    time_limit: float = 60.0,
    progress: Callable[[int, int], None] | None = None,
    baseline: Placement | None = None,
) -> SurvivalReport:
    """Every combination of ``failures`` node (or ``domain``) failures from ``state``, answered exactly.

    ``state`` defaults to the steady state. ``jobs`` worker processes share the work;
    ``symmetry`` solves one scenario per class of interchangeable nodes; ``fit`` proves
    scenarios whose displaced units simply fit without search (both exact; off only to
    check them). ``progress(done, total)`` is called as scenarios finish. ``baseline`` is
    the target with no failure (``solve(config, state)``), when the caller has it already.
    """
    began = time.perf_counter()
    state = steady_state(config, time_limit=time_limit) if state is None else state
    if baseline is None:
        baseline = solve(config, with_lost_guests(config, state), time_limit=time_limit)
    reference = Baseline.of(baseline)
    domains = failure_domains(config, state, domain)
    every = scenarios(domains, failures)
    classes: list[tuple[str, ...]] = []
    representative: dict[tuple[int, ...], Scenario] = {}
    key_of: list[tuple[int, ...] | None] = [None] * len(every)
    if symmetry and domain is None:
        classes = node_classes(config, state, [d.name for d in domains])
        class_of = {node: index for index, members in enumerate(classes) for node in members}
        for index, scenario in enumerate(every):
            key = canonical(scenario, class_of)
            key_of[index] = key
            representative.setdefault(key, scenario)
        to_solve = list(representative.values())
    else:
        to_solve = every
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(done, len(to_solve))

    # Lowered once with no failure, before the workers fork: each scenario redoes only what its lost nodes touch.
    lowering = Lowering(config, with_lost_guests(config, state))
    hints = None
    if fit and failures > 1:
        # Each single failure's fit first: combined, their moves prove most multi-failure scenarios.
        singles = runner.run(config, state, reference, [(d.nodes,) for d in domains], jobs=jobs,
                             time_limit=time_limit, fit=fit, lowering=lowering)
        hints = {d.nodes: o.moves for d, o in zip(domains, singles, strict=True) if o.moves is not None}
    outcomes = runner.run(config, state, reference, [s.groups for s in to_solve], jobs=jobs,
                          time_limit=time_limit, fit=fit, hints=hints, lowering=lowering, advance=advance)
    solved = {s: o for s, o in zip(to_solve, outcomes, strict=True)}
    results = []
    for index, scenario in enumerate(every):
        key = key_of[index]
        source = representative[key] if key is not None else scenario
        if source == scenario:
            results.append(ScenarioResult(scenario, solved[scenario]))
        else:
            mapping = _renaming(source, scenario, classes)
            results.append(ScenarioResult(scenario, _renamed(solved[source], scenario, mapping), source.label))
    return SurvivalReport(failures, domain, tuple(domains), tuple(results),
                          tuple(c for c in classes if len(c) > 1), frozenset(reference.copies),
                          time.perf_counter() - began)


def _renaming(source: Scenario, target: Scenario, classes: list[tuple[str, ...]]) -> dict[str, str]:
    """The node permutation (an automorphism) that takes ``source``'s failures to ``target``'s."""
    mapping: dict[str, str] = {}
    for members in classes:
        lost_from = [n for n in members if n in source.nodes]
        lost_to = [n for n in members if n in target.nodes]
        kept_from = [n for n in members if n not in source.nodes]
        kept_to = [n for n in members if n not in target.nodes]
        mapping.update(zip(lost_from + kept_from, lost_to + kept_to, strict=True))
    return {a: b for a, b in mapping.items() if a != b}


def _renamed(outcome: Outcome, scenario: Scenario, mapping: dict[str, str]) -> Outcome:
    if not mapping:
        return replace(outcome, nodes=scenario.nodes)
    names = "|".join(map(re.escape, sorted(mapping, key=len, reverse=True)))
    pattern = re.compile(rf"(?<![\w.-])({names})(?![\w.-])")

    def rename(text: str) -> str:
        return pattern.sub(lambda m: mapping[m.group(1)], text)

    impacts = tuple(replace(i, reason=rename(i.reason)) for i in outcome.impacts)
    error = rename(outcome.error) if outcome.error else None
    return replace(outcome, nodes=scenario.nodes, impacts=impacts, error=error)
