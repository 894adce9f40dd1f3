"""graph/ui/search.py: the search box and the path search, on the demo graph in embedded FalkorDB."""

from __future__ import annotations

import pytest

from graph.analysis.catalogue import INTERNET_UID, traversable_edge_types
from graph.store import GraphStore
from graph.ui import search
from tests.ui.conftest import CLUSTER_ADMIN, DEPLOYER, HOSTILE_NAME, HOSTILE_USER_UID, path_query


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pod:storefront", search.SearchQuery("Pod", None, None, "storefront")),
        ("sa:ci/", search.SearchQuery("ServiceAccount", None, "ci", "")),
        ("sa:ci/Run", search.SearchQuery("ServiceAccount", None, "ci", "run")),
        ("pod:prod/shop/web", search.SearchQuery("Pod", "prod", "shop", "web")),
        ("node:ip-10-0-1", search.SearchQuery("Node", None, None, "ip-10-0-1")),
        ("node:prod/ip-10", search.SearchQuery("Node", "prod", None, "ip-10")),
        ("secret:kube-system/ops", search.SearchQuery("KubeSecret", None, "kube-system", "ops")),
        ("internet", search.SearchQuery("Internet", None, None, "")),
        ("cluster-admin", search.SearchQuery("ClusterAdmin", None, None, "")),
        ("Deployer", search.SearchQuery(None, None, None, "deployer")),
        ("frob:thing", search.SearchQuery(None, None, None, "frob:thing")),
    ],
)
def test_search_text_is_read_like_a_ref(text: str, expected: search.SearchQuery) -> None:
    assert search.parse_search(text) == expected


def test_search_by_kind_prefix(demo: GraphStore) -> None:
    pods = search.search_nodes(demo, "pod:storefront")
    assert len(pods) == 2 and all(p.label == "Pod" and p.namespace == "shop-frontend" for p in pods)
    assert all(p.display.startswith("pod:shop-frontend/storefront-") for p in pods)
    accounts = {ref.display for ref in search.search_nodes(demo, "sa:ci/")}
    assert {"serviceaccount:ci/deployer", "serviceaccount:ci/ci-runner"} <= accounts
    assert all(a.startswith("serviceaccount:ci/") for a in accounts)
    assert [ref.uid for ref in search.search_nodes(demo, "internet")] == [INTERNET_UID]
    assert [ref.uid for ref in search.search_nodes(demo, "cluster-admin")] == [CLUSTER_ADMIN]
    anything = search.search_nodes(demo, "deployer")
    assert DEPLOYER in {ref.uid for ref in anything} and len({ref.label for ref in anything}) > 1
    assert search.search_nodes(demo, "pod:nothing-is-called-this") == []
    assert search.search_nodes(demo, "") == []
    assert len(search.search_nodes(demo, "pod:", limit=3)) == 3


def test_search_finds_attacker_named_subjects_verbatim(demo: GraphStore) -> None:
    hits = search.search_nodes(demo, "user:<img")
    assert [(hit.uid, hit.name) for hit in hits] == [(HOSTILE_USER_UID, HOSTILE_NAME)]


# ------------------------------------------------------------------------------------------- paths


def test_documented_chain_through_the_node_agent(demo: GraphStore) -> None:
    storefront = "k8s:demo:serviceaccount:shop-frontend/storefront"
    paths = search.find_paths(demo, path_query(demo, storefront, CLUSTER_ADMIN, max_hops=12))
    assert paths and all("CAN_EXEC" in path.edge_types for path in paths)
    assert all(path.edge_types[-1] == "IS_CLUSTER_ADMIN" for path in paths)


def test_path_filters_and_hop_limits(demo: GraphStore) -> None:
    assert search.find_paths(demo, path_query(demo, INTERNET_UID, CLUSTER_ADMIN, max_hops=2)) == []
    without_exposure = tuple(t for t in traversable_edge_types() if t != "INTERNET_EXPOSES")
    query = path_query(demo, INTERNET_UID, CLUSTER_ADMIN, max_hops=12, edge_types=without_exposure)
    assert search.find_paths(demo, query) == []
