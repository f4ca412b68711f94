"""Brute-force optimum of tiny problems: every candidate solution, checked and scored in Python."""

from __future__ import annotations

import itertools

from placement.solve import objective
from placement.solve.evaluate import violations
from placement.solve.problem import Problem
from placement.solve.solution import Solution


def _unit_options(problem: Problem, key: str) -> list[frozenset[str]]:
    unit = problem.by_key[key]
    nodes = problem.nodes_of(key)
    limit = unit.max_copies if unit.multi else 1
    return [frozenset(c) for size in range(min(limit, len(nodes)) + 1) for c in itertools.combinations(nodes, size)]


def _promotion_copies(problem: Problem) -> list[tuple[str, ...]]:
    """The keys promoted together: one primitive, or every member of one group copy.

    §8: a promotable clone of a group promotes a copy as a whole (every member on its node,
    or none), so promotions are enumerated per copy. Group members of one copy share the
    clone instance and the group (an anonymous clone's copy on a node is its members there).
    """
    copies: dict[tuple, list[str]] = {}
    for unit in problem.units:
        if unit.key in problem.promotable:
            copy = (unit.clone, unit.instance, unit.group or unit.key)
            copies.setdefault(copy, []).append(unit.key)
    return [tuple(keys) for keys in copies.values()]


def candidates(problem: Problem):
    """Every assignment of units to nodes, with every choice of promoted copies."""
    keys = [u.key for u in problem.units]
    copies = _promotion_copies(problem)
    for choice in itertools.product(*(_unit_options(problem, k) for k in keys)):
        placed = dict(zip(keys, choice, strict=True))
        promotable = [
            (members, node)
            for members in copies
            for node in problem.promotable[members[0]]
            if node in placed[members[0]]
        ]
        for size in range(len(promotable) + 1):
            for promoted_pairs in itertools.combinations(promotable, size):
                promoted: dict[str, set[str]] = {}
                for members, node in promoted_pairs:
                    for key in members:
                        promoted.setdefault(key, set()).add(node)
                yield Solution({k: v for k, v in placed.items() if v}, {k: frozenset(v) for k, v in promoted.items()})


def best_levels(problem: Problem) -> tuple[int, int, int] | None:
    """The lexicographic optimum of (running, required, score) over feasible candidates."""
    best = None
    for solution in candidates(problem):
        if violations(problem, solution):
            continue
        key = (
            objective.running(problem, solution),
            objective.required(problem, solution),
            objective.score(problem, solution),
        )
        if best is None or key > best:
            best = key
    return best
