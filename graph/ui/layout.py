"""What the graph component draws: elements with a preset left-to-right layout, their styles and colours.

Every view (paths, entity neighbours, query results, findings, the joint review) goes through `graph_view`,
so a drawn graph always reads entry → … → crown jewel and attacker-controlled names arrive `inert`. Parallel
attack edges (several types between the same two nodes) are bundled into one drawn edge whose caption lists
the types; the legend (`legend`) names the kinds drawn and the owned / high-value markers.
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
from graph.store import GraphStore
from graph.ui.common import NodeRef, inert, short_uid

NODE_CAP = 300  # more than this and the graph is not drawn: the page shows a table instead
IMPLICIT_SUFFIX = " (implicit)"  # after the drawn name of an object Bridgehead implied (graph/records.py)

# Kinds the UI draws that are not node kinds of the graph (the joint review's cloud identities).
UI_KIND_COLORS = {"CloudIdentity": "#db2777"}


def kind_color(label: str) -> str:
    """A kind's colour from the vocabulary (graph/schema.py NodeKind.color)."""
    kind = NODE_KINDS.get(label)
    return kind.color if kind else UI_KIND_COLORS.get(label, DEFAULT_COLOR)


X_GAP = 140  # horizontal distance between ranks (hops): room for a `namespace/name` caption
Y_GAP = 70  # vertical distance within a rank: room for a caption wrapped onto two or three lines
OWNED_COLOR = "#dc2626"
HIGH_VALUE_COLOR = "#eab308"  # yellow: apart from every kind colour (KubeSecret is amber)
BUNDLE_SEPARATOR = "\n"  # between the types of a bundled edge's caption

# Cytoscape styles (pass-through `custom_styles`). Node captions wrap at a readable width instead of being
# cut mid-name; edge captions sit on a light background; marks are borders the legend explains.
NODE_STYLE: dict[str, Any] = {
    "width": 28, "height": 28, "font-size": 16, "min-zoomed-font-size": 0, "text-wrap": "wrap",
    "text-max-width": "120px", "text-overflow-wrap": "anywhere", "text-valign": "bottom", "text-margin-y": 3,
}  # fmt: skip
EDGE_STYLE: dict[str, Any] = {
    "font-size": 13, "min-zoomed-font-size": 5, "width": 1.5, "curve-style": "bezier", "text-wrap": "wrap",
    "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": "1px",
}  # fmt: skip
MARK_STYLES: list[dict[str, Any]] = [
    {"selector": "node[owned]", "style": {"border-width": 4, "border-color": OWNED_COLOR, "border-style": "solid"}},
    {"selector": "node[high_value]",
     "style": {"border-width": 4, "border-color": HIGH_VALUE_COLOR, "border-style": "double"}},
    {"selector": "node[owned][high_value]",
     "style": {"border-width": 5, "border-color": OWNED_COLOR, "border-style": "double"}},
]  # fmt: skip


@dataclass(frozen=True)
class GraphLayout:
    """A layout the user can pick: the computed left-to-right one, or one of Cytoscape's."""

    title: str
    options: dict[str, Any]


FIT_PADDING = 50  # wider than the component's collapsed side strip, so the start node is never under it
LAYOUTS = {
    "left-to-right": GraphLayout("Left to right (entry → crown jewel)", {"name": "preset"}),
    "top-down": GraphLayout("Top down (breadth-first)", {"name": "breadthfirst", "directed": True, "spacingFactor": 1.1}),
    "force": GraphLayout("Force-directed", {"name": "fcose", "randomize": False, "nodeRepulsion": 9000, "idealEdgeLength": 140}),
    "circle": GraphLayout("Circle", {"name": "circle"}),
}  # fmt: skip
DEFAULT_LAYOUT = "left-to-right"


def layout_options(view: GraphView, name: str = DEFAULT_LAYOUT) -> dict[str, Any]:
    """The component's layout argument: the chosen layout, fitted with padding, starting from the entry.

    The component re-runs its layout (and so fits the view) only when the argument changes: naming the
    elements in it makes a new path re-fit instead of keeping the previous viewport. The top-down layout
    roots at the first rank (the entry), so the start stays at the top.
    """
    chosen = LAYOUTS.get(name, LAYOUTS[DEFAULT_LAYOUT])
    options = {**chosen.options, "fit": True, "padding": FIT_PADDING, "animate": False,
               "nodeDimensionsIncludeLabels": True, "elements": view.fingerprint()}  # fmt: skip
    if options["name"] == "breadthfirst":
        options["roots"] = [node["data"]["id"] for node in view.nodes if node["data"]["_rank"] == 0]
    return options


def edge_id(src: str, edge_type: str, dst: str) -> str:
    return f"{src} -[{edge_type}]-> {dst}"


@dataclass
class GraphView:
    """What the graph component gets: cytoscape elements with preset left-to-right positions.

    Element ids are opaque (`n0`, `e0`): the component shows them, and uids may carry attacker-controlled
    names. The uid of a node is `_uid`, the key of an edge (`edge_id`) `_key`; the component hides
    attributes that start with `_`. A drawn edge bundles every attack edge between its two nodes: `_keys`
    (`_key` is the first), `_types`, and `caption` (the types, one a line). Elements are not selectable:
    a selection would open the component's own info panel over the left of the graph, where every path
    starts (the entity panel below the graph shows what was clicked instead); taps still reach the app.
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

    def marked(self, owned: Collection[str] = (), high_value: Collection[str] = ()) -> GraphView:
        """The nodes whose uid is owned (an entry point) or high value (a crown jewel) carry that mark."""
        for node in self.nodes:
            data = node["data"]
            data.pop("owned", None)
            data.pop("high_value", None)
            if data["_uid"] in owned:
                data["owned"] = "owned"
            if data["_uid"] in high_value:
                data["high_value"] = "high value"
        return self

    def uids(self) -> list[str]:
        return [node["data"]["_uid"] for node in self.nodes]

    def fingerprint(self) -> str:
        """Changes whenever the drawn nodes or edges change."""
        keys = self.uids() + [edge["data"]["_key"] for edge in self.edges]
        return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]

    def node(self, uid: str) -> dict[str, Any] | None:
        return next((node["data"] for node in self.nodes if node["data"]["_uid"] == uid), None)

    def edge(self, key: str) -> dict[str, Any] | None:
        """The drawn edge holding attack edge `key` (bundled or alone), with that edge's type and reason."""
        for edge in self.edges:
            data = edge["data"]
            if key in data["_keys"]:
                i = data["_keys"].index(key)
                return {**data, "_key": key, "_type": data["_types"][i], "_reason": data["_reasons"][i]}
        return None

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
                "caption": inert(caption(ref)),  # what is drawn: `namespace/name`
                "ref": inert(short_uid(uid)),
                "_uid": uid,
                "_rank": column,
            }
            if uid in implicit:
                data["name"] += IMPLICIT_SUFFIX
                data["caption"] += IMPLICIT_SUFFIX
                data["implicit"] = "implied, not read"
            view.nodes.append(
                {
                    "data": data,
                    "position": {"x": column * x_gap, "y": round((row - (len(members) - 1) / 2) * Y_GAP)},
                    "selectable": False,
                }
            )
    bundles: dict[tuple[str, str], list[tuple[str, Step]]] = {}
    for key, step in edges.items():
        bundles.setdefault((step.src, step.dst), []).append((key, step))
    for index, bundle in enumerate(bundles.values()):
        key, step = bundle[0]
        types = [each.edge_type for _, each in bundle]
        mitre = [attack.mitre for attack in (ATTACKS.get(t) for t in types) if attack and attack.mitre]
        view.edges.append(
            {
                "data": {
                    "id": f"e{index}",
                    "source": element_ids[step.src],
                    "target": element_ids[step.dst],
                    "label": _style_key(step.edge_type, "EDGE"),  # the component styles edges by this key
                    "caption": BUNDLE_SEPARATOR.join(types),
                    "mitre": ", ".join(dict.fromkeys(mitre)),
                    "reason": inert(step.reason),
                    "_key": key,
                    "_keys": [each_key for each_key, _ in bundle],
                    "_types": types,
                    "_reasons": [each.reason for _, each in bundle],
                    "_type": step.edge_type,
                    "_source": step.src,
                    "_target": step.dst,
                    "_reason": step.reason,
                },
                "selectable": False,
            }
        )
    return view


def caption(ref: NodeRef) -> str:
    """A node's drawn name: `namespace/name` for namespaced objects, the name otherwise (never cut)."""
    name = ref.name or short_uid(ref.uid)
    namespace = ref.namespace
    if namespace is None:
        parsed = parse_uid(ref.uid)
        namespace = parsed.namespace if parsed else None
    return f"{namespace}/{name}" if namespace and not name.startswith(f"{namespace}/") else name


@dataclass(frozen=True)
class LegendEntry:
    title: str
    color: str
    marker: str = ""  # "" for a kind's fill colour, else the border style of a mark


def legend(view: GraphView) -> list[LegendEntry]:
    """What the colours and borders of a drawn graph mean: the kinds drawn, then the marks present."""
    entries = [LegendEntry(label, kind_color(label)) for label in view.labels()]
    if any("owned" in node["data"] for node in view.nodes):
        entries.append(LegendEntry("owned (entry point)", OWNED_COLOR, "solid"))
    if any("high_value" in node["data"] for node in view.nodes):
        entries.append(LegendEntry("high value (crown jewel)", HIGH_VALUE_COLOR, "double"))
    return entries


NODE_MARKS = (
    "MATCH (n) WHERE n.uid IN $uids RETURN n.uid AS uid, n.owned AS owned, 'HighValue' IN labels(n) AS high_value"
)


def node_marks(store: GraphStore, uids: Collection[str]) -> tuple[set[str], set[str]]:
    """Which of `uids` are owned and which are high value (for `GraphView.marked`)."""
    owned: set[str] = set()
    high_value: set[str] = set()
    for row in store.read(NODE_MARKS, {"uids": list(uids)}) if uids else []:
        if row["owned"] is True:
            owned.add(row["uid"])
        if row["high_value"] is True:
            high_value.add(row["uid"])
    return owned, high_value


def generated_statements() -> list[tuple[str, str]]:
    return [("layout.node_marks", NODE_MARKS)]


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
