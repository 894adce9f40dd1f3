"""Nothing a user sees on the demo is lost: the attack edges, findings and canned-query rows captured before
the plane-neutral core (demo-before-core.json, commit edd06b6) are all still there, and everything new is one
of the intended additions listed here, each named after the change that brought it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.findings.compute import compute_findings
from graph.store import GraphStore
from queries.library import load_library, run_query

REFERENCE = json.loads((Path(__file__).parent / "demo-before-core.json").read_text())
C = "k8s:demo"
PARAMS = {
    "uid": f"{C}:pod:ci/deploy-runner-gqjj2lmcbx-hf26s",
    "src": "internet",
    "dst": f"{C}:cluster-admin",
    "secret": f"{C}:secret:kube-system/ops-admin-token",
}

Edge = tuple[str, str, str, str]  # type, source uid, target uid, rules
KUBELET_RULES = ("k8s.node.acts-as-kubelet", "k8s.node-authorizer.create-token", "k8s.node-authorizer.read-secret")
# Each intended addition: why, and which new edges it explains.
INTENDED: dict[str, Callable[[Edge], bool]] = {
    # aws-auth maps role ci-runner to the user ci-runner in system:masters: the user is a node now, evaluated
    # with that group (the core's aws-auth identities).
    "aws-auth user": lambda e: e[:3] == ("IS_CLUSTER_ADMIN", f"{C}:user:ci-runner", f"{C}:cluster-admin"),
    # Namespace admin is a target: what an admin of each namespace reaches (nothing on the demo reaches it).
    "namespace admin": lambda e: e[1].startswith(f"{C}:namespace-admin:"),
    # A taken node acts as its kubelet, with the Node authorizer's reach.
    "kubelet identity": lambda e: e[3] in KUBELET_RULES,
    # Controllers without running pods are analysed as their templates: the nightly CronJob runs again.
    "nightly template": lambda e: "ci/cronjob/nightly-build/" in e[1] + e[2],
    # preview.yaml: manifests from Git, never applied (no status, no pods), a privileged template.
    "preview manifests": lambda e: ":preview/" in e[1] + e[2],
}
UNORDERED = ("escapes", "reasons")  # collected lists whose order the query does not fix


def _edges(store: GraphStore) -> set[tuple[str, str, str, str, str]]:
    rows = store.read(
        "MATCH (a)-[e]->(b) WHERE e.rule IS NOT NULL "
        "RETURN type(e) AS type, a.uid AS src, b.uid AS dst, e.rule AS rule, e.reason AS reason"
    )
    return {(r["type"], r["src"], r["dst"], r["rule"], r["reason"]) for r in rows}


def test_every_attack_edge_of_before_is_there_and_every_new_one_is_intended(demo: GraphStore) -> None:
    now = _edges(demo)
    before = {tuple(edge) for edge in REFERENCE["edges"]}
    assert len(before) > 150
    assert before - now == set(), "an attack edge (or its reason) of before is gone"
    unexplained = [edge for edge in now - before if not any(why(edge[:4]) for why in INTENDED.values())]
    assert unexplained == []
    for name, why in INTENDED.items():
        assert any(why(edge[:4]) for edge in now - before), f"{name}: expected new edges, found none"


def test_every_finding_of_before_is_there_no_longer_and_the_new_ones_come_from_templates(demo: GraphStore) -> None:
    now = {finding.id: finding for finding in compute_findings(demo).findings}
    for old in REFERENCE["findings"]:
        finding = now.get(old["id"])
        assert finding is not None, old
        assert (finding.kind, finding.severity, finding.entry_uid, finding.target_uid) == (
            old["kind"], old["severity"], old["entry"], old["target"],
        )  # fmt: skip
        assert finding.hops <= old["hops"], (old, finding.hops)  # new edges may only shorten a path
    added = [
        finding for finding_id, finding in now.items() if finding_id not in {f["id"] for f in REFERENCE["findings"]}
    ]
    assert [(f.target_uid, f.from_template) for f in added] == [(f"{C}:nodes", ["Deployment preview/preview"])]


# The column that names the object a row is about (paths to it may have changed: new edges shorten them).
KEY_COLUMNS = ("target", "identity", "workload", "container", "exposed", "source")


def _key(row: dict[str, Any], column: str) -> str:
    return json.dumps(row.get(column), sort_keys=True, default=str)


def test_every_canned_query_still_returns_the_objects_of_before(demo: GraphStore) -> None:
    library = load_library()
    assert set(library) == set(REFERENCE["queries"]), "a canned query was added or removed: capture again"
    for query_id, query in library.items():
        params = {name: value for name, value in PARAMS.items() if query.param(name)}
        rows = run_query(demo, query, params).rows
        column = next((name for name in KEY_COLUMNS if name in query.returns), None)
        if column is None:  # rows about paths, not objects (shortest-path): they may only get shorter
            assert bool(rows) == bool(REFERENCE["queries"][query_id]), query_id
            continue
        now = {_key(row, column) for row in rows}
        before = {_key(json.loads(row), column) for row in REFERENCE["queries"][query_id]}
        assert before <= now, (query_id, before - now)
