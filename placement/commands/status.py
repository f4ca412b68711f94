"""``placement status``: what the node agents run now, crm_mon style."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("status")
@click.option("--agents", required=True, help="node=host:port,... for every node agent.")
@click.option("--secret-file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--journal",
    "journal_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The single controller's journal, for its decisions and fencing history.",
)
@click.option("--etcd", "etcd_urls", help="http://host:port,... of a controller group: its leader and journal.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The cluster's configuration, to name clone sets as configured.",
)
@click.option(
    "--tls",
    "tls_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Talk mutual TLS to the agents (certificates of `placement keys init`).",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--web", "web_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the status page as one self-contained HTML file (docs/status.md).")
def command(
    agents: str,
    secret_file: Path,
    journal_path: Path | None,
    etcd_urls: str | None,
    config_path: Path | None,
    tls_dir: Path | None,
    as_json: bool,
    web_path: Path | None,
) -> None:
    """Show the leader, nodes, resources and clone sets, failed actions and fencing history.

    Exit 1 if any agent refuses us.
    """
    import placement
    from placement.runtime.auth import load_secret
    from placement.runtime.client import AgentClient, parse_agents
    from placement.runtime.status import gather, render_text

    secret = load_secret(secret_file)
    config = placement.load(config_path) if config_path is not None else None
    tls = None
    if tls_dir is not None:
        from placement.runtime.tls import client_context

        tls = client_context(tls_dir)
    clients = {
        node: AgentClient(node, address, secret, timeout=5, tls=tls) for node, address in parse_agents(agents).items()
    }
    entries = leader = None
    if etcd_urls is not None:
        from placement.runtime.election import DEFAULT_PREFIX, leader_of
        from placement.runtime.etcd import Etcd, EtcdUnavailable
        from placement.runtime.journal_etcd import read_etcd
        from placement.runtime.members import members_of

        etcd = Etcd(etcd_urls)
        try:
            entries, leader = read_etcd(etcd), leader_of(etcd) or {"name": None, "token": None}
            leader["members"] = members_of(etcd, DEFAULT_PREFIX)
        except EtcdUnavailable as error:
            click.echo(f"etcd unavailable: {error}", err=True)
    status = gather(clients, journal_path, entries=entries, leader=leader, config=config)
    click.echo(json.dumps(status, indent=2, sort_keys=True) if as_json else render_text(status))
    if web_path is not None:
        from placement.web.pages import snapshot_page
        from placement.web.view import from_gathered

        web_path.write_text(snapshot_page(from_gathered(status)), encoding="utf-8")
    if any(node["state"] == "refused" for node in status["nodes"]):
        raise click.exceptions.Exit(1)
