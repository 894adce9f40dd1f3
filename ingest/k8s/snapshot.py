"""The collected state of one cluster: API-shaped, redacted objects plus what could not be seen.

Both collectors (live API and offline files) build a `K8sSnapshot` through `SnapshotBuilder`, so the
transform that follows never needs to know where the objects came from.

On disk a snapshot is a directory:

    <plural>.json               one per collected kind, exactly `kubectl get <plural> -A -o json`
    bridgehead-collection.json  {cluster, collected_kinds, gaps, version, collected_at, format}

Only kinds in `collected_kinds` get a file; the manifest is written last, so a directory that has it
holds a complete snapshot.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.k8s.kinds import ALL_KINDS, KIND_BY_NAME, KubeKind

MANIFEST_NAME = "bridgehead-collection.json"
SNAPSHOT_FORMAT = 1


@dataclass(frozen=True)
class CoverageGap:
    """A kind that could not be listed in full, and why (shown to the user as "secrets not visible")."""

    kind: str
    reason: str


@dataclass
class K8sSnapshot:
    cluster: str
    # Keyed by kind name ("Pod"): API-shaped dicts, already redacted, each with apiVersion and kind set,
    # sorted by (namespace, name). Every collected kind has a key, possibly with an empty list.
    objects: dict[str, list[dict[str, Any]]]
    # Kinds whose full listing succeeded: stale cleanup of a kind is allowed only when it is in here.
    collected_kinds: set[str]
    gaps: list[CoverageGap]
    # Bad-input messages naming file and object (offline); empty for a live collection.
    errors: list[str]
    version: dict[str, Any] | None  # the API server's /version response (gitVersion, platform, …)
    collected_at: int  # epoch milliseconds

    def gap_for(self, kind: str) -> CoverageGap | None:
        return next((gap for gap in self.gaps if gap.kind == kind), None)

    def count(self, kind: str) -> int:
        return len(self.objects.get(kind, ()))


def object_key(obj: dict[str, Any]) -> tuple[str, str]:
    """(namespace, name) of an object; namespace is "" for cluster-scoped objects."""
    metadata = obj.get("metadata") or {}
    return (str(metadata.get("namespace") or ""), str(metadata.get("name") or ""))


@dataclass
class SnapshotBuilder:
    """Accumulates objects, gaps and errors; `build` gives the snapshot in its one canonical shape."""

    objects: dict[str, dict[tuple[str, str], dict[str, Any]]] = field(default_factory=dict)
    collected_kinds: set[str] = field(default_factory=set)
    gaps: list[CoverageGap] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, kind: str, obj: dict[str, Any]) -> None:
        """Store an (already redacted) object; a later object with the same namespace/name replaces it."""
        self.objects.setdefault(kind, {})[object_key(obj)] = obj

    def discard_kind(self, kind: str) -> None:
        self.objects.pop(kind, None)

    def mark_collected(self, kind: str) -> None:
        self.collected_kinds.add(kind)

    def add_gap(self, gap: CoverageGap) -> None:
        if gap not in self.gaps:
            self.gaps.append(gap)

    def add_error(self, message: str) -> None:
        self.errors.append(message)

    def build(self, cluster: str, version: dict[str, Any] | None, collected_at: int) -> K8sSnapshot:
        kinds = set(self.objects) | self.collected_kinds
        objects = {
            kind: [self.objects.get(kind, {})[key] for key in sorted(self.objects.get(kind, {}))]
            for kind in _table_order(kinds)
        }
        return K8sSnapshot(
            cluster=cluster,
            objects=objects,
            collected_kinds=set(self.collected_kinds),
            gaps=sorted(self.gaps, key=lambda gap: (_table_index(gap.kind), gap.reason)),
            errors=list(self.errors),
            version=version,
            collected_at=collected_at,
        )


def _table_index(kind: str) -> int:
    entry = KIND_BY_NAME.get(kind)
    return ALL_KINDS.index(entry) if entry is not None else len(ALL_KINDS)


def _table_order(kinds: Iterable[str]) -> list[str]:
    return sorted(kinds, key=lambda kind: (_table_index(kind), kind))


def kubectl_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    """The document `kubectl get <plural> -A -o json` prints."""
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def manifest_of(snapshot: K8sSnapshot) -> dict[str, Any]:
    return {
        "format": SNAPSHOT_FORMAT,
        "cluster": snapshot.cluster,
        "collected_kinds": _table_order(snapshot.collected_kinds),
        "gaps": [{"kind": gap.kind, "reason": gap.reason} for gap in snapshot.gaps],
        "version": snapshot.version,
        "collected_at": snapshot.collected_at,
    }


def write_snapshot(snapshot: K8sSnapshot, out_dir: Path) -> list[Path]:
    """Write the snapshot as a directory of kubectl-style list files plus the collection manifest.

    Files are written atomically with mode 0600. A `<plural>.json` left in `out_dir` by an earlier
    collection for a kind that is not collected this time is removed, so a kind that became forbidden
    is never read back with stale objects. Returns the paths written, manifest last.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Without a manifest the directory reads as incomplete until the new one is in place.
    (out_dir / MANIFEST_NAME).unlink(missing_ok=True)

    written: list[Path] = []
    kinds = set(snapshot.objects) | snapshot.collected_kinds
    for kind in _table_order(kinds):
        entry = _entry_for_file(kind)
        path = out_dir / f"{entry.plural}.json"
        _write_json_atomically(path, kubectl_list(snapshot.objects.get(kind, [])))
        written.append(path)

    written_names = {path.name for path in written}
    for entry in ALL_KINDS:
        stale = out_dir / f"{entry.plural}.json"
        if stale.name not in written_names:
            stale.unlink(missing_ok=True)

    manifest_path = out_dir / MANIFEST_NAME
    _write_json_atomically(manifest_path, manifest_of(snapshot))
    written.append(manifest_path)
    return written


def _entry_for_file(kind: str) -> KubeKind:
    entry = KIND_BY_NAME.get(kind)
    if entry is None:
        raise ValueError(f"snapshot holds objects of kind {kind!r}, which is not in the kinds table")
    return entry


def _write_json_atomically(path: Path, document: Any) -> None:
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
