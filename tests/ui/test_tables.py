"""graph/ui/tables.py: rows for the pages' tables, and query results drawn as a graph."""

from __future__ import annotations

import pytest

from graph.analysis.catalogue import INTERNET_UID
from graph.findings.compute import compute_findings
from graph.store import GraphStore
from graph.ui import layout, search, tables
from queries.library import ParamError, load_library, run_query
from tests.ui.conftest import CLUSTER_ADMIN, DEPLOYER, OPS_TOKEN, path_query


def test_driver_objects_become_plain_values(demo: GraphStore) -> None:
    [row] = demo.read("MATCH (n:ServiceAccount {uid: $uid}) RETURN n, n.name AS name", {"uid": DEPLOYER})
    node = tables.plain(row["n"])
    assert "ServiceAccount" in node["labels"] and node["properties"]["uid"] == DEPLOYER
    [row] = demo.read(
        "MATCH p = (a:ServiceAccount {uid: $uid})-[r:IS_CLUSTER_ADMIN]->(b) RETURN p, r", {"uid": DEPLOYER}
    )
    path = tables.plain(row["p"])
    assert [n["properties"]["uid"] for n in path["nodes"]] == [DEPLOYER, CLUSTER_ADMIN]
    assert tables.plain(row["r"])["properties"]["rule"]
    table = tables.table_rows([{"a": [1, 2], "b": {"k": "v"}, "c": "x"}])
    assert table == [{"a": "[1, 2]", "b": '{"k": "v"}', "c": "x"}]
    assert tables.capped([{"i": i} for i in range(5)], 3) == ([{"i": 0}, {"i": 1}, {"i": 2}], True)


def test_rows_with_paths_become_a_graph() -> None:
    rows = [
        {"uids": ["internet", "s", "p"], "types": ["INTERNET_EXPOSES", "SERVICE_TARGETS"], "reasons": ["r1", "r2"]},
        {"uids": ["internet", "t"], "types": ["INTERNET_EXPOSES"]},
    ]
    view = tables.rows_view(rows)
    assert view is not None and {n["data"]["_uid"] for n in view.nodes} == {"internet", "s", "p", "t"}
    assert len(view.edges) == 3 and view.edge(layout.edge_id("internet", "INTERNET_EXPOSES", "s"))["reason"] == "r1"
    only_nodes = tables.rows_view([{"uid": "internet"}, {"uid": "k8s:demo:cluster-admin"}])
    assert only_nodes is not None and only_nodes.edges == [] and only_nodes.labels() == ["ClusterAdmin", "Internet"]
    assert tables.rows_view([{"count": 3}]) is None


# ------------------------------------------------------------------------------------------- paths


def test_path_and_step_rows(demo: GraphStore) -> None:
    paths = search.find_paths(demo, path_query(demo, INTERNET_UID, OPS_TOKEN, max_hops=10))
    rows = tables.path_rows(paths)
    assert rows[0]["entry"] == "internet" and rows[0]["target"] == "secret:kube-system/ops-admin-token"
    assert rows[0]["steps"].startswith("internet -[INTERNET_EXPOSES]-> ")
    steps = tables.step_rows(paths)
    drawn = [key for edge in layout.paths_view(paths).edges for key in edge["data"]["_keys"]]  # bundles
    assert len({row["edge"] for row in steps}) == len(steps) == len(drawn)


# ---------------------------------------------------------------------------------- findings, queries


def test_findings_helpers(demo: GraphStore) -> None:
    report = compute_findings(demo)
    findings = report.findings
    assert tables.severity_rows(findings)[0] == {"severity": "critical", "findings": 1}
    critical = tables.filter_findings(findings, severities=["critical"])
    assert [f.target_uid for f in critical] == [CLUSTER_ADMIN]
    assert tables.finding_planes(critical[0]) == ["k8s"]
    assert tables.filter_findings(findings, planes=["aws"]) == []
    assert tables.filter_findings(findings, statuses=["resolved"]) == []
    assert len(tables.filter_findings(findings)) == len(findings)
    [row] = tables.finding_rows(critical)
    assert row["entry"] == "internet" and row["crown jewel"] == "cluster-admin" and row["fix"] == "IS_CLUSTER_ADMIN"
    steps = tables.finding_steps(critical[0])
    assert [s["fix here"] for s in steps].count("← remediation") == 1 and steps[0]["from"] == "internet"
    view = tables.finding_view(critical[0])
    x = {node["data"]["_uid"]: node["position"]["x"] for node in view.nodes}
    assert x[INTERNET_UID] == 0 and x[CLUSTER_ADMIN] == max(x.values())
    chokes = tables.choke_rows(report.choke_points[:3])
    assert chokes and all(row["score"] > 0 for row in chokes)


def test_query_params_from_the_form(demo: GraphStore) -> None:
    library = load_library()
    blast = library["blast-radius"]
    assert tables.query_params(demo, blast, {"uid": " sa:ci/deployer ", "max_hops": 4.0, "limit": ""}) == {
        "uid": DEPLOYER, "max_hops": 4,
    }  # fmt: skip
    assert tables.query_params(demo, blast, {"uid": DEPLOYER})["uid"] == DEPLOYER
    assert tables.query_params(demo, blast, {"uid": "pod:nowhere/x"})["uid"] == "pod:nowhere/x"  # finds nothing
    with pytest.raises(ParamError, match="uid is required"):
        tables.query_params(demo, blast, {"uid": "  "})
    shortest = library["shortest-path"]
    params = tables.query_params(demo, shortest, {"src": "internet", "dst": "cluster-admin"})
    assert params == {"src": INTERNET_UID, "dst": CLUSTER_ADMIN}
    [row] = run_query(demo, shortest, params).rows[:1]
    view = tables.rows_view([row])
    assert view is not None and view.node(CLUSTER_ADMIN) is not None


def test_times_are_shown_in_utc_to_the_minute() -> None:
    assert tables.format_when(1_700_000_000_000) == "2023-11-14 22:13 UTC"
    assert tables.format_when(None) == tables.format_when(0) == ""
