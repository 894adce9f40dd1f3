"""The source registry (ingest/sources.py) finds the Kubernetes source and takes it down the one road."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.k8s.snapshot import K8sSnapshot
from ingest.pipeline import DEMO_CLUSTER, DEMO_DIR
from ingest.sources import Source, source_named, sources


def test_the_registry_finds_kubernetes() -> None:
    k8s = source_named("k8s")
    assert isinstance(k8s, Source)
    assert (k8s.title, k8s.plane, k8s.tenant) == ("Kubernetes", "k8s", "cluster")
    assert "k8s" in [source.name for source in sources()]


def test_an_unknown_source_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="k8s"):
        source_named("nope")


def test_the_k8s_source_reads_files_transforms_and_scopes_a_snapshot(tmp_path: Path) -> None:
    k8s = source_named("k8s")
    snapshot = k8s.read_files([DEMO_DIR / "k8s"], DEMO_CLUSTER)
    assert isinstance(snapshot, K8sSnapshot)
    assert k8s.scope(snapshot) == "k8s:demo"
    assert k8s.problems(snapshot) == [] and k8s.gaps(snapshot) == []
    records = k8s.transform(snapshot)
    assert records.problems == [] and any(node.uid == "k8s:demo" for node in records.nodes)
    written = k8s.write_snapshot(snapshot, tmp_path)
    assert written and k8s.scope(k8s.read_files([tmp_path], "")) == "k8s:demo"
