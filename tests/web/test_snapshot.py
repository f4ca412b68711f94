"""``placement status --web FILE``: one self-contained HTML file from the node agents' answers."""

from __future__ import annotations

import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from placement.cli import cli
from placement.runtime.agent import NodeAgent
from placement.runtime.auth import write_secret
from placement.runtime.client import AgentClient
from placement.runtime.journal import Journal
from placement.runtime.messages import OperationRequest
from placement.runtime.server import AgentServer

OCF_ROOT = Path("/usr/lib/ocf")
needs_dummy = pytest.mark.skipif(not (OCF_ROOT / "resource.d/heartbeat/Dummy").exists(),
                                 reason="ocf:heartbeat:Dummy missing: apt-get install resource-agents")


@needs_dummy
def test_the_snapshot_shows_nodes_resources_and_fencing_with_no_script_and_no_link(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    write_secret(secret_file)
    secret = secret_file.read_bytes().strip()
    agent = NodeAgent("alice", tmp_path / "nodes" / "alice", OCF_ROOT)
    server = AgentServer(("127.0.0.1", 0), agent, secret)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        client = AgentClient("alice", f"127.0.0.1:{server.port}", secret)
        assert client.execute(OperationRequest("web", "web", "ocf:heartbeat:Dummy", "start")).ok
        with Journal(tmp_path / "journal") as journal:
            journal.record("unclean", node="charlie", reason="agent lost")
            journal.record("fenced", node="charlie", summary="charlie fenced at level 1 by f")
        page = tmp_path / "status.html"
        result = CliRunner().invoke(cli, [
            "status", "--agents", f"alice=127.0.0.1:{server.port},charlie=127.0.0.1:1", "--secret-file",
            str(secret_file), "--journal", str(tmp_path / "journal"), "--web", str(page)])
        client.execute(OperationRequest("web", "web", "ocf:heartbeat:Dummy", "stop"))
    finally:
        agent.shutdown()
        server.shutdown()
        server.server_close()
        thread.join(5)
    assert result.exit_code == 0, result.output
    html = page.read_text()
    assert "<script" not in html and "<link" not in html and "<style>" in html  # opens anywhere, offline
    assert 'data-node="alice" data-state="online"' in html
    assert 'data-node="charlie" data-state="fenced"' in html  # silent, and the journal says fenced
    assert 'data-resource="web" data-role="started"' in html
    assert 'data-kind="fenced"' in html and "charlie fenced at level 1 by f" in html
    body = html.split("<body>", 1)[1].split("</body>", 1)[0]
    ET.fromstring(f"<body>{body}</body>")  # well-formed markup
