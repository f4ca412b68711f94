"""``placement keys init``: the cluster CA and the certificates for mutual TLS between controller and agents."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("keys")
def command() -> None:
    """Manage the cluster's TLS keys (a CA, one certificate per node, one for controllers)."""


@command.command("init")
@click.option("--nodes", required=True, help="Comma-separated node names: one server certificate each.")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default="keys",
    show_default=True,
    help="Where to write ca.pem, <node>.pem/.key, controller.pem/.key (refused if a CA exists there).",
)
@click.option(
    "--host",
    "hosts",
    multiple=True,
    default=("127.0.0.1", "localhost"),
    show_default=True,
    help="Address or DNS name added to every node certificate (repeatable).",
)
def init(nodes: str, directory: Path, hosts: tuple[str, ...]) -> None:
    """Make the CA and the certificates; private keys are written mode 0600."""
    from placement.runtime.tls import init_keys

    names = [n.strip() for n in nodes.split(",") if n.strip()]
    for path in init_keys(directory, names, hosts):
        click.echo(f"wrote {path}")
    click.echo(f"keep {directory / 'ca.key'} offline: agents and controllers need only ca.pem and their own pair")
