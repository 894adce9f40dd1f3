"""Live collection against the fake API server, through the real kubernetes client."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
from rich.console import Console

from ingest.k8s.kinds import ALL_KINDS
from ingest.k8s.live import (
    KubeConnectionError,
    RetryPolicy,
    client_for,
    collect_live,
    current_context,
    list_contexts,
    load_client,
)

from .conftest import Obj, RecordingSleep, build_cluster
from .fake_apiserver import FakeApiServer


def collect(server: FakeApiServer, kubeconfig: Path, sleep: RecordingSleep, **options: object):
    client = load_client("fake-cluster", in_cluster=False, kubeconfig=kubeconfig)
    return collect_live(client, "prod-eks", progress=False, sleep=sleep, **options)  # type: ignore[arg-type]


def names(objects: list[Obj]) -> list[tuple[str, str]]:
    return [(o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in objects]


def test_every_kind_in_the_table_is_listed_and_collected(fake_apiserver, kubeconfig, recording_sleep, cluster_objects):
    snapshot = collect(fake_apiserver, kubeconfig, recording_sleep)

    listed_paths = {request.path for request in fake_apiserver.requests}
    assert {entry.list_path for entry in ALL_KINDS} <= listed_paths
    assert snapshot.collected_kinds == {entry.kind for entry in ALL_KINDS}
    assert snapshot.gaps == []
    assert snapshot.errors == []
    for entry in ALL_KINDS:
        assert sorted(names(snapshot.objects[entry.kind])) == sorted(names(cluster_objects[entry.kind])), entry.kind
    assert snapshot.cluster == "prod-eks"
    assert snapshot.version is not None and snapshot.version["gitVersion"] == "v1.31.4-eks-2d5f260"
    assert snapshot.collected_at > 1_700_000_000_000  # epoch milliseconds


def test_requests_carry_the_bearer_token_from_the_kubeconfig(fake_apiserver, kubeconfig, recording_sleep):
    collect(fake_apiserver, kubeconfig, recording_sleep)
    assert {request.authorization for request in fake_apiserver.requests} == {f"Bearer {fake_apiserver.token}"}


def test_objects_are_api_shaped_with_apiversion_and_kind(fake_apiserver, kubeconfig, recording_sleep):
    snapshot = collect(fake_apiserver, kubeconfig, recording_sleep)

    for entry in ALL_KINDS:
        for obj in snapshot.objects[entry.kind]:
            assert obj["apiVersion"] == entry.api_version
            assert obj["kind"] == entry.kind
    pod = next(p for p in snapshot.objects["Pod"] if p["metadata"]["name"].startswith("payments-api"))
    # camelCase exactly as the API sends it, not the snake_case of the generated Python models
    assert pod["spec"]["serviceAccountName"] == "api"
    assert pod["spec"]["containers"][0]["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
    agent = next(p for p in snapshot.objects["Pod"] if p["metadata"]["name"].startswith("node-exporter"))
    assert agent["spec"]["hostPID"] is True
    assert {"name": "root", "hostPath": {"path": "/", "type": ""}} in agent["spec"]["volumes"]


def test_pagination_follows_continue_across_pages(canary, tmp_path, recording_sleep):
    with FakeApiServer(objects=build_cluster(canary, extra_pods=25)) as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        snapshot = collect(server, kubeconfig, recording_sleep, kinds=["Pod"], page_size=10)
        pod_requests = server.list_requests("Pod")

    assert len(snapshot.objects["Pod"]) == 27
    assert len(pod_requests) == 3
    assert [request.param("limit") for request in pod_requests] == ["10", "10", "10"]
    assert pod_requests[0].param("continue") is None
    tokens = [request.param("continue") for request in pod_requests[1:]]
    assert all(tokens) and len(set(tokens)) == 2
    assert len(set(names(snapshot.objects["Pod"]))) == 27
    assert snapshot.collected_kinds == {"Pod"}


def test_forbidden_secrets_become_a_gap_and_everything_else_is_collected(fake_apiserver, kubeconfig, recording_sleep):
    fake_apiserver.forbidden.add("Secret")

    snapshot = collect(fake_apiserver, kubeconfig, recording_sleep)

    assert "Secret" not in snapshot.collected_kinds
    assert "Secret" not in snapshot.objects
    gap = snapshot.gap_for("Secret")
    assert gap is not None
    assert gap.reason.startswith("forbidden (HTTP 403): secrets is forbidden: User ")
    assert 'cannot list resource "secrets"' in gap.reason
    assert [g.kind for g in snapshot.gaps] == ["Secret"]
    assert snapshot.collected_kinds == {entry.kind for entry in ALL_KINDS} - {"Secret"}
    assert recording_sleep.delays == []  # a 403 is an answer, not something to retry


def test_throttled_twice_then_collected_after_waiting_retry_after(fake_apiserver, kubeconfig, recording_sleep):
    fake_apiserver.throttle["ConfigMap"] = 2

    snapshot = collect(fake_apiserver, kubeconfig, recording_sleep)

    assert "ConfigMap" in snapshot.collected_kinds
    assert snapshot.gaps == []
    assert len(snapshot.objects["ConfigMap"]) == 3
    assert len(fake_apiserver.list_requests("ConfigMap")) == 3  # the client itself did not retry
    assert recording_sleep.delays == [1.0, 1.0]  # Retry-After: 1, honoured each time


def test_server_errors_are_retried_with_growing_backoff_then_become_a_gap(fake_apiserver, kubeconfig, recording_sleep):
    fake_apiserver.unavailable["Deployment"] = 100

    snapshot = collect(fake_apiserver, kubeconfig, recording_sleep, rng=random.Random(7))

    assert len(fake_apiserver.list_requests("Deployment")) == 5
    assert len(recording_sleep.delays) == 4
    ceilings = [0.5, 1.0, 2.0, 4.0]
    for delay, ceiling in zip(recording_sleep.delays, ceilings, strict=True):
        assert ceiling / 2 <= delay <= ceiling  # exponential, with jitter
    gap = snapshot.gap_for("Deployment")
    assert gap is not None
    assert gap.reason == "gave up after 5 attempts (HTTP 503): etcdserver: leader changed"
    assert "Deployment" not in snapshot.collected_kinds
    assert "DaemonSet" in snapshot.collected_kinds


def test_transient_server_error_then_success(fake_apiserver, kubeconfig, recording_sleep):
    fake_apiserver.unavailable["Node"] = 1
    snapshot = collect(fake_apiserver, kubeconfig, recording_sleep)
    assert "Node" in snapshot.collected_kinds
    assert len(recording_sleep.delays) == 1


def test_retry_policy_bounds_attempts(fake_apiserver, kubeconfig, recording_sleep):
    fake_apiserver.throttle["Role"] = 100
    snapshot = collect(fake_apiserver, kubeconfig, recording_sleep, retry=RetryPolicy(max_attempts=2))
    assert len(fake_apiserver.list_requests("Role")) == 2
    gap = snapshot.gap_for("Role")
    assert gap is not None and gap.reason.startswith("gave up after 2 attempts (HTTP 429)")


def test_kind_not_served_is_a_gap(fake_apiserver, kubeconfig, recording_sleep):
    fake_apiserver.not_served.add("ValidatingWebhookConfiguration")
    snapshot = collect(fake_apiserver, kubeconfig, recording_sleep)
    gap = snapshot.gap_for("ValidatingWebhookConfiguration")
    assert gap is not None
    assert gap.reason.startswith("not served by this cluster (HTTP 404")
    assert "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations" in gap.reason


def test_expired_continue_token_restarts_the_listing_once(canary, tmp_path, recording_sleep):
    with FakeApiServer(objects=build_cluster(canary, extra_pods=15)) as server:
        server.expire_continue["Pod"] = 1
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        snapshot = collect(server, kubeconfig, recording_sleep, kinds=["Pod"], page_size=10)
        continues = [request.param("continue") for request in server.list_requests("Pod")]

    # page 1, page 2 (410), restart: page 1, page 2
    assert [token is not None for token in continues] == [False, True, False, True]
    assert len(snapshot.objects["Pod"]) == 17
    assert len(set(names(snapshot.objects["Pod"]))) == 17


def test_rejected_credentials_stop_the_collection_with_a_clear_error(fake_apiserver, tmp_path, recording_sleep):
    kubeconfig = fake_apiserver.write_kubeconfig(tmp_path / "kubeconfig", token="expired-token")
    client = load_client("fake-cluster", in_cluster=False, kubeconfig=kubeconfig)
    with pytest.raises(KubeConnectionError, match=r"rejected the credentials \(HTTP 401"):
        collect_live(client, "prod-eks", progress=False, sleep=recording_sleep)


def test_unreachable_server_is_a_clear_error(fake_apiserver, recording_sleep):
    configuration = fake_apiserver.configuration()
    fake_apiserver.stop()
    client = client_for(configuration)
    with pytest.raises(KubeConnectionError, match=r"cannot reach the API server at http://127\.0\.0\.1"):
        collect_live(client, "prod-eks", progress=False, sleep=recording_sleep)
    assert len(recording_sleep.delays) == 4


def test_collect_with_a_configuration_built_by_hand(fake_apiserver, recording_sleep):
    client = client_for(fake_apiserver.configuration())
    snapshot = collect_live(client, "prod-eks", kinds=["Namespace", "Node"], progress=False, sleep=recording_sleep)
    assert snapshot.collected_kinds == {"Namespace", "Node"}
    assert set(snapshot.objects) == {"Namespace", "Node"}


def test_unknown_kind_name_is_rejected_up_front(fake_apiserver, recording_sleep):
    client = client_for(fake_apiserver.configuration())
    with pytest.raises(ValueError, match="unknown kind 'Pods'"):
        collect_live(client, "prod-eks", kinds=["Pods"], progress=False, sleep=recording_sleep)


def test_objects_are_sorted_and_deterministic(fake_apiserver, kubeconfig, recording_sleep):
    first = collect(fake_apiserver, kubeconfig, recording_sleep)
    second = collect(fake_apiserver, kubeconfig, recording_sleep)
    assert first.objects == second.objects
    for objects in first.objects.values():
        assert names(objects) == sorted(names(objects))


def test_collection_does_not_mutate_the_server_objects(fake_apiserver, kubeconfig, recording_sleep):
    before = copy.deepcopy(fake_apiserver.objects)
    collect(fake_apiserver, kubeconfig, recording_sleep)
    assert fake_apiserver.objects == before


def test_progress_display_shows_counts_and_gaps(fake_apiserver, kubeconfig, recording_sleep):
    fake_apiserver.forbidden.add("Secret")
    console = Console(record=True, width=200, force_terminal=False)
    client = load_client("fake-cluster", in_cluster=False, kubeconfig=kubeconfig)
    collect_live(client, "prod-eks", progress=True, sleep=recording_sleep, console=console)
    text = console.export_text()
    assert "pods" in text and "2 objects" in text
    assert "secrets" in text and "not collected: forbidden (HTTP 403)" in text


def test_quiet_when_progress_is_off(fake_apiserver, kubeconfig, recording_sleep, capsys):
    collect(fake_apiserver, kubeconfig, recording_sleep)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_list_contexts_and_current_context(kubeconfig, tmp_path):
    assert list_contexts(kubeconfig) == ["fake-cluster", "staging"]
    assert current_context(kubeconfig) == "fake-cluster"
    assert list_contexts(tmp_path / "missing") == []
    assert current_context(tmp_path / "missing") is None


def test_list_contexts_reads_kubeconfig_env_at_call_time(kubeconfig, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    assert list_contexts() == ["fake-cluster", "staging"]


def test_load_client_names_a_missing_context(kubeconfig):
    with pytest.raises(KubeConnectionError, match="kubeconfig context nope"):
        load_client("nope", in_cluster=False, kubeconfig=kubeconfig)


def test_load_client_does_not_rewrite_the_kubeconfig(fake_apiserver, kubeconfig, recording_sleep):
    before = kubeconfig.read_bytes()
    collect(fake_apiserver, kubeconfig, recording_sleep, kinds=["Namespace"])
    assert kubeconfig.read_bytes() == before


def test_other_context_is_used_when_asked(fake_apiserver, kubeconfig, recording_sleep):
    client = load_client("staging", in_cluster=False, kubeconfig=kubeconfig)
    assert client.configuration.host == "https://203.0.113.10:6443"


def test_canary_pods_from_fixture_have_literal_env(cluster_objects):
    # guards the fixture itself: the canary tests are only meaningful if the input carries values
    pod = cluster_objects["Pod"][0]
    assert any("value" in env for env in pod["spec"]["containers"][0]["env"])


def test_server_that_stops_answering_mid_collection(fake_apiserver, kubeconfig, recording_sleep):
    fake_apiserver.hang_up.add("Secret")

    snapshot = collect(fake_apiserver, kubeconfig, recording_sleep)

    order = [entry.kind for entry in ALL_KINDS]
    before, after = order[: order.index("Secret")], order[order.index("Secret") + 1 :]
    assert snapshot.collected_kinds == set(before)
    secret_gap = snapshot.gap_for("Secret")
    assert secret_gap is not None and secret_gap.reason.startswith("gave up after 5 attempts (network error)")
    for kind in after:
        gap = snapshot.gap_for(kind)
        assert gap is not None
        assert gap.reason == "not attempted: the API server stopped answering while secrets were listed"
    assert len(fake_apiserver.list_requests("Secret")) == 5
    assert fake_apiserver.list_requests("ConfigMap") == []
