"""Kubernetes ingestion end to end: the real client against the fake API server, into a real FalkorDB."""

from __future__ import annotations

import copy
from pathlib import Path

from graph.store import GraphStore
from ingest.k8s.files import read_k8s_files
from ingest.k8s.live import collect_live, load_client
from ingest.k8s.snapshot import write_snapshot
from ingest.pipeline import ingest_k8s_snapshot

from .conftest import Canary, RecordingSleep
from .fake_apiserver import FakeApiServer

NODE_COUNTS = "MATCH (n) WHERE NOT n:SyncRun UNWIND labels(n) AS label RETURN label, count(*) AS n ORDER BY label"
EDGE_COUNTS = "MATCH ()-[e]->() RETURN type(e) AS type, count(e) AS n ORDER BY type"


def live_snapshot(kubeconfig: Path, sleep: RecordingSleep):
    client = load_client("fake-cluster", kubeconfig=kubeconfig)
    return collect_live(client, "prod-eks", progress=False, sleep=sleep)


def counts(store: GraphStore) -> tuple[list[dict], list[dict]]:
    return store.read(NODE_COUNTS), store.read(EDGE_COUNTS)


def uids(store: GraphStore, label: str) -> set[str]:
    return {row["uid"] for row in store.read(f"MATCH (n:{label}) RETURN n.uid AS uid")}


def test_live_cluster_lands_in_the_graph_with_every_kind(
    store: GraphStore, fake_apiserver: FakeApiServer, kubeconfig: Path, recording_sleep: RecordingSleep, cluster_objects
) -> None:
    result = ingest_k8s_snapshot(store, live_snapshot(kubeconfig, recording_sleep))
    assert result.problems == []
    pods = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in cluster_objects["Pod"]}
    assert uids(store, "Pod") == {f"k8s:prod-eks:pod:{ns}/{name}" for ns, name in pods}
    rows = store.read(
        "MATCH (p:Pod)-[:HAS_CONTAINER]->(c:Container) WHERE c.privileged = true RETURN p.name AS pod, c.name AS c"
    )
    assert rows, "a privileged container in the fixture was not captured"
    assert store.read("MATCH (p:Pod)-[:RUNS_ON]->(:Node) RETURN count(p) AS n")[0]["n"] > 0
    assert store.read("MATCH (:RoleBinding)-[:BINDS_ROLE]->(r) RETURN count(r) AS n")[0]["n"] > 0
    assert store.read("MATCH (:Service)-[:SELECTS]->(:Pod) RETURN count(*) AS n")[0]["n"] > 0
    synced = store.read("MATCH (s:SyncRun) RETURN s.scope AS scope, s.gaps AS gaps")
    assert synced == [{"scope": "k8s:prod-eks", "gaps": []}]


def test_forbidden_kind_is_a_gap_and_keeps_what_was_loaded_before(
    store: GraphStore, fake_apiserver: FakeApiServer, kubeconfig: Path, recording_sleep: RecordingSleep
) -> None:
    ingest_k8s_snapshot(store, live_snapshot(kubeconfig, recording_sleep))
    secrets_before = uids(store, "KubeSecret")
    pods_before = uids(store, "Pod")
    assert secrets_before

    fake_apiserver.forbidden.add("Secret")
    removed_pod = fake_apiserver.objects["Pod"].pop()
    result = ingest_k8s_snapshot(store, live_snapshot(kubeconfig, recording_sleep))

    assert [gap.split(":")[0] for gap in result.gaps] == ["Secret"]
    assert uids(store, "KubeSecret") == secrets_before, "a 403 deleted previously loaded secrets"
    gone = f"k8s:prod-eks:pod:{removed_pod['metadata']['namespace']}/{removed_pod['metadata']['name']}"
    assert uids(store, "Pod") == pods_before - {gone}, "a fully listed kind was not cleaned"
    gaps = store.read("MATCH (s:SyncRun) RETURN s.gaps AS gaps")[0]["gaps"]
    assert len(gaps) == 1 and "secrets is forbidden" in gaps[0]


def test_throttled_kind_is_collected_after_backoff(
    store: GraphStore, fake_apiserver: FakeApiServer, kubeconfig: Path, recording_sleep: RecordingSleep
) -> None:
    fake_apiserver.throttle["ServiceAccount"] = 1
    result = ingest_k8s_snapshot(store, live_snapshot(kubeconfig, recording_sleep))
    assert result.gaps == [] and recording_sleep.delays
    assert uids(store, "ServiceAccount")


def test_collect_then_ingest_files_gives_the_same_graph(
    store: GraphStore, fake_apiserver: FakeApiServer, kubeconfig: Path, recording_sleep: RecordingSleep, tmp_path: Path
) -> None:
    snapshot = live_snapshot(kubeconfig, recording_sleep)
    ingest_k8s_snapshot(store, snapshot)
    live = counts(store)
    live_pods = uids(store, "Pod")

    store.wipe()
    write_snapshot(snapshot, tmp_path / "snap")
    ingest_k8s_snapshot(store, read_k8s_files([tmp_path / "snap"], ""))
    assert counts(store) == live
    assert uids(store, "Pod") == live_pods


def test_same_snapshot_twice_identical_counts_and_removed_object_disappears(
    store: GraphStore, cluster_objects, tmp_path: Path
) -> None:
    snap_dir = tmp_path / "snap"
    from ingest.k8s.snapshot import K8sSnapshot

    objects = copy.deepcopy(cluster_objects)
    snapshot = K8sSnapshot("c1", objects, set(objects), [], [], None, 0)
    write_snapshot(snapshot, snap_dir)
    ingest_k8s_snapshot(store, read_k8s_files([snap_dir], ""))
    first = counts(store)
    ingest_k8s_snapshot(store, read_k8s_files([snap_dir], ""))
    assert counts(store) == first

    removed = objects["Deployment"].pop(0)
    write_snapshot(K8sSnapshot("c1", objects, set(objects), [], [], None, 0), snap_dir)
    ingest_k8s_snapshot(store, read_k8s_files([snap_dir], ""))
    name = f"k8s:c1:deployment:{removed['metadata']['namespace']}/{removed['metadata']['name']}"
    assert name not in uids(store, "Deployment")
    assert store.read("MATCH (d:Deployment) RETURN count(d) AS n")[0]["n"] == len(objects["Deployment"])


def test_no_secret_value_reaches_the_graph(
    store: GraphStore, canary: Canary, fake_apiserver: FakeApiServer, kubeconfig: Path, recording_sleep: RecordingSleep
) -> None:
    ingest_k8s_snapshot(store, live_snapshot(kubeconfig, recording_sleep))
    properties = store.read("MATCH (n) RETURN properties(n) AS p")
    properties += store.read("MATCH ()-[e]->() RETURN properties(e) AS p")
    text = repr(properties)
    assert len(text) > 10_000, "the graph is suspiciously small for this check to mean anything"
    assert canary.markers
    assert canary.leaks_in(text) == []
    # The allow-listed aws-auth ConfigMap keeps its mapping (the analysis needs it).
    aws_auth = store.read("MATCH (c:ConfigMap {name: 'aws-auth'}) RETURN c.data_json AS data")
    assert aws_auth and "mapRoles" in (aws_auth[0]["data"] or "")
