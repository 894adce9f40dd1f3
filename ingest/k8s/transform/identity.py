"""Identities and their secrets: service accounts, secrets, configmaps (and the EKS aws-auth mappings)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from graph.planes.k8s import uids
from graph.planes.k8s.aws_auth import AWS_AUTH_CONFIGMAP, AwsAuth, parse_aws_auth
from graph.records import EdgeRecord, NodeRecord, as_json
from ingest.k8s.transform.fields import local_object_names, mapping, opt_bool, opt_str
from ingest.k8s.transform.objects import Entry
from ingest.k8s.transform.vocabulary import GRAPH_LABEL_BY_KIND

SA_TOKEN_SECRET_TYPE = "kubernetes.io/service-account-token"
SA_NAME_ANNOTATION = "kubernetes.io/service-account.name"
IRSA_ANNOTATION = "eks.amazonaws.com/role-arn"
GKE_WORKLOAD_IDENTITY_ANNOTATION = "iam.gke.io/gcp-service-account"
AZURE_WORKLOAD_IDENTITY_ANNOTATION = "azure.workload.identity/client-id"


def transform_service_account(entry: Entry, obj: Mapping[str, Any]) -> None:
    annotations = entry.annotations
    entry.props.update(
        automount_service_account_token=opt_bool(
            obj.get("automountServiceAccountToken"), "automountServiceAccountToken"
        ),
        username=f"system:serviceaccount:{entry.namespace}:{entry.name}",
        # Cloud identity bridges: the annotation only selects; the cloud side must trust it.
        irsa_role_arn=annotations.get(IRSA_ANNOTATION),
        gcp_service_account=annotations.get(GKE_WORKLOAD_IDENTITY_ANNOTATION),
        azure_client_id=annotations.get(AZURE_WORKLOAD_IDENTITY_ANNOTATION),
        image_pull_secrets=local_object_names(obj.get("imagePullSecrets"), "imagePullSecrets"),
        secrets=local_object_names(obj.get("secrets"), "secrets"),
    )


def transform_secret(entry: Entry, obj: Mapping[str, Any]) -> None:
    # Keys only: the values were blanked by the collector and are never read here.
    keys = set(mapping(obj.get("data"), "data")) | set(mapping(obj.get("stringData"), "stringData"))
    secret_type = opt_str(obj.get("type"), "type") or "Opaque"
    annotations = entry.annotations
    sa_name = annotations.get(SA_NAME_ANNOTATION)
    entry.props.update(
        type=secret_type,
        keys=sorted(str(key) for key in keys),
        sa_name=sa_name,
        immutable=opt_bool(obj.get("immutable"), "immutable"),
    )
    if secret_type == SA_TOKEN_SECRET_TYPE and sa_name:
        entry.link_object("TOKEN_FOR", "ServiceAccount", sa_name, entry.namespace)


def transform_configmap(entry: Entry, obj: Mapping[str, Any]) -> None:
    data = mapping(obj.get("data"), "data")
    binary = mapping(obj.get("binaryData"), "binaryData")
    # The collector blanks every value that is not allow-listed; what is left is what the analysis needs.
    kept = {str(key): value for key, value in data.items() if isinstance(value, str) and value}
    entry.props.update(
        keys=sorted({str(key) for key in data} | {str(key) for key in binary}),
        data_json=as_json(kept) if kept else None,
    )
    if (entry.namespace, entry.name) == AWS_AUTH_CONFIGMAP and kept:
        aws_auth = parse_aws_auth(kept)
        entry.props["aws_auth_json"] = as_json(aws_auth.document())
        if aws_auth.problems:
            entry.props["aws_auth_errors"] = list(aws_auth.problems)
            entry.warnings += [
                f"{problem}; loaded without those mappings (EKS identity bridge incomplete)"
                for problem in aws_auth.problems
            ]
        _add_aws_auth_identities(entry, aws_auth)


def _add_aws_auth_identities(entry: Entry, aws_auth: AwsAuth) -> None:
    """The Kubernetes users and groups aws-auth maps IAM identities to, and user -MEMBER_OF-> group. They
    share their uids with RBAC subjects of the same name, so the records merge. A templated username
    (`system:node:{{EC2PrivateDNSName}}`) is no one user: only its groups become nodes."""
    cluster = entry.cluster
    cluster_uid = uids.object_uid(cluster, "Cluster", cluster)
    users: set[str] = set()
    groups: set[str] = set()
    arns_by_membership: dict[tuple[str, str], set[str]] = defaultdict(set)
    for iam in aws_auth.mappings:
        if not iam.arn:
            continue  # maps no IAM identity
        groups.update(iam.groups)
        username = iam.kube_username
        if username is None:
            continue
        users.add(username)
        for group in iam.groups:
            arns_by_membership[(username, group)].add(iam.arn)
    for kind, names, uid_of in (("User", users, uids.user_uid), ("Group", groups, uids.group_uid)):
        label = GRAPH_LABEL_BY_KIND[kind]
        for name in sorted(names):
            uid = uid_of(cluster, name)
            entry.nodes.append(NodeRecord(label, uid, {"name": name, "kind": kind, "cluster": cluster}))
            entry.edges.append(EdgeRecord("IN_CLUSTER", label, uid, "Cluster", cluster_uid))
    for (username, group), arns in sorted(arns_by_membership.items()):
        entry.edges.append(
            EdgeRecord(
                "MEMBER_OF",
                "KubeUser",
                uids.user_uid(cluster, username),
                "KubeGroup",
                uids.group_uid(cluster, group),
                {"via": "aws-auth", "arns": sorted(arns)},
            )
        )
