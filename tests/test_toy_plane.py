"""A plane is added by adding modules: the toy plane (tests/toyplane, one node kind, one structural edge, one
rule, one anchor) is registered from outside graph/ and its objects are loaded, analysed, named by REF,
searched, drawn in a path, exported and turned into findings by code that never names it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph import planes
from graph.analysis.catalogue import RULES, load_catalogue, traversable_edge_types
from graph.analysis.run import analyze
from graph.export import export_graph
from graph.findings.compute import compute_findings
from graph.loader import Sync, load
from graph.opengraph import export_opengraph
from graph.paths import RefError, paths_via, resolve_ref
from graph.records import EdgeRecord, NodeRecord, PropertyError
from graph.schema import INTERNET_UID, NODE_KINDS
from graph.store import GraphStore, open_store
from graph.ui.layout import kind_color, paths_view
from graph.ui.search import search_nodes
from tests import toyplane
from tests.toyplane import admin_uid, machine_uid

LAB = "lab"
WEB, DB, VAULT = (machine_uid(LAB, name) for name in ("web", "db", "vault"))


@pytest.fixture
def toy_store(graph_data_dir: Path) -> Iterator[GraphStore]:
    planes.register_plane(toyplane.PLANE)
    store = open_store(f"embedded://{graph_data_dir}")  # opened after registering: the new kind gets its index
    store.wipe()
    store.ensure_indexes()
    try:
        yield store
    finally:
        store.close()
        planes.unregister_plane("toy")


def _load_lab(store: GraphStore) -> None:
    nodes = [
        NodeRecord("ToyMachine", WEB, {"name": "web", "lab": LAB, "public": True}),
        NodeRecord("ToyMachine", DB, {"name": "db", "lab": LAB}),
        NodeRecord("ToyMachine", VAULT, {"name": "vault", "lab": LAB, "admin": True}),
    ]
    # db trusts logins from web, vault from db: web -> db -> vault -> the lab's admin
    edges = [
        EdgeRecord("TOY_TRUSTS", "ToyMachine", DB, "ToyMachine", WEB),
        EdgeRecord("TOY_TRUSTS", "ToyMachine", VAULT, "ToyMachine", DB),
    ]
    load(store, nodes, edges, Sync.new("toy", toyplane.scope(LAB)), complete_kinds={"ToyMachine"})


def test_the_toy_plane_goes_the_whole_road(toy_store: GraphStore) -> None:
    _load_lab(toy_store)
    report = analyze(toy_store)
    assert toyplane.scope(LAB) in report.scopes
    assert report.edges_by_type == {"TOY_CAN_LOGIN": 4} and not report.missing_endpoints
    assert RULES["toy.login.trusted"].reads == "toy" and "TOY_CAN_LOGIN" in traversable_edge_types()
    rows = toy_store.read("MATCH (a)-[e:TOY_CAN_LOGIN]->(b) RETURN a.uid AS src, b.uid AS dst, e.rule AS rule")
    assert {(r["src"], r["dst"]) for r in rows} == {
        (INTERNET_UID, WEB),
        (WEB, DB),
        (DB, VAULT),
        (VAULT, admin_uid(LAB)),
    }
    assert {r["rule"] for r in rows} == {"toy.login.trusted"}

    # named by REF (its REF word, with or without the tenant; a raw uid; its anchor by the core's word)
    assert resolve_ref(toy_store, "machine:db").uid == DB
    assert resolve_ref(toy_store, "machine:lab/db").uid == DB
    assert resolve_ref(toy_store, VAULT).label == "ToyMachine"
    assert resolve_ref(toy_store, "cloud-admin").uid == admin_uid(LAB)
    with pytest.raises(RefError, match="no object with uid"):
        resolve_ref(toy_store, machine_uid(LAB, "gone"))
    assert [ref.uid for ref in search_nodes(toy_store, "machine:va")] == [VAULT]

    # a path across it, drawn in the plane's colour
    (path,) = paths_via(toy_store, [resolve_ref(toy_store, "internet"), resolve_ref(toy_store, "cloud-admin:lab")])
    assert path.uids == [INTERNET_UID, WEB, DB, VAULT, admin_uid(LAB)] and path.reasons[1] == f"{DB} trusts {WEB}"
    view = paths_view([path])
    assert "ToyMachine" in view.labels() and kind_color("ToyMachine") == "#123456"

    # reach marks and findings read the vocabulary: the lab admin is a cloud-admin crown jewel
    marks = toy_store.read(f"MATCH (n:ToyMachine {{uid: '{WEB}'}}) RETURN n.reaches_cloud_admin_hops AS hops")
    assert marks == [{"hops": 3}]
    (finding,) = compute_findings(toy_store).findings
    assert (finding.kind, finding.severity, finding.target_uid) == ("cloud-admin", "critical", admin_uid(LAB))
    assert finding.remediation_rule == "toy.login.trusted" and finding.remediation == "Remove the trust."

    # exported, with its plane and its own OpenGraph kind
    exported = {node["uid"]: node for node in export_graph(toy_store)["nodes"]}
    assert exported[VAULT]["plane"] == "toy" and exported[VAULT]["tenant"] == LAB
    assert exported[VAULT]["properties"] == {"admin": True}
    opengraph = {node["id"]: node for node in export_opengraph(toy_store)["graph"]["nodes"]}
    assert opengraph[WEB]["kinds"][0] == "Toy_ToyMachine"


def test_the_loader_checks_the_toy_edge_endpoints(toy_store: GraphStore) -> None:
    with pytest.raises(
        PropertyError, match="TOY_TRUSTS edges run from ToyMachine to ToyMachine, not from ToyMachine to CloudAdmin"
    ):
        load(
            toy_store,
            [],
            [EdgeRecord("TOY_TRUSTS", "ToyMachine", WEB, "CloudAdmin", admin_uid(LAB))],
            Sync.new("toy", "toy:lab"),
        )


def test_unregistering_leaves_no_trace(toy_store: GraphStore) -> None:
    load_catalogue()
    assert "ToyMachine" in NODE_KINDS and "TOY_CAN_LOGIN" in traversable_edge_types()
    planes.unregister_plane("toy")
    assert "ToyMachine" not in NODE_KINDS and "TOY_CAN_LOGIN" not in traversable_edge_types()
    planes.register_plane(toyplane.PLANE)  # again, as the fixture's teardown expects it
    assert "TOY_CAN_LOGIN" in load_catalogue()
