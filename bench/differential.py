#!/usr/bin/env python3
"""Differential test: placement against the real scheduler on random clusters.

Draws ``--clusters N`` random but valid clusters (``bench/random_cib``: nodes with
attributes and utilization, primitives, groups, clones, promotable clones, locations and
rules, colocations and orders with sets, stickiness, failures, probes, migration,
fencing, quorum, standby and maintenance, plus events written into the status), writes
each as CIB XML, and runs both ``crm_simulate -S`` and ``placement whatif --cib X --json``
(in-process) on it. Each answer is judged as ``bench/conformance.py`` does: match, better
(proven by `placement.cib.compare`), mismatch, unsupported, error (placement failed:
its CIB is saved), invalid (crm_simulate refused the CIB: a generator bug).

Disagreements are shrunk to minimal clusters (``--shrink K`` of them, distinct kinds
first); the features left in a minimal cluster name its cause, and the minimal CIBs are
saved under ``--save DIR`` (default /tmp/differential-SEED).

    python3 bench/differential.py --clusters 200 --seed 1 [--jobs 2] [--features clones=0] [--shrink 20]

The last line is ``differential: M/N match (P%), B better, X mismatch, U unsupported, E errors``.
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.random_cib import reference  # noqa: E402
from bench.random_cib.draw import Weights, seeded  # noqa: E402
from bench.random_cib.features import features  # noqa: E402
from bench.random_cib.model import Cluster  # noqa: E402
from bench.random_cib.shrink import shrink, size  # noqa: E402
from bench.random_cib.verdict import Verdict, as_json, judge_cluster  # noqa: E402
from bench.random_cib.writer import to_xml  # noqa: E402

DISAGREE = ("mismatch", "error", "invalid", "incomplete")


def evaluate(seed: int, index: int, weights: Weights, save: Path, time_limit: float) -> tuple[int, Verdict, list]:
    """Judge cluster ``index``; keep its CIB (and verdict) unless the two agree."""
    cluster = seeded(seed, index, weights)
    verdict = judge_cluster(cluster, time_limit)
    if verdict.status not in ("match",):
        (save / f"cluster-{index}.xml").write_text(to_xml(cluster))
        (save / f"cluster-{index}.json").write_text(as_json(verdict) + "\n")
    return index, verdict, sorted(features(cluster))


def minimise(seed: int, index: int, weights: Weights, save: Path, time_limit: float,
             budget: int) -> tuple[int, Verdict, list, int, int]:
    """Shrink disagreement ``index`` to a minimal cluster with the same signature."""
    cluster = seeded(seed, index, weights)
    wanted = judge_cluster(cluster, time_limit).signature()

    def still_fails(candidate: Cluster) -> bool:
        return judge_cluster(candidate, time_limit).signature() == wanted

    small, tried = shrink(cluster, still_fails, budget)
    verdict = judge_cluster(small, time_limit, keep=save / f"minimal-{index}.xml")
    (save / f"minimal-{index}.json").write_text(as_json(verdict) + "\n")
    return index, verdict, sorted(features(small)), size(small), tried


def cause_of(signature: tuple[str, ...], feature_set: frozenset[str],
             causes: list[tuple[tuple[str, ...], frozenset[str], int]]) -> int | None:
    """The shrunk case explaining a disagreement: same signature, its features a subset
    of ours (the most specific such one)."""
    fits = [(len(f), i) for s, f, i in causes if s == signature and f <= feature_set]
    return max(fits)[1] if fits else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--features", default="", help="weights: 'clones=0,fencing=1' or 'only:groups,order'")
    parser.add_argument("--save", type=Path, help="where CIBs of disagreements go (default /tmp/differential-SEED)")
    parser.add_argument("--shrink", type=int, default=20, help="disagreements to shrink (0: none)")
    parser.add_argument("--shrink-budget", type=int, default=250, help="variants tried per shrink")
    parser.add_argument("--time-limit", type=float, default=20.0, help="placement's solver time limit")
    parser.add_argument("--json-report", type=Path)
    args = parser.parse_args()
    missing = reference.available()
    if missing:
        print(f"differential: cannot run the reference: {missing}", file=sys.stderr)
        return 2
    try:
        weights = Weights.parse(args.features)
    except ValueError as error:
        parser.error(str(error))
    save = args.save or Path(f"/tmp/differential-{args.seed}")
    save.mkdir(parents=True, exist_ok=True)
    began = time.time()
    results: dict[int, tuple[Verdict, frozenset[str]]] = {}
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(evaluate, args.seed, i, weights, save, args.time_limit) for i in range(args.clusters)]
        for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
            index, verdict, found = future.result()
            results[index] = (verdict, frozenset(found))
            if sys.stderr.isatty() and done % 20 == 0:
                print(f"\r[{done}/{args.clusters}]", end="", file=sys.stderr, flush=True)
        judged = time.time() - began
        # Shrink distinct kinds of disagreement first: round-robin over signatures.
        by_kind: dict[tuple, list[int]] = collections.defaultdict(list)
        for index in sorted(results):
            verdict, _ = results[index]
            if verdict.status in DISAGREE:
                by_kind[verdict.signature()].append(index)
        chosen: list[int] = []
        while len(chosen) < args.shrink and any(by_kind.values()):
            for kind in sorted(by_kind):
                if by_kind[kind] and len(chosen) < args.shrink:
                    chosen.append(by_kind[kind].pop(0))
        shrunk = list(pool.map(minimise, *zip(*[(args.seed, i, weights, save, args.time_limit, args.shrink_budget)
                                                  for i in chosen], strict=True))) if chosen else []
    causes = [(results[index][0].signature(), frozenset(found), index) for index, _, found, _, _ in shrunk]
    explained: dict[int | None, list[int]] = collections.defaultdict(list)
    for index, (verdict, found) in sorted(results.items()):
        if verdict.status in DISAGREE:
            explained[cause_of(verdict.signature(), found, causes)].append(index)
    print_report(args, results, shrunk, explained, save)
    counts = collections.Counter(v.status for v, _ in results.values())
    total = len(results)
    if args.json_report:
        args.json_report.write_text(json.dumps({
            "seed": args.seed, "clusters": total, "counts": counts,
            "cases": {i: {"status": v.status, "kind": v.kind, "actions": v.actions, "why": v.why, "features": sorted(f),
                          "planned": v.planned}
                      for i, (v, f) in results.items()},
            "causes": [{"example": i, "signature": s, "features": sorted(f), "clusters": explained.get(i, [])}
                       for s, f, i in causes],
        }, indent=1, default=list) + "\n")
    compared = [v for v, _ in results.values() if v.actions in ("match", "mismatch")]
    same = sum(v.actions == "match" for v in compared)
    print(f"actions (secondary, the Transition Summary as the harness compares it): {same}/{len(compared)} match")
    print(f"time: {judged:.0f}s judging, {time.time() - began - judged:.0f}s shrinking; CIBs in {save}")
    planned = collections.Counter(v.status for v, _ in results.values() if v.planned)
    if planned:
        print(f"judged on Pacemaker's plan (its simulation of the transition stalls): {sum(planned.values())} "
              f"({', '.join(f'{n} {status}' for status, n in sorted(planned.items()))})")
    print(
        f"differential: {counts['match']}/{total} match ({100 * counts['match'] / max(total, 1):.1f}%), "
        f"{counts['better']} better ({100 * counts['better'] / max(total, 1):.1f}%), "
        f"{counts['mismatch']} mismatch, {counts['unsupported']} unsupported, {counts['error']} errors"
        + (f", {counts['invalid']} invalid CIBs" if counts["invalid"] else "")
        + (f", {counts['incomplete']} incomplete (crm_simulate's transition stalls)" if counts["incomplete"] else "")
    )
    return 0


def print_report(args: argparse.Namespace, results: dict, shrunk: list, explained: dict, save: Path) -> None:
    total = max(len(results), 1)
    families = collections.defaultdict(collections.Counter)
    for verdict, found in results.values():
        for name in found:
            families[name][verdict.status] += 1
    print(f"{'feature':<26} {'clusters':>8} {'match':>6} {'better':>6} {'mism':>5} {'unsup':>5} {'err':>4} "
          f"{'match+better':>12}")
    for name, count in sorted(families.items(), key=lambda kv: -sum(kv[1].values())):
        n = sum(count.values())
        good = count["match"] + count["better"]
        print(f"{name:<26} {n:>8} {count['match']:>6} {count['better']:>6} {count['mismatch']:>5} "
              f"{count['unsupported']:>5} {count['error']:>4} {100 * good / n:>11.1f}%")
    unsupported = collections.Counter(v.why for v, _ in results.values() if v.status == "unsupported")
    if unsupported:
        print("\nunsupported: " + ", ".join(f"{why} ({n})" for why, n in unsupported.most_common(10)))
    kinds = collections.Counter("/".join(v.signature()[:2]) for v, _ in results.values() if v.status in DISAGREE)
    print("\ndisagreements by kind (status / how the mismatch re-scores):")
    for kind, n in kinds.most_common():
        print(f"  {n:>5} ({100 * n / total:.1f}%)  {kind}")
    print("\ndisagreement causes (the features a shrunk cluster still needs), most frequent first:")
    for index, verdict, found, small_size, tried in sorted(shrunk, key=lambda s: -len(explained.get(s[0], []))):
        clusters = explained.get(index, [])
        print(f"  {len(clusters):>4} ({100 * len(clusters) / total:.1f}%)  {'/'.join(results[index][0].signature())}: "
              f"{', '.join(found) or '-'}")
        print(f"        minimal-{index}.xml (size {small_size}, {tried} variants tried): {verdict.why[:160]}")
    if explained.get(None):
        print(f"  {len(explained[None]):>4} not explained by a shrunk case (raise --shrink): "
              f"{' '.join(map(str, explained[None][:20]))}")


if __name__ == "__main__":
    sys.exit(main())
