"""The world: every plane's facts at once, for rules that bridge planes.

A bridge rule (`Rule(..., reads=WORLD)`) gets one `World`: the scope facts of every plane, and lookups
across them, such as the AWS role for an ARN, the EKS cluster for a Kubernetes cluster or the GCP service
account for an e-mail (`world.find("AWSRole", "arn", arn)`). Planes add no code here: lookups go by node
kind and property, built once per (kind, property) on first use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from graph.analysis.facts import Entity, ScopeFacts


@dataclass
class World:
    facts: Mapping[str, Sequence[ScopeFacts]]  # plane name -> the facts of each of its scopes
    _indexes: dict[tuple[str, str], dict[Any, list[Entity]]] = field(default_factory=dict, repr=False)

    def of(self, plane: str) -> Sequence[ScopeFacts]:
        return self.facts.get(plane, ())

    def scopes(self) -> Iterator[ScopeFacts]:
        for per_plane in self.facts.values():
            yield from per_plane

    @cached_property
    def _by_uid(self) -> dict[str, Entity]:
        return {
            uid: entity
            for facts in self.scopes()
            for by_uid in facts.entities.values()
            for uid, entity in by_uid.items()
        }

    def entity(self, uid: str) -> Entity | None:
        return self._by_uid.get(uid)

    def find(self, kind: str, prop: str, value: Any) -> list[Entity]:
        """Every entity of `kind`, in any scope, whose property `prop` equals `value`."""
        index = self._indexes.get((kind, prop))
        if index is None:
            index = defaultdict(list)
            for facts in self.scopes():
                for entity in facts.of(kind).values():
                    key = entity.props.get(prop)
                    if key is not None:
                        index[key].append(entity)
            self._indexes[(kind, prop)] = index
        return list(index.get(value, ()))
