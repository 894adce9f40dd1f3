"""Secret values never leave the collector: unit tests of the redaction rules, then the canary test
that pushes a cluster full of marked values through both collectors and the snapshot writer."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from ingest.k8s.files import read_k8s_files
from ingest.k8s.live import collect_live, load_client
from ingest.k8s.redact import DEFAULT_CONFIGMAP_ALLOWLIST, redact_object
from ingest.k8s.snapshot import K8sSnapshot, write_snapshot

from .conftest import Canary, Obj, RecordingSleep, api_pod_spec, build_cluster, pod_template, typed
from .fake_apiserver import FakeApiServer

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def find(objects: list[Obj], name: str) -> Obj:
    return next(obj for obj in objects if obj["metadata"]["name"] == name)


def env_of(pod_spec: Obj) -> list[Obj]:
    return [
        env
        for list_name in ("containers", "initContainers", "ephemeralContainers")
        for container in pod_spec.get(list_name, [])
        for env in container.get("env", [])
    ]


# --------------------------------------------------------------------------------------------- rules


def test_secret_keeps_keys_type_and_references_but_no_values(cluster_objects):
    secret = find(cluster_objects["Secret"], "db-credentials")

    redacted = redact_object(secret)

    assert redacted["data"] == {"username": "", "password": ""}
    assert redacted["stringData"] == {"connection-string": ""}
    assert redacted["type"] == "Opaque"
    assert redacted["metadata"]["name"] == "db-credentials"
    assert redacted["metadata"]["labels"] == {"app": "payments-api"}
    assert "managedFields" not in redacted["metadata"]
    assert "annotations" not in redacted["metadata"]  # only the last-applied copy was there


def test_service_account_token_secret_keeps_its_binding_annotations(cluster_objects):
    redacted = redact_object(find(cluster_objects["Secret"], "api-token-9k2lm"))
    assert redacted["type"] == "kubernetes.io/service-account-token"
    assert redacted["metadata"]["annotations"]["kubernetes.io/service-account.name"] == "api"
    assert redacted["data"] == {"ca.crt": "", "namespace": "", "token": ""}


def test_input_is_never_mutated(cluster_objects):
    before = copy.deepcopy(cluster_objects)
    for objects in cluster_objects.values():
        for obj in objects:
            redact_object(obj)
    redact_object({"apiVersion": "v1", "kind": "List", "items": cluster_objects["Secret"]})
    assert cluster_objects == before


def test_configmap_values_are_blanked_unless_allow_listed(cluster_objects):
    app_config = redact_object(find(cluster_objects["ConfigMap"], "app-config"))
    assert app_config["data"] == {"DATABASE_HOST": "", "settings.yaml": ""}
    assert app_config["binaryData"] == {"keystore.jks": ""}

    aws_auth_in = find(cluster_objects["ConfigMap"], "aws-auth")
    aws_auth = redact_object(aws_auth_in)
    assert aws_auth["data"] == aws_auth_in["data"]
    assert "system:masters" in aws_auth["data"]["mapRoles"]
    assert LAST_APPLIED not in aws_auth["metadata"].get("annotations", {})


def test_configmap_allowlist_is_by_namespace_and_name(cluster_objects):
    app_config_in = find(cluster_objects["ConfigMap"], "app-config")
    assert redact_object(app_config_in, {("payments", "app-config")})["data"] == app_config_in["data"]
    assert redact_object(app_config_in, {("other", "app-config")})["data"]["DATABASE_HOST"] == ""
    impostor = typed("ConfigMap", {"name": "aws-auth", "namespace": "default"}, data={"mapRoles": "x"})
    assert redact_object(impostor)["data"] == {"mapRoles": ""}
    assert ("kube-system", "aws-auth") in DEFAULT_CONFIGMAP_ALLOWLIST


def test_pod_env_literals_are_removed_in_every_container_list(cluster_objects):
    pod_in = cluster_objects["Pod"][0]
    pod = redact_object(pod_in)

    assert all("value" not in env for env in env_of(pod["spec"]))
    assert [env["name"] for env in env_of(pod["spec"])] == [env["name"] for env in env_of(pod_in["spec"])]
    api = pod["spec"]["containers"][0]
    assert {
        "name": "DB_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}},
    } in api["env"]
    assert api["envFrom"] == pod_in["spec"]["containers"][0]["envFrom"]
    assert pod["spec"]["ephemeralContainers"][0]["env"] == [{"name": "DEBUG_TOKEN"}]


def test_everything_but_env_values_is_kept_in_a_pod(cluster_objects):
    for pod_in in cluster_objects["Pod"]:
        expected = copy.deepcopy(pod_in)
        for env in env_of(expected["spec"]):
            env.pop("value", None)
        expected["metadata"].pop("managedFields", None)
        assert redact_object(pod_in) == expected


@pytest.mark.parametrize(
    "kind", ["Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job", "ReplicationController"]
)
def test_controller_pod_templates_lose_env_literals(kind, cluster_objects):
    (controller,) = cluster_objects[kind]
    redacted = redact_object(controller)
    template_spec = redacted["spec"]["template"]["spec"]
    assert env_of(template_spec), "fixture must have env entries"
    assert all("value" not in env for env in env_of(template_spec))
    assert [env["name"] for env in env_of(template_spec)] == [
        env["name"] for env in env_of(controller["spec"]["template"]["spec"])
    ]


def test_cronjob_job_template_loses_env_literals(cluster_objects):
    (cronjob,) = cluster_objects["CronJob"]
    redacted = redact_object(cronjob)
    template_spec = redacted["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    assert env_of(template_spec)
    assert all("value" not in env for env in env_of(template_spec))
    assert redacted["spec"]["schedule"] == "0 2 * * *"


def test_last_applied_annotation_and_managed_fields_are_dropped_on_any_kind(cluster_objects):
    (deployment,) = cluster_objects["Deployment"]
    deployment = copy.deepcopy(deployment)
    deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "4"
    redacted = redact_object(deployment)
    assert redacted["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "4"}
    assert "managedFields" not in redacted["metadata"]

    role = typed(
        "ClusterRole",
        {"name": "r", "annotations": {LAST_APPLIED: '{"secret": "x"}'}, "managedFields": [{}]},
        rules=[],
    )
    assert redact_object(role) == typed("ClusterRole", {"name": "r"}, rules=[])


def test_lists_are_redacted_item_by_item_even_when_items_lack_kind(cluster_objects):
    secrets = [{k: v for k, v in s.items() if k not in ("apiVersion", "kind")} for s in cluster_objects["Secret"]]
    typed_list = {"apiVersion": "v1", "kind": "SecretList", "metadata": {}, "items": secrets}
    generic = {
        "apiVersion": "v1",
        "kind": "List",
        "items": cluster_objects["Secret"] + cluster_objects["Pod"],
    }
    nested = {"apiVersion": "v1", "kind": "List", "items": [generic]}

    for document in (typed_list, generic, nested):
        redacted = json.dumps(redact_object(document))
        for secret in cluster_objects["Secret"]:
            for value in {**secret.get("data", {}), **secret.get("stringData", {})}.values():
                assert value not in redacted


def test_redaction_is_idempotent(cluster_objects):
    for objects in cluster_objects.values():
        for obj in objects:
            once = redact_object(obj)
            assert redact_object(once) == once


def test_malformed_secret_bearing_fields_are_dropped_not_guessed():
    secret = typed("Secret", {"name": "s", "namespace": "n"}, data=["aGVsbG8="], stringData="password")
    assert redact_object(secret) == typed("Secret", {"name": "s", "namespace": "n"})
    pod = typed("Pod", {"name": "p", "namespace": "n"}, spec={"containers": [{"name": "c", "env": "X=1"}]})
    assert redact_object(pod)["spec"]["containers"] == [{"name": "c"}]


def test_pod_template_helper_covers_init_containers():
    canary = Canary()
    deployment = typed(
        "Deployment",
        {"name": "d", "namespace": "n"},
        spec={"template": pod_template(api_pod_spec(canary, "x"), {})},
    )
    assert not canary.leaks_in(json.dumps(redact_object(deployment)))


# ------------------------------------------------------------------------------------------- canary


def snapshot_leaks(snapshot: K8sSnapshot, canary: Canary) -> list[str]:
    texts = [json.dumps(snapshot.objects), json.dumps(snapshot.version), *snapshot.errors]
    texts += [gap.reason for gap in snapshot.gaps]
    return sorted({leak for text in texts for leak in canary.leaks_in(text)})


def directory_leaks(directory: Path, canary: Canary) -> list[str]:
    leaks = set()
    forbidden = [marker.encode() for marker in canary.forbidden()]
    for path in directory.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            leaks |= {marker.decode() for marker in forbidden if marker in data}
    return sorted(leaks)


def assert_useful_data_survived(snapshot: K8sSnapshot, cluster: dict[str, list[Obj]]) -> None:
    aws_auth = find(snapshot.objects["ConfigMap"], "aws-auth")
    assert aws_auth["data"]["mapRoles"] == find(cluster["ConfigMap"], "aws-auth")["data"]["mapRoles"]
    assert "arn:aws:iam::123456789012:role/platform-admins" in aws_auth["data"]["mapRoles"]
    for secret_in in cluster["Secret"]:
        secret = find(snapshot.objects["Secret"], secret_in["metadata"]["name"])
        assert set(secret.get("data", {})) == set(secret_in.get("data", {}))
        assert set(secret.get("stringData", {})) == set(secret_in.get("stringData", {}))
        assert secret["type"] == secret_in["type"]
    pod = find(snapshot.objects["Pod"], "payments-api-7d9f8b6c5d-x2x9q")
    container_env = ["STRIPE_API_KEY", "LOG_LEVEL", "DB_PASSWORD", "POD_IP"]
    init_env = ["MIGRATION_TOKEN", "DB_PASSWORD"]
    assert [env["name"] for env in env_of(pod["spec"])] == [*container_env, *init_env, "DEBUG_TOKEN"]


def test_canary_fixture_really_carries_every_marker(canary):
    cluster = build_cluster(canary, extra_pods=3)
    raw = json.dumps(cluster)
    for marker in canary.markers:
        # a marker is in the input either literally or base64-encoded (Secret data, binaryData)
        assert marker in raw or any(encoded in raw for encoded in canary.forbidden()), marker
    assert len(canary.leaks_in(raw)) >= len(canary.markers)


def test_canary_live_collection_and_snapshot_files_carry_no_secret_value(tmp_path, canary):
    cluster = build_cluster(canary, extra_pods=12)
    with FakeApiServer(objects=copy.deepcopy(cluster)) as server:
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig")
        client = load_client("fake-cluster", in_cluster=False, kubeconfig=kubeconfig)
        snapshot = collect_live(client, "prod-eks", page_size=5, progress=False, sleep=RecordingSleep())

    assert snapshot_leaks(snapshot, canary) == []
    out = tmp_path / "snapshot"
    write_snapshot(snapshot, out)
    assert directory_leaks(out, canary) == []
    assert_useful_data_survived(snapshot, cluster)

    read_back = read_k8s_files([out], "")
    assert snapshot_leaks(read_back, canary) == []
    assert_useful_data_survived(read_back, cluster)


def test_canary_offline_files_are_redacted_on_read_and_on_write(tmp_path, canary):
    cluster = build_cluster(canary, extra_pods=3)
    source = tmp_path / "handed-over"
    source.mkdir()
    everything: list[Any] = [obj for objects in cluster.values() for obj in objects]
    half = len(everything) // 2
    (source / "manifests.yaml").write_text(yaml.safe_dump_all(everything[:half]), encoding="utf-8")
    list_document = {"apiVersion": "v1", "kind": "List", "items": everything[half:-1]}
    (source / "dump.json").write_text(json.dumps(list_document), encoding="utf-8")
    (source / "nested").mkdir()
    (source / "nested" / "one.json").write_text(json.dumps(everything[-1]), encoding="utf-8")
    assert len(canary.leaks_in("".join(p.read_text() for p in source.rglob("*") if p.is_file()))) > 20

    snapshot = read_k8s_files([source], "prod-eks")

    assert snapshot.errors == []
    assert snapshot_leaks(snapshot, canary) == []
    assert_useful_data_survived(snapshot, cluster)
    out = tmp_path / "snapshot"
    write_snapshot(snapshot, out)
    assert directory_leaks(out, canary) == []
