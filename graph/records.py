"""Typed records: what transforms produce and the loader writes."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# Set by the loader on every node and edge; a transform must not set them.
PROVENANCE_KEYS = frozenset({"uid", "source", "scope", "sync_id", "first_seen", "last_seen"})

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
SCALAR_TYPES = (str, bool, int, float)


class PropertyError(ValueError):
    """A record carries a property the graph cannot store faithfully on both backends."""


# What marks a node Bridgehead implied rather than read (a namespace's `default` service account, a node's
# kubelet identity). The loader sets `implicit` when it creates such a node and clears both whenever a real
# record of the same uid is written, so real data replaces an implied node and its mark.
IMPLICIT_PROPERTIES = ("implicit", "implicit_reason")


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """One node. `implicit=True`: an object Kubernetes guarantees but the snapshot does not hold; the
    loader writes it only when no node of that uid exists yet (real data always wins, see graph/loader.py)."""

    kind: str  # primary label, a key of schema.NODE_KINDS
    uid: str
    props: Mapping[str, Any] = field(default_factory=dict)
    implicit: bool = False


@dataclass(frozen=True, slots=True)
class EdgeRecord:
    type: str
    src_kind: str
    src_uid: str
    dst_kind: str
    dst_uid: str
    props: Mapping[str, Any] = field(default_factory=dict)


def as_json(value: Any) -> str:
    """Structured values (policy documents, rule lists) are stored as canonical JSON text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _check_scalar(where: str, key: str, value: Any) -> None:
    if isinstance(value, bool | str):
        return
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise PropertyError(f"{where}: property {key!r} = {value} does not fit in 64 bits")
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise PropertyError(f"{where}: property {key!r} is {value}; store a finite number or leave it out")
        return
    raise PropertyError(
        f"{where}: property {key!r} is a {type(value).__name__}; properties must be scalars or lists of one "
        "scalar type; store structured values as JSON text (graph.records.as_json)"
    )


def check_properties(where: str, props: Mapping[str, Any]) -> None:
    """Raise PropertyError, naming `where` (kind and uid) and the key, unless both backends can store props."""
    for key, value in props.items():
        if key in PROVENANCE_KEYS:
            raise PropertyError(f"{where}: property {key!r} is set by the loader; rename it")
        if not isinstance(key, str) or not key:
            raise PropertyError(f"{where}: property names must be non-empty strings, got {key!r}")
        value_type = type(value)
        if value_type is str or value_type is bool or value is None:  # the common case, checked first
            continue
        if value_type is list or value_type is tuple:
            for item in value:
                _check_scalar(where, key, item)
            if len({type(item) for item in value}) > 1:
                types = sorted({type(item).__name__ for item in value})
                raise PropertyError(f"{where}: list property {key!r} mixes {', '.join(types)}; use one type")
            continue
        _check_scalar(where, key, value)


def check_node(record: NodeRecord) -> None:
    """Validate a node record (its kind is checked by the caller once per kind)."""
    if not isinstance(record.uid, str) or not record.uid:
        raise PropertyError(f"{record.kind} node has an empty or non-string uid: {record.uid!r}")
    check_properties(f"{record.kind} {record.uid}", record.props)


def check_edge_kinds(edge_type: str, src_kind: str, dst_kind: str) -> None:
    """Raise KeyError for an unknown type or kind, PropertyError for endpoints the edge kind does not allow."""
    # Imported here: the schema loads the planes, whose modules build records (records must not need it first).
    from graph.schema import edge_kind, node_kind

    kind = edge_kind(edge_type)
    node_kind(src_kind)
    node_kind(dst_kind)
    if not kind.allows(src_kind, dst_kind):
        raise PropertyError(
            f"{edge_type} edges run from {' / '.join(kind.sources) or 'any kind'} to "
            f"{' / '.join(kind.targets) or 'any kind'}, not from {src_kind} to {dst_kind}"
        )


def check_edge(record: EdgeRecord) -> None:
    """Validate an edge record's properties (its kinds are checked by the caller once per group)."""
    if record.props:
        check_properties(f"{record.type} edge {record.src_uid} -> {record.dst_uid}", record.props)


@dataclass
class Records:
    """What a source's transform makes of one snapshot; the loader writes it (ingest/pipeline.py)."""

    nodes: list[NodeRecord] = field(default_factory=list)
    edges: list[EdgeRecord] = field(default_factory=list)
    complete_kinds: set[str] = field(default_factory=set)  # node labels whose full set this snapshot holds
    problems: list[str] = field(default_factory=list)  # input that could not be read: which object, why
