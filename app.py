"""Bridgehead's Streamlit UI: `bridgehead ui` (or `streamlit run app.py --server.address 127.0.0.1`).

Pages (the table `PAGES` at the end): Overview, Attack paths, Risk queries, Findings, Cypher console, Joint
review. What each page shows is computed in the `graph/ui/` package; this file only draws.

Object names and annotations are attacker-controlled text: they only ever reach the page through
dataframes, `st.text`, `st.code`, option lists and the graph component (which draws on a canvas and
fills its info panel with text nodes; `graph.ui.common.inert` defuses the one link pattern it would honour),
never through markdown or HTML. The graph comes from the same configuration as the CLI (BRIDGEHEAD_GRAPH).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_cytoscape import EdgeStyle, Event, NodeStyle, streamlit_cytoscape

from graph.analysis.catalogue import INTERNET_UID, traversable_edge_types
from graph.findings.compute import SEVERITIES, compute_findings
from graph.findings.state import refresh_findings, stored_findings
from graph.marks import MarkError, mark_high_value, mark_owned
from graph.paths import DEFAULT_MAX_HOPS, MAX_HOPS_LIMIT
from graph.store import GraphError, GraphStore, OutboundRefused, ReadOnlyViolation, open_store
from graph.ui import common, entity, identity, layout, overview, search, tables
from queries.library import CATEGORIES, CannedQuery, QueryError, load_library, run_query, search_queries

logger = logging.getLogger(__name__)

ROW_CAP = 1_000
CONSOLE_TIMEOUT_MS = 30_000
QUERY_TIMEOUT_MS = 30_000
TOP_CHOKE_POINTS = 10

# Session state the pages share (tests set these to simulate clicks in the graph).
SELECTED = "selected_uid"  # the node the entity panel shows
SELECTED_EDGE = "selected_edge"  # the edge (layout.edge_id) whose help is shown
FOCUS = "focus"  # "node" or "edge": what was clicked last
PATH_SRC = "path_src"
PATH_DST = "path_dst"
GRAPH_VERSION = "graph_version"  # bumped when the UI changes the graph (marks), so cached results refresh

GRAPH_EVENTS = [Event("node_click", "tap", "node"), Event("edge_click", "tap", "edge")]


@st.cache_resource(show_spinner="Connecting to the graph…")
def get_store() -> GraphStore:
    # One connection per UI server; with the embedded default this reaches (or starts) the shared server
    # the CLI also uses, so the UI sees what `bridgehead ingest` loaded.
    return open_store()


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(tables.table_rows(rows))


def table(rows: list[dict[str, Any]], **kwargs: Any) -> None:
    st.dataframe(frame(rows), hide_index=True, **kwargs)


def csv_text(rows: list[dict[str, Any]]) -> str:
    plain_rows = tables.table_rows(rows)
    out = io.StringIO()
    columns = list(dict.fromkeys(key for row in plain_rows for key in row))
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(plain_rows)
    return out.getvalue()


def downloads(rows: list[dict[str, Any]], name: str, key: str) -> None:
    left, right = st.columns(2)
    left.download_button("Download CSV", csv_text(rows), f"{name}.csv", "text/csv", key=f"{key}:csv")
    right.download_button(
        "Download JSON",
        json.dumps([{k: tables.plain(v) for k, v in row.items()} for row in rows], indent=2, default=str),
        f"{name}.json",
        "application/json",
        key=f"{key}:json",
    )


# ------------------------------------------------------------------------------------------ the graph


def draw_graph(view: layout.GraphView, key: str, height: int = 460) -> None:
    """The interactive graph (streamlit-cytoscape); a click selects a node or an edge in session state."""
    if view.too_big:
        st.warning(f"{view.node_count} nodes: too many to draw (the cap is {layout.NODE_CAP}); see the table.")
        return
    if not view.nodes:
        return
    try:
        view.marked(*layout.node_marks(get_store(), view.uids()))
    except GraphError:
        logger.warning("could not read the owned / high-value marks of the drawn nodes", exc_info=True)
    chosen = st.selectbox(
        "Layout",
        list(layout.LAYOUTS),
        format_func=lambda name: layout.LAYOUTS[name].title,
        key=f"{key}:layout",
        label_visibility="collapsed",
    )
    node_styles = [
        NodeStyle(label, layout.kind_color(label), "caption", custom_styles=layout.NODE_STYLE)
        for label in view.labels()
    ]
    edge_styles = [
        EdgeStyle(edge_type, caption="caption", directed=True, custom_styles=layout.EDGE_STYLE)
        for edge_type in view.edge_types()
    ]
    event = streamlit_cytoscape(
        view.elements,
        layout=layout.layout_options(view, chosen),
        node_styles=node_styles,
        edge_styles=[*edge_styles, *(MarkStyle(mark) for mark in layout.MARK_STYLES)],
        events=GRAPH_EVENTS,
        key=key,
        height=height,
    )
    handle_graph_event(event, key, view)
    draw_legend(view, key)


class MarkStyle(EdgeStyle):
    """A Cytoscape style with its own selector (the owned / high-value borders): the component's style
    classes only select by label, and it sends every style's `dump()` as is."""

    def __init__(self, style: dict[str, Any]) -> None:
        super().__init__("")
        self.style = style

    def dump(self) -> dict[str, Any]:
        return self.style


def draw_legend(view: layout.GraphView, key: str) -> None:
    """The colours and borders of the graph above, from the vocabulary: one table row, a column per kind or
    mark, its cell in that colour (no HTML: the words are the vocabulary's, but this page renders none)."""
    entries = layout.legend(view)
    row = pd.DataFrame([["" for _ in entries]], columns=[entry.title for entry in entries])
    colours = {entry.title: entry.color for entry in entries}

    styled = row.style.apply(lambda column: [f"background-color: {colours[str(column.name)]}"] * len(column))
    with st.container(key=f"{key}-legend"):
        st.caption("Legend: the fill of a node is its kind; a border in the colour of a mark is that mark")
        st.dataframe(styled, hide_index=True, height=75)


def handle_graph_event(event: Any, key: str, view: layout.GraphView) -> None:
    """The component keeps returning its last event on every rerun: act on each event once."""
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        return
    stamp = event.get("timestamp")
    if st.session_state.get(f"{key}:last_event") == stamp:
        return
    st.session_state[f"{key}:last_event"] = stamp
    clicked = view.element(str(event["data"].get("target_id")))
    if clicked is None:
        return
    kind, value = clicked
    if kind == "node":
        select_node(value)
    else:
        st.session_state[SELECTED_EDGE] = value
        st.session_state[FOCUS] = "edge"


def select_node(uid: str) -> None:
    st.session_state[SELECTED] = uid
    st.session_state[FOCUS] = "node"


def bump_graph_version() -> None:
    st.session_state[GRAPH_VERSION] = st.session_state.get(GRAPH_VERSION, 0) + 1


# ------------------------------------------------------------------------------------ entity / edges


def set_path_end(role: str, uid: str) -> None:
    st.session_state[PATH_SRC if role == "start" else PATH_DST] = uid


def path_to_here(uid: str) -> None:
    st.session_state[PATH_DST] = uid
    st.session_state.setdefault(PATH_SRC, INTERNET_UID)
    if st.session_state[PATH_SRC] == uid:
        st.session_state[PATH_SRC] = INTERNET_UID
    st.session_state["page"] = page_title("paths")


def toggle_mark(kind: str, uid: str, on: bool) -> None:
    """Mark owned / high value (graph/marks.py recomputes the reachability marks); results then refresh."""
    store = get_store()
    try:
        if kind == "owned":
            mark_owned(store, uid, on=on)
        else:
            mark_high_value(store, uid, on=on)
    except (MarkError, GraphError) as exc:
        st.session_state["mark_error"] = str(exc)
    bump_graph_version()


def entity_panel(store: GraphStore, uid: str, label_hint: str | None = None, key: str = "entity") -> None:
    """BloodHound's entity panel: what the node is, its attack edges in and out, and what to do with it."""
    found = entity.entity(store, uid, label_hint)
    if found is None:
        st.info("That object is not in the graph any more.")
        return
    st.subheader(found.node.label)
    st.code(found.node.display, language=None)
    flags = [text for flag, text in ((found.high_value, "high value"), (found.owned, "owned")) if flag]
    if flags:
        st.caption(" · ".join(flags))
    one, two, three = st.columns(3)
    one.button("Set as start", key=f"{key}:start", on_click=set_path_end, args=("start", uid))
    two.button("Set as end", key=f"{key}:end", on_click=set_path_end, args=("end", uid))
    three.button("Shortest path to here", key=f"{key}:to-here", on_click=path_to_here, args=(uid,))
    left, right = st.columns(2)
    left.button(
        "Unmark owned" if found.owned else "Mark owned",
        key=f"{key}:owned",
        on_click=toggle_mark,
        args=("owned", uid, not found.owned),
        help="An owned node is an entry point besides the Internet: paths and findings start there too.",
    )
    user_high_value = bool(found.properties.get("user_high_value"))
    right.button(
        "Unmark high value" if user_high_value else "Mark high value",
        key=f"{key}:high-value",
        on_click=toggle_mark,
        args=("high_value", uid, not user_high_value),
        help="A high-value node is a crown jewel: findings end there too.",
    )
    if st.session_state.get("mark_error"):
        st.error("Could not change the mark.")
        st.code(st.session_state.pop("mark_error"), language=None)
    tab_props, tab_out, tab_in = st.tabs(
        [
            "Properties",
            f"Outgoing attack edges ({len(found.outgoing)})",
            f"Incoming attack edges ({len(found.incoming)})",
        ]
    )
    with tab_props:
        table(found.property_rows())
    with tab_out:
        if found.outgoing:
            table(found.edge_rows("out"))
        else:
            st.text("No outgoing attack edges: controlling this leads nowhere further.")
    with tab_in:
        if found.incoming:
            table(found.edge_rows("in"))
        else:
            st.text("No incoming attack edges: nothing in the graph leads here.")
    neighbours = found.neighbours()
    if neighbours:
        refs = {ref.uid: ref for ref in neighbours}
        st.selectbox(
            "Open a neighbour",
            [None, *refs],
            format_func=lambda value: "" if value is None else option_label(refs[value]),
            key=f"{key}:neighbour:{uid}",
            on_change=open_neighbour,
            args=(f"{key}:neighbour:{uid}",),
        )


def open_neighbour(widget_key: str) -> None:
    uid = st.session_state.get(widget_key)
    if uid:
        select_node(uid)


def edge_panel(edge: dict[str, Any]) -> None:
    """Edge help from the attack catalogue, plus why this particular edge exists."""
    help_ = entity.edge_help(edge["_type"])
    others = [t for t in edge.get("_types", []) if t != edge["_type"]]
    if others:  # a bundled edge: the drawn line carries several attack edges
        st.caption(f"Drawn together with {', '.join(others)} (pick those under Explain a step)")
    if help_ is None:
        st.text(f"{edge['_type']}: not in the attack catalogue")
        st.text(edge["_reason"])
        return
    st.subheader(help_.title)
    rules = ", ".join(help_.rules)
    st.text(f"{help_.type}   rules {rules}   MITRE ATT&CK {help_.mitre}" if help_.attack else help_.type)
    st.caption("From → to")
    st.code(f"{common.short_uid(edge['_source'])}\n→ {common.short_uid(edge['_target'])}", language=None)
    if edge.get("_reason"):
        st.caption("Why this edge exists")
        st.text(edge["_reason"])
    for title, text in (
        ("What it means", help_.meaning),
        ("How it is abused", help_.abuse),
        ("Opsec", help_.opsec),
        ("Remediation", help_.remediation),
    ):
        if text:
            st.caption(title)
            st.text(text)
    if help_.attack:
        st.caption("References")
        links = [entity.mitre_url(help_.mitre), *help_.references]
        st.markdown("\n".join(f"- {url}" for url in dict.fromkeys(links)))  # catalogue text, not graph data


def side_panel(store: GraphStore, view: layout.GraphView, key: str) -> None:
    """Right of a graph: the clicked edge's help, else the clicked node's entity panel."""
    edge = view.edge(st.session_state.get(SELECTED_EDGE) or "")
    uid = st.session_state.get(SELECTED)
    if st.session_state.get(FOCUS) == "edge" and edge is not None:
        edge_panel(edge)
    elif uid:
        node = view.node(uid)
        entity_panel(store, uid, node["label"] if node else None, key=key)
    elif edge is not None:
        edge_panel(edge)
    else:
        st.caption("Click a node for its details and attack edges, or an edge for how it is abused and fixed.")


def option_label(ref: common.NodeRef) -> str:
    return f"{ref.display}  ·  {ref.cluster}" if ref.cluster else ref.display


# -------------------------------------------------------------------------------------------- pages


def overview_page(store: GraphStore) -> None:
    st.header("Overview")
    data = overview.overview(store)
    if data.empty:
        st.info("The graph is empty. Load the demo with `bridgehead demo`, or a cluster with "
                "`bridgehead ingest k8s --files DIR --cluster NAME`.")  # fmt: skip
        return
    if not data.analysed:
        st.warning("No attack analysis yet: run `bridgehead analyze` to derive the attack edges.")
    columns = st.columns(len(data.plane_counts) + 2)
    columns[0].metric("nodes", data.summary.total_nodes)
    columns[1].metric("edges", data.summary.total_edges)
    for column, (plane, count) in zip(columns[2:], sorted(data.plane_counts.items()), strict=True):
        column.metric(f"{plane} nodes", count)
    findings_overview(store)
    left, right = st.columns(2)
    with left:
        st.subheader("Nodes per plane and kind")
        table(data.kind_rows)
    with right:
        st.subheader("Attack edges")
        if data.attack_rows:
            table(data.attack_rows)
        else:
            st.text("none")
    st.subheader("Collections")
    if data.stale_scopes:
        st.warning(f"{len(data.stale_scopes)} collection(s) older than a day: re-collect for current paths.")
    table(data.sync_rows)
    if data.gap_rows:
        st.warning(f"{len(data.gap_rows)} coverage gap(s): the collector could not read these; paths through them "
                   "are unknown.")  # fmt: skip
        table(data.gap_rows)
    else:
        st.caption("No coverage gaps: every kind was readable.")


def current_findings(store: GraphStore) -> Any:
    """Findings and choke points of the graph as it is now (computed in memory; cached until it changes)."""
    key = (overview.graph_stamp(store), st.session_state.get(GRAPH_VERSION, 0))
    cached = st.session_state.get("findings_cache")
    if cached and cached[0] == key:
        return cached[1]
    report = compute_findings(store)
    st.session_state["findings_cache"] = (key, report)
    return report


def findings_overview(store: GraphStore) -> None:
    try:
        report = current_findings(store)
    except GraphError as exc:
        st.error("Could not compute the findings.")
        st.code(str(exc), language=None)
        return
    left, right = st.columns([1, 3])
    with left:
        st.subheader("Findings")
        table(tables.severity_rows(report.findings))
        st.button("Open findings", key="overview:findings", on_click=go_to, args=("findings",))
    with right:
        st.subheader("Top choke points")
        if report.choke_points:
            table(tables.choke_rows(report.choke_points[:TOP_CHOKE_POINTS]))
        else:
            st.text("No attack path from an entry point to a crown jewel: nothing to cut.")


def go_to(slug: str) -> None:
    st.session_state["page"] = page_title(slug)


def node_picker(store: GraphStore, title: str, state_key: str) -> None:
    """Type-to-search with `kind:` prefixes; the chosen uid lives in session state under `state_key`."""
    current = st.session_state[state_key]
    text = st.text_input(
        f"Search {title.lower()}",
        key=f"{state_key}:search",
        placeholder="pod:storefront, sa:ci/, secret:kube-system/, node:ip-10, internet, cluster-admin",
    )
    hits = search.search_nodes(store, text) if text.strip() else []
    refs = search.lookup_nodes(store, [current])
    refs.update({hit.uid: hit for hit in hits})
    options = [current, *[hit.uid for hit in hits if hit.uid != current]]
    choice = st.selectbox(
        title,
        options,
        index=0,
        format_func=lambda uid: option_label(refs[uid]) if uid in refs else uid,
        key=f"{state_key}:choice:{text}:{current}",
    )
    if text.strip():
        st.caption(
            f"{len(hits)} match(es)" + (f" (first {search.SEARCH_LIMIT})" if len(hits) >= search.SEARCH_LIMIT else "")
        )
    if choice != current:
        st.session_state[state_key] = choice
        st.rerun()


def swap_ends() -> None:
    st.session_state[PATH_SRC], st.session_state[PATH_DST] = st.session_state[PATH_DST], st.session_state[PATH_SRC]


def default_target(store: GraphStore) -> str:
    admins = search.search_nodes(store, "cluster-admin", limit=1)
    return admins[0].uid if admins else INTERNET_UID


def paths_page(store: GraphStore) -> None:
    st.header("Attack paths")
    st.session_state.setdefault(PATH_SRC, INTERNET_UID)
    if PATH_DST not in st.session_state:
        st.session_state[PATH_DST] = default_target(store)
    left, right = st.columns(2)
    with left:
        node_picker(store, "Start", PATH_SRC)
    with right:
        node_picker(store, "End", PATH_DST)
    one, two, three = st.columns([1, 2, 3])
    one.button("⇄ Reverse", on_click=swap_ends, help="Swap start and end")
    max_hops = two.slider("Max hops", 1, MAX_HOPS_LIMIT, DEFAULT_MAX_HOPS, key="max_hops")
    all_types = list(traversable_edge_types())
    with three.expander("Edge types followed"):
        chosen = st.multiselect("Attack edge types", all_types, default=all_types, key="edge_types")
    src_ref = search.lookup_nodes(store, [st.session_state[PATH_SRC]]).get(st.session_state[PATH_SRC])
    dst_ref = search.lookup_nodes(store, [st.session_state[PATH_DST]]).get(st.session_state[PATH_DST])
    if src_ref is None or dst_ref is None:
        st.info("Pick a start and an end (has the analysis run? `bridgehead analyze` creates `internet`).")
        return
    if src_ref.uid == dst_ref.uid:
        st.info("Start and end are the same object.")
        return
    if not chosen:
        st.warning("No edge types selected: nothing to follow.")
        return
    query = search.PathQuery(src_ref, dst_ref, max_hops, tuple(chosen))
    try:
        paths = cached_paths(store, query)
    except GraphError as exc:
        st.error("Path search failed (a timeout? try fewer hops).")
        st.code(str(exc), language=None)
        return
    if not paths:
        st.info(f"No attack path within {max_hops} hops.")
        return
    st.text(f"{len(paths)} shortest path(s) of {paths[0].hops} hops")
    view = layout.paths_view(paths)
    st.session_state.setdefault(SELECTED, src_ref.uid)
    graph_column, panel_column = st.columns([3, 2])
    with graph_column:
        draw_graph(view, key="paths_graph")
    with panel_column:
        side_panel(store, view, key="paths_entity")
    st.subheader("Paths")
    table(tables.path_rows(paths))
    st.subheader("Steps")
    steps = tables.step_rows(paths)
    table(steps)
    st.selectbox(
        "Explain a step",
        [None, *[row["edge"] for row in steps]],
        format_func=lambda key: "" if key is None else key_label(key, steps),
        key="explain_step",
        on_change=explain_step,
    )


def key_label(key: str, steps: list[dict[str, Any]]) -> str:
    row = next(row for row in steps if row["edge"] == key)
    return f"{row['from']} -[{row['type']}]-> {row['to']}"


def explain_step() -> None:
    key = st.session_state.get("explain_step")
    if key:
        st.session_state[SELECTED_EDGE] = key
        st.session_state[FOCUS] = "edge"


def cached_paths(store: GraphStore, query: search.PathQuery) -> list[Any]:
    """Path results survive the reruns a click causes; recomputed when the query or the graph changes."""
    key = (query, st.session_state.get(GRAPH_VERSION, 0))
    cached = st.session_state.get("paths_cache")
    if cached and cached[0] == key:
        return list(cached[1])
    paths = search.find_paths(store, query)
    st.session_state["paths_cache"] = (key, paths)
    return paths


@st.cache_data(show_spinner=False)
def query_library() -> dict[str, CannedQuery]:
    return load_library()


def queries_page(store: GraphStore) -> None:
    st.header("Risk queries")
    try:
        library = query_library()
    except QueryError as exc:
        st.error("The query library could not be read.")
        st.code(str(exc), language=None)
        return
    left, right = st.columns([2, 1])
    text = left.text_input("Search queries", key="query_search", placeholder="secret, cluster-admin, exec, socket…")
    category = right.selectbox(
        "Category",
        [None, *CATEGORIES],
        format_func=lambda value: "all categories" if value is None else f"{value}: {CATEGORIES[value]}",
        key="query_category",
    )
    found = search_queries(library.values(), category, text or None)
    if not found:
        st.info("No query matches.")
        return
    st.caption(f"{len(found)} of {len(library)} queries")
    query_id = st.selectbox(
        "Query",
        [query.id for query in found],
        format_func=lambda qid: f"{library[qid].title}   [{library[qid].severity} · {library[qid].category}]",
        key="query_id",
    )
    query = library[query_id]
    st.subheader(query.title)
    st.text(query.description)
    st.text(f"id {query.id}   severity {query.severity}   category {query.category}")
    if query.mitre:
        st.markdown("MITRE ATT&CK: " + ", ".join(f"[{t}]({entity.mitre_url(t)})" for t in query.mitre))
    with st.form(f"params:{query.id}"):
        values = {param.name: param_widget(query, param) for param in query.parameters}
        if not query.parameters:
            st.caption("This query takes no parameters.")
        submitted = st.form_submit_button("Run query", type="primary")
    if submitted:
        st.session_state["query_result"] = run_canned(store, query, values)
    result = st.session_state.get("query_result")
    if not result or result["id"] != query.id:
        return
    if result["error"]:
        st.error(result["error"])
        st.code(result["detail"], language=None)
        return
    rows = result["rows"]
    st.text(f"{len(rows)} row(s) in {result['elapsed_ms']:.0f} ms")
    if not rows:
        st.info("No rows: nothing in this graph matches.")
        return
    results_views(store, rows, key="query", cypher=query.text, name=query.id, graph_first=True)


def param_widget(query: CannedQuery, param: Any) -> Any:
    """One form field per declared parameter, typed as the query declares it."""
    key = f"param:{query.id}:{param.name}"
    label = f"{param.name} (required)" if param.required else param.name
    help_text = param.description
    if param.type == "int":
        return st.number_input(
            label, min_value=param.minimum, max_value=param.maximum, value=param.default if not param.required else
            (param.minimum or 0), step=1, key=key, help=help_text,
        )  # fmt: skip
    if param.type == "bool":
        return st.checkbox(label, value=bool(param.default), key=key, help=help_text)
    if param.type == "list":
        default = ", ".join(str(item) for item in param.default or [])
        return st.text_input(label, value=default, key=key, help=help_text + " (comma-separated)")
    default = "" if param.required else str(param.default or "")
    if param.required and "uid" in param.description.lower():
        default = st.session_state.get(SELECTED) or ""  # the node last clicked, as a starting point
    return st.text_input(label, value=default, key=key, help=help_text + " — a uid or a REF like sa:ci/deployer")


def run_canned(store: GraphStore, query: CannedQuery, values: dict[str, Any]) -> dict[str, Any]:
    try:
        params = tables.query_params(store, query, values)
    except QueryError as exc:
        return {"id": query.id, "error": "The parameters are not right.", "detail": str(exc), "rows": []}
    try:
        result = run_query(store, query, params, timeout_ms=QUERY_TIMEOUT_MS)
    except QueryError as exc:
        return {"id": query.id, "error": "The parameters are not right.", "detail": str(exc), "rows": []}
    except GraphError as exc:
        return {"id": query.id, "error": "The query failed (a timeout? try fewer hops or a lower limit).",
                "detail": str(exc), "rows": []}  # fmt: skip
    rows = [{key: tables.plain(value) for key, value in row.items()} for row in result.rows]
    return {"id": query.id, "error": "", "detail": "", "rows": rows, "elapsed_ms": result.elapsed_ms}


FILTERS = {"severity": SEVERITIES, "plane": tables.FINDING_PLANES, "status": tables.FINDING_STATUSES}


def url_filter(name: str) -> list[str]:
    """A filter as kept in the URL: `?severity=critical,high`."""
    raw = st.query_params.get(name, "")
    return [value for value in str(raw).split(",") if value in FILTERS[name]]


def keep_filter_in_url(name: str) -> None:
    values = st.session_state.get(f"findings_{name}") or []
    if values:
        st.query_params[name] = ",".join(values)
    elif name in st.query_params:
        del st.query_params[name]


def findings_page(store: GraphStore) -> None:
    st.header("Findings")
    st.caption(
        "One finding per entry point and crown jewel with an attack path between them: severity, the shortest "
        "path(s), and the step whose removal breaks the most paths. Status compares with the previous run."
    )
    try:
        recorded = stored_findings(store)
    except GraphError as exc:
        st.error("Could not read the findings.")
        st.code(str(exc), language=None)
        return
    one, two = st.columns([1, 3])
    one.button("Refresh findings", key="findings_refresh", type="primary", on_click=record_findings)
    if st.session_state.get("findings_error"):
        st.error("Could not refresh the findings.")
        st.code(st.session_state.pop("findings_error"), language=None)
    if recorded:
        findings = recorded
        two.caption("Recorded runs: refresh after `bridgehead analyze` to see what is new, still open or resolved.")
    else:
        findings = current_findings(store).findings
        two.caption("Not recorded yet: these are the findings of the graph as it is now. Refresh to record a run.")
    for name in FILTERS:  # filters come from the URL, so a link reproduces the view
        if f"findings_{name}" not in st.session_state:
            st.session_state[f"findings_{name}"] = url_filter(name)
    columns = st.columns(3)
    for column, name in zip(columns, FILTERS, strict=True):
        column.multiselect(
            name.capitalize(), list(FILTERS[name]), key=f"findings_{name}", on_change=keep_filter_in_url, args=(name,),
            placeholder="all",
        )  # fmt: skip
    shown = tables.filter_findings(
        findings,
        st.session_state["findings_severity"],
        st.session_state["findings_plane"],
        st.session_state["findings_status"],
    )
    st.text(f"{len(shown)} of {len(findings)} finding(s)")
    if not shown:
        st.info("No finding matches these filters.")
        return
    table(tables.finding_rows(shown))
    downloads(tables.finding_rows(shown), "findings", "findings")
    by_id = {finding.id: finding for finding in shown}
    wanted = str(st.query_params.get("finding", ""))
    chosen = st.selectbox(
        "Open a finding",
        list(by_id),
        index=list(by_id).index(wanted) if wanted in by_id else 0,
        format_func=lambda fid: f"{by_id[fid].severity}   {by_id[fid].title}   ({fid})",
        key=f"finding_choice:{','.join(by_id)}",
    )
    if st.query_params.get("finding") != chosen:
        st.query_params["finding"] = chosen
    finding_detail(store, by_id[chosen])


def record_findings() -> None:
    try:
        refresh_findings(get_store())
    except GraphError as exc:
        st.session_state["findings_error"] = str(exc)
    bump_graph_version()


def open_finding_path(entry: str, target: str) -> None:
    st.session_state[PATH_SRC] = entry
    st.session_state[PATH_DST] = target
    st.session_state[SELECTED] = target
    st.session_state[FOCUS] = "node"
    st.session_state["page"] = page_title("paths")


def finding_detail(store: GraphStore, finding: Any) -> None:
    st.subheader(f"{finding.severity.capitalize()} finding")
    st.text(finding.title)  # built from object names: text, never markdown
    st.text(
        f"status {finding.status}   {finding.hops} hops   {finding.path_count} shortest path(s)"
        + (f"   first seen {tables.format_when(finding.first_seen)}" if finding.first_seen else "")
    )
    if finding.remediation_edge:
        st.caption("Remediation: the step to fix")
        st.text(f"step {finding.remediation_step + 1}: {finding.remediation_edge} ({finding.remediation_rule})")
        st.text(finding.remediation)
        if finding.remediation_cuts:
            st.text("Removing this step leaves no path at all.")
        elif finding.alternative_hops:
            st.text(f"Removing this step leaves a longer path ({finding.alternative_hops} hops).")
    st.button(
        "Open this path in Attack paths",
        key="finding_open_path",
        on_click=open_finding_path,
        args=(finding.entry_uid, finding.target_uid),
    )
    view = tables.finding_view(finding)
    graph_column, panel_column = st.columns([3, 2])
    with graph_column:
        draw_graph(view, key="finding_graph")
    with panel_column:
        side_panel(store, view, key="finding_entity")
    st.caption("Steps of the first shortest path")
    table(tables.finding_steps(finding))
    if finding.folded_count:
        st.caption(f"Also reached through this finding ({finding.folded_count})")
        table([{"crown jewel": common.short_uid(uid)} for uid in finding.folded_uids])


def console_page(store: GraphStore) -> None:
    st.header("Cypher console")
    st.caption(
        f"Read-only (enforced by the database), no outbound fetches (LOAD CSV, APOC), at most {ROW_CAP} rows, "
        f"{CONSOLE_TIMEOUT_MS // 1000} s timeout."
    )
    query = st.text_area(
        "Query", value="MATCH (p:Pod) RETURN p.uid AS uid, p.namespace AS namespace LIMIT 25", height=120, key="cypher"
    )
    if st.button("Run", type="primary", key="cypher_run"):
        st.session_state["console_result"] = run_console(store, query)
    result = st.session_state.get("console_result")
    if not result:
        return
    if result["error"]:
        st.error(result["error"])
        if result["detail"]:
            st.code(result["detail"], language=None)
        return
    rows = result["rows"]
    if result["truncated"]:
        st.warning(f"More than {ROW_CAP} rows; showing the first {ROW_CAP}. Add a LIMIT.")
    st.text(f"{len(rows)} row(s)")
    results_views(store, rows, key="console", cypher=result["query"], name="query-result")


def run_console(store: GraphStore, query: str) -> dict[str, Any]:
    try:
        rows = store.read(query, timeout_ms=CONSOLE_TIMEOUT_MS)
    except OutboundRefused as exc:
        return {"error": "Refused: this console never lets the database fetch from outside the graph (LOAD CSV, "
                "APOC); nothing was sent.", "detail": str(exc), "rows": [], "truncated": False, "query": query}  # fmt: skip
    except ReadOnlyViolation as exc:
        return {"error": "Refused: this console is read-only, and the database rejected a query that writes.",
                "detail": str(exc), "rows": [], "truncated": False, "query": query}  # fmt: skip
    except GraphError as exc:
        message = str(exc)
        hint = "The query ran out of time." if "timed out" in message.lower() or "timeout" in message.lower() else ""
        return {"error": hint or "The query failed.", "detail": message, "rows": [], "truncated": False,
                "query": query}  # fmt: skip
    plain_rows = [{key: tables.plain(value) for key, value in row.items()} for row in rows]
    capped, truncated = tables.capped(plain_rows, ROW_CAP)
    return {"error": "", "detail": "", "rows": capped, "truncated": truncated, "query": query}


def results_views(
    store: GraphStore, rows: list[dict[str, Any]], *, key: str, cypher: str, name: str, graph_first: bool = False
) -> None:
    """Neo4j Browser's result views: Graph | Table | Cypher | JSON, with downloads."""
    view = tables.rows_view(rows)
    if view is not None and not view.too_big:  # names and kinds of the drawn nodes, for their captions
        view = tables.rows_view(rows, nodes=search.lookup_nodes(store, view.uids()))
    labels = ["Table", "Cypher", "JSON"]
    if view is not None:
        labels = ["Graph", *labels] if graph_first else ["Table", "Graph", "Cypher", "JSON"]
    tabs = dict(zip(labels, st.tabs(labels), strict=True))
    with tabs["Table"]:
        table(rows)
    if view is not None:
        with tabs["Graph"]:
            if view.too_big:
                st.warning(f"{view.node_count} nodes: too many to draw (the cap is {layout.NODE_CAP}); see the table.")
            else:
                graph_column, panel_column = st.columns([3, 2])
                with graph_column:
                    draw_graph(view, key=f"{key}_graph")
                with panel_column:
                    side_panel(store, view, key=f"{key}_entity")
    with tabs["Cypher"]:
        st.code(cypher, language="cypher")
    with tabs["JSON"]:
        st.json(rows[:ROW_CAP], expanded=False)
    downloads(rows, name, key)


def joint_page(store: GraphStore) -> None:
    st.header("Joint review")
    st.caption(
        "Which cluster identities become which cloud identities, and back: IRSA and GKE Workload Identity "
        "annotations on service accounts, EKS aws-auth mappings. When a cloud plane is loaded its identities "
        "are matched here."
    )
    links = identity.joint_review(store)
    if not links:
        st.info("No cluster identity maps to a cloud identity in this graph.")
        return
    clusters = sorted({link.cluster for link in links})
    accounts = sorted({f"{link.cloud}:{link.account}" for link in links})
    left, right = st.columns(2)
    cluster = left.selectbox("Cluster", ["all", *clusters], key="joint_cluster")
    account = right.selectbox("Cloud account / project", ["all", *accounts], key="joint_account")
    shown = [
        link
        for link in links
        if (cluster == "all" or link.cluster == cluster)
        and (account == "all" or f"{link.cloud}:{link.account}" == account)
    ]
    st.text(f"{len(shown)} mapping(s)")
    tab_graph, tab_table = st.tabs(["Graph", "Table"])
    with tab_table:
        table([link.row() for link in shown])
    with tab_graph:
        view = identity.joint_view(shown)
        if view.too_big:
            st.warning(f"{view.node_count} identities: too many to draw; see the table.")
        else:
            graph_column, panel_column = st.columns([3, 2])
            with graph_column:
                draw_graph(view, key="joint_graph")
            with panel_column:
                uid = st.session_state.get(SELECTED)
                node = view.node(uid) if uid else None
                if node and node["label"] in identity.CLUSTER_IDENTITY_KINDS:
                    entity_panel(store, uid or "", node["label"], key="joint_entity")
                else:
                    st.caption("Click a cluster identity for its details and attack edges.")


# -------------------------------------------------------------------------------------- navigation


@dataclass(frozen=True)
class Page:
    slug: str  # in the URL: ?page=findings
    title: str  # in the sidebar and as the page's heading
    render: Callable[[GraphStore], None]


PAGES: tuple[Page, ...] = (
    Page("overview", "Overview", overview_page),
    Page("paths", "Attack paths", paths_page),
    Page("queries", "Risk queries", queries_page),
    Page("findings", "Findings", findings_page),
    Page("console", "Cypher console", console_page),
    Page("joint", "Joint review", joint_page),
)


def page_title(slug: str) -> str:
    return next(page.title for page in PAGES if page.slug == slug)


def render_page(page: Page, store: GraphStore) -> None:
    """A page that fails says so on the page; the sidebar and the other pages keep working."""
    try:
        page.render(store)
    except Exception as exc:  # any bug in one page, not only the errors each page already explains
        logger.exception("page %s failed", page.slug)  # the traceback, for whoever runs the server
        st.error(f"The {page.title} page failed ({type(exc).__name__}). The other pages still work.")
        st.code(str(exc) or repr(exc), language=None)  # the message may quote graph data: text, not markdown


def main() -> None:
    st.set_page_config(page_title="Bridgehead", layout="wide")
    st.sidebar.title("Bridgehead")
    by_title = {page.title: page for page in PAGES}
    if "page" not in st.session_state:  # a shared link opens its page: ?page=findings
        wanted = str(st.query_params.get("page", ""))
        st.session_state["page"] = next((page.title for page in PAGES if page.slug == wanted), PAGES[0].title)
    page = by_title[st.sidebar.radio("Page", list(by_title), key="page")]
    if st.query_params.get("page") != page.slug:
        st.query_params["page"] = page.slug
    try:
        store = get_store()
    except (GraphError, OSError, RuntimeError) as exc:
        st.error("Cannot open the graph.")
        st.code(str(exc), language=None)
        return
    st.sidebar.caption(store.target.describe())
    render_page(page, store)


main()
