"""Property: survive (proofs without search, composed moves, symmetry) == the per-scenario whatif loop.

Random small clusters — capacities, priorities, bans and preferences, colocations both
ways, a clone, a group, fencing on or off — each checked for every single and double
node failure against `whatif_loop`, which runs the whatif planner once per scenario.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import placement
from tests.survive.whatif_loop import survive_sets, whatif_loop


@st.composite
def clusters(draw: st.DrawFn) -> str:
    nodes = [f"n{i}" for i in range(1, draw(st.integers(3, 5)) + 1)]
    sized = draw(st.booleans())
    fencing = draw(st.booleans())
    lines = [f"cluster stickiness={draw(st.sampled_from([0, 10, 100]))} fencing={'on' if fencing else 'off'}"
             + (" strategy=balanced" if sized else "")]
    for node in nodes:
        capacity = f" capacity cpu={draw(st.integers(2, 6))}" if sized else ""
        lines.append(f"node {node}{capacity}")
    if fencing:
        lines.append("fence fd stonith:fence_dummy")
    names = [f"r{i}" for i in range(1, draw(st.integers(2, 6)) + 1)]
    for name in names:
        meta = f" meta priority={draw(st.integers(0, 2))}" if draw(st.booleans()) else ""
        uses = f" uses cpu={draw(st.integers(1, 3))}" if sized else ""
        lines.append(f"resource {name} ocf:pacemaker:Dummy{meta}{uses}")
    for name in names:
        if draw(st.booleans()):
            node = draw(st.sampled_from(nodes))
            how = draw(st.sampled_from(["prefers {} 50", "avoids {}", "prefers {}"]))
            lines.append(f"location {name} " + how.format(node))
    for _ in range(draw(st.integers(0, 2))):
        first, second = sorted(draw(st.lists(st.sampled_from(names), min_size=2, max_size=2, unique=True)))
        kind = draw(st.sampled_from(["with", "apart from"]))
        score = draw(st.sampled_from(["", " 200"]))
        lines.append(f"colocation {second} {kind} {first}{score}")
    if draw(st.booleans()):
        uses = f" uses cpu={draw(st.integers(1, 2))}" if sized else ""
        lines.append(f"resource ping ocf:pacemaker:Dummy{uses}")
        lines.append(f"clone cl of ping max={draw(st.integers(1, len(nodes)))}")
    if draw(st.booleans()):
        lines += ["resource ga ocf:pacemaker:Dummy", "resource gb ocf:pacemaker:Dummy", "group g of ga gb"]
    return "\n".join(lines) + "\n"


@settings(max_examples=30)
@given(clusters())
def test_survive_equals_the_whatif_loop(text: str) -> None:
    config = placement.loads(text)
    state = placement.steady_state(config)
    for failures in (1, 2):
        report = placement.survive(config, state, failures=failures)
        assert survive_sets(report) == whatif_loop(config, state, failures), text
