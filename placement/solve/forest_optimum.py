"""The exact optimum of a problem whose colocations form a forest, found without a model.

A node leaving frees a few hundred units, and their neighbourhood is mostly trees: group
chains, colocations between single resources, and clones that may run everywhere. When
greedy's answer stops short of the forest's cap (`forest_bound`), the CP-SAT model and its
LP relaxation were built to find the better answer and to break the ties among equally
good ones. On a forest both can be done by dynamic programming over the nodes, for every
objective level at once (running, required, score, closeness, compared in that order).

The programme solves a *relaxation* — capacity, orders, bans and the colocations it cannot
follow left out — and its answer is kept only when it is also an answer to the problem
itself: it breaks no hard constraint (`evaluate.violations`) and every colocation the
programme did not follow earns there what the programme counted for it. Then it is the
optimum: every answer to the problem is an answer to the relaxation, valued there no lower
on any level, and the relaxation's optimum is valued exactly. Otherwise the caller builds
the model as before.

Units are of three kinds:

* *fixed*: pinned where they run (a partner outside the freed set, a unit left alone), or a
  clone that depends on nothing and may run a copy on every node it is allowed on — in the
  relaxation a copy fewer always runs less, and running comes first;
* *tree* units: one copy, never left alone; their ties (group chains and mandatory
  same-node colocations: where the dependent runs, its primary runs on that node; finite
  colocations: a reward where both run on one node) make a forest, a tie closing a cycle cut;
* anything else (promotions, a clone that cannot run everywhere): no answer here.

A colocation between one tree unit and fixed ones is a term of that unit alone (a
restriction of its nodes when mandatory, a reward per node when finite).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from placement.model import Role
from placement.solve import colocation, objective
from placement.solve.colocation import Link
from placement.solve.disjoint_sets import DisjointSets
from placement.solve.problem import Problem
from placement.solve.solution import Solution, SolutionView

_STOPPED = ""  # the option "does not run" (no node is called "")


def forest_optimum(problem: Problem, reference: Solution, current: Solution) -> Solution | None:
    """The optimum of ``problem`` on every objective level, or None when it is not found this way.

    ``reference`` and ``current`` are what the closeness level measures against, as for
    `cpsat.solve_levels`.
    """
    from placement.solve.evaluate import violations

    if problem.promotable:
        return None  # promotion is chosen per copy and role: not a tree programme
    units = _Units.classify(problem)
    if units is None:
        return None
    forest = _Forest(problem, units, _Levels(problem, reference, current))
    answer = forest.solve()
    if answer is None or violations(problem, answer):
        return None
    view = SolutionView(problem, answer)
    if any(colocation.reward(view, link) != cap for link, cap in forest.capped):
        return None  # a colocation the programme did not follow earns less than it counted
    return answer


@dataclass
class _Units:
    """Which units are fixed (and where) and which are tree units."""

    fixed: dict[str, frozenset[str]]
    tree: list[str]  # sorted

    @classmethod
    def classify(cls, problem: Problem) -> _Units | None:
        dependents = {
            key for link in problem.links if link.mandatory and link.score > 0 for key in link.dependent.units
        }
        dependents.update(unit.key for unit in problem.units if unit.after is not None)
        left_alone = {key for key, _ in problem.exempt}
        fixed: dict[str, frozenset[str]] = {}
        tree: list[str] = []
        for unit in problem.units:
            key = unit.key
            allowed = problem.allowed.get(key, {})
            pinned = problem.pinned.get(key, frozenset())
            copies = problem.most_copies(unit)
            if key in problem.frozen or (pinned and len(pinned) >= copies):
                fixed[key] = pinned  # it runs exactly there
            elif copies == 1 and key not in left_alone and not pinned:
                tree.append(key)
            elif unit.multi and copies >= len(allowed) and key not in dependents and not pinned:
                fixed[key] = frozenset(allowed)  # a copy everywhere it may run
            else:
                return None
        return cls(fixed, sorted(tree))


class _Levels:
    """The objective levels of an option, folded into one integer that orders them as the levels do."""

    def __init__(self, problem: Problem, reference: Solution, current: Solution) -> None:
        self.problem, self.reference, self.current = problem, reference, current
        self.scale = objective.closeness_scale(problem)
        # Each level's total over any answer stays below half its base, so a higher level
        # always decides: closeness < scale², |score| ≤ the sum of every |score| there is.
        units = problem.units
        scores = sum(max((abs(s.finite) for s in problem.allowed.get(u.key, {}).values()), default=0) for u in units)
        scores += sum(
            abs(link.score) * _copies(problem, key)
            for link in problem.links
            if not link.mandatory
            for key in link.dependent.units
        )
        self.score_unit = 2 * self.scale * self.scale + 1  # one point of score
        self._required_unit = self.score_unit * (2 * scores + 1)
        self._running_unit = self._required_unit * (2 * sum(_copies(problem, u.key) for u in units) + 1)

    def option(self, key: str, node: str, reward: int) -> int:
        """The value of ``key`` running on ``node`` (``_STOPPED``: not), ``reward`` from its colocations."""
        problem = self.problem
        here = frozenset() if node == _STOPPED else frozenset({node})
        closeness = len(here ^ self.reference.nodes(key)) * self.scale + len(here ^ self.current.nodes(key))
        if not here:
            return reward * self.score_unit - closeness
        score = problem.allowed[key][node]
        return (
            problem.weights[key] * self._running_unit
            + int(score.required) * self._required_unit
            + (score.finite + reward) * self.score_unit
            - closeness
        )


@dataclass(frozen=True, slots=True)
class _Tie:
    """A kept tie from a tree unit to a neighbour."""

    other: str
    gain: int  # a finite colocation's score, in `_Levels` units; 0 for a dependency
    depends: bool  # this end depends on ``other`` (for a dependency)

    def allows(self, option: str) -> Callable[[str], bool]:
        """Which options of ``other`` (the child) go with this end's ``option``."""
        if self.gain or (self.depends and option == _STOPPED):
            return _anything
        if self.depends:  # this end needs the child on its node
            return lambda child: child == option
        if option == _STOPPED:  # the child needs this end on its node
            return lambda child: child == _STOPPED
        return lambda child: child in (_STOPPED, option)

    def earned(self, option: str) -> Callable[[str], int]:
        """What the tie adds for this end's ``option`` and each option of the child."""
        gain = self.gain
        if not gain or option == _STOPPED:
            return _nothing
        return lambda child: gain if child == option else 0


def _anything(_: str) -> bool:
    return True


def _nothing(_: str) -> int:
    return 0


class _Forest:
    """The tree units' options and ties, and the programme over them."""

    def __init__(self, problem: Problem, units: _Units, levels: _Levels) -> None:
        self.problem, self.units, self.levels = problem, units, levels
        self.capped: list[tuple[Link, int]] = []  # colocations counted at their most, and that most
        self.ties: dict[str, list[_Tie]] = {}
        self._sets = DisjointSets()
        self._feasible = True
        self._nodes = {key: {*problem.allowed.get(key, {}), _STOPPED} for key in units.tree}
        self._rewards: dict[str, dict[str, int]] = {key: {} for key in units.tree}
        for key in units.tree:
            after = problem.by_key[key].after
            if after is not None:
                self._dependency(key, after)
        for link in problem.links:
            self._link(link)
        self.options = {
            key: {node: levels.option(key, node, self._rewards[key].get(node, 0)) for node in sorted(nodes)}
            for key, nodes in self._nodes.items()
        }

    def _dependency(self, dependent: str, primary: str) -> None:
        """``dependent`` runs only on a node where ``primary`` runs (a copy left alone excepted)."""
        fixed, tree = self.units.fixed, self._nodes
        if (dependent in fixed and primary in fixed) or not ({dependent, primary} <= fixed.keys() | tree.keys()):
            return  # nothing to choose, or a tie to a unit outside the problem (gone with it)
        if primary in fixed:
            tree[dependent] &= {*fixed[primary], _STOPPED}
        elif dependent in fixed:
            # A copy left alone where it runs binds nothing (`Problem.exempt`).
            bound = {node for node in fixed[dependent] if (dependent, node) not in self.problem.exempt}
            if len(bound) > 1:
                self._feasible = False  # one copy of the primary cannot be on every node
            elif bound:
                tree[primary] &= bound  # it must run there
        else:
            self._tie(dependent, primary, 0, None)

    def _link(self, link: Link) -> None:
        tree = self._nodes
        dependents, primaries = link.dependent.units, link.primary.units
        simple = (
            link.attribute is None
            and link.on is None
            and len(dependents) == 1
            and len(primaries) == 1
            and dependents[0] != primaries[0]
        )
        if link.mandatory:
            roles = (link.dependent.role, link.primary.role)
            same_node = link.attribute is None and link.on is None and len(primaries) == 1
            if link.score > 0 and same_node and all(role in (None, Role.STARTED) for role in roles):
                # Every dependent unit (each member of a group) needs the primary on its node;
                # a member's tie the group chain already implies closes a cycle and is cut.
                for dependent in dependents:
                    if dependent != primaries[0]:
                        self._dependency(dependent, primaries[0])
            return  # a ban, a role or an attribute: left out (the final check holds it)
        inside = sorted({key for key in (*dependents, *primaries) if key in tree})
        if not inside:
            return  # among fixed units: the same in every answer
        if len(inside) == 1:
            self._unary(inside[0], link)
        elif simple:
            self._tie(dependents[0], primaries[0], link.score, link)
        else:
            self.capped.append((link, _cap(self.problem, link)))

    def _unary(self, key: str, link: Link) -> None:
        """A finite colocation of ``key`` with fixed units only: a reward per option of ``key``."""
        fixed = self.units.fixed
        placed = {other: fixed[other] for other in (*link.dependent.units, *link.primary.units) if other in fixed}
        rewards = self._rewards[key]
        for node in self._nodes[key]:
            here = dict(placed)
            if node != _STOPPED:
                here[key] = frozenset({node})
            earned = colocation.reward(SolutionView(self.problem, Solution(here, {})), link)
            rewards[node] = rewards.get(node, 0) + earned

    def _tie(self, dependent: str, primary: str, score: int, link: Link | None) -> None:
        if not self._sets.join(dependent, primary):  # closes a cycle: cut
            if link is not None:
                self.capped.append((link, _cap(self.problem, link)))
            return  # (a cut dependency is left to the final check)
        gain = score * self.levels.score_unit
        self.ties.setdefault(dependent, []).append(_Tie(primary, gain, True))
        self.ties.setdefault(primary, []).append(_Tie(dependent, gain, False))

    def solve(self) -> Solution | None:
        """The programme's optimum (None when the relaxation has no answer)."""
        if not self._feasible:
            return None
        choice: dict[str, str] = {}
        done: set[str] = set()
        for key in self.units.tree:
            if key not in done and not self._solve_tree(key, done, choice):
                return None
        placed = {key: nodes for key, nodes in self.units.fixed.items() if nodes}
        placed.update({key: frozenset({node}) for key, node in choice.items() if node != _STOPPED})
        return Solution(placed, {})

    def _solve_tree(self, top: str, done: set[str], choice: dict[str, str]) -> bool:
        order, children = [top], {}
        done.add(top)
        for key in order:  # (grows while it is walked: breadth first)
            children[key] = [tie for tie in self.ties.get(key, ()) if tie.other not in done]
            for tie in children[key]:
                done.add(tie.other)
                order.append(tie.other)
        # Bottom up: each unit's best subtree value for each of its options.
        best: dict[str, dict[str, int]] = {}
        for key in reversed(order):
            values: dict[str, int] = {}
            for option, value in self.options[key].items():
                for tie in children[key]:
                    picked = _pick(best[tie.other], tie.allows(option), tie.earned(option))
                    if picked is None:
                        break
                    value += best[tie.other][picked] + tie.earned(option)(picked)
                else:
                    values[option] = value
            best[key] = values
        top_choice = _pick(best[top], _anything, _nothing)
        if top_choice is None:
            return False
        choice[top] = top_choice
        # Top down: each child's best option given its parent's.
        for key in order:
            for tie in children[key]:
                picked = _pick(best[tie.other], tie.allows(choice[key]), tie.earned(choice[key]))
                assert picked is not None  # the bottom-up pass found one
                choice[tie.other] = picked
        return True


def _pick(values: dict[str, int], allowed: Callable[[str], bool], earned: Callable[[str], int]) -> str | None:
    """The best allowed option (the first in sorted order among equals), ``earned`` added."""
    best, best_value = None, 0
    for option, value in values.items():
        if allowed(option):
            total = value + earned(option)
            if best is None or total > best_value:
                best, best_value = option, total
    return best


def _copies(problem: Problem, key: str) -> int:
    return max(problem.most_copies(problem.by_key[key]), len(problem.pinned.get(key, ())))


def _cap(problem: Problem, link: Link) -> int:
    """The most a finite colocation can earn: its score for every copy of its dependents (0 if negative)."""
    return max(0, link.score) * sum(_copies(problem, key) for key in link.dependent.units)
