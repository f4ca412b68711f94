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
import tempfile
import time
from collections.abc import Iterable, Set
from dataclasses import dataclass
from pathlib import Path

from ortools.linear_solver import linear_solver_pb2, pywraplp
from ortools.sat import cp_model_pb2

from placement.solve.cp_model_import import cp_model

_INFINITE = 2**62  # CP-SAT writes unbounded sides as ±2^63-1
INTEGRAL_TOLERANCE = 1e-6  # how far from an integer an LP value may be and still count as it
# A held variable enters when it would lower the objective by more than this per unit, and
# every improving one does when together they could by more than the slack: the bound is
# then the whole LP's within the slack, far below INTEGRAL_TOLERANCE.
_PRICING_TOLERANCE = 1e-9
_PRICING_SLACK = 1e-8


@dataclass(frozen=True)
class Relaxation:
    """The LP optimum of the current objective: ``bound`` (in the objective's own sense) and values."""

    bound: float
    values: list[float]

    def integral(self, indices: list[int]) -> bool:
        """Whether every listed variable is 0 or 1 in the LP optimum."""
        return all(min(self.values[i], 1 - self.values[i]) <= INTEGRAL_TOLERANCE for i in indices)


class LinearRelaxation:
    """The LP relaxation of a CP-SAT model, kept across objective levels.

    The first `solve` loads the whole model into GLOP at once (an ``MPModelProto``); each
    later one adds only the constraints appended since (the fixed value of the previous
    level) and replaces the objective, so GLOP restarts from its previous basis instead of
    from scratch.
    """

    def __init__(self, model: cp_model.CpModel, priced: Iterable[int] = (), keep: Set[int] = frozenset()) -> None:
        """``priced``: 0–1 variables that start fixed at 0 unless in ``keep`` (see `_price`)."""
        self._model = model
        self._lp = pywraplp.Solver.CreateSolver("GLOP")
        self._xs: list = []
        self._synced = 0
        self._row_of: dict[int, int] = {}  # CP-SAT constraint index → its single LP row
        self._scale = 1.0
        self._held = [index for index in priced if index not in keep]  # fixed at 0 for now
        self._upper: dict[int, float] = {}  # a held variable's own upper bound, for its release
        # Rows over held variables only, that hold with them at 0: left out until one of their
        # variables is released (`_load`), so GLOP never sees most of a neighbourhood's rows.
        self._pending: dict[int, tuple[float, float, dict[int, float], int | None]] = {}
        self._waiting: dict[int, list[int]] = {}  # held variable → its pending rows
        self._pending_single: dict[int, int] = {}  # model constraint → its one pending row
        self._solution = linear_solver_pb2.MPSolutionResponse()  # the last optimum

    def solve(self, time_limit: float) -> Relaxation | None:
        """The LP optimum of the model's current objective; None if GLOP does not reach it in time."""
        lp = self._lp
        if lp is None:
            return None
        proto = readable(self._model)
        if proto is None:
            return None
        if not self._xs:
            if not self._load(proto):
                return None
        else:
            for index, constraint in enumerate(proto.constraints[self._synced :], start=self._synced):
                rows = _rows(constraint)
                if len(rows) == 1:
                    self._row_of[index] = lp.NumConstraints()
                for lo, hi, terms in rows:
                    row = lp.Constraint(*self._bounds(lo, hi))
                    for variable, coefficient in terms.items():
                        row.SetCoefficient(self._xs[variable], coefficient)
        self._synced = len(proto.constraints)
        objective = proto.objective
        target = lp.Objective()
        target.Clear()
        for index, coefficient in zip(objective.vars, objective.coeffs, strict=True):
            target.SetCoefficient(self._xs[index], coefficient)
        target.SetMinimization()
        if not self._price(time_limit):
            return None
        scale = objective.scaling_factor or 1.0
        bound = scale * (self._solution.objective_value + objective.offset)
        self._scale = scale
        return Relaxation(bound, list(self._solution.variable_value))

    def _price(self, time_limit: float) -> bool:
        """Solve to the optimum of the whole LP, most held variables never entering it.

        Column generation: a placement model has a variable per unit and node, yet an
        optimum uses few of them. The held variables stay fixed at 0 while the LP solves
        over the rest; then every held variable whose reduced cost says the objective would
        improve were it allowed up is released, and GLOP solves again from its last basis.
        When none would, the duals prove the restricted optimum is the whole LP's optimum
        (the same bound, values and prices, in a fraction of the time). An infeasible
        restriction (held variables a level's fixed value needs) releases them all.

        Rows over held variables alone that hold with them at 0 wait outside the LP until
        one of their variables is released: the restricted optimum satisfies them as it is,
        so it stays feasible for the whole LP, and the reduced costs count them at dual 0.
        """
        lp = self._lp
        deadline = time.perf_counter() + time_limit
        xs = self._xs
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return False
            lp.SetTimeLimit(max(1, int(min(remaining, 3600.0) * 1000)))
            status = lp.Solve()
            if status == pywraplp.Solver.INFEASIBLE and self._held:
                entering = list(self._held)
            elif status != pywraplp.Solver.OPTIMAL:
                return False
            else:
                # Values, reduced costs and duals in one message: per-variable calls cost more.
                self._solution = linear_solver_pb2.MPSolutionResponse()
                lp.FillSolutionResponseProto(self._solution)
                reduced = self._solution.reduced_cost
                # GLOP minimises: a variable at 0 whose reduced cost is negative would lower it.
                costs = [reduced[index] for index in self._held]
                entering = [index for index, cost in zip(self._held, costs, strict=True) if cost < -_PRICING_TOLERANCE]
                if not entering and -sum(min(0.0, cost) for cost in costs) > _PRICING_SLACK:
                    # Rounding noise below the tolerance must not add up to a visible error.
                    entering = [index for index, cost in zip(self._held, costs, strict=True) if cost < 0]
            if not entering:
                return True
            for index in entering:
                xs[index].SetUb(self._upper[index])
                for pending in self._waiting.pop(index, ()):
                    row = self._pending.pop(pending, None)
                    if row is not None:
                        self._add_row(*row)
            entered = set(entering)
            self._held = [index for index in self._held if index not in entered]

    def loaded(self) -> set[int]:
        """The variables the LP has taken in (not held at 0): where its optimum may be nonzero."""
        held = set(self._held)
        return {index for index in range(len(self._xs)) if index not in held}

    def prices(self, constraints: dict[object, int]) -> dict[object, float]:
        """The last optimum's dual value of each named model constraint (one LP row each).

        In the objective's own sense: how much its optimum could grow per unit the
        constraint's bound is loosened (GLOP minimises; the model's scaling says which way).
        Constraints without a single LP row are left out.
        """
        duals = self._solution.dual_value
        found = {
            name: self._scale * duals[self._row_of[index]]
            for name, index in constraints.items()
            if index in self._row_of
        }
        # A row never added is priced 0: the optimum holds with it (its variables are all 0
        # and it holds there), and the reduced costs that proved it counted it at 0.
        found.update({name: 0.0 for name, index in constraints.items() if index in self._pending_single})
        return found

    def _add_row(self, lo: float, hi: float, terms: dict[int, float], constraint: int | None) -> None:
        """Add one pending row to the loaded LP (it became relevant: a variable of it was released)."""
        if constraint is not None:
            self._pending_single.pop(constraint, None)
            self._row_of[constraint] = self._lp.NumConstraints()
        row = self._lp.Constraint(*self._bounds(lo, hi))
        for variable, coefficient in terms.items():
            row.SetCoefficient(self._xs[variable], coefficient)

    def _load(self, proto: cp_model_pb2.CpModelProto) -> bool:
        """Load every variable and constraint of ``proto`` in one go (per-row API calls are slow)."""
        model = linear_solver_pb2.MPModelProto()
        held = set(self._held)
        add_variable = model.variable.add
        for index, variable in enumerate(proto.variables):
            domain = variable.domain
            upper = domain[-1]
            if index in held:
                self._upper[index] = upper
                upper = 0
            add_variable(lower_bound=domain[0], upper_bound=upper)
        # (Locals, not attributes, in this loop: it runs for every row of a neighbourhood.)
        add_constraint = model.constraint.add
        infinity = self._lp.infinity()
        pending, waiting, pending_single, row_of = self._pending, self._waiting, self._pending_single, self._row_of
        for index, constraint in enumerate(proto.constraints):
            rows = _rows(constraint)
            single = index if len(rows) == 1 else None
            for lo, hi, terms in rows:
                if lo <= 0 <= hi and held.issuperset(terms):
                    number = len(pending)
                    pending[number] = (lo, hi, terms, single)
                    for variable in terms:
                        waiting.setdefault(variable, []).append(number)
                    if single is not None:
                        pending_single[single] = number
                    continue
                if single is not None:
                    row_of[index] = len(model.constraint)
                add_constraint(
                    var_index=list(terms),
                    coefficient=list(terms.values()),
                    lower_bound=lo if lo > -_INFINITE else -infinity,
                    upper_bound=hi if hi < _INFINITE else infinity,
                )
        if self._lp.LoadModelFromProto(model):  # an error message: the model did not load
            return False
        self._xs = self._lp.variables()
        return True

    def _bounds(self, lo: float, hi: float) -> tuple[float, float]:
        infinity = self._lp.infinity()
        return (lo if lo > -_INFINITE else -infinity, hi if hi < _INFINITE else infinity)


def readable(model: cp_model.CpModel) -> cp_model_pb2.CpModelProto | None:
    """``model`` as a plain protobuf message; None if it cannot be written out.

    The model's own ``proto`` is a C++ object whose every field access crosses into C++:
    reading a large model that way costs ten times a serialized copy's. OR-Tools serializes
    it only to a file, so it goes through a temporary one. Without a writable temporary
    directory there is no relaxation (the solver then searches without it: slower, as exact).
    """
    try:
        with tempfile.NamedTemporaryFile(suffix=".pb") as file:
            if not model.export_to_file(file.name):
                return None
            return cp_model_pb2.CpModelProto.FromString(Path(file.name).read_bytes())
    except OSError:
        return None


def _rows(c: cp_model_pb2.ConstraintProto) -> list[tuple[float, float, dict[int, float]]]:
    """The linear rows ``lo ≤ Σ coefficient·x ≤ hi`` a constraint relaxes to (none if it cannot)."""
    kind = c.WhichOneof("constraint")
    enforcement = c.enforcement_literal
    if kind == "bool_or":
        literals = list(c.bool_or.literals)
        literals += [-e - 1 for e in enforcement]  # "some enforcement literal is false"
        return [_clause(1, _INFINITE, literals)]
    if kind == "bool_and":
        negated = [-e - 1 for e in enforcement]
        return [_clause(1, _INFINITE, [lit, *negated]) for lit in c.bool_and.literals]
    if enforcement:
        return []  # enforced linear constraints are dropped: the bound stays valid
    if kind == "at_most_one":
        return [_clause(-_INFINITE, 1, list(c.at_most_one.literals))]
    if kind == "exactly_one":
        return [_clause(1, 1, list(c.exactly_one.literals))]
    if kind == "linear":
        domain = c.linear.domain
        return [_row(domain[0], domain[-1], list(c.linear.vars), list(c.linear.coeffs))]
    return []


def _clause(lo: float, hi: float, literals: list[int]) -> tuple[float, float, dict[int, float]]:
    """`_row` with every coefficient 1 (clauses, at-most-one, exactly-one): the same row, built faster."""
    if min(literals, default=0) >= 0:
        terms = dict.fromkeys(literals, 1)
        if len(terms) == len(literals):
            return (lo, hi, terms)
    constant = 0.0
    terms = {}
    for ref in literals:
        if ref >= 0:
            terms[ref] = terms.get(ref, 0.0) + 1
        else:
            constant += 1
            terms[-ref - 1] = terms.get(-ref - 1, 0.0) - 1
    return (lo - constant if lo > -_INFINITE else lo, hi - constant if hi < _INFINITE else hi, terms)


def _row(lo: float, hi: float, literals: list[int], coefficients: list[int]) -> tuple[float, float, dict[int, float]]:
    """lo ≤ Σ coefficient·literal ≤ hi over variables, where a negative reference r means 1 − x[−r−1]."""
    if min(literals, default=0) >= 0:
        terms = dict(zip(literals, coefficients, strict=True))
        if len(terms) == len(literals):  # the usual case: plain, distinct variables
            return (lo, hi, terms)
    constant = 0.0
    terms = {}
    for ref, coefficient in zip(literals, coefficients, strict=True):
        if ref >= 0:
            terms[ref] = terms.get(ref, 0.0) + coefficient
        else:
            constant += coefficient
            terms[-ref - 1] = terms.get(-ref - 1, 0.0) - coefficient
    return (lo - constant if lo > -_INFINITE else lo, hi - constant if hi < _INFINITE else hi, terms)


def proves(relaxation: Relaxation, value: int, maximise: bool) -> bool:
    """Whether an integral ``value`` is optimal given the relaxation's bound."""
    if maximise:
        return value >= math.floor(relaxation.bound + INTEGRAL_TOLERANCE)
    return value <= math.ceil(relaxation.bound - INTEGRAL_TOLERANCE)


def objective_value(model: cp_model.CpModel, values: dict[int, bool]) -> float:
    """The value of ``model``'s objective for a complete assignment (variable index → value)."""
    objective = model.proto.objective
    raw = sum(c * values.get(i, False) for i, c in zip(objective.vars, objective.coeffs, strict=True))
    return (objective.scaling_factor or 1.0) * (raw + objective.offset)
