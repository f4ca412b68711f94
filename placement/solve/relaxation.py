"""The LP relaxation of a level: a cheap upper bound, and often the optimum itself.

Placement models are assignment problems with capacities; their linear relaxation is
usually tight and often integral. Solving it with GLOP (OR-Tools' LP solver) gives, in a
fraction of CP-SAT's time, (a) an upper bound that proves a hinted answer optimal when the
answer reaches it, and (b) when the LP optimum happens to be integral and feasible, the
optimal answer itself. Constraints the relaxation cannot express linearly (enforced linear
inequalities) are left out, which only loosens the bound — it stays a valid bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

_INFINITE = 2**62  # CP-SAT writes unbounded sides as ±2^63-1
_INTEGRAL = 1e-6


@dataclass(frozen=True)
class Relaxation:
    """The LP optimum of the current objective: ``bound`` (in the objective's own sense) and values."""

    bound: float
    values: list[float]

    def integral(self, indices: list[int]) -> bool:
        """Whether every listed variable is 0 or 1 in the LP optimum."""
        return all(min(self.values[i], 1 - self.values[i]) <= _INTEGRAL for i in indices)


class LinearRelaxation:
    """The LP relaxation of a CP-SAT model, kept across objective levels.

    Each `solve` first adds the constraints appended to the model since the last call (the
    fixed value of the previous level) and replaces the objective, so GLOP restarts from
    its previous basis instead of from scratch.
    """

    def __init__(self, model: cp_model.CpModel) -> None:
        self._model = model
        self._lp = pywraplp.Solver.CreateSolver("GLOP")
        self._xs: list = []
        self._synced = 0

    def solve(self, time_limit: float) -> Relaxation | None:
        """The LP optimum of the model's current objective; None if GLOP does not reach it in time."""
        lp = self._lp
        if lp is None:
            return None
        proto = self._model.proto
        # (Index the repeated fields from the front: their pybind wrappers mis-handle negative indices.)
        for variable in list(proto.variables)[len(self._xs) :]:
            domain = list(variable.domain)
            self._xs.append(lp.NumVar(float(domain[0]), float(domain[-1]), ""))
        constraints = proto.constraints
        for index in range(self._synced, len(constraints)):
            self._add_constraint(constraints[index])
        self._synced = len(constraints)
        objective = proto.objective
        target = lp.Objective()
        target.Clear()
        for index, coefficient in zip(objective.vars, objective.coeffs, strict=True):
            target.SetCoefficient(self._xs[index], coefficient)
        target.SetMinimization()
        lp.SetTimeLimit(max(1, int(min(time_limit, 3600.0) * 1000)))
        if lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        scale = objective.scaling_factor or 1.0
        bound = scale * (target.Value() + objective.offset)
        return Relaxation(bound, [x.solution_value() for x in self._xs])

    def _add_constraint(self, c: object) -> None:
        enforcement = list(c.enforcement_literal)  # type: ignore[attr-defined]
        negated = [-e - 1 for e in enforcement]  # "some enforcement literal is false"
        if c.has_bool_or():  # type: ignore[attr-defined]
            literals = [*c.bool_or.literals, *negated]  # type: ignore[attr-defined]
            self._add(1, _INFINITE, literals, [1] * len(literals))
        elif c.has_bool_and():  # type: ignore[attr-defined]
            for literal in c.bool_and.literals:  # type: ignore[attr-defined]
                self._add(1, _INFINITE, [literal, *negated], [1] * (1 + len(negated)))
        elif c.has_at_most_one() and not enforcement:  # type: ignore[attr-defined]
            literals = list(c.at_most_one.literals)  # type: ignore[attr-defined]
            self._add(-_INFINITE, 1, literals, [1] * len(literals))
        elif c.has_exactly_one() and not enforcement:  # type: ignore[attr-defined]
            literals = list(c.exactly_one.literals)  # type: ignore[attr-defined]
            self._add(1, 1, literals, [1] * len(literals))
        elif c.has_linear() and not enforcement:  # type: ignore[attr-defined]
            linear = c.linear  # type: ignore[attr-defined]
            domain = list(linear.domain)
            self._add(domain[0], domain[-1], list(linear.vars), list(linear.coeffs))
        # Anything else (enforced linear constraints) is dropped: the bound stays valid.

    def _add(self, lo: float, hi: float, literals: list[int], coefficients: list[int]) -> None:
        """lo ≤ Σ coefficient·literal ≤ hi, where a negative reference r means 1 − x[−r−1]."""
        lp = self._lp
        constant = 0.0
        terms: dict[int, float] = {}
        for ref, coefficient in zip(literals, coefficients, strict=True):
            if ref >= 0:
                terms[ref] = terms.get(ref, 0.0) + coefficient
            else:
                constant += coefficient
                terms[-ref - 1] = terms.get(-ref - 1, 0.0) - coefficient
        constraint = lp.Constraint(
            lo - constant if lo > -_INFINITE else -lp.infinity(),
            hi - constant if hi < _INFINITE else lp.infinity(),
        )
        for index, coefficient in terms.items():
            constraint.SetCoefficient(self._xs[index], coefficient)


def proves(relaxation: Relaxation, value: int, maximise: bool) -> bool:
    """Whether an integral ``value`` is optimal given the relaxation's bound."""
    if maximise:
        return value >= math.floor(relaxation.bound + _INTEGRAL)
    return value <= math.ceil(relaxation.bound - _INTEGRAL)


def objective_value(model: cp_model.CpModel, values: dict[int, bool]) -> float:
    """The value of ``model``'s objective for a complete assignment (variable index → value)."""
    objective = model.proto.objective
    raw = sum(c * values.get(i, False) for i, c in zip(objective.vars, objective.coeffs, strict=True))
    return (objective.scaling_factor or 1.0) * (raw + objective.offset)
