"""The placement problem, lowered from a configuration and a state, free of any solver.

Everything static is decided here once: the units, where each may run (and with which
weight), which are pinned where they are, the colocation links, the order precedences
and the node capacities. The CP-SAT encoders, the greedy reference and the pure
evaluator all read this one object, so they cannot disagree about the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Final

from placement.hierarchy import Hierarchy
from placement.model import (
    Clone,
    Colocation,
    ColocationSet,
    Config,
    Location,
    Order,
    OrderSet,
    Role,
    Strategy,
)
from placement.solve import coloc_lift, colocation, hosting, order
from placement.solve.availability import can_fence, fence_devices, quorum_effect
from placement.solve.blocked_stops import held_copies, unmanaged_members, waits_for_blocked_start
from placement.solve.first_order import drop_shadowed
from placement.solve.group_scores import lifted_nodes
from placement.solve.influence_lift import lifted_by_pull
from placement.solve.probes import waiting_starts
from placement.solve.promotion_priority import Gate, RolePull, role_pulls
from placement.solve.refs import RefResolver
from placement.solve.rules import node_attributes
from placement.solve.scores import ScoreTable
from placement.solve.terms import NodeScore, Term
from placement.solve.units import Unit, group_copies
from placement.state import NodeStatus, State

# Reasons a unit may not run at all, named once.
STOP_ALL = "stop-all-resources is set"
NO_FENCE_DEVICE = "fencing is enabled but no fence device is configured: Pacemaker leaves every resource alone"
UNMANAGED_STOPPED = "unmanaged and not running"
FROZEN_COPIES = "no quorum (no-quorum-policy=freeze): no new copy may start"


@dataclass
class Problem:
    """The static half of the placement problem. Built by `build_problem`."""

    config: Config
    state: State
    hierarchy: Hierarchy
    table: ScoreTable
    allowed: dict[str, dict[str, NodeScore]]  # unit → nodes it may run on (pinned nodes included)
    pinned: dict[str, frozenset[str]]  # unit → nodes it must keep running on
    frozen: set[str]  # units that run exactly on their pinned nodes, nowhere else
    blocked: dict[str, str]  # unit → why it is held in place on an unclean node
    # unit → nodes where it may be promoted, with the promotion score; a group copy's summed
    # score sits on its first member (the others score 0: they are promoted with it).
    promotable: dict[str, dict[str, NodeScore]]
    pinned_promoted: dict[str, frozenset[str]]
    links: list[colocation.Link]
    precedences: list[order.Precedence]
    capacity: dict[str, dict[str, int]] | None  # node → attribute → capacity; None = not checked
    not_running: dict[str, str] = field(default_factory=dict)  # unit → why it may not run anywhere
    # (unit, node) pairs left alone where they run (unmanaged, blocked, on a maintenance node):
    # they count as running for others, but no constraint may move or stop them (§4, §10).
    exempt: frozenset[tuple[str, str]] = frozenset()
    # The units this problem is about; None = every unit. A neighbourhood model
    # (`placement.solve.incremental.restrict`) covers only what it may move and what touches
    # it, so everything built from it — the model, the checks, the bounds — stays that small.
    scope: frozenset[str] | None = None
    # unit → nodes its own score rules out but its finite colocations may lift: it may run
    # there only while they bring its score to 0 (`placement.solve.coloc_lift`).
    lifted: dict[str, frozenset[str]] = field(default_factory=dict)
    # unit → at most this many copies, below its clone-max: an anonymous clone under
    # ``no-quorum-policy=freeze`` keeps the copies it has and starts none.
    copy_caps: dict[str, int] = field(default_factory=dict)
    # unit → node → when a promotion there is allowed, by the role colocations that move
    # its promotion priority (`placement.solve.promotion_priority`).
    promotion_gates: dict[str, dict[str, Gate]] = field(default_factory=dict)

    def most_copies(self, unit: Unit) -> int:
        """How many copies ``unit`` may run: 1, or its clone's ``clone-max`` (and cap)."""
        most = unit.max_copies if unit.multi else 1
        cap = self.copy_caps.get(unit.key)
        return most if cap is None else min(most, cap)

    def limit_with_exempt(self, key: str, limit: int) -> int:
        """A copy limit raised to what is left alone already, so leaving it alone stays feasible."""
        return max(limit, sum(1 for node in self.pinned_nodes_exempt(key)))

    def takes_node_slot(self, key: str, node: str) -> bool:
        """Whether a copy of ``key`` on ``node`` counts toward its clone's ``clone-node-max`` there.

        compat(pacemaker): ``distribute_children`` counts the instances *assigned* to each
        node, and a copy held where it runs is not always assigned there:

        * a copy held on a node its own score bans — its stop failed there
          (``__stop_fail__``), so it can neither stop nor move — is assigned after every
          other instance (``pcmk__cmp_instance``: "active on a disallowed node") and never
          to that node, so it leaves the node's slot to the others (crm_simulate starts
          ``c:1`` beside the ``FAILED (blocked)`` ``c:0``);
        * a cloned group's instance is assigned where its first member goes: a later member
          held on another node (its stop waits for a blocked one) takes no slot there. The
          members follow their first one otherwise, so the first member's copies count —
          but not on a node where a member of the same copy is stuck that way: the member's
          ban folds into the instance's scores, so the instance is assigned elsewhere too.
        """
        unit = self.table.by_key[key]
        if unit.after is not None:
            return False
        return (key, node) not in self._stuck_copies

    @cached_property
    def _stuck_copies(self) -> frozenset[tuple[str, str]]:
        """(first member's key, node) of each copy with a member held on a node it is banned from."""
        if not self.exempt:
            return frozenset()
        head_of = {key: head for head, keys in group_copies(self.table.units).items() for key in keys}
        return frozenset(
            (head_of.get(key, key), node)
            for key, node in self.exempt
            if not self.table.score(key, node).allowed and self.table.by_key[key].clone is not None
        )

    def pinned_nodes_exempt(self, key: str) -> list[str]:
        return [node for node in self.pinned.get(key, ()) if (key, node) in self.exempt]

    @cached_property
    def units(self) -> tuple[Unit, ...]:
        if self.scope is None:
            return self.table.units
        return tuple(unit for unit in self.table.units if unit.key in self.scope)

    @property
    def by_key(self) -> dict[str, Unit]:
        return self.table.by_key

    @property
    def nodes(self) -> tuple[str, ...]:
        return self.table.nodes

    def nodes_of(self, key: str) -> list[str]:
        """Nodes unit ``key`` may run on, in node order."""
        return list(self.allowed.get(key, {}))

    @cached_property
    def _attributes(self) -> dict[str, dict[str, str]]:
        return {node: node_attributes(self.config, self.state, node) for node in self.nodes}

    def attribute(self, node: str, name: str | None) -> str | None:
        """The value colocations compare: the node itself, or one of its attributes (None if unset)."""
        if name is None:
            return node
        if name == colocation.ANYWHERE:
            return name
        return self._attributes[node].get(name)

    def nodes_with(self, name: str | None, value: str | None) -> list[str]:
        """Nodes whose attribute ``name`` equals ``value`` (the node itself when ``name`` is None)."""
        if value is None:
            return []
        if name is None:
            return [value]
        if name == colocation.ANYWHERE:
            return list(self.nodes)
        return [node for node in self.nodes if self._attributes[node].get(name) == value]

    @cached_property
    def weights(self) -> dict[str, int]:
        """Weight of one running copy per unit, so that priority is strictly lexicographic.

        A copy of priority p outweighs every copy of lower priority together
        (objective level 1: a higher-priority resource is never stopped to run lower ones).
        """
        by_priority: dict[int, int] = {}
        for unit in self.units:
            by_priority[unit.priority] = by_priority.get(unit.priority, 0) + unit.max_copies
        weight_of: dict[int, int] = {}
        below = 0
        for priority in sorted(by_priority):
            weight_of[priority] = below + 1
            below += weight_of[priority] * by_priority[priority]
        return {unit.key: weight_of[unit.priority] for unit in self.units}

    @cached_property
    def clones(self) -> dict[str, Clone]:
        return {rid: r for rid, r in self.config.resources.items() if isinstance(r, Clone)}

    def per_node_limit(self, clone: str) -> int:
        """How many copies of a unique clone's instance set may share a node."""
        item = self.clones[clone]
        return 1 if item.per_node is None else max(0, item.per_node)

    def promoted_limits(self, clone: str) -> tuple[int, int]:
        """``promoted-max`` and ``promoted-node-max`` (Pacemaker defaults 1 and 1)."""
        item = self.clones[clone]
        return (
            1 if item.promoted_max is None else item.promoted_max,
            1 if item.promoted_per_node is None else item.promoted_per_node,
        )


def _static(constraint: Location, resolver: RefResolver, config: Config, index: int) -> list:
    """Locations lower to nothing relational: the score table already holds them."""
    return []


# How each constraint class of the model becomes relations for the encoders (STYLE.md §5).
LOWERINGS: Final[Mapping[type, Callable[..., list]]] = {
    Location: _static,
    Colocation: lambda c, resolver, config, index: colocation.lower(c, resolver, index),
    ColocationSet: lambda c, resolver, config, index: colocation.lower(c, resolver, index),
    Order: order.lower,
    OrderSet: order.lower,
}
RELATION_TYPES: Final = (colocation.Link, order.Precedence)


@dataclass(frozen=True)
class Lowered:
    """The configuration's constraints as relations, and the resolver behind them: both depend on
    the configuration (and its units) alone, so problems of one configuration may share them."""

    resolver: RefResolver
    relations: tuple[colocation.Link | order.Precedence, ...]


def lower_constraints(config: Config, hierarchy: Hierarchy, units: tuple[Unit, ...]) -> Lowered:
    """Every constraint of ``config`` lowered to links and precedences (`LOWERINGS`)."""
    resolver = RefResolver(config, hierarchy, units)
    relations: list[colocation.Link | order.Precedence] = []
    for index, constraint in enumerate(config.constraints):
        relations.extend(LOWERINGS[type(constraint)](constraint, resolver, config, index))
    return Lowered(resolver, tuple(relations))


def build_problem(
    config: Config, state: State | None = None, table: ScoreTable | None = None, lowered: Lowered | None = None
) -> Problem:
    """Lower ``config`` in ``state`` to a `Problem` (empty state = fresh cluster).

    ``table`` (the score table of ``config`` in ``state``) and ``lowered`` (its constraints,
    `lower_constraints`) are for a caller that has them already: `placement.survival.lowering`
    derives each failure scenario's from the no-failure ones.
    """
    state = state or State()
    table = table if table is not None else ScoreTable(config, state)
    hierarchy = table.hierarchy
    quorum = quorum_effect(config, state)
    no_device = config.cluster.fencing and not fence_devices(config)
    fenceable = {
        node: can_fence(config, state, node) for node in config.nodes if state.node(node).status is NodeStatus.UNCLEAN
    }
    allowed: dict[str, dict[str, NodeScore]] = {}
    pinned: dict[str, frozenset[str]] = {}
    frozen: set[str] = set()
    blocked: dict[str, str] = {}
    not_running: dict[str, str] = {}
    copy_caps: dict[str, int] = {}
    unmanaged_copies: dict[str, set[str]] = {}
    for instance in state.instances:
        if not instance.managed:
            unmanaged_copies.setdefault(instance.resource, set()).add(instance.node)
    unfenceable = frozenset(node for node, ok in fenceable.items() if not ok)
    maintenance = frozenset(
        n for n in config.nodes if state.node(n).status is NodeStatus.MAINTENANCE or config.nodes[n].maintenance
    )
    # Group members scored on their own, whose later members may lift a node (`group_scores`).
    leaders = {unit.after for unit in table.units if unit.after is not None}
    followed: list[str] = []
    scored: list[str] = []  # units whose allowed nodes are their score table's, nothing pinned
    # (Per unit only what it needs: most units are neither stuck nor pinned, and their
    # allowed nodes come from the score table without building their whole score row.)
    for unit in table.units:
        key = unit.key
        now = table.current.of(key)
        stuck = set(now & unfenceable) if unfenceable else set()
        # Copies the state marks unmanaged (a blocked stop failure, on-fail=block) stay as they are
        held = unmanaged_copies.get(unit.primitive)
        if held:
            stuck |= held & now
        in_maintenance = now & maintenance if maintenance else frozenset()
        if not unit.managed or no_device or (stuck and not unit.multi):
            pinned[key] = frozenset(now) if unit.managed is False or no_device else frozenset(stuck)
            frozen.add(key)
            for node in stuck:
                blocked[key] = f"held on unclean node {node}, which cannot be fenced"
            allowed[key] = {n: table.score(key, n) for n in sorted(pinned[key])}
            if not pinned[key]:
                not_running[key] = NO_FENCE_DEVICE if no_device else UNMANAGED_STOPPED
            continue
        keep = stuck | in_maintenance
        if stuck:
            blocked[key] = f"copies held on unclean node(s) {', '.join(sorted(stuck))}, which cannot be fenced"
        if keep:
            pinned[key] = frozenset(keep)
        reason = _may_not_run(config, quorum, table.meta(unit.primitive).requires, bool(now))
        if reason is not None and quorum.keeps_promotable and unit.promotable and now and not config.cluster.stop_all:
            reason = None  # no-quorum-policy=demote: a running promotable copy stays (unpromoted)
        if reason is not None:
            allowed[key] = {n: table.score(key, n) for n in sorted(keep)}
            if not keep:
                not_running[key] = reason
            continue
        freeze = quorum.may_keep and not quorum.may_start and table.meta(unit.primitive).requires != "nothing"
        if unit.multi and now and freeze:
            # compat(pacemaker): update_resource_action_runnable — under quorum freeze only an
            # active instance may start, so an anonymous clone runs no more copies than it
            # has; an active one may still move (crm_simulate: ``Move c:0 ( n6 -> n4 )``
            # off a node gone to standby, while ``Start c:1`` is "blocked").
            copy_caps[key] = len(now)
        if keep:
            allowed[key] = {n: s for n, s in table.scores(key).items() if s.allowed or n in keep}
        else:
            allowed[key] = table.allowed(key)
            scored.append(key)
        if key in leaders:
            followed.append(key)
        if not allowed[key]:
            not_running[key] = _nowhere(table.scores(key))
    for key, nodes in lifted_nodes(table, followed).items():
        allowed[key] = {**allowed[key], **nodes}
        if allowed[key]:
            not_running.pop(key, None)
    lowered = lowered if lowered is not None else lower_constraints(config, hierarchy, table.units)
    relations = list(lowered.relations)
    lifted: dict[str, frozenset[str]] = {}
    links = [r for r in relations if isinstance(r, colocation.Link)]
    for key, nodes in coloc_lift.candidates(table, links, scored).items():
        allowed[key] = {n: s for n in table.nodes if (s := allowed[key].get(n) or nodes.get(n)) is not None}
        lifted[key] = frozenset(nodes)
        not_running.pop(key, None)
    # (The walk over the colocation graph reads only the table, the links and node attributes.)
    provisional = Problem(config, state, hierarchy, table, allowed, {}, set(), {}, {}, {}, links, [], None)
    for key, nodes in lifted_by_pull(provisional, scored).items():
        allowed[key] = {n: s for n in table.nodes if (s := allowed[key].get(n) or nodes.get(n)) is not None}
        lifted[key] = lifted.get(key, frozenset()) - nodes.keys()  # allowed outright now
        not_running.pop(key, None)
    for key, why in waiting_starts(table).items():
        running = table.current.of(key)
        allowed[key] = {node: score for node, score in allowed.get(key, {}).items() if node in running}
        if not allowed[key]:
            not_running.setdefault(key, why)
    promotable, pinned_promoted, gates = _promotion(
        table, allowed, frozen, quorum.may_promote, stay_promoted=not quorum.keeps_promotable,
        pulls=role_pulls(table, links),
    )
    relations.extend(hosting.lower(config, lowered.resolver, table.units, allowed))
    links = [r for r in relations if isinstance(r, colocation.Link)]
    precedences = drop_shadowed(config, [r for r in relations if isinstance(r, order.Precedence)])
    _hold_blocked_stops(table, hierarchy, state, config, precedences, allowed, pinned, frozen, blocked, not_running)
    capacity = None
    if config.cluster.strategy is not Strategy.DEFAULT:
        capacity = {name: dict(node.capacity) for name, node in config.nodes.items()}
    exempt = frozenset((key, node) for key, nodes in pinned.items() for node in nodes)
    # (Waiting starts and blocked stops may have taken lifted nodes away again.)
    lifted = {key: kept for key, nodes in lifted.items() if (kept := nodes & allowed.get(key, {}).keys())}
    return Problem(
        config,
        state,
        hierarchy,
        table,
        allowed,
        pinned,
        frozen,
        blocked,
        promotable,
        pinned_promoted,
        links,
        precedences,
        capacity,
        not_running,
        exempt,
        lifted=lifted,
        copy_caps=copy_caps,
        promotion_gates=gates,
    )


def _hold_blocked_stops(
    table: ScoreTable,
    hierarchy: Hierarchy,
    state: State,
    config: Config,
    precedences: list[order.Precedence],
    allowed: dict[str, dict[str, NodeScore]],
    pinned: dict[str, frozenset[str]],
    frozen: set[str],
    blocked: dict[str, str],
    not_running: dict[str, str],
) -> None:
    """Pin the copies whose stop waits for a stop that cannot run, and keep from running
    what must start after a start that cannot run (`placement.solve.blocked_stops`)."""
    held = held_copies(config, state, hierarchy, table.units, table.current.nodes, precedences)
    _pin(table, held, allowed, pinned, frozen, blocked, not_running)
    held, stopped = unmanaged_members(
        state, table.units, table.current.nodes, lambda key, node: node in allowed.get(key, {})
    )
    _pin(table, held, allowed, pinned, frozen, blocked, not_running)
    stopped.update(waits_for_blocked_start(config, state, table.units, precedences))
    for key, why in stopped.items():
        if key not in frozen and key not in pinned:
            allowed[key] = {}
            not_running[key] = why


def _pin(
    table: ScoreTable,
    held: Mapping[str, tuple[frozenset[str], str]],
    allowed: dict[str, dict[str, NodeScore]],
    pinned: dict[str, frozenset[str]],
    frozen: set[str],
    blocked: dict[str, str],
    not_running: dict[str, str],
) -> None:
    """Keep each held unit's copies where they run (a clone's others stay free)."""
    for key, (nodes, why) in held.items():
        if key in frozen:
            continue
        pinned[key] = pinned.get(key, frozenset()) | nodes
        blocked[key] = why
        not_running.pop(key, None)
        if not table.by_key[key].multi:
            frozen.add(key)
            allowed[key] = {n: table.score(key, n) for n in sorted(pinned[key])}
        else:
            allowed[key] = {**allowed.get(key, {}), **{n: table.score(key, n) for n in sorted(nodes)}}


def _may_not_run(config: Config, quorum: object, requires: str | None, active: bool) -> str | None:
    if config.cluster.stop_all:
        return STOP_ALL
    if requires == "nothing":
        return None
    if not quorum.may_keep:  # type: ignore[attr-defined]
        return quorum.reason  # type: ignore[attr-defined]
    if not quorum.may_start and not active:  # type: ignore[attr-defined]
        return quorum.reason  # type: ignore[attr-defined]
    return None


def _nowhere(scores: dict[str, NodeScore]) -> str:
    reasons = [score.why_not() for score in scores.values()]
    return "no node may take it: " + "; ".join(r for r in reasons if r) if reasons else "there are no nodes"


def _promotion(
    table: ScoreTable,
    allowed: dict[str, dict[str, NodeScore]],
    frozen: set[str],
    may_promote: bool,
    stay_promoted: bool = True,
    pulls: Mapping[str, tuple[RolePull, ...]] | None = None,
) -> tuple[dict[str, dict[str, NodeScore]], dict[str, frozenset[str]], dict[str, dict[str, Gate]]]:
    promotable: dict[str, dict[str, NodeScore]] = {}
    pinned: dict[str, frozenset[str]] = {}
    gates: dict[str, dict[str, Gate]] = {}
    copies = group_copies(unit for unit in table.units if unit.promotable)
    in_copy = {key for keys in copies.values() for key in keys}
    for unit in table.units:
        if not unit.promotable or unit.key in in_copy:
            continue
        now = table.current.promoted.get(unit.key, frozenset())
        scores = table.promotion(unit.key)
        if unit.key in frozen:
            pinned[unit.key] = frozenset(n for n in now if n in allowed[unit.key])
            promotable[unit.key] = {n: scores[n] for n in sorted(pinned[unit.key])}
            continue
        own = (pulls or {}).get(unit.key, ())
        found: dict[str, NodeScore] = {}
        for node in allowed[unit.key]:
            if not (may_promote or (stay_promoted and node in now)):
                continue
            gate = Gate(scores[node].total, own)
            if gate.reachable if own else scores[node].total >= 0:
                found[node] = scores[node]
                if own and gate.needed:
                    gates.setdefault(unit.key, {})[node] = gate
        promotable[unit.key] = found
    for keys in copies.values():
        _copy_promotion(table, keys, allowed, frozen, may_promote, promotable, pinned, stay_promoted)
    return promotable, pinned, gates


def _copy_promotion(
    table: ScoreTable,
    keys: tuple[str, ...],
    allowed: dict[str, dict[str, NodeScore]],
    frozen: set[str],
    may_promote: bool,
    promotable: dict[str, dict[str, NodeScore]],
    pinned: dict[str, frozenset[str]],
    stay_promoted: bool = True,
) -> None:
    """Where one copy of a promotable clone's group may be promoted: as a whole, or not at all.

    compat(pacemaker): §8 ``node_to_be_promoted_on`` refuses a cloned-group instance on a
    node where any member cannot be promoted, so every member gets the same nodes: those
    where each member may run (an unmanaged member only where it is promoted now) and the
    copy's summed score (`ScoreTable.copy_promotion`) is ≥ 0. The score sits on the first
    member only, so the objective counts it once per promoted copy; the others get 0.
    """
    scores = table.copy_promotion(keys)
    current = table.current.promoted
    now = frozenset().union(*(current.get(key, frozenset()) for key in keys))  # a group's role is its highest
    for key in keys:
        if key in frozen:
            pinned[key] = frozenset(n for n in current.get(key, ()) if n in allowed[key])

    def may(key: str, node: str) -> bool:
        return node in (pinned[key] if key in frozen else allowed[key])

    nodes = [
        node
        for node in table.nodes
        if scores[node].total >= 0
        and (may_promote or (stay_promoted and node in now))
        and all(may(key, node) for key in keys)
    ]
    head = keys[0]
    counted_on_head = Term("promotion", f"counted with its copy's first member {head}", 0)
    for key in keys:
        own = sorted(pinned[key]) if key in frozen else []  # left alone where it is promoted
        chosen = list(dict.fromkeys([*nodes, *own]))
        if key == head:
            promotable[key] = {n: scores[n] for n in chosen}
        else:
            promotable[key] = {n: NodeScore(n, (counted_on_head,), True, table.unavailable[n]) for n in chosen}


def role_matches(role: Role | None, promoted: bool) -> bool:
    """Whether a copy in this promotion state satisfies a constraint's role."""
    if role is Role.PROMOTED:
        return promoted
    if role is Role.UNPROMOTED:
        return not promoted
    return True
