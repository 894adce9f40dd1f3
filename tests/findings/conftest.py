"""Fixtures for the findings tests: the demo graph after analysis, and tiny in-memory attack graphs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest
import yaml

from graph.analysis.reach import MARK_PROPERTIES, AttackGraph, GraphNode, compute_reach
from graph.analysis.run import analyze
from graph.store import GraphStore
from ingest.k8s.files import read_k8s_files
from ingest.pipeline import DEMO_CLUSTER, DEMO_DIR, ingest_demo, ingest_k8s_snapshot

NODE = "k8s:demo:node:ip-10-0-1-17.eu-west-1.compute.internal"
PRIVATE_NODE = "k8s:demo:node:ip-10-0-3-88.eu-west-1.compute.internal"
CLUSTER_ADMIN = "k8s:demo:cluster-admin"


@pytest.fixture
def demo(store: GraphStore) -> GraphStore:
    """The demo cluster, analysed, with reachability marks."""
    ingest_demo(store)
    analyze(store)
    compute_reach(store)
    return store


def fixed_demo_files(tmp_path: Path) -> Path:
    """The demo cluster with three misconfigurations fixed: the node agent and the preview template are no
    longer privileged, and the storefront's service account lost its exec grant in `monitoring` (RoleBinding
    storefront-debug)."""
    out = tmp_path / "fixed-demo"
    out.mkdir()
    for source in sorted((DEMO_DIR / "k8s").glob("*.yaml")):
        documents = [doc for doc in yaml.safe_load_all(source.read_text()) if doc]
        kept = []
        for doc in documents:
            meta = doc.get("metadata", {})
            if doc.get("kind") == "RoleBinding" and meta.get("name") == "storefront-debug":
                continue
            agent = str(meta.get("name", "")).startswith("node-agent") and doc.get("kind") in ("DaemonSet", "Pod")
            preview = meta.get("namespace") == "preview" and doc.get("kind") == "Deployment"
            if agent or preview:
                spec = doc["spec"] if doc["kind"] == "Pod" else doc["spec"]["template"]["spec"]
                for container in spec.get("containers", []):
                    container.setdefault("securityContext", {})["privileged"] = False
            kept.append(doc)
        (out / source.name).write_text(yaml.safe_dump_all(kept, sort_keys=False))
    return out


def ingest_files(store: GraphStore, directory: Path) -> None:
    result = ingest_k8s_snapshot(store, read_k8s_files([directory], DEMO_CLUSTER))
    assert not result.problems, result.problems


def attack_graph(edges: Iterable[tuple[str, str, str]], labels: dict[str, tuple[str, ...]]) -> AttackGraph:
    """An in-memory attack graph: `labels` gives each node's labels (primary first); uids default to Pod."""
    graph = AttackGraph()
    edges = list(edges)
    uids = {uid for src, _type, dst in edges for uid in (src, dst)} | set(labels)
    for uid in sorted(uids):
        node_labels = labels.get(uid, ("Pod",))
        graph.nodes[uid] = GraphNode(
            uid=uid, labels=frozenset(node_labels), label=node_labels[0], name=uid, namespace=None,
            cluster="t", owned=False, marks=(None,) * len(MARK_PROPERTIES),
        )  # fmt: skip
    for src, edge_type, dst in edges:
        graph.add_edge(src, edge_type, dst)
    return graph
