"""The score of every unit on every node, term by term (SEMANTICS.md §1, §3, §4).

This is the pure function behind `placement scores` and the explanations: the solver reads
the same table for its variables (only allowed pairs get one) and objective weights.
Terms are folded in Pacemaker's order: node base score, a copy running unmanaged,
locations, stickiness, failures, target-role.
"""

from __future__ import annotations

from functools import cached_property

from placement.hierarchy import Hierarchy
from placement.model import Colocation, ColocationSet, Config, Meta, Role
from placement.score import INFINITY, total
from placement.solve import failures, stickiness
from placement.solve.availability import unavailable_reason
from placement.solve.location import LocationIndex
from placement.solve.terms import NodeScore, Term
from placement.solve.units import Current, Unit, build_units, current_placement
from placement.state import FailCount, State

TARGET_ROLE_STOPPED = Term("target-role", "Stopped", -INFINITY)
TARGET_ROLE_UNPROMOTED = Term("target-role", "Unpromoted", -INFINITY)
EXCLUSIVE_DISCOVERY = Term("discovery", "not an exclusive-discovery node", -INFINITY)
# compat(pacemaker): native_add_running — a copy found running unmanaged (is-managed=false,
# maintenance, a blocked failure) gets +INFINITY on its node ("not_managed_default"), which
# every fold over it sees: a group's earlier members are lifted there (`group_scores`), a
# colocated primary is pulled there. It stays where it is anyway (pinned, §4).
UNMANAGED_HERE = Term("unmanaged", "runs here", INFINITY)
UNMANAGED_LATER = Term("group", "a later member runs here unmanaged", INFINITY)
# compat(pacemaker): can_run_instance — a clone instance may not run where the clone itself
# scores below 0 (its locations), whatever the instance's own stickiness adds there.
CLONE_BELOW_ZERO = Term("clone", "the clone scores below 0 here", -INFINITY)


class ScoreTable:
    """Scores of units on nodes, computed once per unit on first use.

    Everything per resource (effective meta, location terms, exclusive nodes, failure
    terms) is computed once, and node scores are shared between units wherever their
    terms are the same objects. A unit's scores are a *default row* — what every unit
    with the same target-role ban and exclusive-discovery nodes scores on a node where it
    has no terms of its own — patched with its *own* scores on the few nodes where it has
    some (locations, stickiness, failures). `scores` builds the whole row; `allowed` and
    `score` answer from the default row and the patch without building it.
    Callers must not mutate the dictionaries they get back.
    """

    def __init__(
        self,
        config: Config,
        state: State | None = None,
        units: tuple[Unit, ...] | None = None,
        hierarchy: Hierarchy | None = None,
        current: Current | None = None,
    ) -> None:
        self.config = config
        self.state = state or State()
        self.hierarchy = hierarchy or Hierarchy(config)
        self.units = units if units is not None else build_units(config, self.hierarchy)
        self.by_key = {unit.key: unit for unit in self.units}
        self.current = current or current_placement(config, self.state, self.units)
        self.nodes = tuple(config.nodes)
        self.unavailable = {node: unavailable_reason(config, self.state, node) for node in self.nodes}
        self.locations = LocationIndex(config, self.state, self.hierarchy)
        self._symmetric = config.cluster.symmetric
        self._base_terms = {
            name: (Term("node", "score", node.score),) if node.score else () for name, node in config.nodes.items()
        }
        self._scores: dict[str, dict[str, NodeScore]] = {}
        self._meta: dict[str, Meta] = {}
        self._promotion: dict[str, dict[str, NodeScore]] = {}
        self._copy_promotion: dict[tuple[str, ...], dict[str, NodeScore]] = {}
        # Rows of units without terms of their own, by (target-role Stopped, exclusive nodes),
        # and the allowed part of each row.
        self._row_index: dict[tuple[bool, frozenset[str] | None], int] = {}
        self._rows: list[dict[str, NodeScore]] = []
        self._rows_allowed: list[dict[str, NodeScore]] = []
        # Per unit: its default row, and its own scores (just their nodes once `scores` built the row).
        self._own: dict[str, tuple[int, dict[str, NodeScore] | tuple[str, ...]]] = {}
        # Location terms and exclusive nodes of the primitives of unique clones (several units each).
        self._located: dict[str, tuple[dict[str, list[Term]], frozenset[str] | None]] = {}
        # Node scores by node, entry and the identities of their terms (kept alive by the scores).
        self._shared: dict[tuple, NodeScore] = {}
        self._thresholds: dict[tuple[str, str, str | None], Term | None] = {}

    @cached_property
    def _clone_members(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = {}
        for unit in self.units:
            if unit.clone is not None:
                members.setdefault(unit.clone, [])
                if unit.primitive not in members[unit.clone]:
                    members[unit.clone].append(unit.primitive)
        return members

    def meta(self, rid: str) -> Meta:
        """Effective meta of resource ``rid``, computed once (it is asked for per unit and per node)."""
        found = self._meta.get(rid)
        if found is None:
            found = self.hierarchy.effective_meta(rid)
            self._meta[rid] = found
        return found

    def scores(self, key: str) -> dict[str, NodeScore]:
        """The score of unit ``key`` on every configured node, in node order."""
        cached = self._scores.get(key)
        if cached is None:
            row, own = self._patch(key)
            cached = dict(self._rows[row])
            if own:
                cached.update(own)  # own nodes are row nodes: the node order stays
            self._scores[key] = cached
            self._own[key] = (row, tuple(own))  # the row holds the scores now
        return cached

    def score(self, key: str, node: str) -> NodeScore:
        """The score of unit ``key`` on ``node`` (a configured node), without building the whole row."""
        cached = self._scores.get(key)
        if cached is not None:
            return cached[node]
        row, own = self._patch(key)
        found = own.get(node)  # type: ignore[union-attr]  # a dict until the row is built
        return found if found is not None else self._rows[row][node]

    def allowed(self, key: str) -> dict[str, NodeScore]:
        """Only the nodes where unit ``key`` may run, in node order (a new dictionary).

        The same as filtering `scores` on ``allowed``, but built from the default row's
        allowed nodes patched on the unit's own nodes: a dictionary copy instead of a pass
        over every node, and the unit's whole row is not built.
        """
        row, own = self._patch(key)
        built = self._scores.get(key)
        result = dict(self._rows_allowed[row])
        for node in own:
            score = own[node] if built is None else built[node]  # type: ignore[call-overload]
            if score.allowed:
                if node not in result:  # inserting would break the node order: filter instead
                    return {name: found for name, found in self.scores(key).items() if found.allowed}
                result[node] = score
            else:
                result.pop(node, None)
        return result

    def _patch(self, key: str) -> tuple[int, dict[str, NodeScore] | tuple[str, ...]]:
        found = self._own.get(key)
        if found is None:
            found = self._own[key] = self._compute(self.by_key[key])
        return found

    def _compute(self, unit: Unit) -> tuple[int, dict[str, NodeScore]]:
        """The unit's default row, and its own scores on the nodes where it has terms of its own."""
        meta = self.meta(unit.primitive)
        located, exclusive = self._locations_of(unit)
        sticky = stickiness.stickiness_terms(unit, meta, self.current.of(unit.key))
        held = self._held_terms(unit)
        banned_by_role = meta.target_role is Role.STOPPED
        failed = self._failure_terms_by_node(unit) if self.state.fail_counts else {}
        row = self._row(banned_by_role, exclusive)
        own: dict[str, NodeScore] = {}
        if located or sticky or failed or held:
            default = self._rows[row]
            below = self._clone_below_zero(unit, located) if sticky else frozenset()
            for node in located.keys() | sticky.keys() | failed.keys() | held.keys():
                if node in default:
                    here = held.get(node) or (CLONE_BELOW_ZERO if node in below else None)
                    own[node] = self._node_score(node, located, exclusive, sticky, failed, banned_by_role, here)
        return row, own

    def _clone_below_zero(self, unit: Unit, located: dict[str, list[Term]]) -> frozenset[str]:
        """Nodes where the clone of ``unit`` itself scores below 0 by its locations, so no
        instance may run there (`CLONE_BELOW_ZERO`). Only stickiness could lift an instance
        over such a location, so only sticky units ask. A clone that dependents pull is
        left alone: their pull goes into the clone's own scores first
        (``pcmk__clone_allocate``'s ``pcmk__add_colocated_node_scores``)."""
        if unit.clone is None or unit.clone in self._pulled_clones:
            return frozenset()
        below = set()
        for node, terms in located.items():
            if -INFINITY < total(term.value for term in terms) < 0:
                below.add(node)
        return frozenset(below)

    @cached_property
    def _pulled_clones(self) -> frozenset[str]:
        """Clones named as the primary of a positive colocation, or in a colocation set."""
        found: set[str] = set()
        for constraint in self.config.constraints:
            if isinstance(constraint, Colocation) and constraint.score > 0:
                found.add(self.hierarchy.root(constraint.primary))
            elif isinstance(constraint, ColocationSet):
                found.update(self.hierarchy.root(r) for s in constraint.sets for r in s.resources)
        return frozenset(found)

    @cached_property
    def _unmanaged_copies(self) -> dict[str, frozenset[str]]:
        """Primitive → the nodes where a copy of it runs unmanaged."""
        found: dict[str, set[str]] = {}
        for instance in self.state.instances:
            if not instance.managed:
                found.setdefault(instance.resource, set()).add(instance.node)
        return {rid: frozenset(nodes) for rid, nodes in found.items()}

    def _held_terms(self, unit: Unit) -> dict[str, Term]:
        """+INFINITY where the unit runs unmanaged (`UNMANAGED_HERE`), and where a later
        member of its group does (`UNMANAGED_LATER`): Pacemaker folds the later members'
        scores into an earlier one's when it places the group, so the group goes where its
        unmanaged member is held, unless a ban forbids it."""
        if not self.state.instances or not self._unmanaged_copies:
            return {}
        found: dict[str, Term] = {}
        later = self._next_member.get(unit.key) if unit.clone is None else None
        while later is not None:
            for node in self._unmanaged_nodes(self.by_key[later]):
                found[node] = UNMANAGED_LATER
            later = self._next_member.get(later)
        for node in self._unmanaged_nodes(unit):
            found[node] = UNMANAGED_HERE
        return found

    def _unmanaged_nodes(self, unit: Unit) -> frozenset[str]:
        nodes = self._unmanaged_copies.get(unit.primitive)
        return nodes & self.current.of(unit.key) if nodes else frozenset()

    @cached_property
    def _next_member(self) -> dict[str, str]:
        """Group member key → the next member's key in the same copy."""
        return {unit.after: unit.key for unit in self.units if unit.after is not None}

    def _locations_of(self, unit: Unit) -> tuple[dict[str, list[Term]], frozenset[str] | None]:
        """Location terms and exclusive nodes of the unit's primitive, once per primitive."""
        if unit.instance is None:  # the only unit of its primitive
            return self.locations.terms(unit.primitive), self.locations.exclusive_set(unit.primitive)
        found = self._located.get(unit.primitive)
        if found is None:
            found = self.locations.terms(unit.primitive), self.locations.exclusive_set(unit.primitive)
            self._located[unit.primitive] = found
        own = self.locations.instance_terms(unit.primitive, str(unit.instance))
        if own:
            merged = {node: list(terms) for node, terms in found[0].items()}
            for node, terms in own.items():
                merged.setdefault(node, []).extend(terms)
            return merged, found[1]
        return found

    def _node_score(
        self,
        node: str,
        located: dict[str, list[Term]],
        exclusive: frozenset[str] | None,
        sticky: dict[str, Term],
        failed: dict[str, list[Term]],
        banned_by_role: bool,
        held: Term | None = None,
    ) -> NodeScore:
        """The score of a unit on a node where it has terms of its own, in Pacemaker's order."""
        terms = list(self._base_terms[node])
        if held is not None:
            terms.append(held)
        here = located.get(node)
        if here:
            terms.extend(here)
        entry = self._symmetric or node in located
        if exclusive is not None and node not in exclusive:
            terms.append(EXCLUSIVE_DISCOVERY)
        # compat(pacemaker): §2 — in opt-in clusters stickiness needs an entry on the node.
        stick = sticky.get(node)
        if stick is not None and entry:
            terms.append(stick)
        failures_here = failed.get(node)
        if failures_here:
            terms.extend(failures_here)
        if banned_by_role:
            terms.append(TARGET_ROLE_STOPPED)
        if here:  # a location of this resource: its own term objects, rarely shared
            return NodeScore(node, tuple(terms), entry, self.unavailable[node])
        # Units whose terms here are the same objects (a stickiness bonus, a clone's ban…) share one score.
        key = (node, entry, *map(id, terms))
        shared = self._shared.get(key)
        if shared is None:
            shared = self._shared[key] = NodeScore(node, tuple(terms), entry, self.unavailable[node])
        return shared

    def _row(self, banned_by_role: bool, exclusive: frozenset[str] | None) -> int:
        """The default row: scores on every node of a unit with no terms of its own there."""
        index = self._row_index.get((banned_by_role, exclusive))
        if index is None:
            found = {}
            for node in self.nodes:
                terms = list(self._base_terms[node])
                if exclusive is not None and node not in exclusive:
                    terms.append(EXCLUSIVE_DISCOVERY)
                if banned_by_role:
                    terms.append(TARGET_ROLE_STOPPED)
                found[node] = NodeScore(node, tuple(terms), self._symmetric, self.unavailable[node])
            index = self._row_index[(banned_by_role, exclusive)] = len(self._rows)
            self._rows.append(found)
            self._rows_allowed.append({node: score for node, score in found.items() if score.allowed})
        return index

    @cached_property
    def _failures(self) -> dict[str, list[tuple[int, FailCount]]]:
        """The state's fail counts on configured nodes by resource, with their position in the state."""
        found: dict[str, list[tuple[int, FailCount]]] = {}
        for position, failure in enumerate(self.state.fail_counts):
            if failure.node in self.config.nodes:
                found.setdefault(failure.resource, []).append((position, failure))
        return found

    @cached_property
    def _failures_by_key(self) -> dict[tuple[str, str], list[FailCount]]:
        found: dict[tuple[str, str], list[FailCount]] = {}
        for failure in self.state.fail_counts:
            found.setdefault((failure.resource, failure.node), []).append(failure)
        return found

    def _threshold(self, primitive: str, node: str, instance: str | None = None) -> Term | None:
        """The migration-threshold ban of ``primitive`` (instance ``instance`` of a unique
        clone: only its own failures count) on ``node``, computed once (and so one object)."""
        key = (primitive, node, instance)
        if key not in self._thresholds:
            found = self._failures_by_key.get((primitive, node), ())
            if instance is not None:
                found = [f for f in found if f.clone_instance in (None, instance)]
            self._thresholds[key] = failures.threshold_term(self.state, primitive, node, self.meta(primitive), found)
        return self._thresholds[key]

    def _failure_terms_by_node(self, unit: Unit) -> dict[str, list[Term]]:
        # compat(pacemaker): §4 — an anonymous clone's failure bans the whole clone on that node.
        primitives = self._clone_members[unit.clone] if unit.multi and unit.clone else [unit.primitive]
        entries = [entry for primitive in primitives for entry in self._failures.get(primitive, ())]
        if len(primitives) > 1:
            entries.sort(key=lambda entry: entry[0])  # the state's order, as one pass over it would see them
        found: dict[str, list[Term]] = {}
        instance = None if unit.instance is None else str(unit.instance)
        for _position, failure in entries:
            if instance is not None and failure.clone_instance not in (None, instance):
                continue  # another instance's failures (a unique clone's instances are apart)
            term = self._threshold(failure.resource, failure.node, instance)
            if term is not None and term not in found.get(failure.node, []):
                found.setdefault(failure.node, []).append(term)
        return found

    def promotion(self, key: str) -> dict[str, NodeScore]:
        """Promotion scores of a promotable unit on each node (§8): ``master-<rsc>`` (``master-<rsc>:<N>``
        for instance N of a globally-unique clone) plus Promoted locations.

        A node without the attribute gets -1 (compat(pacemaker): not promotable unless a
        Promoted-role location adds at least 1).
        """
        cached = self._promotion.get(key)
        if cached is not None:
            return cached
        unit = self.by_key[key]
        meta = self.meta(unit.primitive)
        located = self.locations.terms(unit.primitive, promoted=True)
        # compat(pacemaker): §8 — the attribute is named after the resource as its agent knows
        # it: a globally-unique instance is `<rsc>:<N>`, an anonymous copy plain `<rsc>`.
        attribute = f"master-{unit.primitive}" if unit.instance is None else f"master-{unit.key}"
        result = {}
        for node in self.nodes:
            value = self.locations.attributes_for(unit.primitive, node).get(attribute)
            terms: list[Term]
            if value is None:
                terms = [Term("promotion", f"no {attribute} attribute", -1)]
            else:
                terms = [Term("promotion", attribute, _score_or_ban(value))]
            terms.extend(located.get(node, ()))
            if meta.target_role is Role.UNPROMOTED:
                terms.append(TARGET_ROLE_UNPROMOTED)
            result[node] = NodeScore(node, tuple(terms), True, self.unavailable[node])
        self._promotion[key] = result
        return result

    def copy_promotion(self, keys: tuple[str, ...]) -> dict[str, NodeScore]:
        """Promotion scores of one copy of a promotable clone's group on each node (§8), ``keys``
        being its members' units in order.

        compat(pacemaker): ``promotion_score`` of a cloned-group instance is the sum of its
        members' ``master-<member>`` values, a member without the attribute counting 0; only
        when no member has one does the copy get the -1 default (promotable only if a
        Promoted-role location adds at least 1). Promoted-role locations of the members, the
        group and the clone count once per copy — a location on the group or the clone is one
        term object every member shares, so the members' terms are merged by identity — and a
        target-role Unpromoted on any of them keeps the copy unpromoted.
        """
        cached = self._copy_promotion.get(keys)
        if cached is not None:
            return cached
        units = [self.by_key[key] for key in keys]
        located = [self.locations.terms(unit.primitive, promoted=True) for unit in units]
        unpromoted = any(self.meta(unit.primitive).target_role is Role.UNPROMOTED for unit in units)
        names = [f"master-{unit.primitive}" if unit.instance is None else f"master-{unit.key}" for unit in units]
        result = {}
        for node in self.nodes:
            attributes = self.locations.attributes(node)
            terms = [
                Term("promotion", name, _score_or_ban(attributes[name])) for name in names if name in attributes
            ]
            if not terms:
                terms = [Term("promotion", f"no {' or '.join(names)} attribute", -1)]
            seen: set[int] = set()
            for per_node in located:
                for term in per_node.get(node, ()):
                    if id(term) not in seen:
                        seen.add(id(term))
                        terms.append(term)
            if unpromoted:
                terms.append(TARGET_ROLE_UNPROMOTED)
            result[node] = NodeScore(node, tuple(terms), True, self.unavailable[node])
        self._copy_promotion[keys] = result
        return result


def _score_or_ban(text: str) -> int:
    from placement.score import parse_score

    try:
        return parse_score(text)
    except ValueError:
        return -INFINITY


def score_table(config: Config, state: State | None = None) -> ScoreTable:
    """The score table of ``config`` in ``state`` (empty state = fresh cluster).

    >>> from placement.model import Agent, Location, Node, Primitive, frozen_map
    >>> config = Config(
    ...     nodes=frozen_map({"alice": Node("alice"), "bob": Node("bob")}),
    ...     resources=frozen_map({"db": Primitive("db", Agent.parse("ocf:heartbeat:pgsql"))}),
    ...     constraints=(Location(resource="db", node="alice", score=50, id="pref-alice"),),
    ... )
    >>> score_table(config).scores("db")["alice"].explain()
    'alice 50 = location pref-alice 50'
    """
    return ScoreTable(config, state)
