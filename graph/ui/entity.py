"""The entity panel: a node's properties and attack edges in and out, its neighbours drawn around it, and
the catalogue's help for an edge (BloodHound's entity and edge panels)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from graph.analysis.catalogue import load_catalogue, traversable_edge_types
from graph.records import IMPLICIT_PROPERTIES
from graph.schema import NODE_KINDS, STRUCTURAL_EDGES, node_kind
from graph.store import GraphStore
from graph.ui.common import NodeRef, node_ref_from_row
from graph.ui.layout import NODE_CAP, GraphView, Step, graph_view
from graph.ui.search import label_of

NEIGHBOUR_LIMIT = 200


IMPLICIT_NOTE = "implied, not read"  # what the panel says of an object Bridgehead implied (graph/records.py)


@dataclass(frozen=True)
class EdgeRow:
    type: str
    other: NodeRef
    reason: str
    other_implicit: bool = False  # the node at the other end was implied, not read


@dataclass
class Entity:
    node: NodeRef
    labels: list[str]
    properties: dict[str, Any]
    outgoing: list[EdgeRow]
    incoming: list[EdgeRow]

    def property_rows(self) -> list[dict[str, str]]:
        rows = [{"property": "labels", "value": ", ".join(sorted(self.labels))}]
        if self.implicit:
            # First, so that nobody reads an implied object's missing properties as facts about a real one.
            reason = self.properties.get("implicit_reason")
            rows.append({"property": "implicit", "value": f"{IMPLICIT_NOTE}: {reason}" if reason else IMPLICIT_NOTE})
        for key in sorted(self.properties):
            if key in IMPLICIT_PROPERTIES:
                continue
            value = self.properties[key]
            if key.endswith("_json") and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = json.dumps(json.loads(value), sort_keys=True)
            elif isinstance(value, list | dict):
                value = json.dumps(value, sort_keys=True)
            rows.append({"property": key, "value": "" if value is None else str(value)})
        return rows

    def edge_rows(self, direction: str) -> list[dict[str, str]]:
        edges = self.outgoing if direction == "out" else self.incoming
        other = "to" if direction == "out" else "from"
        return [
            {
                "type": edge.type,
                other: f"{edge.other.display} (implicit)" if edge.other_implicit else edge.other.display,
                "kind": edge.other.label,
                "reason": edge.reason,
            }
            for edge in edges
        ]

    def neighbours(self) -> list[NodeRef]:
        seen: dict[str, NodeRef] = {}
        for edge in [*self.outgoing, *self.incoming]:
            seen.setdefault(edge.other.uid, edge.other)
        return list(seen.values())

    @property
    def owned(self) -> bool:
        return bool(self.properties.get("owned"))

    @property
    def high_value(self) -> bool:
        return "HighValue" in self.labels

    @property
    def implicit(self) -> bool:
        """Bridgehead implied this object (a namespace's default service account the snapshot lacked, a
        node's kubelet user): it exists in the cluster, but its properties were not read."""
        return self.properties.get("implicit") is True

    def flags(self) -> list[str]:
        """What the panel says about the node besides its kind: high value, owned, implicit."""
        return [text for flag, text in ((self.high_value, "high value"), (self.owned, "owned"),
                                        (self.implicit, "implicit")) if flag]  # fmt: skip

    def implicit_uids(self) -> set[str]:
        """The implied nodes among this one and its neighbours (drawn as such)."""
        found = {edge.other.uid for edge in [*self.outgoing, *self.incoming] if edge.other_implicit}
        return found | {self.node.uid} if self.implicit else found


def entity_statement(label: str) -> str:
    return f"MATCH (n:{node_kind(label).label} {{uid: $uid}}) RETURN labels(n) AS labels, properties(n) AS props"


def neighbour_statement(label: str, direction: str, edge_types: tuple[str, ...]) -> str:
    pattern = "(n)-[r:{types}]->(m)" if direction == "out" else "(m)-[r:{types}]->(n)"
    pattern = pattern.format(types="|".join(edge_types))
    return (
        f"MATCH (n:{node_kind(label).label} {{uid: $uid}}) MATCH {pattern} "
        "RETURN type(r) AS type, m.uid AS uid, labels(m) AS labels, m.name AS name, m.namespace AS namespace, "
        "m.cluster AS cluster, m.implicit AS implicit, r.reason AS reason ORDER BY type, uid LIMIT $limit"
    )


def entity(store: GraphStore, uid: str, label: str | None = None) -> Entity | None:
    """A node's properties and its attack edges in and out (at most NEIGHBOUR_LIMIT each)."""
    label = label if label in NODE_KINDS else label_of(store, uid)
    if label is None:
        return None
    rows = store.read(entity_statement(label), {"uid": uid})
    if not rows:
        return None
    props = dict(rows[0]["props"])
    node = NodeRef(uid, label, str(props.get("name") or ""), props.get("namespace"), props.get("cluster"))
    types = traversable_edge_types()
    edges = {}
    for direction in ("out", "in"):
        found = store.read(neighbour_statement(label, direction, types), {"uid": uid, "limit": NEIGHBOUR_LIMIT})
        edges[direction] = [
            EdgeRow(row["type"], node_ref_from_row(row), str(row["reason"] or ""), row.get("implicit") is True)
            for row in found
        ]
    return Entity(node, list(rows[0]["labels"]), props, edges["out"], edges["in"])


def entity_view(found: Entity, cap: int = NODE_CAP) -> GraphView:
    """The node with its attack neighbours: sources left, the node in the middle, targets right."""
    nodes = {found.node.uid: found.node}
    steps = []
    ranks = {found.node.uid: 1}
    for edge in found.incoming:
        nodes.setdefault(edge.other.uid, edge.other)
        ranks.setdefault(edge.other.uid, 0)
        steps.append(Step(edge.other.uid, edge.type, found.node.uid, edge.reason))
    for edge in found.outgoing:
        nodes.setdefault(edge.other.uid, edge.other)
        ranks.setdefault(edge.other.uid, 2)
        steps.append(Step(found.node.uid, edge.type, edge.other.uid, edge.reason))
    return graph_view(steps=steps, nodes=nodes, ranks=ranks, cap=cap, implicit=found.implicit_uids())


@dataclass(frozen=True)
class EdgeHelp:
    type: str
    title: str
    attack: bool
    rules: tuple[str, ...] = ()  # the ids of the rules that derive it (an attack edge may have several)
    mitre: str = ""
    meaning: str = ""
    abuse: str = ""
    opsec: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()


def edge_help(edge_type: str) -> EdgeHelp | None:
    """The catalogue's text for one edge type (the same text as `bridgehead attacks show`)."""
    attack = load_catalogue().get(edge_type)
    if attack is not None:
        return EdgeHelp(
            edge_type, attack.title, True, attack.rule_ids, attack.mitre, attack.meaning, attack.abuse, attack.opsec,
            attack.remediation, attack.references,
        )  # fmt: skip
    structural = STRUCTURAL_EDGES.get(edge_type)
    if structural is not None:
        return EdgeHelp(edge_type, structural.description, False, meaning=structural.description)
    return None


def mitre_url(technique: str) -> str:
    return "https://attack.mitre.org/techniques/" + technique.replace(".", "/") + "/"


def generated_statements() -> list[tuple[str, str]]:
    return [
        ("ui/entity", entity_statement("Pod")),
        ("ui/neighbours-out", neighbour_statement("Pod", "out", ("CE_X", "CAN_Y"))),
        ("ui/neighbours-in", neighbour_statement("Pod", "in", ("CE_X", "CAN_Y"))),
    ]
