"""Property: a scenario lowered from the no-failure lowering is exactly `build_problem` from scratch.

`Lowering.problem` reuses every unit's allowed nodes and where it runs now, except for
what the lost nodes touch. On random clusters (fencing on and off, so lost copies are kept
unclean or dropped; anonymous and unique clones, with and without instance numbers in
the state; a group member running unmanaged, whose node lifts the whole group), every
field of every single- and double-failure problem must equal the one `build_problem`
builds, in the same order, and so must every score row.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from placement.events import NodeDown, apply_events
from placement.remote import with_lost_guests
from placement.solve.problem import Problem, build_problem
from placement.survival.lowering import Lowering, ScenarioScores
from tests.survive.test_property import clusters

FIELDS = ("pinned", "frozen", "blocked", "promotable", "pinned_promoted", "links", "precedences", "capacity",
          "not_running", "exempt")


def _same(derived: Problem, scratch: Problem) -> None:
    assert list(derived.allowed) == list(scratch.allowed)
    for key, nodes in scratch.allowed.items():
        assert list(derived.allowed[key].items()) == list(nodes.items()), key
        assert [s.allowed for s in derived.allowed[key].values()] == [s.allowed for s in nodes.values()], key
        assert list(derived.table.scores(key).items()) == list(scratch.table.scores(key).items()), key
    for name in FIELDS:
        assert getattr(derived, name) == getattr(scratch, name), name
    for name in ("nodes", "promoted", "instance_numbers"):
        assert list(getattr(derived.table.current, name).items()) == list(getattr(scratch.table.current, name).items())


@settings(max_examples=40, deadline=None)
@given(clusters(), st.booleans(), st.booleans(), st.booleans())
def test_derived_scenario_problems_equal_build_problem(text: str, unique: bool, numbered: bool,
                                                       unmanaged: bool) -> None:
    if unique:
        text += "resource tok ocf:pacemaker:Dummy\nclone toks of tok max=3 unique\n"
    if unmanaged:  # a group whose last member is held where it runs: the group's scores read it
        text += ("resource ua ocf:pacemaker:Dummy\nresource ub ocf:pacemaker:Dummy\n"
                 "group ug of ua ub\n")
    config = placement.loads(text)
    state = placement.steady_state(config)
    if not numbered:  # the copies of unique clones fill the lowest free numbers again
        state = replace(state, instances=tuple(replace(i, clone_instance=None) for i in state.instances))
    if unmanaged:
        state = replace(state, instances=tuple(replace(i, managed=False) if i.resource == "ub" else i
                                               for i in state.instances))
    lowering = Lowering(config, with_lost_guests(config, state))
    derived_any = False
    for count in (1, 2):
        for nodes in combinations(config.nodes, count):
            after, lost = apply_events(config, state, [NodeDown(n) for n in nodes])
            lost = with_lost_guests(after, lost)
            derived = lowering.problem(after, lost)
            derived_any = derived_any or isinstance(derived.table, ScenarioScores)
            _same(derived, build_problem(after, lost))
    assert derived_any  # the cluster nodes' scenarios are all derivable: the shortcut was exercised
