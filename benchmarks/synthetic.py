"""A synthetic cluster of any size, as API-shaped objects (the same shape `kubectl get -o json` gives).

Deterministic for a given size and seed. Mixes the shapes the analysis cares about: most workloads are
plain, a few are privileged / hostPID / mount hostPaths or runtime sockets, some namespaces enforce Pod
Security, services are ClusterIP, NodePort or LoadBalancer, and RBAC grants exec, secrets and pod creation.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

Obj = dict[str, Any]

PODS_PER_NAMESPACE = 50
PODS_PER_NODE = 40


def _meta(name: str, namespace: str | None = None, labels: dict[str, str] | None = None) -> Obj:
    meta: Obj = {"name": name, "uid": f"{namespace}/{name}", "creationTimestamp": "2026-01-01T00:00:00Z"}
    if namespace:
        meta["namespace"] = namespace
    if labels:
        meta["labels"] = labels
    return meta


def _container(rng: random.Random, name: str, index: int) -> Obj:
    container: Obj = {
        "name": name,
        "image": f"registry.example/{name}:{index % 17}",
        "ports": [{"containerPort": 8080, "name": "http"}],
        "env": [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}],
        "volumeMounts": [
            {"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": True}
        ],
    }
    roll = rng.random()
    if roll < 0.01:
        container["securityContext"] = {"privileged": True}
    elif roll < 0.02:
        container["securityContext"] = {"capabilities": {"add": ["SYS_ADMIN"]}}
    else:
        container["securityContext"] = {"runAsNonRoot": True, "allowPrivilegeEscalation": False}
    return container


def build_cluster(n_pods: int, seed: int = 7) -> dict[str, list[Obj]]:
    rng = random.Random(seed)
    objects: dict[str, list[Obj]] = defaultdict(list)
    n_namespaces = max(1, n_pods // PODS_PER_NAMESPACE)
    n_nodes = max(1, n_pods // PODS_PER_NODE)
    for node_index in range(n_nodes):
        addresses = [{"type": "InternalIP", "address": f"10.0.{node_index // 250}.{node_index % 250}"}]
        if node_index % 10 == 0:
            addresses.append({"type": "ExternalIP", "address": f"203.0.113.{node_index % 250}"})
        objects["Node"].append(
            {
                "apiVersion": "v1", "kind": "Node", "metadata": _meta(f"node-{node_index}"),
                "spec": {"providerID": f"aws:///eu-west-1a/i-{node_index:017x}"},
                "status": {"addresses": addresses, "nodeInfo": {"kubeletVersion": "v1.31.4"}},
            }
        )  # fmt: skip
    pod_index = 0
    for ns_index in range(n_namespaces):
        ns = f"team-{ns_index}"
        labels = {"pod-security.kubernetes.io/enforce": "restricted"} if ns_index % 4 == 0 else {}
        objects["Namespace"].append({"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(ns, labels=labels)})
        for sa in ("default", "app", "deployer", "monitor"):
            objects["ServiceAccount"].append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(sa, ns)})
        objects["Secret"].append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": _meta("db", ns),
                "type": "Opaque",
                "data": {"password": ""},
            }
        )
        objects["Role"].append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta("deployer", ns),
                "rules": [
                    {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["create", "update", "patch"]},
                    {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]},
                    {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["db"]},
                ],
            }
        )  # fmt: skip
        objects["RoleBinding"].append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": _meta("deployer", ns),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deployer"},
                "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": ns}],
            }
        )  # fmt: skip
        apps = max(1, PODS_PER_NAMESPACE // 5)
        for app_index in range(apps):
            app = f"app-{app_index}"
            selector = {"app": app}
            objects["Deployment"].append(
                {
                    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(app, ns),
                    "spec": {"replicas": 5, "selector": {"matchLabels": selector},
                             "template": {"metadata": {"labels": selector},
                                          "spec": {"serviceAccountName": "app", "containers": [_container(rng, "main", 0)]}}},
                }
            )  # fmt: skip
            service_type = "LoadBalancer" if app_index == 0 and ns_index % 3 == 0 else "ClusterIP"
            service: Obj = {
                "apiVersion": "v1", "kind": "Service", "metadata": _meta(app, ns),
                "spec": {"type": service_type, "selector": selector, "ports": [{"port": 80, "targetPort": "http"}]},
            }  # fmt: skip
            if service_type == "LoadBalancer":
                service["status"] = {"loadBalancer": {"ingress": [{"hostname": f"{app}.{ns}.elb.example.com"}]}}
            objects["Service"].append(service)
            for replica in range(5):
                if pod_index >= n_pods:
                    break
                spec: Obj = {
                    "serviceAccountName": "app" if replica else "monitor",
                    "nodeName": f"node-{rng.randrange(n_nodes)}",
                    "containers": [_container(rng, "main", pod_index), _container(rng, "sidecar", pod_index)],
                    "volumes": [{"name": "kube-api-access", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}}],
                }  # fmt: skip
                if rng.random() < 0.01:
                    spec["hostPID"] = True
                if rng.random() < 0.005:
                    spec["volumes"].append({"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}})
                    spec["containers"][0]["volumeMounts"].append(
                        {"name": "docker", "mountPath": "/var/run/docker.sock"}
                    )
                objects["Pod"].append(
                    {
                        "apiVersion": "v1", "kind": "Pod", "metadata": _meta(f"{app}-{replica}", ns, selector),
                        "spec": spec, "status": {"phase": "Running"},
                    }
                )  # fmt: skip
                pod_index += 1
    objects["ClusterRole"].append(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": _meta("cluster-admin"),
            "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}],
        }
    )  # fmt: skip
    objects["ClusterRoleBinding"].append(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": _meta("ops-admin"),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"kind": "ServiceAccount", "name": "monitor", "namespace": "team-1"}],
        }
    )  # fmt: skip
    return dict(objects)
