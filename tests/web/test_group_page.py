"""The status page of a controller group: every member serves it, the standby from the journal in etcd.

Real etcd, three real node agents with real OCF agents, two real ``placement run --etcd
--http`` processes on loopback. Both pages name the same leader and both members; the
standby's page shows the cluster as the leader journalled it; the leader killed, the
standby's page (the same address) shows it leading.
"""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.request

from tests.runtime.conftest import needs_dummy
from tests.runtime.etcd_members import needs_etcd
from tests.runtime.harness import CLI, REPO, environment, wait_for

pytestmark = [needs_dummy, needs_etcd]


def status(url: str) -> dict:
    with urllib.request.urlopen(f"{url}status.json", timeout=10) as answer:
        return json.loads(answer.read())


def test_every_member_serves_the_page_and_the_standby_shows_the_leaders_view(controller_group) -> None:
    cluster, processes, urls = controller_group
    cluster.wait_running({"xray": ["alice"], "yankee": ["bob"], "zulu": ["charlie"], "iscsi": 3}, timeout=90)
    cluster.wait_converged(timeout=90)
    leader = cluster.leader()["name"]
    standby = "c2" if leader == "c1" else "c1"

    def both_know() -> dict | None:
        views = {name: status(url) for name, url in urls.items()}
        ok = all(v["group"] and v["group"]["leader"] == leader and len(v["group"]["members"]) == 2
                 for v in views.values())
        resources = {r["resource"]: n["name"] for n in views[standby]["nodes"] for r in n["resources"]}
        return views if ok and resources.get("zulu") == "charlie" else None

    views = wait_for(both_know, 30, "both pages to show the group and the cluster")
    assert views[leader]["group"]["role"] == "leader" and views[standby]["group"]["role"] == "standby"
    assert views[leader]["leader"]["name"] == views[standby]["leader"]["name"] == leader
    pages = {m["name"]: m["page"] for m in views[standby]["group"]["members"]}
    assert pages == urls and views[standby]["group"]["leader_page"] == urls[leader]
    assert {n["name"]: n["state"] for n in views[standby]["nodes"]} == {
        "alice": "online", "bob": "online", "charlie": "online"}
    with urllib.request.urlopen(urls[standby], timeout=10) as answer:
        html = answer.read().decode()
    assert "stands by" in html and f'href="{urls[leader]}"' in html
    text = subprocess.run([*CLI, "status", "--agents", cluster.agents_option, "--secret-file", str(cluster.secret),
                           "--etcd", ",".join(f"http://{h}:{p}" for h, p in cluster.etcd.endpoints)],
                          capture_output=True, text=True, env=environment(), cwd=REPO, timeout=60, check=True).stdout
    assert f"Current leader: {leader}" in text and f"Controllers: c1 ({urls['c1']}), c2 ({urls['c2']})" in text

    # The leader dies: the standby's page, same address, shows it leading, and the old one gone.
    victim = next(p for p in processes.started if "--name" in p.args and leader in p.args)
    victim.send_signal(signal.SIGKILL)

    def taken_over() -> dict | None:
        view = status(urls[standby])
        group = view["group"]
        return view if group and group["leader"] == standby and group["role"] == "leader" else None

    view = wait_for(taken_over, 60, "the standby's page to show it leading")
    assert view["leader"]["detail"].endswith("this page: " + standby + ", leading")
    wait_for(lambda: [m["name"] for m in status(urls[standby])["group"]["members"]] == [standby], 30,
             "the dead controller to drop out of the member list")
