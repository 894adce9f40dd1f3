"""Exposure: Services, Ingresses; NetworkPolicies; admission webhooks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from graph.records import as_json
from ingest.k8s.transform.fields import (
    LabelSelector,
    json_text,
    json_text_or_none,
    mapping,
    mappings,
    opt_int,
    opt_str,
    parse_label_selector,
    required_str,
    sequence,
    sorted_unique,
    str_list,
    text_map,
)
from ingest.k8s.transform.objects import Entry

LB_SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"


def transform_service(entry: Entry, obj: Mapping[str, Any]) -> None:
    spec = mapping(obj.get("spec"), "spec")
    status = mapping(obj.get("status"), "status")
    annotations = entry.annotations
    service_type = opt_str(spec.get("type"), "spec.type") or "ClusterIP"
    selector = text_map(spec.get("selector"), "spec.selector")
    ports = mappings(spec.get("ports"), "spec.ports")
    source_ranges = str_list(spec.get("loadBalancerSourceRanges"), "spec.loadBalancerSourceRanges")
    if not source_ranges and annotations.get(LB_SOURCE_RANGES_ANNOTATION):
        source_ranges = [part.strip() for part in annotations[LB_SOURCE_RANGES_ANNOTATION].split(",") if part.strip()]
    lb_class = opt_str(spec.get("loadBalancerClass"), "spec.loadBalancerClass")
    internal, reason = _service_lb_internal(annotations, lb_class)
    entry.props.update(
        type=service_type,
        cluster_ip=opt_str(spec.get("clusterIP"), "spec.clusterIP"),
        ports_json=json_text([dict(port) for port in ports], "spec.ports"),
        ports=[port for i, p in enumerate(ports) if (port := opt_int(p.get("port"), f"spec.ports[{i}].port"))],
        node_ports=[
            port for i, p in enumerate(ports) if (port := opt_int(p.get("nodePort"), f"spec.ports[{i}].nodePort"))
        ],
        # An empty selector is no selector: the Service selects nothing (endpoints are managed by hand).
        selector_json=as_json(selector) if selector else None,
        external_ips=str_list(spec.get("externalIPs"), "spec.externalIPs"),
        external_name=opt_str(spec.get("externalName"), "spec.externalName"),
        load_balancer_ingress=_load_balancer_addresses(status),
        load_balancer_ip=opt_str(spec.get("loadBalancerIP"), "spec.loadBalancerIP"),
        load_balancer_class=lb_class,
        load_balancer_source_ranges=source_ranges,
        external_traffic_policy=opt_str(spec.get("externalTrafficPolicy"), "spec.externalTrafficPolicy"),
        lb_internal=internal,
        lb_internal_reason=reason,
    )
    entry.selector = LabelSelector(selector) if selector else None


def _load_balancer_addresses(status: Mapping[str, Any]) -> list[str]:
    ingress = mappings(
        mapping(status.get("loadBalancer"), "status.loadBalancer").get("ingress"),
        "status.loadBalancer.ingress",
    )
    addresses = []
    for index, item in enumerate(ingress):
        for key in ("ip", "hostname"):
            value = opt_str(item.get(key), f"status.loadBalancer.ingress[{index}].{key}")
            if value:
                addresses.append(value)
    return addresses


def _service_lb_internal(annotations: Mapping[str, str], lb_class: str | None) -> tuple[bool, str | None]:
    """Whether the cloud load balancer of a Service is internal (not reachable from the internet), and
    which annotation says so. Calling every LoadBalancer public over-reports; calling one internal that
    is not hides an entry point: each rule follows the provider's documented default."""

    def annotation(key: str) -> str | None:
        value = annotations.get(key)
        return None if value is None else value.strip().lower()

    aws_internal = annotation("service.beta.kubernetes.io/aws-load-balancer-internal")
    # The in-tree AWS provider treats any value but "false" as internal (old releases took a CIDR).
    if aws_internal not in (None, "", "false"):
        return (
            True,
            f"service.beta.kubernetes.io/aws-load-balancer-internal={annotations['service.beta.kubernetes.io/aws-load-balancer-internal']}",
        )
    scheme = annotation("service.beta.kubernetes.io/aws-load-balancer-scheme")
    if scheme == "internal":
        return True, "service.beta.kubernetes.io/aws-load-balancer-scheme=internal"
    if scheme == "internet-facing":
        return False, None
    aws_type = annotation("service.beta.kubernetes.io/aws-load-balancer-type")
    if aws_type in ("external", "nlb-ip") or lb_class == "service.k8s.aws/nlb":
        # The AWS Load Balancer Controller makes internal NLBs unless the scheme says internet-facing.
        return True, "AWS Load Balancer Controller default scheme (internal)"
    for key, internal_value in (
        ("networking.gke.io/load-balancer-type", "internal"),
        ("cloud.google.com/load-balancer-type", "internal"),
        ("service.beta.kubernetes.io/azure-load-balancer-internal", "true"),
        ("service.beta.kubernetes.io/oci-load-balancer-internal", "true"),
        ("oci-network-load-balancer.oraclecloud.com/internal", "true"),
        ("service.beta.kubernetes.io/openstack-internal-load-balancer", "true"),
        ("service.kubernetes.io/ibm-load-balancer-cloud-provider-ip-type", "private"),
    ):
        if annotation(key) == internal_value:
            return True, f"{key}={annotations[key]}"
    return False, None


def _ingress_lb_internal(annotations: Mapping[str, str], ingress_class: str | None) -> tuple[bool, str | None]:
    scheme = (annotations.get("alb.ingress.kubernetes.io/scheme") or "").strip().lower()
    if scheme == "internal":
        return True, "alb.ingress.kubernetes.io/scheme=internal"
    if scheme == "internet-facing":
        return False, None
    if ingress_class == "alb":
        # Unless IngressClassParams (not collected) say otherwise, the controller's default is internal.
        return True, "AWS Load Balancer Controller default scheme (internal)"
    if ingress_class == "gce-internal":
        return True, "ingress class gce-internal"
    if (annotations.get("appgw.ingress.kubernetes.io/use-private-ip") or "").strip().lower() == "true":
        return True, "appgw.ingress.kubernetes.io/use-private-ip=true"
    return False, None


def _backend_service(backend: Mapping[str, Any], path: str) -> tuple[str | None, str | None]:
    """(service name, port) of an Ingress backend in networking.k8s.io/v1 or the older extensions shape."""
    service = mapping(backend.get("service"), f"{path}.service")
    if service:
        port = mapping(service.get("port"), f"{path}.service.port")
        number = port.get("number")
        port_text = str(number) if number is not None else opt_str(port.get("name"), f"{path}.service.port.name")
        return opt_str(service.get("name"), f"{path}.service.name"), port_text
    legacy_port = backend.get("servicePort")
    return (
        opt_str(backend.get("serviceName"), f"{path}.serviceName"),
        None if legacy_port is None else str(legacy_port),
    )


def transform_ingress(entry: Entry, obj: Mapping[str, Any]) -> None:
    spec = mapping(obj.get("spec"), "spec")
    annotations = entry.annotations
    ingress_class = opt_str(spec.get("ingressClassName"), "spec.ingressClassName") or annotations.get(
        "kubernetes.io/ingress.class"
    )
    routes: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    default_path = "spec.defaultBackend" if "defaultBackend" in spec else "spec.backend"
    default_backend = mapping(spec.get("defaultBackend") or spec.get("backend"), default_path)
    if default_backend:
        service, port = _backend_service(default_backend, default_path)
        if service:
            routes[service]["hosts"].add("*")
            routes[service]["paths"].add("*")
            routes[service]["default"].add("true")
            routes[service]["ports"].update([port] if port else [])
    rules = mappings(spec.get("rules"), "spec.rules")
    hosts = []
    for index, rule in enumerate(rules):
        host = opt_str(rule.get("host"), f"spec.rules[{index}].host") or "*"
        hosts.append(host)
        http = mapping(rule.get("http"), f"spec.rules[{index}].http")
        for path_index, path in enumerate(mappings(http.get("paths"), f"spec.rules[{index}].http.paths")):
            where = f"spec.rules[{index}].http.paths[{path_index}]"
            service, port = _backend_service(mapping(path.get("backend"), f"{where}.backend"), f"{where}.backend")
            if service:
                routes[service]["hosts"].add(host)
                routes[service]["paths"].add(opt_str(path.get("path"), f"{where}.path") or "/")
                routes[service]["ports"].update([port] if port else [])
    tls = mappings(spec.get("tls"), "spec.tls")
    internal, reason = _ingress_lb_internal(annotations, ingress_class)
    entry.props.update(
        ingress_class=ingress_class,
        rules_json=json_text(rules, "spec.rules"),
        default_backend_json=json_text_or_none(default_backend or None, default_path),
        hosts=sorted_unique(hosts),
        tls_hosts=sorted_unique(h for i, t in enumerate(tls) for h in str_list(t.get("hosts"), f"spec.tls[{i}].hosts")),
        tls_secrets=sorted_unique(
            s for i, t in enumerate(tls) if (s := opt_str(t.get("secretName"), f"spec.tls[{i}].secretName"))
        ),
        backend_services=sorted(routes),
        load_balancer_ingress=_load_balancer_addresses(mapping(obj.get("status"), "status")),
        lb_internal=internal,
        lb_internal_reason=reason,
    )
    for service, route in sorted(routes.items()):
        entry.link_object(
            "ROUTES_TO",
            "Service",
            service,
            entry.namespace,
            hosts=sorted(route["hosts"]),
            paths=sorted(route["paths"]),
            ports=sorted(route["ports"]),
            default_backend=bool(route["default"]),
        )


def transform_network_policy(entry: Entry, obj: Mapping[str, Any]) -> None:
    spec = mapping(obj.get("spec"), "spec")
    ingress = sequence(spec.get("ingress"), "spec.ingress")
    egress = sequence(spec.get("egress"), "spec.egress")
    # As the API server defaults it: Ingress always, Egress when the policy has egress rules.
    policy_types = str_list(spec.get("policyTypes"), "spec.policyTypes") or (
        ["Ingress", "Egress"] if egress else ["Ingress"]
    )
    entry.selector = parse_label_selector(spec.get("podSelector"), "spec.podSelector")
    entry.props.update(
        pod_selector_json=json_text(spec.get("podSelector") or {}, "spec.podSelector"),
        policy_types=policy_types,
        ingress_json=json_text(ingress, "spec.ingress"),
        egress_json=json_text(egress, "spec.egress"),
    )


WEBHOOK_FIELDS = (
    "name",
    "rules",
    "failurePolicy",
    "matchPolicy",
    "namespaceSelector",
    "objectSelector",
    "sideEffects",
    "timeoutSeconds",
    "reinvocationPolicy",
    "matchConditions",
)


def transform_webhook_configuration(entry: Entry, obj: Mapping[str, Any]) -> None:
    webhooks = []
    services = []
    urls = []
    for index, webhook in enumerate(mappings(obj.get("webhooks"), "webhooks")):
        where = f"webhooks[{index}]"
        required_str(webhook.get("name"), f"{where}.name")
        client = mapping(webhook.get("clientConfig"), f"{where}.clientConfig")
        service = mapping(client.get("service"), f"{where}.clientConfig.service")
        url = opt_str(client.get("url"), f"{where}.clientConfig.url")
        kept = {key: webhook[key] for key in WEBHOOK_FIELDS if webhook.get(key) is not None}
        # caBundle is public but bulky; the service or URL is what an attacker would redirect.
        kept["clientConfig"] = {"service": dict(service) if service else None, "url": url}
        webhooks.append(kept)
        if service:
            services.append(f"{service.get('namespace')}/{service.get('name')}")
        if url:
            urls.append(url)
    entry.props.update(
        webhook_kind="validating" if entry.kind == "ValidatingWebhookConfiguration" else "mutating",
        webhooks_json=json_text(webhooks, "webhooks"),
        webhook_names=[str(webhook.get("name")) for webhook in webhooks],
        services=sorted_unique(services),
        urls=sorted_unique(urls),
    )
