"""Offline collection: files and snapshot directories into the same snapshot the live path makes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import yaml

from ingest.k8s.files import read_k8s_files
from ingest.k8s.kinds import ALL_KINDS, KIND_BY_NAME
from ingest.k8s.live import client_for, collect_live
from ingest.k8s.snapshot import MANIFEST_NAME, CoverageGap, K8sSnapshot, write_snapshot

from .conftest import Obj, RecordingSleep
from .fake_apiserver import FakeApiServer


def write_yaml(path: Path, *documents: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(documents, sort_keys=False), encoding="utf-8")
    return path


def write_json(path: Path, document: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def names(snapshot: K8sSnapshot, kind: str) -> list[str]:
    return [obj["metadata"]["name"] for obj in snapshot.objects.get(kind, [])]


def live_snapshot(server: FakeApiServer) -> K8sSnapshot:
    return collect_live(client_for(server.configuration()), "prod-eks", progress=False, sleep=RecordingSleep())


# ------------------------------------------------------------------------------------------ formats


def test_multi_document_yaml(tmp_path, cluster_objects):
    path = write_yaml(
        tmp_path / "app.yaml",
        cluster_objects["Deployment"][0],
        cluster_objects["Service"][0],
        cluster_objects["ServiceAccount"][0],
        None,  # an empty document (a trailing `---`)
    )

    snapshot = read_k8s_files([path], "prod-eks")

    assert snapshot.errors == []
    assert names(snapshot, "Deployment") == ["payments-api"]
    assert names(snapshot, "Service") == ["payments-api"]
    assert names(snapshot, "ServiceAccount") == ["api"]
    assert snapshot.collected_kinds == {"Deployment", "Service", "ServiceAccount"}
    assert snapshot.gaps == []
    assert snapshot.version is None


def test_hand_written_yaml_keeps_timestamps_as_strings_and_fills_default_namespace(tmp_path):
    path = tmp_path / "pod.yml"
    path.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  creationTimestamp: 2025-03-04T09:15:27Z\n"
        "spec:\n  containers:\n  - name: web\n    image: nginx\n",
        encoding="utf-8",
    )

    snapshot = read_k8s_files([path], "prod-eks")

    (pod,) = snapshot.objects["Pod"]
    assert pod["metadata"]["creationTimestamp"] == "2025-03-04T09:15:27Z"
    assert pod["metadata"]["namespace"] == "default"
    json.dumps(snapshot.objects)  # everything is plain JSON


def test_single_json_object(tmp_path, cluster_objects):
    path = write_json(tmp_path / "role.json", cluster_objects["ClusterRole"][0])
    snapshot = read_k8s_files([path], "prod-eks")
    assert snapshot.errors == []
    assert names(snapshot, "ClusterRole") == ["cluster-admin"]
    assert snapshot.objects["ClusterRole"][0]["rules"][0] == {
        "apiGroups": ["*"],
        "resources": ["*"],
        "verbs": ["*"],
    }


def test_kubectl_list_output(tmp_path, cluster_objects):
    # what `kubectl get pods,rolebindings -A -o json` prints
    document = {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"resourceVersion": ""},
        "items": cluster_objects["Pod"] + cluster_objects["RoleBinding"],
    }
    path = write_json(tmp_path / "dump.json", document)

    snapshot = read_k8s_files([path], "prod-eks")

    assert snapshot.errors == []
    assert len(snapshot.objects["Pod"]) == 2
    assert len(snapshot.objects["RoleBinding"]) == 2
    assert snapshot.collected_kinds == {"Pod", "RoleBinding"}


def test_typed_list_from_the_raw_api_whose_items_lack_kind(tmp_path, cluster_objects):
    items = [{k: v for k, v in obj.items() if k not in ("apiVersion", "kind")} for obj in cluster_objects["Role"]]
    document = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleList",
        "metadata": {},
        "items": items,
    }
    path = write_json(tmp_path / "roles.json", document)

    snapshot = read_k8s_files([path], "prod-eks")

    assert snapshot.errors == []
    assert {(o["apiVersion"], o["kind"]) for o in snapshot.objects["Role"]} == {
        ("rbac.authorization.k8s.io/v1", "Role")
    }


def test_list_item_without_kind_in_a_generic_list_is_an_error(tmp_path):
    document = {"apiVersion": "v1", "kind": "List", "items": [{"metadata": {"name": "x"}}]}
    path = write_json(tmp_path / "dump.json", document)
    snapshot = read_k8s_files([path], "prod-eks")
    assert snapshot.errors == [f"{path} item 1: object has no `kind`; skipped (every Kubernetes object names its kind)"]


def test_directories_are_read_recursively_in_sorted_order(tmp_path, cluster_objects):
    root = tmp_path / "manifests"
    write_yaml(root / "b" / "rbac.yaml", *cluster_objects["ClusterRoleBinding"])
    write_yaml(root / "a" / "nested" / "deep" / "ns.yml", *cluster_objects["Namespace"])
    write_json(root / "c.json", cluster_objects["Ingress"][0])
    (root / "README.md").write_text("# not a manifest\n", encoding="utf-8")
    write_yaml(root / ".git" / "config.yaml", {"kind": "Secret"})  # hidden directories are not ours
    first = dict(cluster_objects["Node"][0])
    second = json.loads(json.dumps(first))
    second["metadata"]["labels"] = {"which": "later-file"}
    write_yaml(root / "a" / "node.yaml", first)
    write_yaml(root / "z" / "node.yaml", second)  # same node again, in a later file: it wins

    snapshot = read_k8s_files([root], "prod-eks")

    assert snapshot.errors == []
    assert len(snapshot.objects["Namespace"]) == 4
    assert len(snapshot.objects["ClusterRoleBinding"]) == 2
    assert names(snapshot, "Ingress") == ["payments"]
    assert snapshot.objects["Node"] == [
        {**second, "metadata": {k: v for k, v in second["metadata"].items() if k != "managedFields"}}
    ]
    assert snapshot.collected_kinds == {"Namespace", "ClusterRoleBinding", "Ingress", "Node"}


def test_duplicates_last_one_wins(tmp_path):
    older = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "ci", "namespace": "tools"}}
    newer = {**older, "automountServiceAccountToken": False}
    path = write_yaml(tmp_path / "sa.yaml", older, newer)
    snapshot = read_k8s_files([path], "prod-eks")
    assert snapshot.objects["ServiceAccount"] == [newer]


def test_legacy_api_group_is_accepted(tmp_path):
    deployment = {
        "apiVersion": "extensions/v1beta1",
        "kind": "Deployment",
        "metadata": {"name": "old", "namespace": "legacy"},
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "x"}]}}},
    }
    path = write_yaml(tmp_path / "old.yaml", deployment)
    snapshot = read_k8s_files([path], "prod-eks")
    assert snapshot.errors == []
    assert snapshot.objects["Deployment"][0]["apiVersion"] == "extensions/v1beta1"


# --------------------------------------------------------------------------------------- bad input


def test_malformed_yaml_names_the_file_and_line_and_the_rest_still_loads(tmp_path, cluster_objects):
    good = write_yaml(tmp_path / "a-good.yaml", *cluster_objects["Service"])
    bad = tmp_path / "b-bad.yaml"
    bad.write_text(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: before-the-error\n  namespace: x\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n  labels: {a: b\n",
        encoding="utf-8",
    )
    also_good = write_json(tmp_path / "c-good.json", cluster_objects["Namespace"][0])

    snapshot = read_k8s_files([good, bad, also_good], "prod-eks")

    assert len(snapshot.errors) == 1
    error = snapshot.errors[0]
    assert error.startswith(f"{bad}: line ")
    assert "malformed YAML" in error and "file skipped" in error
    assert len(snapshot.objects["Service"]) == 3
    assert names(snapshot, "Namespace") == ["default"]
    # nothing half-loaded: the valid document before the error is not taken either
    assert "ServiceAccount" not in snapshot.objects
    assert "ConfigMap" not in snapshot.collected_kinds


def test_malformed_json_names_file_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{\n  "apiVersion": "v1",\n  "kind": "Pod"\n  "metadata": {}\n}\n', encoding="utf-8")
    snapshot = read_k8s_files([path], "prod-eks")
    assert snapshot.errors == [
        f"{path}: line 4 column 3: malformed JSON (Expecting ',' delimiter); file skipped, fix it and ingest again"
    ]
    assert snapshot.objects == {}


def test_object_without_name_is_skipped_with_file_document_and_kind(tmp_path):
    path = write_yaml(
        tmp_path / "workloads.yaml",
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "ok", "namespace": "a"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"namespace": "a"}, "spec": {}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"generateName": "migrate-", "namespace": "a"}},
    )

    snapshot = read_k8s_files([path], "prod-eks")

    assert names(snapshot, "ServiceAccount") == ["ok"]
    assert len(snapshot.errors) == 2
    assert snapshot.errors[0].startswith(f"{path} document 2: Deployment has no metadata.name; skipped.")
    assert snapshot.errors[1].startswith(f"{path} document 3: Job has no metadata.name (it has only generateName")
    assert snapshot.collected_kinds == {"ServiceAccount"}


def test_unknown_kind_is_reported_once_per_file_and_skipped(tmp_path):
    event = {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "a"}}
    path = write_yaml(
        tmp_path / "mixed.yaml",
        event,
        {**event, "metadata": {"name": "e2", "namespace": "a"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", "namespace": "a"}},
    )

    snapshot = read_k8s_files([path], "prod-eks")

    assert names(snapshot, "ConfigMap") == ["cm"]
    assert len(snapshot.errors) == 1
    assert snapshot.errors[0].startswith(
        f"{path}: unknown kind 'Event' (apiVersion 'v1'), 2 objects skipped (first: document 1). Bridgehead reads: "
    )
    assert "Event" not in snapshot.objects


def test_custom_resource_with_a_builtin_kind_name_is_not_taken_for_rbac(tmp_path):
    crd_role = {"apiVersion": "iam.cnrm.cloud.google.com/v1beta1", "kind": "Role", "metadata": {"name": "r"}}
    path = write_yaml(tmp_path / "cnrm.yaml", crd_role)
    snapshot = read_k8s_files([path], "prod-eks")
    assert "Role" not in snapshot.objects
    assert "unknown kind 'Role' (apiVersion 'iam.cnrm.cloud.google.com/v1beta1')" in snapshot.errors[0]


def test_non_mapping_document_is_an_error(tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text("- just\n- a list\n---\njust a string\n", encoding="utf-8")
    snapshot = read_k8s_files([path], "prod-eks")
    assert snapshot.errors == [
        f"{path} document 1: expected a Kubernetes object (a mapping with apiVersion, kind, metadata), "
        "found a list; skipped",
        f"{path} document 2: expected a Kubernetes object (a mapping with apiVersion, kind, metadata), "
        "found a string; skipped",
    ]


def test_missing_path_and_empty_directory_are_errors(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    snapshot = read_k8s_files([tmp_path / "nope.yaml", empty], "prod-eks")
    assert snapshot.errors == [
        f"{tmp_path / 'nope.yaml'}: no such file or directory; check the path",
        f"{empty}: no .yaml, .yml or .json files in this directory; nothing read from it",
    ]


def test_a_cluster_name_is_required_without_a_manifest(tmp_path, cluster_objects):
    path = write_yaml(tmp_path / "ns.yaml", cluster_objects["Namespace"][0])
    with pytest.raises(ValueError, match="no cluster name"):
        read_k8s_files([path], "")


# --------------------------------------------------------------------------- snapshot directories


def test_write_snapshot_then_read_it_back_is_equal(fake_apiserver, tmp_path):
    fake_apiserver.forbidden.add("Secret")
    collected = live_snapshot(fake_apiserver)
    out = tmp_path / "snapshot"

    write_snapshot(collected, out)
    read_back = read_k8s_files([out], "")

    assert read_back == collected  # objects, collected kinds, gaps, version, time, cluster
    assert read_back.objects == collected.objects
    assert read_back.collected_kinds == collected.collected_kinds
    assert read_back.gaps == [CoverageGap("Secret", collected.gaps[0].reason)]


def test_round_trip_keeps_collected_kinds_that_had_no_objects(tmp_path):
    with FakeApiServer(objects={"Namespace": []}) as server:
        collected = collect_live(
            client_for(server.configuration()),
            "c",
            kinds=["Namespace", "Node"],
            progress=False,
            sleep=RecordingSleep(),
        )
    assert collected.objects == {"Namespace": [], "Node": []}
    write_snapshot(collected, tmp_path / "s")
    assert read_k8s_files([tmp_path / "s"], "") == collected


def test_snapshot_files_look_like_kubectl_output_and_are_private(fake_apiserver, tmp_path):
    fake_apiserver.forbidden.add("Secret")
    snapshot = live_snapshot(fake_apiserver)
    out = tmp_path / "snapshot"

    written = write_snapshot(snapshot, out)

    expected = {f"{entry.plural}.json" for entry in ALL_KINDS if entry.kind != "Secret"} | {MANIFEST_NAME}
    assert {path.name for path in written} == expected
    assert {path.name for path in out.iterdir()} == expected  # no temp files left behind
    assert written[-1].name == MANIFEST_NAME
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    pods = json.loads((out / "pods.json").read_text())
    assert pods["apiVersion"] == "v1" and pods["kind"] == "List"
    assert all(item["kind"] == "Pod" and item["apiVersion"] == "v1" for item in pods["items"])

    manifest = json.loads((out / MANIFEST_NAME).read_text())
    assert manifest["format"] == 1
    assert manifest["cluster"] == "prod-eks"
    assert manifest["collected_at"] == snapshot.collected_at
    assert manifest["version"]["gitVersion"] == "v1.31.4-eks-2d5f260"
    assert set(manifest["collected_kinds"]) == snapshot.collected_kinds
    assert manifest["gaps"] == [{"kind": "Secret", "reason": snapshot.gaps[0].reason}]


def test_rewriting_a_snapshot_removes_files_of_kinds_no_longer_collected(fake_apiserver, tmp_path):
    out = tmp_path / "snapshot"
    write_snapshot(live_snapshot(fake_apiserver), out)
    assert (out / "secrets.json").exists()

    fake_apiserver.forbidden.add("Secret")
    second = live_snapshot(fake_apiserver)
    write_snapshot(second, out)

    assert not (out / "secrets.json").exists()
    read_back = read_k8s_files([out], "")
    assert "Secret" not in read_back.collected_kinds
    assert "Secret" not in read_back.objects


def test_manifest_gives_cluster_coverage_and_time_and_an_explicit_cluster_wins(tmp_path, cluster_objects):
    out = tmp_path / "snap"
    write_json(out / "namespaces.json", {"apiVersion": "v1", "kind": "List", "items": cluster_objects["Namespace"]})
    write_json(out / "nodes.json", {"apiVersion": "v1", "kind": "List", "items": []})
    manifest = {
        "format": 1,
        "cluster": "from-manifest",
        "collected_kinds": ["Namespace", "Node"],
        "gaps": [{"kind": "Secret", "reason": "forbidden (HTTP 403): nope"}],
        "version": {"gitVersion": "v1.30.0"},
        "collected_at": 1_741_079_727_000,
    }
    write_json(out / MANIFEST_NAME, manifest)

    snapshot = read_k8s_files([out], "")
    assert snapshot.cluster == "from-manifest"
    assert snapshot.collected_kinds == {"Namespace", "Node"}
    assert snapshot.objects["Node"] == []
    assert snapshot.gaps == [CoverageGap("Secret", "forbidden (HTTP 403): nope")]
    assert snapshot.version == {"gitVersion": "v1.30.0"}
    assert snapshot.collected_at == 1_741_079_727_000

    assert read_k8s_files([out], "renamed").cluster == "renamed"


def test_manifest_of_an_unknown_format_is_reported_and_ignored(tmp_path, cluster_objects):
    out = tmp_path / "snap"
    write_json(out / "namespaces.json", {"apiVersion": "v1", "kind": "List", "items": cluster_objects["Namespace"]})
    write_json(out / MANIFEST_NAME, {"format": 7, "cluster": "x", "collected_kinds": ["Secret"]})

    snapshot = read_k8s_files([out], "prod-eks")

    assert snapshot.collected_kinds == {"Namespace"}
    assert len(snapshot.errors) == 1
    assert "collection manifest format 7 is not 1" in snapshot.errors[0]


def test_all_kinds_in_table_can_be_read_from_files(tmp_path, cluster_objects):
    paths = [
        write_yaml(tmp_path / f"{KIND_BY_NAME[kind].plural}.yaml", *objs) for kind, objs in cluster_objects.items()
    ]
    snapshot = read_k8s_files(paths, "prod-eks")
    assert snapshot.errors == []
    assert snapshot.collected_kinds == {entry.kind for entry in ALL_KINDS}


def test_live_and_file_paths_give_the_same_objects(fake_apiserver, tmp_path, cluster_objects):
    """The raw fixture, as an operator's kubectl dump, reads to what live collection of it gives."""
    live = live_snapshot(fake_apiserver)
    dump: list[Obj] = [obj for objs in cluster_objects.values() for obj in objs]
    path = write_json(tmp_path / "everything.json", {"apiVersion": "v1", "kind": "List", "items": dump})

    offline = read_k8s_files([path], "prod-eks")

    assert offline.objects == live.objects
    assert offline.collected_kinds == live.collected_kinds


def test_utf16_and_bom_files_from_windows_shells_are_read(tmp_path, cluster_objects):
    document = json.dumps({"apiVersion": "v1", "kind": "List", "items": cluster_objects["Namespace"]})
    (tmp_path / "powershell.json").write_bytes(document.encode("utf-16"))  # with a byte-order mark
    (tmp_path / "notepad.yaml").write_bytes(b"\xef\xbb\xbf" + yaml.safe_dump(cluster_objects["Node"][0]).encode())

    snapshot = read_k8s_files([tmp_path], "prod-eks")

    assert snapshot.errors == []
    assert len(snapshot.objects["Namespace"]) == 4
    assert len(snapshot.objects["Node"]) == 1


def test_errors_come_in_file_order(tmp_path):
    write_yaml(tmp_path / "a.yaml", {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e"}})
    (tmp_path / "b.yaml").write_text("key: [unclosed\n", encoding="utf-8")
    snapshot = read_k8s_files([tmp_path], "prod-eks")
    assert [error.split(":")[0] for error in snapshot.errors] == [
        str(tmp_path / "a.yaml"),
        str(tmp_path / "b.yaml"),
    ]


def test_a_kind_whose_file_went_missing_from_a_snapshot_is_not_collected(fake_apiserver, tmp_path):
    out = tmp_path / "snapshot"
    write_snapshot(live_snapshot(fake_apiserver), out)
    (out / "pods.json").unlink()

    snapshot = read_k8s_files([out], "")

    assert "Pod" not in snapshot.collected_kinds
    assert CoverageGap("Pod", "pods.json missing from the snapshot") in snapshot.gaps
    assert snapshot.errors == [
        f"{out / MANIFEST_NAME}: lists Pod as collected but pods.json is missing beside it; "
        "Pod is treated as not collected (restore the file or collect again)"
    ]
    assert "Secret" in snapshot.collected_kinds
