"""The web application: pages, assets, authentication, what-ifs, and live updates over a real socket."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import httpx2 as httpx
import pytest
from starlette.testclient import TestClient

from placement.errors import InvalidInput
from placement.model import Config
from placement.planning import steady_state
from placement.runtime.journal import Journal
from placement.web.app import create_app
from placement.web.board import StatusBoard
from placement.web.live import JournalTap, StatusServer, live_board
from placement.web.view import from_belief, single_controller

from .conftest import SECRET, demo_belief


def view_of(config: Config) -> dict:
    view = from_belief(config, demo_belief(), [])
    view.update(source="controller", generated=time.time(), transition=None, fencing=[], leader=single_controller())
    return view


@pytest.fixture
def board(demo_config: Config) -> StatusBoard:
    inputs = (demo_config, steady_state(demo_config))
    board = StatusBoard(view_of(demo_config), inputs_of=lambda _: inputs)
    board.publish(view_of(demo_config))
    return board


@pytest.fixture
def client(board: StatusBoard) -> TestClient:
    return TestClient(create_app(board, SECRET), client=("127.0.0.1", 50000))


def login(client: TestClient, secret: bytes = SECRET) -> httpx.Response:
    return client.post("/login", json={"secret": secret.decode()})


def test_the_page_shows_every_node_with_its_state_and_resources(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    text = page.text
    assert 'data-node="charlie" data-state="unclean"' in text
    assert 'data-resource="zulu"' in text and "FAILED" in text  # yankee's failure
    assert 'src="static/page.js"' in text and "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_every_asset_is_served_locally(client: TestClient) -> None:
    for name in ("page.css", "page.js"):
        assert client.get(f"/static/{name}").status_code == 200
    assert "EventSource" in client.get("/static/page.js").text


def test_status_json_is_the_view(client: TestClient, board: StatusBoard) -> None:
    assert client.get("/status.json").json()["nodes"] == json.loads(json.dumps(board.view["nodes"]))


def test_what_if_needs_the_cluster_secret(client: TestClient) -> None:
    refused = client.post("/whatif", json={"words": "--node-down bob"})
    assert refused.status_code == 401
    assert login(client, b"not-the-secret-at-all").status_code == 401
    assert client.post("/whatif", json={"words": "--node-down bob"}).status_code == 401
    assert client.post("/login", content=f"secret={SECRET.decode()}",
                       headers={"content-type": "application/x-www-form-urlencoded"}).status_code == 415
    assert 'id="login-form"' in client.get("/").text


def test_a_logged_in_what_if_answers_with_the_summary_and_the_picture(client: TestClient) -> None:
    assert login(client).status_code == 200
    assert 'id="whatif-form"' in client.get("/").text
    answer = client.post("/whatif", json={"words": "--node-down charlie"})
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert any("Fence" in line and "charlie" in line for line in data["summary"])
    assert data["svg"].startswith("<svg") and 'data-action="fence charlie"' in data["svg"]
    assert 'data-action="fence charlie"' in data["html"]
    client.post("/logout", json={})
    assert client.post("/whatif", json={"words": "--node-down charlie"}).status_code == 401


def test_the_secret_is_refused_from_another_machine(board: StatusBoard) -> None:
    remote = TestClient(create_app(board, SECRET), client=("192.0.2.7", 50000))  # no traffic: in-process
    refused = login(remote)
    assert refused.status_code == 403 and "tunnel" in refused.json()["error"]
    assert remote.get("/").status_code == 200  # reading stays open


@pytest.mark.parametrize(("words", "says"), [
    ("--node-dow charlie", "is not an event"),
    ("--fail", "--fail needs"),
    ("--node-down nosuchnode", "nosuchnode"),
    ("'unbalanced", "cannot read the events"),
    ("", "no events given"),
])
def test_bad_what_if_words_get_a_clear_error(client: TestClient, words: str, says: str) -> None:
    login(client)
    answer = client.post("/whatif", json={"words": words})
    assert answer.status_code == 400
    assert says in answer.json()["error"]


def read_event(lines) -> dict:  # type: ignore[no-untyped-def]
    fields = {}
    for line in lines:
        if not line:
            if "data" in fields:
                return fields
            continue
        if not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value
    raise AssertionError("stream ended")


def test_updates_arrive_as_server_sent_events_over_a_real_socket(board: StatusBoard, demo_config: Config) -> None:
    server = StatusServer("127.0.0.1:0", board, SECRET)
    server.start()
    try:
        with httpx.stream("GET", f"{server.url}events", timeout=30) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            first = read_event(lines)
            assert first["event"] == "cluster" and 'data-state="unclean"' in json.loads(first["data"])["html"]
            changed = view_of(demo_config)
            changed["nodes"][2]["state"] = "fenced"
            board.publish(changed)
            second = json.loads(read_event(lines)["data"])
            assert second["version"] > json.loads(first["data"])["version"]
            assert 'data-node="charlie" data-state="fenced"' in second["html"]
    finally:
        server.stop()


def test_a_taken_port_is_refused_at_once(board: StatusBoard) -> None:
    server = StatusServer("127.0.0.1:0", board, SECRET)
    try:
        with pytest.raises(InvalidInput, match="cannot listen there"):  # a clear error, not a traceback
            StatusServer(f"127.0.0.1:{server.port}", board, SECRET)
    finally:
        server.stop()


def test_the_tap_writes_through_and_publishes_from_the_controller_thread(tmp_path: Path, demo_config: Config) -> None:
    board = live_board()
    with Journal(tmp_path / "journal.jsonl") as journal:
        journal.record("fenced", node="charlie", summary="before this controller")
        tap = JournalTap(journal, board)
        controller = SimpleNamespace(config=demo_config, belief=demo_belief(), agents={}, graph=None)
        tap.attach(controller)
        before = board.version
        tap.record("unclean", node="bob", reason="agent lost")
        assert board.version == before + 1
        assert [f["node"] for f in board.view["fencing"]] == ["bob", "charlie"]  # history from before, too
        other = threading.Thread(target=lambda: tap.record("event", node="alice"))
        other.start()
        other.join()
        assert board.version == before + 1  # another thread's entry waits for the controller's next one
        assert board.inputs is not None and board.inputs[1].nodes["charlie"].status.value == "unclean"
        controller.belief = None  # a snapshot that cannot be taken…
        tap.record("unclean", node="alice", reason="agent lost")  # …is logged, and the journal still written
    assert [line for line in (tmp_path / "journal.jsonl").read_text().splitlines() if '"unclean"' in line][-1]
    assert tap.last("unclean").data["node"] == "alice"  # anything else goes to the journal


def test_a_new_term_shows_the_journalled_cluster_until_it_journals_its_own(tmp_path: Path, demo_config: Config) -> None:
    from placement.runtime.belief import Belief

    board = live_board()
    with Journal(tmp_path / "journal.jsonl") as journal:
        journal.record("belief", belief=demo_belief().to_json())  # the previous controller's last word
        tap = JournalTap(journal, board)
        fresh = SimpleNamespace(config=demo_config, belief=Belief(), agents={}, graph=None)  # start() not run yet
        tap.attach(fresh)
        states = {n["name"]: n["state"] for n in board.view["nodes"]}
    assert states == {"alice": "online", "bob": "online", "charlie": "unclean"}  # not three "offline" nodes
