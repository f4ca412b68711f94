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
    help="The controller's journal, for its fencing history.",
)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--web", "web_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the status page as one self-contained HTML file (docs/status.md).")
def command(agents: str, secret_file: Path, journal_path: Path | None, as_json: bool, web_path: Path | None) -> None:
    """Show nodes, resources and roles, failed actions and fencing history. Exit 1 if any agent refuses us."""
    from placement.runtime.auth import load_secret
    from placement.runtime.client import AgentClient, parse_agents
    from placement.runtime.status import gather, render_text

    secret = load_secret(secret_file)
    clients = {node: AgentClient(node, address, secret, timeout=5) for node, address in parse_agents(agents).items()}
    status = gather(clients, journal_path)
    click.echo(json.dumps(status, indent=2, sort_keys=True) if as_json else render_text(status))
    if web_path is not None:
        from placement.web.pages import snapshot_page
        from placement.web.view import from_gathered

        web_path.write_text(snapshot_page(from_gathered(status)), encoding="utf-8")
    if any(node["state"] == "refused" for node in status["nodes"]):
        raise click.exceptions.Exit(1)
