"""Leader election and the etcd journal on a real (one-member) etcd."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from placement.errors import InvalidInput
from placement.runtime.election import Election, LeadershipLost, leader_of
from placement.runtime.etcd import Etcd, EtcdUnavailable, parse_endpoints
from placement.runtime.journal_etcd import EtcdJournal, read_etcd

from .etcd_members import EtcdMembers, free_port, needs_etcd
from .harness import wait_for


@pytest.fixture
def etcd(processes, tmp_path: Path) -> EtcdMembers:
    members = EtcdMembers(processes, tmp_path / "etcd", 1)
    members.start()
    return members


@needs_etcd
def test_one_leads_the_next_gets_a_larger_token_and_the_old_one_cannot_journal(etcd: EtcdMembers) -> None:
    stop = threading.Event()
    first = Election(etcd.client(), "a", ttl=2)
    token = first.campaign(stop)
    assert token and first.holding()
    holder = leader_of(etcd.client())
    assert holder is not None and (holder["name"], holder["token"]) == ("a", token)
    old = EtcdJournal(etcd.client(), token)
    assert old.record("controller-start", token=token).seq == 1
    second = Election(etcd.client(), "b", ttl=2)
    won: list[int | None] = []
    waiting = threading.Thread(target=lambda: won.append(second.campaign(stop)))
    waiting.start()
    waiting.join(1.0)
    assert waiting.is_alive()  # a standby while "a" holds the lease
    first.resign()
    waiting.join(30)
    assert won and won[0] is not None and won[0] > token
    assert not first.holding()
    with pytest.raises(LeadershipLost, match="no longer leads"):
        old.record("dispatch", op="start")
    new = EtcdJournal(etcd.client(), won[0])
    assert [e.kind for e in new.entries] == ["controller-start"]
    assert new.record("controller-start", token=won[0]).seq == 2
    assert [(e.seq, e.kind) for e in read_etcd(etcd.client())] == [(1, "controller-start"), (2, "controller-start")]
    second.resign()


@needs_etcd
def test_a_standby_watches_without_writing_and_takes_over_on_the_lease_it_kept_ready(etcd: EtcdMembers) -> None:
    stop = threading.Event()
    first = Election(etcd.client(), "a", ttl=2)
    assert first.campaign(stop)
    second = Election(etcd.client(), "b", ttl=2)
    won: list[int | None] = []
    waiting = threading.Thread(target=lambda: won.append(second.campaign(stop)))
    waiting.start()
    spare = wait_for(lambda: second._spare, 10, "the standby's spare lease")
    revision = etcd.client().read("/nothing")[1]
    waiting.join(2.5)  # longer than its lease: the spare is refreshed, not granted again; no key is written
    assert waiting.is_alive() and second._spare == spare and etcd.client().read("/nothing")[1] == revision
    first.resign()
    waiting.join(10)
    assert won and won[0] and second._lease == spare and second.holding()
    second.resign()


@needs_etcd
def test_a_term_that_ends_while_etcd_is_away_revokes_its_lease_once_etcd_is_back(etcd: EtcdMembers) -> None:
    stop = threading.Event()
    first = Election(Etcd(etcd.urls, timeout=0.5), "a", ttl=30)  # a lease that would outlive the test
    token = first.campaign(stop)
    assert token
    etcd.kill("etcd0")  # etcd away: the term ends, and the revocation cannot be sent
    first.resign()
    assert first._stale
    etcd.start_member("etcd0")  # back with its data: the key and its lease (extended) with it
    wait_for(etcd.healthy, 60, "etcd to serve again", interval=0.2)
    assert leader_of(etcd.client()) is not None
    second = Election(etcd.client(), "b", ttl=30)
    won: list[int | None] = []
    waiting = threading.Thread(target=lambda: won.append(second.campaign(stop)))
    waiting.start()
    again: list[int | None] = []
    rejoining = threading.Thread(target=lambda: again.append(first.campaign(stop)))
    rejoining.start()
    # "a" revokes its ended term's lease as soon as etcd answers: one of them leads long before 30 s.
    wait_for(lambda: won or again, 15, "a new leader")
    stop.set()
    waiting.join(10)
    rejoining.join(10)
    assert not first._stale
    leaders = [e for e, t in ((first, again), (second, won)) if t and t[0]]
    assert len(leaders) == 1 and leaders[0].token > token
    leaders[0].resign()


@needs_etcd
def test_a_leader_whose_lease_expires_knows_it(etcd: EtcdMembers) -> None:
    election = Election(etcd.client(), "a", ttl=2)
    assert election.campaign(threading.Event())
    etcd.client().revoke(election._lease)  # what etcd does to a lease nobody refreshed
    wait_for(lambda: not election.holding(), 10, "the leader to notice")
    with pytest.raises(LeadershipLost):
        election.check()


@needs_etcd
def test_the_client_fails_over_to_a_member_that_answers(etcd: EtcdMembers) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    client = Etcd(f"{dead},{etcd.urls}")
    assert client.range("/nothing") == []
    with pytest.raises(EtcdUnavailable):
        Etcd(dead, timeout=0.5).range("/nothing")


def test_endpoints_are_parsed_strictly() -> None:
    assert parse_endpoints("127.0.0.1:2379") == [("127.0.0.1", 2379)]
    for bad in ("", "https://127.0.0.1:2379", "http://127.0.0.1"):
        with pytest.raises(InvalidInput):
            parse_endpoints(bad)
