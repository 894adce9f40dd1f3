"""Kubernetes ingestion: the `k8s` source.

- `kinds`      the table of kinds collected (group, version, plural, scope, list path)
- `live`       list them from an API server with the official client (pagination, retries, gaps)
- `files`      read them from YAML/JSON files and snapshot directories
- `redact`     strip secret values before anything is stored
- `snapshot`   the `K8sSnapshot` both collectors produce, and its on-disk form
- `transform`  snapshot -> graph records (pure)

`live` is not imported here: it pulls in the `kubernetes` package, which offline use does not need.
"""

from graph.planes.k8s import uids
from ingest.k8s.files import read_k8s_files
from ingest.k8s.kinds import ALL_KINDS, KIND_BY_NAME, KubeKind, list_path
from ingest.k8s.redact import DEFAULT_CONFIGMAP_ALLOWLIST, redact_object
from ingest.k8s.snapshot import CoverageGap, K8sSnapshot, write_snapshot
from ingest.k8s.transform import transform_snapshot
from ingest.sources import Source

__all__ = [
    "ALL_KINDS",
    "DEFAULT_CONFIGMAP_ALLOWLIST",
    "KIND_BY_NAME",
    "SOURCE",
    "CoverageGap",
    "K8sSnapshot",
    "KubeKind",
    "list_path",
    "read_k8s_files",
    "redact_object",
    "write_snapshot",
]


def snapshot_gaps(snapshot: K8sSnapshot) -> list[str]:
    return [f"{gap.kind}: {gap.reason}" for gap in snapshot.gaps]


SOURCE: Source[K8sSnapshot] = Source(
    name="k8s",
    title="Kubernetes",
    plane="k8s",
    tenant="cluster",
    read_files=lambda paths, cluster: read_k8s_files(paths, cluster),
    transform=transform_snapshot,
    scope=lambda snapshot: uids.scope(snapshot.cluster),
    gaps=snapshot_gaps,
    problems=lambda snapshot: list(snapshot.errors),
    write_snapshot=write_snapshot,
)
