"""Internet exposure and lateral movement (graph/analysis/exposure.py).

Fixtures follow the Kubernetes Service and Ingress documentation (service types, externalIPs,
loadBalancerSourceRanges, named targetPorts, selector-less Services), the cloud providers' documented
internal load-balancer annotations (AWS, GKE) and KubeHound's ENDPOINT_EXPLOIT reference. ClusterIP is
not internet exposure (ATTACKS.md: a tool that calls every Service external over-reports).
"""

from __future__ import annotations

from typing import Any

from graph.analysis.catalogue import ATTACKS, INTERNET_UID
from graph.planes.k8s.facts import ClusterFacts

from .conftest import facts_for, find, pairs


def svc(name: str, ns: str = "shop") -> str:
    return f"k8s:t:service:{ns}/{name}"


def container(pod: str, name: str, ns: str = "shop") -> str:
    return f"k8s:t:container:{ns}/{pod}/{name}"


def exposed(facts: ClusterFacts) -> set[str]:
    return {edge.dst_uid for edge in find("INTERNET_EXPOSES", facts)}


def node(name: str, external_ip: str | None = None) -> dict[str, Any]:
    addresses = [{"type": "InternalIP", "address": "10.0.1.5"}]
    if external_ip:
        addresses.append({"type": "ExternalIP", "address": external_ip})
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "status": {"addresses": addresses}}


def service(
    name: str,
    service_type: str = "ClusterIP",
    annotations: dict[str, str] | None = None,
    lb: list[dict[str, str]] | None = None,
    ports: list[dict[str, Any]] | None = None,
    selector: dict[str, str] | None = None,
    ns: str = "shop",
    **spec: Any,
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": ns, "annotations": annotations or {}},
        "spec": {
            "type": service_type,
            "selector": {"app": "web"} if selector is None else selector,
            "ports": ports if ports is not None else [{"port": 443, "targetPort": 8443, "protocol": "TCP"}],
            **spec,
        },
        "status": {"loadBalancer": {"ingress": lb}} if lb else {},
    }


def web_pod(name: str = "web-1", node_name: str = "n1", ns: str = "shop", phase: str = "Running") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": "web"}},
        "spec": {
            "nodeName": node_name,
            "initContainers": [{"name": "init", "image": "init", "ports": [{"containerPort": 8443}]}],
            "containers": [
                {"name": "web", "image": "web", "ports": [{"name": "https", "containerPort": 8443}]},
                {"name": "metrics", "image": "exporter", "ports": [{"name": "metrics", "containerPort": 9100}]},
            ],
        },
        "status": {"phase": phase},
    }


ELB = [{"hostname": "a1b2.eu-west-1.elb.amazonaws.com"}]


# --------------------------------------------------------------------------------------------------
# INTERNET_EXPOSES: LoadBalancer
# --------------------------------------------------------------------------------------------------


def test_public_load_balancer_is_exposed() -> None:
    edges = find("INTERNET_EXPOSES", facts_for([service("storefront", "LoadBalancer", lb=ELB)]))
    assert pairs(edges) == {(INTERNET_UID, svc("storefront"))}
    assert edges[0].reason == (
        "Service shop/storefront: type LoadBalancer, public (ingress hostname a1b2.eu-west-1.elb.amazonaws.com), "
        "ports 443/TCP"
    )


def test_internal_load_balancers_are_not_exposed() -> None:
    internal = {
        "aws-internal": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
        "aws-scheme": {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"},
        "gke": {"networking.gke.io/load-balancer-type": "Internal"},
    }
    services = [service(name, "LoadBalancer", annotations, lb=ELB) for name, annotations in internal.items()]
    assert exposed(facts_for(services)) == set()


def test_load_balancer_restricted_to_source_ranges_is_not_exposed() -> None:
    restricted = service("office", "LoadBalancer", lb=ELB, loadBalancerSourceRanges=["203.0.113.0/24"])
    anywhere = service("open", "LoadBalancer", lb=ELB, loadBalancerSourceRanges=["203.0.113.0/24", "0.0.0.0/0"])
    edges = find("INTERNET_EXPOSES", facts_for([restricted, anywhere]))
    assert pairs(edges) == {(INTERNET_UID, svc("open"))}
    assert "loadBalancerSourceRanges 203.0.113.0/24, 0.0.0.0/0" in edges[0].reason


def applied(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as read from an API server: it has a uid and a creation time."""
    obj["metadata"] = {**obj["metadata"], "uid": f"uid-{obj['metadata']['name']}"}
    obj["metadata"]["creationTimestamp"] = "2024-05-01T10:00:00Z"
    return obj


def test_private_load_balancer_is_not_exposed() -> None:
    metallb = service("lan", "LoadBalancer", lb=[{"ip": "192.168.10.40"}])
    internal_elb = service("elb", "LoadBalancer", lb=[{"hostname": "internal-k8s-x-123.eu-west-1.elb.amazonaws.com"}])
    assert exposed(facts_for([applied(metallb), applied(internal_elb), metallb])) == set()


def test_load_balancer_never_applied_is_assumed_public() -> None:
    edges = find("INTERNET_EXPOSES", facts_for([service("web", "LoadBalancer")]))
    assert pairs(edges) == {(INTERNET_UID, svc("web"))}
    assert "type LoadBalancer, assumed: no status (a manifest never applied" in edges[0].reason


def test_live_load_balancer_still_pending_is_exposed_and_marked_pending() -> None:
    edges = find("INTERNET_EXPOSES", facts_for([applied(service("web", "LoadBalancer"))]))
    assert pairs(edges) == {(INTERNET_UID, svc("web"))}
    assert "pending: status.loadBalancer has no address yet" in edges[0].reason


def test_internal_or_restricted_load_balancer_without_status_is_not_exposed() -> None:
    internal = service("int", "LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"})
    gke = service("gke", "LoadBalancer", {"networking.gke.io/load-balancer-type": "Internal"})
    restricted = service("office", "LoadBalancer", loadBalancerSourceRanges=["203.0.113.0/24"])
    cluster_ip = service("plain")
    assert exposed(facts_for([internal, gke, restricted, cluster_ip, applied(service("plain2"))])) == set()


# --------------------------------------------------------------------------------------------------
# INTERNET_EXPOSES: NodePort, externalIPs, ClusterIP
# --------------------------------------------------------------------------------------------------

NODE_PORT = [{"port": 80, "targetPort": 8080, "nodePort": 30080, "protocol": "TCP"}]


def test_node_port_is_exposed_only_where_nodes_have_public_addresses() -> None:
    public = facts_for([node("n1", "34.240.1.2"), service("api", "NodePort", ports=NODE_PORT)])
    edges = find("INTERNET_EXPOSES", public)
    assert pairs(edges) == {(INTERNET_UID, svc("api"))}
    assert "type NodePort, node port 30080/TCP open on node n1 (external IP 34.240.1.2)" in edges[0].reason
    assert "cloud firewall rules are not evaluated" in edges[0].reason

    private = facts_for([node("n1"), node("n2", "10.20.0.4"), service("api", "NodePort", ports=NODE_PORT)])
    assert exposed(private) == set()


def test_node_port_left_to_allocation_is_still_exposed() -> None:
    unpinned = service("api", "NodePort", ports=[{"port": 80, "targetPort": 8080}])
    edges = find("INTERNET_EXPOSES", facts_for([node("n1", "34.240.1.2"), node("n2", "35.1.2.3"), unpinned]))
    assert pairs(edges) == {(INTERNET_UID, svc("api"))}
    assert "an allocated node port for each of 80/TCP open on node n1 (external IP 34.240.1.2) and 1 more" in (
        edges[0].reason
    )


def test_internal_or_restricted_load_balancer_node_ports_are_not_exposed() -> None:
    # The cloud provider opens such a load balancer's node ports only to the LB, the VPC or the source
    # ranges; the demo's prometheus-internal is this case.
    internal = service(
        "internal", "LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}, ELB, NODE_PORT
    )
    restricted = service("office", "LoadBalancer", lb=ELB, ports=NODE_PORT, loadBalancerSourceRanges=["203.0.113.0/24"])
    public = service("open", "LoadBalancer", lb=ELB, ports=NODE_PORT)
    edges = find("INTERNET_EXPOSES", facts_for([node("n1", "34.240.1.2"), internal, restricted, public]))
    assert pairs(edges) == {(INTERNET_UID, svc("open"))}
    reasons = sorted(edge.reason for edge in edges)
    assert len(reasons) == 2 and "node port 30080/TCP open on node n1" in reasons[0] and "public (ingress" in reasons[1]


def test_local_traffic_policy_answers_only_on_nodes_running_a_selected_pod() -> None:
    local = service("api", "NodePort", ports=NODE_PORT, externalTrafficPolicy="Local")
    # The public node runs no selected pod; the node that does has no public address.
    assert exposed(facts_for([node("pub", "34.240.1.2"), node("priv"), web_pod(node_name="priv"), local])) == set()
    assert exposed(facts_for([node("pub", "34.240.1.2"), web_pod(node_name="pub"), local])) == {svc("api")}


def test_external_ips_are_exposed_when_public() -> None:
    edges = find(
        "INTERNET_EXPOSES",
        facts_for(
            [
                service("vip", externalIPs=["52.18.4.7"]),
                service("lan-vip", externalIPs=["10.1.2.3"]),
            ]
        ),
    )
    assert pairs(edges) == {(INTERNET_UID, svc("vip"))}
    assert "spec.externalIPs 52.18.4.7" in edges[0].reason


def test_cluster_ip_and_external_name_are_not_internet_exposure() -> None:
    # Even with public nodes: a ClusterIP Service opens nothing on them.
    facts = facts_for(
        [
            node("n1", "34.240.1.2"),
            service("internal"),
            service("alias", "ExternalName", externalName="db.example.com", selector={}, ports=[]),
        ]
    )
    assert exposed(facts) == set()


# --------------------------------------------------------------------------------------------------
# INTERNET_EXPOSES: Ingress, hostPort, hostNetwork
# --------------------------------------------------------------------------------------------------


def ingress(name: str, lb: list[dict[str, str]] | None = None, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {
            "rules": [
                {
                    "host": "shop.example.com",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": "storefront", "port": {"number": 443}}},
                            }
                        ]
                    },
                }
            ],
            **spec,
        },
        "status": {"loadBalancer": {"ingress": lb}} if lb else {},
    }


def test_ingress_with_public_status_is_exposed() -> None:
    edges = find("INTERNET_EXPOSES", facts_for([ingress("web", [{"ip": "34.117.5.9"}], ingressClassName="nginx")]))
    assert pairs(edges) == {(INTERNET_UID, "k8s:t:ingress:shop/web")}
    assert "class nginx, public (load balancer IP 34.117.5.9), hosts shop.example.com" in edges[0].reason


def annotated(obj: dict[str, Any], annotations: dict[str, str]) -> dict[str, Any]:
    obj["metadata"] = {**obj["metadata"], "annotations": annotations}
    return obj


def test_ingress_never_applied_is_assumed_public_and_a_live_one_without_address_is_pending() -> None:
    edges = find("INTERNET_EXPOSES", facts_for([ingress("web", ingressClassName="nginx")]))
    assert pairs(edges) == {(INTERNET_UID, "k8s:t:ingress:shop/web")}
    assert "class nginx, assumed: no status" in edges[0].reason
    live = find("INTERNET_EXPOSES", facts_for([applied(ingress("web", ingressClassName="nginx"))]))
    assert pairs(live) == {(INTERNET_UID, "k8s:t:ingress:shop/web")}
    assert "class nginx, pending: status.loadBalancer has no address yet" in live[0].reason


def test_internal_ingress_without_status_or_with_private_address_is_not_exposed() -> None:
    facts = facts_for(
        [
            ingress("alb-manifest", ingressClassName="alb"),  # the ALB controller's default scheme is internal
            ingress("gce-internal", ingressClassName="gce-internal"),
            annotated(ingress("scheme", ingressClassName="nginx"), {"alb.ingress.kubernetes.io/scheme": "internal"}),
            applied(ingress("alb-pending", ingressClassName="alb")),
            ingress(
                "alb-default", [{"hostname": "k8s-shop-web-1.eu-west-1.elb.amazonaws.com"}], ingressClassName="alb"
            ),  # the AWS Load Balancer Controller makes internal ALBs unless the scheme says internet-facing
            ingress("elb-internal", [{"hostname": "internal-k8s-shop-2.eu-west-1.elb.amazonaws.com"}]),
            ingress("private", [{"ip": "10.0.0.12"}]),
        ]
    )
    assert exposed(facts) == set()


def host_port_pod(name: str, node_name: str, host_network: bool = False, with_host_port: bool = True) -> dict[str, Any]:
    port: dict[str, Any] = {"containerPort": 8080, "protocol": "TCP"}
    if with_host_port:
        port["hostPort"] = 8080
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": name}},
        "spec": {
            "nodeName": node_name,
            "hostNetwork": host_network,
            "containers": [{"name": "agent", "image": "agent", "ports": [port]}, {"name": "side", "image": "side"}],
        },
    }


def test_host_port_exposes_the_listening_container_on_public_nodes() -> None:
    facts = facts_for([node("pub", "34.240.1.2"), node("priv"), host_port_pod("a", "pub"), host_port_pod("b", "priv")])
    edges = find("INTERNET_EXPOSES", facts)
    assert pairs(edges) == {(INTERNET_UID, container("a", "agent"))}
    assert 'container "agent" of pod shop/a: hostPort 8080/TCP on node pub (external IP 34.240.1.2)' in edges[0].reason


def test_host_network_ports_are_exposed_only_when_declared_and_the_node_is_public() -> None:
    declared = host_port_pod("hn", "pub", host_network=True, with_host_port=False)
    silent = host_port_pod("quiet", "pub", host_network=True, with_host_port=False)
    silent["spec"]["containers"][0].pop("ports")
    on_private = host_port_pod("inside", "priv", host_network=True, with_host_port=False)
    edges = find("INTERNET_EXPOSES", facts_for([node("pub", "34.240.1.2"), node("priv"), declared, silent, on_private]))
    assert pairs(edges) == {(INTERNET_UID, container("hn", "agent"))}
    assert "hostNetwork=true, containerPort 8080/TCP" in edges[0].reason


# --------------------------------------------------------------------------------------------------
# INGRESS_ROUTES
# --------------------------------------------------------------------------------------------------


def test_ingress_routes_to_its_backend_service() -> None:
    edges = find("INGRESS_ROUTES", facts_for([service("storefront"), ingress("web")]))
    assert pairs(edges) == {("k8s:t:ingress:shop/web", svc("storefront"))}
    assert "routes hosts shop.example.com, paths / to Service shop/storefront port 443" in edges[0].reason


def test_ingress_to_a_missing_service_routes_nowhere() -> None:
    assert find("INGRESS_ROUTES", facts_for([service("other"), ingress("web")])) == []


# --------------------------------------------------------------------------------------------------
# SERVICE_TARGETS
# --------------------------------------------------------------------------------------------------


def test_service_targets_the_container_listening_on_its_target_port() -> None:
    edges = find("SERVICE_TARGETS", facts_for([service("storefront"), web_pod()]))
    assert pairs(edges) == {(svc("storefront"), container("web-1", "web"))}
    assert "port 443/TCP → containerPort 8443" in edges[0].reason


def test_named_and_defaulted_target_ports() -> None:
    named = service("named", ports=[{"port": 80, "targetPort": "metrics"}])
    defaulted = service("same", ports=[{"port": 8443}])  # targetPort unset = port
    edges = find("SERVICE_TARGETS", facts_for([named, defaulted, web_pod()]))
    assert pairs(edges) == {(svc("named"), container("web-1", "metrics")), (svc("same"), container("web-1", "web"))}
    assert 'targetPort "metrics" = containerPort 9100' in next(e.reason for e in edges if e.src_uid == svc("named"))


def test_undeclared_numeric_port_targets_every_regular_container_not_init() -> None:
    edges = find("SERVICE_TARGETS", facts_for([service("raw", ports=[{"port": 80, "targetPort": 3000}]), web_pod()]))
    assert pairs(edges) == {(svc("raw"), container("web-1", "web")), (svc("raw"), container("web-1", "metrics"))}
    assert all("no container declares it" in edge.reason for edge in edges)


def test_undeclared_named_port_gives_the_pod_no_endpoint() -> None:
    assert (
        find("SERVICE_TARGETS", facts_for([service("x", ports=[{"port": 80, "targetPort": "grpc"}]), web_pod()])) == []
    )


def test_no_targets_without_selector_across_namespaces_or_for_finished_pods() -> None:
    alias = service("alias", "ExternalName", externalName="db.example.com")  # its selector is ignored
    assert find("SERVICE_TARGETS", facts_for([alias, web_pod()])) == []
    facts = facts_for(
        [
            service("manual", selector={}),  # endpoints managed by hand: nothing selected
            service("elsewhere", ns="other"),  # same labels, but the pod lives in shop
            service("storefront"),
            web_pod(phase="Succeeded"),
        ]
    )
    assert find("SERVICE_TARGETS", facts) == []


def network_policy(name: str, policy_types: list[str]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": "shop"},
        "spec": {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": policy_types},
    }


def test_ingress_network_policy_is_marked_not_dropped() -> None:
    with_policy = find(
        "SERVICE_TARGETS", facts_for([service("storefront"), web_pod(), network_policy("deny-in", ["Ingress"])])
    )
    assert pairs(with_policy) == {(svc("storefront"), container("web-1", "web"))}
    assert "ingress NetworkPolicy shop/deny-in selects pod shop/web-1" in with_policy[0].reason

    egress_only = find(
        "SERVICE_TARGETS", facts_for([service("storefront"), web_pod(), network_policy("egress", ["Egress"])])
    )
    assert "NetworkPolicy" not in egress_only[0].reason


def test_every_attack_in_this_family_is_registered() -> None:
    for edge_type in ("INTERNET_EXPOSES", "INGRESS_ROUTES", "SERVICE_TARGETS"):
        attack = ATTACKS[edge_type]
        assert attack.rule_ids[0].startswith("k8s.") and attack.mitre in ("T1190", "T1210") and attack.references
