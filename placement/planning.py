"""The embedded API: plan from a configuration and a state, optionally after what-if events.

>>> import placement
>>> config = placement.load("examples/kvm.place")
>>> now = placement.steady_state(config)
>>> result = placement.plan(config, now, events=[placement.events.NodeDown("charlie")])
>>> result.summary()[0]
"Fence (reboot) charlie 'peer is no longer part of the cluster'"
>>> after = result.apply()
>>> after.node("charlie").status.value, [i.node for i in after.instances_of("zulu")] != ["charlie"]
('fenced', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from placement.events import Event, apply_events
from placement.model import Config
from placement.remote import fence_unrecoverable, with_lost_guests
from placement.solve import solve
from placement.state import State
from placement.target import Placement
from placement.transition import Action, Transition, build_transition
from placement.transition.simulate import simulate


@dataclass(frozen=True)
class Plan:
    """A decision: the target placement and the transition that reaches it.

    ``config`` and ``state`` are the inputs after the events were applied: the "now" the
    plan starts from. ``apply()`` simulates the transition and returns the state after it.
    """

    config: Config
    state: State
    events: tuple[Event, ...]
    placement: Placement
    details: Transition = field(repr=False)

    @property
    def transition(self) -> nx.DiGraph:
        """The action graph (`Action` nodes, an edge means "completes before")."""
        return self.details.graph

    @property
    def waves(self) -> list[list[Action]]:
        return self.details.waves

    @property
    def is_empty(self) -> bool:
        """Nothing to do: the cluster is already where it should be."""
        return self.details.is_empty

    def summary(self) -> list[str]:
        """The transition summary, one line per change, in crm_simulate's words."""
        return [item.text for item in self.details.summary]

    def apply(self) -> State:
        """The state after every action succeeded."""
        return simulate(self.config, self.state, self.details.graph)


def plan(config: Config, state: State | None = None, events: Sequence[Event] = (), **solve_options: Any) -> Plan:
    """Apply ``events`` to (``config``, ``state``), solve, and build the transition."""
    state = State() if state is None else state
    config, state = apply_events(config, state, events)
    state = with_lost_guests(config, state)
    placement = solve(config, state, **solve_options)
    state = fence_unrecoverable(config, state, placement)
    return Plan(config, state, tuple(events), placement, build_transition(config, state, placement))


def steady_state(config: Config, **solve_options: Any) -> State:
    """The state of a healthy cluster: every node online, everything where the solver puts it."""
    return plan(config, State(), **solve_options).apply()
