"""``placement run``: the controller — keep a cluster of node agents at the planned placement.

Alone (the default) it journals to a local file; with ``--etcd`` it is one of a group
of controllers on several machines: one leads, the others stand by and take over
when its lease expires (`placement.runtime.group`).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click


@click.command("run")
@click.argument("config_path", metavar="CLUSTER.place", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--agents", required=True, help="node=host:port,... for every node agent.")
@click.option("--secret-file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default="placement-journal.jsonl",
    show_default=True,
    help="Crash-safe record of decisions and results; a restarted controller resumes from it (not with --etcd).",
)
@click.option(
    "--dead-after",
    type=float,
    default=5.0,
    show_default=True,
    help="Seconds of agent silence before its node is fenced.",
)
@click.option("--poll", type=float, default=0.25, show_default=True, help="Seconds between heartbeats.")
@click.option("--http", "http_address", metavar="HOST:PORT",
              help="Serve the live status page there (docs/status.md); e.g. 127.0.0.1:8080. "
                   "In a group every controller serves it.")
@click.option(
    "--etcd",
    "etcd_urls",
    help="http://host:port,... of the etcd cluster: run as one of a group of controllers (journal in etcd).",
)
@click.option("--name", help="This controller's name in the group (default: hostname:pid).")
@click.option("--lease-ttl", type=click.IntRange(2, 600), default=5, show_default=True, help="Leader lease, seconds.")
@click.option(
    "--tls",
    "tls_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Talk mutual TLS to the agents with the certificates of `placement keys init` in this directory.",
)
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
def command(
    config_path: Path,
    agents: str,
    secret_file: Path,
    journal_path: Path,
    dead_after: float,
    poll: float,
    etcd_urls: str | None,
    name: str | None,
    lease_ttl: int,
    tls_dir: Path | None,
    log_level: str,
    http_address: str | None,
) -> None:
    """Probe the agents, plan, execute the transition, watch and replan until stopped (Ctrl-C)."""
    import placement
    from placement.errors import InvalidInput
    from placement.runtime.auth import load_secret
    from placement.runtime.client import AgentClient, parse_agents
    from placement.runtime.controller import Controller, ControllerOptions
    from placement.runtime.election import LeadershipLost
    from placement.runtime.journal import Journal

    placement.load(config_path)  # refuse a bad configuration before touching the cluster
    secret = load_secret(secret_file)
    addresses = parse_agents(agents)
    tls = None
    if tls_dir is not None:
        from placement.runtime.tls import client_context

        tls = client_context(tls_dir)
    etcd = None
    if etcd_urls is not None:
        from placement.runtime.etcd import Etcd

        etcd = Etcd(etcd_urls)
    logging.basicConfig(
        level=log_level.upper(), stream=sys.stderr, format="%(asctime)s controller %(levelname)s %(message)s"
    )
    options = ControllerOptions(dead_after=dead_after, poll_interval=poll, startup_grace=max(2 * dead_after, 5.0))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if etcd is not None:
        from placement.runtime.election import default_name
        from placement.runtime.group import run_group

        name = name or default_name()
        page = None
        if http_address is not None:
            # Every member serves the page: the leader's live, a standby's from the journal in etcd.
            from placement.web.group_page import GroupPage

            page = GroupPage(http_address, secret, etcd, name, config_path, addresses)
            page.start()
        try:
            run_group(config_path, addresses, secret, etcd, stop, name=name, ttl=lease_ttl, tls=tls, options=options,
                      observer=page)
        finally:
            if page is not None:
                page.stop()
        return
    clients = {node: AgentClient(node, address, secret, tls=tls) for node, address in addresses.items()}
    with Journal(journal_path) as journal:
        try:
            if http_address is None:
                Controller(config_path, clients, journal, options=options).run(stop)
            else:
                from placement.web.live import run_with_status_page

                run_with_status_page(http_address, secret, journal,
                                     lambda tapped: Controller(config_path, clients, tapped, options=options), stop)
        except LeadershipLost as error:
            raise InvalidInput(f"{error}: these agents obey a controller group; run with --etcd") from None
