"""Bridgehead's Streamlit UI: `bridgehead ui` (or `streamlit run app.py --server.address 127.0.0.1`).

Object names and annotations are attacker-controlled text: they only ever reach the page through
dataframes, `st.text` and `st.code`, never through markdown or HTML.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pandas as pd
import streamlit as st

from graph.schema import NODE_KINDS
from graph.store import GraphError, GraphStore, open_store
from graph.summary import summarize

ROW_CAP = 1_000
CONSOLE_TIMEOUT_MS = 30_000


@st.cache_resource(show_spinner="Connecting to the graph…")
def get_store() -> GraphStore:
    # One connection per UI server; with the embedded default this reaches (or starts) the shared server
    # the CLI also uses, so the UI sees what `bridgehead ingest` loaded.
    return open_store()


def _cell(value: Any) -> Any:
    return json.dumps(value) if isinstance(value, list | dict) else value


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame([{key: _cell(value) for key, value in row.items()} for row in rows])


def overview_page(store: GraphStore) -> None:
    st.header("Overview")
    summary = summarize(store)
    if not summary.total_nodes:
        st.info("The graph is empty. Load the demo with `bridgehead demo`, or a cluster with "
                "`bridgehead ingest k8s --files DIR --cluster NAME`.")  # fmt: skip
        return
    planes = summary.nodes_by_plane()
    columns = st.columns(len(planes) + 1)
    columns[0].metric("edges", summary.total_edges)
    for column, (plane, count) in zip(columns[1:], sorted(planes.items()), strict=True):
        column.metric(f"{plane} nodes", count)
    kinds = pd.DataFrame(
        [
            {"plane": NODE_KINDS[label].plane, "kind": label, "nodes": count}
            for label, count in summary.nodes_by_kind.items()
        ]
    ).sort_values(["plane", "kind"])
    st.subheader("Nodes per kind")
    st.dataframe(kinds, hide_index=True, use_container_width=True)
    st.subheader("Collections")
    now = time.time() * 1000
    syncs = [
        {
            "scope": sync.scope,
            "source": sync.source,
            "collected": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(sync.finished_at / 1000)),
            "age (min)": round((now - sync.finished_at) / 60_000),
            "coverage gaps": len(sync.gaps),
        }
        for sync in summary.syncs
    ]
    st.dataframe(pd.DataFrame(syncs), hide_index=True, use_container_width=True)
    gaps = [{"scope": sync.scope, "not visible": gap} for sync in summary.syncs for gap in sync.gaps]
    if gaps:
        st.warning(f"{len(gaps)} coverage gap(s): the collector could not read these; paths through them are unknown.")
        st.dataframe(pd.DataFrame(gaps), hide_index=True, use_container_width=True)


def console_page(store: GraphStore) -> None:
    st.header("Cypher console")
    st.caption(f"Read-only (enforced by the database), at most {ROW_CAP} rows, {CONSOLE_TIMEOUT_MS // 1000} s timeout.")
    query = st.text_area(
        "Query", value="MATCH (p:Pod) RETURN p.uid AS uid, p.namespace AS namespace LIMIT 25", height=120
    )
    if st.button("Run", type="primary"):
        try:
            rows = store.read(query, timeout_ms=CONSOLE_TIMEOUT_MS)
        except GraphError as exc:
            st.error(str(exc))
            return
        if len(rows) > ROW_CAP:
            st.warning(f"{len(rows)} rows; showing the first {ROW_CAP}.")
            rows = rows[:ROW_CAP]
        st.text(f"{len(rows)} row(s)")
        st.dataframe(rows_frame(rows), hide_index=True, use_container_width=True)


PAGES = {"Overview": overview_page, "Cypher console": console_page}


def main() -> None:
    st.set_page_config(page_title="Bridgehead", layout="wide")
    st.sidebar.title("Bridgehead")
    page = st.sidebar.radio("Page", list(PAGES), key="page")
    try:
        store = get_store()
    except GraphError as exc:
        st.error(f"Cannot open the graph: {exc}")
        return
    st.sidebar.caption(store.target.describe())
    PAGES[page](store)


main()
