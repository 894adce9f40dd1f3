"""`bridgehead export --format json`: every node and every attack edge, for tools and reviewers.

The schema is documented in docs/export.md; bump EXPORT_FORMAT when it changes incompatibly.
"""

from __future__ import annotations

import time
from typing import Any

from graph.analysis.catalogue import traversable_edge_types
from graph.schema import ENTITY, primary_label
from graph.store import GraphStore, read_pages

EXPORT_FORMAT = 1

# Properties worth carrying for every kind; the rest stays in the graph.
KEY_PROPERTIES = (
    "privileged", "host_pid", "host_network", "host_ipc", "image", "container_type", "service_account",
    "token_mounted", "node_name", "type", "pss_enforce", "external_ips", "provider_id", "irsa_role_arn",
    "gcp_service_account", "lb_internal", "high_value_by_analysis",
)  # fmt: skip

# Only the listed properties are read: properties(n) would drag each object's JSON text through the client.
EXPORT_NODES = (
    "MATCH (n) WHERE n.uid IS NOT NULL AND NOT n:SyncRun AND NOT n:Finding RETURN n.uid AS uid, "
    "labels(n) AS labels, n.kind AS kind, n.name AS name, n.namespace AS namespace, n.cluster AS cluster, "
    f"[{', '.join(f'n.{key}' for key in KEY_PROPERTIES)}] AS props ORDER BY uid SKIP $skip LIMIT $page"
)


def export_edges_statement(edge_type: str) -> str:
    # One attack-edge type per read: FalkorDB scans one relation matrix instead of a 36-way alternation.
    return (
        f"MATCH (a)-[e:{edge_type}]->(b) RETURN a.uid AS source, b.uid AS target, e.rule AS rule, "
        "e.technique AS technique, e.reason AS reason ORDER BY source, target SKIP $skip LIMIT $page"
    )


def export_graph(store: GraphStore) -> dict[str, Any]:
    nodes = []
    for row in read_pages(store, EXPORT_NODES):
        properties = dict(zip(KEY_PROPERTIES, row["props"], strict=True))
        nodes.append(
            {
                "uid": row["uid"],
                "labels": sorted(label for label in row["labels"] if label != ENTITY),
                "primary_label": primary_label(row["labels"]),
                "kind": row["kind"],
                "name": row["name"],
                "namespace": row["namespace"],
                "cluster": row["cluster"],
                "properties": {key: value for key, value in properties.items() if value is not None},
            }
        )
    edges = [
        {"type": edge_type, **row}
        for edge_type in sorted(traversable_edge_types())
        for row in read_pages(store, export_edges_statement(edge_type))
    ]
    return {"format": EXPORT_FORMAT, "exported_at": int(time.time() * 1000), "nodes": nodes, "attack_edges": edges}


def generated_statements() -> list[tuple[str, str]]:
    return [("export/nodes", EXPORT_NODES), ("export/edges", export_edges_statement("CE_PRIVILEGED"))]
