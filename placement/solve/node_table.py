"""The order in which Pacemaker walks a resource's table of allowed nodes.

compat(pacemaker): a few of the scheduler's choices keep "the first node found" among
equals while iterating ``rsc->allowed_nodes``, a GLib hash table keyed by node id with
``pcmk__str_hash`` (``pcmk__strkey_table``). The most capable node of
``pcmk__ban_insufficient_capacity`` is one: of two nodes that tie on free capacity, the
one the iteration meets first is preferred. That order is not the name order: it is
the bucket order of GLib's open-addressing table (``ghash.c``: index ``hash * 11 % mod``,
quadratic probing, growth by in-place relocation), filled in Pacemaker's node order
(``pe__cmp_node_name``) and copied again each time assignment folds a colocation into the
scores. Reproducing it is cheap and makes those ties come out as Pacemaker's do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cmp_to_key
from typing import TypeVar

T = TypeVar("T")

_MIN_SHIFT = 3
# GLib's prime moduli per table shift (``prime_mod`` in ghash.c).
_PRIME_MOD = (
    1,
    2,
    3,
    7,
    13,
    31,
    61,
    127,
    251,
    509,
    1021,
    2039,
    4093,
    8191,
    16381,
    32749,
    65521,
    131071,
    262139,
    524287,
    1048573,
    2097143,
    4194301,
    8388593,
    16777213,
)
_DIGITS = re.compile(r"\d+")


def pcmk_str_hash(key: str) -> int:
    """``pcmk__str_hash``: h = 31·h + c over the bytes read as signed chars, 32 bits."""
    value = 0
    for byte in key.encode():
        value = (value * 31 + (byte - 256 if byte > 127 else byte)) & 0xFFFFFFFF
    return value if value >= 2 else 2  # GLib reserves hashes 0 (unused) and 1 (tombstone)


def numeric_casecmp(one: str, other: str) -> int:
    """``pcmk__numeric_strcasecmp``: digit runs compare as numbers (shorter first on a tie),
    everything else case-insensitively."""
    i = j = 0
    while i < len(one) and j < len(other):
        if one[i].isdigit() and other[j].isdigit():
            left, right = _DIGITS.match(one, i), _DIGITS.match(other, j)
            assert left is not None and right is not None
            a, b = left.group(), right.group()
            if int(a) != int(b):
                return -1 if int(a) < int(b) else 1
            if len(a) != len(b):
                return -1 if len(a) < len(b) else 1
            i, j = left.end(), right.end()
            continue
        a, b = one[i].lower(), other[j].lower()
        if a != b:
            return -1 if a < b else 1
        i, j = i + 1, j + 1
    return (len(one) - i > 0) - (len(other) - j > 0)


def pacemaker_node_order(names: Iterable[str]) -> list[str]:
    """Node names in ``data_set->nodes`` order (``pe__cmp_node_name``)."""
    return sorted(names, key=cmp_to_key(numeric_casecmp))


class _Table:
    """Just enough of a GLib hash table to know where each key lands."""

    def __init__(self) -> None:
        self.shift = _MIN_SHIFT
        self.slots: list[tuple[int, str] | None] = [None] * (1 << self.shift)
        self.count = 0

    def _index(self, hashed: int) -> int:
        return ((hashed * 11) & 0xFFFFFFFF) % _PRIME_MOD[self.shift]  # guint arithmetic wraps

    def insert(self, key: str) -> None:
        hashed = pcmk_str_hash(key)
        mask = len(self.slots) - 1
        index, step = self._index(hashed), 0
        while self.slots[index] is not None:
            if self.slots[index] == (hashed, key):
                return
            step += 1
            index = (index + step) & mask
        self.slots[index] = (hashed, key)
        self.count += 1
        # g_hash_table_maybe_resize: grow once occupancy reaches 15/16 (nothing is removed).
        if len(self.slots) <= self.count + self.count // 16:
            self._grow()

    def _grow(self) -> None:
        """g_hash_table_resize + resize_map: relocate in place, evicting as it goes."""
        old_size = len(self.slots)
        wanted, shift = int(self.count * 1.333), 0
        while wanted:
            wanted >>= 1
            shift += 1
        self.shift = max(shift, _MIN_SHIFT)
        self.slots.extend([None] * ((1 << self.shift) - old_size))
        mask = len(self.slots) - 1
        relocated = [False] * len(self.slots)
        for i in range(old_size):
            entry = self.slots[i]
            if entry is None or relocated[i]:
                continue
            self.slots[i] = None
            while True:
                index, step = self._index(entry[0]), 0
                while relocated[index]:
                    step += 1
                    index = (index + step) & mask
                relocated[index] = True
                entry, self.slots[index] = self.slots[index], entry
                if entry is None:
                    break

    def in_order(self) -> list[str]:
        return [slot[1] for slot in self.slots if slot is not None]


def allowed_nodes_order(ids: dict[str, str], copies: int = 0) -> list[str]:
    """Node names in the order Pacemaker iterates a resource's allowed nodes.

    ``ids`` maps each node name to its id (the key of the table). ``copies``: how many
    times the table was replaced by a copy (``pcmk__copy_node_table`` inserts the same
    keys in iteration order, which moves keys that share a bucket): applying a colocation
    to a resource's scores does that once.
    """
    table = _Table()
    for name in pacemaker_node_order(ids):
        table.insert(ids[name])
    for _ in range(copies):
        copied = _Table()
        for key in table.in_order():
            copied.insert(key)
        table = copied
    name_of = {ident: name for name, ident in ids.items()}
    return [name_of[key] for key in table.in_order()]


def merge_sort(items: list[T], compare: Callable[[T, T], int]) -> list[T]:
    """``g_list_sort``: GLib's top-down merge sort, the left half the shorter one (of an odd
    list), and an equal pair kept in order. With a comparison that is not transitive the
    result depends on exactly this procedure (and on the input order), so it is reproduced
    step by step."""
    if len(items) < 2:
        return list(items)
    middle = len(items) // 2
    left, right = merge_sort(items[:middle], compare), merge_sort(items[middle:], compare)
    merged: list[T] = []
    i = j = 0
    while i < len(left) and j < len(right):
        if compare(left[i], right[j]) <= 0:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    return merged + left[i:] + right[j:]
