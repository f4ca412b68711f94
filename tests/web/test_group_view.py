"""A standby's page data, read from the leader's journal entry by entry (placement/web/group_page.py)."""

from __future__ import annotations

from placement.model import Config
from placement.runtime.journal import Entry
from placement.web import pages
from placement.web.group_page import JournalFollower, leader_line

from .conftest import demo_belief


def entry(seq: int, kind: str, **data: object) -> Entry:
    return Entry(seq, 1_700_000_000.0 + seq, kind, dict(data))


def test_the_follower_shows_the_plan_being_executed_until_it_converges(demo_config: Config) -> None:
    follower = JournalFollower()
    for item in (
        entry(1, "belief", belief=demo_belief().to_json()),
        entry(2, "unclean", node="charlie", reason="agent lost"),
        entry(3, "plan", actions=["fence charlie", "start zulu@bob"]),
        entry(4, "dispatch", action="fence charlie", op="fence", node="charlie"),
        entry(5, "result", dispatch=4, action="fence charlie", op="fence", node="charlie", ok=True),
        entry(6, "fenced", node="charlie", summary="charlie fenced by fence_nodes from alice"),
        entry(7, "dispatch", action="start zulu@bob", op="start", node="bob", resource="zulu"),
        entry(8, "result", dispatch=7, action="start zulu@bob", op="start", node="bob", resource="zulu", ok=False,
              exit_code=1, reason="start refused"),
    ):
        follower.hear(item)
    view = follower.snapshot(demo_config, ("alice", "bob", "charlie")).view()
    assert follower.seq == 8
    actions = [(a["label"], a["state"], a["wave"]) for a in view["transition"]["actions"]]
    assert actions == [("fence charlie", "done", None), ("start zulu@bob", "failed", None)]
    assert [(f["kind"], f["node"]) for f in view["fencing"]] == [("fenced", "charlie"), ("unclean", "charlie")]
    assert next((f["resource"], f["operation"], f["reason"]) for f in view["failed"]) == (
        "zulu", "start", "start refused")
    html = pages.cluster_html({**view, "group": None})
    assert "fence charlie" in html and "wave" not in html.split('id="transition"')[1].split("</section>")[0]
    follower.hear(entry(9, "converged", round=4))
    assert follower.snapshot(demo_config, ()).view()["transition"] is None


def test_the_group_line_names_the_leader_its_token_and_this_page() -> None:
    group = {"this": "c2", "role": "standby", "leader": "c1", "token": 66, "leader_page": "http://127.0.0.1:8081/",
             "members": [{"name": "c1", "role": "leader", "page": "http://127.0.0.1:8081/", "this": False},
                         {"name": "c2", "role": "standby", "page": "http://127.0.0.1:8082/", "this": True}]}
    assert leader_line(group, "c2")["name"] == "c1"
    assert leader_line({**group, "leader": None}, "c2")["detail"].startswith("an election is under way")
    assert "etcd unavailable" in leader_line({**group, "error": "etcd unavailable: x"}, "c2")["detail"]
    view = {"source": "controller", "generated": None, "nodes": [], "failed": [], "transition": None,
            "fencing": [], "leader": leader_line(group, "c2"), "group": group}
    html = pages.cluster_html(view)
    assert '<a href="http://127.0.0.1:8081/">c1</a>' in html  # the other member's page is a link
    assert "<strong>c2</strong>" in html and "this page" in html  # this one is not
    assert "stands by" in html
