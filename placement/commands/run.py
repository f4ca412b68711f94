"""``placement run``: the controller — keep a cluster of node agents at the planned placement."""

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
    help="Crash-safe record of decisions and results; a restarted controller resumes from it.",
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
              help="Serve the live status page there (docs/status.md); e.g. 127.0.0.1:8080.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
def command(
    config_path: Path,
    agents: str,
    secret_file: Path,
    journal_path: Path,
    dead_after: float,
    poll: float,
    log_level: str,
    http_address: str | None,
) -> None:
    """Probe the agents, plan, execute the transition, watch and replan until stopped (Ctrl-C)."""
    import placement
    from placement.runtime.auth import load_secret
    from placement.runtime.client import AgentClient, parse_agents
    from placement.runtime.controller import Controller, ControllerOptions
    from placement.runtime.journal import Journal

    placement.load(config_path)  # refuse a bad configuration before touching the cluster
    secret = load_secret(secret_file)
    clients = {node: AgentClient(node, address, secret) for node, address in parse_agents(agents).items()}
    logging.basicConfig(
        level=log_level.upper(), stream=sys.stderr, format="%(asctime)s controller %(levelname)s %(message)s"
    )
    options = ControllerOptions(dead_after=dead_after, poll_interval=poll, startup_grace=max(2 * dead_after, 5.0))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with Journal(journal_path) as journal:
        if http_address is None:
            Controller(config_path, clients, journal, options=options).run(stop)
        else:
            from placement.web.live import run_with_status_page

            run_with_status_page(http_address, secret, journal,
                                 lambda tapped: Controller(config_path, clients, tapped, options=options), stop)
