"""Internet exposure and lateral movement over the pod network.

Internet -INTERNET_EXPOSES-> Service / Ingress / Container: something a stranger can send packets to.
Ingress -INGRESS_ROUTES-> Service and Service -SERVICE_TARGETS-> Container follow the traffic to the process
that answers it; an exposed workload is assumed exploitable (the edge says "reachable", not "vulnerable").

What is not exposure: a ClusterIP Service (reachable only inside the cluster), an ExternalName Service
(a DNS alias, no proxying), an internal load balancer, a load balancer restricted by
loadBalancerSourceRanges, addresses that are not globally routable (RFC 1918, CGNAT, link-local).
Cloud firewalls and security groups are not collected: a node port on a node with a public address is
reported as exposed, and the reason says that the firewall was not evaluated.

Objects that have not been applied (manifests from Git or Helm output: no metadata.uid, no
creationTimestamp, no status) are judged by their spec: a LoadBalancer Service or an Ingress that is not
annotated or classed internal counts as exposed, "assumed: no status" in the reason. A live one whose
status has no load-balancer address yet is exposed too, "pending" in the reason: the address is coming.

Template pods (graph/planes/k8s/views.py: controllers none of whose pods is in the snapshot) are targets of
the Services whose selector matches the template's pod labels in the same namespace.

NetworkPolicies are a mark, not a filter: their allowed sources are not evaluated yet, so an ingress
policy that selects the target pod is named in the reason and the edge stays.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from typing import Any

from graph.analysis.catalogue import INTERNET_UID, AttackEdge, EdgeType, Rule, register_edge_types, register_rules
from graph.analysis.facts import Entity
from graph.planes.k8s.facts import ClusterFacts
from graph.planes.k8s.views import (
    ContainerView,
    PodView,
    is_live_pod,
    listening_containers,
    live_pods,
    template_pod_views,
)

ANYWHERE = frozenset({"0.0.0.0/0", "::/0"})
# Addresses the internet cannot route to. Documentation ranges (RFC 5737, RFC 3849) are deliberately absent:
# they stand in for public addresses in examples and in the demo cluster.
NOT_ROUTED_FROM_INTERNET = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",  # RFC 1918
        "100.64.0.0/10",  # carrier-grade NAT (RFC 6598)
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local
        "172.16.0.0/12",  # RFC 1918
        "192.168.0.0/16",  # RFC 1918
        "::/128",
        "::1/128",
        "fc00::/7",  # unique local (RFC 4193)
        "fe80::/10",  # link-local
    )
)


# --------------------------------------------------------------------------------------------------
# Addresses and ports
# --------------------------------------------------------------------------------------------------


def is_public_address(address: str) -> bool:
    """Whether the internet can route to this address: an IP outside the ranges reserved for private use,
    or a load-balancer hostname not known to be internal (an internal AWS Classic/Application load
    balancer's DNS name starts with "internal-")."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        host = address.lower()
        return not (host.startswith("internal-") and host.endswith(".elb.amazonaws.com"))
    return not any(ip in network for network in NOT_ROUTED_FROM_INTERNET if network.version == ip.version)


def _describe_address(address: str) -> str:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return f"hostname {address}"
    return f"IP {address}"


def _public_node_ips(node: Entity) -> list[str]:
    return [ip for ip in node.get("external_ips", []) if is_public_address(str(ip))]


def _service_ports(service: Entity) -> list[Mapping[str, Any]]:
    return [port for port in service.json("ports_json", []) if isinstance(port, Mapping)]


def _protocol(port: Mapping[str, Any]) -> str:
    return str(port.get("protocol") or "TCP")


def _ports_text(ports: list[Mapping[str, Any]], key: str = "port") -> str:
    listed = [f"{port[key]}/{_protocol(port)}" for port in ports if port.get(key) is not None]
    return ", ".join(listed) if listed else "no ports declared"


def _edge(edge_type: str, src_kind: str, src_uid: str, dst: Entity, reason: str) -> AttackEdge:
    return AttackEdge(edge_type, src_kind, src_uid, dst.kind, dst.uid, reason)


def _from_internet(dst: Entity, reason: str) -> AttackEdge:
    return _edge("INTERNET_EXPOSES", "Internet", INTERNET_UID, dst, reason)


def ingress_policy_mark(facts: ClusterFacts, pod: Entity) -> str:
    """Names the ingress NetworkPolicies that select the pod; their allowed sources are not evaluated."""
    policies = [
        policy
        for uid in facts.sources("APPLIES_TO", pod.uid)
        if (policy := facts.of("NetworkPolicy").get(uid)) is not None and "Ingress" in policy.get("policy_types", [])
    ]
    if not policies:
        return ""
    names = ", ".join(sorted(policy.ref for policy in policies))
    subject = f"NetworkPolicy {names} selects" if len(policies) == 1 else f"NetworkPolicies {names} select"
    caveat = "; most network plugins do not enforce policies for hostNetwork pods" if pod.get("host_network") else ""
    return f"; ingress {subject} pod {pod.ref} (allowed sources are not evaluated{caveat})"


# --------------------------------------------------------------------------------------------------
# INTERNET_EXPOSES: Services
# --------------------------------------------------------------------------------------------------


def _source_ranges(service: Entity) -> list[str]:
    return [str(r).strip() for r in service.get("load_balancer_source_ranges", [])]


def _restricted_source_ranges(service: Entity) -> bool:
    ranges = _source_ranges(service)
    return bool(ranges) and not ANYWHERE & set(ranges)


def is_applied(obj: Entity) -> bool:
    """Whether the object was read from an API server (it has a metadata.uid or a creationTimestamp), as
    opposed to a manifest that was never applied (and so has no status)."""
    return bool(obj.get("k8s_uid") or obj.get("created_at"))


def _no_address_yet(obj: Entity, what: str) -> str | None:
    """Why an object without any load-balancer address counts as public: never applied, or pending. None
    when it has addresses (they are all private, then)."""
    if obj.get("load_balancer_ingress", []):
        return None
    if not is_applied(obj):
        return f"assumed: no status (a manifest never applied; {what} would be public unless marked internal)"
    return (
        f"pending: status.loadBalancer has no address yet ({what} is being provisioned, public unless marked internal)"
    )


def _load_balancer_exposure(service: Entity) -> str | None:
    """Why the service's cloud load balancer is public, or None when it is not (internal, restricted, or
    only private addresses). No address at all counts: not applied, or still pending (_no_address_yet)."""
    if service.get("lb_internal"):
        return None  # lb_internal_reason names the annotation; internal LBs are not internet exposure
    if _restricted_source_ranges(service):
        return None  # the load balancer only admits the listed source ranges
    ranges = _source_ranges(service)
    allowed = f"; loadBalancerSourceRanges {', '.join(ranges)}" if ranges else ""
    ports = _ports_text(_service_ports(service))
    public = [address for address in service.get("load_balancer_ingress", []) if is_public_address(str(address))]
    if not public:
        assumed = _no_address_yet(service, "its cloud load balancer")
        if assumed is None:
            return None  # only private addresses
        return f"Service {service.ref}: type LoadBalancer, {assumed}, ports {ports}{allowed}"
    addresses = ", ".join(_describe_address(str(address)) for address in public)
    return f"Service {service.ref}: type LoadBalancer, public (ingress {addresses}), ports {ports}{allowed}"


def _nodes_serving_node_ports(facts: ClusterFacts, service: Entity) -> list[Entity]:
    """externalTrafficPolicy: Local makes kube-proxy answer on a node port only where a selected pod runs."""
    if service.get("external_traffic_policy") == "Local" and service.get("selector_json"):
        nodes = {
            node.uid: node
            for pod_uid in facts.targets("SELECTS", service.uid)
            if (pod := facts.pods.get(pod_uid)) is not None and is_live_pod(pod)
            if (node := facts.node_of(pod_uid)) is not None
        }
        return list(nodes.values())
    return list(facts.nodes.values())


def _node_port_exposure(facts: ClusterFacts, service: Entity) -> str | None:
    """Node ports open on nodes with public addresses. A LoadBalancer that is internal or limited by
    loadBalancerSourceRanges is left out: the cloud provider opens its node ports in the node firewall
    only to the load balancer, the VPC or those ranges (a plain NodePort gets no rule either way, hence
    the firewall caveat in the reason)."""
    service_type = service.get("type")
    if service_type == "LoadBalancer" and (service.get("lb_internal") or _restricted_source_ranges(service)):
        return None
    node_port_entries = [port for port in _service_ports(service) if port.get("nodePort")]
    if node_port_entries:
        ports = f"node port {_ports_text(node_port_entries, 'nodePort')}"
    elif service_type == "NodePort":
        # A NodePort service always gets node ports; a manifest that does not pin them leaves them to allocation.
        ports = f"an allocated node port for each of {_ports_text(_service_ports(service))}"
    else:
        return None  # a LoadBalancer with allocateLoadBalancerNodePorts: false, or no node ports recorded
    exposed = [(node, ips) for node in _nodes_serving_node_ports(facts, service) if (ips := _public_node_ips(node))]
    if not exposed:
        return None
    exposed.sort(key=lambda pair: pair[0].name)
    node, ips = exposed[0]
    notes = [f" and {len(exposed) - 1} more node(s)"] if len(exposed) > 1 else []
    if service.get("external_traffic_policy") == "Local":
        notes.append("; externalTrafficPolicy: Local (only nodes running a selected pod answer)")
    return (
        f"Service {service.ref}: type {service_type}, {ports} open on node {node.name} "
        f"(external IP {', '.join(ips)}){''.join(notes)}; cloud firewall rules are not evaluated"
    )


def _external_ips_exposure(service: Entity) -> str | None:
    public = [ip for ip in service.get("external_ips", []) if is_public_address(str(ip))]
    if not public:
        return None
    return (
        f"Service {service.ref}: spec.externalIPs {', '.join(public)} (public), ports "
        f"{_ports_text(_service_ports(service))}: kube-proxy forwards traffic for these addresses"
    )


def internet_exposed_services(facts: ClusterFacts) -> Iterator[AttackEdge]:
    for service in facts.of("Service").values():
        service_type = service.get("type", "ClusterIP")
        if service_type == "ExternalName":
            continue  # a DNS alias: nothing in the cluster listens for it
        reasons = []
        if service_type == "LoadBalancer":
            reasons.append(_load_balancer_exposure(service))
        if service_type in ("NodePort", "LoadBalancer"):
            reasons.append(_node_port_exposure(facts, service))
        reasons.append(_external_ips_exposure(service))
        for reason in reasons:
            if reason:
                yield _from_internet(service, reason)


# --------------------------------------------------------------------------------------------------
# INTERNET_EXPOSES: Ingresses, host ports
# --------------------------------------------------------------------------------------------------


def internet_exposed_ingresses(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """An Ingress is exposed when its controller has published a public address in its status, or when it
    has no address at all: never applied (assumed public) or pending. Internal ones (annotation or class,
    lb_internal) and ones with only private addresses are not."""
    for ingress in facts.of("Ingress").values():
        if ingress.get("lb_internal"):
            continue
        hosts = ", ".join(ingress.get("hosts", [])) or "*"
        ingress_class = ingress.get("ingress_class") or "unset"
        public = [address for address in ingress.get("load_balancer_ingress", []) if is_public_address(str(address))]
        if public:
            addresses = ", ".join(_describe_address(str(address)) for address in public)
            how = f"public (load balancer {addresses})"
        else:
            assumed = _no_address_yet(ingress, "its ingress controller's load balancer")
            if assumed is None:
                continue  # only private addresses
            how = assumed
        yield _from_internet(ingress, f"Ingress {ingress.ref}: class {ingress_class}, {how}, hosts {hosts}")


def internet_exposed_host_ports(facts: ClusterFacts) -> Iterator[AttackEdge]:
    """A hostPort (or any declared port of a hostNetwork pod) listens on the node's own addresses. The edge
    goes to the container that listens, not the pod: exploiting it gives that container, not its siblings."""
    for pod in live_pods(facts):
        node = facts.node_of(pod.uid)
        node_ips = _public_node_ips(node) if node is not None else []
        if node is None or not node_ips:
            continue
        where = f"on node {node.name} (external IP {', '.join(node_ips)}); cloud firewall rules are not evaluated"
        mark = ingress_policy_mark(facts, pod)
        for container in facts.containers_of(pod.uid):
            if ContainerView(container).kind != "container":
                continue  # init containers have exited; ephemeral containers cannot declare ports
            ports = [port for port in container.json("ports_json", []) if isinstance(port, Mapping)]
            host_ports = [port for port in ports if port.get("hostPort")]
            if host_ports:
                yield _from_internet(
                    container,
                    f"{ContainerView(container).describe(pod)}: hostPort {_ports_text(host_ports, 'hostPort')} {where}{mark}",
                )
            elif pod.get("host_network") and ports:
                yield _from_internet(
                    container,
                    f"{ContainerView(container).describe(pod)}: hostNetwork=true, containerPort "
                    f"{_ports_text(ports, 'containerPort')} {where}{mark}",
                )


# --------------------------------------------------------------------------------------------------
# INGRESS_ROUTES, SERVICE_TARGETS
# --------------------------------------------------------------------------------------------------


def ingress_routes(facts: ClusterFacts) -> Iterator[AttackEdge]:
    services = facts.of("Service")
    for ingress in facts.of("Ingress").values():
        for service_uid, route in facts.linked("ROUTES_TO", ingress.uid):
            service = services.get(service_uid)
            if service is None:
                continue  # the backend Service does not exist: the controller answers 503
            hosts = ", ".join(route.get("hosts") or []) or "*"
            paths = ", ".join(route.get("paths") or []) or "*"
            ports = ", ".join(route.get("ports") or []) or "unset"
            default = " (default backend)" if route.get("default_backend") else ""
            yield _edge(
                "INGRESS_ROUTES",
                ingress.kind,
                ingress.uid,
                service,
                f"Ingress {ingress.ref} routes hosts {hosts}, paths {paths} to Service {service.ref} "
                f"port {ports}{default}",
            )


def _target_port(service_port: Mapping[str, Any]) -> int | str | None:
    target = service_port.get("targetPort", service_port.get("port"))
    if isinstance(target, str) and target.isdigit():
        return int(target)  # hand-written YAML sometimes quotes a number
    return target if isinstance(target, int | str) else None


def _listeners(containers: list[Entity], service_port: Mapping[str, Any]) -> list[tuple[Entity, str]]:
    """The containers that listen on one service port, each with how it matched. A named targetPort that no container declares gives the pod no endpoint for that
    port (the endpoint controller skips it); a numeric one still sends traffic to the pod's IP, where any
    container could be listening, because declaring containerPort is optional."""
    target = _target_port(service_port)
    protocol = _protocol(service_port)
    shown = f"port {service_port.get('port')}/{protocol}"
    matched: list[tuple[Entity, str]] = []
    for container in containers:
        for declared in container.json("ports_json", []):
            if not isinstance(declared, Mapping) or _protocol(declared) != protocol:
                continue
            if isinstance(target, int) and declared.get("containerPort") == target:
                matched.append((container, f"{shown} → containerPort {target}"))
                break
            if isinstance(target, str) and declared.get("name") == target:
                matched.append(
                    (container, f'{shown} → targetPort "{target}" = containerPort {declared.get("containerPort")}')
                )
                break
    if matched or not isinstance(target, int):
        return matched
    note = f"{shown} → targetPort {target}: no container declares it, so any regular container may be listening"
    return [(container, note) for container in containers]


def _templates_by_namespace(templates: list[PodView]) -> dict[str | None, list[tuple[PodView, dict[str, str]]]]:
    grouped: dict[str | None, list[tuple[PodView, dict[str, str]]]] = {}
    for view in templates:
        labels = view.entity.json("template_labels_json", {}) or {}
        grouped.setdefault(view.entity.namespace, []).append((view, labels))
    return grouped


def _templates_selected(
    templates: dict[str | None, list[tuple[PodView, dict[str, str]]]], service: Entity
) -> list[PodView]:
    """Template pods of the service's namespace whose pod labels match its selector (a plain map)."""
    candidates = templates.get(service.namespace)
    if not candidates:
        return []
    selector = service.json("selector_json") or {}
    if not selector:
        return []
    return [view for view, labels in candidates if all(labels.get(k) == v for k, v in selector.items())]


def _target_edges(
    service: Entity, service_ports: list[Mapping[str, Any]], containers: list[Entity], selects: str, mark: str
) -> Iterator[AttackEdge]:
    regular = listening_containers(containers)
    how: dict[str, list[str]] = {}
    if service_ports:
        for service_port in service_ports:
            for container, matched in _listeners(regular, service_port):
                how.setdefault(container.uid, []).append(matched)
    else:
        for container in regular:
            how[container.uid] = ["no ports declared (headless): every regular container is reachable"]
    for container in regular:
        if container.uid in how:
            yield _edge(
                "SERVICE_TARGETS",
                service.kind,
                service.uid,
                container,
                f"Service {service.ref} selects {selects}: {'; '.join(how[container.uid])} "
                f'(container "{container.name}"){mark}',
            )


def service_targets(facts: ClusterFacts) -> Iterator[AttackEdge]:
    templates = _templates_by_namespace(template_pod_views(facts))
    for service in facts.of("Service").values():
        if service.get("type") == "ExternalName":
            continue
        service_ports = _service_ports(service)
        for view in _templates_selected(templates, service):
            containers = [container.entity for container in view.containers]
            yield from _target_edges(service, service_ports, containers, view.phrase, "")
        for pod_uid in facts.targets("SELECTS", service.uid):
            pod = facts.pods.get(pod_uid)
            if pod is None or not is_live_pod(pod) or pod.namespace != service.namespace:
                continue
            mark = ingress_policy_mark(facts, pod)
            yield from _target_edges(service, service_ports, facts.containers_of(pod.uid), f"pod {pod.ref}", mark)


# --------------------------------------------------------------------------------------------------
# The catalogue entries
# --------------------------------------------------------------------------------------------------

SERVICE_DOCS = "https://kubernetes.io/docs/concepts/services-networking/service/"
KUBEHOUND = "https://kubehound.io/reference/attacks/"


def internet_exposures(facts: ClusterFacts) -> Iterator[AttackEdge]:
    yield from internet_exposed_services(facts)
    yield from internet_exposed_ingresses(facts)
    yield from internet_exposed_host_ports(facts)


register_edge_types(
    EdgeType(
        name="INTERNET_EXPOSES",
        plane="k8s",
        tactic="exposure",
        title="Reachable from the internet",
        mitre="T1190",
        source="Internet",
        target="Service, Ingress, Container",
        meaning="Anyone on the internet can send traffic to it: a public LoadBalancer Service (not internal, no "
        "source-range restriction), a NodePort (or LoadBalancer node port) on a node with a public address, "
        "public spec.externalIPs, an Ingress whose controller published a public address, or a hostPort / "
        "hostNetwork port of a container on a node with a public address. A LoadBalancer Service or Ingress "
        "that is not internal and has no address yet counts too: never applied (a manifest from Git or Helm, "
        "'assumed: no status') or still pending. ClusterIP Services are not exposure.",
        abuse="Scan the address and port; exploit the application behind it (RCE, SSRF to the metadata service, "
        "default credentials), then use what the container holds.",
        opsec="Traffic arrives like any client's; only application logs, WAF or load-balancer logs record it.",
        remediation="Use ClusterIP behind an authenticated ingress; mark load balancers internal or set "
        "loadBalancerSourceRanges; keep nodes on private addresses; avoid hostPort and hostNetwork.",
        references=(
            SERVICE_DOCS + "#publishing-services-service-types",
            SERVICE_DOCS + "#external-ips",
            "https://kubernetes.io/docs/concepts/services-networking/ingress/",
            "https://kubernetes.io/docs/concepts/configuration/overview/#services",
            f"{KUBEHOUND}ENDPOINT_EXPLOIT/",
            "https://attack.mitre.org/techniques/T1190/",
        ),
    ),
    EdgeType(
        name="INGRESS_ROUTES",
        plane="k8s",
        tactic="exposure",
        title="Ingress routes to a Service",
        mitre="T1190",
        source="Ingress",
        target="Service",
        meaning="The Ingress forwards requests for its hosts and paths to this Service: whoever reaches the "
        "Ingress reaches the Service, even when the Service itself is only ClusterIP.",
        abuse="Send requests with the Ingress's Host header and path; the controller proxies them to the Service.",
        opsec="Requests appear in the ingress controller's access log.",
        remediation="Route only what must be public; put authentication in front of internal tools "
        "(admin consoles, dashboards) or give them an internal ingress class.",
        references=(
            "https://kubernetes.io/docs/concepts/services-networking/ingress/",
            "https://attack.mitre.org/techniques/T1190/",
        ),
    ),
    EdgeType(
        name="SERVICE_TARGETS",
        plane="k8s",
        tactic="exposure",
        title="Service sends traffic to a container",
        mitre="T1210",
        source="Service",
        target="Container",
        meaning="The Service's selector matches this running pod of its namespace (or the pod labels of a "
        "controller's template when none of its pods is in the snapshot), and the container listens on "
        "one of its target ports (or, when no container declares the port, may be the one listening). Whoever "
        "can reach the Service can attack the process behind it. An ingress NetworkPolicy on the pod is noted "
        "in the reason but not evaluated.",
        abuse="From any pod (or from outside, if the Service is exposed), send requests to the Service's DNS "
        "name <svc>.<ns>.svc and exploit the application.",
        opsec="Pod-to-pod traffic is rarely logged unless the network plugin records flows.",
        remediation="Default-deny ingress NetworkPolicies per namespace, allowing only the clients that need "
        "the Service; authenticate service-to-service calls (mTLS).",
        references=(
            SERVICE_DOCS,
            "https://kubernetes.io/docs/concepts/services-networking/network-policies/",
            f"{KUBEHOUND}ENDPOINT_EXPLOIT/",
            "https://attack.mitre.org/techniques/T1210/",
        ),
        consequence=True,
    ),
)
register_rules(
    Rule("k8s.exposure.internet", "INTERNET_EXPOSES", internet_exposures),
    Rule("k8s.exposure.ingress-routes", "INGRESS_ROUTES", ingress_routes),
    Rule("k8s.lateral.service-targets", "SERVICE_TARGETS", service_targets),
)
