"""Union–find for the colocation forests: a tie that would close a cycle is refused."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from placement.solve.disjoint_sets import DisjointSets


@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), max_size=30))
def test_a_join_is_refused_exactly_when_the_two_are_already_connected(pairs):
    """Against the plain definition: connected = reachable through the joins accepted so far."""
    sets, accepted = DisjointSets(), []
    for one, other in pairs:
        reachable, frontier = {one}, [one]
        while frontier:
            here = frontier.pop()
            for a, b in accepted:
                for there in (b,) if a == here else (a,) if b == here else ():
                    if there not in reachable:
                        reachable.add(there)
                        frontier.append(there)
        joined = sets.join(str(one), str(other))
        assert joined == (other not in reachable)
        if joined:
            accepted.append((one, other))
