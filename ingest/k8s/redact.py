"""Strip secret values from Kubernetes objects before they leave the collector.

Every object, live or read from a file, passes through `redact_object` before it is stored in a
snapshot, so no value written to disk or to the graph can carry a credential. What stays: names,
types, keys, references (`valueFrom`, `envFrom`, volume sources) and every security-relevant field.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

# ConfigMaps whose values the analysis needs, as (namespace, name). `aws-auth` maps IAM principals to
# Kubernetes users and groups (the EKS bridge); it holds ARNs and group names, not credentials.
DEFAULT_CONFIGMAP_ALLOWLIST: frozenset[tuple[str, str]] = frozenset({("kube-system", "aws-auth")})

REDACTED = ""

# Annotations whose value is a copy of the object (with every secret value and env value in it) or a
# credential outright. `openshift.io/token-secret.value` carries a service-account token on OpenShift.
SECRET_BEARING_ANNOTATIONS: frozenset[str] = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        "openshift.io/token-secret.value",
    }
)

# Kinds whose `spec.template` is a pod template.
POD_TEMPLATE_KINDS: frozenset[str] = frozenset(
    {"Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job", "ReplicationController", "PodTemplate"}
)

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def redact_object(
    obj: dict[str, Any],
    configmap_allowlist: Iterable[tuple[str, str]] = DEFAULT_CONFIGMAP_ALLOWLIST,
) -> dict[str, Any]:
    """Return a copy of `obj` with every secret value removed; `obj` itself is left untouched.

    - Secret `data`/`stringData`: keys kept, every value replaced by "".
    - ConfigMap `data`/`binaryData`: values replaced by "" unless (namespace, name) is allow-listed.
    - Literal env `value` dropped from every container, init container and ephemeral container of a
      Pod and of every controller's pod template (`valueFrom` references kept).
    - `metadata.managedFields` and secret-bearing annotations (last-applied-configuration) dropped.
    - A `List` (or `PodList`, `SecretList`, …) is redacted item by item.
    """
    allowlist = frozenset(configmap_allowlist)
    redacted = copy.deepcopy(obj)
    _redact_in_place(redacted, allowlist, kind_hint=None)
    return redacted


def _redact_in_place(obj: dict[str, Any], allowlist: frozenset[tuple[str, str]], kind_hint: str | None) -> None:
    kind = obj.get("kind") or kind_hint
    if isinstance(obj.get("items"), list) and isinstance(kind, str) and kind.endswith("List"):
        # Items of a typed list (`SecretList` from the API) may lack `kind`; they are of the list's kind.
        item_kind = kind.removesuffix("List") or None
        obj["items"] = [item for item in obj["items"] if isinstance(item, dict)]
        for item in obj["items"]:
            _redact_in_place(item, allowlist, kind_hint=item_kind)
        return

    _redact_metadata(obj)
    if kind == "Secret":
        _blank_values(obj, "data", "stringData")
    elif kind == "ConfigMap":
        if _namespace_and_name(obj) not in allowlist:
            _blank_values(obj, "data", "binaryData")
    elif kind == "Pod":
        _redact_pod_spec(obj.get("spec"))
    elif kind in POD_TEMPLATE_KINDS:
        _redact_pod_template(_get_path(obj, "spec", "template"))
    elif kind == "CronJob":
        _redact_pod_template(_get_path(obj, "spec", "jobTemplate", "spec", "template"))


def _redact_metadata(obj: dict[str, Any]) -> None:
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return
    metadata.pop("managedFields", None)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict):
        for key in SECRET_BEARING_ANNOTATIONS:
            annotations.pop(key, None)
        if not annotations:
            del metadata["annotations"]
    elif annotations is not None:
        # Not a mapping: not something the API would return; drop it rather than guess what it holds.
        del metadata["annotations"]


def _blank_values(obj: dict[str, Any], *fields: str) -> None:
    for field in fields:
        if field not in obj:
            continue
        values = obj[field]
        if isinstance(values, dict):
            obj[field] = {str(key): REDACTED for key in values}
        else:
            # A malformed value cannot be blanked key by key; drop it whole.
            del obj[field]


def _redact_pod_template(template: Any) -> None:
    if isinstance(template, dict):
        _redact_metadata(template)
        _redact_pod_spec(template.get("spec"))


def _redact_pod_spec(spec: Any) -> None:
    if not isinstance(spec, dict):
        return
    for list_name in _CONTAINER_LISTS:
        containers = spec.get(list_name)
        if not isinstance(containers, list):
            continue
        for container in containers:
            if isinstance(container, dict):
                _redact_env(container)


def _redact_env(container: dict[str, Any]) -> None:
    env = container.get("env")
    if env is None:
        return
    if not isinstance(env, list):
        del container["env"]
        return
    cleaned: list[dict[str, Any]] = []
    for entry in env:
        if isinstance(entry, dict):
            entry.pop("value", None)
            cleaned.append(entry)
    container["env"] = cleaned


def _namespace_and_name(obj: dict[str, Any]) -> tuple[str, str]:
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        return ("", "")
    return (str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))


def _get_path(obj: dict[str, Any], *keys: str) -> Any:
    current: Any = obj
    for key in keys:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current
