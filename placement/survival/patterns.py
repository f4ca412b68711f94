"""Say in words which scenarios hurt a resource: "every pair containing node7", not 31 lines.

Given every scenario (a tuple of failed domains) and the ones that hurt, the patterns
tried, in order, are the ones an operator acts on:

* *always* — every scenario;
* *single points* — exactly the scenarios containing any of a few domains
  ("every pair containing node7 or node9");
* *all of a few together* — exactly the scenarios holding at least ``j`` of a small set
  ("any 2 of alice, bob, charlie"; with ``j`` = K for K=2, "bob + charlie");
* a short list when there are at most three;
* otherwise a count, with the domains that appear most often.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

NAMES = {1: "failure", 2: "pair", 3: "triple"}


def describe(universe: Sequence[tuple[str, ...]], hurt: Sequence[tuple[str, ...]]) -> str:
    """The pattern of ``hurt`` among ``universe`` (both lists of failed-domain tuples)."""
    if not hurt:
        return "never"
    size = len(universe[0])
    word = NAMES.get(size, f"{size}-failure combination")
    hurt_sets = {frozenset(s) for s in hurt}
    if len(hurt_sets) == len(universe):
        return f"every {word}"
    domains = list(dict.fromkeys(d for s in universe for d in s))
    critical = [d for d in domains if all(frozenset(s) in hurt_sets for s in universe if d in s)]
    if critical and hurt_sets == {frozenset(s) for s in universe if set(s) & set(critical)}:
        if size == 1:
            return "when " + _either(critical) + " fails"
        return f"every {word} containing " + _either(critical)
    involved = [d for d in domains if any(d in s for s in hurt_sets)]
    least = min(len(s & set(involved)) for s in hurt_sets)
    together = {frozenset(s) for s in universe if len(set(s) & set(involved)) >= least}
    if least >= 2 and hurt_sets == together and len(involved) <= 8:
        if len(hurt_sets) == 1:
            return "only when " + " and ".join(involved) + " fail together"
        return f"whenever {least} of {', '.join(involved)} fail together"
    if len(hurt_sets) <= 3:
        return "only " + "; ".join(" + ".join(s) for s in hurt)
    # hurt_sets is a set of frozensets: rank by count, then name, so the words never depend on hashing.
    counts = Counter(d for s in hurt_sets for d in s)
    common = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:3]
    often = ", ".join(f"{d} ({n})" for d, n in common)
    return f"in {len(hurt_sets)} scattered {word}s; most often with {often}"


def _either(domains: list[str]) -> str:
    if len(domains) <= 4:
        return " or ".join(domains)
    return f"any of {len(domains)} domains ({', '.join(domains[:4])}, …)"
