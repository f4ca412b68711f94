"""Disjoint sets of units (union–find), for the forests whose ties must not close a cycle."""

from __future__ import annotations


class DisjointSets:
    """Which set each key is in; `join` merges two sets unless they are one already."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def join(self, one: str, other: str) -> bool:
        """Merge the sets of ``one`` and ``other``; False when they were the same set."""
        first, second = self._find(one), self._find(other)
        if first == second:
            return False
        self._parent[first] = second
        return True

    def _find(self, key: str) -> str:
        parent = self._parent
        while parent.get(key, key) != key:
            above = parent[key]
            parent[key] = parent.get(above, above)  # halve the path as it is walked
            key = above
        return key
