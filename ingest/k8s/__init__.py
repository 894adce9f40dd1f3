"""Kubernetes ingestion, collection half.

- `kinds`     the table of kinds collected (group, version, plural, scope, list path)
- `live`      list them from an API server with the official client (pagination, retries, gaps)
- `files`     read them from YAML/JSON files and snapshot directories
- `redact`    strip secret values before anything is stored
- `snapshot`  the `K8sSnapshot` both collectors produce, and its on-disk form

`live` is not imported here: it pulls in the `kubernetes` package, which offline use does not need.
"""

from ingest.k8s.files import read_k8s_files
from ingest.k8s.kinds import ALL_KINDS, KIND_BY_NAME, KubeKind, list_path
from ingest.k8s.redact import DEFAULT_CONFIGMAP_ALLOWLIST, redact_object
from ingest.k8s.snapshot import CoverageGap, K8sSnapshot, write_snapshot

__all__ = [
    "ALL_KINDS",
    "DEFAULT_CONFIGMAP_ALLOWLIST",
    "KIND_BY_NAME",
    "CoverageGap",
    "K8sSnapshot",
    "KubeKind",
    "list_path",
    "read_k8s_files",
    "redact_object",
    "write_snapshot",
]
