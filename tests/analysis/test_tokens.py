"""Control inside a workload, token theft and node takeover (graph/analysis/tokens.py).

Fixtures follow public descriptions: the Kubernetes documentation on service-account token mounting
("Opt out of API credential automounting": the pod's setting wins over the ServiceAccount's), the
ServiceAccount admission plugin (kube-api-access-* volume added to init and regular containers, never to
ephemeral ones, nor to a container that already mounts something at the token path), the legacy
service-account-token Secret, the "Share Process Namespace between Containers in a Pod" task and
KubeHound's SHARE_PS_NAMESPACE / TOKEN_STEAL / POD_EXEC references.
"""

from __future__ import annotations

from typing import Any

from graph.analysis.catalogue import ATTACKS, AttackEdge

from .conftest import facts_for, find, pairs


def pod_uid(name: str, ns: str = "app") -> str:
    return f"k8s:t:pod:{ns}/{name}"


def container(pod: str, name: str, ns: str = "app") -> str:
    return f"k8s:t:container:{ns}/{pod}/{name}"


def sa(name: str, ns: str = "app") -> str:
    return f"k8s:t:serviceaccount:{ns}/{name}"


def secret(name: str, ns: str = "app") -> str:
    return f"k8s:t:secret:{ns}/{name}"


def reason_of(edges: list[AttackEdge], src: str, dst: str) -> str:
    matching = [edge.reason for edge in edges if (edge.src_uid, edge.dst_uid) == (src, dst)]
    assert len(matching) == 1, (src, dst, edges)
    return matching[0]


NAMESPACE = """
apiVersion: v1
kind: Namespace
metadata: {name: app}
"""


def service_account(name: str = "default", automount: bool | None = None) -> str:
    setting = "" if automount is None else f"\nautomountServiceAccountToken: {str(automount).lower()}"
    return f"""
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: {name}, namespace: app}}{setting}
"""


# --------------------------------------------------------------------------------------------------
# CONTROLS_CONTAINER
# --------------------------------------------------------------------------------------------------

DEBUGGED_POD = """
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: app}
spec:
  nodeName: n1
  initContainers: [{name: migrate, image: migrate}]
  containers: [{name: web, image: nginx}, {name: proxy, image: envoy}]
  ephemeralContainers: [{name: debugger, image: busybox}]
status: {phase: Running}
"""


def test_pod_controls_its_running_and_ephemeral_containers_not_exited_init_containers() -> None:
    edges = find("CONTROLS_CONTAINER", facts_for(DEBUGGED_POD))
    assert pairs(edges) == {
        (pod_uid("web"), container("web", "web")),
        (pod_uid("web"), container("web", "proxy")),
        (pod_uid("web"), container("web", "debugger")),
    }
    assert 'runs container "proxy"' in reason_of(edges, pod_uid("web"), container("web", "proxy"))
    assert "ephemeral container" in reason_of(edges, pod_uid("web"), container("web", "debugger"))


def test_a_native_sidecar_init_container_is_controlled_like_a_running_one() -> None:
    spec = DEBUGGED_POD.replace(
        "initContainers: [{name: migrate, image: migrate}]",
        "initContainers: [{name: migrate, image: migrate}, {name: mesh, image: envoy, restartPolicy: Always}]",
    )
    edges = find("CONTROLS_CONTAINER", facts_for(spec))
    assert (pod_uid("web"), container("web", "mesh")) in pairs(edges)
    assert (pod_uid("web"), container("web", "migrate")) not in pairs(edges)


def test_finished_pods_give_no_container_control_a_template_without_pods_is_controlled_by_its_controller() -> None:
    facts = facts_for(
        DEBUGGED_POD.replace("phase: Running", "phase: Succeeded")
        + """
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: app}
spec:
  template:
    spec:
      initContainers: [{name: migrate, image: api}]
      containers: [{name: api, image: api}]
"""
    )
    edges = find("CONTROLS_CONTAINER", facts)
    assert pairs(edges) == {
        ("k8s:t:deployment:app/api", "k8s:t:container:app/deployment/api/api"),
        ("k8s:t:deployment:app/api", "k8s:t:container:app/deployment/api/migrate"),
    }
    assert all("pod template of Deployment app/api (no running pod in the snapshot)" in e.reason for e in edges)


# --------------------------------------------------------------------------------------------------
# SHARES_PROCESS_NAMESPACE
# --------------------------------------------------------------------------------------------------

# KubeHound's SHARE_PS_NAMESPACE example (also the Kubernetes task's pod).
SHARED_PS = """
apiVersion: v1
kind: Pod
metadata: {name: nginx, namespace: app}
spec:
  shareProcessNamespace: true
  containers:
  - {name: nginx, image: nginx}
  - name: shell
    image: busybox:1.28
    securityContext: {capabilities: {add: [SYS_PTRACE]}}
"""


def test_shared_process_namespace_links_sibling_containers_both_ways() -> None:
    edges = find("SHARES_PROCESS_NAMESPACE", facts_for(SHARED_PS))
    nginx, shell = container("nginx", "nginx"), container("nginx", "shell")
    assert pairs(edges) == {(shell, nginx), (nginx, shell)}
    assert "shareProcessNamespace=true" in reason_of(edges, shell, nginx)
    assert "CAP_SYS_PTRACE" in reason_of(edges, shell, nginx)
    assert "runAsUser unset on at least one" in reason_of(edges, nginx, shell)


def test_no_shared_process_namespace_no_edge() -> None:
    assert find("SHARES_PROCESS_NAMESPACE", facts_for(SHARED_PS.replace("true", "false"))) == []
    assert find("SHARES_PROCESS_NAMESPACE", facts_for(SHARED_PS.replace("shareProcessNamespace: true", ""))) == []


def test_different_users_without_ptrace_cannot_read_each_other() -> None:
    manifest = """
apiVersion: v1
kind: Pod
metadata: {name: split, namespace: app}
spec:
  shareProcessNamespace: true
  containers:
  - {name: app, image: app, securityContext: {runAsUser: 1000}}
  - {name: agent, image: agent, securityContext: {runAsUser: 2000, capabilities: {add: [SYS_PTRACE]}}}
  - {name: helper, image: helper, securityContext: {runAsUser: 1000}}
"""
    app, agent, helper = (container("split", name) for name in ("app", "agent", "helper"))
    assert pairs(find("SHARES_PROCESS_NAMESPACE", facts_for(manifest))) == {
        (agent, app),
        (agent, helper),  # CAP_SYS_PTRACE overrides the uid check
        (app, helper),
        (helper, app),  # same uid 1000
    }


def test_a_capability_added_and_dropped_is_not_held() -> None:
    # The runtime applies drop after add: SYS_PTRACE in both lists is not held, so uids decide (this used to
    # give agent -> app "which has CAP_SYS_PTRACE" while the escape rules, rightly, saw no ptrace).
    manifest = """
apiVersion: v1
kind: Pod
metadata: {name: split, namespace: app}
spec:
  shareProcessNamespace: true
  containers:
  - {name: app, image: app, securityContext: {runAsUser: 1000}}
  - {name: agent, image: agent, securityContext: {runAsUser: 2000, capabilities: {add: [SYS_PTRACE], drop: [SYS_PTRACE]}}}
  - {name: shell, image: shell, securityContext: {capabilities: {add: [SYS_PTRACE], drop: [SYS_PTRACE]}}}
"""
    edges = find("SHARES_PROCESS_NAMESPACE", facts_for(manifest))
    app, agent, shell = (container("split", name) for name in ("app", "agent", "shell"))
    assert (agent, app) not in pairs(edges) and (app, agent) not in pairs(edges)
    assert (shell, app) in pairs(edges)  # runAsUser unset: the image decides, assumed the same user
    assert "CAP_SYS_PTRACE" not in reason_of(edges, shell, app)


def test_a_never_root_container_holds_no_added_capability() -> None:
    # allowPrivilegeEscalation: false with a non-root uid: no ambient set and no setuid, so CAP_SYS_PTRACE in
    # capabilities.add is never effective (the same judgement the escape rules make).
    manifest = """
apiVersion: v1
kind: Pod
metadata: {name: split, namespace: app}
spec:
  shareProcessNamespace: true
  containers:
  - {name: app, image: app, securityContext: {runAsUser: 1000}}
  - name: agent
    image: agent
    securityContext: {runAsUser: 2000, allowPrivilegeEscalation: false, capabilities: {add: [SYS_PTRACE]}}
"""
    app, agent = container("split", "app"), container("split", "agent")
    assert (agent, app) not in pairs(find("SHARES_PROCESS_NAMESPACE", facts_for(manifest)))


# --------------------------------------------------------------------------------------------------
# HAS_SA_TOKEN
# --------------------------------------------------------------------------------------------------


def runner_pod(automount: bool | None = None, sa_name: str = "deployer") -> str:
    setting = "" if automount is None else f"\n  automountServiceAccountToken: {str(automount).lower()}"
    return f"""
---
apiVersion: v1
kind: Pod
metadata: {{name: deploy-runner, namespace: app}}
spec:
  serviceAccountName: {sa_name}{setting}
  containers: [{{name: runner, image: runner}}]
"""


RUNNER = container("deploy-runner", "runner")


def test_token_mounted_by_default() -> None:
    edges = find("HAS_SA_TOKEN", facts_for(NAMESPACE + service_account("deployer") + runner_pod()))
    assert pairs(edges) == {(RUNNER, sa("deployer"))}
    reason = reason_of(edges, RUNNER, sa("deployer"))
    assert "pod app/deploy-runner mounts the token of app/deployer" in reason
    assert "automountServiceAccountToken unset on pod and SA: default true" in reason


def test_pod_true_wins_over_service_account_false() -> None:
    edges = find("HAS_SA_TOKEN", facts_for(NAMESPACE + service_account("deployer", False) + runner_pod(True)))
    assert pairs(edges) == {(RUNNER, sa("deployer"))}
    assert "true on the pod (wins over false on the SA)" in edges[0].reason


def test_pod_false_wins_over_service_account_true() -> None:
    assert find("HAS_SA_TOKEN", facts_for(NAMESPACE + service_account("deployer", True) + runner_pod(False))) == []


def test_service_account_false_applies_when_pod_unset() -> None:
    assert find("HAS_SA_TOKEN", facts_for(NAMESPACE + service_account("deployer", False) + runner_pod())) == []


def test_no_token_for_a_service_account_that_does_not_exist() -> None:
    facts = facts_for(NAMESPACE + service_account("other") + runner_pod(sa_name="deployer"))
    assert find("HAS_SA_TOKEN", facts) == []


# A pod as the API returns it: admission has written the kube-api-access volume and mounted it into the
# containers it applies to. The sidecar opted out by mounting an emptyDir over the token path.
ADMITTED_POD = """
---
apiVersion: v1
kind: Pod
metadata: {name: live, namespace: app}
spec:
  serviceAccountName: default
  containers:
  - name: app
    image: app
    volumeMounts:
    - {name: kube-api-access-x7k2p, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true}
  - name: sidecar
    image: sidecar
    volumeMounts: [{name: no-token, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]
  ephemeralContainers: [{name: debugger, image: busybox}]
  volumes:
  - name: no-token
    emptyDir: {}
  - name: kube-api-access-x7k2p
    projected:
      sources:
      - serviceAccountToken: {expirationSeconds: 3607, path: token}
      - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
status: {phase: Running}
"""


def test_admitted_pod_token_reaches_only_containers_that_mount_it() -> None:
    edges = find("HAS_SA_TOKEN", facts_for(NAMESPACE + service_account() + ADMITTED_POD))
    assert pairs(edges) == {(container("live", "app"), sa("default"))}
    assert 'volume "kube-api-access-x7k2p" at /var/run/secrets/kubernetes.io/serviceaccount' in edges[0].reason


HAND_WRITTEN_POD = """
---
apiVersion: v1
kind: Pod
metadata: {name: manual, namespace: app}
spec:
  initContainers: [{name: setup, image: setup}]
  containers:
  - {name: app, image: app}
  - name: blocked
    image: blocked
    volumeMounts: [{name: empty, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]
  ephemeralContainers: [{name: debugger, image: busybox}]
  volumes: [{name: empty, emptyDir: {}}]
"""


def test_unadmitted_spec_gets_the_token_in_init_and_regular_containers_not_ephemeral() -> None:
    edges = find("HAS_SA_TOKEN", facts_for(NAMESPACE + service_account() + HAND_WRITTEN_POD))
    assert pairs(edges) == {
        (container("manual", "setup"), sa("default")),
        (container("manual", "app"), sa("default")),
    }
    assert "admission plugin adds one" in reason_of(edges, container("manual", "app"), sa("default"))


def projected_token_pod(audience: str | None) -> str:
    audience_line = f", audience: {audience}" if audience else ""
    return f"""
---
apiVersion: v1
kind: Pod
metadata: {{name: projected, namespace: app}}
spec:
  automountServiceAccountToken: false
  containers:
  - name: app
    image: app
    volumeMounts: [{{name: api-token, mountPath: /var/run/token}}]
  - {{name: other, image: other}}
  volumes:
  - name: api-token
    projected:
      sources: [{{serviceAccountToken: {{path: token, expirationSeconds: 600{audience_line}}}}}]
"""


def test_explicit_projected_api_token_is_mounted_despite_automount_false() -> None:
    edges = find("HAS_SA_TOKEN", facts_for(NAMESPACE + service_account() + projected_token_pod(None)))
    assert pairs(edges) == {(container("projected", "app"), sa("default"))}
    assert 'projected serviceAccountToken volume "api-token" at /var/run/token' in edges[0].reason


def test_projected_token_for_another_audience_is_not_an_api_token() -> None:
    # IRSA's token (audience sts.amazonaws.com) is rejected by the Kubernetes API server.
    facts = facts_for(NAMESPACE + service_account() + projected_token_pod("sts.amazonaws.com"))
    assert find("HAS_SA_TOKEN", facts) == []

    # With automounting left on, the pod still gets the API token from admission, never from that volume.
    irsa = projected_token_pod("sts.amazonaws.com").replace("automountServiceAccountToken: false", "")
    edges = find("HAS_SA_TOKEN", facts_for(NAMESPACE + service_account() + irsa))
    assert pairs(edges) == {
        (container("projected", "app"), sa("default")),
        (container("projected", "other"), sa("default")),
    }
    assert all("admission plugin adds one" in edge.reason for edge in edges)


def test_finished_pod_has_no_token_edge_a_template_without_pods_has() -> None:
    manifest = (
        NAMESPACE
        + service_account()
        + """
---
apiVersion: v1
kind: Pod
metadata: {name: done, namespace: app}
spec:
  containers: [{name: job, image: job}]
status: {phase: Succeeded}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: app}
spec:
  template:
    spec:
      containers: [{name: api, image: api}]
"""
    )
    edges = find("HAS_SA_TOKEN", facts_for(manifest))
    assert pairs(edges) == {("k8s:t:container:app/deployment/api/api", sa("default"))}
    assert "pod template of Deployment app/api (no running pod in the snapshot)" in edges[0].reason
    assert "admission plugin adds one" in edges[0].reason


# --------------------------------------------------------------------------------------------------
# READS_MOUNTED_SECRET
# --------------------------------------------------------------------------------------------------

SECRETS = """
---
apiVersion: v1
kind: Secret
metadata: {name: db-creds, namespace: app}
type: Opaque
data: {password: ""}
---
apiVersion: v1
kind: Secret
metadata: {name: tls, namespace: app}
type: kubernetes.io/tls
data: {tls.crt: "", tls.key: ""}
---
apiVersion: v1
kind: Secret
metadata: {name: api-keys, namespace: app}
type: Opaque
"""

SECRET_CONSUMER = """
---
apiVersion: v1
kind: Pod
metadata: {name: shop, namespace: app}
spec:
  initContainers:
  - name: fetch
    image: fetch
    envFrom: [{secretRef: {name: api-keys}}]
  containers:
  - name: app
    image: app
    env:
    - name: DB_PASSWORD
      valueFrom: {secretKeyRef: {name: db-creds, key: password}}
  - name: proxy
    image: proxy
    volumeMounts: [{name: certs, mountPath: /etc/tls}]
  - {name: logger, image: logger}
  volumes:
  - name: certs
    projected:
      sources: [{secret: {name: tls}}]
  - name: unused
    secret: {secretName: api-keys}
"""


def test_each_container_reads_only_the_secrets_exposed_to_it() -> None:
    edges = find("READS_MOUNTED_SECRET", facts_for(NAMESPACE + SECRETS + SECRET_CONSUMER))
    app, proxy, fetch = (container("shop", name) for name in ("app", "proxy", "fetch"))
    assert pairs(edges) == {
        (app, secret("db-creds")),
        (proxy, secret("tls")),
        (fetch, secret("api-keys")),  # envFrom in the init container only; the volume is mounted nowhere
    }
    assert "env DB_PASSWORD from secretKeyRef db-creds/password" in reason_of(edges, app, secret("db-creds"))
    assert 'projected secret source "certs" mounted at /etc/tls' in reason_of(edges, proxy, secret("tls"))
    assert "envFrom secretRef api-keys" in reason_of(edges, fetch, secret("api-keys"))


def test_secret_volume_mounted_into_one_container() -> None:
    manifest = (
        NAMESPACE
        + SECRETS
        + """
---
apiVersion: v1
kind: Pod
metadata: {name: vol, namespace: app}
spec:
  containers:
  - {name: app, image: app, volumeMounts: [{name: creds, mountPath: /etc/creds, readOnly: true}]}
  - {name: other, image: other}
  volumes: [{name: creds, secret: {secretName: db-creds}}]
"""
    )
    edges = find("READS_MOUNTED_SECRET", facts_for(manifest))
    assert pairs(edges) == {(container("vol", "app"), secret("db-creds"))}
    assert 'secret volume "creds" mounted at /etc/creds' in edges[0].reason


def test_reference_to_a_secret_that_does_not_exist_gives_nothing() -> None:
    # Secrets were collected (db-creds exists), so "missing" is known not to exist.
    manifest = (
        NAMESPACE
        + SECRETS
        + """
---
apiVersion: v1
kind: Pod
metadata: {name: ghost, namespace: app}
spec:
  containers:
  - name: app
    image: app
    env: [{name: X, valueFrom: {secretKeyRef: {name: missing, key: x, optional: true}}}]
"""
    )
    assert find("READS_MOUNTED_SECRET", facts_for(manifest)) == []


# --------------------------------------------------------------------------------------------------
# SECRET_HOLDS_TOKEN
# --------------------------------------------------------------------------------------------------


def token_secret(name: str, sa_name: str, labels: str = "", sa_uid: str | None = None) -> str:
    uid_annotation = f", kubernetes.io/service-account.uid: {sa_uid}" if sa_uid else ""
    return f"""
---
apiVersion: v1
kind: Secret
metadata:
  name: {name}
  namespace: app
  labels: {{{labels}}}
  annotations: {{kubernetes.io/service-account.name: {sa_name}{uid_annotation}}}
type: kubernetes.io/service-account-token
data: {{token: "", ca.crt: "", namespace: ""}}
"""


def test_legacy_token_secret_holds_its_service_account() -> None:
    facts = facts_for(NAMESPACE + service_account("deployer") + token_secret("deployer-token", "deployer"))
    edges = find("SECRET_HOLDS_TOKEN", facts)
    assert pairs(edges) == {(secret("deployer-token"), sa("deployer"))}
    assert "kubernetes.io/service-account-token" in edges[0].reason


def test_service_account_without_token_secret_has_no_edge() -> None:
    # Closed world: an SA without a token secret (the default since 1.24), and a token secret whose SA
    # does not exist, give nothing; an Opaque secret with the annotation is not a token.
    manifest = (
        NAMESPACE
        + service_account("deployer")
        + token_secret("orphan-token", "deleted-sa")
        + """
---
apiVersion: v1
kind: Secret
metadata:
  name: lookalike
  namespace: app
  annotations: {kubernetes.io/service-account.name: deployer}
type: Opaque
"""
    )
    assert find("SECRET_HOLDS_TOKEN", facts_for(manifest)) == []


def test_invalidated_or_stale_legacy_tokens_are_rejected() -> None:
    sa_with_uid = """
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: app, uid: 11111111-aaaa}
"""
    manifest = (
        NAMESPACE
        + sa_with_uid
        + token_secret("cleaned", "deployer", labels="kubernetes.io/legacy-token-invalid-since: '2024-05-01'")
        + token_secret("stale", "deployer", sa_uid="22222222-bbbb")
        + token_secret("current", "deployer", sa_uid="11111111-aaaa")
    )
    assert pairs(find("SECRET_HOLDS_TOKEN", facts_for(manifest))) == {(secret("current"), sa("deployer"))}


def test_legacy_admission_token_volume_counts_as_the_pods_token() -> None:
    # Before 1.22 admission mounted the SA's token secret as a secret volume.
    manifest = (
        NAMESPACE
        + service_account("deployer")
        + token_secret("deployer-token-abcde", "deployer")
        + """
---
apiVersion: v1
kind: Pod
metadata: {name: old, namespace: app}
spec:
  serviceAccountName: deployer
  containers:
  - name: app
    image: app
    volumeMounts: [{name: deployer-token-abcde, mountPath: /var/run/secrets/kubernetes.io/serviceaccount}]
  - {name: other, image: other}
  volumes: [{name: deployer-token-abcde, secret: {secretName: deployer-token-abcde}}]
"""
    )
    facts = facts_for(manifest)
    edges = find("HAS_SA_TOKEN", facts)
    assert pairs(edges) == {(container("old", "app"), sa("deployer"))}
    assert "legacy token secret volume" in edges[0].reason
    assert pairs(find("READS_MOUNTED_SECRET", facts)) == {(container("old", "app"), secret("deployer-token-abcde"))}


# --------------------------------------------------------------------------------------------------
# NODE_CONTROLS_POD
# --------------------------------------------------------------------------------------------------


def pod_on(name: str, node: str | None, phase: str = "Running") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "i"}]}
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "app"},
        "spec": spec,
        "status": {"phase": phase},
    }


def node(name: str, external_ip: str | None = None) -> dict[str, Any]:
    addresses = [{"type": "InternalIP", "address": "10.0.0.1"}]
    if external_ip:
        addresses.append({"type": "ExternalIP", "address": external_ip})
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "status": {"addresses": addresses}}


def test_node_controls_the_live_pods_scheduled_on_it() -> None:
    facts = facts_for(
        [
            node("n1"),
            node("n2"),
            pod_on("a", "n1"),
            pod_on("b", "n1", "Pending"),
            pod_on("done", "n1", "Failed"),
            pod_on("elsewhere", "n2"),
            pod_on("unscheduled", None, "Pending"),
        ]
    )
    edges = find("NODE_CONTROLS_POD", facts)
    assert pairs(edges) == {
        ("k8s:t:node:n1", pod_uid("a")),
        ("k8s:t:node:n1", pod_uid("b")),
        ("k8s:t:node:n2", pod_uid("elsewhere")),
    }
    assert "runs on node n1" in reason_of(edges, "k8s:t:node:n1", pod_uid("a"))


# --------------------------------------------------------------------------------------------------
# CONTROLLER_RUNS_POD
# --------------------------------------------------------------------------------------------------


def owned(obj: dict[str, Any], kind: str, name: str, controller: bool = True) -> dict[str, Any]:
    api = {"ReplicaSet": "apps/v1", "Deployment": "apps/v1", "Job": "batch/v1", "CronJob": "batch/v1"}[kind]
    obj["metadata"]["ownerReferences"] = [{"apiVersion": api, "kind": kind, "name": name, "controller": controller}]
    return obj


def controller(kind: str, name: str) -> dict[str, Any]:
    api = "batch/v1" if kind in ("Job", "CronJob") else "apps/v1"
    template = {"spec": {"containers": [{"name": "c", "image": "i"}]}}
    spec = {"jobTemplate": {"spec": {"template": template}}} if kind == "CronJob" else {"template": template}
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name, "namespace": "app"}, "spec": spec}


def test_deployment_and_its_replicaset_both_run_the_pod() -> None:
    facts = facts_for(
        [
            controller("Deployment", "web"),
            owned(controller("ReplicaSet", "web-7d9f"), "Deployment", "web"),
            owned(pod_on("web-7d9f-abc", "n1"), "ReplicaSet", "web-7d9f"),
            owned(pod_on("web-7d9f-old", "n1", "Succeeded"), "ReplicaSet", "web-7d9f"),
        ]
    )
    edges = find("CONTROLLER_RUNS_POD", facts)
    assert pairs(edges) == {
        ("k8s:t:deployment:app/web", pod_uid("web-7d9f-abc")),
        ("k8s:t:replicaset:app/web-7d9f", pod_uid("web-7d9f-abc")),
    }
    assert "Deployment app/web → ReplicaSet app/web-7d9f → pod app/web-7d9f-abc" in reason_of(
        edges, "k8s:t:deployment:app/web", pod_uid("web-7d9f-abc")
    )


def test_cronjob_runs_its_jobs_pods_but_a_jobs_immutable_template_gives_no_control() -> None:
    facts = facts_for(
        [
            controller("CronJob", "backup"),
            owned(controller("Job", "backup-2891"), "CronJob", "backup"),
            owned(pod_on("backup-2891-x", "n1"), "Job", "backup-2891"),
        ]
    )
    assert pairs(find("CONTROLLER_RUNS_POD", facts)) == {("k8s:t:cronjob:app/backup", pod_uid("backup-2891-x"))}


def test_owner_reference_without_controller_flag_gives_nothing() -> None:
    facts = facts_for(
        [controller("ReplicaSet", "rs"), owned(pod_on("adopted", "n1"), "ReplicaSet", "rs", controller=False)]
    )
    assert find("CONTROLLER_RUNS_POD", facts) == []


def test_every_attack_in_this_family_is_registered() -> None:
    for edge_type in (
        "CONTROLS_CONTAINER",
        "SHARES_PROCESS_NAMESPACE",
        "HAS_SA_TOKEN",
        "READS_MOUNTED_SECRET",
        "SECRET_HOLDS_TOKEN",
        "NODE_CONTROLS_POD",
        "CONTROLLER_RUNS_POD",
    ):
        attack = ATTACKS[edge_type]
        assert attack.rule_ids[0].startswith("k8s.") and attack.mitre.startswith("T") and attack.references
