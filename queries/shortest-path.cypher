// id: shortest-path
// title: Shortest attack paths between two objects
// category: paths
// severity: info
// description: The shortest attack paths from one object to another (any kinds: the internet, a pod, an
//   identity, a node, a secret, cluster-admin, ...), one row per path. One pair, one bounded search.
// parameters: src (str, required): uid of the start, e.g. internet or k8s:CLUSTER:pod:NAMESPACE/NAME;
//   dst (str, required): uid of the end, e.g. k8s:CLUSTER:cluster-admin;
//   max_hops (int 1..12, default 10): longest path to report; limit (int 1..1000, default 10): paths
// returns: hops, path_uids, path_kinds, edge_types, reasons
// mitre: none
MATCH (src:Entity {uid: $src})
MATCH (dst:Entity {uid: $dst})
WITH src, dst
MATCH p = allShortestPaths((src)-[:CAN_ADD_EPHEMERAL_CONTAINER|CAN_APPROVE_CSR|CAN_ATTACH|CAN_CREATE_PRIVILEGED_POD|CAN_CREATE_TOKEN|CAN_EDIT_AWS_AUTH|CAN_EDIT_WEBHOOKS|CAN_ESCALATE_PRIVILEGES|CAN_EXEC|CAN_IMPERSONATE|CAN_MODIFY_WORKLOAD|CAN_PATCH_POD|CAN_PROXY_NODE|CAN_READ_SECRET|CAN_RUN_AS|CE_HOSTPATH_WRITE|CE_NSENTER|CE_PRIVILEGED|CE_RUNTIME_SOCKET|CE_SYS_ADMIN|CE_SYS_MODULE|CE_SYS_PTRACE|CONTROLLER_RUNS_POD|CONTROLS_CONTAINER|HAS_SA_TOKEN|HOST_PID_READ_SECRETS|HOST_PID_READ_TOKENS|HOST_READ_CLUSTER_ADMIN_CREDENTIALS|HOST_READ_ETCD_DATA|HOST_READ_KUBELET_CREDENTIALS|HOST_READ_SECRETS|HOST_READ_TOKENS|INGRESS_ROUTES|INTERNET_EXPOSES|IS_CLUSTER_ADMIN|IS_NAMESPACE_ADMIN|NODE_ACTS_AS_KUBELET|NODE_CONTROLS_POD|PLACES_ON_NODE|READS_MOUNTED_SECRET|SECRET_HOLDS_TOKEN|SERVICE_TARGETS|SHARES_PROCESS_NAMESPACE*1..12]->(dst))
WITH p WHERE length(p) <= $max_hops
RETURN length(p) AS hops, [n IN nodes(p) | n.uid] AS path_uids,
       [n IN nodes(p) | [l IN labels(n) WHERE NOT l IN ['Entity', 'HighValue', 'Identity', 'Secret', 'Workload']][0]] AS path_kinds,
       [r IN relationships(p) | type(r)] AS edge_types, [r IN relationships(p) | r.reason] AS reasons
LIMIT $limit
