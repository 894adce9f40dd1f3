"""`bridgehead export --format opengraph`: the graph as BloodHound OpenGraph JSON (generic ingest).

Shape (BloodHound CE/Enterprise OpenGraph schema):
  {"metadata": {"source_kind": "Bridgehead"},
   "graph": {"nodes": [{"id", "kinds": [1..3 strings, primary first], "properties": {...}}],
             "edges": [{"start": {"value", "match_by": "id"}, "end": {...}, "kind", "properties": {...}}]}}
Node ids are Bridgehead uids. Node kinds carry the plane as a prefix (`K8s_Pod`, `K8s_ServiceAccount`,
`Bridgehead_Internet`) so they never collide with BloodHound's built-in kinds (its AD `Container` kind);
the second and third kinds are shared labels (`Bridgehead_HighValue` first). Edge kinds are the attack-edge
types unchanged (`CE_PRIVILEGED`; they already match ^[A-Za-z0-9_]+$ and are not built-in kinds), so the
Cypher in docs/attacks.md reads the same in BloodHound. Only attack edges are exported: they are the ones
pathfinding should follow. Property values are strings, numbers, booleans or homogeneous lists of those;
nulls and JSON-text properties are left out. `highvalue` is true on crown jewels, as BloodHound names it;
`implicit` is true on objects Bridgehead implied rather than read (a namespace's default service account
missing from the snapshot, a node's kubelet user), as in `bridgehead export --format json`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graph import planes
from graph.analysis.catalogue import traversable_edge_types
from graph.analysis.reach import MARK_PROPERTIES
from graph.export import export_edges_statement, key_properties, tenant_expression
from graph.schema import HIGH_VALUE, IDENTITY, NODE_KINDS, SECRET, WORKLOAD, primary_label
from graph.store import GraphStore, read_pages

SOURCE_KIND = "Bridgehead"
MAX_KINDS = 3
# Shared labels that become OpenGraph kinds, in the order they are kept when kinds run out (not Entity: every node has it)
KIND_LABELS = (HIGH_VALUE, IDENTITY, SECRET, WORKLOAD)
KIND_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
PAGE_SIZE = 20_000
USER_MARKS = ("owned", "user_high_value")


def exported_properties() -> tuple[str, ...]:
    """Only the properties worth carrying (name, tenant, the export's key facts, the marks): reading
    properties(n) for every node drags each object's JSON text through the client, several times slower."""
    return ("name", "namespace", "cluster", "tenant", "kind", *key_properties(), *MARK_PROPERTIES, *USER_MARKS)


def opengraph_nodes_statement() -> str:
    columns = [f"{tenant_expression()}" if key == "tenant" else f"n.{key}" for key in exported_properties()]
    return (
        "MATCH (n) WHERE n.uid IS NOT NULL AND NOT n:SyncRun AND NOT n:Finding RETURN n.uid AS uid, "
        f"labels(n) AS labels, [{', '.join(columns)}] AS props ORDER BY uid SKIP $skip LIMIT $page"
    )


def node_kinds(labels: list[str]) -> list[str]:
    primary = primary_label(labels)
    kind = NODE_KINDS.get(primary)
    plane = planes.PLANES.get(kind.plane) if kind else None
    prefix = plane.opengraph_prefix if plane else SOURCE_KIND
    kinds = [f"{prefix}_{primary}"]
    kinds += [f"Bridgehead_{label}" for label in KIND_LABELS if label in labels]
    return [name for name in kinds if KIND_PATTERN.match(name)][:MAX_KINDS]


def _property(value: Any) -> Any:
    """A value OpenGraph accepts (primitive or homogeneous list of primitives), or None to leave it out."""
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(item, str) for item in value):
        return list(value)
    if isinstance(value, list | tuple) and value and all(isinstance(item, bool | int | float) for item in value):
        return list(value) if len({type(item) for item in value}) == 1 else None
    return None


def node_properties(uid: str, labels: list[str], values: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"objectid": uid, "highvalue": HIGH_VALUE in labels}
    for key, value in zip(exported_properties(), values, strict=True):
        value = _property(value)
        if value is not None:
            out[key] = value
    out["displayname"] = str(out.get("name") or uid)
    return out


def _paged(store: GraphStore, statement: str) -> Iterator[dict[str, Any]]:
    return read_pages(store, statement, PAGE_SIZE)


def export_opengraph(store: GraphStore) -> dict[str, Any]:
    nodes = [
        {
            "id": row["uid"],
            "kinds": node_kinds(list(row["labels"])),
            "properties": node_properties(row["uid"], list(row["labels"]), list(row["props"])),
        }
        for row in _paged(store, opengraph_nodes_statement())
    ]
    edges = []
    for edge_type in traversable_edge_types():
        for row in _paged(store, export_edges_statement(edge_type)):
            properties = {key: row[key] for key in ("rule", "technique", "reason") if isinstance(row.get(key), str)}
            edges.append(
                {
                    "start": {"value": row["source"], "match_by": "id"},
                    "end": {"value": row["target"], "match_by": "id"},
                    "kind": edge_type,
                    "properties": properties,
                }
            )
    return {"metadata": {"source_kind": SOURCE_KIND}, "graph": {"nodes": nodes, "edges": edges}}


def generated_statements() -> list[tuple[str, str]]:
    return [("opengraph/nodes", opengraph_nodes_statement())]
