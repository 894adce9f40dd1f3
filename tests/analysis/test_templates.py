"""Controllers without pods in the snapshot: their templates are analysed as the pods they will create."""

from __future__ import annotations

import pytest

from graph.planes.k8s.views import template_pod_views, tolerates

from .conftest import facts_for, find, pairs

ANY_NODE = "k8s:t:nodes"
NODES = """
---
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {pool: web, kubernetes.io/hostname: n1}}
---
apiVersion: v1
kind: Node
metadata: {name: n2, labels: {pool: batch, kubernetes.io/hostname: n2}}
"""
TAINTED_CONTROL_PLANE = """
---
apiVersion: v1
kind: Node
metadata: {name: cp, labels: {pool: web}}
spec:
  taints: [{key: node-role.kubernetes.io/control-plane, effect: NoSchedule}]
"""
NAMESPACE = """
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: shop}
type: Opaque
"""


def deployment(pod_spec: str = "", security: str = "{privileged: true}", name: str = "web") -> str:
    return f"""
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop, uid: d-{name}}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}, tier: front}}}}
    spec:
      serviceAccountName: web
{pod_spec}
      containers:
      - name: app
        image: app
        ports: [{{name: http, containerPort: 8080}}]
        securityContext: {security}
        env: [{{name: DB, valueFrom: {{secretKeyRef: {{name: db, key: password}}}}}}]
"""


APP = "k8s:t:container:shop/deployment/web/app"
DEPLOYMENT = "k8s:t:deployment:shop/web"


def test_template_without_pods_escapes_to_any_node_and_says_it_is_a_template() -> None:
    edges = find("CE_PRIVILEGED", facts_for(NAMESPACE + deployment()))
    assert pairs(edges) == {(APP, ANY_NODE)}
    assert edges[0].dst_kind == "ClusterNodes"
    assert "pod template of Deployment shop/web (no running pod in the snapshot)" in edges[0].reason
    assert "no nodes in the snapshot" in edges[0].reason


def test_template_without_constraints_lands_on_any_node_when_nodes_are_known() -> None:
    edges = find("CE_PRIVILEGED", facts_for(NODES + NAMESPACE + deployment()))
    assert pairs(edges) == {(APP, ANY_NODE)}


def test_template_pinned_by_node_selector_gets_only_that_node() -> None:
    facts = facts_for(NODES + NAMESPACE + deployment("      nodeSelector: {pool: web}"))
    edges = find("CE_PRIVILEGED", facts)
    assert pairs(edges) == {(APP, "k8s:t:node:n1")}
    assert "nodeSelector pool=web" in edges[0].reason


def test_template_with_node_name_gets_that_node_and_an_unknown_name_gets_nothing() -> None:
    assert pairs(find("CE_PRIVILEGED", facts_for(NODES + NAMESPACE + deployment("      nodeName: n2")))) == {
        (APP, "k8s:t:node:n2")
    }
    assert find("CE_PRIVILEGED", facts_for(NODES + NAMESPACE + deployment("      nodeName: gone"))) == []


def test_taints_keep_a_template_off_nodes_unless_tolerated() -> None:
    untolerated = facts_for(NODES + TAINTED_CONTROL_PLANE + NAMESPACE + deployment())
    assert pairs(find("CE_PRIVILEGED", untolerated)) == {(APP, "k8s:t:node:n1"), (APP, "k8s:t:node:n2")}
    tolerating = deployment("      tolerations: [{operator: Exists}]")
    assert pairs(find("CE_PRIVILEGED", facts_for(NODES + TAINTED_CONTROL_PLANE + NAMESPACE + tolerating))) == {
        (APP, ANY_NODE)
    }
    selected = deployment("      nodeSelector: {pool: web}")
    assert pairs(find("CE_PRIVILEGED", facts_for(NODES + TAINTED_CONTROL_PLANE + NAMESPACE + selected))) == {
        (APP, "k8s:t:node:n1")
    }


@pytest.mark.parametrize(
    ("toleration", "matches"),
    [
        ({"operator": "Exists"}, True),
        ({"key": "dedicated", "operator": "Exists"}, True),
        ({"key": "dedicated", "value": "gpu"}, True),
        ({"key": "dedicated", "value": "web"}, False),
        ({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, False),
        ({"key": "other", "operator": "Exists"}, False),
    ],
)
def test_toleration_matching(toleration: dict[str, str], matches: bool) -> None:
    assert tolerates([toleration], {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}) is matches


def test_template_that_cannot_escape_gets_no_escape_edge_but_still_its_token_and_secret() -> None:
    facts = facts_for(NODES + NAMESPACE + deployment(security="{allowPrivilegeEscalation: false, runAsUser: 1000}"))
    for edge_type in ("CE_PRIVILEGED", "CE_NSENTER", "CE_SYS_ADMIN", "CE_HOSTPATH_WRITE", "CE_RUNTIME_SOCKET"):
        assert find(edge_type, facts) == [], edge_type
    tokens = find("HAS_SA_TOKEN", facts)
    assert pairs(tokens) == {(APP, "k8s:t:serviceaccount:shop/web")}
    assert "pod template of Deployment shop/web" in tokens[0].reason
    secrets = find("READS_MOUNTED_SECRET", facts)
    assert pairs(secrets) == {(APP, "k8s:t:secret:shop/db")}
    assert "env DB from secretKeyRef db/password" in secrets[0].reason


def test_template_with_automount_false_has_no_token() -> None:
    facts = facts_for(NAMESPACE + deployment("      automountServiceAccountToken: false"))
    assert find("HAS_SA_TOKEN", facts) == []


def test_controller_controls_its_template_containers() -> None:
    edges = find("CONTROLS_CONTAINER", facts_for(NAMESPACE + deployment()))
    assert pairs(edges) == {(DEPLOYMENT, APP)}
    assert edges[0].src_kind == "Deployment"


def test_services_selecting_the_template_labels_target_its_containers_in_its_namespace_only() -> None:
    service = """
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: http}]
"""
    edges = find("SERVICE_TARGETS", facts_for(NAMESPACE + deployment() + service))
    assert pairs(edges) == {("k8s:t:service:shop/web", APP)}
    assert "selects pod template of Deployment shop/web (no running pod in the snapshot)" in edges[0].reason
    assert 'targetPort "http" = containerPort 8080' in edges[0].reason


RUNNING_POD = """
---
apiVersion: v1
kind: Pod
metadata:
  name: web-7d9f-abcde
  namespace: shop
  labels: {app: web, tier: front}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9f, uid: rs-1, controller: true}]
spec:
  nodeName: n1
  serviceAccountName: web
  containers: [{name: app, image: app, securityContext: {privileged: true}}]
"""
REPLICA_SET = """
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-7d9f
  namespace: shop
  uid: rs-1
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d-web, controller: true}]
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      serviceAccountName: web
      containers: [{name: app, image: app, securityContext: {privileged: true}}]
"""


def test_a_controller_with_a_running_pod_gets_no_duplicate_template_edges() -> None:
    facts = facts_for(NODES + NAMESPACE + deployment() + RUNNING_POD + REPLICA_SET)
    assert template_pod_views(facts) == []
    pod_container = "k8s:t:container:shop/web-7d9f-abcde/app"
    assert pairs(find("CE_PRIVILEGED", facts)) == {(pod_container, "k8s:t:node:n1")}
    assert {src for src, _dst in pairs(find("HAS_SA_TOKEN", facts))} == {pod_container}
    assert all(src == "k8s:t:pod:shop/web-7d9f-abcde" for src, _dst in pairs(find("CONTROLS_CONTAINER", facts)))


def test_a_chain_without_pods_is_analysed_once_at_its_topmost_controller() -> None:
    facts = facts_for(NODES + NAMESPACE + deployment() + REPLICA_SET)
    assert [view.entity.uid for view in template_pod_views(facts)] == [DEPLOYMENT]
    assert pairs(find("CE_PRIVILEGED", facts)) == {(APP, ANY_NODE)}
    assert "k8s:t:container:shop/replicaset/web-7d9f/app" not in {src for src, _ in pairs(find("HAS_SA_TOKEN", facts))}


JOBS = """
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop, uid: cj-1}
spec:
  schedule: "0 2 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{name: build, image: build, securityContext: {privileged: true}}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: nightly-1
  namespace: shop
  uid: j-1
  ownerReferences: [{apiVersion: batch/v1, kind: CronJob, name: nightly, uid: cj-1, controller: true}]
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: build, image: build, securityContext: {privileged: true}}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: once, namespace: shop, uid: j-2}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: run, image: run, securityContext: {privileged: true}}]
---
apiVersion: v1
kind: Pod
metadata:
  name: nightly-1-x
  namespace: shop
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: nightly-1, uid: j-1, controller: true}]
spec:
  nodeName: n1
  containers: [{name: build, image: build, securityContext: {privileged: true}}]
status: {phase: Succeeded}
---
apiVersion: v1
kind: Pod
metadata:
  name: once-x
  namespace: shop
  ownerReferences: [{apiVersion: batch/v1, kind: Job, name: once, uid: j-2, controller: true}]
spec:
  nodeName: n1
  containers: [{name: run, image: run, securityContext: {privileged: true}}]
status: {phase: Succeeded}
"""


def test_a_cronjob_whose_jobs_finished_runs_again_a_finished_job_does_not() -> None:
    facts = facts_for(NODES + NAMESPACE + JOBS)
    assert pairs(find("CE_PRIVILEGED", facts)) == {("k8s:t:container:shop/cronjob/nightly/build", ANY_NODE)}


def test_a_job_template_escapes_but_gives_no_control_its_template_is_immutable() -> None:
    job = JOBS.split("---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: once")[1].split("---\napiVersion: v1")[0]
    facts = facts_for(NAMESPACE + "---\napiVersion: batch/v1\nkind: Job\nmetadata: {name: once" + job)
    assert pairs(find("CE_PRIVILEGED", facts)) == {("k8s:t:container:shop/job/once/run", ANY_NODE)}
    assert find("CONTROLS_CONTAINER", facts) == []


def test_a_daemonset_ignores_cordons_and_node_condition_taints() -> None:
    cordoned = """
---
apiVersion: v1
kind: Node
metadata: {name: n3}
spec:
  unschedulable: true
  taints: [{key: node.kubernetes.io/unschedulable, effect: NoSchedule}]
"""
    daemon_set = """
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: shop}
spec:
  template:
    spec:
      containers: [{name: agent, image: agent, securityContext: {privileged: true}}]
"""
    agent = "k8s:t:container:shop/daemonset/agent/agent"
    assert pairs(find("CE_PRIVILEGED", facts_for(NODES + cordoned + NAMESPACE + daemon_set))) == {(agent, ANY_NODE)}
    web = deployment()
    assert pairs(find("CE_PRIVILEGED", facts_for(NODES + cordoned + NAMESPACE + web))) == {
        (APP, "k8s:t:node:n1"),
        (APP, "k8s:t:node:n2"),
    }


def test_pods_without_owner_references_still_cover_the_controller_whose_selector_matches_them() -> None:
    unowned = """
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web, tier: front}}
spec:
  nodeName: n1
  containers: [{name: app, image: app}]
"""
    facts = facts_for(NODES + NAMESPACE + deployment() + unowned)
    assert template_pod_views(facts) == []
    other_namespace = unowned.replace("namespace: shop", "namespace: other")
    assert [view.entity.uid for view in template_pod_views(facts_for(NAMESPACE + deployment() + other_namespace))] == [
        DEPLOYMENT
    ]


def test_findings_through_a_template_container_name_the_workload() -> None:
    from graph.analysis.catalogue import load_catalogue
    from graph.findings.compute import Finding, PathView
    from graph.planes import template_of

    load_catalogue()
    assert template_of(APP) == "Deployment shop/web"
    assert template_of("k8s:t:container:shop/web-1/app") is None
    assert template_of(DEPLOYMENT) is None
    path = PathView(
        uids=["internet", "k8s:t:service:shop/web", APP, ANY_NODE],
        names=["Internet", "Service shop/web", "Container shop/deployment/web/app", "any node (t)"],
        labels=["Internet", "Service", "Container", "ClusterNodes"],
        types=["INTERNET_EXPOSES", "SERVICE_TARGETS", "CE_PRIVILEGED"],
        reasons=["", "", ""],
    )
    finding = Finding("id", "node-takeover", "high", "t", "internet", "Internet", ANY_NODE, "any", "ClusterNodes", 3, 1,
                      path)  # fmt: skip
    assert finding.from_template == ["Deployment shop/web"]
