"""The fault campaign's invariant checkers (bench/faults.py) catch what they claim to, on crafted journals."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from placement.runtime.journal import Entry

_SPEC = importlib.util.spec_from_file_location("faults", Path(__file__).parents[2] / "bench" / "faults.py")
assert _SPEC is not None and _SPEC.loader is not None
faults = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(faults)


def journal(*items: tuple[str, dict]) -> list[Entry]:
    return [Entry(seq, float(seq), kind, data) for seq, (kind, data) in enumerate(items, start=1)]


def belief(*copies: tuple[str, str]) -> tuple[str, dict]:
    instances = [{"resource": r, "node": n, "role": "started", "failed": False} for r, n in copies]
    return "belief", {"belief": {"nodes": {}, "instances": instances}}


def dispatch(op: str, resource: str, node: str) -> tuple[str, dict]:
    return "dispatch", {"op": op, "resource": resource, "node": node, "action": f"{op} {resource}@{node}"}


def test_a_start_elsewhere_between_unclean_and_fenced_is_caught() -> None:
    bad = journal(
        belief(("zulu", "charlie")),
        ("unclean", {"node": "charlie"}),
        dispatch("start", "zulu", "bob"),
        ("fenced", {"node": "charlie"}),
    )
    assert faults.fencing_first(bad) == ["#3 start zulu@bob before charlie (unclean) was fenced"]
    good = journal(
        belief(("zulu", "charlie")),
        ("unclean", {"node": "charlie"}),
        ("fenced", {"node": "charlie"}),
        dispatch("start", "zulu", "bob"),
    )
    assert faults.fencing_first(good) == []


def order(token: int, dispatch: str, action: str, subject: str, time: float) -> dict:
    return {"token": token, "dispatch": dispatch, "action": action, "subject": subject, "time": time}


def test_an_order_under_an_older_token_or_outside_its_term_is_caught() -> None:
    entries = journal(
        ("controller-start", {"token": 2}),
        dispatch("start", "xray", "alice"),
        ("controller-start", {"token": 9}),
        dispatch("stop", "xray", "alice"),
    )
    good = {"alice": [order(2, "#2", "start", "xray", 1.0), order(9, "#4", "stop", "xray", 2.0)]}
    assert faults.stale_tokens(entries, good) == []
    backwards = {"alice": [order(9, "#4", "stop", "xray", 1.0), order(2, "#2", "start", "xray", 2.0)]}
    assert any("older token" in p for p in faults.stale_tokens(entries, backwards))
    wrong_term = {"alice": [order(9, "#2", "start", "xray", 1.0)]}
    assert any("journalled in term 2" in p for p in faults.stale_tokens(entries, wrong_term))


def result(dispatch: int, op: str, resource: str, node: str, ok: bool = True) -> tuple[str, dict]:
    data = {"dispatch": dispatch, "op": op, "ok": ok, "resource": resource, "node": node}
    return "result", {**data, "action": f"{op} {resource}@{node}"}


def test_a_completed_start_repeated_without_a_sign_it_stopped_is_caught() -> None:
    repeated = journal(
        dispatch("start", "xray", "alice"),
        result(1, "start", "xray", "alice"),
        result(9, "monitor", "xray", "alice"),  # healthy monitors are no sign of stopping
        dispatch("start", "xray", "alice"),
    )
    ran = {"alice": [order(2, "#1", "start", "xray", 1.0)]}
    assert faults.lost_or_repeated(repeated, ran) == [
        "#4 start xray@alice: a completed start repeated, no sign it stopped"
    ]
    for evidence in (
        ("probe", {"node": "alice", "found": {"iscsi": "started"}}),
        ("event", {"node": "alice", "resource": "xray", "exit_code": 7, "expected": 0}),
        ("fenced", {"node": "alice"}),
        result(1, "stop", "xray", "alice"),
    ):
        entries = journal(dispatch("start", "xray", "alice"), result(1, "start", "xray", "alice"), evidence)
        entries += journal(dispatch("start", "xray", "alice"))
        assert faults.lost_or_repeated(entries, ran) == [], evidence


def test_lost_twice_run_and_phantom_actions_are_caught() -> None:
    entries = journal(
        dispatch("start", "xray", "alice"),
        result(1, "start", "xray", "alice"),
        ("dispatch", {"op": "fence", "node": "charlie", "action": "fence charlie"}),
        result(3, "fence", "", "charlie"),
    )
    ran = [order(2, "#1", "start", "xray", 1.0)]
    lost = {"alice": ran, "bob": [order(2, "#9", "start", "yankee", 1.0)]}
    assert faults.lost_or_repeated(entries, lost) == [
        f"bob executed {lost['bob'][0]} that no journal dispatch names (lost)"
    ]
    twice = {"alice": [order(2, "#1", "start", "xray", 1.0), order(2, "#1", "start", "xray", 2.0)]}
    assert faults.lost_or_repeated(entries, twice) == ["#1 executed 2 times"]
    never_ran = faults.lost_or_repeated(entries, {})
    assert never_ran == ["result #2 says start xray@alice succeeded; no agent ran it"]
    # A fence may go to a second executor when the first does not answer, never after its result.
    retried = {
        "alice": ran,
        "bob": [order(2, "#3", "fence-off", "charlie", 1.0)],
        "dan": [order(2, "#3", "fence-off", "charlie", 2.0)],
    }
    assert faults.lost_or_repeated(entries, retried) == []
    late = {"alice": ran, "bob": [order(2, "#3", "fence-off", "charlie", 99.0)]}
    assert faults.lost_or_repeated(entries, late) == ["bob ran fence #3 after its result was journalled"]


def fence(node: str, **extra: object) -> tuple[str, dict]:
    return "dispatch", {"op": "fence", "node": node, "action": f"fence {node}", **extra}


def ended(dispatch: int, target: str, time: float, ok: bool = True) -> dict:
    return {"phase": "ended", "dispatch": f"#{dispatch}", "target": target, "ok": ok, "time": time, "device": "f"}


def test_a_fence_repeated_after_an_executor_recorded_its_success_is_caught() -> None:
    # #2 fenced charlie (bob's own record says so at t=2.5); its leader died before journalling that.
    entries = journal(("unclean", {"node": "charlie"}), fence("charlie"), ("controller-start", {"token": 9}),
                      fence("charlie"))
    records = {"bob": [ended(2, "charlie", 2.5)]}
    assert faults.fences_not_repeated(entries, records) == [
        "#4 fences charlie again: #2 had fenced it (silent repeat)"
    ]
    # Once charlie has rejoined (probed), a new loss may be fenced again.
    rejoined = journal(("unclean", {"node": "charlie"}), fence("charlie"), ("probe", {"node": "charlie"}),
                       fence("charlie"))
    assert faults.fences_not_repeated(rejoined, records) == []
    # A failed run is no completion: a retry is no repeat.
    assert faults.fences_not_repeated(entries, {"bob": [ended(2, "charlie", 2.5, ok=False)]}) == []


def test_a_reissue_is_accepted_only_when_the_outcome_could_not_be_known() -> None:
    def campaign(silent: list[str]) -> list:
        return journal(
            fence("charlie", executors=["bob"]),
            ("controller-start", {"token": 9}),
            ("in-doubt", {"op": "fence", "dispatch": 1, "node": "charlie", "silent": silent, "unsure": []}),
            fence("charlie", reissue_of=1),
        )

    records = {"bob": [ended(1, "charlie", 1.5)]}  # bob had finished before the takeover asked (t=3)
    assert faults.fences_not_repeated(campaign(["bob"]), records) == []
    assert faults.fences_not_repeated(campaign([]), records) == [
        "#4 re-issues #1: bob could have told it had completed"
    ]
    unmarked = journal(fence("charlie"), ("controller-start", {"token": 9}), fence("charlie", reissue_of=1))
    assert faults.fences_not_repeated(unmarked, records) == ["#3 re-issues #1, which no takeover found in doubt"]


def test_an_order_refused_as_stale_and_run_anyway_is_caught() -> None:
    refused = {"alice": [{"dispatch": "#7", "token": 2, "newest": 5, "action": "stop", "time": 10.0}]}
    assert faults.refused_not_run({"alice": [order(2, "#7", "stop", "xray", 9.0)]}, refused) == []
    ran_later = {"bob": [order(2, "#7", "stop", "xray", 11.0)]}
    assert faults.refused_not_run(ran_later, refused) == [
        "bob ran #7 under token 2 after alice refused it as stale"
    ]
