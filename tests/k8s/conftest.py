"""Fixture builders for Kubernetes collection tests: a realistic small EKS-like cluster, canaries
planted in every place a secret value can hide, and the fake API server serving it."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest.k8s.kinds import KIND_BY_NAME

from .fake_apiserver import FakeApiServer

Obj = dict[str, Any]

CREATED = "2025-03-04T09:15:27Z"


class Canary:
    """Unique marker strings; none of them may survive collection."""

    def __init__(self) -> None:
        self.markers: list[str] = []

    def __call__(self, label: str) -> str:
        marker = f"CANARY-{label}-{uuid.uuid4().hex[:12]}"
        self.markers.append(marker)
        return marker

    def b64(self, label: str) -> str:
        """A Secret `data` value: the base64 of a fresh marker (both forms are forbidden)."""
        return base64.b64encode(self(label).encode()).decode()

    def forbidden(self) -> list[str]:
        """Every string that must not appear in a snapshot: the markers and their base64 forms."""
        encoded = [base64.b64encode(marker.encode()).decode() for marker in self.markers]
        return self.markers + encoded

    def leaks_in(self, text: str) -> list[str]:
        return [marker for marker in self.forbidden() if marker in text]


# ----------------------------------------------------------------------------------------- builders


def meta(name: str, namespace: str | None = None, **extra: Any) -> Obj:
    metadata: Obj = {
        "name": name,
        "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{namespace}/{name}")),
        "resourceVersion": "48001",
        "creationTimestamp": CREATED,
    }
    if namespace is not None:
        metadata["namespace"] = namespace
    metadata.update(extra)
    return metadata


def typed(kind: str, metadata: Obj, **body: Any) -> Obj:
    return {"apiVersion": KIND_BY_NAME[kind].api_version, "kind": kind, "metadata": metadata, **body}


def managed_fields(manager: str = "kubectl-client-side-apply") -> list[Obj]:
    return [
        {
            "manager": manager,
            "operation": "Update",
            "apiVersion": "v1",
            "time": CREATED,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:metadata": {"f:annotations": {".": {}}}},
        }
    ]


def with_last_applied(obj: Obj, canary: Canary) -> Obj:
    """Add the annotation kubectl apply leaves behind: a full copy of the object, plus a marker."""
    applied = copy.deepcopy(obj)
    applied.setdefault("metadata", {}).setdefault("annotations", {})["note"] = canary("last-applied")
    annotations = obj["metadata"].setdefault("annotations", {})
    annotations["kubectl.kubernetes.io/last-applied-configuration"] = json.dumps(applied) + "\n"
    obj["metadata"]["managedFields"] = managed_fields()
    return obj


def restricted_security_context() -> Obj:
    return {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def projected_token_volume(name: str = "kube-api-access-7xk2p") -> Obj:
    return {
        "name": name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {
                    "downwardAPI": {
                        "items": [
                            {
                                "path": "namespace",
                                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                            }
                        ]
                    }
                },
            ],
        },
    }


def api_pod_spec(canary: Canary, where: str) -> Obj:
    """The payments API: restricted, reads a DB password from a Secret, has literal env everywhere."""
    return {
        "serviceAccountName": "api",
        "automountServiceAccountToken": True,
        "securityContext": {
            "runAsNonRoot": True,
            "fsGroup": 2000,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "initContainers": [
            {
                "name": "migrate",
                "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.14.2",
                "command": ["/app/migrate", "--up"],
                "env": [
                    {"name": "MIGRATION_TOKEN", "value": canary(f"{where}-init-env")},
                    {
                        "name": "DB_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}},
                    },
                ],
                "securityContext": restricted_security_context(),
            }
        ],
        "containers": [
            {
                "name": "api",
                "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments-api:1.14.2",
                "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                "env": [
                    {"name": "STRIPE_API_KEY", "value": canary(f"{where}-env")},
                    {"name": "LOG_LEVEL", "value": canary(f"{where}-env-loglevel")},
                    {
                        "name": "DB_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}},
                    },
                    {
                        "name": "POD_IP",
                        "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}},
                    },
                ],
                "envFrom": [{"configMapRef": {"name": "app-config"}}, {"secretRef": {"name": "api-keys"}}],
                "securityContext": restricted_security_context(),
                "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}},
                "volumeMounts": [
                    {"name": "tls", "mountPath": "/etc/tls", "readOnly": True},
                    {
                        "name": "kube-api-access-7xk2p",
                        "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                    },
                ],
            }
        ],
        "volumes": [
            {"name": "tls", "secret": {"secretName": "api-tls", "defaultMode": 420}},
            {"name": "config", "configMap": {"name": "app-config"}},
            projected_token_volume(),
        ],
        "nodeSelector": {"kubernetes.io/os": "linux"},
    }


def node_agent_pod_spec(canary: Canary, where: str) -> Obj:
    """A privileged node agent: hostPID, hostNetwork, / and the containerd socket from the host."""
    return {
        "serviceAccountName": "node-exporter",
        "hostPID": True,
        "hostNetwork": True,
        "containers": [
            {
                "name": "agent",
                "image": "quay.io/prometheus/node-exporter:v1.8.2",
                "args": ["--path.rootfs=/host"],
                "env": [{"name": "HTTP_PROXY_PASSWORD", "value": canary(f"{where}-agent-env")}],
                "securityContext": {
                    "privileged": True,
                    "capabilities": {"add": ["SYS_ADMIN", "SYS_PTRACE"]},
                },
                "volumeMounts": [
                    {
                        "name": "root",
                        "mountPath": "/host",
                        "readOnly": True,
                        "mountPropagation": "HostToContainer",
                    },
                    {"name": "containerd", "mountPath": "/run/containerd/containerd.sock"},
                ],
            }
        ],
        "volumes": [
            {"name": "root", "hostPath": {"path": "/", "type": ""}},
            {"name": "containerd", "hostPath": {"path": "/run/containerd/containerd.sock", "type": "Socket"}},
            projected_token_volume("kube-api-access-b5v9d"),
        ],
        "tolerations": [{"operator": "Exists"}],
    }


def pod_template(spec: Obj, labels: dict[str, str]) -> Obj:
    return {"metadata": {"labels": labels}, "spec": spec}


def pod_status(node: str = "ip-10-0-1-23.eu-west-1.compute.internal") -> Obj:
    return {
        "phase": "Running",
        "hostIP": "10.0.1.23",
        "podIP": "10.0.1.57",
        "podIPs": [{"ip": "10.0.1.57"}],
        "qosClass": "Burstable",
        "startTime": CREATED,
        "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": CREATED}],
        "containerStatuses": [{"name": "api", "ready": True, "restartCount": 0, "image": "payments-api:1.14.2"}],
    }


def simple_pod(name: str, namespace: str, canary: Canary) -> Obj:
    """A plain workload pod, for volume (pagination) tests."""
    return typed(
        "Pod",
        meta(name, namespace, labels={"app": "batch-worker"}),
        spec={
            "serviceAccountName": "default",
            "nodeName": "ip-10-0-1-23.eu-west-1.compute.internal",
            "containers": [
                {
                    "name": "worker",
                    "image": "public.ecr.aws/docker/library/busybox:1.36",
                    "command": ["sleep", "3600"],
                    "env": [{"name": "WORKER_SECRET", "value": canary(f"pod-{name}-env")}],
                    "securityContext": restricted_security_context(),
                }
            ],
            "volumes": [projected_token_volume(f"kube-api-access-{name[-5:]}")],
        },
        status=pod_status(),
    )


# ----------------------------------------------------------------------------------------- the cluster


def build_cluster(canary: Canary, extra_pods: int = 0) -> dict[str, list[Obj]]:
    """One small EKS-like cluster with an object of every collected kind, canaries everywhere."""
    node = "ip-10-0-1-23.eu-west-1.compute.internal"
    api_labels = {"app": "payments-api"}

    namespaces = [
        typed("Namespace", meta(name), spec={"finalizers": ["kubernetes"]}, status={"phase": "Active"})
        for name in ("default", "kube-system", "monitoring")
    ]
    namespaces.append(
        typed(
            "Namespace",
            meta(
                "payments",
                labels={
                    "kubernetes.io/metadata.name": "payments",
                    "pod-security.kubernetes.io/enforce": "restricted",
                },
            ),
            spec={"finalizers": ["kubernetes"]},
            status={"phase": "Active"},
        )
    )

    nodes = [
        typed(
            "Node",
            meta(
                node,
                labels={
                    "kubernetes.io/hostname": node,
                    "node.kubernetes.io/instance-type": "m6i.large",
                    "topology.kubernetes.io/zone": "eu-west-1a",
                    "eks.amazonaws.com/nodegroup": "general",
                },
                managedFields=managed_fields("kubelet"),
            ),
            spec={"providerID": "aws:///eu-west-1a/i-0a1b2c3d4e5f67890"},
            status={
                "addresses": [
                    {"type": "InternalIP", "address": "10.0.1.23"},
                    {"type": "ExternalIP", "address": "203.0.113.23"},
                    {"type": "Hostname", "address": node},
                ],
                "nodeInfo": {
                    "kubeletVersion": "v1.31.4-eks-aeac579",
                    "containerRuntimeVersion": "containerd://1.7.23",
                    "osImage": "Amazon Linux 2023.6.20250115",
                },
                "conditions": [{"type": "Ready", "status": "True"}],
            },
        )
    ]

    api_pod = typed(
        "Pod",
        meta(
            "payments-api-7d9f8b6c5d-x2x9q",
            "payments",
            labels={**api_labels, "pod-template-hash": "7d9f8b6c5d"},
            ownerReferences=[
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": "payments-api-7d9f8b6c5d",
                    "uid": "f1e0a6c2-0000-4000-8000-000000000001",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            managedFields=managed_fields("kube-controller-manager"),
        ),
        spec={**api_pod_spec(canary, "pod"), "nodeName": node},
        status=pod_status(node),
    )
    api_pod["spec"]["ephemeralContainers"] = [
        {
            "name": "debugger-8kq2m",
            "image": "busybox:1.36",
            "targetContainerName": "api",
            "env": [{"name": "DEBUG_TOKEN", "value": canary("pod-ephemeral-env")}],
        }
    ]
    agent_pod = typed(
        "Pod",
        meta("node-exporter-6zq4l", "monitoring", labels={"app": "node-exporter"}),
        spec={**node_agent_pod_spec(canary, "pod"), "nodeName": node},
        status=pod_status(node),
    )
    pods = [api_pod, agent_pod]
    pods += [simple_pod(f"batch-worker-{i:05d}", "default", canary) for i in range(extra_pods)]

    service_accounts = [
        typed(
            "ServiceAccount",
            meta(
                "api",
                "payments",
                annotations={"eks.amazonaws.com/role-arn": "arn:aws:iam::123456789012:role/payments-api"},
            ),
        ),
        typed("ServiceAccount", meta("default", "payments")),
        typed("ServiceAccount", meta("default", "default")),
        typed("ServiceAccount", meta("node-exporter", "monitoring"), automountServiceAccountToken=False),
        typed("ServiceAccount", meta("aws-node", "kube-system")),
    ]

    db_secret = with_last_applied(
        typed(
            "Secret",
            meta("db-credentials", "payments", labels={"app": "payments-api"}),
            type="Opaque",
            data={
                "username": canary.b64("secret-data-username"),
                "password": canary.b64("secret-data-password"),
            },
            stringData={"connection-string": canary("secret-stringdata")},
        ),
        canary,
    )
    secrets = [
        db_secret,
        typed(
            "Secret",
            meta(
                "api-token-9k2lm",
                "payments",
                annotations={
                    "kubernetes.io/service-account.name": "api",
                    "kubernetes.io/service-account.uid": "0b8c7a52-1111-4000-8000-000000000002",
                },
            ),
            type="kubernetes.io/service-account-token",
            data={
                "ca.crt": canary.b64("secret-token-ca"),
                "namespace": canary.b64("secret-token-ns"),
                "token": canary.b64("secret-token-jwt"),
            },
        ),
        typed(
            "Secret",
            meta("api-tls", "payments"),
            type="kubernetes.io/tls",
            data={"tls.crt": canary.b64("secret-tls-crt"), "tls.key": canary.b64("secret-tls-key")},
        ),
        typed(
            "Secret",
            meta("ecr-pull", "payments"),
            type="kubernetes.io/dockerconfigjson",
            data={".dockerconfigjson": canary.b64("secret-dockerconfig")},
        ),
        typed(
            "Secret",
            meta(
                "api-keys",
                "payments",
                annotations={"openshift.io/token-secret.value": canary("openshift-token")},
            ),
            type="Opaque",
            stringData={"STRIPE_WEBHOOK_SECRET": canary("secret-stringdata-webhook")},
        ),
    ]

    aws_auth = with_last_applied(
        typed(
            "ConfigMap",
            meta("aws-auth", "kube-system"),
            data={
                "mapRoles": (
                    "- rolearn: arn:aws:iam::123456789012:role/eks-node-general\n"
                    "  username: system:node:{{EC2PrivateDNSName}}\n"
                    "  groups:\n    - system:bootstrappers\n    - system:nodes\n"
                    "- rolearn: arn:aws:iam::123456789012:role/platform-admins\n"
                    "  username: platform-admin\n  groups:\n    - system:masters\n"
                ),
                "mapUsers": (
                    "- userarn: arn:aws:iam::123456789012:user/ci-deployer\n"
                    "  username: ci-deployer\n  groups:\n    - deployers\n"
                ),
            },
        ),
        canary,
    )
    config_maps = [
        aws_auth,
        with_last_applied(
            typed(
                "ConfigMap",
                meta("app-config", "payments"),
                data={
                    "DATABASE_HOST": canary("configmap-data-host"),
                    "settings.yaml": canary("configmap-data-yaml"),
                },
                binaryData={"keystore.jks": canary.b64("configmap-binary")},
            ),
            canary,
        ),
        typed("ConfigMap", meta("kube-root-ca.crt", "payments"), data={"ca.crt": canary("configmap-root-ca")}),
    ]

    services = [
        typed(
            "Service",
            meta(
                "payments-api",
                "payments",
                annotations={"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"},
            ),
            spec={
                "type": "LoadBalancer",
                "selector": api_labels,
                "ports": [{"name": "https", "port": 443, "targetPort": "http", "protocol": "TCP", "nodePort": 31443}],
                "clusterIP": "172.20.14.3",
            },
            status={"loadBalancer": {"ingress": [{"hostname": "a1b2c3.elb.eu-west-1.amazonaws.com"}]}},
        ),
        typed(
            "Service",
            meta("kubernetes", "default"),
            spec={"type": "ClusterIP", "ports": [{"name": "https", "port": 443, "targetPort": 443}]},
        ),
        typed(
            "Service",
            meta("node-exporter", "monitoring"),
            spec={
                "type": "NodePort",
                "selector": {"app": "node-exporter"},
                "ports": [{"port": 9100, "nodePort": 30910}],
            },
        ),
    ]

    deployment = with_last_applied(
        typed(
            "Deployment",
            meta("payments-api", "payments", labels=api_labels),
            spec={
                "replicas": 3,
                "selector": {"matchLabels": api_labels},
                "template": pod_template(api_pod_spec(canary, "deployment"), api_labels),
                "strategy": {"type": "RollingUpdate"},
            },
            status={"replicas": 3, "readyReplicas": 3},
        ),
        canary,
    )
    daemonset = typed(
        "DaemonSet",
        meta("node-exporter", "monitoring"),
        spec={
            "selector": {"matchLabels": {"app": "node-exporter"}},
            "template": pod_template(node_agent_pod_spec(canary, "daemonset"), {"app": "node-exporter"}),
        },
    )
    statefulset = typed(
        "StatefulSet",
        meta("postgres", "payments"),
        spec={
            "serviceName": "postgres",
            "replicas": 1,
            "selector": {"matchLabels": {"app": "postgres"}},
            "template": pod_template(
                {
                    "containers": [
                        {
                            "name": "postgres",
                            "image": "postgres:16.4",
                            "env": [
                                {"name": "POSTGRES_PASSWORD", "value": canary("statefulset-env")},
                                {"name": "PGDATA", "value": canary("statefulset-env-pgdata")},
                            ],
                            "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql/data"}],
                        }
                    ],
                    "initContainers": [
                        {
                            "name": "chown",
                            "image": "busybox:1.36",
                            "env": [{"name": "OWNER", "value": canary("statefulset-init-env")}],
                            "securityContext": {"runAsUser": 0},
                        }
                    ],
                },
                {"app": "postgres"},
            ),
            "volumeClaimTemplates": [
                {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"]}},
            ],
        },
    )
    replicaset = typed(
        "ReplicaSet",
        meta("payments-api-7d9f8b6c5d", "payments", labels=api_labels),
        spec={
            "replicas": 3,
            "selector": {"matchLabels": api_labels},
            "template": pod_template(api_pod_spec(canary, "replicaset"), api_labels),
        },
    )
    job = typed(
        "Job",
        meta("schema-migrate-2025-03-04", "payments"),
        spec={
            "backoffLimit": 2,
            "template": pod_template(
                {**api_pod_spec(canary, "job"), "restartPolicy": "Never"}, {"job-name": "schema-migrate"}
            ),
        },
    )
    cronjob = typed(
        "CronJob",
        meta("nightly-report", "payments"),
        spec={
            "schedule": "0 2 * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {
                "spec": {
                    "template": pod_template(
                        {**api_pod_spec(canary, "cronjob"), "restartPolicy": "OnFailure"},
                        {"app": "nightly-report"},
                    )
                }
            },
        },
    )
    replication_controller = typed(
        "ReplicationController",
        meta("legacy-frontend", "default"),
        spec={
            "replicas": 1,
            "selector": {"app": "legacy-frontend"},
            "template": pod_template(
                {
                    "containers": [
                        {
                            "name": "frontend",
                            "image": "nginx:1.27",
                            "env": [{"name": "SESSION_KEY", "value": canary("rc-env")}],
                            "ports": [{"containerPort": 80, "hostPort": 8080}],
                        }
                    ]
                },
                {"app": "legacy-frontend"},
            ),
        },
    )

    rbac = "rbac.authorization.k8s.io"
    roles = [
        typed(
            "Role",
            meta("db-secret-reader", "payments"),
            rules=[
                {
                    "apiGroups": [""],
                    "resources": ["secrets"],
                    "resourceNames": ["db-credentials"],
                    "verbs": ["get"],
                }
            ],
        ),
        typed(
            "Role",
            meta("deployer", "payments"),
            rules=[
                {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create", "update", "patch"]},
                {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
            ],
        ),
    ]
    cluster_roles = [
        typed(
            "ClusterRole",
            meta("cluster-admin", labels={"kubernetes.io/bootstrapping": "rbac-defaults"}),
            rules=[
                {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                {"nonResourceURLs": ["*"], "verbs": ["*"]},
            ],
        ),
        typed(
            "ClusterRole",
            meta("monitoring-aggregate"),
            aggregationRule={
                "clusterRoleSelectors": [{"matchLabels": {"rbac.example.com/aggregate-to-monitoring": "true"}}]
            },
            rules=[],
        ),
        typed(
            "ClusterRole",
            meta("node-proxy"),
            rules=[{"apiGroups": [""], "resources": ["nodes/proxy"], "verbs": ["get", "create"]}],
        ),
    ]
    role_bindings = [
        typed(
            "RoleBinding",
            meta("api-reads-db-secret", "payments"),
            roleRef={"apiGroup": rbac, "kind": "Role", "name": "db-secret-reader"},
            subjects=[{"kind": "ServiceAccount", "name": "api", "namespace": "payments"}],
        ),
        typed(
            "RoleBinding",
            meta("ci-deployer-edit", "payments"),
            roleRef={"apiGroup": rbac, "kind": "ClusterRole", "name": "edit"},
            subjects=[{"apiGroup": rbac, "kind": "Group", "name": "deployers"}],
        ),
    ]
    cluster_role_bindings = [
        typed(
            "ClusterRoleBinding",
            meta("cluster-admin"),
            roleRef={"apiGroup": rbac, "kind": "ClusterRole", "name": "cluster-admin"},
            subjects=[{"apiGroup": rbac, "kind": "Group", "name": "system:masters"}],
        ),
        typed(
            "ClusterRoleBinding",
            meta("node-exporter-proxy"),
            roleRef={"apiGroup": rbac, "kind": "ClusterRole", "name": "node-proxy"},
            subjects=[{"kind": "ServiceAccount", "name": "node-exporter", "namespace": "monitoring"}],
        ),
    ]

    ingresses = [
        typed(
            "Ingress",
            meta("payments", "payments", annotations={"alb.ingress.kubernetes.io/scheme": "internet-facing"}),
            spec={
                "ingressClassName": "alb",
                "tls": [{"hosts": ["pay.example.com"], "secretName": "api-tls"}],
                "rules": [
                    {
                        "host": "pay.example.com",
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "pathType": "Prefix",
                                    "backend": {"service": {"name": "payments-api", "port": {"number": 443}}},
                                }
                            ]
                        },
                    }
                ],
            },
        )
    ]
    network_policies = [
        typed(
            "NetworkPolicy",
            meta("default-deny-ingress", "payments"),
            spec={"podSelector": {}, "policyTypes": ["Ingress"]},
        )
    ]
    webhook_client = {
        "service": {
            "namespace": "gatekeeper-system",
            "name": "gatekeeper-webhook-service",
            "path": "/v1/admit",
        },
        "caBundle": base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB...\n").decode(),
    }
    validating = [
        typed(
            "ValidatingWebhookConfiguration",
            meta("gatekeeper-validating-webhook-configuration"),
            webhooks=[
                {
                    "name": "validation.gatekeeper.sh",
                    "clientConfig": webhook_client,
                    "rules": [
                        {
                            "apiGroups": ["*"],
                            "apiVersions": ["*"],
                            "operations": ["CREATE", "UPDATE"],
                            "resources": ["*"],
                        }
                    ],
                    "failurePolicy": "Ignore",
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                }
            ],
        )
    ]
    mutating = [
        typed(
            "MutatingWebhookConfiguration",
            meta("istio-sidecar-injector"),
            webhooks=[
                {
                    "name": "namespace.sidecar-injector.istio.io",
                    "clientConfig": {
                        **webhook_client,
                        "service": {"namespace": "istio-system", "name": "istiod"},
                    },
                    "rules": [
                        {
                            "apiGroups": [""],
                            "apiVersions": ["v1"],
                            "operations": ["CREATE"],
                            "resources": ["pods"],
                        }
                    ],
                    "namespaceSelector": {"matchLabels": {"istio-injection": "enabled"}},
                    "failurePolicy": "Fail",
                    "sideEffects": "None",
                    "admissionReviewVersions": ["v1"],
                }
            ],
        )
    ]

    return {
        "Namespace": namespaces,
        "Node": nodes,
        "Pod": pods,
        "ServiceAccount": service_accounts,
        "Secret": secrets,
        "ConfigMap": config_maps,
        "Service": services,
        "ReplicationController": [replication_controller],
        "Deployment": [deployment],
        "DaemonSet": [daemonset],
        "StatefulSet": [statefulset],
        "ReplicaSet": [replicaset],
        "Job": [job],
        "CronJob": [cronjob],
        "Role": roles,
        "ClusterRole": cluster_roles,
        "RoleBinding": role_bindings,
        "ClusterRoleBinding": cluster_role_bindings,
        "Ingress": ingresses,
        "NetworkPolicy": network_policies,
        "ValidatingWebhookConfiguration": validating,
        "MutatingWebhookConfiguration": mutating,
    }


# ----------------------------------------------------------------------------------------- fixtures


class RecordingSleep:
    """Stands in for time.sleep: records the delays asked for, waits for none of them."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture(autouse=True)
def _no_proxy_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def canary() -> Canary:
    return Canary()


@pytest.fixture
def cluster_objects(canary: Canary) -> dict[str, list[Obj]]:
    return build_cluster(canary)


@pytest.fixture
def fake_apiserver(cluster_objects: dict[str, list[Obj]]) -> Iterator[FakeApiServer]:
    with FakeApiServer(objects=copy.deepcopy(cluster_objects)) as server:
        yield server


@pytest.fixture
def kubeconfig(fake_apiserver: FakeApiServer, tmp_path: Path) -> Path:
    return fake_apiserver.write_kubeconfig(tmp_path / "kubeconfig")


@pytest.fixture
def recording_sleep() -> RecordingSleep:
    return RecordingSleep()
