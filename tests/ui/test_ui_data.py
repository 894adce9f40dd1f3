"""graph/ui_data.py: what the pages show, computed from a real embedded FalkorDB holding the demo graph."""

from __future__ import annotations

import pytest

from graph import ui_data
from graph.analysis.catalogue import INTERNET_UID, traversable_edge_types
from graph.cypher_lint import cypher_errors
from graph.findings.compute import compute_findings
from graph.loader import Sync, load
from graph.records import NodeRecord
from graph.store import GraphStore
from queries.library import ParamError, load_library, run_query
from tests.ui.conftest import HOSTILE_NAME, HOSTILE_USER_UID

CLUSTER_ADMIN = "k8s:demo:cluster-admin"
DEPLOYER = "k8s:demo:serviceaccount:ci/deployer"
OPS_TOKEN = "k8s:demo:secret:kube-system/ops-admin-token"


@pytest.fixture
def demo(ui_graph: tuple[str, GraphStore]) -> GraphStore:
    return ui_graph[1]


# ------------------------------------------------------------------------------------------ search


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pod:storefront", ui_data.SearchQuery("Pod", None, None, "storefront")),
        ("sa:ci/", ui_data.SearchQuery("ServiceAccount", None, "ci", "")),
        ("sa:ci/Run", ui_data.SearchQuery("ServiceAccount", None, "ci", "run")),
        ("pod:prod/shop/web", ui_data.SearchQuery("Pod", "prod", "shop", "web")),
        ("node:ip-10-0-1", ui_data.SearchQuery("Node", None, None, "ip-10-0-1")),
        ("node:prod/ip-10", ui_data.SearchQuery("Node", "prod", None, "ip-10")),
        ("secret:kube-system/ops", ui_data.SearchQuery("KubeSecret", None, "kube-system", "ops")),
        ("internet", ui_data.SearchQuery("Internet", None, None, "")),
        ("cluster-admin", ui_data.SearchQuery("ClusterAdmin", None, None, "")),
        ("Deployer", ui_data.SearchQuery(None, None, None, "deployer")),
        ("frob:thing", ui_data.SearchQuery(None, None, None, "frob:thing")),
    ],
)
def test_search_text_is_read_like_a_ref(text: str, expected: ui_data.SearchQuery) -> None:
    assert ui_data.parse_search(text) == expected


def test_search_by_kind_prefix(demo: GraphStore) -> None:
    pods = ui_data.search_nodes(demo, "pod:storefront")
    assert len(pods) == 2 and all(p.label == "Pod" and p.namespace == "shop-frontend" for p in pods)
    assert all(p.display.startswith("pod:shop-frontend/storefront-") for p in pods)
    accounts = {ref.display for ref in ui_data.search_nodes(demo, "sa:ci/")}
    assert {"serviceaccount:ci/deployer", "serviceaccount:ci/ci-runner"} <= accounts
    assert all(a.startswith("serviceaccount:ci/") for a in accounts)
    assert [ref.uid for ref in ui_data.search_nodes(demo, "internet")] == [INTERNET_UID]
    assert [ref.uid for ref in ui_data.search_nodes(demo, "cluster-admin")] == [CLUSTER_ADMIN]
    anything = ui_data.search_nodes(demo, "deployer")
    assert DEPLOYER in {ref.uid for ref in anything} and len({ref.label for ref in anything}) > 1
    assert ui_data.search_nodes(demo, "pod:nothing-is-called-this") == []
    assert ui_data.search_nodes(demo, "") == []
    assert len(ui_data.search_nodes(demo, "pod:", limit=3)) == 3


def test_search_finds_attacker_named_subjects_verbatim(demo: GraphStore) -> None:
    hits = ui_data.search_nodes(demo, "user:<img")
    assert [(hit.uid, hit.name) for hit in hits] == [(HOSTILE_USER_UID, HOSTILE_NAME)]


# ------------------------------------------------------------------------------------------- paths


def path_query(demo: GraphStore, src: str, dst: str, **kwargs) -> ui_data.PathQuery:
    refs = ui_data.lookup_nodes(demo, [src, dst])
    return ui_data.PathQuery(refs[src], refs[dst], **kwargs)


def test_paths_are_drawn_left_to_right(demo: GraphStore) -> None:
    paths = ui_data.find_paths(demo, path_query(demo, INTERNET_UID, OPS_TOKEN, max_hops=10))
    assert paths and all(p.uids[0] == INTERNET_UID and p.uids[-1] == OPS_TOKEN for p in paths)
    view = ui_data.paths_view(paths)
    assert not view.too_big and view.node_count == len(view.nodes)
    x = {node["data"]["_uid"]: node["position"]["x"] for node in view.nodes}
    assert x[INTERNET_UID] == 0 and x[OPS_TOKEN] == paths[0].hops * ui_data.X_GAP
    for edge in view.edges:  # every step goes one column to the right: entry -> ... -> crown jewel
        assert x[edge["data"]["_target"]] - x[edge["data"]["_source"]] == ui_data.X_GAP, edge
    data = {node["data"]["_uid"]: node["data"] for node in view.nodes}
    assert data[INTERNET_UID]["label"] == "Internet" and data[OPS_TOKEN]["label"] == "KubeSecret"
    assert (
        data[OPS_TOKEN]["name"] == "ops-admin-token" and data[OPS_TOKEN]["ref"] == "secret:kube-system/ops-admin-token"
    )
    first = view.edges[0]["data"]
    assert first["_source"] == INTERNET_UID and first["label"] == "INTERNET_EXPOSES" and first["mitre"] == "T1190"
    assert first["reason"] and first["_key"] == ui_data.edge_id(first["_source"], "INTERNET_EXPOSES", first["_target"])
    assert first["id"] == "e0" and view.nodes[0]["data"]["id"] == "n0"  # opaque ids: uids may carry names
    assert first["source"] == view.element_id(INTERNET_UID) and view.element(first["id"]) == ("edge", first["_key"])
    assert set(view.edge_types()) <= set(traversable_edge_types())
    rows = ui_data.path_rows(paths)
    assert rows[0]["entry"] == "internet" and rows[0]["target"] == "secret:kube-system/ops-admin-token"
    assert rows[0]["steps"].startswith("internet -[INTERNET_EXPOSES]-> ")
    steps = ui_data.step_rows(paths)
    assert len({row["edge"] for row in steps}) == len(steps) == len(view.edges)


def test_documented_chain_through_the_node_agent(demo: GraphStore) -> None:
    storefront = "k8s:demo:serviceaccount:shop-frontend/storefront"
    paths = ui_data.find_paths(demo, path_query(demo, storefront, CLUSTER_ADMIN, max_hops=12))
    assert paths and all("CAN_EXEC" in path.edge_types for path in paths)
    assert all(path.edge_types[-1] == "IS_CLUSTER_ADMIN" for path in paths)


def test_path_filters_and_hop_limits(demo: GraphStore) -> None:
    assert ui_data.find_paths(demo, path_query(demo, INTERNET_UID, CLUSTER_ADMIN, max_hops=2)) == []
    without_exposure = tuple(t for t in traversable_edge_types() if t != "INTERNET_EXPOSES")
    query = path_query(demo, INTERNET_UID, CLUSTER_ADMIN, max_hops=12, edge_types=without_exposure)
    assert ui_data.find_paths(demo, query) == []


def test_graph_view_caps_the_node_count() -> None:
    chain = ([f"n{i}" for i in range(6)], ["CE_PRIVILEGED"] * 5, [""] * 5)
    assert ui_data.graph_view([chain], cap=5).too_big
    big = ui_data.graph_view([chain], cap=5)
    assert big.nodes == [] and big.node_count == 6
    assert not ui_data.graph_view([chain], cap=6).too_big


def test_graph_view_stacks_a_rank_and_points_every_edge_right() -> None:
    chains = [
        (["a", "b", "d"], ["X", "Y"], []),
        (["a", "c", "d"], ["X", "Y"], []),
        (["b", "d"], ["Z"], []),  # starts mid-way through the others: still drawn where b is
        (["e", "f", "g", "a"], ["X", "X", "X"], []),  # leads into a: pushes everything right
    ]
    view = ui_data.graph_view(chains)
    pos = {node["data"]["_uid"]: node["position"] for node in view.nodes}
    assert pos["e"]["x"] == 0 and pos["a"]["x"] == 3 * ui_data.X_GAP
    assert pos["b"]["x"] == pos["c"]["x"] == 4 * ui_data.X_GAP and pos["b"]["y"] == -pos["c"]["y"] != 0
    assert pos["d"]["x"] == 5 * ui_data.X_GAP
    assert len(view.edges) == 8
    for edge in view.edges:
        assert pos[edge["data"]["_target"]]["x"] > pos[edge["data"]["_source"]]["x"]
    cycle = ui_data.graph_view([(["a", "b", "a"], ["X", "Y"], [])])  # a cycle: first hop index
    assert {n["data"]["_uid"]: n["position"]["x"] for n in cycle.nodes} == {"a": 0, "b": ui_data.X_GAP}


def test_inert_keeps_text_but_breaks_links() -> None:
    assert ui_data.inert(HOSTILE_NAME) == HOSTILE_NAME
    assert ui_data.inert('<a href="https://evil.example">x</a>') == '<\u200ba href="https://evil.example">x</a>'
    assert ui_data.inert('< A HREF="https://evil.example">x</a>').startswith("<\u200b A")
    assert ui_data.inert(None) == ""


# ------------------------------------------------------------------------------------------ entity


def test_entity_has_properties_and_attack_edges(demo: GraphStore) -> None:
    found = ui_data.entity(demo, DEPLOYER)
    assert found is not None and found.node.label == "ServiceAccount" and found.node.namespace == "ci"
    props = {row["property"]: row["value"] for row in found.property_rows()}
    assert props["namespace"] == "ci" and props["name"] == "deployer" and "HighValue" in props["labels"]
    assert found.high_value and not found.owned
    out = found.edge_rows("out")
    assert {"type": "IS_CLUSTER_ADMIN", "to": "cluster-admin", "kind": "ClusterAdmin"}.items() <= out[0].items()
    incoming = {row["type"] for row in found.edge_rows("in")}
    assert {"HAS_SA_TOKEN", "CAN_RUN_AS"} <= incoming
    assert CLUSTER_ADMIN in {ref.uid for ref in found.neighbours()}
    view = ui_data.entity_view(found)
    x = {node["data"]["_uid"]: node["position"]["x"] for node in view.nodes}
    assert x[DEPLOYER] == ui_data.X_GAP and x[CLUSTER_ADMIN] == 2 * ui_data.X_GAP


def test_entity_of_unknown_uid(demo: GraphStore) -> None:
    assert ui_data.entity(demo, "k8s:demo:pod:nowhere/nothing") is None
    with pytest.raises(KeyError, match="unknown node kind"):
        ui_data.entity_statement("Pod) DETACH DELETE (n")


def test_edge_help_comes_from_the_catalogue() -> None:
    help_ = ui_data.edge_help("CE_PRIVILEGED")
    assert help_ is not None and help_.attack and help_.mitre == "T1611" and help_.rule == "k8s.escape.privileged"
    assert help_.meaning and help_.abuse and help_.opsec and help_.remediation and help_.references
    structural = ui_data.edge_help("RUNS_ON")
    assert structural is not None and not structural.attack and structural.meaning
    assert ui_data.edge_help("NOT_AN_EDGE") is None
    assert ui_data.mitre_url("T1552.007") == "https://attack.mitre.org/techniques/T1552/007/"


# ---------------------------------------------------------------------------------------- overview


def test_overview_of_the_demo(demo: GraphStore) -> None:
    data = ui_data.overview(demo)
    assert not data.empty and data.analysed and data.stale_scopes == []
    kinds = {row["kind"]: row for row in data.kind_rows}
    assert kinds["Pod"]["nodes"] == 23 and kinds["Pod"]["plane"] == "k8s"
    assert {row["scope"] for row in data.sync_rows} == {"k8s:demo", "analysis"}
    assert data.gap_rows == []
    attack = {row["type"]: row for row in data.attack_rows}
    assert attack["INTERNET_EXPOSES"]["mitre"] == "T1190" and attack["IS_CLUSTER_ADMIN"]["edges"] >= 3
    later = ui_data.overview(demo, now_ms=max(s.finished_at for s in data.summary.syncs) + 2 * ui_data.STALE_AFTER_MS)
    assert later.stale_scopes == ["k8s:demo"]  # the analysis is not a collection


def test_overview_of_an_empty_graph_and_coverage_gaps(store: GraphStore) -> None:
    assert ui_data.overview(store).empty
    load(store, [NodeRecord("Namespace", "k8s:gap:namespace:a", {"name": "a", "cluster": "gap"})], [],
         Sync.new("k8s", "k8s:gap"), gaps=["KubeSecret: forbidden (HTTP 403)"])  # fmt: skip
    data = ui_data.overview(store)
    assert not data.analysed
    assert data.gap_rows == [{"scope": "k8s:gap", "not visible": "KubeSecret: forbidden (HTTP 403)"}]
    assert data.sync_rows[0]["coverage gaps"] == 1


def test_human_age() -> None:
    assert [ui_data.human_age(ms) for ms in (0, 59 * 60_000, 3 * 3600_000, 5 * 86400_000)] == [
        "0 min",
        "59 min",
        "3 h",
        "5 d",
    ]


# ------------------------------------------------------------------------------------ joint review


def test_joint_review_of_the_demo(demo: GraphStore) -> None:
    links = ui_data.joint_review(demo)
    rows = [link.row() for link in links]
    irsa = {row["cluster identity"]: row["cloud identity"] for row in rows if row["mechanism"] == "IRSA"}
    assert irsa == {
        "sa:ci/ci-runner": "arn:aws:iam::111122223333:role/ci-runner",
        "sa:kube-system/aws-node": "arn:aws:iam::111122223333:role/demo-vpc-cni",
        "sa:kube-system/cluster-autoscaler": "arn:aws:iam::111122223333:role/demo-cluster-autoscaler",
    }
    masters = next(
        link for link in links if link.mechanism == "aws-auth mapRoles" and "system:masters" in link.k8s_groups
    )
    assert (
        masters.cloud_identity == "arn:aws:iam::111122223333:role/ci-runner" and masters.direction == "cloud → cluster"
    )
    alice = next(link for link in links if link.mechanism == "aws-auth mapUsers")
    assert alice.k8s_uid == "k8s:demo:user:alice@example.com" and alice.k8s_groups == ("oncall",)
    assert all(link.account == "111122223333" and link.cloud == "aws" and link.cloud_uid is None for link in links)
    assert all(row["cloud identity in graph"].startswith("no") for row in rows)
    assert len(links) == 7

    view = ui_data.joint_view(links)
    x = {node["data"]["_uid"]: node["position"]["x"] for node in view.nodes}
    assert x["k8s:demo:serviceaccount:ci/ci-runner"] == 0
    assert x["aws:arn:aws:iam::111122223333:role/ci-runner"] == ui_data.JOINT_X_GAP
    assert x["k8s:demo:group:system:masters"] == 0
    types = {(e["data"]["_source"], e["data"]["label"], e["data"]["_target"]) for e in view.edges}
    assert ("k8s:demo:serviceaccount:ci/ci-runner", "IRSA", "aws:arn:aws:iam::111122223333:role/ci-runner") in types
    assert (
        "aws:arn:aws:iam::111122223333:role/ci-runner", "AWS_AUTH_MAP_ROLES", "k8s:demo:group:system:masters"
    ) in types  # fmt: skip


def test_joint_review_workload_identity_and_loaded_cloud_identities(store: GraphStore) -> None:
    sa = {
        "name": "app",
        "namespace": "web",
        "cluster": "gke",
        "gcp_service_account": "app@proj-1.iam.gserviceaccount.com",
    }
    load(store, [NodeRecord("ServiceAccount", "k8s:gke:serviceaccount:web/app", sa)], [], Sync.new("k8s", "k8s:gke"))
    # A cloud plane gives its identities the shared Identity label and an arn / email.
    store.write("CREATE (:Identity {uid: 'gcp:sa:app', email: 'app@proj-1.iam.gserviceaccount.com'})")
    [link] = ui_data.joint_review(store)
    assert (link.mechanism, link.cloud, link.account) == ("GKE Workload Identity", "gcp", "proj-1")
    assert link.k8s_uid == "k8s:gke:serviceaccount:web/app" and link.cloud_uid == "gcp:sa:app"
    assert link.row()["cloud identity in graph"] == "yes"
    view = ui_data.joint_view([link])
    assert {e["data"]["label"] for e in view.edges} == {"WORKLOAD_IDENTITY"}
    assert {n["data"]["_uid"] for n in view.nodes} == {"k8s:gke:serviceaccount:web/app", "gcp:sa:app"}


# --------------------------------------------------------------------------------- console results


def test_driver_objects_become_plain_values(demo: GraphStore) -> None:
    [row] = demo.read("MATCH (n:ServiceAccount {uid: $uid}) RETURN n, n.name AS name", {"uid": DEPLOYER})
    node = ui_data.plain(row["n"])
    assert "ServiceAccount" in node["labels"] and node["properties"]["uid"] == DEPLOYER
    [row] = demo.read(
        "MATCH p = (a:ServiceAccount {uid: $uid})-[r:IS_CLUSTER_ADMIN]->(b) RETURN p, r", {"uid": DEPLOYER}
    )
    path = ui_data.plain(row["p"])
    assert [n["properties"]["uid"] for n in path["nodes"]] == [DEPLOYER, CLUSTER_ADMIN]
    assert ui_data.plain(row["r"])["properties"]["rule"]
    table = ui_data.table_rows([{"a": [1, 2], "b": {"k": "v"}, "c": "x"}])
    assert table == [{"a": "[1, 2]", "b": '{"k": "v"}', "c": "x"}]
    assert ui_data.capped([{"i": i} for i in range(5)], 3) == ([{"i": 0}, {"i": 1}, {"i": 2}], True)


def test_rows_with_paths_become_a_graph() -> None:
    rows = [
        {"uids": ["internet", "s", "p"], "types": ["INTERNET_EXPOSES", "SERVICE_TARGETS"], "reasons": ["r1", "r2"]},
        {"uids": ["internet", "t"], "types": ["INTERNET_EXPOSES"]},
    ]
    view = ui_data.rows_view(rows)
    assert view is not None and {n["data"]["_uid"] for n in view.nodes} == {"internet", "s", "p", "t"}
    assert len(view.edges) == 3 and view.edge(ui_data.edge_id("internet", "INTERNET_EXPOSES", "s"))["reason"] == "r1"
    only_nodes = ui_data.rows_view([{"uid": "internet"}, {"uid": "k8s:demo:cluster-admin"}])
    assert only_nodes is not None and only_nodes.edges == [] and only_nodes.labels() == ["ClusterAdmin", "Internet"]
    assert ui_data.rows_view([{"count": 3}]) is None


# -------------------------------------------------------------------------------------- statements


def test_ui_statements_pass_neo4j_front_end() -> None:
    problems = cypher_errors(ui_data.generated_statements(), check_functions=True)
    assert not problems, "\n".join(f"{p.name}: {p.message}" for p in problems)


def test_ui_statements_run_on_falkordb(demo: GraphStore) -> None:
    for name, statement in ui_data.generated_statements():
        assert isinstance(demo.read(statement, ui_data.STATEMENT_PARAMS), list), name


# ---------------------------------------------------------------------------------- findings, queries


def test_findings_helpers(demo: GraphStore) -> None:
    report = compute_findings(demo)
    findings = report.findings
    assert ui_data.severity_rows(findings)[0] == {"severity": "critical", "findings": 1}
    critical = ui_data.filter_findings(findings, severities=["critical"])
    assert [f.target_uid for f in critical] == [CLUSTER_ADMIN]
    assert ui_data.finding_planes(critical[0]) == ["k8s"]
    assert ui_data.filter_findings(findings, planes=["aws"]) == []
    assert ui_data.filter_findings(findings, statuses=["resolved"]) == []
    assert len(ui_data.filter_findings(findings)) == len(findings)
    [row] = ui_data.finding_rows(critical)
    assert row["entry"] == "internet" and row["crown jewel"] == "cluster-admin" and row["fix"] == "IS_CLUSTER_ADMIN"
    steps = ui_data.finding_steps(critical[0])
    assert [s["fix here"] for s in steps].count("← remediation") == 1 and steps[0]["from"] == "internet"
    view = ui_data.finding_view(critical[0])
    x = {node["data"]["_uid"]: node["position"]["x"] for node in view.nodes}
    assert x[INTERNET_UID] == 0 and x[CLUSTER_ADMIN] == max(x.values())
    chokes = ui_data.choke_rows(report.choke_points[:3])
    assert chokes and all(row["score"] > 0 for row in chokes)


def test_query_params_from_the_form(demo: GraphStore) -> None:
    library = load_library()
    blast = library["blast-radius"]
    assert ui_data.query_params(demo, blast, {"uid": " sa:ci/deployer ", "max_hops": 4.0, "limit": ""}) == {
        "uid": DEPLOYER, "max_hops": 4,
    }  # fmt: skip
    assert ui_data.query_params(demo, blast, {"uid": DEPLOYER})["uid"] == DEPLOYER
    assert ui_data.query_params(demo, blast, {"uid": "pod:nowhere/x"})["uid"] == "pod:nowhere/x"  # finds nothing
    with pytest.raises(ParamError, match="uid is required"):
        ui_data.query_params(demo, blast, {"uid": "  "})
    shortest = library["shortest-path"]
    params = ui_data.query_params(demo, shortest, {"src": "internet", "dst": "cluster-admin"})
    assert params == {"src": INTERNET_UID, "dst": CLUSTER_ADMIN}
    [row] = run_query(demo, shortest, params).rows[:1]
    view = ui_data.rows_view([row])
    assert view is not None and view.node(CLUSTER_ADMIN) is not None
