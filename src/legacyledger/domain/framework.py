"""A framework loaded into the ledger: the reference data compliance is measured against.

The card names four subjects (partnership, mentor, registrant, programme event); a framework
is none of them. It is programme-wide reference data that every partnership's compliance is
judged by, so it is not a fact *about* one of them: it gets its own small aggregate, keyed by
the framework's id, whose facts are its versions (``FrameworkLoaded``, one per version).

Why an aggregate and not a side table: a loaded framework must be seen by every reader
(library, CLI, any backend), covered by the hash chain, imported and exported with the other
facts and cut off by ``known_at`` like them. A stored fact has all of that already. Why keyed
by id with a fact per version (rather than one aggregate per id and version): the natural key
is the framework id, as ``FrameworkAdopted`` names it, and "which versions exist" is then the
state of one subject, so recording a version twice is refused by a guard like any other rule.

A version, once recorded, never changes: it cannot be corrected or voided (load the new
content as another version). Its content is the framework as validated (every rule parameter
present), so two loads of the same file record the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from legacyledger.domain.base import Subject, fact_classes
from legacyledger.domain.errors import RuleBroken
from legacyledger.domain.values import FrameworkContent, Key


class Framework(Subject):
    KEY_FIELD = "framework"
    CREATED_ONCE = False  # every version is recorded with the same fact

    class Loaded(Subject.Created):
        version: Key
        content: FrameworkContent
        FACT, GUARD = "FrameworkLoaded", "check_new_version"

        def mutate(self, aggregate: Any) -> Any:
            if aggregate is None:  # the first version creates the framework
                return super().mutate(None)
            return Subject.Event.mutate(self, aggregate)  # a later one extends it

        def evolve(self, framework: Any) -> None:
            framework.versions[self.version] = (self.source_ref, self.content)

    def reset(self) -> None:
        super().reset()
        #: version -> (source_ref, content), in the order they were recorded
        self.versions: dict[str, tuple[str, Mapping[str, Any]]] = {}

    def check_new_version(self, version: str, **_: Any) -> None:
        if version in self.versions:
            ref = self.versions[version][0]
            raise RuleBroken(
                f"framework {self.key} version {version} is already in the ledger ({ref});"
                " give other content another version",
                "version",
            )

    def correct(self, target: str, replacement: Mapping[str, Any], **fields: Any) -> None:
        raise self._unchangeable()

    def void(self, target: str, **fields: Any) -> None:
        raise self._unchangeable()

    def _unchangeable(self) -> RuleBroken:
        return RuleBroken(
            f"framework {self.key}: a loaded version cannot be corrected or voided;"
            " load the new content as another version",
            "target",
        )


Framework.FACTS = fact_classes(Framework)
