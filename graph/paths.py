"""Naming objects the way a user would, and bounded shortest attack paths between two of them.

A REF is an anchor's word (`internet`, `cluster-admin[:CLUSTER]`), `KIND:NAME` for kinds scoped by their
tenant (`node:ip-10-0-1-17`) or `KIND:NAMESPACE/NAME` (`pod:shop/web-1`, `sa:ci/deployer`,
`secret:kube-system/ops-admin-token`), optionally with the tenant first (`pod:prod/shop/web-1`), or a raw
uid of any plane (`k8s:prod:pod:shop/web-1`, an ARN). The words and scoping come from the node kinds
(graph/schema.py `NodeKind.ref_words`, `scoping`), so a new plane's kinds are nameable without edits here.
Path search is per pair, with a hop limit and a timeout (DESIGN.md, "Scale").
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from graph import planes
from graph.analysis.catalogue import traversable_edge_types
from graph.schema import ENTITY, NODE_KINDS, NodeKind, primary_label, ref_kinds
from graph.store import GraphStore

DEFAULT_MAX_HOPS = 8
MAX_HOPS_LIMIT = 15
PATH_TIMEOUT_MS = 10_000


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


def tenant_property(kind: NodeKind) -> str:
    """The property naming a kind's tenant (`cluster` for Kubernetes); `tenant` for Bridgehead's own kinds."""
    return planes.PLANES[kind.plane].tenant_property if kind.plane in planes.PLANES else "tenant"


def find_statement(kind: NodeKind, with_name: bool) -> str:
    tenant = tenant_property(kind)
    where = ["n.name = $name"] if with_name else []
    if with_name and kind.scoping == "namespaced":
        where.append("n.namespace = $namespace")
    where.append(f"($tenant IS NULL OR n.{tenant} = $tenant)")
    return f"MATCH (n:{kind.label}) WHERE {' AND '.join(where)} RETURN n.uid AS uid, n.{tenant} AS tenant LIMIT 20"


def _ref_help() -> str:
    words = ", ".join(sorted(word for word, kind in ref_kinds().items() if not kind.anchor))
    anchors = ", ".join(sorted(kind.ref_word for kind in NODE_KINDS.values() if kind.anchor))
    return f"use {anchors}, KIND:NAMESPACE/NAME, KIND:NAME ({words}) or a raw uid"


def resolve_ref(store: GraphStore, ref: str) -> Target:
    """The object a REF names (module docstring); a REF that names nothing or several things is a RefError."""
    ref = ref.strip()
    kind_word, sep, rest = ref.partition(":")
    kind = ref_kinds().get(kind_word.lower())
    if kind is not None and kind.anchor:
        return _single(store, kind, None, None, rest or None, ref)
    if kind is not None and sep:
        return _named(store, kind, rest, ref)
    rows = store.read(FIND_BY_UID, {"uid": ref})  # a raw uid (k8s:..., an ARN, ...)
    if rows:
        return Target(primary_label(rows[0]["labels"]), ref)
    if planes.parse_uid(ref):
        raise RefError(f"no object with uid {ref!r}")
    raise RefError(f"cannot read {ref!r}: {_ref_help()}")


def _named(store: GraphStore, kind: NodeKind, rest: str, ref: str) -> Target:
    parts = rest.split("/")
    expected = {"namespaced": 2, "tenant": 1, "global": 1}[kind.scoping]
    tenant: str | None = None
    if len(parts) == expected + 1 and kind.scoping != "global":
        tenant, parts = parts[0], parts[1:]
    elif len(parts) != expected:
        word, prefix = kind.ref_word, tenant_property(kind).upper()
        shape = "NAMESPACE/NAME" if kind.scoping == "namespaced" else "NAME"
        also = f" or {word}:{prefix}/{shape}" if kind.scoping != "global" else ""
        raise RefError(f"cannot read {ref!r}: {word} takes {word}:{shape}{also}")
    namespace, name = (parts[0], parts[1]) if kind.scoping == "namespaced" else (None, parts[0])
    return _single(store, kind, name, namespace, tenant, ref)


def _single(
    store: GraphStore, kind: NodeKind, name: str | None, namespace: str | None, tenant: str | None, ref: str
) -> Target:
    params = {"name": name, "namespace": namespace, "tenant": tenant}
    rows = store.read(find_statement(kind, name is not None), params)
    if not rows:
        hint = " (has the analysis run? `bridgehead analyze`)" if kind.anchor else ""
        raise RefError(f"{ref!r} matches nothing in the graph{hint}")
    if len(rows) > 1:
        tenants = ", ".join(sorted(str(row["tenant"]) for row in rows))
        noun = tenant_property(kind)
        raise RefError(f"{ref!r} matches objects in several {noun}s ({tenants}); put the {noun} first")
    return Target(kind.label, rows[0]["uid"])


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
    statements = [("paths/find-by-uid", FIND_BY_UID)]
    for kind in NODE_KINDS.values():
        if kind.ref_words:
            statements.append((f"paths/find/{kind.label}", find_statement(kind, not kind.anchor)))
    statements.append(("paths/shortest", path_statement("Pod", "KubeSecret", DEFAULT_MAX_HOPS, ("CE_X", "CAN_Y"))))
    return statements
