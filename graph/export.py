"""`bridgehead export --format json`: every node and every attack edge, for tools and reviewers.

The schema is documented in docs/export.md; bump EXPORT_FORMAT when it changes incompatibly.
"""

from __future__ import annotations

import time
from typing import Any

from graph.analysis.catalogue import traversable_edge_types
from graph.paths import primary_label
from graph.store import GraphStore

EXPORT_FORMAT = 1

# Properties worth carrying for every kind; the rest stays in the graph.
KEY_PROPERTIES = (
    "privileged", "host_pid", "host_network", "host_ipc", "image", "container_type", "service_account",
    "token_mounted", "node_name", "type", "pss_enforce", "external_ips", "provider_id", "irsa_role_arn",
    "gcp_service_account", "lb_internal", "high_value_by_analysis",
)  # fmt: skip

EXPORT_NODES = (
    "MATCH (n) WHERE NOT n:SyncRun RETURN n.uid AS uid, labels(n) AS labels, n.kind AS kind, n.name AS name, "
    "n.namespace AS namespace, n.cluster AS cluster, properties(n) AS props ORDER BY uid SKIP $skip LIMIT $page"
)


def export_edges_statement(edge_types: tuple[str, ...]) -> str:
    return (
        f"MATCH (a)-[e:{'|'.join(edge_types)}]->(b) RETURN type(e) AS type, a.uid AS source, b.uid AS target, "
        "e.rule AS rule, e.technique AS technique, e.reason AS reason ORDER BY type, source, target "
        "SKIP $skip LIMIT $page"
    )


def _paged(store: GraphStore, statement: str, page: int = 20_000) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    while True:
        batch = store.read(statement, {"skip": len(rows), "page": page})
        rows.extend(batch)
        if len(batch) < page:
            return rows


def export_graph(store: GraphStore) -> dict[str, Any]:
    nodes = []
    for row in _paged(store, EXPORT_NODES):
        props = row["props"]
        nodes.append(
            {
                "uid": row["uid"],
                "labels": sorted(row["labels"]),
                "primary_label": primary_label(row["labels"]),
                "kind": row["kind"],
                "name": row["name"],
                "namespace": row["namespace"],
                "cluster": row["cluster"],
                "properties": {key: props[key] for key in KEY_PROPERTIES if props.get(key) is not None},
            }
        )
    edges = _paged(store, export_edges_statement(traversable_edge_types()))
    return {"format": EXPORT_FORMAT, "exported_at": int(time.time() * 1000), "nodes": nodes, "attack_edges": edges}


def generated_statements() -> list[tuple[str, str]]:
    return [("export/nodes", EXPORT_NODES), ("export/edges", export_edges_statement(("CE_PRIVILEGED", "CAN_EXEC")))]
