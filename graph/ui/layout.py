"""What the graph component draws: elements with a preset left-to-right layout, and their colours.

Every view (paths, entity neighbours, query results, findings, the joint review) goes through `graph_view`,
so a drawn graph always reads entry → … → crown jewel and attacker-controlled names arrive `inert`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.analysis.catalogue import ATTACKS, INTERNET_UID
from graph.paths import AttackPath
from graph.planes import parse_uid
from graph.schema import DEFAULT_COLOR, NODE_KINDS, ref_kinds
from graph.ui.common import NodeRef, inert, short_uid

NODE_CAP = 300  # more than this and the graph is not drawn: the page shows a table instead
IMPLICIT_SUFFIX = " (implicit)"  # after the drawn name of an object Bridgehead implied (graph/records.py)

# Kinds the UI draws that are not node kinds of the graph (the joint review's cloud identities).
UI_KIND_COLORS = {"CloudIdentity": "#db2777"}


def kind_color(label: str) -> str:
    """A kind's colour from the vocabulary (graph/schema.py NodeKind.color)."""
    kind = NODE_KINDS.get(label)
    return kind.color if kind else UI_KIND_COLORS.get(label, DEFAULT_COLOR)


X_GAP = 100  # horizontal distance between ranks (hops) in the drawn path
Y_GAP = 55


def edge_id(src: str, edge_type: str, dst: str) -> str:
    return f"{src} -[{edge_type}]-> {dst}"


@dataclass
class GraphView:
    """What the graph component gets: cytoscape elements with preset left-to-right positions.

    Element ids are opaque (`n0`, `e0`): the component shows them, and uids may carry attacker-controlled
    names. The uid of a node is `_uid`, the key of an edge (`edge_id`) `_key`; the component hides
    attributes that start with `_`.
    """

    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    node_count: int = 0
    too_big: bool = False  # more than the cap: draw a table instead

    @property
    def elements(self) -> dict[str, list[dict[str, Any]]]:
        return {"nodes": self.nodes, "edges": self.edges}

    def labels(self) -> list[str]:
        return sorted({node["data"]["label"] for node in self.nodes})

    def edge_types(self) -> list[str]:
        return sorted({edge["data"]["label"] for edge in self.edges})

    def uids(self) -> list[str]:
        return [node["data"]["_uid"] for node in self.nodes]

    def fingerprint(self) -> str:
        """Changes whenever the drawn nodes or edges change."""
        keys = self.uids() + [edge["data"]["_key"] for edge in self.edges]
        return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]

    def node(self, uid: str) -> dict[str, Any] | None:
        return next((node["data"] for node in self.nodes if node["data"]["_uid"] == uid), None)

    def edge(self, key: str) -> dict[str, Any] | None:
        return next((edge["data"] for edge in self.edges if edge["data"]["_key"] == key), None)

    def element(self, element_id: str) -> tuple[str, str] | None:
        """What a click on element `element_id` is about: ("node", uid) or ("edge", edge key)."""
        for node in self.nodes:
            if node["data"]["id"] == element_id:
                return "node", node["data"]["_uid"]
        for edge in self.edges:
            if edge["data"]["id"] == element_id:
                return "edge", edge["data"]["_key"]
        return None

    def element_id(self, uid_or_key: str) -> str | None:
        """The component's id of a node (by uid) or an edge (by key)."""
        data = self.node(uid_or_key) or self.edge(uid_or_key)
        return data["id"] if data else None


_STYLE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _style_key(text: str, fallback: str) -> str:
    """Labels and edge types become style selectors (`node[label='Pod']`): only plain words get through."""
    return text if _STYLE_KEY.match(text) else fallback


@dataclass(frozen=True)
class Step:
    src: str
    edge_type: str
    dst: str
    reason: str = ""


def graph_view(
    chains: Iterable[tuple[Sequence[str], Sequence[str], Sequence[str]]] = (),
    *,
    steps: Iterable[Step] = (),
    nodes: Mapping[str, NodeRef] | None = None,
    ranks: Mapping[str, int] | None = None,
    cap: int = NODE_CAP,
    x_gap: int = X_GAP,
    implicit: Collection[str] = (),
) -> GraphView:
    """Elements for the graph component from node chains `(uids, edge types, reasons)` and loose steps.

    Each node's rank (its column, left to right) is the longest run of edges leading to it, so every edge
    points right and every path reads entry → … → crown jewel (for the shortest paths between two nodes
    that is simply the hop index); `ranks` overrides it (e.g. cluster identities left, cloud identities
    right). Nodes of one rank are stacked in order of first appearance. Nodes whose uid is in `implicit`
    (objects Bridgehead implied rather than read) say so: `(implicit)` after their name, and an `implicit`
    attribute the info panel shows and a style can select (`node[implicit]`).
    """
    nodes = nodes or {}
    order: list[str] = []
    first_hop: dict[str, int] = {}
    edges: dict[str, Step] = {}

    def visit(uid: str, hop: int) -> None:
        if uid not in first_hop:
            order.append(uid)
            first_hop[uid] = hop
        else:
            first_hop[uid] = min(first_hop[uid], hop)

    for uids, edge_types, reasons in chains:
        for hop, uid in enumerate(uids):
            visit(uid, hop)
        for i, edge_type in enumerate(edge_types):
            reason = reasons[i] if i < len(reasons) else ""
            edges.setdefault(edge_id(uids[i], edge_type, uids[i + 1]), Step(uids[i], edge_type, uids[i + 1], reason))
    for step in steps:
        visit(step.src, 0)
        visit(step.dst, 1)
        edges.setdefault(edge_id(step.src, step.edge_type, step.dst), step)
    rank = _layers(order, list(edges.values())) or first_hop
    if ranks:
        rank.update({uid: value for uid, value in ranks.items() if uid in rank})
    if len(order) > cap:
        return GraphView(node_count=len(order), too_big=True)

    columns: dict[int, list[str]] = {}
    for uid in order:
        columns.setdefault(rank[uid], []).append(uid)
    view = GraphView(node_count=len(order))
    element_ids: dict[str, str] = {}
    for column, members in sorted(columns.items()):
        for row, uid in enumerate(members):
            ref = nodes.get(uid) or NodeRef(uid, _label_from_uid(uid))
            element_ids[uid] = f"n{len(element_ids)}"
            data: dict[str, Any] = {
                "id": element_ids[uid],
                "label": _style_key(ref.label, "Unknown"),  # the component styles nodes by this key
                "name": inert(ref.name or short_uid(uid)),
                "ref": inert(short_uid(uid)),
                "_uid": uid,
                "_rank": column,
            }
            if uid in implicit:
                data["name"] += IMPLICIT_SUFFIX
                data["implicit"] = "implied, not read"
            view.nodes.append(
                {"data": data, "position": {"x": column * x_gap, "y": round((row - (len(members) - 1) / 2) * Y_GAP)}}
            )
    for index, (key, step) in enumerate(edges.items()):
        attack = ATTACKS.get(step.edge_type)
        view.edges.append(
            {
                "data": {
                    "id": f"e{index}",
                    "source": element_ids[step.src],
                    "target": element_ids[step.dst],
                    "label": _style_key(step.edge_type, "EDGE"),
                    "mitre": attack.mitre if attack else "",
                    "reason": inert(step.reason),
                    "_key": key,
                    "_type": step.edge_type,
                    "_source": step.src,
                    "_target": step.dst,
                    "_reason": step.reason,
                }
            }
        )
    return view


def _layers(order: list[str], edges: list[Step]) -> dict[str, int] | None:
    """Longest-path layering; None when the edges form a cycle (then the first hop index is used)."""
    rank = dict.fromkeys(order, 0)
    for _ in range(len(order) + 1):
        changed = False
        for step in edges:
            if rank[step.dst] < rank[step.src] + 1:
                rank[step.dst] = rank[step.src] + 1
                changed = True
        if not changed:
            return rank
    return None


def _label_from_uid(uid: str) -> str:
    """A best guess for nodes the caller did not look up (only used for colour): what the uid's plane says."""
    if uid == INTERNET_UID:
        return "Internet"
    parsed = parse_uid(uid)
    kind = ref_kinds().get(parsed.kind_word or "") if parsed else None
    return kind.label if kind else "Unknown"


def paths_view(paths: Sequence[AttackPath], cap: int = NODE_CAP) -> GraphView:
    nodes: dict[str, NodeRef] = {}
    for path in paths:
        for uid, label, name in zip(path.uids, path.labels, path.names, strict=True):
            nodes.setdefault(uid, NodeRef(uid, label, name))
    return graph_view(((p.uids, p.edge_types, p.reasons) for p in paths), nodes=nodes, cap=cap)
