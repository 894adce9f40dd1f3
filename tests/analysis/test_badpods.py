"""BishopFox badPods, as published (manifests without pods: nothing has run yet), in every controller form.

Written after the project's public descriptions (github.com/BishopFox/badPods, manifests/<name>): eight pod
specs, from "everything-allowed" to "nothing-allowed", each published as a Pod, Deployment, DaemonSet,
StatefulSet, Job, CronJob, ReplicaSet and ReplicationController. Four take the node (everything-allowed,
priv-and-hostpid, priv, hostpath of /); hostpid, hostnetwork and hostipc alone are not escapes, and
nothing-allowed is a plain pod.
"""

from __future__ import annotations

from typing import Any

import pytest

from graph.analysis.catalogue import edge_types_with_tactic

from .conftest import facts_for, find

HOST_ROOT = {"volumes": [{"name": "noderoot", "hostPath": {"path": "/"}}]}
HOST_MOUNT = {"volumeMounts": [{"mountPath": "/host", "name": "noderoot"}]}
PRIVILEGED = {"securityContext": {"privileged": True}}

# name -> (pod-level spec fields, container fields)
BAD_PODS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "everything-allowed": (
        {"hostNetwork": True, "hostPID": True, "hostIPC": True, **HOST_ROOT},
        {**PRIVILEGED, **HOST_MOUNT},
    ),
    "priv-and-hostpid": ({"hostPID": True}, PRIVILEGED),
    "priv": ({}, PRIVILEGED),
    "hostpath": (HOST_ROOT, HOST_MOUNT),
    "hostpid": ({"hostPID": True}, {}),
    "hostnetwork": ({"hostNetwork": True}, {}),
    "hostipc": ({"hostIPC": True}, {}),
    "nothing-allowed": ({}, {}),
}
TAKEOVER = ("everything-allowed", "priv-and-hostpid", "priv", "hostpath")
NO_ESCAPE = ("hostpid", "hostnetwork", "hostipc", "nothing-allowed")
FORMS = ("Pod", "Deployment", "DaemonSet", "StatefulSet", "Job", "CronJob", "ReplicaSet", "ReplicationController")
API_VERSIONS = {"Pod": "v1", "ReplicationController": "v1", "Job": "batch/v1", "CronJob": "batch/v1"}


def bad_pod(name: str, form: str) -> dict[str, Any]:
    pod_fields, container_fields = BAD_PODS[name]
    labels = {"app": f"{name}-{form.lower()}"}
    # The published manifests run a shell that waits for the attacker.
    container = {"name": name, "image": "ubuntu", "command": ["/bin/sh", "-c", "--"],
                 "args": ["while true; do sleep 30; done;"], **container_fields}  # fmt: skip
    spec: dict[str, Any] = {**pod_fields, "containers": [container]}
    if form in ("Job", "CronJob"):
        spec["restartPolicy"] = "Never"
    metadata = {"name": f"{name}-{form.lower()}", "namespace": "default", "labels": labels}
    if form == "Pod":
        return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
    template = {"metadata": {"labels": labels}, "spec": spec}
    if form == "CronJob":
        body: dict[str, Any] = {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}}
    elif form == "Job":
        body = {"template": template}
    elif form == "ReplicationController":
        body = {"replicas": 1, "selector": labels, "template": template}
    else:
        body = {"selector": {"matchLabels": labels}, "template": template}
        if form == "StatefulSet":
            body["serviceName"] = metadata["name"]
    return {"apiVersion": API_VERSIONS.get(form, "apps/v1"), "kind": form, "metadata": metadata, "spec": body}


def escapes(manifest: dict[str, Any], with_nodes: bool = False) -> set[tuple[str, str, str]]:
    nodes = [{"apiVersion": "v1", "kind": "Node", "metadata": {"name": f"n{i}"}} for i in (1, 2)] if with_nodes else []
    facts = facts_for([*nodes, manifest])
    return {
        (edge.type, edge.dst_kind, edge.dst_uid)
        for edge_type in edge_types_with_tactic("escape")
        for edge in find(edge_type, facts)
    }


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", TAKEOVER)
def test_takeover_bad_pods_take_a_node_in_every_form(name: str, form: str) -> None:
    found = escapes(bad_pod(name, form))
    assert found, f"{name} as a {form} gives no escape"
    assert {dst_kind for _type, dst_kind, _uid in found} == {"ClusterNodes"}
    with_nodes = escapes(bad_pod(name, form), with_nodes=True)
    assert {uid for _type, _kind, uid in with_nodes} == {"k8s:t:nodes"}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", NO_ESCAPE)
def test_other_bad_pods_escape_nowhere_in_every_form(name: str, form: str) -> None:
    assert escapes(bad_pod(name, form)) == set()
    assert escapes(bad_pod(name, form), with_nodes=True) == set()


@pytest.mark.parametrize("form", FORMS)
def test_each_takeover_gives_the_escape_the_badpods_readme_describes(form: str) -> None:
    expected = {
        "everything-allowed": {"CE_PRIVILEGED", "CE_NSENTER", "CE_HOSTPATH_WRITE", "CE_RUNTIME_SOCKET"},
        "priv-and-hostpid": {"CE_PRIVILEGED", "CE_NSENTER"},
        "priv": {"CE_PRIVILEGED"},
        "hostpath": {"CE_HOSTPATH_WRITE", "CE_RUNTIME_SOCKET"},  # / holds the runtime sockets
    }
    for name, types in expected.items():
        assert {edge_type for edge_type, _kind, _uid in escapes(bad_pod(name, form))} == types, name
