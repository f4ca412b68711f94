"""``placement agent``: run the node agent daemon for one node."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import click

from placement.errors import InvalidInput


@click.command("agent")
@click.option("--node", required=True, help="Name of the node this agent runs (as in the configuration).")
@click.option("--listen", default="127.0.0.1:7001", show_default=True, help="host:port to serve on (port 0: any free).")
@click.option(
    "--secret-file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Shared secret; must not be readable by group or others.",
)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Node directory (pid file, agents' state); default ./nodes/NODE.",
)
@click.option("--ocf-root", type=click.Path(file_okay=False, path_type=Path), default="/usr/lib/ocf")
@click.option(
    "--tls",
    "tls_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Serve mutual TLS with the certificates of `placement keys init` in this directory.",
)
@click.option("--allow-remote", is_flag=True, help="Allow listening on a non-loopback address (needs --tls).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info")
def command(
    node: str,
    listen: str,
    secret_file: Path,
    directory: Path | None,
    ocf_root: Path,
    tls_dir: Path | None,
    allow_remote: bool,
    log_level: str,
) -> None:
    """Run the node agent: OCF and fence agents on this node, over authenticated HTTP."""
    from placement.runtime.agent import NodeAgent
    from placement.runtime.auth import load_secret
    from placement.runtime.server import AgentServer, is_loopback, parse_address

    secret = load_secret(secret_file)
    host, port = parse_address(listen)
    if not is_loopback(host) and not allow_remote:
        raise InvalidInput(f"--listen {listen}: not a loopback address; add --allow-remote to mean it")
    if not is_loopback(host) and tls_dir is None:
        raise InvalidInput(f"--listen {listen}: off loopback the agent needs --tls (make keys: placement keys init)")
    tls = None
    if tls_dir is not None:
        from placement.runtime.tls import server_context

        tls = server_context(tls_dir, node)
    logging.basicConfig(
        level=log_level.upper(), stream=sys.stderr, format=f"%(asctime)s {node} %(levelname)s %(message)s"
    )
    agent = NodeAgent(node, directory or Path("nodes") / node, ocf_root)
    try:
        server = AgentServer((host, port), agent, secret, tls)
    except OSError as error:
        raise InvalidInput(f"--listen {listen}: {error.strerror}") from None
    pid_file = agent.write_pid_file()

    def stop(_signum: int, _frame: object) -> None:
        # serve_forever runs in this thread: shut it down from another one.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheme = "mutual TLS" if tls else "plain HTTP, loopback"
    click.echo(f"placement agent {node} listening on {host}:{server.port} ({scheme}; pid file {pid_file})")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        agent.shutdown()
        server.server_close()
        agent.remove_pid_file()
