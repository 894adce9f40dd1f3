// id: internet-to-node-takeover
// title: Internet → node takeover
// category: exposure
// severity: critical
// description: Nodes an attacker on the internet can take over (root on the host: every pod, secret and token on it), nearest first, with the shortest path to each.
//   How: the analysis marks every node with its distance from the internet (reach_internet_hops), so
//   targets are picked by that mark and each path is walked back from the target, one hop at a time, to
//   a node one hop closer; nothing is searched. Needs the marks (`bridgehead analyze`).
// parameters: max_hops (int 1..12, default 10): longest path to report; limit (int 1..1000, default 100): rows
// returns: entry, target, target_name, target_namespace, hops, path_uids, edge_types, reasons
// mitre: T1190, T1611
MATCH (target:Node)
WHERE target.reach_internet_hops >= 1 AND target.reach_internet_hops <= $max_hops
WITH target ORDER BY target.reach_internet_hops, target.uid LIMIT $limit
WITH target, [target] AS walk, [] AS steps
// hop 1 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 2 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 3 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 4 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 5 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 6 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 7 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 8 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 9 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 10 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 11 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
// hop 12 of at most 12
WITH target, walk, steps, last(walk) AS here
OPTIONAL MATCH (closer)-[r:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE]->(here)
WITH target, walk, steps, here, closer, r WHERE here.reach_internet_hops = 0 OR closer.reach_internet_hops = here.reach_internet_hops - 1
WITH target, walk, steps, here, closer, r ORDER BY closer.uid, type(r)
WITH target, walk, steps, collect(CASE WHEN here.reach_internet_hops > 0 THEN [closer, r] END)[0] AS step
WITH target, CASE WHEN step IS NULL THEN walk ELSE walk + [step[0]] END AS walk, CASE WHEN step IS NULL THEN steps ELSE steps + [step[1]] END AS steps
WITH target, reverse(walk) AS walk, reverse(steps) AS steps
WHERE walk[0].reach_internet_hops = 0
RETURN walk[1].uid AS entry, target.uid AS target, target.name AS target_name, target.namespace AS target_namespace,
       size(steps) AS hops, [n IN walk | n.uid] AS path_uids, [r IN steps | type(r)] AS edge_types,
       [r IN steps | r.reason] AS reasons
ORDER BY hops, target
