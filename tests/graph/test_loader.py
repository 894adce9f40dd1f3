"""The loader against a real embedded FalkorDB."""

from __future__ import annotations

import pytest

from graph.loader import Sync, load
from graph.records import EdgeRecord, NodeRecord, PropertyError, check_properties
from graph.store import GraphStore, open_store


def _cluster(name: str, pods: list[str], node: str = "n1") -> tuple[list[NodeRecord], list[EdgeRecord]]:
    node_uid = f"k8s:{name}:node:{node}"
    nodes = [NodeRecord("Node", node_uid, {"name": node, "cluster": name})]
    edges = []
    for pod in pods:
        uid = f"k8s:{name}:pod:default/{pod}"
        nodes.append(NodeRecord("Pod", uid, {"name": pod, "namespace": "default", "host_pid": False}))
        edges.append(EdgeRecord("RUNS_ON", "Pod", uid, "Node", node_uid, {"reason": "spec.nodeName"}))
    return nodes, edges


def _counts(store: GraphStore) -> tuple[int, int]:
    nodes = store.read("MATCH (n) WHERE NOT n:SyncRun RETURN count(n) AS n")[0]["n"]
    edges = store.read("MATCH ()-[e]->() RETURN count(e) AS n")[0]["n"]
    return nodes, edges


def _pod_names(store: GraphStore, cluster: str) -> set[str]:
    rows = store.read("MATCH (p:Pod) WHERE p.scope = $scope RETURN p.name AS name", {"scope": f"k8s:{cluster}"})
    return {row["name"] for row in rows}


def test_loading_twice_gives_identical_counts(store: GraphStore) -> None:
    nodes, edges = _cluster("c1", ["a", "b", "c"])
    load(store, nodes, edges, Sync.new("k8s", "k8s:c1"), complete_kinds={"Pod", "Node"})
    first = _counts(store)
    load(store, nodes, edges, Sync.new("k8s", "k8s:c1"), complete_kinds={"Pod", "Node"})
    assert _counts(store) == first == (4, 3)


def test_provenance_on_every_node_and_edge(store: GraphStore) -> None:
    nodes, edges = _cluster("c1", ["a"])
    sync = Sync.new("k8s", "k8s:c1")
    load(store, nodes, edges, sync, complete_kinds={"Pod", "Node"})
    rows = store.read(
        "MATCH (p:Pod)-[e:RUNS_ON]->(n:Node) RETURN p.source AS ps, p.scope AS pscope, p.sync_id AS psync, "
        "p.first_seen AS pfirst, p.last_seen AS plast, e.source AS es, e.scope AS escope, e.sync_id AS esync, "
        "e.first_seen AS efirst, e.last_seen AS elast, labels(p) AS labels"
    )
    rows[0]["labels"] = sorted(rows[0]["labels"])
    assert rows == [
        {
            "ps": "k8s", "pscope": "k8s:c1", "psync": sync.sync_id, "pfirst": sync.started_ms,
            "plast": sync.started_ms, "es": "k8s", "escope": "k8s:c1", "esync": sync.sync_id,
            "efirst": sync.started_ms, "elast": sync.started_ms, "labels": ["Entity", "Pod", "Workload"],
        }
    ]  # fmt: skip


def test_a_graph_from_before_the_shared_label_is_labelled_on_open_not_duplicated(
    store: GraphStore, graph_uri: str
) -> None:
    nodes, edges = _cluster("c1", ["a", "b"])
    load(store, nodes, edges, Sync.new("k8s", "k8s:c1"), complete_kinds={"Pod", "Node"})
    before = _counts(store)
    store.write("DROP INDEX ON :Entity(uid)")  # FalkorDB dialect: a graph an older Bridgehead wrote
    store.write("MATCH (n) REMOVE n:Entity")
    reopened = open_store(graph_uri)  # the UI opens graphs without loading anything
    try:
        uid = nodes[0].uid
        assert reopened.read("MATCH (n:Entity {uid: $uid}) RETURN n.uid AS uid", {"uid": uid}) == [{"uid": uid}]
        assert reopened.read("MATCH (n) WHERE NOT n:Entity RETURN count(n) AS n") == [{"n": 0}]
        load(reopened, nodes, edges, Sync.new("k8s", "k8s:c1"), complete_kinds={"Pod", "Node"})
        assert _counts(reopened) == before  # MERGE (on every label) found the old nodes
    finally:
        reopened.close()


def test_first_seen_survives_a_later_sync(store: GraphStore) -> None:
    nodes, edges = _cluster("c1", ["a"])
    first = Sync("k8s", "k8s:c1", "s1", 1000)
    load(store, nodes, edges, first, complete_kinds={"Pod"})
    load(store, nodes, edges, Sync("k8s", "k8s:c1", "s2", 2000), complete_kinds={"Pod"})
    assert store.read("MATCH (p:Pod) RETURN p.first_seen AS f, p.last_seen AS l") == [{"f": 1000, "l": 2000}]


def test_malformed_property_names_kind_uid_and_loads_nothing(store: GraphStore) -> None:
    nodes, edges = _cluster("c1", ["a", "b"])
    bad = NodeRecord("Pod", "k8s:c1:pod:default/bad", {"name": "bad", "securityContext": {"privileged": True}})
    with pytest.raises(PropertyError) as info:
        load(store, [*nodes, bad], edges, Sync.new("k8s", "k8s:c1"))
    message = str(info.value)
    assert "Pod k8s:c1:pod:default/bad" in message and "securityContext" in message and "JSON" in message
    assert _counts(store) == (0, 0)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ({"a": 1}, "is a dict"),
        ([1, "x"], "mixes int, str"),
        ([[1]], "is a list"),
        ([True, 1], "mixes bool, int"),
        (2**64, "64 bits"),
        (float("nan"), "finite"),
    ],
)
def test_property_validation_rejects_what_neo4j_or_falkordb_would_mangle(value: object, fragment: str) -> None:
    with pytest.raises(PropertyError, match=fragment):
        check_properties("Pod x", {"p": value})


def test_property_validation_accepts_scalars_and_homogeneous_lists() -> None:
    check_properties("Pod x", {"s": "a", "i": 1, "f": 1.5, "b": True, "l": ["a", "b"], "e": [], "n": None})


def test_provenance_keys_are_reserved() -> None:
    with pytest.raises(PropertyError, match="set by the loader"):
        check_properties("Pod x", {"scope": "mine"})


def test_stale_cleanup_is_scoped_to_scope_and_complete_kinds(store: GraphStore) -> None:
    for cluster in ("c1", "c2"):
        nodes, edges = _cluster(cluster, ["a", "b"])
        load(store, nodes, edges, Sync.new("k8s", f"k8s:{cluster}"), complete_kinds={"Pod", "Node"})

    nodes, edges = _cluster("c1", ["a"])  # pod b is gone from c1
    report = load(store, nodes, edges, Sync.new("k8s", "k8s:c1"), complete_kinds={"Pod", "Node"})
    assert report.deleted_nodes["Pod"] == 1
    assert _pod_names(store, "c1") == {"a"}
    assert _pod_names(store, "c2") == {"a", "b"}, "cleanup of one scope touched another"


def test_kind_not_collected_completely_keeps_earlier_data(store: GraphStore) -> None:
    nodes, edges = _cluster("c1", ["a", "b"])
    load(store, nodes, edges, Sync.new("k8s", "k8s:c1"), complete_kinds={"Pod", "Node"})
    # Pods could not be listed this time (e.g. HTTP 403): only the node was collected.
    node_only = [record for record in nodes if record.kind == "Node"]
    report = load(store, node_only, [], Sync.new("k8s", "k8s:c1"), complete_kinds={"Node"}, gaps=["Pod: forbidden"])
    assert "Pod" not in report.deleted_nodes
    assert _pod_names(store, "c1") == {"a", "b"}
    assert store.read("MATCH (s:SyncRun) RETURN s.gaps AS gaps") == [{"gaps": ["Pod: forbidden"]}]


def test_removed_edge_is_cleaned_with_its_source_kind(store: GraphStore) -> None:
    nodes, edges = _cluster("c1", ["a"])
    load(store, nodes, edges, Sync.new("k8s", "k8s:c1"), complete_kinds={"Pod", "Node"})
    load(store, nodes, [], Sync.new("k8s", "k8s:c1"), complete_kinds={"Pod", "Node"})  # pod unscheduled
    assert _counts(store) == (2, 0)


def test_edges_to_missing_nodes_are_reported_not_silently_dropped(store: GraphStore) -> None:
    nodes, edges = _cluster("c1", ["a"])
    dangling = EdgeRecord("RUNS_ON", "Pod", "k8s:c1:pod:default/a", "Node", "k8s:c1:node:gone")
    report = load(store, nodes, [*edges, dangling, dangling], Sync.new("k8s", "k8s:c1"))
    assert report.edges["RUNS_ON"] == 1
    assert report.missing_endpoints == {"RUNS_ON (Pod->Node)": 1}


def test_batches_smaller_than_the_input_load_everything(store: GraphStore) -> None:
    nodes, edges = _cluster("c1", [f"p{i}" for i in range(23)])
    report = load(store, nodes, edges, Sync.new("k8s", "k8s:c1"), batch_size=5)
    assert report.nodes["Pod"] == 23 and report.edges["RUNS_ON"] == 23
    assert _counts(store) == (24, 23)


def test_unknown_kind_or_edge_type_is_refused_before_writing(store: GraphStore) -> None:
    with pytest.raises(KeyError, match="unknown node kind 'Pdo'"):
        load(store, [NodeRecord("Pdo", "x")], [], Sync.new("k8s", "k8s:c1"))
    with pytest.raises(KeyError, match="unknown edge type 'RUNS_IN'"):
        load(store, [], [EdgeRecord("RUNS_IN", "Pod", "a", "Node", "b")], Sync.new("k8s", "k8s:c1"))
    assert _counts(store) == (0, 0)


# ------------------------------------------------------------------------------ implicit (implied) nodes

SA = "k8s:c1:serviceaccount:web/default"


def _sa(implicit: bool, **props: object) -> NodeRecord:
    base = {"name": "default", "namespace": "web", "cluster": "c1"}
    if implicit:
        base.update(implicit=True, implicit_reason="every namespace has a default service account")
    return NodeRecord("ServiceAccount", SA, {**base, **props}, implicit=implicit)


def _sa_row(store: GraphStore) -> dict:
    rows = store.read(
        "MATCH (s:ServiceAccount {uid: $uid}) RETURN s.implicit AS implicit, s.implicit_reason AS reason, "
        "s.irsa_role_arn AS arn, s.sync_id AS sync, s.first_seen AS first",
        {"uid": SA},
    )
    assert len(rows) <= 1
    return rows[0] if rows else {}


def test_an_implicit_node_is_created_marked_when_absent(store: GraphStore) -> None:
    report = load(store, [_sa(True)], [], Sync("k8s", "k8s:c1", "s1", 1000), complete_kinds={"ServiceAccount"})
    assert _sa_row(store) == {
        "implicit": True, "reason": "every namespace has a default service account", "arn": None, "sync": "s1",
        "first": 1000,
    }  # fmt: skip
    assert report.implicit_nodes == {"ServiceAccount": 1} and report.nodes == {"ServiceAccount": 1}
    # Loaded again (still implied): kept by the cleanup of its complete kind, first_seen unchanged.
    report = load(store, [_sa(True)], [], Sync("k8s", "k8s:c1", "s2", 2000), complete_kinds={"ServiceAccount"})
    assert report.deleted_nodes == {"ServiceAccount": 0}
    assert _sa_row(store) | {"reason": None} == {
        "implicit": True,
        "reason": None,
        "arn": None,
        "sync": "s2",
        "first": 1000,
    }


@pytest.mark.parametrize("implicit_first", [True, False])
def test_a_real_record_in_the_same_load_wins_over_an_implicit_one(store: GraphStore, implicit_first: bool) -> None:
    records = [_sa(True), _sa(False, irsa_role_arn="arn:aws:iam::1:role/r")]
    load(store, records if implicit_first else records[::-1], [], Sync.new("k8s", "k8s:c1"))
    assert _sa_row(store)["implicit"] is None and _sa_row(store)["reason"] is None
    assert _sa_row(store)["arn"] == "arn:aws:iam::1:role/r"


def test_an_earlier_real_node_is_not_overwritten_when_the_kind_was_not_collected(store: GraphStore) -> None:
    load(store, [_sa(False, irsa_role_arn="arn:r")], [], Sync("k8s", "k8s:c1", "s1", 1000), complete_kinds={"Pod"})
    # A later snapshot without service accounts implies the default one: the real data stays, unmarked.
    report = load(store, [_sa(True)], [], Sync("k8s", "k8s:c1", "s2", 2000), complete_kinds={"Pod"})
    assert "ServiceAccount" not in report.deleted_nodes
    assert _sa_row(store) == {"implicit": None, "reason": None, "arn": "arn:r", "sync": "s2", "first": 1000}


def test_a_stale_real_node_of_a_complete_kind_is_replaced_by_the_implicit_one(store: GraphStore) -> None:
    load(store, [_sa(False, irsa_role_arn="arn:r")], [], Sync("k8s", "k8s:c1", "s1", 1000), complete_kinds={"Pod"})
    # This snapshot lists service accounts in full and the default one is not among them: the earlier
    # real node is stale; its properties (the IRSA role) must not survive under the implicit mark.
    report = load(store, [_sa(True)], [], Sync("k8s", "k8s:c1", "s2", 2000), complete_kinds={"ServiceAccount"})
    assert report.deleted_nodes == {"ServiceAccount": 1}
    assert _sa_row(store) == {
        "implicit": True, "reason": "every namespace has a default service account", "arn": None, "sync": "s2",
        "first": 2000,
    }  # fmt: skip


def test_a_later_real_record_clears_the_implicit_mark(store: GraphStore) -> None:
    load(store, [_sa(True)], [], Sync("k8s", "k8s:c1", "s1", 1000), complete_kinds={"ServiceAccount"})
    load(store, [_sa(False, irsa_role_arn="arn:r")], [], Sync("k8s", "k8s:c1", "s2", 2000))
    assert _sa_row(store) == {"implicit": None, "reason": None, "arn": "arn:r", "sync": "s2", "first": 1000}
    assert store.read("MATCH (s:ServiceAccount) RETURN count(s) AS n") == [{"n": 1}]


def test_an_implicit_node_takes_edges_like_a_real_one(store: GraphStore) -> None:
    namespace = NodeRecord("Namespace", "k8s:c1:namespace:web", {"name": "web", "implicit": True}, implicit=True)
    edge = EdgeRecord("IN_NAMESPACE", "ServiceAccount", SA, "Namespace", namespace.uid)
    report = load(store, [_sa(True), namespace], [edge], Sync.new("k8s", "k8s:c1"))
    assert report.edges == {"IN_NAMESPACE": 1} and report.missing_endpoints == {}
