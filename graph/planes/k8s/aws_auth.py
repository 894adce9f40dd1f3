"""The EKS `kube-system/aws-auth` ConfigMap: which IAM roles and users become which Kubernetes identities.

`mapRoles` and `mapUsers` are YAML lists inside the ConfigMap's data, each entry an IAM ARN (`rolearn` /
`userarn`), the Kubernetes `username` it authenticates as and the `groups` it is put in; `mapAccounts`
lists AWS accounts whose IAM users all map to their own ARN. `parse_aws_auth` reads them, keeping every
readable entry and reporting the rest (which key, which entry, what is wrong); it is pure and imports no
database package, so the transform, the UI and the analysis share it.

Usernames may hold template variables that EKS fills in at login (`system:node:{{EC2PrivateDNSName}}`,
`admin:{{SessionName}}`): such a mapping names no single Kubernetes user (`kube_username` is None), but
its groups are still real.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import yaml

AWS_AUTH_CONFIGMAP = ("kube-system", "aws-auth")  # (namespace, name)
TEMPLATE_MARK = "{{"


@dataclass(frozen=True)
class IamMapping:
    """One entry of mapRoles or mapUsers."""

    section: ClassVar[str]  # the data key it was read from
    arn_key: ClassVar[str]  # the entry's ARN field

    arn: str  # "" when the entry names none (it then maps nobody)
    username: str | None  # as written, template variables included; None when the entry has none
    groups: tuple[str, ...] = ()

    @property
    def templated(self) -> bool:
        """The username is filled in by EKS at login (`{{SessionName}}`, `{{EC2PrivateDNSName}}`, ...)."""
        return self.username is not None and TEMPLATE_MARK in self.username

    @property
    def kube_username(self) -> str | None:
        """The one Kubernetes user this mapping authenticates as; None when templated or missing."""
        return None if not self.username or self.templated else self.username

    def as_dict(self) -> dict[str, Any]:
        return {self.arn_key: self.arn, "username": self.username, "groups": list(self.groups)}


@dataclass(frozen=True)
class RoleMapping(IamMapping):
    section: ClassVar[str] = "mapRoles"
    arn_key: ClassVar[str] = "rolearn"


@dataclass(frozen=True)
class UserMapping(IamMapping):
    section: ClassVar[str] = "mapUsers"
    arn_key: ClassVar[str] = "userarn"


@dataclass(frozen=True)
class AwsAuth:
    roles: tuple[RoleMapping, ...] = ()
    users: tuple[UserMapping, ...] = ()
    accounts: tuple[str, ...] = ()
    # What could not be read, each naming the key (and the entry): "mapRoles entry 2: groups is ...".
    problems: tuple[str, ...] = ()
    # The keys present and readable as YAML (a key left out or empty is not here).
    sections: frozenset[str] = field(default_factory=frozenset)

    @property
    def mappings(self) -> tuple[IamMapping, ...]:
        return (*self.roles, *self.users)

    def document(self) -> dict[str, Any]:
        """The mappings as plain data: {"mapRoles": [{rolearn, username, groups}], "mapUsers": [...],
        "mapAccounts": [...]}, a key only for a section that was read (the ConfigMap node's aws_auth_json)."""
        document: dict[str, Any] = {}
        for section, mappings in (("mapRoles", self.roles), ("mapUsers", self.users)):
            if section in self.sections:
                document[section] = [mapping.as_dict() for mapping in mappings]
        if "mapAccounts" in self.sections:
            document["mapAccounts"] = list(self.accounts)
        return document


def parse_aws_auth(data: Mapping[str, str]) -> AwsAuth:
    """Read mapRoles / mapUsers / mapAccounts from the aws-auth ConfigMap's data. An unreadable key or entry
    is reported in `problems` and left out; everything else is kept."""
    problems: list[str] = []
    sections: set[str] = set()
    roles = _read_mappings(data, RoleMapping, sections, problems)
    users = _read_mappings(data, UserMapping, sections, problems)
    accounts: list[str] = []
    if data.get("mapAccounts"):
        parsed = _load_yaml(data, "mapAccounts", problems)
        if parsed is not _UNREADABLE:
            sections.add("mapAccounts")
            if isinstance(parsed, list):
                accounts = [str(account) for account in parsed]
            else:
                problems.append(f"mapAccounts is {_describe(parsed)}, expected a list of account ids")
    return AwsAuth(tuple(roles), tuple(users), tuple(accounts), tuple(problems), frozenset(sections))


_UNREADABLE = object()


def _load_yaml(data: Mapping[str, str], key: str, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(data[key])
    except yaml.YAMLError as exc:
        problems.append(f"{key} is not valid YAML: {str(exc).splitlines()[0]}")
        return _UNREADABLE


M = TypeVar("M", bound=IamMapping)


def _read_mappings(data: Mapping[str, str], kind: type[M], sections: set[str], problems: list[str]) -> list[M]:
    key = kind.section
    if not data.get(key):
        return []
    parsed = _load_yaml(data, key, problems)
    if parsed is _UNREADABLE:
        return []
    sections.add(key)
    if not isinstance(parsed, list):
        problems.append(f"{key} is not a list of mappings")
        return []
    mappings: list[M] = []
    for index, item in enumerate(parsed):
        where = f"{key} entry {index + 1}"
        if not isinstance(item, Mapping):
            problems.append(f"{where} is {_describe(item)}, expected a mapping with {kind.arn_key}, username, groups")
            continue
        arn = str(item.get(kind.arn_key) or "")
        if arn:
            where = f"{where} ({arn})"
        else:
            problems.append(f"{where} has no {kind.arn_key}: it maps no IAM identity")
        groups = item.get("groups")
        if groups is not None and not isinstance(groups, list):
            problems.append(f"{where}: groups is {_describe(groups)}, expected a list; read as no groups")
        username = item.get("username")
        mappings.append(
            kind(
                arn=arn,
                username=None if username is None else str(username),
                groups=tuple(str(group) for group in groups) if isinstance(groups, list) else (),
            )
        )
    return mappings


def _describe(value: Any) -> str:
    type_name = type(value).__name__
    article = "an" if type_name[0] in "aeiou" else "a"
    return f"{article} {type_name} ({value!r:.60})"
