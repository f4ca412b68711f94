"""The status page in a real browser (headless Chromium driven by Selenium) against a loopback cluster.

Real node agents, real ``placement run --http``, real OCF and fence agents (tests/runtime/cluster.py):
the page is loaded once; charlie's agent is killed; without a reload the page shows charlie
unclean, then fenced, and zulu running elsewhere; then a logged-in what-if is drawn. A
screenshot is saved as the test's artefact (``$PLACEMENT_TEST_ARTEFACTS``, else the test's tmp
dir; ``PLACEMENT_SCREENSHOT=docs/status.png`` refreshes the one docs/status.md shows).
"""

from __future__ import annotations

import base64
import itertools
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from placement.runtime.auth import write_secret
from tests.runtime.cluster import Cluster
from tests.runtime.harness import CLI, Processes, wait_for

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DUMMY = Path("/usr/lib/ocf/resource.d/heartbeat/Dummy")
# Quiet, offline, throw-away: no sandbox (root in CI), no GPU, no QUIC, no update or sync traffic.
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1000,1400")
_URL = re.compile(r"status page on (http://127\.0\.0\.1:\d+/)")

selenium = pytest.importorskip("selenium", reason="selenium missing: pip install '.[test]'")
pytestmark = [
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason="no browser: apt-get install chromium chromium-driver (.ci/install-agents)"),
    pytest.mark.skipif(not DUMMY.exists(), reason="ocf:heartbeat:Dummy missing: apt-get install resource-agents"),
]

# Records every state the page showed for each node, and where zulu stood, after each live update.
WATCH_SCRIPT = """
window.placementLoadedOnce = true;
window.seen = [];
const note = () => {
  const nodes = {};
  document.querySelectorAll('#cluster article[data-node]').forEach(a => {
    nodes[a.dataset.node] = a.dataset.state;
  });
  const zulu = document.querySelector('#cluster li[data-resource="zulu"]');
  nodes.zulu = zulu ? zulu.closest('article').dataset.node : null;
  nodes.history = Array.from(document.querySelectorAll('#fencing tr[data-node="charlie"]'))
    .map(tr => tr.dataset.kind);
  nodes.actions = Array.from(document.querySelectorAll('#transition li[data-action]'))
    .map(li => li.dataset.action + ' ' + li.dataset.state);
  window.seen.push(nodes);
};
note();
new MutationObserver(note).observe(document.getElementById('cluster'), {childList: true});
// A short transition can start and finish between two redraws of the cluster: watch its list too.
new MutationObserver(note).observe(document.getElementById('transition'), {childList: true, subtree: true});
"""


@pytest.fixture
def browser(tmp_path: Path):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "chromedriver.log"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def steady(read):  # type: ignore[no-untyped-def]
    """``read()`` retried while a live update replaces the element under it (the page redraws #cluster)."""
    from selenium.common.exceptions import StaleElementReferenceException

    def attempt():  # type: ignore[no-untyped-def]
        try:
            return [read()]
        except StaleElementReferenceException:
            return None

    return wait_for(attempt, 10, "an element the live updates leave alone for a moment")[0]


def artefact_path(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("PLACEMENT_TEST_ARTEFACTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory / "status-page.png"


def test_the_page_shows_a_lost_node_fenced_and_its_resource_back_elsewhere_live(browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    secret = tmp_path / "secret"
    write_secret(secret)
    (tmp_path / "logs").mkdir()
    processes = Processes(tmp_path / "logs")
    try:
        # zulu's start takes a second, so the page's updates (the latest snapshot each) cannot
        # all fall before or after the transition that moves it: it is seen under way.
        cluster = Cluster(processes, tmp_path, secret, zulu_agent="ocf:test:Scripted start_delay=1")
        cluster.start_agents()
        processes.spawn("controller", [*CLI, "run", str(cluster.config), "--agents", cluster.agents_option,
                                       "--secret-file", str(secret), "--journal", str(cluster.journal),
                                       "--dead-after", "3", "--poll", "0.1", "--http", "127.0.0.1:0"])
        url = wait_for(lambda: _URL.search(processes.log_text("controller")), 60, "the status page's address")[1]
        cluster.wait_running({"xray": ["alice"], "yankee": ["bob"], "zulu": ["charlie"], "iscsi": 3})
        cluster.wait_converged()

        browser.get(url)
        zulu_on_charlie = 'article[data-node="charlie"] li[data-resource="zulu"]'
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, zulu_on_charlie), 30, "zulu shown on charlie")
        browser.execute_script(WATCH_SCRIPT)
        cluster.kill_agent("charlie")

        def moved() -> bool:
            last = browser.execute_script("return window.seen[window.seen.length - 1]")
            return last["charlie"] == "fenced" and last["zulu"] in ("alice", "bob")

        try:
            wait_for(moved, 60, "charlie fenced and zulu elsewhere on the page", interval=0.2)
        except AssertionError:
            raise AssertionError(f"the page showed {browser.execute_script('return window.seen')}\n"
                                 f"{processes.log_text('controller')[-4000:]}") from None
        seen = browser.execute_script("return window.seen")
        assert browser.execute_script("return window.placementLoadedOnce === true"), "the page was reloaded"
        charlie = [s["charlie"] for s in seen]
        assert charlie[0] == "online" and seen[0]["history"] == []
        # Down, then fenced: the history (newest first) keeps both; the card's short unclean
        # spell (planning plus the fence agent) shows whenever an update falls inside it.
        assert seen[-1]["history"][-2:] == ["fenced", "unclean"]
        if "unclean" in charlie:
            assert charlie.index("unclean") < charlie.index("fenced")
        print(f"charlie on the page: {[k for k, _ in itertools.groupby(charlie)]}", file=sys.stderr)
        first_elsewhere = next(i for i, s in enumerate(seen) if s["zulu"] in ("alice", "bob"))
        assert charlie.index("fenced") <= first_elsewhere  # fencing first, on the page too
        shown = [a for s in seen for a in s["actions"]]
        assert any(re.fullmatch(r"start zulu@(alice|bob) (pending|running|done)", a) for a in shown), shown
        assert sorted(cluster.running("zulu")) == [seen[-1]["zulu"]]  # the page tells the truth
        fenced_row = '#fencing tr[data-kind="fenced"][data-node="charlie"]'
        assert "charlie fenced" in steady(lambda: browser.find_element(By.CSS_SELECTOR, fenced_row).text)

        # The what-if form: log in with the cluster secret, ask, get the picture.
        browser.find_element(By.ID, "login-secret").send_keys(secret.read_text().strip())
        browser.find_element(By.CSS_SELECTOR, "#login-form button").click()
        wait_for(lambda: browser.find_elements(By.ID, "whatif-words"), 30, "the what-if form after logging in")
        steady(lambda: browser.find_element(By.CSS_SELECTOR, 'article[data-node="bob"] button[data-whatif]').click())
        wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, '#whatif-answer svg g[data-action="fence bob"]'),
                 60, "the what-if's picture")
        assert "Fence" in browser.find_element(By.CSS_SELECTOR, "#whatif-answer pre").text

        shot = artefact_path(tmp_path)
        width, height = browser.execute_script(  # the page down to the end of its content
            "return [document.documentElement.scrollWidth,"
            " Math.ceil(document.querySelector('main').getBoundingClientRect().bottom + window.scrollY)]")
        whole = browser.execute_cdp_cmd("Page.captureScreenshot", {  # the whole page, not just the window
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 3000), "scale": 1}})
        shot.write_bytes(base64.b64decode(whole["data"]))
        print(f"screenshot: {shot}", file=sys.stderr)
        if os.environ.get("PLACEMENT_SCREENSHOT"):
            shutil.copyfile(shot, os.environ["PLACEMENT_SCREENSHOT"])
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        processes.cleanup()


# Records the leader line and this page's role in the group after each live update.
GROUP_SCRIPT = """
window.placementLoadedOnce = true;
window.seen = [];
const note = () => {
  const group = document.getElementById('group');
  const zulu = document.querySelector('#cluster li[data-resource="zulu"]');
  window.seen.push({leader: document.getElementById('leader').textContent.trim(),
                    role: group ? group.dataset.role : null,
                    members: Array.from(document.querySelectorAll('#group [data-member]')).map(m => m.dataset.member),
                    zulu: zulu ? zulu.closest('article').dataset.node : null});
};
note();
new MutationObserver(note).observe(document.getElementById('cluster'), {childList: true});
"""


@pytest.mark.skipif(shutil.which("etcd") is None, reason="etcd missing: apt-get install etcd-server")
def test_a_standbys_page_shows_the_leader_then_its_own_takeover_live(browser, controller_group, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    cluster, processes, urls = controller_group
    cluster.wait_running({"xray": ["alice"], "yankee": ["bob"], "zulu": ["charlie"], "iscsi": 3}, timeout=90)
    leader = cluster.leader()["name"]
    standby = "c2" if leader == "c1" else "c1"
    browser.get(urls[standby])
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, f'#group a[href="{urls[leader]}"]'), 30,
             "the standby's page linking to the leader's")
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, 'article[data-node="charlie"] li[data-resource="zulu"]'),
             30, "the cluster as the leader journalled it")
    browser.execute_script(GROUP_SCRIPT)
    standing_by = artefact_path(tmp_path).with_name("status-page-standby.png")
    standing_by.write_bytes(browser.get_screenshot_as_png())
    victim = next(p for p in processes.started if "--name" in p.args and leader in p.args)
    victim.kill()  # SIGKILL: its lease must expire

    def led_here() -> bool:
        last = browser.execute_script("return window.seen[window.seen.length - 1]")
        return last["leader"] == standby and last["role"] == "leader" and last["members"] == [standby]

    try:
        wait_for(led_here, 60, "the page to show its own controller leading", interval=0.2)
    except AssertionError:
        raise AssertionError(f"the page showed {browser.execute_script('return window.seen')}") from None
    seen = browser.execute_script("return window.seen")
    assert browser.execute_script("return window.placementLoadedOnce === true"), "the page was reloaded"
    assert seen[0]["leader"] == leader and seen[0]["role"] == "standby"
    assert all(s["zulu"] == "charlie" for s in seen if s["zulu"]), "the takeover moved nothing"
    shot = artefact_path(tmp_path).with_name("status-page-taken-over.png")
    shot.write_bytes(browser.get_screenshot_as_png())
    print(f"screenshots: {standing_by}, {shot}", file=sys.stderr)
