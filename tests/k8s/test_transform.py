"""Pure tests of the Kubernetes transform: API-shaped objects in, records out. No database."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from graph.planes.k8s.uids import container_uid, object_uid
from graph.records import EdgeRecord, Records, check_edge, check_node
from ingest.k8s.kinds import ALL_KINDS
from ingest.k8s.transform import LabelSelector, parse_label_selector, transform_objects

ALL_KIND_NAMES = [kind.kind for kind in ALL_KINDS]
DEMO_DIR = Path(__file__).resolve().parents[2] / "ingest" / "demo" / "k8s"
CLUSTER = "prod"


# ------------------------------------------------------------------------------------------ fixtures


def obj(kind: str, name: str, namespace: str | None = "web", **fields: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "uid": f"uid-{kind}-{namespace}-{name}"}
    if namespace is not None:
        metadata["namespace"] = namespace
    for key in ("labels", "annotations", "ownerReferences", "creationTimestamp"):
        if key in fields:
            metadata[key] = fields.pop(key)
    return {"kind": kind, "metadata": metadata, **fields}


def pod(name: str, namespace: str = "web", *, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    spec.setdefault("containers", [{"name": "app", "image": "app:1"}])
    phase = spec.pop("phase", "Running")
    extra = {key: spec.pop(key) for key in ("annotations", "ownerReferences") if key in spec}
    return obj("Pod", name, namespace, labels=labels or {}, spec=spec, status={"phase": phase}, **extra)


def run(objects: Mapping[str, list[dict[str, Any]]], collected: list[str] | None = None) -> Records:
    """Transform and validate every record. By default the kinds present count as collected, as they
    do for offline files: references to objects of other kinds are kept, not dropped."""
    records = transform_objects(CLUSTER, objects, list(objects) if collected is None else collected)
    for node in records.nodes:
        check_node(node)
    for edge in records.edges:
        check_edge(edge)
    return records


def node(records: Records, uid: str) -> Mapping[str, Any]:
    found = [record for record in records.nodes if record.uid == uid]
    assert len(found) == 1, f"expected exactly one node {uid}, found {len(found)}"
    return found[0].props


def edges(records: Records, edge_type: str, src: str | None = None) -> list[EdgeRecord]:
    return [e for e in records.edges if e.type == edge_type and (src is None or e.src_uid == src)]


def targets(records: Records, edge_type: str, src: str) -> set[str]:
    return {e.dst_uid for e in edges(records, edge_type, src)}


def uid(kind: str, name: str, namespace: str | None = None) -> str:
    return object_uid(CLUSTER, kind, name, namespace)


# ------------------------------------------------------------------------------------------ uids


def test_uid_conventions() -> None:
    assert object_uid("prod", "Cluster", "prod") == "k8s:prod"
    assert object_uid("prod", "Pod", "frontend-7d9", "web") == "k8s:prod:pod:web/frontend-7d9"
    assert object_uid("prod", "Secret", "db-creds", "web") == "k8s:prod:secret:web/db-creds"
    assert object_uid("prod", "ServiceAccount", "default", "web") == "k8s:prod:serviceaccount:web/default"
    assert object_uid("prod", "Node", "ip-10-0-1-5") == "k8s:prod:node:ip-10-0-1-5"
    assert object_uid("prod", "ClusterRole", "cluster-admin") == "k8s:prod:clusterrole:cluster-admin"
    assert object_uid("prod", "User", "alice@example.com") == "k8s:prod:user:alice@example.com"
    assert object_uid("prod", "Group", "system:masters") == "k8s:prod:group:system:masters"
    assert container_uid("prod", "web", "Pod", "frontend-7d9", "app") == "k8s:prod:container:web/frontend-7d9/app"
    assert (
        container_uid("prod", "web", "Deployment", "frontend", "app")
        == "k8s:prod:container:web/deployment/frontend/app"
    )


def test_records_use_the_conventions_and_carry_common_properties() -> None:
    records = run(
        {
            "Namespace": [obj("Namespace", "web", None)],
            "Secret": [obj("Secret", "db-creds", creationTimestamp="2024-01-02T03:04:05Z", labels={"a": "b"})],
            "Pod": [pod("frontend-7d9")],
        }
    )
    secret = node(records, "k8s:prod:secret:web/db-creds")
    assert secret["name"] == "db-creds"
    assert secret["namespace"] == "web"
    assert secret["kind"] == "Secret"
    assert secret["cluster"] == "prod"
    assert secret["created_at"] == 1704164645000
    assert json.loads(secret["labels_json"]) == {"a": "b"}
    assert json.loads(secret["annotations_json"]) == {}
    namespace = node(records, "k8s:prod:namespace:web")
    assert "namespace" not in namespace
    assert [n.kind for n in records.nodes if n.uid == "k8s:prod:secret:web/db-creds"] == ["KubeSecret"]
    assert node(records, "k8s:prod")["kind"] == "Cluster"
    assert node(records, "k8s:prod:container:web/frontend-7d9/app")["workload_kind"] == "Pod"
    assert targets(records, "IN_NAMESPACE", "k8s:prod:secret:web/db-creds") == {"k8s:prod:namespace:web"}
    assert targets(records, "IN_CLUSTER", "k8s:prod:namespace:web") == {"k8s:prod"}


# ------------------------------------------------------------------------------------------ pods, containers


def escape_pod() -> dict[str, Any]:
    return pod(
        "agent",
        hostPID=True,
        hostIPC=True,
        hostNetwork=True,
        shareProcessNamespace=True,
        nodeName="node-1",
        serviceAccountName="agent",
        automountServiceAccountToken=False,
        securityContext={"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
        annotations={"container.apparmor.security.beta.kubernetes.io/main": "unconfined"},
        initContainers=[
            {
                "name": "setup",
                "image": "busybox:1",
                "securityContext": {"privileged": True, "runAsUser": 0},
                "volumeMounts": [{"name": "host-root", "mountPath": "/host"}],
            }
        ],
        containers=[
            {
                "name": "main",
                "image": "agent:2",
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "readOnlyRootFilesystem": True,
                    "procMount": "Unmasked",
                    "capabilities": {"add": ["SYS_ADMIN", "cap_sys_ptrace"], "drop": ["ALL"]},
                    "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/agent.json"},
                },
                "ports": [{"containerPort": 9100, "hostPort": 9100, "protocol": "TCP"}, {"containerPort": 8080}],
                "env": [
                    {"name": "PLAIN", "value": "do-not-store-this-literal"},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "password"}}},
                    {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "agent-config", "key": "mode"}}},
                ],
                "envFrom": [{"secretRef": {"name": "api-keys"}}, {"configMapRef": {"name": "agent-env"}}],
                "volumeMounts": [
                    {"name": "host-root", "mountPath": "/host-ro", "readOnly": True},
                    {"name": "docker", "mountPath": "/var/run/docker.sock", "readOnly": True},
                    {"name": "token", "mountPath": "/var/run/secrets/tokens"},
                    {"name": "certs", "mountPath": "/certs", "subPath": "tls", "readOnly": True},
                ],
            }
        ],
        ephemeralContainers=[
            {"name": "debugger", "image": "busybox:1", "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}
        ],
        volumes=[
            {"name": "host-root", "hostPath": {"path": "/", "type": "Directory"}},
            {"name": "docker", "hostPath": {"path": "/var/run/docker.sock", "type": "Socket"}},
            {
                "name": "token",
                "projected": {
                    "sources": [
                        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
                        {"secret": {"name": "projected-secret"}},
                        {"configMap": {"name": "kube-root-ca.crt"}},
                    ]
                },
            },
            {"name": "certs", "secret": {"secretName": "agent-tls"}},
        ],
    )


def test_pod_level_security_fields() -> None:
    records = run({"Pod": [escape_pod()]})
    props = node(records, uid("Pod", "agent", "web"))
    assert props["host_pid"] is True
    assert props["host_ipc"] is True
    assert props["host_network"] is True
    assert props["share_process_namespace"] is True
    assert props["service_account"] == "agent"
    assert props["automount_service_account_token"] is False
    assert props["node_name"] == "node-1"
    assert props["phase"] == "Running"
    assert sorted(props["host_paths"]) == ["/", "/var/run/docker.sock"]
    assert props["host_paths_writable"] == ["/"]  # the init container mounts / read-write
    mounts = {(m["container"], m["path"]): m for m in json.loads(props["host_path_mounts_json"])}
    assert mounts[("setup", "/")]["read_only"] is False
    assert mounts[("setup", "/")]["container_type"] == "init"
    assert mounts[("main", "/")]["read_only"] is True
    assert (
        mounts[("main", "/var/run/docker.sock")] | {"read_only": True, "type": "Socket"}
        == mounts[("main", "/var/run/docker.sock")]
    )
    assert props["secret_volumes"] == ["agent-tls", "projected-secret"]
    assert props["projected_token"] is True
    assert props["projected_token_audiences"] == []
    assert json.loads(props["security_context_json"])["runAsNonRoot"] is True
    assert {v["name"] for v in json.loads(props["volumes_json"])} == {"host-root", "docker", "token", "certs"}
    assert props["container_names"] == ["main", "setup", "debugger"]
    # An explicit projected token counts even though the pod turned automount off.
    assert props["token_mounted"] is True
    assert props["token_mount_reason"] == "projected-volume"
    assert targets(records, "RUNS_ON", uid("Pod", "agent", "web")) == {uid("Node", "node-1")}


def test_every_container_kind_and_its_security_fields() -> None:
    records = run({"Pod": [escape_pod()]})
    pod_uid = uid("Pod", "agent", "web")
    has = {e.dst_uid: e.props["container_type"] for e in edges(records, "HAS_CONTAINER", pod_uid)}
    init = container_uid(CLUSTER, "web", "Pod", "agent", "setup")
    main = container_uid(CLUSTER, "web", "Pod", "agent", "main")
    ephemeral = container_uid(CLUSTER, "web", "Pod", "agent", "debugger")
    assert has == {init: "init", main: "container", ephemeral: "ephemeral"}

    setup = node(records, init)
    assert setup["container_type"] == "init"
    assert setup["privileged"] is True
    assert (setup["run_as_user"], setup["run_as_user_source"]) == (0, "container")
    assert (setup["run_as_non_root"], setup["run_as_non_root_source"]) == (True, "pod")
    assert (setup["seccomp_profile"], setup["seccomp_profile_source"]) == ("RuntimeDefault", "pod")
    assert setup["allow_privilege_escalation"] is None  # unset: Kubernetes allows escalation

    agent = node(records, main)
    assert agent["privileged"] is False
    assert agent["image"] == "agent:2"
    assert agent["allow_privilege_escalation"] is False
    assert agent["read_only_root_filesystem"] is True
    assert (agent["run_as_user"], agent["run_as_user_source"]) == (1000, "pod")
    assert agent["capabilities_add"] == ["SYS_ADMIN", "SYS_PTRACE"]
    assert agent["capabilities_drop"] == ["ALL"]
    assert (agent["seccomp_profile"], agent["seccomp_profile_source"]) == ("Localhost/profiles/agent.json", "container")
    assert (agent["apparmor_profile"], agent["apparmor_profile_source"]) == ("Unconfined", "annotation")
    assert agent["proc_mount"] == "Unmasked"
    assert agent["host_ports"] == [9100]
    assert [p["containerPort"] for p in json.loads(agent["ports_json"])] == [9100, 8080]
    mounts = {m["mountPath"]: m for m in json.loads(agent["volume_mounts_json"])}
    assert mounts["/host-ro"] == {
        "name": "host-root",
        "mountPath": "/host-ro",
        "readOnly": True,
        "subPath": None,
        "mountPropagation": None,
    }
    assert mounts["/certs"]["subPath"] == "tls"
    assert agent["env_names"] == ["PLAIN", "DB_PASSWORD", "MODE"]
    assert agent["env_secret_refs"] == ["api-keys", "db-creds"]
    assert agent["env_configmap_refs"] == ["agent-config", "agent-env"]
    assert json.loads(agent["env_from_json"]) == [
        {"secretRef": {"name": "api-keys"}},
        {"configMapRef": {"name": "agent-env"}},
    ]
    assert node(records, ephemeral)["capabilities_add"] == ["NET_ADMIN"]


def test_no_literal_or_secret_value_reaches_the_graph() -> None:
    # Defence in depth: even objects the collector failed to redact leak nothing.
    leaky_secret = obj(
        "Secret",
        "db-creds",
        type="Opaque",
        data={"password": "aHVudGVyMg=="},
        stringData={"token": "hunter2"},
        annotations={"kubectl.kubernetes.io/last-applied-configuration": '{"data":{"password":"hunter2"}}'},
    )
    records = run({"Pod": [escape_pod()], "Secret": [leaky_secret]})
    text = json.dumps([dict(n.props) for n in records.nodes] + [dict(e.props) for e in records.edges])
    for value in ("do-not-store-this-literal", "hunter2", "aHVudGVyMg=="):
        assert value not in text
    assert node(records, uid("Secret", "db-creds", "web"))["keys"] == ["password", "token"]


def test_secret_and_configmap_references_say_how_and_which_containers() -> None:
    records = run({"Pod": [escape_pod()]})
    pod_uid = uid("Pod", "agent", "web")
    secrets = {e.dst_uid: dict(e.props) for e in edges(records, "MOUNTS_SECRET", pod_uid)}
    assert secrets == {
        uid("Secret", "agent-tls", "web"): {"via": ["volume"], "containers": ["main"]},
        uid("Secret", "projected-secret", "web"): {"via": ["projected"], "containers": ["main"]},
        uid("Secret", "db-creds", "web"): {"via": ["env"], "containers": ["main"]},
        uid("Secret", "api-keys", "web"): {"via": ["envFrom"], "containers": ["main"]},
    }
    configmaps = {e.dst_uid: e.props["via"] for e in edges(records, "MOUNTS_CONFIGMAP", pod_uid)}
    assert configmaps == {
        uid("ConfigMap", "kube-root-ca.crt", "web"): ["projected"],
        uid("ConfigMap", "agent-config", "web"): ["env"],
        uid("ConfigMap", "agent-env", "web"): ["envFrom"],
    }


def test_one_secret_referenced_several_ways_gives_one_edge() -> None:
    shared = pod(
        "p",
        containers=[
            {"name": "a", "envFrom": [{"secretRef": {"name": "s"}}]},
            {"name": "b", "volumeMounts": [{"name": "v", "mountPath": "/s"}]},
        ],
        volumes=[{"name": "v", "secret": {"secretName": "s"}}],
    )
    found = edges(run({"Pod": [shared]}), "MOUNTS_SECRET")
    assert len(found) == 1
    assert dict(found[0].props) == {"via": ["envFrom", "volume"], "containers": ["a", "b"]}


@pytest.mark.parametrize(
    ("pod_automount", "sa_automount", "sa_listed", "expected", "reason"),
    [
        (None, None, True, True, "default"),
        (None, False, True, False, "service-account"),
        (True, False, True, True, "pod"),  # the pod wins over its service account
        (False, True, True, False, "pod"),
        (None, None, False, True, "default"),  # SA not in the snapshot: Kubernetes' default
    ],
)
def test_token_mount_pod_setting_wins_over_service_account(
    pod_automount: bool | None, sa_automount: bool | None, sa_listed: bool, expected: bool, reason: str
) -> None:
    spec: dict[str, Any] = {"serviceAccountName": "runner"}
    if pod_automount is not None:
        spec["automountServiceAccountToken"] = pod_automount
    account = obj("ServiceAccount", "runner")
    if sa_automount is not None:
        account["automountServiceAccountToken"] = sa_automount
    records = run({"Pod": [pod("p", **spec)], "ServiceAccount": [account] if sa_listed else []})
    props = node(records, uid("Pod", "p", "web"))
    assert props["automount_service_account_token"] == pod_automount
    assert (props["token_mounted"], props["token_mount_reason"]) == (expected, reason)
    if sa_listed:
        assert node(records, uid("ServiceAccount", "runner", "web"))["automount_service_account_token"] == sa_automount
    assert targets(records, "USES_SERVICE_ACCOUNT", uid("Pod", "p", "web")) == (
        {uid("ServiceAccount", "runner", "web")} if sa_listed else set()
    )


def test_an_audience_bound_token_is_not_an_api_token() -> None:
    # IRSA's projected token (audience sts.amazonaws.com) does not authenticate to the API server.
    irsa = pod(
        "p",
        automountServiceAccountToken=False,
        containers=[{"name": "app", "volumeMounts": [{"name": "aws", "mountPath": "/aws"}]}],
        volumes=[
            {"name": "aws", "projected": {"sources": [{"serviceAccountToken": {"audience": "sts.amazonaws.com"}}]}}
        ],
    )
    props = node(run({"Pod": [irsa]}), uid("Pod", "p", "web"))
    assert props["projected_token"] is True
    assert props["projected_token_audiences"] == ["sts.amazonaws.com"]
    assert (props["token_mounted"], props["token_mount_reason"]) == (False, "pod")


def test_default_service_account_when_unset() -> None:
    records = run({"Pod": [pod("p")], "ServiceAccount": [obj("ServiceAccount", "default")]})
    assert node(records, uid("Pod", "p", "web"))["service_account"] == "default"
    assert targets(records, "USES_SERVICE_ACCOUNT", uid("Pod", "p", "web")) == {uid("ServiceAccount", "default", "web")}


def test_controller_template_containers_are_modelled() -> None:
    template = {
        "metadata": {"labels": {"app": "api"}},
        "spec": {
            "serviceAccountName": "api",
            "hostNetwork": True,
            "containers": [{"name": "app", "image": "api:1", "securityContext": {"privileged": True}}],
            "volumes": [{"name": "c", "secret": {"secretName": "api-creds"}}],
        },
    }
    records = run(
        {
            "Deployment": [
                obj(
                    "Deployment",
                    "api",
                    spec={"replicas": 3, "selector": {"matchLabels": {"app": "api"}}, "template": template},
                )
            ],
            "CronJob": [
                obj(
                    "CronJob", "backup", spec={"schedule": "0 1 * * *", "jobTemplate": {"spec": {"template": template}}}
                )
            ],
        }
    )
    deployment = node(records, uid("Deployment", "api", "web"))
    assert deployment["replicas"] == 3
    assert deployment["host_network"] is True
    assert deployment["service_account"] == "api"
    assert json.loads(deployment["template_labels_json"]) == {"app": "api"}
    app = "k8s:prod:container:web/deployment/api/app"
    assert targets(records, "HAS_CONTAINER", uid("Deployment", "api", "web")) == {app}
    assert node(records, app)["privileged"] is True
    assert node(records, app)["workload_kind"] == "Deployment"
    assert targets(records, "USES_SERVICE_ACCOUNT", uid("Deployment", "api", "web")) == {
        uid("ServiceAccount", "api", "web")
    }
    assert targets(records, "MOUNTS_SECRET", uid("Deployment", "api", "web")) == {uid("Secret", "api-creds", "web")}
    cronjob = node(records, uid("CronJob", "backup", "web"))
    assert cronjob["schedule"] == "0 1 * * *"
    assert targets(records, "HAS_CONTAINER", uid("CronJob", "backup", "web")) == {
        "k8s:prod:container:web/cronjob/backup/app"
    }


# ------------------------------------------------------------------------------------------ ownership


def owner(kind: str, name: str, api_version: str = "apps/v1", ref_uid: str | None = None) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": ref_uid or f"uid-{kind}-web-{name}",
        "controller": True,
    }


def test_owner_references_become_owns_edges() -> None:
    records = run(
        {
            "Deployment": [obj("Deployment", "api", spec={})],
            "ReplicaSet": [obj("ReplicaSet", "api-5f7", spec={}, ownerReferences=[owner("Deployment", "api")])],
            "CronJob": [obj("CronJob", "backup", spec={})],
            "Job": [obj("Job", "backup-1", spec={}, ownerReferences=[owner("CronJob", "backup", "batch/v1")])],
            "Node": [obj("Node", "node-1", None)],
            "Pod": [
                pod("api-5f7-x", ownerReferences=[owner("ReplicaSet", "api-5f7")]),
                pod("backup-1-y", ownerReferences=[owner("Job", "backup-1", "batch/v1")]),
                # A static pod's mirror is owned by its node.
                pod(
                    "etcd-node-1",
                    "kube-system",
                    ownerReferences=[owner("Node", "node-1", "v1", "uid-Node-None-node-1")],
                ),
                # An owner Bridgehead does not model, and a stale reference to a recreated owner.
                pod("rollout-z", ownerReferences=[owner("Rollout", "canary", "argoproj.io/v1alpha1")]),
                pod("orphan", ownerReferences=[owner("ReplicaSet", "api-5f7", ref_uid="uid-of-a-deleted-rs")]),
            ],
        }
    )
    owns = {(e.src_uid, e.dst_uid) for e in edges(records, "OWNS")}
    assert owns == {
        (uid("Deployment", "api", "web"), uid("ReplicaSet", "api-5f7", "web")),
        (uid("ReplicaSet", "api-5f7", "web"), uid("Pod", "api-5f7-x", "web")),
        (uid("CronJob", "backup", "web"), uid("Job", "backup-1", "web")),
        (uid("Job", "backup-1", "web"), uid("Pod", "backup-1-y", "web")),
        (uid("Node", "node-1"), uid("Pod", "etcd-node-1", "kube-system")),
    }
    assert all(e.props["controller"] is True for e in edges(records, "OWNS"))
    assert json.loads(node(records, uid("Pod", "rollout-z", "web"))["owner_refs_json"])[0]["kind"] == "Rollout"


# ------------------------------------------------------------------------------------------ RBAC


def test_rbac_rules_are_kept_per_rule_exactly() -> None:
    rules = [
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create", "patch"]},
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["db-creds"]},
        {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
        {"nonResourceURLs": ["/metrics"], "verbs": ["get"]},
    ]
    records = run({"Role": [obj("Role", "deployer", rules=rules)]})
    props = node(records, uid("Role", "deployer", "web"))
    kept = json.loads(props["rules_json"])
    assert props["rule_count"] == 4
    assert kept[0] == {
        "apiGroups": ["apps"],
        "resources": ["deployments"],
        "verbs": ["create", "patch"],
        "resourceNames": [],
        "nonResourceURLs": [],
    }
    assert kept[1]["resourceNames"] == ["db-creds"]
    assert kept[1]["resources"] == ["secrets"]
    assert kept[2]["resources"] == ["pods/exec"]
    assert kept[3] == {
        "apiGroups": [],
        "resources": [],
        "verbs": ["get"],
        "resourceNames": [],
        "nonResourceURLs": ["/metrics"],
    }


def test_role_binding_to_a_cluster_role_is_scoped_to_its_namespace() -> None:
    records = run(
        {
            "ClusterRole": [obj("ClusterRole", "edit", None, rules=[])],
            "Role": [obj("Role", "local", rules=[])],
            "RoleBinding": [
                obj("RoleBinding", "edit-here", roleRef={"kind": "ClusterRole", "name": "edit"}, subjects=[]),
                obj("RoleBinding", "local", roleRef={"kind": "Role", "name": "local"}, subjects=[]),
            ],
            "ClusterRoleBinding": [
                obj(
                    "ClusterRoleBinding", "edit-all", None, roleRef={"kind": "ClusterRole", "name": "edit"}, subjects=[]
                )
            ],
        }
    )
    (to_cluster_role,) = edges(records, "BINDS_ROLE", uid("RoleBinding", "edit-here", "web"))
    assert to_cluster_role.dst_uid == uid("ClusterRole", "edit")
    assert to_cluster_role.dst_kind == "ClusterRole"
    assert dict(to_cluster_role.props) == {"grant_scope": "namespace", "namespace": "web"}
    assert targets(records, "BINDS_ROLE", uid("RoleBinding", "local", "web")) == {uid("Role", "local", "web")}
    (cluster_wide,) = edges(records, "BINDS_ROLE", uid("ClusterRoleBinding", "edit-all"))
    assert cluster_wide.props["grant_scope"] == "cluster"
    binding = node(records, uid("RoleBinding", "edit-here", "web"))
    assert (binding["role_kind"], binding["role_name"]) == ("ClusterRole", "edit")


def test_binding_subjects_users_groups_and_service_accounts() -> None:
    subjects = [
        {"kind": "Group", "name": "system:serviceaccounts:ci", "apiGroup": "rbac.authorization.k8s.io"},
        {"kind": "User", "name": "alice@example.com", "apiGroup": "rbac.authorization.k8s.io"},
        {"kind": "ServiceAccount", "name": "builder", "namespace": "ci"},  # another namespace
        {"kind": "ServiceAccount", "name": "local"},  # a RoleBinding's own namespace
        {"kind": "User", "name": "system:serviceaccount:ci:builder"},  # the SA's username
    ]
    records = run(
        {
            "RoleBinding": [obj("RoleBinding", "b", roleRef={"kind": "Role", "name": "r"}, subjects=subjects)],
            "ServiceAccount": [obj("ServiceAccount", "builder", "ci"), obj("ServiceAccount", "local")],
        }
    )
    binding = uid("RoleBinding", "b", "web")
    assert json.loads(node(records, binding)["subjects_json"])[2] == {
        "kind": "ServiceAccount",
        "name": "builder",
        "namespace": "ci",
    }
    subject_edges = {(e.dst_kind, e.dst_uid, e.props["subject_kind"]) for e in edges(records, "HAS_SUBJECT", binding)}
    # Both subjects naming ci/builder (as ServiceAccount and by its username) give one edge.
    assert subject_edges == {
        ("KubeGroup", uid("Group", "system:serviceaccounts:ci"), "Group"),
        ("KubeUser", uid("User", "alice@example.com"), "User"),
        ("ServiceAccount", uid("ServiceAccount", "builder", "ci"), "User"),
        ("ServiceAccount", uid("ServiceAccount", "local", "web"), "ServiceAccount"),
    }
    assert node(records, uid("User", "alice@example.com"))["kind"] == "User"
    assert node(records, uid("Group", "system:serviceaccounts:ci"))["name"] == "system:serviceaccounts:ci"
    # ci/builder is in system:serviceaccounts:ci without anyone saying so (and so is the namespace's
    # implied default service account); web/local is not.
    members = {(e.src_uid, e.dst_uid) for e in edges(records, "MEMBER_OF")}
    assert members == {
        (uid("ServiceAccount", "builder", "ci"), uid("Group", "system:serviceaccounts:ci")),
        (uid("ServiceAccount", "default", "ci"), uid("Group", "system:serviceaccounts:ci")),
    }


def test_users_are_in_system_authenticated_when_it_is_bound() -> None:
    subjects = [
        {"kind": "Group", "name": "system:authenticated"},
        {"kind": "Group", "name": "system:unauthenticated"},
        {"kind": "User", "name": "bob"},
        {"kind": "User", "name": "system:anonymous"},
    ]
    records = run(
        {
            "ClusterRoleBinding": [
                obj("ClusterRoleBinding", "b", None, roleRef={"kind": "ClusterRole", "name": "r"}, subjects=subjects)
            ],
            "ServiceAccount": [obj("ServiceAccount", "sa")],
        }
    )
    members = {(e.src_uid, e.dst_uid) for e in edges(records, "MEMBER_OF")}
    assert members == {
        (uid("User", "bob"), uid("Group", "system:authenticated")),
        (uid("User", "system:anonymous"), uid("Group", "system:unauthenticated")),
        (uid("ServiceAccount", "sa", "web"), uid("Group", "system:authenticated")),
        (uid("ServiceAccount", "default", "web"), uid("Group", "system:authenticated")),  # implied
    }


def test_cluster_role_aggregation() -> None:
    records = run(
        {
            "ClusterRole": [
                obj(
                    "ClusterRole",
                    "monitoring",
                    None,
                    aggregationRule={
                        "clusterRoleSelectors": [
                            {"matchLabels": {"aggregate-to-monitoring": "true"}},
                            {"matchExpressions": [{"key": "team", "operator": "In", "values": ["obs"]}]},
                        ]
                    },
                    rules=[],
                ),
                obj("ClusterRole", "metrics", None, labels={"aggregate-to-monitoring": "true"}, rules=[]),
                obj("ClusterRole", "traces", None, labels={"team": "obs"}, rules=[]),
                obj("ClusterRole", "unrelated", None, labels={"aggregate-to-monitoring": "false"}, rules=[]),
            ]
        }
    )
    assert targets(records, "AGGREGATES", uid("ClusterRole", "monitoring")) == {
        uid("ClusterRole", "metrics"),
        uid("ClusterRole", "traces"),
    }
    assert json.loads(node(records, uid("ClusterRole", "monitoring"))["aggregation_json"])[0] == {
        "matchLabels": {"aggregate-to-monitoring": "true"}
    }
    assert node(records, uid("ClusterRole", "metrics"))["aggregation_json"] is None


# ------------------------------------------------------------------------------------------ exposure


def test_service_selects_matching_running_pods_of_its_namespace_only() -> None:
    records = run(
        {
            "Service": [
                obj("Service", "web", spec={"type": "LoadBalancer", "selector": {"app": "web"}}),
                obj("Service", "manual", spec={"ports": [{"port": 80}]}),  # no selector
                obj("Service", "empty", spec={"selector": {}}),
            ],
            "Pod": [
                pod("web-1", labels={"app": "web", "tier": "front"}),
                pod("web-done", labels={"app": "web"}, phase="Succeeded"),
                pod("api-1", labels={"app": "api"}),
                pod("web-other-ns", "other", labels={"app": "web"}),
            ],
        }
    )
    assert targets(records, "SELECTS", uid("Service", "web", "web")) == {uid("Pod", "web-1", "web")}
    assert targets(records, "SELECTS", uid("Service", "manual", "web")) == set()
    assert targets(records, "SELECTS", uid("Service", "empty", "web")) == set()
    assert node(records, uid("Service", "manual", "web"))["selector_json"] is None


def test_service_exposure_fields() -> None:
    public = obj(
        "Service",
        "public",
        spec={
            "type": "LoadBalancer",
            "clusterIP": "10.0.0.5",
            "ports": [{"port": 443, "targetPort": 8443, "nodePort": 31443, "protocol": "TCP"}],
            "externalIPs": ["203.0.113.7"],
            "loadBalancerSourceRanges": ["10.0.0.0/8"],
        },
        status={"loadBalancer": {"ingress": [{"hostname": "abc.elb.amazonaws.com"}, {"ip": "198.51.100.4"}]}},
    )
    props = node(run({"Service": [public]}), uid("Service", "public", "web"))
    assert props["type"] == "LoadBalancer"
    assert props["cluster_ip"] == "10.0.0.5"
    assert props["node_ports"] == [31443]
    assert props["ports"] == [443]
    assert json.loads(props["ports_json"])[0]["targetPort"] == 8443
    assert props["external_ips"] == ["203.0.113.7"]
    assert props["load_balancer_ingress"] == ["abc.elb.amazonaws.com", "198.51.100.4"]
    assert props["load_balancer_source_ranges"] == ["10.0.0.0/8"]
    assert props["lb_internal"] is False


@pytest.mark.parametrize(
    ("annotations", "lb_class", "internal"),
    [
        ({}, None, False),
        ({"service.beta.kubernetes.io/aws-load-balancer-internal": "true"}, None, True),
        ({"service.beta.kubernetes.io/aws-load-balancer-internal": "0.0.0.0/0"}, None, True),
        ({"service.beta.kubernetes.io/aws-load-balancer-internal": "false"}, None, False),
        ({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}, None, True),
        ({"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"}, None, False),
        ({"service.beta.kubernetes.io/aws-load-balancer-type": "external"}, None, True),
        (
            {
                "service.beta.kubernetes.io/aws-load-balancer-type": "external",
                "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing",
            },
            None,
            False,
        ),
        ({}, "service.k8s.aws/nlb", True),
        ({"networking.gke.io/load-balancer-type": "Internal"}, None, True),
        ({"cloud.google.com/load-balancer-type": "Internal"}, None, True),
        ({"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}, None, True),
    ],
)
def test_internal_load_balancer_annotations(annotations: dict[str, str], lb_class: str | None, internal: bool) -> None:
    spec: dict[str, Any] = {"type": "LoadBalancer"}
    if lb_class:
        spec["loadBalancerClass"] = lb_class
    props = node(
        run({"Service": [obj("Service", "s", spec=spec, annotations=annotations)]}), uid("Service", "s", "web")
    )
    assert props["lb_internal"] is internal
    assert (props["lb_internal_reason"] is not None) is internal


def test_ingress_routes_to_default_and_rule_backends() -> None:
    ingress = obj(
        "Ingress",
        "shop",
        annotations={"alb.ingress.kubernetes.io/scheme": "internet-facing"},
        spec={
            "ingressClassName": "alb",
            "defaultBackend": {"service": {"name": "fallback", "port": {"number": 80}}},
            "tls": [{"hosts": ["shop.example.com"], "secretName": "shop-tls"}],
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "web", "port": {"name": "http"}}},
                            },
                            {
                                "path": "/api",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "api", "port": {"number": 8080}}},
                            },
                            {
                                "path": "/static",
                                "pathType": "Prefix",
                                "backend": {"resource": {"kind": "StorageBucket", "name": "b"}},
                            },
                        ]
                    },
                },
                {"http": {"paths": [{"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}},
            ],
        },
        status={"loadBalancer": {"ingress": [{"hostname": "k8s-shop.elb.amazonaws.com"}]}},
    )
    legacy = obj(
        "Ingress",
        "old",
        annotations={"kubernetes.io/ingress.class": "nginx"},
        spec={
            "backend": {"serviceName": "legacy", "servicePort": 80},
            "rules": [{"http": {"paths": [{"backend": {"serviceName": "legacy-api", "servicePort": "http"}}]}}],
        },
    )
    records = run({"Ingress": [ingress, legacy]})
    routes = {e.dst_uid: dict(e.props) for e in edges(records, "ROUTES_TO", uid("Ingress", "shop", "web"))}
    assert set(routes) == {uid("Service", n, "web") for n in ("fallback", "web", "api")}
    assert routes[uid("Service", "fallback", "web")]["default_backend"] is True
    assert routes[uid("Service", "web", "web")] == {
        "hosts": ["*", "shop.example.com"],
        "paths": ["/"],
        "ports": ["80", "http"],
        "default_backend": False,
    }
    props = node(records, uid("Ingress", "shop", "web"))
    assert props["ingress_class"] == "alb"
    assert props["tls_hosts"] == ["shop.example.com"]
    assert props["tls_secrets"] == ["shop-tls"]
    assert props["load_balancer_ingress"] == ["k8s-shop.elb.amazonaws.com"]
    assert props["lb_internal"] is False
    assert len(json.loads(props["rules_json"])) == 2
    assert targets(records, "ROUTES_TO", uid("Ingress", "old", "web")) == {
        uid("Service", "legacy", "web"),
        uid("Service", "legacy-api", "web"),
    }
    assert node(records, uid("Ingress", "old", "web"))["ingress_class"] == "nginx"


def test_network_policy_applies_to_selected_pods() -> None:
    def policy(name: str, selector: dict[str, Any], **spec: Any) -> dict[str, Any]:
        return obj("NetworkPolicy", name, spec={"podSelector": selector, **spec})

    records = run(
        {
            "NetworkPolicy": [
                policy("all", {}, policyTypes=["Ingress", "Egress"]),
                policy("in", {"matchExpressions": [{"key": "app", "operator": "In", "values": ["api", "web"]}]}),
                policy("not-in", {"matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["api"]}]}),
                policy("exists", {"matchExpressions": [{"key": "tier", "operator": "Exists"}]}),
                policy("missing", {"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, egress=[{}]),
                policy("labels", {"matchLabels": {"app": "web", "tier": "front"}}),
            ],
            "Pod": [
                pod("web", labels={"app": "web", "tier": "front"}),
                pod("api", labels={"app": "api"}),
                pod("bare"),
                pod("elsewhere", "other", labels={"app": "web"}),
            ],
        }
    )

    def applies(name: str) -> set[str]:
        return {e.dst_uid.rsplit("/", 1)[1] for e in edges(records, "APPLIES_TO", uid("NetworkPolicy", name, "web"))}

    assert applies("all") == {"web", "api", "bare"}
    assert applies("in") == {"web", "api"}
    assert applies("not-in") == {"web", "bare"}  # NotIn matches pods without the key
    assert applies("exists") == {"web"}
    assert applies("missing") == {"api", "bare"}
    assert applies("labels") == {"web"}
    assert node(records, uid("NetworkPolicy", "in", "web"))["policy_types"] == ["Ingress"]
    assert node(records, uid("NetworkPolicy", "missing", "web"))["policy_types"] == ["Ingress", "Egress"]
    assert json.loads(node(records, uid("NetworkPolicy", "missing", "web"))["egress_json"]) == [{}]


def test_label_selector_semantics() -> None:
    selector = parse_label_selector(
        {"matchLabels": {"a": "1"}, "matchExpressions": [{"key": "b", "operator": "NotIn", "values": ["x"]}]}, "s"
    )
    assert selector.matches({"a": "1"})
    assert selector.matches({"a": "1", "b": "y"})
    assert not selector.matches({"a": "1", "b": "x"})
    assert not selector.matches({"a": "2"})
    assert LabelSelector().matches({})


# ------------------------------------------------------------------------------------------ other kinds


def test_namespace_node_service_account_secret_configmap_webhook_fields() -> None:
    aws_auth = obj(
        "ConfigMap",
        "aws-auth",
        "kube-system",
        data={
            "mapRoles": "- rolearn: arn:aws:iam::111122223333:role/admin\n  username: admin\n  groups: [system:masters]\n",
            "mapUsers": "",
        },
    )
    records = run(
        {
            "Namespace": [
                obj(
                    "Namespace",
                    "locked",
                    None,
                    labels={
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/enforce-version": "v1.30",
                        "pod-security.kubernetes.io/warn": "baseline",
                    },
                )
            ],
            "Node": [
                obj(
                    "Node",
                    "ip-10-0-1-5",
                    None,
                    labels={"node-role.kubernetes.io/worker": "", "topology.kubernetes.io/zone": "eu-west-1a"},
                    spec={
                        "providerID": "aws:///eu-west-1a/i-0abc",
                        "taints": [{"key": "dedicated", "effect": "NoSchedule"}],
                    },
                    status={
                        "addresses": [
                            {"type": "InternalIP", "address": "10.0.1.5"},
                            {"type": "ExternalIP", "address": "54.1.2.3"},
                        ],
                        "nodeInfo": {"kubeletVersion": "v1.31.2"},
                    },
                )
            ],
            "ServiceAccount": [
                obj(
                    "ServiceAccount",
                    "app",
                    annotations={
                        "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/app",
                        "iam.gke.io/gcp-service-account": "app@p.iam.gserviceaccount.com",
                    },
                    automountServiceAccountToken=False,
                    imagePullSecrets=[{"name": "regcred"}],
                )
            ],
            "Secret": [
                obj(
                    "Secret",
                    "app-token",
                    type="kubernetes.io/service-account-token",
                    data={"token": "", "ca.crt": ""},
                    annotations={"kubernetes.io/service-account.name": "app"},
                ),
                obj("Secret", "tls", type="kubernetes.io/tls", data={"tls.crt": "", "tls.key": ""}),
            ],
            "ConfigMap": [aws_auth, obj("ConfigMap", "settings", data={"a": "", "b": ""})],
            "MutatingWebhookConfiguration": [
                obj(
                    "MutatingWebhookConfiguration",
                    "inject",
                    None,
                    webhooks=[
                        {
                            "name": "inject.example.com",
                            "failurePolicy": "Ignore",
                            "rules": [{"operations": ["CREATE"], "resources": ["pods"]}],
                            "clientConfig": {"service": {"namespace": "mesh", "name": "injector"}, "caBundle": "LS0t"},
                        }
                    ],
                )
            ],
        }
    )
    namespace = node(records, uid("Namespace", "locked"))
    assert (
        namespace["pss_enforce"],
        namespace["pss_enforce_version"],
        namespace["pss_warn"],
        namespace["pss_audit"],
    ) == ("restricted", "v1.30", "baseline", None)

    node_props = node(records, uid("Node", "ip-10-0-1-5"))
    assert node_props["provider_id"] == "aws:///eu-west-1a/i-0abc"
    assert (node_props["cloud_provider"], node_props["instance_id"], node_props["availability_zone"]) == (
        "aws",
        "i-0abc",
        "eu-west-1a",
    )
    assert node_props["external_ips"] == ["54.1.2.3"]
    assert node_props["internal_ips"] == ["10.0.1.5"]
    assert node_props["kubelet_version"] == "v1.31.2"
    assert node_props["roles"] == ["worker"]
    assert json.loads(node_props["taints_json"]) == [{"key": "dedicated", "effect": "NoSchedule"}]
    assert len(json.loads(node_props["addresses_json"])) == 2

    account = node(records, uid("ServiceAccount", "app", "web"))
    assert account["irsa_role_arn"] == "arn:aws:iam::111122223333:role/app"
    assert account["gcp_service_account"] == "app@p.iam.gserviceaccount.com"
    assert account["automount_service_account_token"] is False
    assert account["image_pull_secrets"] == ["regcred"]
    assert account["username"] == "system:serviceaccount:web:app"

    token = node(records, uid("Secret", "app-token", "web"))
    assert (token["type"], token["keys"], token["sa_name"]) == (
        "kubernetes.io/service-account-token",
        ["ca.crt", "token"],
        "app",
    )
    assert targets(records, "TOKEN_FOR", uid("Secret", "app-token", "web")) == {uid("ServiceAccount", "app", "web")}
    assert targets(records, "TOKEN_FOR", uid("Secret", "tls", "web")) == set()

    settings = node(records, uid("ConfigMap", "settings", "web"))
    assert (settings["keys"], settings["data_json"]) == (["a", "b"], None)
    auth = node(records, uid("ConfigMap", "aws-auth", "kube-system"))
    assert json.loads(auth["data_json"]) == {"mapRoles": aws_auth["data"]["mapRoles"]}
    assert json.loads(auth["aws_auth_json"])["mapRoles"] == [
        {"rolearn": "arn:aws:iam::111122223333:role/admin", "username": "admin", "groups": ["system:masters"]}
    ]

    webhook = node(records, uid("MutatingWebhookConfiguration", "inject"))
    assert [n.kind for n in records.nodes if n.uid == uid("MutatingWebhookConfiguration", "inject")] == [
        "WebhookConfiguration"
    ]
    assert webhook["webhook_kind"] == "mutating"
    (kept,) = json.loads(webhook["webhooks_json"])
    assert kept["failurePolicy"] == "Ignore"
    assert kept["clientConfig"] == {"service": {"namespace": "mesh", "name": "injector"}, "url": None}
    assert webhook["services"] == ["mesh/injector"]


# ------------------------------------------------------------------------------------------ completeness, bad input


def test_complete_kinds_map_api_kinds_to_labels() -> None:
    everything = run({}, ALL_KIND_NAMES)
    assert {
        "Cluster",
        "KubeSecret",
        "WebhookConfiguration",
        "Container",
        "KubeUser",
        "KubeGroup",
        "Pod",
    } <= everything.complete_kinds

    without_secrets = [k for k in ALL_KIND_NAMES if k != "Secret"]
    assert "KubeSecret" not in run({}, without_secrets).complete_kinds

    one_webhook_kind = [k for k in ALL_KIND_NAMES if k != "MutatingWebhookConfiguration"]
    assert "WebhookConfiguration" not in run({}, one_webhook_kind).complete_kinds

    # Container nodes also come from pod templates: complete only if pods and every controller were listed.
    assert "Container" not in run({}, [k for k in ALL_KIND_NAMES if k != "Pod"]).complete_kinds
    assert "Container" not in run({}, [k for k in ALL_KIND_NAMES if k != "Deployment"]).complete_kinds

    no_crb = run({}, [k for k in ALL_KIND_NAMES if k != "ClusterRoleBinding"]).complete_kinds
    assert not {"KubeUser", "KubeGroup", "ClusterRoleBinding"} & no_crb
    assert "RoleBinding" in no_crb

    assert run({}, []).complete_kinds == {"Cluster"}


def test_bad_objects_land_in_problems_and_the_rest_goes_on() -> None:
    records = run(
        {
            "Pod": [
                pod("good"),
                {"kind": "Pod", "metadata": {"namespace": "web"}, "spec": {}},  # no name
                pod("bad-privileged", containers=[{"name": "c", "securityContext": {"privileged": "yes"}}]),
                pod("bad-volume", volumes="not-a-list"),
                "not an object",
            ],
            "Secret": [{"kind": "Secret", "metadata": {"name": "no-namespace"}}],
            "RoleBinding": [obj("RoleBinding", "bad-ref", roleRef={"kind": "Deployment", "name": "x"})],
            "NetworkPolicy": [
                obj(
                    "NetworkPolicy",
                    "bad-op",
                    spec={"podSelector": {"matchExpressions": [{"key": "a", "operator": "Near"}]}},
                )
            ],
            "Widget": [obj("Widget", "w")],
        },
        ALL_KIND_NAMES,
    )
    text = "\n".join(records.problems)
    assert "Pod #2 in namespace web: metadata.name is missing" in text
    assert "Pod web/bad-privileged: spec.containers[0].securityContext.privileged is a str" in text
    assert "Pod web/bad-volume: spec.volumes is a str" in text
    assert "Pod #5: is a str" in text
    assert "Secret no-namespace: metadata.namespace is missing" in text
    assert "RoleBinding web/bad-ref: roleRef.kind 'Deployment'" in text
    assert "NetworkPolicy web/bad-op: spec.podSelector.matchExpressions[0].operator 'Near'" in text
    assert "Widget" in text
    assert len(records.problems) == 8
    # The good pod is there, nothing of the bad ones is.
    pods = {n.uid for n in records.nodes if n.kind == "Pod"}
    assert pods == {uid("Pod", "good", "web")}
    assert not [n for n in records.nodes if "bad-" in n.uid]
    # A kind with a skipped object is not complete: stale cleanup must not delete its earlier version.
    assert not {"Pod", "Container", "KubeSecret", "RoleBinding", "NetworkPolicy"} & records.complete_kinds
    assert "Service" in records.complete_kinds


def test_unreadable_aws_auth_is_reported_and_the_configmap_still_loads() -> None:
    broken = obj(
        "ConfigMap",
        "aws-auth",
        "kube-system",
        data={"mapRoles": "- rolearn: [unclosed", "mapUsers": "- userarn: u\n  groups: [g]\n"},
    )
    records = run({"ConfigMap": [broken]})
    (problem,) = records.problems
    assert problem.startswith("ConfigMap kube-system/aws-auth: mapRoles is not valid YAML")
    props = node(records, uid("ConfigMap", "aws-auth", "kube-system"))
    assert json.loads(props["aws_auth_json"]) == {"mapUsers": [{"userarn": "u", "username": None, "groups": ["g"]}]}
    assert props["aws_auth_errors"][0].startswith("mapRoles is not valid YAML")
    assert "ConfigMap" in records.complete_kinds  # loaded, so not a skipped object


def test_edges_to_objects_that_do_not_exist_are_dropped_only_when_the_kind_is_complete() -> None:
    mounts = pod("p", containers=[{"name": "c", "envFrom": [{"secretRef": {"name": "gone"}}]}])
    complete = run({"Pod": [mounts], "Secret": []})
    assert edges(complete, "MOUNTS_SECRET") == []
    assert node(complete, uid("Pod", "p", "web"))["volumes_json"] == "[]"
    partial = run({"Pod": [mounts]}, [k for k in ALL_KIND_NAMES if k != "Secret"])
    # Secrets were not listed: the edge may join a secret an earlier run loaded.
    assert targets(partial, "MOUNTS_SECRET", uid("Pod", "p", "web")) == {uid("Secret", "gone", "web")}


def test_cluster_node_carries_the_version_and_a_cluster_name_is_required() -> None:
    records = transform_objects("prod", {}, [], {"gitVersion": "v1.31.4-eks-aeac579", "platform": "linux/amd64"})
    assert node(records, "k8s:prod")["git_version"] == "v1.31.4-eks-aeac579"
    with pytest.raises(ValueError, match="cluster name"):
        transform_objects("", {}, [])


# ------------------------------------------------------------------------------------------ the demo


def load_demo_objects() -> dict[str, list[dict[str, Any]]]:
    objects: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for path in sorted(DEMO_DIR.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document:
                objects[document["kind"]].append(document)
    return dict(objects)


def test_demo_environment_transforms_cleanly() -> None:
    objects = load_demo_objects()
    for secret in objects["Secret"]:
        assert set(secret.get("data", {}).values()) <= {""}, f"demo secret {secret['metadata']['name']} has a value"

    records = run(objects, ALL_KIND_NAMES)
    assert records.problems == []
    assert records.complete_kinds >= {"Pod", "Container", "KubeSecret", "ServiceAccount", "KubeUser", "KubeGroup"}

    present = {(n.kind, n.uid) for n in records.nodes}
    dangling = [
        e for e in records.edges if (e.src_kind, e.src_uid) not in present or (e.dst_kind, e.dst_uid) not in present
    ]
    assert dangling == []  # every kind is complete, so the transform keeps no reference to a missing object

    kinds = Counter(n.kind for n in records.nodes)
    assert kinds["Node"] == 3
    assert kinds["Namespace"] >= 6
    assert kinds["Pod"] >= 20
    assert kinds["Container"] > kinds["Pod"]
    assert kinds["Deployment"] >= 6 and kinds["DaemonSet"] >= 2 and kinds["StatefulSet"] >= 1 and kinds["CronJob"] >= 1
    edge_types = Counter(e.type for e in records.edges)
    for edge_type in (
        "RUNS_ON",
        "OWNS",
        "SELECTS",
        "ROUTES_TO",
        "BINDS_ROLE",
        "HAS_SUBJECT",
        "AGGREGATES",
        "TOKEN_FOR",
        "APPLIES_TO",
        "MOUNTS_SECRET",
        "MEMBER_OF",
    ):
        assert edge_types[edge_type] > 0, edge_type
    assert edge_types["RUNS_ON"] == kinds["Pod"]


def test_demo_holds_the_documented_attack_chain() -> None:
    """internet → public LB → storefront pod → (its SA may exec in monitoring) → privileged hostPID
    node-agent pod → its node → co-located deploy-runner pod → token of ci/deployer → cluster-admin."""
    records = run(load_demo_objects(), ALL_KIND_NAMES)
    props = {n.uid: n.props for n in records.nodes}
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for e in records.edges:
        out[e.src_uid].add((e.type, e.dst_uid))

    def pods_of(prefix: str, namespace: str) -> list[str]:
        return [
            u
            for u, p in props.items()
            if p["kind"] == "Pod" and p["namespace"] == namespace and p["name"].startswith(prefix)
        ]

    storefront_lb = uid("Service", "storefront", "shop-frontend")
    assert props[storefront_lb]["type"] == "LoadBalancer" and props[storefront_lb]["lb_internal"] is False
    selected = {dst for t, dst in out[storefront_lb] if t == "SELECTS"}
    assert selected == set(pods_of("storefront-", "shop-frontend"))
    for pod_uid in selected:
        assert props[pod_uid]["token_mounted"] is True
        assert ("USES_SERVICE_ACCOUNT", uid("ServiceAccount", "storefront", "shop-frontend")) in out[pod_uid]

    debug = uid("RoleBinding", "storefront-debug", "monitoring")
    assert ("HAS_SUBJECT", uid("ServiceAccount", "storefront", "shop-frontend")) in out[debug]
    (role_uid,) = [dst for t, dst in out[debug] if t == "BINDS_ROLE"]
    assert any(
        "pods/exec" in r["resources"] and "create" in r["verbs"] for r in json.loads(props[role_uid]["rules_json"])
    )

    node_of = {u: p["node_name"] for u, p in props.items() if p["kind"] == "Pod"}
    agents = pods_of("node-agent-", "monitoring")
    assert agents
    for agent in agents:
        assert props[agent]["host_pid"] is True
        containers = [dst for t, dst in out[agent] if t == "HAS_CONTAINER"]
        assert any(props[c]["privileged"] for c in containers)

    (runner,) = pods_of("deploy-runner-", "ci")
    assert node_of[runner] in {node_of[a] for a in agents}
    assert props[runner]["token_mounted"] is True
    assert ("USES_SERVICE_ACCOUNT", uid("ServiceAccount", "deployer", "ci")) in out[runner]
    admin_binding = uid("ClusterRoleBinding", "ci-deployer-cluster-admin")
    assert ("HAS_SUBJECT", uid("ServiceAccount", "deployer", "ci")) in out[admin_binding]
    assert ("BINDS_ROLE", uid("ClusterRole", "cluster-admin")) in out[admin_binding]


def test_demo_payments_namespace_is_locked_down() -> None:
    records = run(load_demo_objects(), ALL_KIND_NAMES)
    props = {n.uid: n.props for n in records.nodes}
    assert props[uid("Namespace", "payments")]["pss_enforce"] == "restricted"
    payments_pods = {u for u, p in props.items() if p["kind"] == "Pod" and p["namespace"] == "payments"}
    assert payments_pods
    for pod_uid in payments_pods:
        assert props[pod_uid]["token_mounted"] is False
        assert (
            not props[pod_uid]["host_pid"] and not props[pod_uid]["host_network"] and props[pod_uid]["host_paths"] == []
        )
    containers = [p for p in props.values() if p["kind"] == "Container" and p["namespace"] == "payments"]
    assert containers and not any(c["privileged"] or c["capabilities_add"] for c in containers)
    exposing = [
        e
        for e in records.edges
        if e.type in ("SELECTS", "ROUTES_TO")
        and e.dst_uid in payments_pods | {uid("Service", "payments-api", "payments")}
    ]
    for edge in exposing:
        service = props[edge.src_uid] if edge.type == "SELECTS" else props[edge.dst_uid]
        assert service["type"] == "ClusterIP" and not service["external_ips"]
    assert not any(
        e.type == "ROUTES_TO" and e.dst_uid == uid("Service", "payments-api", "payments") for e in records.edges
    )
    assert not any(
        e.type == "HAS_SUBJECT" and e.dst_uid.startswith(f"k8s:{CLUSTER}:serviceaccount:payments/")
        for e in records.edges
    )
