"""`bridgehead export --format json`: every node and every attack edge, for tools and reviewers.

The schema is documented in docs/export.md; bump EXPORT_FORMAT when it changes incompatibly.
"""

from __future__ import annotations

import time
from typing import Any

from graph import planes
from graph.analysis.catalogue import traversable_edge_types
from graph.schema import ENTITY, NODE_KINDS, primary_label
from graph.store import GraphStore, read_pages

EXPORT_FORMAT = 1


def key_properties() -> tuple[str, ...]:
    """Properties worth carrying (each plane names its own); the rest stays in the graph. `implicit`
    (graph/records.py IMPLICIT_PROPERTIES) tells an implied object, such as a namespace's default service
    account that the snapshot lacked, from one that was read."""
    keys = [key for plane in planes.all_planes() for key in plane.export_properties]
    return tuple(dict.fromkeys([*keys, "high_value_by_analysis", "implicit"]))


def tenant_expression() -> str:
    """The node's tenant, whatever its plane calls it (`cluster` for Kubernetes)."""
    names = dict.fromkeys([*(plane.tenant_property for plane in planes.all_planes()), "tenant"])
    return f"coalesce({', '.join(f'n.{name}' for name in names)})"


def export_nodes_statement() -> str:
    # Only the listed properties are read: properties(n) would drag each object's JSON text through the client.
    return (
        "MATCH (n) WHERE n.uid IS NOT NULL AND NOT n:SyncRun AND NOT n:Finding RETURN n.uid AS uid, "
        "labels(n) AS labels, n.kind AS kind, n.name AS name, n.namespace AS namespace, n.cluster AS cluster, "
        f"{tenant_expression()} AS tenant, [{', '.join(f'n.{key}' for key in key_properties())}] AS props "
        "ORDER BY uid SKIP $skip LIMIT $page"
    )


def export_edges_statement(edge_type: str) -> str:
    # One attack-edge type per read: FalkorDB scans one relation matrix instead of a 36-way alternation.
    return (
        f"MATCH (a)-[e:{edge_type}]->(b) RETURN a.uid AS source, b.uid AS target, e.rule AS rule, "
        "e.technique AS technique, e.reason AS reason ORDER BY source, target SKIP $skip LIMIT $page"
    )


def export_graph(store: GraphStore) -> dict[str, Any]:
    nodes = []
    keys = key_properties()
    for row in read_pages(store, export_nodes_statement()):
        properties = dict(zip(keys, row["props"], strict=True))
        kind = NODE_KINDS.get(primary_label(row["labels"]))
        nodes.append(
            {
                "uid": row["uid"],
                "labels": sorted(label for label in row["labels"] if label != ENTITY),
                "primary_label": primary_label(row["labels"]),
                "plane": kind.plane if kind else None,
                "kind": row["kind"],
                "name": row["name"],
                "namespace": row["namespace"],
                "cluster": row["cluster"],
                "tenant": row["tenant"],
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
    return [("export/nodes", export_nodes_statement()), ("export/edges", export_edges_statement("CE_PRIVILEGED"))]
