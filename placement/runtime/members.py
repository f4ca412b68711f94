"""Who is in the group of controllers: one etcd key per live controller, under its own lease.

Leadership says who leads (`placement.runtime.election`); this says who else is there,
for people: ``placement status`` and the status pages list the members, each with the
address of its page (``run --http``), so a standby's page can link to the leader's. A
controller puts ``<prefix>members/<name>`` bound to a lease of the group's TTL and keeps
it alive from a thread; a controller that dies drops out when its lease expires, one
that stops cleanly revokes it at once. Nothing decides anything from this list.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from typing import Any

from placement.runtime.etcd import Etcd, EtcdUnavailable, put

log = logging.getLogger(__name__)


def members_prefix(prefix: str) -> str:
    return f"{prefix}members/"


class GroupMember:
    """This controller's entry in the member list, kept alive until `leave`."""

    def __init__(self, etcd: Etcd, name: str, ttl: int, prefix: str, page: str | None = None) -> None:
        self.etcd = etcd
        self.key = f"{members_prefix(prefix)}{name}"
        self.ttl = ttl
        self.value = json.dumps({"name": name, "page": page, "since": time.time()})
        self._lease = 0
        self._left = threading.Event()
        self._thread = threading.Thread(target=self._keep, name="member keeper", daemon=True)

    def join(self) -> None:
        self._thread.start()

    def _keep(self) -> None:
        # Every TTL/3: refresh the lease, or (etcd was away, the lease expired) register again.
        while not self._left.is_set():
            try:
                if not self._lease or self.etcd.keepalive(self._lease) <= 0:
                    self._lease = self.etcd.grant(self.ttl)
                    self.etcd.txn([], [put(self.key, self.value, self._lease)])
            except EtcdUnavailable as error:
                log.debug("member key %s not refreshed: %s", self.key, error)
                self._lease = 0
            self._left.wait(max(0.3, self.ttl / 3))

    def leave(self) -> None:
        self._left.set()
        if self._lease:
            with contextlib.suppress(EtcdUnavailable):
                self.etcd.revoke(self._lease)


def members_of(etcd: Etcd, prefix: str) -> list[dict[str, Any]]:
    """The live members, by name: ``[{name, page, since}]`` (raises `EtcdUnavailable`)."""
    found = []
    for item in etcd.prefix(members_prefix(prefix)):
        try:
            member = json.loads(item.value)
        except ValueError:
            continue
        if isinstance(member, dict) and member.get("name"):
            found.append(member)
    return sorted(found, key=lambda m: str(m["name"]))
