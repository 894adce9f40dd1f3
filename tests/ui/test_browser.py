"""The UI in a real browser: Debian's Chromium driven by Playwright, against `streamlit run app.py` on the demo.

Never `playwright install`: the browser is /usr/bin/chromium (`.ci/run` -> `make test` installs it with apt).
Screenshots of every page are the test's artifacts, in artifacts/screenshots/ (git-ignored); with
BRIDGEHEAD_UPDATE_SCREENSHOTS=1 they also replace docs/screenshots/ (linked from the README and docs/ui.md).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from graph import embedded
from graph.store import GraphStore, open_store
from tests.ui.conftest import HOSTILE_NAME, load_demo

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "screenshots"
DOC_SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip
COMPONENT = "streamlit_cytoscape"
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.timeout(600)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
                if response.status == 200 and response.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"no answer on {url}/_stcore/health after {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, GraphStore]]:
    """`streamlit run app.py` on 127.0.0.1, on an embedded graph holding the analysed demo."""
    data_dir = tmp_path_factory.mktemp("browser-graph")
    embedded.start_server(data_dir)
    store = open_store(f"embedded://{data_dir}")
    load_demo(store, hostile=False)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = data_dir / "streamlit.log"
    env = {**os.environ, "BRIDGEHEAD_GRAPH": f"embedded://{data_dir}"}
    command = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.address", "127.0.0.1",
        "--server.port", str(port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(url, proc, log)
        yield url, store
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
        store.close()
        embedded.stop_server(data_dir)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"the browser tests need Debian's Chromium at {CHROMIUM}: `apt-get install chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1500, "height": 1300})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.dialogs = []  # every alert/confirm the page opens: attacker text must never run
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


# ------------------------------------------------------------------------------------------ helpers


def retry(action: Callable[[], Any], attempts: int = 3, pause: float = 2.0) -> Any:
    """Streamlit reruns can replace an element between finding and using it: try again a few times."""
    for attempt in range(attempts):
        try:
            return action()
        except Exception:
            if attempt == attempts - 1:
                raise
            time.sleep(pause)
    return None


def settle(page: Any, pause: float = 0.8) -> None:
    """Wait until the script run the last interaction started has finished."""
    time.sleep(pause)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=TIMEOUT_MS,
    )
    time.sleep(pause)


def open_page(page: Any, base: str, slug: str, heading: str) -> None:
    page.goto(f"{base}/?page={slug}", wait_until="domcontentloaded")
    page.get_by_role("heading", name=heading).first.wait_for()
    settle(page)


def shoot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000, f"{name}: the screenshot is (nearly) empty"
    if os.environ.get("BRIDGEHEAD_UPDATE_SCREENSHOTS") == "1":
        shutil.copy(target, DOC_SCREENSHOTS / target.name)


def graph_frame(page: Any, base: str) -> Any:
    """The graph component's iframe once cytoscape has drawn its nodes."""
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if COMPONENT in frame.url:
                try:
                    if frame.evaluate(
                        "() => { const c = document.getElementById('cy'); return !!(c && c._cyreg && c._cyreg.cy"
                        " && c._cyreg.cy.nodes().length) }"
                    ):
                        return frame
                except Exception:  # the frame is being replaced by a rerun
                    pass
        time.sleep(0.5)
    raise AssertionError("the graph component never drew a node")


def wait_drawn(page: Any) -> None:
    """The graph's iframe has its size (it is sized after it renders), so a screenshot shows the graph."""
    page.wait_for_function(
        f"() => [...document.querySelectorAll(\"iframe[src*='{COMPONENT}']\")]"
        ".some(f => f.getBoundingClientRect().height > 200 && f.getBoundingClientRect().width > 200)",
        timeout=TIMEOUT_MS,
    )
    time.sleep(1)


def drawn_nodes(frame: Any) -> dict[str, dict[str, float]]:
    """Where each node (by uid) is drawn inside the component, in CSS pixels."""
    return frame.evaluate(
        "() => Object.fromEntries(document.getElementById('cy')._cyreg.cy.nodes()"
        ".map(n => [n.data('_uid'), n.renderedPosition()]))"
    )


def click_in_graph(page: Any, frame: Any, x: float, y: float) -> None:
    iframe = page.locator(f"iframe[src*='{COMPONENT}']").first
    iframe.scroll_into_view_if_needed()
    box = iframe.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + x, box["y"] + y)
    settle(page)


def click_node(page: Any, base: str, uid: str) -> None:
    frame = graph_frame(page, base)
    position = drawn_nodes(frame)[uid]
    click_in_graph(page, frame, position["x"], position["y"])


def code_block(page: Any, text: str) -> Any:
    """An `st.code` block (the entity panel shows the selected object's name in one) holding exactly `text`."""
    return page.get_by_test_id("stCode").get_by_text(text, exact=True).first


def choose(page: Any, search_label: str, text: str, box_label: str, option: str) -> None:
    """Type into a search box, then pick the option naming `option` from the select box below it."""
    search = page.get_by_label(search_label)
    search.fill(text)
    search.press("Enter")
    settle(page)

    def pick() -> None:
        page.get_by_label(box_label, exact=True).first.click()
        page.get_by_role("option").filter(has_text=option).first.click()

    retry(pick)
    settle(page)


# -------------------------------------------------------------------------------------------- tests


def test_every_page_in_the_browser(served: tuple[str, GraphStore], page: Any) -> None:
    base, _store = served

    open_page(page, base, "overview", "Overview")
    page.get_by_text("Nodes per plane and kind").wait_for()
    shoot(page, "overview")

    # Attack paths: internet -> the ops-admin token (read through Prometheus' secret-reading grant).
    open_page(page, base, "paths", "Attack paths")
    choose(page, "Search end", "secret:kube-system/ops", "End", "secret:kube-system/ops-admin-token")
    page.get_by_text("shortest path(s) of").wait_for()
    frame = graph_frame(page, base)
    nodes = drawn_nodes(frame)
    assert "internet" in nodes and "k8s:demo:secret:kube-system/ops-admin-token" in nodes
    xs = {uid: position["x"] for uid, position in nodes.items()}
    assert xs["internet"] < xs["k8s:demo:secret:kube-system/ops-admin-token"], "drawn left to right"
    assert page.locator("[data-testid='stDataFrame']").count() >= 2  # paths and steps tables
    wait_drawn(page)
    shoot(page, "attack-paths")

    prometheus = "k8s:demo:serviceaccount:monitoring/prometheus"
    assert prometheus in nodes
    retry(lambda: (click_node(page, base, prometheus), code_block(page, "serviceaccount:monitoring/prometheus").wait_for(
        timeout=15_000)))  # fmt: skip
    page.get_by_role("button", name="Set as start").wait_for()
    page.get_by_role("tab", name=re.compile(r"^Outgoing attack edges")).click()
    page.locator("td[role=gridcell]", has_text="CAN_READ_SECRET").first.wait_for(state="attached")
    shoot(page, "entity-panel")

    # An edge: its help from the attack catalogue.
    frame = graph_frame(page, base)
    middle = frame.evaluate(
        "() => { const e = document.getElementById('cy')._cyreg.cy.edges('[caption *= \"CAN_READ_SECRET\"]')[0];"
        " return e.renderedMidpoint(); }"
    )
    retry(lambda: (click_in_graph(page, frame, middle["x"], middle["y"]),
                   page.get_by_text("How it is abused").wait_for(timeout=15_000)))  # fmt: skip
    page.get_by_text("Remediation", exact=True).wait_for()
    shoot(page, "edge-help")

    open_page(page, base, "console", "Cypher console")
    page.get_by_label("Query").fill(
        "MATCH (s:ServiceAccount)-[e:IS_CLUSTER_ADMIN]->(c) RETURN s.uid AS uid, [s.uid, c.uid] AS uids, "
        "[type(e)] AS types"
    )
    page.get_by_role("button", name="Run").click()
    settle(page)
    page.get_by_text("row(s)").wait_for()
    assert page.get_by_text("Download CSV").count() == 1
    shoot(page, "cypher-console")

    open_page(page, base, "joint", "Joint review")
    page.get_by_text("mapping(s)").wait_for()
    nodes = drawn_nodes(graph_frame(page, base))
    assert "k8s:demo:serviceaccount:ci/ci-runner" in nodes and "aws:arn:aws:iam::111122223333:role/ci-runner" in nodes
    wait_drawn(page)
    shoot(page, "joint-review")

    # Risk queries: the canned internet -> secrets query, its paths drawn, a node clicked.
    open_page(page, base, "queries", "Risk queries")
    search = page.get_by_label("Search queries")
    search.fill("secrets")
    search.press("Enter")
    settle(page)
    retry(lambda: (page.get_by_label("Query", exact=True).first.click(),
                   page.get_by_role("option").filter(has_text="Internet → secrets").first.click()))  # fmt: skip
    settle(page)
    page.get_by_role("heading", name="Internet → secrets").wait_for()
    page.get_by_role("button", name="Run query").click()
    settle(page)
    page.get_by_text(re.compile(r"^\d+ row\(s\) in \d+ ms$")).wait_for()
    frame = graph_frame(page, base)
    nodes = drawn_nodes(frame)
    token = "k8s:demo:secret:kube-system/ops-admin-token"
    assert "internet" in nodes and token in nodes, sorted(nodes)
    retry(lambda: (click_node(page, base, token),
                   code_block(page, "secret:kube-system/ops-admin-token").wait_for(timeout=15_000)))  # fmt: skip
    shoot(page, "risk-queries")
    page.get_by_role("tab", name="Table").click()
    page.locator("td[role=gridcell]", has_text="secret:kube-system/ops-admin-token").first.wait_for(state="attached")
    assert page.get_by_text("Download CSV").count() == 1
    open_page(page, base, "findings", "Findings")
    page.get_by_text(re.compile(r"^\d+ of \d+ finding\(s\)$")).wait_for()
    graph_frame(page, base)  # the selected finding's path
    wait_drawn(page)
    shoot(page, "findings")
    assert page.dialogs == []


def test_attacker_controlled_names_are_shown_as_text(served: tuple[str, GraphStore], page: Any) -> None:
    base, store = served
    load_demo(store, hostile=True)  # a User subject named <img src=x onerror=alert(1)>, a <script> annotation
    try:
        open_page(page, base, "paths", "Attack paths")
        choose(page, "Search start", "user:<img", "Start", HOSTILE_NAME)
        page.get_by_text("shortest path(s) of").wait_for()
        hostile_uid = f"k8s:demo:user:{HOSTILE_NAME}"
        frame = graph_frame(page, base)
        assert hostile_uid in drawn_nodes(frame)
        retry(lambda: (click_node(page, base, hostile_uid),
                       code_block(page, f"user:{HOSTILE_NAME}").wait_for(timeout=15_000)))  # fmt: skip
        assert code_block(page, f"user:{HOSTILE_NAME}").is_visible()
        # The component draws the name on its canvas, as text; its own info panel stays closed (nothing is
        # selectable: the panel covered the start of every path), so no DOM of the frame holds the name.
        drawn_name = frame.evaluate(
            "(uid) => document.getElementById('cy')._cyreg.cy.nodes().filter(n => n.data('_uid') === uid)[0]"
            ".data('caption')",
            hostile_uid,
        )
        assert drawn_name == HOSTILE_NAME
        assert frame.evaluate("() => document.getElementById('infopanel').dataset.expanded") != "true"
        shoot(page, "hostile-text")
        for each in [page.main_frame, *page.frames]:
            assert each.locator("img[src='x']").count() == 0, each.url
            assert each.locator("script:has-text(\"alert('annotation')\")").count() == 0, each.url
        time.sleep(1)
        assert page.dialogs == [], page.dialogs
    finally:
        load_demo(store, hostile=False)


def test_the_first_node_of_a_path_is_clickable_and_the_legend_names_the_kinds(
    served: tuple[str, GraphStore], page: Any
) -> None:
    """The walkthrough's complaint (issue 11): the component's info panel covered the start of the path."""
    base, _store = served
    open_page(page, base, "paths", "Attack paths")
    choose(page, "Search end", "secret:kube-system/ops", "End", "secret:kube-system/ops-admin-token")
    page.get_by_text("shortest path(s) of").wait_for()
    wait_drawn(page)
    frame = graph_frame(page, base)
    token = "k8s:demo:secret:kube-system/ops-admin-token"
    # Select another node first: a selection is what opened the component's own panel over the left edge.
    retry(lambda: (click_node(page, base, token),
                   code_block(page, "secret:kube-system/ops-admin-token").wait_for(timeout=15_000)))  # fmt: skip
    frame = graph_frame(page, base)
    start = drawn_nodes(frame)["internet"]
    on_top = frame.evaluate(
        "([x, y]) => { const e = document.elementFromPoint(x, y); return e ? (e.closest('#cy') ? 'cy' : e.id"
        " || e.className || e.tagName) : null }",
        [start["x"], start["y"]],
    )
    assert on_top == "cy", f"the start node is covered by {on_top!r}"
    assert frame.evaluate("() => document.getElementById('infopanel').dataset.expanded") != "true"
    retry(lambda: (click_node(page, base, "internet"), code_block(page, "internet").wait_for(timeout=15_000)))
    page.get_by_role("button", name="Set as start").wait_for()
    kinds = frame.evaluate(
        "() => [...new Set(document.getElementById('cy')._cyreg.cy.nodes().map(n => n.data('label')))]"
    )
    legend = page.locator(".st-key-paths_graph-legend")  # a table under the graph: a column per kind
    legend.wait_for()
    assert kinds
    for kind in kinds:
        legend.locator("[role=columnheader]", has_text=re.compile(f"^{re.escape(kind)}$")).first.wait_for(
            state="attached", timeout=15_000
        )
    shoot(page, "attack-paths-start-clicked")
    assert page.dialogs == []
