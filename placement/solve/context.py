"""The shared CP-SAT model every encoder adds to: variables, guarded clauses, objective terms.

Variables exist only for pairs the problem allows — ``run[unit@node]`` and, for
promotable units, ``promoted[unit@node]`` — so a ban costs nothing. Hard clauses go
through `EncodeContext.require`, which (when explaining) guards each by a literal named
after the constraint, so an infeasible "make X run" can be answered with the constraints
that forbid it. Objective terms are collected per level (`placement.solve.objective`).
"""

from __future__ import annotations

from collections.abc import Set
from typing import TYPE_CHECKING

from placement.model import Role
from placement.solve.cp_model_import import cp_model
from placement.solve.refs import Ref

if TYPE_CHECKING:
    from placement.solve.problem import Problem

Literal = cp_model.IntVar  # a Boolean variable or its negation

# `CpModel.new_bool_var` builds a new 0..1 `Domain` for every variable, half its cost; a
# model here has one per unit and allowed node (26,000 in a 100×10,000 node-down replan).
_BOOLEAN = cp_model.Domain(0, 1)


def new_bool_var(model: cp_model.CpModel, name: str) -> Literal:
    """The variable ``model.new_bool_var(name)`` adds, the same in the model, built with a shared domain."""
    return cp_model.IntVar(model.model_proto).with_name(name).with_domain(_BOOLEAN)


class EncodeContext:
    """One CP-SAT model for one `Problem`, with named literals and per-level objective terms."""

    def __init__(self, problem: Problem, explain: bool = False) -> None:
        self.problem = problem
        self.model = cp_model.CpModel()
        self.explain = explain
        self.x: dict[tuple[str, str], Literal] = {}
        self.promoted: dict[tuple[str, str], Literal] = {}
        self.guards: dict[str, Literal] = {}
        self.score_terms: list[tuple[int, Literal]] = []
        # (node, attribute) → index of its capacity constraint in the model, for LP prices.
        self.capacity_rows: dict[tuple[str, str], int] = {}
        self._or_cache: dict[tuple[int, ...], Literal] = {}
        self._unpromoted: dict[tuple[str, str], Literal] = {}
        # Auxiliary variables as ("and"|"or", var, literals), in creation order, so a complete
        # hint can be computed from the placement literals (`hint_values`).
        self.definitions: list[tuple[str, Literal, list[Literal]]] = []
        # `new_bool_var` inlined, the proto looked up once: this runs for every allowed pair.
        proto, variable, x = self.model.model_proto, cp_model.IntVar, self.x
        for unit in problem.units:
            key = unit.key
            for node in problem.allowed.get(key, {}):  # `Problem.nodes_of`, in node order
                x[(key, node)] = variable(proto).with_name(f"run[{key}@{node}]").with_domain(_BOOLEAN)
            for node in problem.pinned.get(key, ()):
                self.model.add(x[(key, node)] == 1)

    # --------------------------------------------------------------- literals

    def promoted_var(self, key: str, node: str) -> Literal:
        """``promoted[unit@node]``, created on first use (pinned promotions are fixed to 1)."""
        var = self.promoted.get((key, node))
        if var is None:
            var = self.model.new_bool_var(f"promoted[{key}@{node}]")
            self.promoted[(key, node)] = var
            if node in self.problem.pinned_promoted.get(key, ()):
                self.model.add(var == 1)
        return var

    def lit(self, key: str, node: str, role: Role | None) -> Literal | None:
        """The literal "unit ``key`` runs on ``node`` in ``role``"; None when it cannot."""
        run = self.x.get((key, node))
        if run is None or role in (None, Role.STARTED):
            return run
        promoted = self.promoted.get((key, node))
        if role is Role.PROMOTED:
            return promoted
        if promoted is None:
            return run
        cached = self._unpromoted.get((key, node))
        if cached is None:
            cached = self.model.new_bool_var(f"unpromoted[{key}@{node}]")
            self.model.add_bool_and([run, promoted.Not()]).only_enforce_if(cached)
            self.model.add_bool_or([run.Not(), promoted, cached])
            self._unpromoted[(key, node)] = cached
            self.definitions.append(("and", cached, [run, promoted.Not()]))
        return cached

    @staticmethod
    def negate(literal: Literal) -> Literal:
        return literal.Not()

    def any_of(self, literals: list[Literal], name: str) -> Literal | None:
        """A literal equal to the OR of ``literals`` (None for none), shared between callers."""
        if not literals:
            return None
        if len(literals) == 1:
            return literals[0]
        signature = tuple(sorted(lit.Index() for lit in literals))
        cached = self._or_cache.get(signature)
        if cached is None:
            cached = new_bool_var(self.model, name)
            self.model.add_bool_or([*literals, cached.Not()])
            for lit in literals:
                self.model.add_implication(lit, cached)
            self._or_cache[signature] = cached
            self.definitions.append(("or", cached, list(literals)))
        return cached

    def active_lits(
        self, ref: Ref, exclude: str | None = None, movable: bool = False, keep_running: bool = False
    ) -> list[Literal]:
        """Every "a copy of ``ref`` runs on a node (in its role)" literal.

        ``movable`` leaves out copies left alone; ``keep_running`` leaves out copies that run
        there now (for constraints that only block starts).
        """
        found = []
        current = self.problem.table.current
        for key in ref.units:
            if key == exclude:
                continue
            for node in self.problem.nodes_of(key):
                if movable and (key, node) in self.problem.exempt:
                    continue
                if keep_running and node in current.of(key):
                    continue
                lit = self.lit(key, node, ref.role)
                if lit is not None:
                    found.append(lit)
        return found

    def active_at(self, ref: Ref, attribute: str | None, value: str | None, exclude: str | None = None):
        """A literal for "a copy of ``ref`` runs (in its role) where ``attribute`` is ``value``".

        None when that is impossible.
        """
        lits = []
        for node in self.problem.nodes_with(attribute, value):
            for key in ref.units:
                if key != exclude:
                    lit = self.lit(key, node, ref.role)
                    if lit is not None:
                        lits.append(lit)
        return self.any_of(lits, f"active[{ref}@{attribute or '#uname'}={value}]")

    def anywhere(self, ref: Ref) -> Literal | None:
        """ "``ref`` runs somewhere (in its role)", or None if it cannot."""
        return self.any_of(self.active_lits(ref), f"active[{ref}]")

    # --------------------------------------------------------------- hard and soft

    def guard(self, name: str) -> Literal | None:
        """The guard literal of hard constraint ``name`` when explaining, else None."""
        if not self.explain:
            return None
        guard = self.guards.get(name)
        if guard is None:
            guard = self.model.new_bool_var(f"guard[{name}]")
            self.guards[name] = guard
        return guard

    def require(self, clause: list[Literal], name: str) -> None:
        """Add the clause "one of ``clause`` holds", on behalf of hard constraint ``name``."""
        guard = self.guard(name)
        self.model.add_bool_or([*clause, guard.Not()] if guard is not None else clause)

    def add_score(self, coefficient: int, literal: Literal) -> None:
        """A finite score earned when ``literal`` holds (objective level "score")."""
        if coefficient:
            self.score_terms.append((coefficient, literal))


def hint_values(ctx: EncodeContext, placed: Set[tuple[str, str]], promoted: Set[tuple[str, str]]) -> dict[int, bool]:
    """A value for every variable of the model, from a placement: a complete hint.

    CP-SAT takes a complete, feasible hint as its first solution at once; a partial one
    (placement literals only) it may fail to complete.
    """
    values: dict[int, bool] = {}
    for pair, var in ctx.x.items():
        values[var.Index()] = pair in placed
    for pair, var in ctx.promoted.items():
        values[var.Index()] = pair in promoted

    def value(literal: Literal) -> bool:
        index = literal.Index()
        return values.get(index, False) if index >= 0 else not values.get(-index - 1, False)

    for kind, var, literals in ctx.definitions:
        values[var.Index()] = all(map(value, literals)) if kind == "and" else any(map(value, literals))
    return values
