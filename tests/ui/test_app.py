"""app.py through streamlit.testing.v1.AppTest, on a real embedded FalkorDB holding the analysed demo graph.

Clicks in the graph component are simulated the way the browser delivers them: the component's value
(its key in session state) becomes the click event, and the page reruns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from graph.analysis.catalogue import INTERNET_UID, traversable_edge_types
from graph.store import GraphStore
from graph.ui import overview
from tests.graph.test_outbound import listener
from tests.ui.conftest import CLUSTER_ADMIN, DEPLOYER, HOSTILE_NAME, HOSTILE_USER_UID, OPS_TOKEN

APP = str(Path(__file__).resolve().parents[2] / "app.py")
STOREFRONT_SA = "k8s:demo:serviceaccount:shop-frontend/storefront"


@pytest.fixture
def app(ui_graph: tuple[str, GraphStore], monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    uri, _store = ui_graph
    monkeypatch.setenv("BRIDGEHEAD_GRAPH", uri)  # app.py's open_store() reads the same setting as the CLI
    st.cache_resource.clear()
    yield AppTest.from_file(APP, default_timeout=60)
    st.cache_resource.clear()


def open_page(at: AppTest, title: str, **state: Any) -> AppTest:
    at.session_state["page"] = title
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def graph_args(at: AppTest, key: str) -> dict[str, Any]:
    """What app.py handed to the graph component with this key (the component's JSON arguments)."""
    for element in at.get("component_instance"):
        args = json.loads(element.proto.json_args)
        if args.get("key") == key:
            return args
    raise AssertionError(f"no graph component {key!r} on the page")


def frames(at: AppTest) -> list[Any]:
    return [element.value for element in at.dataframe]


def frame_with(at: AppTest, *columns: str) -> Any:
    return next(df for df in frames(at) if set(columns) <= set(df.columns))


def column_values(at: AppTest, column: str) -> list[Any]:
    return [value for df in frames(at) if column in df.columns for value in df[column].tolist()]


def element_id(at: AppTest, key: str, target: str) -> str:
    """The graph component's id of a node (by uid) or an edge (by edge key) it was handed."""
    elements = graph_args(at, key)["elements"]
    for node in elements["nodes"]:
        if node["data"]["_uid"] == target:
            return str(node["data"]["id"])
    for edge in elements["edges"]:
        if edge["data"]["_key"] == target:
            return str(edge["data"]["id"])
    raise AssertionError(f"{target!r} is not drawn in {key!r}")


def click(at: AppTest, key: str, target: str, group: str = "nodes", stamp: int = 1) -> AppTest:
    """A tap in the graph component, as the browser reports it (the element's id, not the uid)."""
    action = "node_click" if group == "nodes" else "edge_click"
    data = {"type": "tap", "target_id": element_id(at, key, target), "target_group": group}
    at.session_state[key] = {"action": action, "data": data, "timestamp": stamp}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> list[str]:
    return [element.value for element in at.text]


def codes(at: AppTest) -> list[str]:
    return [element.value for element in at.code]


# ------------------------------------------------------------------------------------------ overview


def test_overview(app: AppTest) -> None:
    at = open_page(app, "Overview")
    metrics = {metric.label: metric.value for metric in at.metric}
    assert int(metrics["k8s nodes"]) > 100 and int(metrics["edges"]) > 100
    kinds_frame = frame_with(at, "kind", "nodes")
    kinds = dict(zip(kinds_frame["kind"], kinds_frame["nodes"], strict=True))
    assert kinds["Pod"] == 23 and kinds["Internet"] == 1
    assert "k8s:demo" in column_values(at, "scope")
    assert "INTERNET_EXPOSES" in column_values(at, "type")
    assert any("No coverage gaps" in caption.value for caption in at.caption)
    assert at.query_params["page"] in ("overview", ["overview"])


def test_page_from_the_url(app: AppTest) -> None:
    app.query_params["page"] = "joint"
    app.run()
    assert app.session_state["page"] == "Joint review"
    assert [header.value for header in app.header] == ["Joint review"]


def test_navigation_lists_every_page_and_an_unknown_slug_opens_the_overview(app: AppTest) -> None:
    app.query_params["page"] = "no-such-page"
    app.run()
    assert app.radio(key="page").options == [
        "Overview", "Attack paths", "Risk queries", "Findings", "Cypher console", "Joint review"
    ]  # fmt: skip
    assert app.session_state["page"] == "Overview" and app.query_params["page"] in ("overview", ["overview"])


def test_a_failing_page_says_so_and_the_other_pages_still_work(app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_store: GraphStore) -> None:
        raise RuntimeError("summary of <b>hostile</b> failed")

    monkeypatch.setattr(overview, "overview", broken)
    at = open_page(app, "Overview")
    assert [error.value for error in at.error] == [
        "The Overview page failed (RuntimeError). The other pages still work."
    ]
    assert "summary of <b>hostile</b> failed" in codes(at)  # the message as text, never markdown
    at.radio(key="page").set_value("Joint review").run()
    assert not at.exception and not at.error
    assert [header.value for header in at.header] == ["Joint review"] and "7 mapping(s)" in texts(at)
    assert at.query_params["page"] in ("joint", ["joint"])


# ------------------------------------------------------------------------------------- attack paths


def test_attack_paths_default_internet_to_cluster_admin(app: AppTest) -> None:
    at = open_page(app, "Attack paths")
    assert at.session_state["path_src"] == INTERNET_UID and at.session_state["path_dst"] == CLUSTER_ADMIN
    assert [box.label for box in at.selectbox][:2] == ["Start", "End"]
    assert [inp.label for inp in at.text_input] == ["Search start", "Search end"]
    assert at.slider(key="max_hops").value == 8
    assert at.multiselect(key="edge_types").value == list(traversable_edge_types())
    assert any(re.fullmatch(r"\d+ shortest path\(s\) of \d+ hops", text) for text in texts(at))

    args = graph_args(at, "paths_graph")
    assert args["layout"]["name"] == "preset"
    nodes = {node["data"]["_uid"]: node for node in args["elements"]["nodes"]}
    edges = [edge["data"] for edge in args["elements"]["edges"]]
    assert nodes[INTERNET_UID]["position"]["x"] == 0 and nodes[INTERNET_UID]["data"]["label"] == "Internet"
    assert nodes[CLUSTER_ADMIN]["position"]["x"] == max(node["position"]["x"] for node in nodes.values())
    assert all(nodes[e["_target"]]["position"]["x"] > nodes[e["_source"]]["position"]["x"] for e in edges)
    assert {e["label"] for e in edges} <= set(traversable_edge_types())
    assert {event["name"] for event in args["events"]} == {"node_click", "edge_click"}
    assert all(row.startswith("internet -[") for row in column_values(at, "steps"))
    assert "IS_CLUSTER_ADMIN" in column_values(at, "type")


def test_search_with_kind_prefix_picks_the_start(app: AppTest) -> None:
    at = open_page(app, "Attack paths")
    at.text_input(key="path_src:search").input("sa:shop-frontend/").run()
    start = at.selectbox[0]
    assert STOREFRONT_SA in start.options or "serviceaccount:shop-frontend/storefront  ·  demo" in start.options
    start.select(STOREFRONT_SA).run()
    assert not at.exception
    assert at.session_state["path_src"] == STOREFRONT_SA
    nodes = graph_args(at, "paths_graph")["elements"]["nodes"]
    assert [n["data"]["_uid"] for n in nodes if n["position"]["x"] == 0] == [STOREFRONT_SA]
    assert "CAN_EXEC" in column_values(at, "type")  # the documented chain: exec into the node agent


def test_reverse_hops_and_edge_type_filters(app: AppTest) -> None:
    at = open_page(app, "Attack paths", path_src=INTERNET_UID, path_dst=OPS_TOKEN)
    at.button[0].click().run()  # ⇄ Reverse
    assert (at.session_state["path_src"], at.session_state["path_dst"]) == (OPS_TOKEN, INTERNET_UID)
    assert "No attack path within 8 hops." in [info.value for info in at.info]
    at.button[0].click().run()
    at.slider(key="max_hops").set_value(2).run()
    assert "No attack path within 2 hops." in [info.value for info in at.info]
    at.slider(key="max_hops").set_value(10).run()
    without = [t for t in traversable_edge_types() if t != "INTERNET_EXPOSES"]
    at.multiselect(key="edge_types").set_value(without).run()
    assert "No attack path within 10 hops." in [info.value for info in at.info]


def test_node_click_opens_the_entity_panel(app: AppTest) -> None:
    at = open_page(app, "Attack paths", path_src=INTERNET_UID, path_dst=CLUSTER_ADMIN)
    at = click(at, "paths_graph", DEPLOYER)
    assert at.session_state["selected_uid"] == DEPLOYER
    assert "serviceaccount:ci/deployer" in codes(at)
    assert "ServiceAccount" in [sub.value for sub in at.subheader]
    props = dict(zip(column_values(at, "property"), column_values(at, "value"), strict=True))
    assert props["namespace"] == "ci" and props["name"] == "deployer"
    assert "cluster-admin" in column_values(at, "to")  # outgoing IS_CLUSTER_ADMIN
    assert {"HAS_SA_TOKEN", "CAN_RUN_AS"} <= set(column_values(at, "type"))
    incoming = frame_with(at, "from")
    assert [tab.label for tab in at.tabs][:3] == [
        "Properties", "Outgoing attack edges (1)", f"Incoming attack edges ({len(incoming)})"
    ]  # fmt: skip
    # The same click event again (a rerun) changes nothing; a new neighbour can be opened from the panel.
    neighbour = at.selectbox(key=f"paths_entity:neighbour:{DEPLOYER}")
    neighbour.select(CLUSTER_ADMIN).run()
    assert at.session_state["selected_uid"] == CLUSTER_ADMIN and "cluster-admin" in codes(at)


def test_entity_panel_buttons(app: AppTest) -> None:
    at = open_page(app, "Attack paths", path_src=INTERNET_UID, path_dst=CLUSTER_ADMIN)
    at = click(at, "paths_graph", DEPLOYER)
    at.button(key="paths_entity:start").click().run()
    assert at.session_state["path_src"] == DEPLOYER
    assert {n["data"]["_uid"] for n in graph_args(at, "paths_graph")["elements"]["nodes"]} == {DEPLOYER, CLUSTER_ADMIN}
    at.session_state["path_src"] = STOREFRONT_SA
    at.run()
    drawn = [n["data"]["_uid"] for n in graph_args(at, "paths_graph")["elements"]["nodes"]]
    agent = next(uid for uid in drawn if uid.startswith("k8s:demo:pod:"))  # a pod on the way
    at = click(at, "paths_graph", agent, stamp=2)
    at.button(key="paths_entity:end").click().run()
    assert at.session_state["path_dst"] == agent
    nodes = graph_args(at, "paths_graph")["elements"]["nodes"]
    assert max(nodes, key=lambda n: n["position"]["x"])["data"]["_uid"] == agent
    # "Shortest path to here" from another page: back to Attack paths, ending at that node.
    at = open_page(at, "Joint review")
    at = click(at, "joint_graph", "k8s:demo:serviceaccount:ci/ci-runner", stamp=3)
    at.button(key="joint_entity:to-here").click().run()
    assert at.session_state["page"] == "Attack paths"
    assert at.session_state["path_dst"] == "k8s:demo:serviceaccount:ci/ci-runner"


def test_edge_click_shows_the_catalogue_help(app: AppTest) -> None:
    at = open_page(app, "Attack paths", path_src=INTERNET_UID, path_dst=CLUSTER_ADMIN)
    edges = graph_args(at, "paths_graph")["elements"]["edges"]
    exposure = next(e["data"] for e in edges if e["data"]["label"] == "INTERNET_EXPOSES")
    at = click(at, "paths_graph", exposure["_key"], group="edges")
    assert at.session_state["focus"] == "edge"
    assert "Reachable from the internet" in [sub.value for sub in at.subheader]
    shown = texts(at)
    assert any(text.startswith("INTERNET_EXPOSES   rules k8s.exposure.internet") and "T1190" in text for text in shown)
    assert exposure["reason"] in shown  # why this particular edge exists
    captions = [caption.value for caption in at.caption]
    assert {"What it means", "How it is abused", "Opsec", "Remediation", "References"} <= set(captions)
    assert any("https://attack.mitre.org/techniques/T1190/" in md.value for md in at.markdown)
    # The step list explains the same edges without the graph.
    at.selectbox(key="explain_step").select(exposure["_key"]).run()
    assert "Reachable from the internet" in [sub.value for sub in at.subheader]


# ------------------------------------------------------------------------------------ cypher console


def test_console_reads(app: AppTest) -> None:
    at = open_page(app, "Cypher console")
    at.text_area(key="cypher").input("MATCH (s:ServiceAccount) WHERE s.namespace = 'ci' RETURN s.uid AS uid").run()
    at.button(key="cypher_run").click().run()
    assert not at.exception
    assert DEPLOYER in column_values(at, "uid")
    assert [tab.label for tab in at.tabs] == ["Table", "Graph", "Cypher", "JSON"]
    assert DEPLOYER in {n["data"]["_uid"] for n in graph_args(at, "console_graph")["elements"]["nodes"]}
    assert [button.label for button in at.get("download_button")] == ["Download CSV", "Download JSON"]


def test_console_draws_returned_paths_and_nodes(app: AppTest) -> None:
    at = open_page(app, "Cypher console")
    query = (
        "MATCH p = (a:ServiceAccount {uid: 'k8s:demo:serviceaccount:ci/deployer'})-[:IS_CLUSTER_ADMIN]->(b) "
        "RETURN [n IN nodes(p) | n.uid] AS uids, [r IN relationships(p) | type(r)] AS types, p"
    )
    at.text_area(key="cypher").input(query).run()
    at.button(key="cypher_run").click().run()
    assert not at.exception
    edges = graph_args(at, "console_graph")["elements"]["edges"]
    assert [(e["data"]["_source"], e["data"]["label"], e["data"]["_target"]) for e in edges] == [
        (DEPLOYER, "IS_CLUSTER_ADMIN", CLUSTER_ADMIN)
    ]
    path_cell = json.loads(column_values(at, "p")[0])  # a driver Path, shown as plain JSON
    assert [n["properties"]["uid"] for n in path_cell["nodes"]] == [DEPLOYER, CLUSTER_ADMIN]


def test_console_is_read_only_capped_and_explains_errors(app: AppTest) -> None:
    at = open_page(app, "Cypher console")
    at.text_area(key="cypher").input("CREATE (:Pod {uid: 'console-write'}) RETURN 1").run()
    at.button(key="cypher_run").click().run()
    assert any("read-only" in error.value for error in at.error)
    at.text_area(key="cypher").input("MATCH (n:Pod {uid: 'console-write'}) RETURN count(n) AS n").run()
    at.button(key="cypher_run").click().run()
    assert column_values(at, "n") == [0]
    at.text_area(key="cypher").input("MATCH (n RETURN n").run()
    at.button(key="cypher_run").click().run()
    assert [error.value for error in at.error] == ["The query failed."] and codes(at)
    at.text_area(key="cypher").input("UNWIND range(1, 1500) AS i RETURN i").run()
    at.button(key="cypher_run").click().run()
    assert any("showing the first 1000" in warning.value for warning in at.warning)
    assert "1000 row(s)" in texts(at) and len(column_values(at, "i")) == 1000


def test_console_refuses_load_csv_and_the_database_never_connects(app: AppTest) -> None:
    with listener() as (port, connections):
        at = open_page(app, "Cypher console")
        at.text_area(key="cypher").input(f"LOAD CSV FROM 'https://127.0.0.1:{port}/x.csv' AS row RETURN row").run()
        at.button(key="cypher_run").click().run()
        assert any("fetch from outside the graph" in error.value for error in at.error)
        assert "0 row(s)" not in texts(at)
    assert connections == [], "the database opened a connection"


# ------------------------------------------------------------------------------------- joint review


def test_joint_review(app: AppTest) -> None:
    at = open_page(app, "Joint review")
    identities = column_values(at, "cluster identity")
    assert {"sa:ci/ci-runner", "sa:kube-system/aws-node", "user:alice@example.com", "user:ci-runner"} <= set(identities)
    assert set(column_values(at, "mechanism")) == {"IRSA", "aws-auth mapRoles", "aws-auth mapUsers"}
    assert "7 mapping(s)" in texts(at)
    nodes = {n["data"]["_uid"]: n for n in graph_args(at, "joint_graph")["elements"]["nodes"]}
    assert nodes["k8s:demo:serviceaccount:ci/ci-runner"]["position"]["x"] == 0
    assert nodes["aws:arn:aws:iam::111122223333:role/ci-runner"]["position"]["x"] > 0
    at.selectbox(key="joint_account").select("aws:111122223333").run()
    assert "7 mapping(s)" in texts(at)
    at = click(at, "joint_graph", "k8s:demo:serviceaccount:ci/ci-runner")
    assert "serviceaccount:ci/ci-runner" in codes(at)
    assert "CAN_RUN_AS" in column_values(at, "type")


# ---------------------------------------------------------------------------- attacker-controlled text

MARKDOWN_ELEMENTS = ("markdown", "caption", "header", "subheader", "title", "info", "warning", "error", "success")


def assert_never_markdown(at: AppTest, text: str) -> None:
    for kind in MARKDOWN_ELEMENTS:
        for element in getattr(at, kind):
            assert text not in str(element.value), (kind, element.value)
    for element in at.get("component_instance"):  # the graph component gets it as data, links defused
        args = json.loads(element.proto.json_args)
        assert all("<a" not in str(node["data"]) for node in args["elements"]["nodes"])


def test_hostile_names_reach_the_page_only_as_text(app: AppTest) -> None:
    at = open_page(app, "Attack paths")
    at.text_input(key="path_src:search").input("user:<img").run()
    at.selectbox[0].select(HOSTILE_USER_UID).run()
    assert not at.exception
    assert at.session_state["path_src"] == HOSTILE_USER_UID
    nodes = {n["data"]["_uid"]: n["data"] for n in graph_args(at, "paths_graph")["elements"]["nodes"]}
    assert nodes[HOSTILE_USER_UID]["name"] == HOSTILE_NAME  # drawn on the canvas as typed
    at = click(at, "paths_graph", HOSTILE_USER_UID)
    assert f"user:{HOSTILE_NAME}" in codes(at)
    assert any(HOSTILE_NAME in str(value) for value in column_values(at, "value"))
    assert_never_markdown(at, "<img")
    assert_never_markdown(at, "<script")
    assert any(HOSTILE_NAME in option for option in at.selectbox[0].options)  # options are plain text
    at = open_page(at, "Cypher console")
    at.text_area(key="cypher").input("MATCH (b:RoleBinding {name: 'hostile-debug'}) RETURN b").run()
    at.button(key="cypher_run").click().run()
    assert any("<script>" in str(value) for value in column_values(at, "b"))
    assert_never_markdown(at, "<script")


def test_app_source_never_renders_html() -> None:
    source = Path(APP).read_text()
    assert "unsafe_allow_html" not in source and "st.html" not in source and "components.html" not in source


# ------------------------------------------------------------------------------------- risk queries


def run_form(at: AppTest) -> AppTest:
    at.get("form_submit_button")[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_risk_queries_internet_to_secrets(app: AppTest) -> None:
    at = open_page(app, "Risk queries")
    assert any("19 of 19" in caption.value or " of " in caption.value for caption in at.caption)
    at.text_input(key="query_search").input("secrets").run()
    assert "internet-to-secrets" in at.selectbox(key="query_id").options or any(
        "Internet → secrets" in option for option in at.selectbox(key="query_id").options
    )
    at.selectbox(key="query_id").select("internet-to-secrets").run()
    assert "Internet → secrets" in [sub.value for sub in at.subheader]
    assert at.number_input(key="param:internet-to-secrets:max_hops").value == 10
    at = run_form(at)
    assert any(re.fullmatch(r"\d+ row\(s\) in \d+ ms", text) for text in texts(at))
    assert [tab.label for tab in at.tabs][:4] == ["Graph", "Table", "Cypher", "JSON"]
    targets = column_values(at, "target")
    assert OPS_TOKEN in targets and "k8s:demo:secret:monitoring/grafana-admin" in targets
    args = graph_args(at, "query_graph")
    nodes = {n["data"]["_uid"]: n for n in args["elements"]["nodes"]}
    assert nodes[INTERNET_UID]["position"]["x"] == 0 and OPS_TOKEN in nodes
    edges = [e["data"] for e in args["elements"]["edges"]]
    assert all(nodes[e["_target"]]["position"]["x"] > nodes[e["_source"]]["position"]["x"] for e in edges)
    assert any("// id: internet-to-secrets" in code for code in codes(at))  # the Cypher view: the file as shipped
    assert [b.label for b in at.get("download_button")] == ["Download CSV", "Download JSON"]
    at = click(at, "query_graph", OPS_TOKEN)
    assert "secret:kube-system/ops-admin-token" in codes(at)


def test_risk_query_categories_and_parameters(app: AppTest) -> None:
    at = open_page(app, "Risk queries")
    at.selectbox(key="query_category").select("rbac").run()
    assert set(at.selectbox(key="query_id").options) and all(
        "· rbac]" in option for option in at.selectbox(key="query_id").options
    )
    at.selectbox(key="query_category").select(None).run()
    at.selectbox(key="query_id").select("blast-radius").run()
    at = run_form(at)  # the required uid is blank
    assert [error.value for error in at.error] == ["The parameters are not right."]
    at.text_input(key="param:blast-radius:uid").input("sa:ci/deployer")  # a REF is accepted for a uid
    at = run_form(at)  # form values are sent with the submit
    assert column_values(at, "source") == [DEPLOYER]
    assert [tab.label for tab in at.tabs][:3] == ["Table", "Cypher", "JSON"]  # no paths in these rows: no graph


# ----------------------------------------------------------------------------------------- findings


@pytest.fixture
def clean_findings(ui_graph: tuple[str, GraphStore]) -> Iterator[GraphStore]:
    _uri, store = ui_graph
    yield store
    store.write("MATCH (n) WHERE n:Finding OR (n:SyncRun AND n.uid = 'sync:findings') DETACH DELETE n")


def test_findings_filters_live_in_the_url(app: AppTest, clean_findings: GraphStore) -> None:
    at = open_page(app, "Findings")
    assert any(re.fullmatch(r"\d+ of \d+ finding\(s\)", text) for text in texts(at))
    total = len(column_values(at, "severity"))
    assert total >= 10 and set(column_values(at, "status")) == {"new"}
    at.multiselect(key="findings_severity").set_value(["critical"]).run()
    assert at.query_params["severity"] in ("critical", ["critical"])
    assert set(column_values(at, "severity")) == {"critical"}
    assert frame_with(at, "crown jewel", "severity")["crown jewel"].tolist() == ["cluster-admin"]
    at.multiselect(key="findings_severity").set_value([]).run()
    assert "severity" not in at.query_params
    # A link with filters opens with them applied.
    fresh = AppTest.from_file(APP, default_timeout=60)
    fresh.query_params["page"] = "findings"
    fresh.query_params["severity"] = "high"
    fresh.query_params["plane"] = "k8s"
    fresh.run()
    assert not fresh.exception
    assert fresh.multiselect(key="findings_severity").value == ["high"]
    assert set(column_values(fresh, "severity")) == {"high"} and len(column_values(fresh, "severity")) == total - 1


def test_a_finding_opens_its_path(app: AppTest, clean_findings: GraphStore) -> None:
    at = open_page(app, "Findings")
    assert any(box.label == "Open a finding" for box in at.selectbox)  # graphs have a layout box too
    finding_id = at.query_params["finding"]
    finding_id = finding_id[0] if isinstance(finding_id, list) else finding_id
    assert "Internet → cluster-admin (demo)" in texts(at)
    assert "Remediation: the step to fix" in [caption.value for caption in at.caption]
    steps = frame_with(at, "fix here")
    assert "← remediation" in steps["fix here"].tolist() and steps["type"].tolist()[-1] == "IS_CLUSTER_ADMIN"
    nodes = graph_args(at, "finding_graph")["elements"]["nodes"]
    assert {INTERNET_UID, CLUSTER_ADMIN} <= {n["data"]["_uid"] for n in nodes}
    at.button(key="finding_open_path").click().run()
    assert at.session_state["page"] == "Attack paths"
    assert (at.session_state["path_src"], at.session_state["path_dst"]) == (INTERNET_UID, CLUSTER_ADMIN)
    assert any(re.fullmatch(r"\d+ shortest path\(s\) of \d+ hops", text) for text in texts(at))
    assert finding_id


def test_findings_runs_are_recorded(app: AppTest, clean_findings: GraphStore) -> None:
    at = open_page(app, "Findings")
    at.button(key="findings_refresh").click().run()
    assert not at.exception and set(column_values(at, "status")) == {"new"}
    assert all(column_values(at, "first seen"))
    at.button(key="findings_refresh").click().run()
    assert set(column_values(at, "status")) == {"open"}
    at.multiselect(key="findings_status").set_value(["resolved"]).run()
    assert "No finding matches these filters." in [info.value for info in at.info]


def test_overview_findings_and_choke_points(app: AppTest) -> None:
    at = open_page(app, "Overview")
    severities = frame_with(at, "severity")
    counts = dict(zip(severities["severity"], severities["findings"], strict=True))
    assert counts["critical"] == 1 and counts["high"] >= 9
    chokes = frame_with(at, "choke point")
    assert len(chokes) > 0 and chokes["score"].tolist() == sorted(chokes["score"].tolist(), reverse=True)
    at.button(key="overview:findings").click().run()
    assert at.session_state["page"] == "Findings"


def test_marks_from_the_entity_panel(app: AppTest, ui_graph: tuple[str, GraphStore]) -> None:
    _uri, store = ui_graph
    at = open_page(app, "Attack paths", path_src=INTERNET_UID, path_dst=CLUSTER_ADMIN)
    drawn = [n["data"]["_uid"] for n in graph_args(at, "paths_graph")["elements"]["nodes"]]
    pod = next(uid for uid in drawn if uid.startswith("k8s:demo:container:"))  # on the path, no jewel
    at = click(at, "paths_graph", pod)
    try:
        at.button(key="paths_entity:owned").click().run()
        assert store.read("MATCH (p:Container {uid: $uid}) RETURN p.owned AS owned", {"uid": pod})[0]["owned"] is True
        assert at.button(key="paths_entity:owned").label == "Unmark owned"
        assert "owned" in [caption.value for caption in at.caption]
        at.button(key="paths_entity:high-value").click().run()
        assert "HighValue" in store.read("MATCH (p:Container {uid: $uid}) RETURN labels(p) AS l", {"uid": pod})[0]["l"]
        assert at.button(key="paths_entity:high-value").label == "Unmark high value"
    finally:
        at.button(key="paths_entity:owned").click().run()
        at.button(key="paths_entity:high-value").click().run()
    row = store.read("MATCH (p:Container {uid: $uid}) RETURN p.owned AS owned, labels(p) AS l", {"uid": pod})[0]
    assert row["owned"] is None and "HighValue" not in row["l"]


@pytest.mark.parametrize(
    "page", ["Overview", "Attack paths", "Risk queries", "Findings", "Cypher console", "Joint review"]
)
def test_every_page_on_an_empty_graph(
    page: str, store: GraphStore, graph_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIDGEHEAD_GRAPH", graph_uri)
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=60)
    at = open_page(at, page)
    assert [header.value for header in at.header] == [page]
    if page == "Overview":
        assert any("The graph is empty" in info.value for info in at.info)
    if page == "Attack paths":
        assert any("Pick a start and an end" in info.value for info in at.info)
    if page == "Joint review":
        assert any("No cluster identity maps" in info.value for info in at.info)
    st.cache_resource.clear()
