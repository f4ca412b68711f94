"""Pacemaker CIB XML in: ``load_cib(path) -> (Config, State)``.

The CIB (``cibadmin -Q``) holds the configuration and the status. Both map into
the same immutable `placement.model.Config` and `placement.state.State` the
language produces, so everything downstream plans from XML exactly as from text.

Errors: malformed or unsafe XML, missing ids, dangling id-refs and invalid values raise
`placement.errors.InvalidInput` with ``file:line:col``; anything placement cannot
represent (bundles, remote/guest nodes…) raises
`placement.errors.Unsupported` — never a silently different configuration.

>>> config, state = loads_cib('''<cib have-quorum="true"><configuration><crm_config/>
... <nodes><node id="1" uname="alice"/></nodes>
... <resources><primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"/></resources>
... <constraints/></configuration>
... <status><node_state id="1" uname="alice" in_ccm="true" crmd="online" join="member" expected="member"/>
... </status></cib>''')
>>> sorted(config.resources), state.node("alice").status.value
(['vip'], 'online')
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from placement.cib import attributes, configuration, dates, failures, health, shutdown_lock, status, tickets
from placement.cib.xml import MAX_BYTES, Document, load, parse
from placement.model import Config, Location
from placement.state import State

__all__ = ["CibImport", "import_cib", "load_cib", "loads_cib"]


@dataclass(frozen=True)
class CibImport:
    """A CIB imported: its configuration, its state, and what was ignored (as Pacemaker does)."""

    config: Config
    state: State
    warnings: tuple[str, ...] = ()
    locks: tuple[Location, ...] = ()  # `shutdown_lock.bans`: resources waiting for their node

    @property
    def planning_config(self) -> Config:
        """The configuration plus the bans its state implies: failed operations
        (`failures.bans`) and shutdown locks (`shutdown_lock.bans`).

        Plan with this one: Pacemaker bans a node after a failed stop or a hard error, and
        every node after a fatal error or ``on-fail=stop``, for as long as the failure is
        recorded; a resource locked by its node's clean shutdown waits for that node.
        `config` leaves them out because they are state, not configuration.
        """
        bans = failures.bans(self.config, self.state) + self.locks
        return replace(self.config, constraints=self.config.constraints + bans) if bans else self.config


def import_cib(path: str | os.PathLike[str], *, now: int | None = None, max_bytes: int = MAX_BYTES) -> CibImport:
    """Import the CIB file at ``path`` with its warnings.

    ``now`` (seconds since the epoch) is the time failures and date rules are judged
    against when the CIB has no ``execution-date``; None keeps every failure
    (deterministic) and judges date rules at the current time, as Pacemaker does.
    """
    return _import(load(path, max_bytes), now)


def load_cib(path: str | os.PathLike[str], *, now: int | None = None) -> tuple[Config, State]:
    """The configuration and the state of the CIB file at ``path`` (see `import_cib`)."""
    result = import_cib(path, now=now)
    return result.config, result.state


def loads_cib(text: str | bytes, *, source: str | None = None, now: int | None = None) -> tuple[Config, State]:
    """Like `load_cib`, from CIB text."""
    result = _import(parse(text, source), now)
    return result.config, result.state


def _import(document: Document, now: int | None) -> CibImport:
    dates.set_now(document, now)
    imported = configuration.unpack(document)
    state = status.unpack(document, imported, now)
    warnings = list(imported.warnings)
    moment = dates.evaluated_at(document)
    warnings += [*([moment] if moment else []), *attributes.notes(document)]
    config, state = tickets.apply(document, imported.config, state, imported.refs, warnings)
    config = health.apply(document, config, state, imported.options)
    locks = shutdown_lock.bans(document, config, state, imported.options, now)
    if shutdown_lock.enabled(imported.options):
        warnings.append(
            f"{document.source}: shutdown-lock=true is state (which node a resource waits for): plans from this "
            "CIB keep it as bans, the .place text does not carry it"
        )
    return CibImport(config, state, tuple(warnings), locks)
