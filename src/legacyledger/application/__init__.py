"""The ``Ledger``: one entry point for recording facts and reading the ledger back.

Use cases are short: parse and plan an import (``legacyledger.facts.parsing``), apply it to the
aggregates (whose guards enforce the rules), and write the resulting events in batched
transactions together with their ``source_ref`` index. Reads go to the stored facts in
ledger order (positions are eventsourcing notification ids).
"""

from __future__ import annotations

import contextlib
import os
import random
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol
from uuid import UUID

import attrs
import orjson
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, StoredEvent

from legacyledger.domain import AGGREGATES, FACT_TYPES, DomainError, Partnership, Subject
from legacyledger.domain.base import (
    corrected,
    create,
    dummy_correction,
    dummy_void,
    effective,
    fields_of,
)
from legacyledger.domain.errors import ImpossibleHistory, RuleBroken
from legacyledger.domain.framework import Framework as FrameworkSubject
from legacyledger.domain.links import (
    CLOSING,
    NEEDS_OF,
    SPANS,
    Link,
    closed_subject,
    links_of,
    spans_held,
)
from legacyledger.facts.parsing import (
    FactError,
    ImportRejected,
    Parsed,
    parse_lines,
    validate_replacement,
)
from legacyledger.frameworks import (
    Framework,
    FrameworkError,
    FrameworkRegistry,
    UnknownFrameworkError,
    difference,
    document,
    framework_of,
    shipped_frameworks,
)
from legacyledger.persistence import (
    LedgerApplication,
    ensure_schema,
    environment_for,
    iter_states,
    layout,
    loader,
    schema_lock,
    stamp_of,
    topic_of,
    topics_of,
    verify_chain,
)
from legacyledger.projections.base import FactRecord
from legacyledger.views import Explanation, FigureDiff, Views, build_views, diff, explain

_ACTION_AGREED = Partnership.ActionAgreed.FACT
_FACT_CORRECTED = Subject.Corrected.FACT
_FACT_VOIDED = Subject.Voided.FACT
_FRAMEWORK_ADOPTED = Partnership.FrameworkAdopted.FACT
_FRAMEWORK_ITEM_ASSESSED = Partnership.FrameworkItemAssessed.FACT

if TYPE_CHECKING:
    from legacyledger.persistence import ChainCheck

#: Where the CLI looks when no ``--ledger`` is given.
LEDGER_ENV = "LEGACYLEDGER_LEDGER"
DEFAULT_LOCATION = "ledger.db"
#: Facts per write transaction: large enough that commits are cheap, small enough that a
#: crash loses little work to redo (measurements in bench/README.md).
DEFAULT_BATCH_SIZE = 5000
KINDS = {cls.__name__.lower(): cls for cls in AGGREGATES} | {
    cls.KEY_FIELD: cls for cls in AGGREGATES
}
CONFLICT_RETRIES = 10
#: Subjects a Ledger keeps in memory between imports (see ``Ledger.subjects``).
SUBJECTS_KEPT = 2000
#: Fields that name a subject, and its kind.
REFERENCES: dict[str, type[Subject]] = {
    cls.KEY_FIELD: cls for cls in AGGREGATES
} | {"attendees": KINDS["mentor"]}


class Progress(Protocol):
    """Told how an import is going: phase (validated, checked, written), done, total."""

    def __call__(self, phase: str, done: int, total: int) -> None: ...


def _silent(phase: str, done: int, total: int) -> None:
    """The default progress: say nothing."""


@attrs.frozen
class ImportResult:
    read: int
    recorded: int
    already_present: int
    batches: int
    first_position: int | None
    last_position: int | None


class Ledger:
    """An event-sourced ledger of one programme's facts (SQLite file, PostgreSQL, memory)."""

    def __init__(
        self,
        location: str | os.PathLike[str] | None = None,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        frameworks: Iterable[Framework] | None = None,
    ) -> None:
        self.location = str(location or os.environ.get(LEDGER_ENV) or DEFAULT_LOCATION)
        env = environment_for(self.location)
        ensure_schema(env)
        with schema_lock(env):
            self.app = LedgerApplication(env=env)
        self.batch_size = batch_size
        #: Imports planned again after a concurrent writer changed a subject first.
        self.conflicts_retried = 0
        #: Subjects as this process last wrote them, most recent last: a later import takes
        #: one from here instead of replaying its history when the stored version is still
        #: the one it has (another writer may have moved it on). See ``_Batch.get``.
        self.subjects: OrderedDict[UUID, Subject] = OrderedDict()
        self.subjects_kept = SUBJECTS_KEPT
        #: The catalogue the frameworks recorded in the ledger join (default: the shipped ones).
        self.base_frameworks = tuple(
            shipped_frameworks().values() if frameworks is None else frameworks
        )
        self._recorded: list[tuple[int, Framework]] = []
        self._recorded_to = 0

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- facts in ----------------------------------------------------------------------------

    def record(self, fact: Mapping[str, Any]) -> ImportResult:
        """Record one fact (a dict in the interchange format), with the same checks as import."""
        return self.import_facts([fact])

    def import_file(
        self, path: str | os.PathLike[str], progress: Progress | None = None
    ) -> ImportResult:
        with Path(path).open("rb") as lines:
            return self.import_facts(lines, progress)

    def import_facts(
        self, lines: Iterable[bytes | str | Mapping[str, Any]], progress: Progress | None = None
    ) -> ImportResult:
        """All-or-nothing validation, then batched writes; re-running is a no-op.

        On a write conflict with another process the whole import is planned again from the
        ledger as it now stands (eventsourcing brief §8, P3): committed batches are skipped
        by their ``source_ref``, the rest re-checked and written.
        """
        return self._import_all(lines, progress or _silent)

    def _import_all(
        self, lines: Iterable[bytes | str | Mapping[str, Any]], progress: Progress
    ) -> ImportResult:
        parsed, errors = parse_lines(lines)
        progress("validated", len(parsed), len(parsed))
        if errors:
            # Check the well-formed lines against the rules too: one report lists everything.
            errors.extend(self._plan(parsed, progress).errors)
            raise ImportRejected(sorted(errors, key=lambda e: e.line or 0))
        written = 0  # by attempts that a concurrent writer interrupted
        for attempt in range(CONFLICT_RETRIES):
            try:
                return self._import(parsed, progress, written)
            except _Interrupted as interrupted:
                written += interrupted.written
                if attempt == CONFLICT_RETRIES - 1:
                    raise interrupted.error from None
                self.conflicts_retried += 1
                progress("retried", attempt + 1, CONFLICT_RETRIES)
                time.sleep(random.uniform(0, 0.05 * 2**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _import(self, parsed: list[Parsed], progress: Progress, written: int) -> ImportResult:
        batch = self._plan(parsed, progress)
        try:
            if batch.errors:
                raise ImportRejected(batch.errors, written)
            result = batch.write(len(parsed), progress)
        except BaseException:
            batch.forget()  # the subjects it changed in memory were not (all) written
            raise
        batch.keep()
        return result

    def _plan(self, parsed: list[Parsed], progress: Progress) -> _Batch:
        """Apply the facts to the aggregates they touch, in memory, collecting every error."""
        batch = _Batch(self)
        if not parsed:
            return batch
        for done, item in enumerate(batch.new_facts(parsed), start=1):
            batch.apply(item)
            if done % 10_000 == 0:
                progress("checked", done, len(parsed))
        return batch

    def load_framework(self, framework: Framework, on: date | None = None) -> ImportResult:
        """Record a framework version as a ``FrameworkLoaded`` fact (dated ``on``, default
        today); the same version with the same content already recorded records nothing."""
        if any(held == framework for _, held in self.recorded_frameworks()):
            return ImportResult(1, 0, 1, 0, None, None)
        return self.record(framework_fact(framework, on or date.today()))

    # -- frameworks ----------------------------------------------------------------------------

    @property
    def frameworks(self) -> FrameworkRegistry:
        """The frameworks every reader of this ledger sees: the shipped ones (or those given
        to ``Ledger``) and every framework recorded in the ledger."""
        return self.frameworks_at(self.head())

    def frameworks_at(self, position: int) -> FrameworkRegistry:
        """The frameworks as known at ledger ``position``: one recorded later is not there.
        A recorded version wins over a given one with the same id and version."""
        registry = FrameworkRegistry(shipped=False)
        for at, framework in self.recorded_frameworks():
            if at <= position:
                registry.register(framework)
        for framework in self.base_frameworks:
            with contextlib.suppress(FrameworkError):
                registry.register(framework)
        return registry

    def recorded_frameworks(self) -> tuple[tuple[int, Framework], ...]:
        """Every framework version recorded in the ledger, with its position, in ledger
        order (read once; later calls read only what was recorded since)."""
        head = self.head()
        if head > self._recorded_to:
            for record in self.records(self._recorded_to, head, names=[FRAMEWORK_LOADED]):
                origin = f"{FRAMEWORK_LOADED} at position {record.position}"
                self._recorded.append((record.position, framework_of(record.fact["content"],
                                                                     origin)))
            self._recorded_to = head
        return tuple(self._recorded)

    # -- facts out ---------------------------------------------------------------------------

    def head(self) -> int:
        """The position of the last stored fact (0 for an empty ledger)."""
        return int(self.app.recorder.max_notification_id() or 0)

    def count(self) -> int:
        return int(self.app.recorder.count_events())  # type: ignore[attr-defined]

    def records(
        self,
        start: int = 0,
        stop: int | None = None,
        batch: int = 5000,
        names: Iterable[str] | None = None,
    ) -> Iterator[FactRecord]:
        """Stored facts after position ``start`` up to ``stop``, in ledger order; only the
        facts named in ``names`` when given (filtered in SQL, so the rest are never decoded)."""
        topics = topics_of(names) if names is not None else ()
        loads = loader()
        for position, state in iter_states(self.app.recorder, start, stop, batch, topics):
            yield FactRecord(position, loads(state))

    def verify_chain(self) -> ChainCheck:
        """Recompute the hash chain over every stored fact; names the first position that
        does not match (an edited, inserted or deleted fact)."""
        return verify_chain(self.app.recorder)

    def chain_head(self) -> tuple[int, str | None]:
        """The last chained position and its link (hex): quote it to pin what you saw."""
        return self.app.recorder.chain_head()  # type: ignore[attr-defined,no-any-return]

    def chain_link(self, position: int) -> str | None:
        """The hash-chain link at ``position`` (hex), which pins every fact up to it."""
        return self.app.recorder.link_at(position)  # type: ignore[attr-defined,no-any-return]

    def records_at(self, positions: Iterable[int]) -> Iterator[FactRecord]:
        """The stored facts at these positions, in ledger order."""
        rows = self.app.recorder.read_positions(sorted(positions))  # type: ignore[attr-defined]
        loads = loader()
        return (FactRecord(position, loads(state)) for position, state in rows)

    def position_at(self, moment: datetime) -> int:
        """The last position recorded at or before ``moment`` (0 if none)."""
        return int(self.app.recorder.position_at(moment.astimezone(UTC)))  # type: ignore[attr-defined]

    # -- figures -------------------------------------------------------------------------------

    def views(self, as_of: date | None = None, known_at: int | datetime | str | None = None,
              families: Iterable[str] | None = None,
              params: Mapping[str, Mapping[str, Any]] | None = None) -> Views:
        """Every projection's view as known at ``known_at`` for business date ``as_of``."""
        return build_views(self, as_of, known_at, families, params)

    def explain(self, figure_id: str, as_of: date | None = None,
                known_at: int | datetime | str | None = None,
                params: Mapping[str, Mapping[str, Any]] | None = None) -> Explanation:
        """A figure's derivation and the stored facts that contributed to it."""
        return explain(self, figure_id, as_of, known_at, params)

    def diff(self, figure_id: str, known_at_a: int | datetime | str,
             known_at_b: int | datetime | str, as_of: date | None = None,
             params: Mapping[str, Mapping[str, Any]] | None = None) -> FigureDiff:
        """How a figure changed between two knowledge cut-offs, and which facts changed it."""
        return diff(self, figure_id, known_at_a, known_at_b, as_of, params)

    def export_lines(self, stop: int | None = None) -> Iterator[bytes]:
        """The ledger as interchange JSON Lines: import them into an empty ledger and export
        again, and the bytes are identical."""
        loads = loader()
        for _, state in iter_states(self.app.recorder, 0, stop):
            yield orjson.dumps(interchange(loads(state))) + b"\n"

    def export(self, out: IO[bytes], stop: int | None = None) -> int:
        count = 0
        for line in self.export_lines(stop):
            out.write(line)
            count += 1
        return count

    def history(self, kind: str, key: str, known_at: int | None = None) -> list[FactRecord]:
        """One subject's facts (corrections included) in order, optionally as known at a
        position."""
        cls = subject_class(kind)
        rows = self.app.recorder.read_aggregate(cls.id_for(key))  # type: ignore[attr-defined]
        loads = loader()
        return [
            FactRecord(position, loads(state))
            for position, _, state in rows
            if known_at is None or position <= known_at
        ]

    def subject(self, kind: str, key: str, known_at: int | None = None) -> Subject:
        """A subject's state now, or as it stood at ledger position ``known_at``."""
        cls = subject_class(kind)
        version = None
        if known_at is not None:
            rows = self.app.recorder.read_aggregate(cls.id_for(key))  # type: ignore[attr-defined]
            versions = [v for position, v, _ in rows if position <= known_at]
            if not versions:
                raise KeyError(f"{kind} {key} was not known at position {known_at}")
            version = versions[-1]
        try:
            return self.app.repository.get(cls.id_for(key), version=version)
        except AggregateNotFoundError:
            raise KeyError(f"no {kind} {key} in the ledger") from None




def subject_class(kind: str) -> type[Subject]:
    try:
        return (
            KINDS[kind.lower().replace("_", "")]
            if kind.lower() not in KINDS
            else KINDS[kind.lower()]
        )
    except KeyError:
        raise KeyError(
            f"unknown kind {kind!r}: use partnership, mentor, registrant or event"
        ) from None


def interchange(stored: Mapping[str, Any]) -> dict[str, Any]:
    """A stored fact as the public format: no envelope; corrections carry no key."""
    fact = {k: v for k, v in stored.items() if k != "recorded_at"}
    if fact["fact"] in (_FACT_CORRECTED, _FACT_VOIDED):
        for key in ("partnership", "mentor", "registrant", "event"):
            fact.pop(key, None)
    return fact


FRAMEWORK_LOADED = FrameworkSubject.Loaded.FACT


def framework_fact(framework: Framework, on: date) -> dict[str, Any]:
    """The ``FrameworkLoaded`` fact that records ``framework`` (its ref derives from it)."""
    return {"fact": FRAMEWORK_LOADED, "framework": framework.id, "version": framework.version,
            "on": on.isoformat(), "content": document(framework)}  # fmt: skip


class _Batch:
    """One import being applied to the aggregates it touches, before anything is written."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.app = ledger.app
        self.subjects: dict[UUID, Subject | None] = {}
        self.events: list[Any] = []
        #: The subject and domain event of each stored event, to take the stamp it is given.
        self.triggered: list[tuple[Subject, Any]] = []
        self.refs: list[tuple[str, UUID, int, str]] = []
        self.errors: list[FactError] = []
        self.planned_refs: dict[str, tuple[UUID, str]] = {}
        self.new_refs: dict[str, UUID] = {}
        self.present = 0
        self.queried_ids: set[UUID] = set()
        #: the last stored version of each named subject that has been stored
        self.stored_versions: dict[UUID, int] = {}
        #: Changes to the links index (legacyledger.domain.links), each with the index of the event
        #: whose transaction it belongs to: (event index, adding, (subject, day, ref, fact)).
        self.link_ops: list[tuple[int, bool, tuple[UUID, str, str, str]]] = []
        #: This import's links by subject and source_ref (None: removed), over the stored ones.
        self.overlay: dict[UUID, dict[str, tuple[str, str] | None]] = {}
        self._frameworks: FrameworkRegistry | None = None

    @property
    def frameworks(self) -> FrameworkRegistry:
        """The ledger's frameworks and those this import has recorded so far (in file order)."""
        if self._frameworks is None:
            self._frameworks = self.ledger.frameworks
        return self._frameworks

    # -- planning ---------------------------------------------------------------------------

    def new_facts(self, parsed: list[Parsed]) -> Iterator[Parsed]:
        """Skip facts already stored (same ref, same content); flag conflicts."""
        named = subject_ids(parsed)
        self.queried_ids = set(named)
        self.stored_versions = self.app.recorder.stored_versions(named)  # type: ignore[attr-defined]
        stored = self.app.recorder.lookup_refs([p.source_ref for p in parsed])  # type: ignore[attr-defined]
        for item in parsed:
            known = stored.get(item.source_ref)
            planned = self.planned_refs.get(item.source_ref)
            if known is not None or planned is not None:
                known_digest = known[2] if known is not None else planned[1]  # type: ignore[index]
                if known_digest != item.digest:
                    self.error(
                        item,
                        "source_ref",
                        f"{item.source_ref} is already recorded with different content",
                    )
                self.present += known is not None
                continue
            self.planned_refs[item.source_ref] = (UUID(int=0), item.digest)
            yield item

    # -- applying ---------------------------------------------------------------------------

    def apply(self, item: Parsed) -> None:
        try:
            subject = self.command(item)
        except DomainError as error:
            self.error(item, error.field, error.message)
            return
        if subject is None:
            return
        self.new_refs[item.source_ref] = subject.id
        for event in subject.collect_events():
            self.events.append(self.stored(event, item))
            self.triggered.append((subject, event))
            self.refs.append(
                (item.source_ref, event.originator_id, event.originator_version, item.digest)
            )

    def stored(self, event: Any, item: Parsed) -> StoredEvent:
        """The stored form of a new event; the validated canonical fact *is* its state.

        The recorder stamps ``recorded_at`` when it writes it (``persistence.clock``). Same
        bytes as ``FactMapper.to_stored_event`` then, without encoding every field a second
        time. Corrections go through the mapper.
        """
        if isinstance(event, (Subject.Corrected, Subject.Voided)):
            return self.app.mapper.to_stored_event(event)
        return StoredEvent(
            event.originator_id, event.originator_version, topic_of(type(event)), item.body
        )

    def command(self, item: Parsed) -> Subject | None:
        name = item.name
        if name in (_FACT_CORRECTED, _FACT_VOIDED):
            return self.correction(item)
        cls, event_class = FACT_TYPES[name]
        model = item.model
        key = getattr(model, cls.KEY_FIELD)
        fields = self.typed_fields(item, model, event_class)
        check_references(self, name, key, fields, item)
        self.check_closing(cls, name, key, fields)
        if issubclass(event_class, Subject.Created) and (
            cls.CREATED_ONCE or self.get(cls, key) is None
        ):
            if self.get(cls, key) is not None:
                raise DomainError(f"{cls.__name__.lower()} {key} already exists", cls.KEY_FIELD)
            created: Subject = create(cls, event_class, key, **fields)
            self.subjects[created.id] = created
            self.link(item.source_ref, name, set(), links_of(name, key, fields))
            return created
        subject = self.require(cls, key, cls.KEY_FIELD)
        subject.record(event_class, **fields)
        self.link(item.source_ref, name, set(), links_of(name, key, fields))
        return subject

    def correction(self, item: Parsed) -> Subject | None:
        try:
            return self._correction(item)
        except DomainError as error:  # name the replacement's field, as validation does
            replacement = item.fact.get("replacement") or {}
            if error.field in replacement:
                error.field = f"replacement.{error.field}"
            raise

    def _correction(self, item: Parsed) -> Subject | None:
        fact = item.fact
        target = fact["target"]
        subject = self.subject_of_ref(target)
        if subject is None:
            raise DomainError(f"no recorded fact has source_ref {target}", "target")
        common = {k: fact.get(k) for k in ("on", "source_ref", "recorded_by", "note")}
        common["on"] = item.model.on  # type: ignore[attr-defined]
        if item.name == _FACT_VOIDED and target in subject.live_corrections():
            affected = next(a.target for a in subject.amendments if a.source_ref == target)
            restored = effective(subject.originals, [*subject.amendments, dummy_void(target)])
            if affected in restored:  # the fact as it will stand must meet the rules again
                fact_now = restored[affected]
                check_references(self, fact_now.FACT, subject.key, fields_of(fact_now), item)
            self.relink(subject, affected, dummy_void(target))
            subject.void(target, reason=fact["reason"], **common)
            return subject
        original = subject.facts.get(target)
        if original is None:
            if any(a.source_ref == target for a in subject.amendments):
                raise DomainError(
                    f"{target} is a correction or a void: correct the fact it is about "
                    "instead (or void the correction)",
                    "target",
                )
            raise DomainError(f"{target} is not a fact in force (it was voided)", "target")
        if item.name == _FACT_VOIDED:
            self.relink(subject, target, dummy_void(target))
            subject.void(target, reason=fact["reason"], **common)
            return subject
        from legacyledger.persistence import fact_of

        replacement, errors = validate_replacement(
            fact_of(original), fact["replacement"], item.line
        )
        if errors:
            self.errors.extend(errors)
            return None
        candidate = corrected(original, dummy_correction(target, replacement))
        check_references(self, original.FACT, subject.key, fields_of(candidate), item)
        self.relink(subject, target, dummy_correction(target, replacement))
        subject.correct(target, replacement, reason=fact["reason"], **common)
        return subject

    # -- rules across subjects, from both sides (legacyledger.domain.links) ---------------

    def check_closing(
        self, cls: type[Subject], name: str, key: str, fields: Mapping[str, Any]
    ) -> None:
        """A withdrawal, closure or unmatching may not precede a fact that needs its subject
        active, whichever was recorded first."""
        subject = closed_subject(name, key, fields)
        if subject is None:
            return
        on = fields["on"].isoformat()
        later = self.links_after(subject, on, cls.id_for(key) in self.stored_versions)
        if later:
            ref, (day, fact) = max(later.items(), key=lambda found: (found[1][0], found[0]))
            closing = CLOSING[name]
            raise ImpossibleHistory(
                f"{closing.verb} on {on}, but {fact} {ref} (dated {day}) needs "
                f"{closing.what or key} active on {day}",
                "on",
            )

    def links_after(self, subject: UUID, day: str, stored: bool) -> dict[str, tuple[str, str]]:
        """The facts that need ``subject`` active on a day after ``day`` (ISO; "" for all):
        source_ref -> (day, fact name). ``stored``: look in the ledger too (only a stored
        subject can have stored links), under this import's changes."""
        overlay = self.overlay.get(subject, {})
        found = {ref: link for ref, link in overlay.items() if link is not None and link[0] > day}
        if stored:
            for on, ref, fact in self.app.recorder.later_links(subject, day):  # type: ignore[attr-defined]
                if ref not in overlay:
                    found[ref] = (on, fact)
        return found

    def check_links_hold(self, subject: Subject, facts: Iterable[Subject.Event]) -> None:
        """After an amendment that moves when ``subject`` is active (an enrolment, a
        withdrawal, a resumption, a match...), every fact on another subject that needs it
        active on a day must still find it active then."""
        after = type(subject).__new__(type(subject))
        after.reset()
        for event in facts:
            event.apply(after)
        for link_subject, holds, what in spans_held(subject, after):
            for ref, (day, fact) in sorted(self.links_after(link_subject, "", True).items()):
                if not holds(date.fromisoformat(day)):
                    raise ImpossibleHistory(
                        f"after the change, {fact} {ref} (dated {day}) would no longer find "
                        f"{what} on {day}",
                        "target",
                    )

    def link(self, ref: str, name: str, old: set[Link], new: set[Link]) -> None:
        """Move a fact's links from ``old`` to ``new``, in the transaction of its event."""
        index = len(self.events)
        for subject, day in sorted(old - new):
            self.link_ops.append((index, False, (subject, day.isoformat(), ref, name)))
            self.overlay.setdefault(subject, {})[ref] = None
        for subject, day in sorted(new - old):
            self.link_ops.append((index, True, (subject, day.isoformat(), ref, name)))
            self.overlay.setdefault(subject, {})[ref] = (day.isoformat(), name)

    def relink(
        self, subject: Subject, ref: str, proposed: Subject.Corrected | Subject.Voided
    ) -> None:
        """Before correcting or voiding fact ``ref`` (``proposed``): check that the facts on
        other subjects that need this one still hold, and move the fact's own links."""
        facts = effective(subject.originals, [*subject.amendments, proposed])
        before, after = subject.facts.get(ref), facts.get(ref)
        if before is None and after is None:  # e.g. voiding a correction of a voided fact
            return
        name = (before or after).FACT  # type: ignore[union-attr]
        if name in SPANS:
            self.check_links_hold(subject, facts.values())
        old = set() if before is None else links_of(name, subject.key, fields_of(before))
        new = set() if after is None else links_of(name, subject.key, fields_of(after))
        self.link(ref, name, old, new)

    def typed_fields(
        self, item: Parsed, model: Any, event_class: type[Subject.Event]
    ) -> dict[str, Any]:
        values = {f: getattr(model, f, None) for f in layout(event_class).fields}
        values["source_ref"] = item.source_ref
        return values

    # -- subjects ---------------------------------------------------------------------------

    def get(self, cls: type[Subject], key: str) -> Subject | None:
        ident = cls.id_for(key)
        if ident not in self.subjects:
            if ident in self.queried_ids and ident not in self.stored_versions:
                self.subjects[ident] = None
                return None
            self.subjects[ident] = self.load(ident)
        return self.subjects[ident]

    def load(self, ident: UUID) -> Subject | None:
        """A stored subject: the one this process last wrote when it is still the stored
        version (taken out of the keep until this import is written), else from its facts."""
        if ident in self.queried_ids:
            version = self.stored_versions.get(ident)
        else:
            version = self.app.recorder.stored_versions([ident]).get(ident)  # type: ignore[attr-defined]
        kept = self.ledger.subjects.pop(ident, None)
        if kept is not None and version is not None and kept.version == version:
            return kept
        if version is None:
            return None
        try:
            return self.app.repository.get(ident)
        except AggregateNotFoundError:
            return None

    def keep(self) -> None:
        """After a whole import was written: its subjects stand as stored; keep the most
        recent ones for the next import."""
        kept, limit = self.ledger.subjects, self.ledger.subjects_kept
        for ident, subject in self.subjects.items():
            if subject is not None and limit > 0:
                kept.pop(ident, None)
                kept[ident] = subject
        while len(kept) > limit:
            kept.popitem(last=False)

    def forget(self) -> None:
        """After an import that was rejected or failed: its subjects may hold facts that were
        not written; none of them is kept."""
        for ident in self.subjects:
            self.ledger.subjects.pop(ident, None)

    def require(self, cls: type[Subject], key: str, field: str) -> Subject:
        subject = self.get(cls, key)
        if subject is None:
            from legacyledger.domain import UnknownSubject

            raise UnknownSubject(f"{cls.__name__.lower()} {key} does not exist (yet)", field)
        return subject

    def subject_of_ref(self, ref: str) -> Subject | None:
        if ref in self.new_refs:
            return self.subjects[self.new_refs[ref]]
        stored = self.app.recorder.lookup_refs([ref])  # type: ignore[attr-defined]
        if ref not in stored:
            return None
        ident = stored[ref][0]
        if self.subjects.get(ident) is None:
            self.subjects[ident] = self.load(ident)
        return self.subjects[ident]

    def error(self, item: Parsed, field: str | None, message: str) -> None:
        self.errors.append(FactError(item.line, item.name, field, message))

    # -- writing ----------------------------------------------------------------------------

    def write(self, read: int, progress: Progress) -> ImportResult:
        size = self.ledger.batch_size
        first = last = None
        batches = 0
        ops = self.link_ops
        done = 0
        for start in range(0, len(self.events), size):
            upto = done
            while upto < len(ops) and ops[upto][0] < start + size:
                upto += 1
            try:
                ids = self.app.recorder.insert_events(
                    self.events[start : start + size],
                    source_refs=self.refs[start : start + size],
                    links=_runs(ops[done:upto]),
                )
            except IntegrityError as error:
                raise _Interrupted(error, start) from error
            done = upto
            assert ids
            self.restamp(start, start + size, ids[0])
            batches += 1
            progress("written", min(start + size, len(self.events)), len(self.events))
            first = ids[0] if first is None else first
            last = ids[-1]
        return ImportResult(read, len(self.events), self.present, batches, first, last)


    def restamp(self, start: int, stop: int, position: int) -> None:
        """Give the subjects and events just written the stamp the recorder stored (the
        commit time), so subjects kept for later imports match the ledger."""
        (_, state), = self.app.recorder.read_positions([position])  # type: ignore[attr-defined]
        stamp = stamp_of(state)
        assert stamp is not None
        touched: dict[UUID, Subject] = {}
        for subject, event in self.triggered[start:stop]:
            event.__dict__["timestamp"] = stamp
            subject._modified_on = stamp
            if isinstance(event, Subject.Created):
                subject._created_on = stamp
            touched[subject.id] = subject
        for subject in touched.values():
            for ref, fact in subject.facts.items():  # corrected copies keep their original's
                fact.__dict__["timestamp"] = subject.originals[ref].timestamp


class _Interrupted(Exception):
    """A write conflict with another writer after ``written`` facts were committed."""

    def __init__(self, error: IntegrityError, written: int) -> None:
        super().__init__(str(error))
        self.error, self.written = error, written


def _runs(
    ops: list[tuple[int, bool, tuple[UUID, str, str, str]]],
) -> list[tuple[bool, list[tuple[UUID, str, str, str]]]]:
    """Link changes as runs of additions or removals, in order."""
    runs: list[tuple[bool, list[tuple[UUID, str, str, str]]]] = []
    for _, adding, row in ops:
        if not runs or runs[-1][0] != adding:
            runs.append((adding, []))
        runs[-1][1].append(row)
    return runs


def subject_ids(parsed: Iterable[Parsed]) -> list[UUID]:
    """Every subject an import names, so one query can tell which already exist."""
    ids = set()
    for item in parsed:
        fact = item.fact
        for field, cls in REFERENCES.items():
            value = fact.get(field)
            if isinstance(value, str):
                ids.add(cls.id_for(value))
            elif isinstance(value, list):
                ids.update(cls.id_for(v) for v in value if isinstance(v, str))
    return list(ids)


def check_references(
    batch: _Batch, name: str, key: str, fields: Mapping[str, Any], item: Parsed
) -> None:
    """Rules that span two subjects (``legacyledger.domain.links.NEEDS``): the other subject
    must exist and, where the rule says so, be active then."""
    from legacyledger.domain.errors import RuleBroken

    for rule in NEEDS_OF[name]:
        for value in rule.values(fields):
            other = batch.require(rule.kind, value, rule.field)
            if rule.holds is None or not rule.when(fields):
                continue
            for day in rule.days(fields):
                if not rule.holds(other, key, day):
                    raise RuleBroken(rule.error.format(value=value, key=key, day=day), rule.field)
    if name == FRAMEWORK_LOADED:
        check_new_framework(batch.frameworks, fields)
    else:
        check_framework(batch.frameworks, name, fields)


def check_new_framework(catalogue: FrameworkRegistry, fields: Mapping[str, Any]) -> None:
    """A version already known (shipped, given or recorded) must have the same content; the
    new one is known to the rest of the import from here on."""
    framework = framework_of(fields["content"])
    try:
        catalogue.register(framework)
    except FrameworkError:
        held = catalogue.get(framework.id, framework.version)
        where = difference(held, framework)
        raise RuleBroken(
            f"framework {framework.id} version {framework.version} is already known with other"
            f" content ({where} is {_shown(held, where)} there, {_shown(framework, where)} here):"
            " give the new content another version",
            f"content.{where}",
        ) from None


def _shown(framework: Framework, path: str | None) -> str:
    """The value at a :func:`difference` path, for a message."""
    node: Any = document(framework)
    for part in (path or "").replace("[", ".[").split("."):
        if part.startswith("["):
            name = part[1:-1]
            node = next((i for n, i in enumerate(node) if i.get("id") == name or str(n) == name),
                        None)
        elif isinstance(node, dict):
            node = node.get(part)
    return "absent" if node is None else repr(node)


def check_framework(catalogue: FrameworkRegistry, name: str, fields: Mapping[str, Any]) -> None:
    if name not in (_FRAMEWORK_ADOPTED, _FRAMEWORK_ITEM_ASSESSED, _ACTION_AGREED):
        return
    framework = fields["framework"]
    if framework not in catalogue:
        raise RuleBroken(f"unknown framework {framework}", "framework")
    if "version" in fields:
        try:
            catalogue.get(framework, fields["version"])
        except UnknownFrameworkError as error:
            raise RuleBroken(str(error.args[0]), "version") from None
    if "item" in fields and not catalogue.has_item(framework, fields["item"]):
        raise RuleBroken(f"framework {framework} has no item {fields['item']}", "item")
