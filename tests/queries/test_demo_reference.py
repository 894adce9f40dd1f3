"""Nothing a user sees on the demo is lost: attack edges, findings and every canned query's rows are what
they were before the plane-neutral core (demo-before-core.json, captured at commit edd06b6), except the
intended fixes listed here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from graph.findings.compute import compute_findings
from graph.store import GraphStore
from queries.library import load_library, run_query

REFERENCE = json.loads((Path(__file__).parent / "demo-before-core.json").read_text())
CI_RUNNER_USER = "k8s:demo:user:ci-runner"
# aws-auth maps role ci-runner to the user ci-runner in system:masters: the user is a node now and is
# evaluated together with that group, so it is cluster-admin (before, the user node had no groups).
INTENDED_NEW_EDGES = {
    (
        "IS_CLUSTER_ADMIN",
        CI_RUNNER_USER,
        "k8s:demo:cluster-admin",
        "k8s.rbac.cluster_admin",
    )
}
# ... and so it is listed among the cluster-admin identities and those that can read the ops-admin token.
INTENDED_NEW_ROWS = {"cluster-admin-identities": CI_RUNNER_USER, "who-can-read-secret": CI_RUNNER_USER}
PARAMS = {
    "uid": "k8s:demo:pod:ci/deploy-runner-gqjj2lmcbx-hf26s",
    "src": "internet",
    "dst": "k8s:demo:cluster-admin",
    "secret": "k8s:demo:secret:kube-system/ops-admin-token",
}
UNORDERED = ("escapes", "reasons")  # collected lists whose order the query does not fix


def _row_key(row: dict[str, Any]) -> str:
    normal = {key: sorted(value, key=str) if key in UNORDERED and isinstance(value, list) else value
              for key, value in row.items()}  # fmt: skip
    return json.dumps(normal, sort_keys=True, default=str)


def test_attack_edges_are_those_of_before_plus_the_intended_fixes(demo: GraphStore) -> None:
    rows = demo.read(
        "MATCH (a)-[e]->(b) WHERE e.rule IS NOT NULL "
        "RETURN type(e) AS type, a.uid AS src, b.uid AS dst, e.rule AS rule, e.reason AS reason"
    )
    now = {(r["type"], r["src"], r["dst"], r["rule"], r["reason"]) for r in rows}
    before = {tuple(edge) for edge in REFERENCE["edges"]}
    assert len(before) > 150
    assert {edge[:4] for edge in now - before} == INTENDED_NEW_EDGES
    assert before - now == set(), "an attack edge (or its reason) of before is gone"


def test_findings_are_those_of_before(demo: GraphStore) -> None:
    findings = [
        {"id": f.id, "severity": f.severity, "kind": f.kind, "entry": f.entry_uid, "target": f.target_uid,
         "hops": f.hops, "path_count": f.path_count, "remediation_edge": f.remediation_edge}
        for f in compute_findings(demo).findings
    ]  # fmt: skip
    assert findings == REFERENCE["findings"]


def test_every_canned_query_returns_the_rows_of_before(demo: GraphStore) -> None:
    library = load_library()
    assert set(library) == set(REFERENCE["queries"]), "a canned query was added or removed: capture again"
    for query_id, query in library.items():
        params = {name: value for name, value in PARAMS.items() if query.param(name)}
        now = {_row_key(row) for row in run_query(demo, query, params).rows}
        before = set(REFERENCE["queries"][query_id])
        added = now - before
        if query_id in INTENDED_NEW_ROWS:
            assert added and all(INTENDED_NEW_ROWS[query_id] in row for row in added), (query_id, added)
        else:
            assert not added, (query_id, added)
        assert before <= now, (query_id, before - now)
