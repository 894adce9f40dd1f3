"""The rules, facts models, vocabularies and the world import without any database package (a rule can be
written and tested on a machine with no graph client installed)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_rules_and_facts_import_without_database_packages() -> None:
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        BLOCKED = ("falkordb", "neo4j", "redis", "hiredis")

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"{name} is blocked in this test")
                return None

        sys.meta_path.insert(0, Blocker())
        import graph.planes
        from graph.analysis import catalogue, facts, world  # noqa: F401
        for plane in graph.planes.all_planes():
            package = importlib.import_module(f"graph.planes.{plane.name}")
            for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
                importlib.import_module(info.name)
        assert len(catalogue.load_catalogue()) >= 36
        assert not [m for m in sys.modules if m.split(".")[0] in BLOCKED]
        print("ok", len(catalogue.RULES))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ")


# The schema loads the planes when first imported, and the planes import records, facts and the schema:
# whichever module a program imports first, the vocabulary and the catalogue come out whole.
FIRST_IMPORTS = (
    "graph.records", "graph.loader", "graph.schema", "graph.analysis.facts", "graph.planes.k8s.kinds",
    "graph.planes.k8s.uids", "graph.planes.k8s.rules.escapes", "graph.analysis.catalogue", "graph.paths",
    "ingest.k8s.transform", "graph.store", "cli",
)  # fmt: skip


@pytest.mark.parametrize("module", FIRST_IMPORTS)
def test_any_module_may_be_imported_first(module: str) -> None:
    script = (
        f"import {module}\n"
        "from graph.schema import NODE_KINDS\n"
        "from graph.analysis.catalogue import load_catalogue\n"
        "assert {'Pod', 'Internet', 'CloudAdmin'} <= set(NODE_KINDS), sorted(NODE_KINDS)\n"
        "assert len(load_catalogue()) >= 36\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
