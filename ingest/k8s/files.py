"""Offline collection: read Kubernetes objects from files into the same snapshot the live collector makes.

Accepted input: multi-document YAML, a single JSON object, `kind: List` documents (what
`kubectl get … -A -o json` prints, and typed lists such as `PodList` from the raw API), and
directories of those (recursively, `*.yaml`, `*.yml`, `*.json`, in sorted order). A directory written
by `write_snapshot` also carries `bridgehead-collection.json`, whose coverage (collected kinds, gaps,
server version, collection time) is taken over.

Bad input never stops the batch: a malformed file is skipped whole (nothing half-loaded) and a bad
object is skipped alone, each with an error naming the file and object in `K8sSnapshot.errors`.
Everything read is redacted before it is stored: people hand us manifests with secret values in them.
"""

from __future__ import annotations

import base64
import codecs
import datetime as dt
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ingest.k8s.kinds import KIND_BY_NAME, kind_for
from ingest.k8s.redact import DEFAULT_CONFIGMAP_ALLOWLIST, redact_object
from ingest.k8s.snapshot import MANIFEST_NAME, SNAPSHOT_FORMAT, CoverageGap, K8sSnapshot, SnapshotBuilder

OBJECT_FILE_SUFFIXES = frozenset({".yaml", ".yml", ".json"})


class _ManifestLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as the strings the API uses instead of `datetime` objects."""


_ManifestLoader.yaml_implicit_resolvers = {
    first_char: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first_char, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_k8s_files(
    paths: Sequence[Path],
    cluster: str,
    *,
    configmap_allowlist: Iterable[tuple[str, str]] = DEFAULT_CONFIGMAP_ALLOWLIST,
) -> K8sSnapshot:
    """Read files and directories of Kubernetes objects into a redacted snapshot of `cluster`.

    `cluster` may be "" when a directory holds a collection manifest: its cluster name is used then.
    Kinds present in the files, and every kind a manifest lists as collected, count as collected.
    Objects of a namespaced kind without `metadata.namespace` are placed in "default", where
    `kubectl apply` would put them. The same kind/namespace/name read twice: the last one wins.
    In directories, hidden files and directories (`.git`) are skipped.
    """
    reader = _FileReader(allowlist=frozenset(configmap_allowlist))
    for path in paths:
        reader.read_path(Path(path))

    cluster_name = cluster or next((m.cluster for m in reader.manifests if m.cluster), "")
    if not cluster_name:
        raise ValueError(
            "no cluster name for the files read: pass one (e.g. --cluster prod-eks); only a snapshot "
            f"directory with {MANIFEST_NAME} names its cluster itself"
        )
    for manifest in reader.manifests:
        for kind in manifest.collected_kinds:
            reader.builder.mark_collected(kind)
        for gap in manifest.gaps:
            reader.builder.add_gap(gap)
    for kind in reader.present_kinds:
        reader.builder.mark_collected(kind)

    version = next((m.version for m in reader.manifests if m.version is not None), None)
    collected_at = next((m.collected_at for m in reader.manifests), int(time.time() * 1000))
    return reader.builder.build(cluster_name, version, collected_at)


@dataclass
class _Manifest:
    cluster: str
    collected_kinds: list[str]
    gaps: list[CoverageGap]
    version: dict[str, Any] | None
    collected_at: int


@dataclass
class _FileReader:
    allowlist: frozenset[tuple[str, str]]
    builder: SnapshotBuilder = field(default_factory=SnapshotBuilder)
    manifests: list[_Manifest] = field(default_factory=list)
    present_kinds: set[str] = field(default_factory=set)
    # (file, kind, apiVersion) -> where each skipped object was; reported once per file and kind.
    unknown: dict[tuple[Path, str, str], list[str]] = field(default_factory=lambda: defaultdict(list))

    def error(self, message: str) -> None:
        self.builder.add_error(message)

    def read_path(self, path: Path) -> None:
        if path.is_dir():
            files = _object_files_under(path)
            if not files:
                self.error(f"{path}: no .yaml, .yml or .json files in this directory; nothing read from it")
            for file in files:
                self.read_file(file)
        elif path.is_file():
            self.read_file(path)
        else:
            self.error(f"{path}: no such file or directory; check the path")

    def read_file(self, path: Path) -> None:
        try:
            text = _decode(path.read_bytes())
        except UnicodeDecodeError as exc:
            self.error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); file skipped")
            return
        except OSError as exc:
            self.error(f"{path}: cannot read ({exc.strerror}); file skipped")
            return

        if path.name == MANIFEST_NAME:
            self.read_manifest(path, text)
            return
        documents = self.parse(path, text)
        if documents is None:
            return
        for index, document in enumerate(documents, start=1):
            where = f"{path} document {index}" if len(documents) > 1 else str(path)
            self.add_document(document, where, path)
        self.report_unknown_kinds(path)

    def parse(self, path: Path, text: str) -> list[Any] | None:
        """All documents of a file, or None (and an error) when any part of it is malformed."""
        if path.suffix.lower() == ".json":
            try:
                return [json.loads(text)]
            except json.JSONDecodeError as exc:
                self.error(
                    f"{path}: line {exc.lineno} column {exc.colno}: malformed JSON ({exc.msg}); "
                    "file skipped, fix it and ingest again"
                )
                return None
        try:
            return list(yaml.load_all(text, Loader=_ManifestLoader))
        except yaml.YAMLError as exc:
            self.error(f"{path}: {_describe_yaml_error(exc)}; file skipped, fix it and ingest again")
            return None

    def add_document(self, document: Any, where: str, path: Path) -> None:
        if document is None:
            return  # an empty document, e.g. after a trailing `---`
        if not isinstance(document, dict):
            self.error(
                f"{where}: expected a Kubernetes object (a mapping with apiVersion, kind, metadata), "
                f"found {_describe_type(document)}; skipped"
            )
            return
        kind = document.get("kind")
        items = document.get("items")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            self.add_list(document, kind, items, where, path)
            return
        self.add_object(document, where, path)

    def add_list(self, document: dict[str, Any], kind: str, items: list[Any], where: str, path: Path) -> None:
        # A typed list from the raw API (`PodList`) leaves kind and apiVersion off its items.
        item_kind = kind.removesuffix("List")
        list_api_version = document.get("apiVersion")
        for index, item in enumerate(items, start=1):
            item_where = f"{where} item {index}"
            if isinstance(item, dict) and item_kind:
                item = {**item}
                item.setdefault("kind", item_kind)
                if isinstance(list_api_version, str):
                    item.setdefault("apiVersion", list_api_version)
            self.add_document(item, item_where, path)

    def add_object(self, document: dict[str, Any], where: str, path: Path) -> None:
        kind = document.get("kind")
        if not isinstance(kind, str) or not kind:
            self.error(f"{where}: object has no `kind`; skipped (every Kubernetes object names its kind)")
            return
        api_version = document.get("apiVersion")
        if not isinstance(api_version, str) or not api_version:
            known = KIND_BY_NAME.get(kind)
            api_version = known.api_version if known else ""
        entry = kind_for(api_version, kind)
        if entry is None:
            self.unknown[(path, kind, api_version)].append(where)
            return

        metadata = document.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if not isinstance(name, str) or not name:
            hint = (
                " (it has only generateName: the server picks the name at creation)"
                if isinstance(metadata, dict) and metadata.get("generateName")
                else ""
            )
            self.error(
                f"{where}: {kind} has no metadata.name{hint}; skipped. Ingest objects as the cluster "
                "holds them (kubectl get -o yaml), or render templates first (helm template, kustomize build)"
            )
            return

        obj = _jsonable(document)
        obj["apiVersion"] = api_version
        obj["kind"] = kind
        if entry.namespaced and not obj["metadata"].get("namespace"):
            obj["metadata"]["namespace"] = "default"
        self.builder.add(entry.kind, redact_object(obj, self.allowlist))
        self.present_kinds.add(entry.kind)

    def read_manifest(self, path: Path, text: str) -> None:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self.error(
                f"{path}: line {exc.lineno} column {exc.colno}: malformed JSON ({exc.msg}); collection "
                "manifest ignored, the object files beside it are still read"
            )
            return
        if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
            found = data.get("format") if isinstance(data, dict) else None
            self.error(
                f"{path}: collection manifest format {found!r} is not {SNAPSHOT_FORMAT}, the one this "
                "Bridgehead reads; manifest ignored (upgrade Bridgehead or collect again)"
            )
            return

        collected: list[str] = []
        gaps = [
            CoverageGap(kind=str(gap.get("kind", "")), reason=str(gap.get("reason", "")))
            for gap in data.get("gaps") or []
            if isinstance(gap, dict)
        ]
        for kind in data.get("collected_kinds") or []:
            entry = KIND_BY_NAME.get(kind)
            if entry is None:
                self.error(f"{path}: collected_kinds names unknown kind {kind!r}; ignored")
            elif not (path.parent / f"{entry.plural}.json").is_file():
                # Counting it as collected would let stale cleanup delete every loaded object of the kind.
                self.error(
                    f"{path}: lists {kind} as collected but {entry.plural}.json is missing beside it; "
                    f"{kind} is treated as not collected (restore the file or collect again)"
                )
                gaps.append(CoverageGap(kind=kind, reason=f"{entry.plural}.json missing from the snapshot"))
            else:
                collected.append(kind)
        version = data.get("version")
        collected_at = data.get("collected_at")
        cluster = data.get("cluster")
        self.manifests.append(
            _Manifest(
                cluster=cluster if isinstance(cluster, str) else "",
                collected_kinds=collected,
                gaps=gaps,
                version=version if isinstance(version, dict) else None,
                collected_at=collected_at if isinstance(collected_at, int) else int(time.time() * 1000),
            )
        )

    def report_unknown_kinds(self, path: Path) -> None:
        """One error per unknown kind in a file, however many objects of it were skipped."""
        known = ", ".join(sorted(KIND_BY_NAME))
        for kind, api_version in sorted({(k, v) for (p, k, v) in self.unknown if p == path}):
            places = self.unknown.pop((path, kind, api_version))
            first = places[0].removeprefix(str(path)).strip() or "the only document"
            count = f"{len(places)} objects" if len(places) > 1 else "1 object"
            self.error(
                f"{path}: unknown kind {kind!r} (apiVersion {api_version!r}), {count} skipped "
                f"(first: {first}). Bridgehead reads: {known}"
            )


def _object_files_under(directory: Path) -> list[Path]:
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file()
        and (path.suffix.lower() in OBJECT_FILE_SUFFIXES)
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    )


def _decode(data: bytes) -> str:
    # PowerShell 5 redirection (`kubectl get … > dump.json`) writes UTF-16 with a byte-order mark.
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")


def _describe_yaml_error(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem_mark is not None:
        mark = exc.problem_mark
        problem = exc.problem or "malformed YAML"
        return f"line {mark.line + 1} column {mark.column + 1}: malformed YAML ({problem})"
    return f"malformed YAML ({exc})"


def _describe_type(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def _jsonable(value: Any) -> Any:
    """Deep copy with only JSON types: YAML may hold non-string keys, binary data or explicit dates."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonable(item) for item in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
