"""The operation-history replay, as properties over generated histories."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from placement.cib.history import Exec, OnFail, Op, Policy, replay
from placement.model import Role

TASKS = ["start", "stop", "promote", "demote", "monitor"]


def policy(promotable: bool = False) -> Policy:
    return Policy(promotable, True, {}, OnFail.RESTART, OnFail.FENCE, 0, None)


def op(task: str, call: int, rc: int = 0, target: int = 0, interval: int = 0, status: int = Exec.DONE) -> Op:
    return Op(task, interval, rc, status, call, target, 1000 + call, "", call)


def expected_role(tasks: list[str], promotable: bool) -> Role:
    """What a history of successes leaves, computed the simple way."""
    active = Role.UNPROMOTED if promotable else Role.STARTED
    role = Role.STOPPED
    for task in tasks:
        if task == "start":
            role = active
        elif task == "stop":
            role = Role.STOPPED
        elif task == "promote":
            role = Role.PROMOTED
        elif task == "demote":
            role = Role.UNPROMOTED
        elif role is Role.STOPPED:  # a successful recurring monitor means it runs
            role = active
    return role


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TASKS), max_size=12), st.booleans(), st.randoms(use_true_random=False))
def test_successes_leave_the_role_of_the_last_one_whatever_order_they_are_listed_in(tasks, promotable, rng) -> None:
    ops = [op(task, call, interval=10000 if task == "monitor" else 0) for call, task in enumerate(tasks, 1)]
    shuffled = list(ops)
    rng.shuffle(shuffled)
    outcome = replay(shuffled, policy(promotable))
    assert outcome.role is expected_role(tasks, promotable)
    assert outcome.failures == () and outcome.on_fail is OnFail.IGNORE
    assert [o.call_id for o in outcome.ops] == sorted(o.call_id for o in ops)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(TASKS), min_size=1, max_size=8))
def test_a_failed_monitor_stays_until_a_restart_clears_it(tasks) -> None:
    ops = [op(task, call, interval=10000 if task == "monitor" else 0) for call, task in enumerate(tasks, 1)]
    failure = op("monitor", len(ops) + 1, rc=1, interval=10000)
    outcome = replay([*ops, failure], policy())
    assert outcome.on_fail is OnFail.RESTART and outcome.role is not Role.STOPPED
    cleared = replay([*ops, failure, op("stop", len(ops) + 2), op("start", len(ops) + 3)], policy())
    assert cleared.on_fail is OnFail.IGNORE and cleared.role is Role.STARTED
    assert len(cleared.failures) == 1  # the history still shows it


def test_a_pending_operation_is_the_newest() -> None:
    pending_start = op("start", -1, rc=193, status=Exec.PENDING)
    outcome = replay([pending_start, op("stop", 5)], policy())
    assert outcome.role is Role.STARTED and outcome.start_pending


def test_probes_read_as_information() -> None:
    assert replay([op("monitor", 1, rc=7, target=7)], policy()).role is Role.STOPPED
    assert replay([op("monitor", 1, rc=0, target=7)], policy()).role is Role.STARTED
    found_promoted = replay([op("monitor", 1, rc=8, target=7)], policy(promotable=True))
    assert found_promoted.role is Role.PROMOTED and found_promoted.failures == ()
    missing_agent = replay([op("monitor", 1, rc=5, target=7)], policy())
    # Not running, and nothing to recover — but the node is banned ("masked-probe-failure",
    # crm_simulate starts the resource elsewhere).
    assert missing_agent.role is Role.STOPPED and missing_agent.on_fail is OnFail.IGNORE
    assert [(f.on_fail, f.hard) for f in missing_agent.failures] == [(OnFail.MIGRATE, True)]


def test_migrations_settle_as_pacemaker_reads_them() -> None:
    from placement.cib.migration import settle

    def migrate_to(rc: int) -> Op:
        return Op("migrate_to", 0, rc, Exec.DONE, 3, 0, 1003, "", 3, "n1", "n2")

    migrate_from = Op("migrate_from", 0, 0, Exec.DONE, 4, 0, 1004, "", 4, "n1", "n2")
    source_ok = replay([op("start", 2), migrate_to(0)], policy())
    source_failed = replay([op("start", 2), migrate_to(1)], policy())
    probed = replay([op("monitor", 1, rc=7, target=7)], policy())
    done = replay([migrate_from], policy())
    online = {"n1", "n2"}
    assert settle({"n1": source_ok, "n2": done}, online).inactive == {"n1"}
    partial = settle({"n1": source_ok, "n2": probed}, online)
    assert partial.also_active == {"n2"} and not partial.failed
    failed = settle({"n1": source_failed, "n2": probed}, online)
    assert failed.also_active == {"n2"} and failed.failed
    assert settle({"n1": source_ok, "n2": probed}, {"n1"}).also_active == frozenset()  # target down
