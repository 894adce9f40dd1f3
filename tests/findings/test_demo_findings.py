"""Findings on the demo cluster, persisted across runs: ids, statuses, first/last seen, resolved after a fix."""

from __future__ import annotations

from pathlib import Path

from graph.analysis.catalogue import ATTACKS, INTERNET_UID
from graph.analysis.reach import compute_reach
from graph.analysis.run import analyze
from graph.findings.compute import compute_findings
from graph.findings.state import refresh_findings, stored_findings
from graph.marks import mark_owned
from graph.store import GraphStore
from ingest.pipeline import DEMO_DIR
from tests.findings.conftest import CLUSTER_ADMIN, NODE, PRIVATE_NODE, fixed_demo_files, ingest_files

CI_RUNNER = "k8s:demo:serviceaccount:ci/ci-runner"


def test_internet_to_cluster_admin_is_a_critical_finding_with_path_and_fix(demo: GraphStore) -> None:
    report = compute_findings(demo)
    critical = [finding for finding in report.findings if finding.severity == "critical"]
    assert len(critical) == 1
    finding = critical[0]
    assert report.findings[0] is finding, "most severe first"
    assert (finding.entry_uid, finding.target_uid, finding.kind) == (INTERNET_UID, CLUSTER_ADMIN, "cluster-admin")
    assert finding.title == "Internet → cluster-admin (demo)"
    assert finding.hops == 5 and finding.path_count >= 2
    path = finding.path
    assert path.uids[0] == INTERNET_UID and path.uids[-1] == CLUSTER_ADMIN and NODE in path.uids
    # the taken node acts as its kubelet and mints a token for the co-located ci/deployer
    assert path.types[2:4] == ["NODE_ACTS_AS_KUBELET", "CAN_CREATE_TOKEN"]
    assert path.uids[3] == NODE.replace(":node:", ":user:system:node:")
    assert path.types[0] == "INTERNET_EXPOSES" and path.types[-1] == "IS_CLUSTER_ADMIN"
    assert all(path.reasons), "every step explains itself"
    assert path.names[0] == "Internet" and path.names[-1] == "cluster-admin (demo)"
    # every shortest path ends with ci/deployer's cluster-admin binding: the step to fix
    assert finding.remediation_edge == "IS_CLUSTER_ADMIN" and finding.remediation_share == 1.0
    assert finding.remediation == ATTACKS["IS_CLUSTER_ADMIN"].remediation
    assert not finding.remediation_cuts and finding.alternative_hops == 7  # ops-admin's legacy token remains
    assert {"k8s:demo:serviceaccount:ci/deployer", "k8s:demo:serviceaccount:kube-system/ops-admin"} <= set(
        finding.folded_uids
    )
    assert "T1611" in finding.techniques
    # the other findings: node takeover and secrets, all high
    assert {f.kind for f in report.findings[1:]} == {"node-takeover", "secret"}
    assert all(f.severity == "high" for f in report.findings[1:])
    assert not [f for f in report.findings if "payments-api" in f.target_uid]
    assert report.choke_points and report.choke_points[0].score >= report.choke_points[-1].score


def test_ids_are_stable_and_statuses_follow_the_runs(demo: GraphStore) -> None:
    first = refresh_findings(demo)
    assert first.previous_run_at is None and first.findings
    assert first.new == first.findings and not first.still_open and not first.resolved
    stored = {finding.id: finding for finding in stored_findings(demo)}
    assert set(stored) == {finding.id for finding in first.findings}
    critical = next(f for f in stored.values() if f.severity == "critical")
    assert critical.status == "new" and critical.first_seen == critical.last_seen == first.run_at
    assert critical.path.uids == first.findings[0].path.uids and critical.path.reasons == first.findings[0].path.reasons
    assert critical.remediation_edge == "IS_CLUSTER_ADMIN" and critical.other_paths

    analyze(demo)
    compute_reach(demo)
    second = refresh_findings(demo)
    assert second.previous_run_at == first.run_at
    assert {f.id for f in second.findings} == set(stored), "the same graph gives the same ids"
    assert not second.new and not second.resolved and len(second.still_open) == len(stored)
    again = next(f for f in stored_findings(demo) if f.id == critical.id)
    assert again.status == "open" and again.first_seen == first.run_at and again.last_seen == second.run_at


def test_an_owned_node_brings_new_findings(demo: GraphStore) -> None:
    refresh_findings(demo)
    mark_owned(demo, CI_RUNNER)
    run = refresh_findings(demo)
    new = {(f.entry_uid, f.target_uid): f for f in run.new}
    assert (CI_RUNNER, CLUSTER_ADMIN) in new
    finding = new[(CI_RUNNER, CLUSTER_ADMIN)]
    assert finding.severity == "high" and finding.hops == 2
    assert finding.path.types == ["CAN_RUN_AS", "IS_CLUSTER_ADMIN"]
    assert not run.resolved
    mark_owned(demo, CI_RUNNER, on=False)
    run = refresh_findings(demo)
    assert {f.entry_uid for f in run.resolved} == {CI_RUNNER}
    assert not run.new


def test_fixing_a_misconfiguration_resolves_its_finding(demo: GraphStore, tmp_path: Path) -> None:
    before = refresh_findings(demo)
    private_node = next(f for f in before.findings if f.target_uid == PRIVATE_NODE)
    # The private node: through the never-applied preview template (any node it may land on), and two hops
    # longer through storefront's exec grant into the privileged node agent (fixed too).
    assert private_node.from_template == ["Deployment preview/preview"] and private_node.alternative_hops == 6

    ingest_files(demo, fixed_demo_files(tmp_path))
    analyze(demo)
    compute_reach(demo)
    after = refresh_findings(demo)
    resolved = {f.id: f for f in after.resolved}
    assert private_node.id in resolved
    assert resolved[private_node.id].status == "resolved" and resolved[private_node.id].resolved_at == after.run_at
    assert not after.new
    assert any(f.target_uid == CLUSTER_ADMIN for f in after.still_open), "another path to cluster-admin remains"
    stored = {f.id: f for f in stored_findings(demo)}
    assert stored[private_node.id].status == "resolved" and stored[private_node.id].resolved_at == after.run_at
    assert stored[private_node.id].last_seen == before.run_at

    # a later run does not report it again; bringing the misconfiguration back makes it new again
    assert not refresh_findings(demo).resolved
    ingest_files(demo, DEMO_DIR / "k8s")
    analyze(demo)
    compute_reach(demo)
    reopened = {f.id: f for f in refresh_findings(demo).new}
    assert private_node.id in reopened
    assert reopened[private_node.id].first_seen == before.run_at and reopened[private_node.id].resolved_at is None
