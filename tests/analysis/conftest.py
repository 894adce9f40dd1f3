"""Rule tests: tiny clusters written as Kubernetes YAML, turned into facts without a database."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import yaml

from graph.analysis.catalogue import AttackEdge, find_edges
from graph.planes.k8s.facts import ClusterFacts, facts_from_records
from ingest.k8s.transform import transform_objects

CLUSTER = "t"
# Two worker nodes with a container runtime and kubelet version, for the escape and node tests.
TWO_NODES = """
apiVersion: v1
kind: Node
metadata: {name: n1}
status: {nodeInfo: {containerRuntimeVersion: "containerd://1.7.13", kubeletVersion: v1.30.2}}
---
apiVersion: v1
kind: Node
metadata: {name: n2}
status: {nodeInfo: {containerRuntimeVersion: "containerd://1.7.13", kubeletVersion: v1.30.2}}
"""


def facts_for(manifests: str | list[dict[str, Any]], cluster: str = CLUSTER) -> ClusterFacts:
    """Facts for a cluster holding exactly these objects (multi-document YAML or a list of objects)."""
    documents = list(yaml.safe_load_all(manifests)) if isinstance(manifests, str) else manifests
    objects: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for document in documents:
        if document:
            objects[document["kind"]].append(document)
    records = transform_objects(cluster, objects, collected_kinds=set(objects))
    assert not records.problems, records.problems
    return facts_from_records(cluster, records.nodes, records.edges)


def find(edge_type: str, facts: ClusterFacts) -> list[AttackEdge]:
    """What one attack's rule finds in these facts."""
    return find_edges(edge_type, facts)


def pairs(edges: list[AttackEdge]) -> set[tuple[str, str]]:
    return {(edge.src_uid, edge.dst_uid) for edge in edges}
