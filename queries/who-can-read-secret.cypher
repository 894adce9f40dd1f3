// id: who-can-read-secret
// title: Who can read this secret
// category: paths
// severity: high
// description: Identities (service accounts, users, groups) with an attack path to one secret, nearest
//   first, with the number of hops and whether the internet or an owned object reaches them. Cluster-admin
//   reads every secret of its cluster, so whoever becomes cluster-admin is listed too (through_cluster_admin).
//   How: a breadth-first search back from the secret and its cluster's cluster-admin, one hop per step,
//   each node visited once. `bridgehead query run shortest-path` shows the path from one of them.
// parameters: secret (str, required): uid of the secret, e.g. k8s:CLUSTER:secret:NAMESPACE/NAME;
//   max_hops (int 1..12, default 8): farthest identity to report; limit (int 1..1000, default 100): rows
// returns: identity, identity_kind, namespace, name, hops, through_cluster_admin, internet_hops, owned_hops
// mitre: T1552.007
MATCH (target:Secret {uid: $secret})
OPTIONAL MATCH (admin:ClusterAdmin)
WHERE admin.cluster = target.cluster
WITH target, [target] + collect(admin) AS frontier
WITH target, frontier, frontier AS seen, [] AS found
// Breadth-first, one hop per step, every node kept once (`seen`). Each step expands the frontier inside a
// subquery, so the per-frontier rows carry no lists, and a step with nothing left to expand sends no row
// into the traversal (the search stops once `found` holds $limit rows: rows are ordered by hops first).
// hop 1 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 1 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 1]] AS found
// hop 2 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 2 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 2]] AS found
// hop 3 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 3 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 3]] AS found
// hop 4 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 4 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 4]] AS found
// hop 5 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 5 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 5]] AS found
// hop 6 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 6 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 6]] AS found
// hop 7 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 7 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 7]] AS found
// hop 8 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 8 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 8]] AS found
// hop 9 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 9 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 9]] AS found
// hop 10 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 10 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 10]] AS found
// hop 11 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 11 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 11]] AS found
// hop 12 of at most 12: what is one hop further and not seen before
WITH target, seen, found, CASE WHEN $max_hops < 12 OR size(found) >= $limit THEN [] ELSE frontier END AS frontier
CALL { WITH frontier UNWIND frontier AS here MATCH (reached)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here) RETURN collect(DISTINCT reached) AS reached }
WITH target, [n IN reached WHERE NOT n IN seen] AS frontier, seen, found
WITH target, frontier, seen + frontier AS seen, found + [n IN frontier WHERE n:Identity | [n, 12]] AS found
UNWIND found AS hit
WITH hit[0] AS identity, hit[1] AS hops
RETURN identity.uid AS identity, [l IN labels(identity) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0] AS identity_kind,
       identity.namespace AS namespace, identity.name AS name, hops,
       coalesce(identity.reaches_cluster_admin_hops = hops, false) AS through_cluster_admin,
       identity.reach_internet_hops AS internet_hops, identity.reach_owned_hops AS owned_hops
ORDER BY hops, identity
LIMIT $limit
