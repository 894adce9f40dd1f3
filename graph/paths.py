"""Naming objects the way a user would, and bounded shortest attack paths between two of them.

A REF is `internet`, `cluster-admin[:CLUSTER]`, `KIND:NAME` for cluster-scoped kinds (`node:ip-10-0-1-17`)
or `KIND:NAMESPACE/NAME` (`pod:shop/web-1`, `sa:ci/deployer`, `secret:kube-system/ops-admin-token`),
optionally with the cluster first (`pod:prod/shop/web-1`), or a raw uid (`k8s:prod:pod:shop/web-1`).
Path search is per pair, with a hop limit and a timeout (DESIGN.md, "Scale").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from graph.analysis.catalogue import INTERNET_UID, traversable_edge_types
from graph.schema import ENTITY, NODE_KINDS
from graph.store import GraphStore

DEFAULT_MAX_HOPS = 8
MAX_HOPS_LIMIT = 15
PATH_TIMEOUT_MS = 10_000

REF_KINDS: dict[str, str] = {
    "pod": "Pod",
    "container": "Container",
    "node": "Node",
    "sa": "ServiceAccount",
    "serviceaccount": "ServiceAccount",
    "secret": "KubeSecret",
    "configmap": "ConfigMap",
    "service": "Service",
    "svc": "Service",
    "ingress": "Ingress",
    "user": "KubeUser",
    "group": "KubeGroup",
    "namespace": "Namespace",
    "ns": "Namespace",
    "deployment": "Deployment",
    "daemonset": "DaemonSet",
    "statefulset": "StatefulSet",
    "replicaset": "ReplicaSet",
    "job": "Job",
    "cronjob": "CronJob",
    "role": "Role",
    "clusterrole": "ClusterRole",
}
CLUSTER_SCOPED = {"Node", "KubeUser", "KubeGroup", "Namespace", "ClusterRole"}


class RefError(ValueError):
    """A REF that names nothing, or more than one thing."""


@dataclass(frozen=True)
class Target:
    label: str
    uid: str


@dataclass(frozen=True)
class AttackPath:
    uids: list[str]
    labels: list[str]
    names: list[str]
    edge_types: list[str]
    reasons: list[str]

    @property
    def hops(self) -> int:
        return len(self.edge_types)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hops": self.hops,
            "nodes": [
                {"uid": uid, "label": label, "name": name}
                for uid, label, name in zip(self.uids, self.labels, self.names, strict=True)
            ],
            "edges": [
                {"type": edge_type, "reason": reason}
                for edge_type, reason in zip(self.edge_types, self.reasons, strict=True)
            ],
        }


FIND_BY_UID = f"MATCH (n:{ENTITY}) WHERE n.uid = $uid RETURN labels(n) AS labels LIMIT 2"
FIND_CLUSTER_ADMIN = (
    "MATCH (n:ClusterAdmin) WHERE $cluster IS NULL OR n.cluster = $cluster RETURN n.uid AS uid, n.cluster AS cluster "
    "LIMIT 20"
)


def _find_statement(label: str, namespaced: bool) -> str:
    where = "n.name = $name" + (" AND n.namespace = $namespace" if namespaced else "")
    where += " AND ($cluster IS NULL OR n.cluster = $cluster)"
    return f"MATCH (n:{label}) WHERE {where} RETURN n.uid AS uid, n.cluster AS cluster LIMIT 20"


def resolve_ref(store: GraphStore, ref: str) -> Target:
    ref = ref.strip()
    if ref.lower() == "internet":
        return Target("Internet", INTERNET_UID)
    kind_word, sep, rest = ref.partition(":")
    kind_word = kind_word.lower()
    if kind_word == "cluster-admin":
        return _single(store, "ClusterAdmin", "cluster-admin", None, rest or None, ref)
    if kind_word == "k8s" and sep:  # a raw uid
        rows = store.read(FIND_BY_UID, {"uid": ref})
        if not rows:
            raise RefError(f"no object with uid {ref!r}")
        return Target(primary_label(rows[0]["labels"]), ref)
    if not sep or kind_word not in REF_KINDS:
        kinds = ", ".join(sorted(REF_KINDS))
        raise RefError(f"cannot read {ref!r}: use internet, cluster-admin, KIND:NAMESPACE/NAME or KIND:NAME ({kinds})")
    label = REF_KINDS[kind_word]
    parts = rest.split("/")
    namespaced = label not in CLUSTER_SCOPED
    expected = 2 if namespaced else 1
    if len(parts) == expected + 1:
        cluster, parts = parts[0], parts[1:]
    elif len(parts) == expected:
        cluster = None
    else:
        shape = "NAMESPACE/NAME" if namespaced else "NAME"
        raise RefError(f"cannot read {ref!r}: {kind_word} takes {kind_word}:{shape} or {kind_word}:CLUSTER/{shape}")
    namespace, name = (parts[0], parts[1]) if namespaced else (None, parts[0])
    return _single(store, label, name, namespace, cluster, ref)


def _single(store: GraphStore, label: str, name: str, namespace: str | None, cluster: str | None, ref: str) -> Target:
    if label == "ClusterAdmin":
        rows = store.read(FIND_CLUSTER_ADMIN, {"cluster": cluster})
    else:
        params = {"name": name, "namespace": namespace, "cluster": cluster}
        rows = store.read(_find_statement(label, namespace is not None), params)
    if not rows:
        hint = " (has the analysis run? `bridgehead analyze`)" if label == "ClusterAdmin" else ""
        raise RefError(f"{ref!r} matches nothing in the graph{hint}")
    if len(rows) > 1:
        clusters = ", ".join(sorted(str(row["cluster"]) for row in rows))
        raise RefError(f"{ref!r} matches objects in several clusters ({clusters}); put the cluster first")
    return Target(label, rows[0]["uid"])


def primary_label(labels: list[str]) -> str:
    """Neo4j does not keep label order: the primary label is the one that is a node kind."""
    return next((label for label in labels if label in NODE_KINDS), labels[0] if labels else "")


def path_statement(src_label: str, dst_label: str, max_hops: int, edge_types: tuple[str, ...]) -> str:
    """All shortest attack paths between two nodes (CYPHER.md: the only shortest-path form both run)."""
    if not 1 <= max_hops <= MAX_HOPS_LIMIT:
        raise ValueError(f"max hops must be between 1 and {MAX_HOPS_LIMIT}, got {max_hops}")
    if not edge_types:
        raise ValueError("no attack edge types to follow")
    types = "|".join(edge_types)
    return (
        f"MATCH (a:{src_label} {{uid: $src}}) MATCH (b:{dst_label} {{uid: $dst}}) "
        f"WITH a, b MATCH p = allShortestPaths((a)-[:{types}*1..{max_hops}]->(b)) "
        "RETURN [n IN nodes(p) | n.uid] AS uids, [n IN nodes(p) | labels(n)] AS labels, "
        "[n IN nodes(p) | n.name] AS names, [r IN relationships(p) | type(r)] AS types, "
        "[r IN relationships(p) | r.reason] AS reasons LIMIT $limit"
    )


def shortest_paths(
    store: GraphStore,
    src: Target,
    dst: Target,
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    limit: int = 10,
    edge_types: tuple[str, ...] | None = None,
    timeout_ms: int = PATH_TIMEOUT_MS,
) -> list[AttackPath]:
    statement = path_statement(src.label, dst.label, max_hops, edge_types or traversable_edge_types())
    rows = store.read(statement, {"src": src.uid, "dst": dst.uid, "limit": limit}, timeout_ms=timeout_ms)
    paths = [
        AttackPath(
            row["uids"],
            [primary_label(labels) for labels in row["labels"]],
            [str(n or "") for n in row["names"]],
            row["types"],
            [r or "" for r in row["reasons"]],
        )
        for row in rows
    ]
    return sorted(paths, key=lambda path: path.uids)


def paths_via(
    store: GraphStore, waypoints: list[Target], *, max_hops: int = DEFAULT_MAX_HOPS, limit: int = 10
) -> list[AttackPath]:
    """Shortest paths through every waypoint in order: the shortest segments joined (each segment bounded)."""
    if len(waypoints) < 2:
        raise ValueError("a path needs a start and an end")
    joined: list[AttackPath] = [AttackPath([waypoints[0].uid], [waypoints[0].label], [""], [], [])]
    for src, dst in itertools.pairwise(waypoints):
        segments = shortest_paths(store, src, dst, max_hops=max_hops, limit=limit)
        if not segments:
            return []
        joined = [
            AttackPath(
                head.uids + seg.uids[1:],
                head.labels + seg.labels[1:],
                head.names[:-1] + seg.names,
                head.edge_types + seg.edge_types,
                head.reasons + seg.reasons,
            )
            for head in joined
            for seg in segments
        ][:limit]
    return joined


def generated_statements() -> list[tuple[str, str]]:
    statements = [("paths/find-by-uid", FIND_BY_UID), ("paths/find-cluster-admin", FIND_CLUSTER_ADMIN)]
    statements += [
        (f"paths/find/{label}", _find_statement(label, label not in CLUSTER_SCOPED)) for label in REF_KINDS.values()
    ]
    statements.append(("paths/shortest", path_statement("Pod", "KubeSecret", DEFAULT_MAX_HOPS, ("CE_X", "CAN_Y"))))
    return statements
