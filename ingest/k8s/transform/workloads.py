"""Namespaces, nodes, pods, pod templates and their containers: volumes, env, security context."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.planes.k8s import uids
from graph.records import NodeRecord, as_json
from ingest.k8s.transform.fields import (
    json_text,
    json_text_or_none,
    local_object_names,
    mapping,
    mappings,
    opt_bool,
    opt_int,
    opt_str,
    required_str,
    sorted_unique,
    str_list,
    text_map,
)
from ingest.k8s.transform.objects import Entry, PodSpecFacts, read_annotations

PSS_LABEL_PREFIX = "pod-security.kubernetes.io/"
# Profiles set the pre-1.19 (seccomp) and pre-1.30 (AppArmor) way; still honoured as a fallback.
SECCOMP_CONTAINER_ANNOTATION = "container.seccomp.security.alpha.kubernetes.io/"
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
APPARMOR_CONTAINER_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
CONTAINER_LISTS = (
    ("container", "containers"),
    ("init", "initContainers"),
    ("ephemeral", "ephemeralContainers"),
)


# --------------------------------------------------------------------------------------------------
# Namespace, Node
# --------------------------------------------------------------------------------------------------


def transform_namespace(entry: Entry, obj: Mapping[str, Any]) -> None:
    # Pod Security admission reads these labels; "enforce" is what blocks a privileged pod.
    for mode in ("enforce", "audit", "warn"):
        entry.props[f"pss_{mode}"] = entry.labels.get(f"{PSS_LABEL_PREFIX}{mode}")
        entry.props[f"pss_{mode}_version"] = entry.labels.get(f"{PSS_LABEL_PREFIX}{mode}-version")
    entry.props["phase"] = opt_str(mapping(obj.get("status"), "status").get("phase"), "status.phase")


def transform_node(entry: Entry, obj: Mapping[str, Any]) -> None:
    spec = mapping(obj.get("spec"), "spec")
    status = mapping(obj.get("status"), "status")
    info = mapping(status.get("nodeInfo"), "status.nodeInfo")
    addresses = mappings(status.get("addresses"), "status.addresses")
    by_type: dict[str, list[str]] = defaultdict(list)
    for index, address in enumerate(addresses):
        kind = opt_str(address.get("type"), f"status.addresses[{index}].type") or ""
        value = opt_str(address.get("address"), f"status.addresses[{index}].address")
        if value:
            by_type[kind].append(value)
    provider_id = opt_str(spec.get("providerID"), "spec.providerID")
    labels = entry.labels
    conditions = mappings(status.get("conditions"), "status.conditions")
    ready = next((c.get("status") == "True" for c in conditions if c.get("type") == "Ready"), None)
    entry.props.update(
        provider_id=provider_id,
        **_parse_provider_id(provider_id),
        addresses_json=json_text([dict(a) for a in addresses], "status.addresses"),
        external_ips=by_type["ExternalIP"],
        internal_ips=by_type["InternalIP"],
        hostnames=sorted_unique(by_type["Hostname"] + by_type["InternalDNS"] + by_type["ExternalDNS"]),
        kubelet_version=opt_str(info.get("kubeletVersion"), "status.nodeInfo.kubeletVersion"),
        container_runtime_version=opt_str(
            info.get("containerRuntimeVersion"), "status.nodeInfo.containerRuntimeVersion"
        ),
        kernel_version=opt_str(info.get("kernelVersion"), "status.nodeInfo.kernelVersion"),
        os_image=opt_str(info.get("osImage"), "status.nodeInfo.osImage"),
        architecture=opt_str(info.get("architecture"), "status.nodeInfo.architecture"),
        roles=_node_roles(labels),
        taints_json=json_text([dict(t) for t in mappings(spec.get("taints"), "spec.taints")], "spec.taints"),
        unschedulable=bool(opt_bool(spec.get("unschedulable"), "spec.unschedulable")),
        pod_cidr=opt_str(spec.get("podCIDR"), "spec.podCIDR"),
        ready=ready,
        # The identity the node authorizer gives this node's kubelet.
        kubelet_user=f"system:node:{entry.name}",
        instance_type=labels.get("node.kubernetes.io/instance-type") or labels.get("beta.kubernetes.io/instance-type"),
        region=labels.get("topology.kubernetes.io/region") or labels.get("failure-domain.beta.kubernetes.io/region"),
        node_pool=next(
            (
                labels[key]
                for key in (
                    "eks.amazonaws.com/nodegroup",
                    "cloud.google.com/gke-nodepool",
                    "kubernetes.azure.com/agentpool",
                    "karpenter.sh/nodepool",
                )
                if key in labels
            ),
            None,
        ),
    )
    if entry.props.get("availability_zone") is None:
        entry.props["availability_zone"] = labels.get("topology.kubernetes.io/zone")


def _parse_provider_id(provider_id: str | None) -> dict[str, str | None]:
    """Cloud identity of a node: the bridge from a node to its EC2 instance / GCE VM."""
    facts: dict[str, str | None] = {
        "cloud_provider": None,
        "instance_id": None,
        "availability_zone": None,
        "gcp_project": None,
    }
    if not provider_id or "://" not in provider_id:
        return facts
    scheme, _, rest = provider_id.partition("://")
    facts["cloud_provider"] = scheme
    parts = [part for part in rest.split("/") if part]
    if scheme == "aws" and parts:  # aws:///eu-west-1a/i-0abc (the zone may be missing)
        facts["instance_id"] = parts[-1]
        facts["availability_zone"] = parts[0] if len(parts) > 1 else None
    elif scheme == "gce" and len(parts) == 3:  # gce://project/zone/instance-name
        facts["gcp_project"], facts["availability_zone"], facts["instance_id"] = parts
    elif scheme == "azure":  # azure:///subscriptions/…/virtualMachines/<name>
        facts["instance_id"] = "/" + "/".join(parts)
    return facts


def _node_roles(labels: Mapping[str, str]) -> list[str]:
    roles = {
        key.removeprefix("node-role.kubernetes.io/") for key in labels if key.startswith("node-role.kubernetes.io/")
    }
    if labels.get("kubernetes.io/role"):
        roles.add(labels["kubernetes.io/role"])
    return sorted(role for role in roles if role)


# --------------------------------------------------------------------------------------------------
# Pods, pod templates, containers
# --------------------------------------------------------------------------------------------------


@dataclass
class _References:
    """Secrets and ConfigMaps a pod spec references: how (`via`) and which containers see them."""

    via: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    containers: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, kind: str, name: str | None, via: str, containers: Iterable[str]) -> None:
        if not name:
            return
        self.via[(kind, name)].add(via)
        self.containers[(kind, name)].update(containers)


@dataclass(frozen=True)
class _Mount:
    container: str
    container_type: str
    volume: str
    mount_path: str | None
    read_only: bool
    sub_path: str | None


def transform_pod(entry: Entry, obj: Mapping[str, Any]) -> None:
    spec = mapping(obj.get("spec"), "spec")
    status = mapping(obj.get("status"), "status")
    _read_pod_spec(entry, spec, read_annotations(mapping(obj.get("metadata"), "metadata")), "spec")
    entry.props.update(
        phase=opt_str(status.get("phase"), "status.phase"),
        pod_ip=opt_str(status.get("podIP"), "status.podIP"),
        host_ip=opt_str(status.get("hostIP"), "status.hostIP"),
        qos_class=opt_str(status.get("qosClass"), "status.qosClass"),
    )
    node_name = entry.props.get("node_name")
    if node_name:
        entry.link_object("RUNS_ON", "Node", node_name, None)


def transform_controller(entry: Entry, obj: Mapping[str, Any]) -> None:
    spec = mapping(obj.get("spec"), "spec")
    if entry.kind == "CronJob":
        job_spec = mapping(mapping(spec.get("jobTemplate"), "spec.jobTemplate").get("spec"), "spec.jobTemplate.spec")
        template_path = "spec.jobTemplate.spec.template"
        template = mapping(job_spec.get("template"), template_path)
        entry.props.update(
            schedule=opt_str(spec.get("schedule"), "spec.schedule"),
            suspend=opt_bool(spec.get("suspend"), "spec.suspend"),
        )
    else:
        template_path = "spec.template"
        template = mapping(spec.get("template"), template_path)
        entry.props["replicas"] = opt_int(spec.get("replicas"), "spec.replicas")
        if "selector" in spec:
            # ReplicationControllers use a plain map; every other controller a LabelSelector.
            entry.props["selector_json"] = json_text(spec.get("selector"), "spec.selector")
    template_meta = mapping(template.get("metadata"), f"{template_path}.metadata")
    template_labels = text_map(template_meta.get("labels"), f"{template_path}.metadata.labels")
    template_annotations = read_annotations(template_meta)
    entry.props["template_labels_json"] = as_json(template_labels)
    entry.props["template_annotations_json"] = as_json(template_annotations)
    _read_pod_spec(
        entry,
        mapping(template.get("spec"), f"{template_path}.spec"),
        template_annotations,
        f"{template_path}.spec",
    )


def _read_pod_spec(entry: Entry, spec: Mapping[str, Any], annotations: Mapping[str, str], where: str) -> None:
    """Pod-level security facts, one Container node per container, and the pod's edges to its service
    account, secrets and configmaps. Shared by pods and by every controller's pod template."""
    assert entry.namespace is not None  # pods and controllers are namespaced
    references = _References()
    mounts: list[_Mount] = []
    containers: list[NodeRecord] = []
    pod_security = mapping(spec.get("securityContext"), f"{where}.securityContext")
    for container_type, list_name in CONTAINER_LISTS:
        for index, container in enumerate(mappings(spec.get(list_name), f"{where}.{list_name}")):
            context = _ContainerContext(entry, container_type, f"{where}.{list_name}[{index}]", where, annotations)
            record, container_mounts = _container_node(context, container, pod_security, references)
            containers.append(record)
            mounts.extend(container_mounts)
    volumes = _read_volumes(spec.get("volumes"), mounts, references, where)
    host_path_mounts = _host_path_mounts(mounts, volumes.host_paths)

    service_account = (
        opt_str(spec.get("serviceAccountName"), f"{where}.serviceAccountName")
        or opt_str(spec.get("serviceAccount"), f"{where}.serviceAccount")  # deprecated alias
        or "default"
    )
    automount = opt_bool(spec.get("automountServiceAccountToken"), f"{where}.automountServiceAccountToken")
    entry.pod_spec = PodSpecFacts(service_account, automount, volumes.api_token_projected)
    entry.props.update(
        service_account=service_account,
        automount_service_account_token=automount,
        host_pid=bool(opt_bool(spec.get("hostPID"), f"{where}.hostPID")),
        host_ipc=bool(opt_bool(spec.get("hostIPC"), f"{where}.hostIPC")),
        host_network=bool(opt_bool(spec.get("hostNetwork"), f"{where}.hostNetwork")),
        share_process_namespace=bool(opt_bool(spec.get("shareProcessNamespace"), f"{where}.shareProcessNamespace")),
        host_users=opt_bool(spec.get("hostUsers"), f"{where}.hostUsers"),
        node_name=opt_str(spec.get("nodeName"), f"{where}.nodeName"),
        node_selector_json=json_text_or_none(spec.get("nodeSelector"), f"{where}.nodeSelector"),
        tolerations_json=json_text_or_none(spec.get("tolerations"), f"{where}.tolerations"),
        priority_class_name=opt_str(spec.get("priorityClassName"), f"{where}.priorityClassName"),
        runtime_class_name=opt_str(spec.get("runtimeClassName"), f"{where}.runtimeClassName"),
        security_context_json=json_text_or_none(spec.get("securityContext"), f"{where}.securityContext"),
        volumes_json=json_text(volumes.raw, f"{where}.volumes"),
        host_paths=sorted(path for path, _type in volumes.host_paths.values()),
        host_paths_writable=sorted_unique(str(m["path"]) for m in host_path_mounts if not m["read_only"]),
        host_path_mounts_json=as_json(host_path_mounts),
        secret_volumes=sorted_unique(volumes.secrets),
        configmap_volumes=sorted_unique(volumes.config_maps),
        projected_token=volumes.projected_token,
        projected_token_audiences=sorted_unique(volumes.token_audiences),
        image_pull_secrets=local_object_names(spec.get("imagePullSecrets"), f"{where}.imagePullSecrets"),
        container_names=[str(record.props["name"]) for record in containers],
        images=sorted_unique(str(record.props["image"]) for record in containers if record.props.get("image")),
    )

    entry.nodes.extend(containers)
    for record in containers:
        entry.link("HAS_CONTAINER", "Container", record.uid, container_type=record.props["container_type"])
    entry.link_object("USES_SERVICE_ACCOUNT", "ServiceAccount", service_account, entry.namespace)
    for (kind, name), vias in sorted(references.via.items()):
        edge_type = "MOUNTS_SECRET" if kind == "Secret" else "MOUNTS_CONFIGMAP"
        containers_seeing_it = sorted(references.containers[(kind, name)])
        entry.link_object(edge_type, kind, name, entry.namespace, via=sorted(vias), containers=containers_seeing_it)


@dataclass
class _Volumes:
    raw: list[Mapping[str, Any]] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # secret and projected-secret volumes
    config_maps: list[str] = field(default_factory=list)
    host_paths: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # volume -> (path, type)
    projected_token: bool = False
    token_audiences: list[str] = field(default_factory=list)
    api_token_projected: bool = False  # a mounted projected token without audience: the API server's


def _read_volumes(value: Any, mounts: Sequence[_Mount], references: _References, where: str) -> _Volumes:
    """What the pod's volumes give its containers: secrets, configmaps, host paths, projected tokens."""
    volumes = _Volumes(raw=mappings(value, f"{where}.volumes"))
    mounted_by: dict[str, list[str]] = defaultdict(list)
    for mount in mounts:
        mounted_by[mount.volume].append(mount.container)
    for index, volume in enumerate(volumes.raw):
        path = f"{where}.volumes[{index}]"
        name = required_str(volume.get("name"), f"{path}.name")
        users = mounted_by.get(name, [])
        secret = mapping(volume.get("secret"), f"{path}.secret")
        if secret:
            _reference(
                volumes.secrets, references, "Secret", secret.get("secretName"), "volume", users, f"{path}.secret"
            )
        config_map = mapping(volume.get("configMap"), f"{path}.configMap")
        if config_map:
            _reference(volumes.config_maps, references, "ConfigMap", config_map.get("name"), "volume", users, path)
        host_path = mapping(volume.get("hostPath"), f"{path}.hostPath")
        if host_path:
            volumes.host_paths[name] = (
                required_str(host_path.get("path"), f"{path}.hostPath.path"),
                opt_str(host_path.get("type"), f"{path}.hostPath.type"),
            )
        projected = mapping(volume.get("projected"), f"{path}.projected")
        for source_index, source in enumerate(mappings(projected.get("sources"), f"{path}.projected.sources")):
            source_path = f"{path}.projected.sources[{source_index}]"
            projected_secret = mapping(source.get("secret"), f"{source_path}.secret")
            if projected_secret:
                _reference(
                    volumes.secrets, references, "Secret", projected_secret.get("name"), "projected", users, source_path
                )
            projected_config_map = mapping(source.get("configMap"), f"{source_path}.configMap")
            if projected_config_map:
                _reference(
                    volumes.config_maps,
                    references,
                    "ConfigMap",
                    projected_config_map.get("name"),
                    "projected",
                    users,
                    source_path,
                )
            if source.get("serviceAccountToken") is not None:
                token = mapping(source.get("serviceAccountToken"), f"{source_path}.serviceAccountToken")
                audience = opt_str(token.get("audience"), f"{source_path}.serviceAccountToken.audience")
                volumes.projected_token = True
                if audience:
                    # e.g. sts.amazonaws.com for IRSA: the API server rejects such a token.
                    volumes.token_audiences.append(audience)
                elif users:
                    volumes.api_token_projected = True
    return volumes


def _reference(
    names: list[str], references: _References, kind: str, name: Any, via: str, users: Sequence[str], path: str
) -> None:
    checked = opt_str(name, f"{path}.name")
    if checked:
        names.append(checked)
        references.add(kind, checked, via, users)


def _host_path_mounts(
    mounts: Sequence[_Mount], host_paths: Mapping[str, tuple[str, str | None]]
) -> list[dict[str, Any]]:
    """Each host path as a container sees it: read-only or not is a property of the mount."""
    return [
        {
            "volume": mount.volume,
            "path": host_paths[mount.volume][0],
            "type": host_paths[mount.volume][1],
            "container": mount.container,
            "container_type": mount.container_type,
            "mount_path": mount.mount_path,
            "read_only": mount.read_only,
            "sub_path": mount.sub_path,
        }
        for mount in mounts
        if mount.volume in host_paths
    ]


@dataclass(frozen=True)
class _ContainerContext:
    entry: Entry  # the pod or controller
    container_type: str  # container | init | ephemeral
    path: str  # of the container, for messages
    spec_path: str  # of the pod spec, for messages about pod-level fields
    annotations: Mapping[str, str]  # of the pod (or pod template): old-style seccomp / AppArmor


def _container_node(
    context: _ContainerContext, container: Mapping[str, Any], pod_security: Mapping[str, Any], references: _References
) -> tuple[NodeRecord, list[_Mount]]:
    entry, path = context.entry, context.path
    assert entry.namespace is not None
    name = required_str(container.get("name"), f"{path}.name")
    security = mapping(container.get("securityContext"), f"{path}.securityContext")
    capabilities = mapping(security.get("capabilities"), f"{path}.securityContext.capabilities")
    ports = mappings(container.get("ports"), f"{path}.ports")
    mounts, volume_mounts = _volume_mounts(container, name, context)
    env = _read_env(container, name, path, references)

    props: dict[str, Any] = {
        "name": name,
        "kind": "Container",
        "cluster": entry.cluster,
        "namespace": entry.namespace,
        "workload_kind": entry.kind,
        "workload_name": entry.name,
        "image": opt_str(container.get("image"), f"{path}.image"),
        "container_type": context.container_type,
        # `Always` on an init container makes it a native sidecar: it keeps running next to the others.
        "restart_policy": opt_str(container.get("restartPolicy"), f"{path}.restartPolicy"),
        # Attach reaches a container's input only when it was started with stdin open.
        "stdin": bool(opt_bool(container.get("stdin"), f"{path}.stdin")),
        "tty": bool(opt_bool(container.get("tty"), f"{path}.tty")),
        "privileged": bool(opt_bool(security.get("privileged"), f"{path}.securityContext.privileged")),
        # None = not set: Kubernetes then allows escalation (no_new_privs is off).
        "allow_privilege_escalation": opt_bool(
            security.get("allowPrivilegeEscalation"), f"{path}.securityContext.allowPrivilegeEscalation"
        ),
        "read_only_root_filesystem": bool(
            opt_bool(security.get("readOnlyRootFilesystem"), f"{path}.securityContext.readOnlyRootFilesystem")
        ),
        "capabilities_add": _capabilities(capabilities.get("add"), f"{path}.securityContext.capabilities.add"),
        "capabilities_drop": _capabilities(capabilities.get("drop"), f"{path}.securityContext.capabilities.drop"),
        "proc_mount": opt_str(security.get("procMount"), f"{path}.securityContext.procMount"),
        "security_context_json": json_text_or_none(container.get("securityContext"), f"{path}.securityContext"),
        "host_ports": [
            port
            for index, item in enumerate(ports)
            if (port := opt_int(item.get("hostPort"), f"{path}.ports[{index}].hostPort"))
        ],
        "ports_json": json_text([dict(port) for port in ports], f"{path}.ports"),
        "volume_mounts_json": json_text(volume_mounts, f"{path}.volumeMounts"),
        **env,
    }
    for key, prop, read in (
        ("runAsUser", "run_as_user", opt_int),
        ("runAsGroup", "run_as_group", opt_int),
        ("runAsNonRoot", "run_as_non_root", opt_bool),
    ):
        props[prop], props[f"{prop}_source"] = _inherited(security, pod_security, key, read, context)
    seccomp_annotations = (f"{SECCOMP_CONTAINER_ANNOTATION}{name}", SECCOMP_POD_ANNOTATION)
    props["seccomp_profile"], props["seccomp_profile_source"] = _effective_profile(
        security, pod_security, "seccompProfile", context, seccomp_annotations
    )
    apparmor_annotations = (f"{APPARMOR_CONTAINER_ANNOTATION}{name}",)
    props["apparmor_profile"], props["apparmor_profile_source"] = _effective_profile(
        security, pod_security, "appArmorProfile", context, apparmor_annotations
    )
    if entry.kind == "Pod":
        props["pod"] = entry.name
    uid = uids.container_uid(entry.cluster, entry.namespace, entry.kind, entry.name, name)
    return NodeRecord("Container", uid, props), mounts


def _volume_mounts(
    container: Mapping[str, Any], name: str, context: _ContainerContext
) -> tuple[list[_Mount], list[dict[str, Any]]]:
    mounts: list[_Mount] = []
    kept: list[dict[str, Any]] = []
    for index, mount in enumerate(mappings(container.get("volumeMounts"), f"{context.path}.volumeMounts")):
        path = f"{context.path}.volumeMounts[{index}]"
        parsed = _Mount(
            container=name,
            container_type=context.container_type,
            volume=required_str(mount.get("name"), f"{path}.name"),
            mount_path=opt_str(mount.get("mountPath"), f"{path}.mountPath"),
            read_only=bool(opt_bool(mount.get("readOnly"), f"{path}.readOnly")),
            sub_path=opt_str(mount.get("subPath"), f"{path}.subPath"),
        )
        mounts.append(parsed)
        kept.append(
            {
                "name": parsed.volume,
                "mountPath": parsed.mount_path,
                "readOnly": parsed.read_only,
                "subPath": parsed.sub_path,
                # Bidirectional propagation lets the container mount into the host.
                "mountPropagation": opt_str(mount.get("mountPropagation"), f"{path}.mountPropagation"),
            }
        )
    return mounts, kept


def _read_env(container: Mapping[str, Any], name: str, path: str, references: _References) -> dict[str, Any]:
    """Environment variable names and references, never literal values (even when the collector left them)."""
    env_names: list[str] = []
    env_entries: list[dict[str, Any]] = []
    secret_refs: list[str] = []
    configmap_refs: list[str] = []
    for index, env in enumerate(mappings(container.get("env"), f"{path}.env")):
        env_path = f"{path}.env[{index}]"
        env_name = required_str(env.get("name"), f"{env_path}.name")
        env_names.append(env_name)
        value_from = mapping(env.get("valueFrom"), f"{env_path}.valueFrom")
        env_entries.append({"name": env_name, "valueFrom": dict(value_from) if value_from else None})
        secret_key = mapping(value_from.get("secretKeyRef"), f"{env_path}.valueFrom.secretKeyRef")
        if secret_key:
            _reference(
                secret_refs,
                references,
                "Secret",
                secret_key.get("name"),
                "env",
                [name],
                f"{env_path}.valueFrom.secretKeyRef",
            )
        configmap_key = mapping(value_from.get("configMapKeyRef"), f"{env_path}.valueFrom.configMapKeyRef")
        if configmap_key:
            _reference(
                configmap_refs,
                references,
                "ConfigMap",
                configmap_key.get("name"),
                "env",
                [name],
                f"{env_path}.valueFrom.configMapKeyRef",
            )
    env_from = mappings(container.get("envFrom"), f"{path}.envFrom")
    for index, source in enumerate(env_from):
        source_path = f"{path}.envFrom[{index}]"
        secret = mapping(source.get("secretRef"), f"{source_path}.secretRef")
        if secret:
            _reference(
                secret_refs, references, "Secret", secret.get("name"), "envFrom", [name], f"{source_path}.secretRef"
            )
        config_map = mapping(source.get("configMapRef"), f"{source_path}.configMapRef")
        if config_map:
            _reference(
                configmap_refs,
                references,
                "ConfigMap",
                config_map.get("name"),
                "envFrom",
                [name],
                f"{source_path}.configMapRef",
            )
    return {
        "env_names": env_names,
        "env_json": json_text(env_entries, f"{path}.env"),
        "env_secret_refs": sorted_unique(secret_refs),
        "env_configmap_refs": sorted_unique(configmap_refs),
        "env_from_json": json_text([dict(source) for source in env_from], f"{path}.envFrom"),
    }


def _inherited(
    container: Mapping[str, Any],
    pod: Mapping[str, Any],
    key: str,
    read: Callable[[Any, str], Any],
    context: _ContainerContext,
) -> tuple[Any, str | None]:
    """A securityContext field the container inherits from the pod unless it sets its own: the
    effective value and where it came from ("container", "pod", or None when neither sets it)."""
    own = read(container.get(key), f"{context.path}.securityContext.{key}")
    if own is not None:
        return own, "container"
    inherited = read(pod.get(key), f"{context.spec_path}.securityContext.{key}")
    if inherited is not None:
        return inherited, "pod"
    return None, None


def _effective_profile(
    container: Mapping[str, Any],
    pod: Mapping[str, Any],
    key: str,
    context: _ContainerContext,
    annotation_keys: Sequence[str],
) -> tuple[str | None, str | None]:
    """Seccomp / AppArmor profile as "RuntimeDefault", "Unconfined" or "Localhost/<profile>", falling back
    from the container field to the pod field to the older annotations. None when nothing sets it (the
    runtime's default then applies: Unconfined for seccomp unless the kubelet enables SeccompDefault)."""
    for source, security, path in (
        ("container", container, context.path),
        ("pod", pod, context.spec_path),
    ):
        where = f"{path}.securityContext.{key}"
        profile = mapping(security.get(key), where)
        if profile:
            kind = required_str(profile.get("type"), f"{where}.type")
            if kind == "Localhost":
                localhost = opt_str(profile.get("localhostProfile"), f"{where}.localhostProfile")
                return f"Localhost/{localhost or ''}", source
            return kind, source
    for annotation in annotation_keys:
        value = context.annotations.get(annotation)
        if value:
            return _profile_from_annotation(value), "annotation"
    return None, None


def _profile_from_annotation(value: str) -> str:
    lowered = value.lower()
    if lowered in ("runtime/default", "docker/default"):
        return "RuntimeDefault"
    if lowered == "unconfined":
        return "Unconfined"
    if lowered.startswith("localhost/"):
        return f"Localhost/{value[len('localhost/') :]}"
    return value


def _capabilities(value: Any, path: str) -> list[str]:
    # The runtime accepts "SYS_ADMIN" and "CAP_SYS_ADMIN" alike; one spelling lets the analysis compare.
    return sorted_unique(item.strip().upper().removeprefix("CAP_") for item in str_list(value, path))
