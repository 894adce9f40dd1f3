"""The EKS aws-auth ConfigMap: parsing (graph/planes/k8s/aws_auth.py) and the identities the transform makes of it."""

from __future__ import annotations

import json
from typing import Any

from graph.planes.k8s import uids
from graph.planes.k8s.aws_auth import AwsAuth, RoleMapping, UserMapping, parse_aws_auth
from graph.records import Records
from ingest.k8s.transform import transform_objects

CLUSTER = "eks"

MAP_ROLES = """\
- rolearn: arn:aws:iam::111122223333:role/ci-runner
  username: ci-runner
  groups: [system:masters, deployers]
- rolearn: arn:aws:iam::111122223333:role/eks-nodes
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
    - system:nodes
"""
MAP_USERS = """\
- userarn: arn:aws:iam::111122223333:user/alice
  username: alice
  groups: [deployers]
"""


def aws_auth_configmap(**data: str) -> dict[str, Any]:
    return {"kind": "ConfigMap", "metadata": {"name": "aws-auth", "namespace": "kube-system"}, "data": data}


def transform(*objects: tuple[str, dict[str, Any]]) -> Records:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for kind, obj in objects:
        by_kind.setdefault(kind, []).append(obj)
    return transform_objects(CLUSTER, by_kind, list(by_kind))


def nodes_of(records: Records, kind: str) -> dict[str, dict[str, Any]]:
    return {node.uid: dict(node.props) for node in records.nodes if node.kind == kind}


def member_of(records: Records) -> dict[tuple[str, str], dict[str, Any]]:
    return {(edge.src_uid, edge.dst_uid): dict(edge.props) for edge in records.edges if edge.type == "MEMBER_OF"}


# ------------------------------------------------------------------------------------------ parsing


def test_parse_reads_roles_users_and_accounts() -> None:
    parsed = parse_aws_auth({"mapRoles": MAP_ROLES, "mapUsers": MAP_USERS, "mapAccounts": "- '444455556666'\n"})
    assert parsed.problems == ()
    ci, nodes = parsed.roles
    assert ci == RoleMapping("arn:aws:iam::111122223333:role/ci-runner", "ci-runner", ("system:masters", "deployers"))
    assert (ci.templated, ci.kube_username) == (False, "ci-runner")
    assert nodes.username == "system:node:{{EC2PrivateDNSName}}"
    assert (nodes.templated, nodes.kube_username) == (True, None)
    assert parsed.users == (UserMapping("arn:aws:iam::111122223333:user/alice", "alice", ("deployers",)),)
    assert parsed.accounts == ("444455556666",)
    assert [mapping.arn for mapping in parsed.mappings] == [ci.arn, nodes.arn, "arn:aws:iam::111122223333:user/alice"]
    assert parsed.document()["mapUsers"] == [
        {"userarn": "arn:aws:iam::111122223333:user/alice", "username": "alice", "groups": ["deployers"]}
    ]


def test_parse_of_nothing_is_empty() -> None:
    assert parse_aws_auth({}) == AwsAuth()
    assert parse_aws_auth({"mapRoles": "", "mapUsers": ""}).document() == {}


def test_invalid_yaml_names_the_key_and_the_rest_is_kept() -> None:
    parsed = parse_aws_auth({"mapRoles": "- rolearn: [unclosed", "mapUsers": MAP_USERS})
    (problem,) = parsed.problems
    assert problem.startswith("mapRoles is not valid YAML: ")
    assert parsed.roles == ()
    assert [user.username for user in parsed.users] == ["alice"]
    assert set(parsed.document()) == {"mapUsers"}  # an unreadable section is left out, not shown empty


def test_bad_entries_are_named_by_key_and_position() -> None:
    parsed = parse_aws_auth(
        {
            "mapRoles": "- just-a-string\n- rolearn: arn:aws:iam::1:role/x\n  groups: admins\n- username: nobody\n",
            "mapUsers": "userarn: not-a-list",
            "mapAccounts": "123",
        }
    )
    assert parsed.problems == (
        "mapRoles entry 1 is a str ('just-a-string'), expected a mapping with rolearn, username, groups",
        "mapRoles entry 2 (arn:aws:iam::1:role/x): groups is a str ('admins'), expected a list; read as no groups",
        "mapRoles entry 3 has no rolearn: it maps no IAM identity",
        "mapUsers is not a list of mappings",
        "mapAccounts is an int (123), expected a list of account ids",
    )
    assert parsed.roles == (RoleMapping("arn:aws:iam::1:role/x", None, ()), RoleMapping("", "nobody", ()))
    assert parsed.document() == {
        "mapRoles": [
            {"rolearn": "arn:aws:iam::1:role/x", "username": None, "groups": []},
            {"rolearn": "", "username": "nobody", "groups": []},
        ],
        "mapUsers": [],
        "mapAccounts": [],
    }


# ------------------------------------------------------------------------------------------ the transform


def test_mapped_users_and_groups_become_nodes_with_memberships() -> None:
    records = transform(("ConfigMap", aws_auth_configmap(mapRoles=MAP_ROLES, mapUsers=MAP_USERS)))
    assert records.problems == []
    ci, alice = uids.user_uid(CLUSTER, "ci-runner"), uids.user_uid(CLUSTER, "alice")
    masters, deployers = uids.group_uid(CLUSTER, "system:masters"), uids.group_uid(CLUSTER, "deployers")
    assert nodes_of(records, "KubeUser") == {
        ci: {"name": "ci-runner", "kind": "User", "cluster": CLUSTER},
        alice: {"name": "alice", "kind": "User", "cluster": CLUSTER},
    }
    assert set(nodes_of(records, "KubeGroup")) == {
        masters,
        deployers,
        uids.group_uid(CLUSTER, "system:bootstrappers"),
        uids.group_uid(CLUSTER, "system:nodes"),
    }
    assert member_of(records) == {
        (ci, masters): {"via": "aws-auth", "arns": ["arn:aws:iam::111122223333:role/ci-runner"]},
        (ci, deployers): {"via": "aws-auth", "arns": ["arn:aws:iam::111122223333:role/ci-runner"]},
        (alice, deployers): {"via": "aws-auth", "arns": ["arn:aws:iam::111122223333:user/alice"]},
    }
    in_cluster = {edge.src_uid for edge in records.edges if edge.type == "IN_CLUSTER"}
    assert {ci, alice, masters, deployers} <= in_cluster
    # The ConfigMap node itself carries the mappings as before.
    (configmap,) = (node for node in records.nodes if node.kind == "ConfigMap")
    assert (
        json.loads(configmap.props["aws_auth_json"])
        == parse_aws_auth({"mapRoles": MAP_ROLES, "mapUsers": MAP_USERS}).document()
    )


def test_templated_usernames_make_no_user_but_their_groups() -> None:
    records = transform(("ConfigMap", aws_auth_configmap(mapRoles=MAP_ROLES)))
    assert not any("{{" in uid for uid in nodes_of(records, "KubeUser"))
    assert uids.group_uid(CLUSTER, "system:nodes") in nodes_of(records, "KubeGroup")
    assert not [key for key in member_of(records) if key[1] == uids.group_uid(CLUSTER, "system:nodes")]


def test_identities_named_by_rbac_too_merge_into_one_node() -> None:
    binding = {
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "deployers"},
        "roleRef": {"kind": "ClusterRole", "name": "edit"},
        "subjects": [{"kind": "Group", "name": "deployers"}, {"kind": "User", "name": "alice"}],
    }
    records = transform(("ConfigMap", aws_auth_configmap(mapUsers=MAP_USERS)), ("ClusterRoleBinding", binding))
    uids_seen = [node.uid for node in records.nodes]
    for uid in (uids.user_uid(CLUSTER, "alice"), uids.group_uid(CLUSTER, "deployers")):
        assert uids_seen.count(uid) == 1
    edge_keys = [(edge.type, edge.src_uid, edge.dst_uid) for edge in records.edges]
    assert len(edge_keys) == len(set(edge_keys))
    assert (uids.user_uid(CLUSTER, "alice"), uids.group_uid(CLUSTER, "deployers")) in member_of(records)


def test_aws_auth_elsewhere_or_unreadable_maps_nobody() -> None:
    impostor = aws_auth_configmap(mapUsers=MAP_USERS)
    impostor["metadata"]["namespace"] = "default"
    assert nodes_of(transform(("ConfigMap", impostor)), "KubeUser") == {}
    broken = transform(("ConfigMap", aws_auth_configmap(mapRoles="- rolearn: [unclosed")))
    assert nodes_of(broken, "KubeUser") == {} and member_of(broken) == {}
    assert broken.problems[0].startswith("ConfigMap kube-system/aws-auth: mapRoles is not valid YAML")


def test_users_and_groups_are_complete_only_when_configmaps_were_listed_too() -> None:
    # Without ConfigMaps, aws-auth identities loaded earlier must survive stale cleanup.
    bindings = ["RoleBinding", "ClusterRoleBinding"]
    assert not {"KubeUser", "KubeGroup"} & transform_objects(CLUSTER, {}, bindings).complete_kinds
    assert {"KubeUser", "KubeGroup"} <= transform_objects(CLUSTER, {}, [*bindings, "ConfigMap"]).complete_kinds
