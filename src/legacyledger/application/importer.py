"""The import: parse, check against the rules, write in batched transactions.

An import is all-or-nothing: every line is parsed and validated, checked against the
subjects it touches (whose guards enforce the rules) and the cross-subject links, and only
then written, in transactions of ``batch_size`` facts together with their ``source_ref``
index. A concurrent writer's conflict makes the whole import run again from the ledger as it
now stands (eventsourcing brief §8, P3).
"""

from __future__ import annotations

import random
import time
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol
from uuid import UUID

import attrs
import orjson
from eventsourcing.application import AggregateNotFoundError, project_aggregate
from eventsourcing.persistence import IntegrityError, StoredEvent

from legacyledger.application.spool import EventRow, LinkChange, Planned, Spool
from legacyledger.domain import (
    AGGREGATES,
    FACT_TYPES,
    DomainError,
    Partnership,
    Subject,
    UnknownSubject,
)
from legacyledger.domain.base import (
    corrected,
    create,
    dummy_correction,
    dummy_void,
    effective,
    fields_of,
)
from legacyledger.domain.corrections import CORRECTED, VOIDED
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
    parse_stream,
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
)
from legacyledger.persistence import LedgerApplication, fact_of, layout, stamp_of, topic_of
from legacyledger.persistence.guard import RuleRaced, WriteGuard

_ACTION_AGREED = Partnership.ActionAgreed.FACT
_FRAMEWORK_ADOPTED = Partnership.FrameworkAdopted.FACT
_FRAMEWORK_ITEM_ASSESSED = Partnership.FrameworkItemAssessed.FACT
FRAMEWORK_LOADED = FrameworkSubject.Loaded.FACT

CONFLICT_RETRIES = 10
#: Lines checked together (one look-up of their refs and subjects in the ledger).
CHUNK = 5000
#: Fields that name a subject, and its kind.
REFERENCES: dict[str, type[Subject]] = {
    cls.KEY_FIELD: cls for cls in AGGREGATES
} | {"attendees": next(cls for cls in AGGREGATES if cls.KEY_FIELD == "mentor")}

Lines = Iterable[bytes | str | Mapping[str, Any]]


class Progress(Protocol):
    """Told how an import is going: phase (validated, checked, written), done, total."""

    def __call__(self, phase: str, done: int, total: int) -> None: ...


def silent(phase: str, done: int, total: int) -> None:
    """The default progress: say nothing."""


@attrs.frozen
class ImportResult:
    """What an import did: facts read, recorded, already present (skipped), write batches,
    and the positions of the first and last fact recorded (``None`` if none)."""

    read: int
    recorded: int
    already_present: int
    batches: int
    first_position: int | None
    last_position: int | None

class ImportingLedger(Protocol):
    """What an import needs of the ``Ledger``: its application, batch size, frameworks and
    the subjects it keeps between imports."""

    batch_size: int
    conflicts_retried: int
    subjects: OrderedDict[UUID, Subject]
    subjects_kept: int

    @property
    def app(self) -> LedgerApplication: ...

    @property
    def frameworks(self) -> FrameworkRegistry: ...


def import_all(ledger: ImportingLedger, lines: Lines, progress: Progress) -> ImportResult:
    """Every line checked, then batched writes; on a write conflict with another process,
    the whole import again (committed batches are skipped by their ``source_ref``)."""
    source: Iterable[Parsed | FactError] = parse_stream(lines)
    tally = Tally()
    for attempt in range(CONFLICT_RETRIES):
        batch = check_all(ledger, source, progress, tally)
        try:
            return batch.commit(progress, final=attempt == CONFLICT_RETRIES - 1)
        except _Interrupted as interrupted:
            tally.written += interrupted.written
            if attempt == CONFLICT_RETRIES - 1:
                batch.spool.close()
                raise interrupted.error from None
            ledger.conflicts_retried += 1
            progress("retried", attempt + 1, CONFLICT_RETRIES)
            time.sleep(random.uniform(0, 0.05 * 2**attempt))
            source = retry_from(batch)
    raise AssertionError("unreachable")  # pragma: no cover


def retry_from(batch: _Batch) -> Iterator[Parsed]:
    """An interrupted attempt's facts, read back from its spool (which it then closes)."""
    try:
        yield from batch.spool.parsed()
    finally:
        batch.spool.close()


def check_all(
    ledger: ImportingLedger, source: Iterable[Parsed | FactError], progress: Progress,
    tally: Tally,
) -> _Batch:
    """Check the input chunk by chunk against the ledger and what came before it, keeping
    what the writes need in the batch's spool; every error is collected."""
    batch = _Batch(ledger, tally)
    try:
        for chunk in chunks(source, CHUNK):
            batch.check_chunk(chunk)
            progress("checked", batch.spool.count, batch.spool.count)
    except BaseException:
        batch.abandon()
        raise
    progress("validated", tally.read, tally.read)
    return batch


def chunks(
    source: Iterable[Parsed | FactError], size: int
) -> Iterator[list[Parsed | FactError]]:
    chunk: list[Parsed | FactError] = []
    for found in source:
        chunk.append(found)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@attrs.define
class Tally:
    """Counts carried across the attempts of one import."""

    read: int = 0  # facts read (the first attempt reads them all)
    present: int = 0  # already in the ledger
    written: int = 0  # by attempts that a concurrent writer interrupted
    attempts: int = 0
    invalid: list[FactError] = attrs.field(factory=list)  # lines that did not parse


class _Batch:
    """One import being applied to the subjects it touches, before anything is written."""

    def __init__(self, ledger: ImportingLedger, tally: Tally) -> None:
        self.ledger = ledger
        self.app = ledger.app
        self.tally = tally
        tally.attempts += 1
        #: The subjects this import touches, compact (state and guards, no history).
        self.subjects: dict[UUID, Subject | None] = {}
        self.spool = Spool()
        #: Lines that do not parse are wrong whatever the ledger holds: kept across attempts.
        self.errors: list[FactError] = list(tally.invalid)
        #: source_ref -> digest (as an int: half the size of its hex) of every fact of the
        #: input so far that is not stored yet; what a later line with that ref needs.
        self.planned_refs: dict[str, int] = {}
        self.new_refs: dict[str, UUID] = {}
        self.queried_ids: set[UUID] = set()
        #: the last stored version of each named subject that has been stored
        self.stored_versions: dict[UUID, int] = {}
        #: Changes to the links index (legacyledger.domain.links) made by the fact being
        #: checked, written in the transaction of its event.
        self.link_ops: list[LinkChange] = []
        #: This import's links by subject and source_ref (None: removed), over the stored ones;
        #: each (day, fact) is one shared tuple, as many facts share them.
        self.overlay: dict[UUID, dict[str, tuple[str, str] | None]] = {}
        self.link_values: dict[tuple[str, str], tuple[str, str]] = {}
        #: Subjects read with their history for a correction, made compact again after it.
        self.historied: list[Subject] = []
        self._frameworks: FrameworkRegistry | None = None
        #: What the rules across subjects read, guarded when written (persistence.guard):
        #: each subject's version as first read, the subjects the fact being checked read,
        #: the link subjects it looked at, and the stored links seen on each.
        self.base: dict[UUID, int | None] = {}
        self.reads: set[UUID] = set()
        self.link_reads: list[tuple[UUID, str]] = []
        self.seen_links: dict[UUID, set[str]] = {}
        #: This import's last version of each subject written so far.
        self.written: dict[UUID, int] = {}
        #: The ledger's head when checking began: errors found while it moved are re-checked.
        self.start_head = int(self.app.recorder.max_notification_id() or 0)

    @property
    def frameworks(self) -> FrameworkRegistry:
        """The ledger's frameworks and those this import has recorded so far (in file order)."""
        if self._frameworks is None:
            self._frameworks = self.ledger.frameworks
        return self._frameworks

    def check_chunk(self, chunk: list[Parsed | FactError]) -> None:
        parsed = [found for found in chunk if isinstance(found, Parsed)]
        if self.tally.attempts == 1:
            self.tally.read += len(parsed)
            invalid = [found for found in chunk if isinstance(found, FactError)]
            self.tally.invalid.extend(invalid)
            self.errors.extend(invalid)
        for item in self.new_facts(parsed):
            self.apply(item)

    def commit(self, progress: Progress, final: bool = True) -> ImportResult:
        """Write the checked import when it has no error; else write nothing. Errors found
        while another writer moved the ledger may come from reading it half-way through that
        writer's import: unless ``final``, the import is checked again."""
        try:
            if self.errors and not final and self.ledger_moved():
                raise _Interrupted(RuleRaced("the ledger moved while it was checked"), 0)
            if self.errors:
                errors = sorted(self.errors, key=lambda e: e.line or 0)
                raise ImportRejected(errors, self.tally.written)
            result = self.write(progress)
        except _Interrupted:
            self.forget()  # the spool stays open: the next attempt reads the input from it
            raise
        except BaseException:
            self.abandon()
            raise
        self.spool.close()
        self.keep()
        return result

    def ledger_moved(self) -> bool:
        return int(self.app.recorder.max_notification_id() or 0) != self.start_head

    def abandon(self) -> None:
        self.forget()  # the subjects it changed in memory were not (all) written
        self.spool.close()

    # -- planning ---------------------------------------------------------------------------

    def new_facts(self, parsed: list[Parsed]) -> Iterator[Parsed]:
        """Skip facts already stored (same ref, same content); flag conflicts."""
        named = [ident for ident in subject_ids(parsed) if ident not in self.queried_ids]
        self.queried_ids.update(named)
        self.stored_versions.update(
            self.app.recorder.stored_versions(named)  # type: ignore[attr-defined]
        )
        stored = self.app.recorder.lookup_refs([p.source_ref for p in parsed])  # type: ignore[attr-defined]
        for item in parsed:
            known = stored.get(item.source_ref)
            planned = self.planned_refs.get(item.source_ref)
            if known is not None or planned is not None:
                held = known[2] if known is not None else f"{planned:032x}"
                if held != item.digest:
                    self.error(
                        item,
                        "source_ref",
                        f"{item.source_ref} is already recorded with different content",
                    )
                    self.refused(item)
                self.tally.present += known is not None
                continue
            self.planned_refs[item.source_ref] = int(item.digest, 16)
            yield item

    # -- applying ---------------------------------------------------------------------------

    def apply(self, item: Parsed) -> None:
        try:
            subject = self.command(item)
        except DomainError as error:
            self.error(item, error.field, error.message)
            self.refused(item)
            return
        finally:
            for historied in self.historied:
                historied.compact()
            self.historied.clear()
        if subject is None:
            self.refused(item)
            return
        self.new_refs[item.source_ref] = subject.id
        events = subject.collect_events()
        subject.compact()
        rows = [self.stored(event, item) for event in events]
        self.spool.add(Planned(
            (item.line, item.name, item.source_ref, item.digest, item.body), rows,
            [(item.source_ref, e.originator_id, e.originator_version, item.digest) for e in events],
            self.link_ops, isinstance(events[0], Subject.Created),
            sorted(self.reads), self.link_reads,
        ))  # fmt: skip
        self.link_ops, self.link_reads = [], []
        self.reads.clear()

    def refused(self, item: Parsed) -> None:
        """Spool a fact that met an error, with nothing to write: should the import be
        checked again (``commit``), the fact is checked again too."""
        self.spool.add(Planned(
            (item.line, item.name, item.source_ref, item.digest, item.body), [], [], [], False,
            [], [],
        ))  # fmt: skip
        self.link_ops, self.link_reads = [], []
        self.reads.clear()

    def stored(self, event: Any, item: Parsed) -> EventRow:
        """The stored form of a new event; the validated canonical fact *is* its state.

        The recorder stamps ``recorded_at`` when it writes it (``persistence.clock``). Same
        bytes as ``FactMapper.to_stored_event`` then, without encoding every field a second
        time. Corrections go through the mapper.
        """
        if isinstance(event, (Subject.Corrected, Subject.Voided)):
            stored = self.app.mapper.to_stored_event(event)
            return (event.originator_id, stored.originator_version, stored.topic, stored.state)
        return (event.originator_id, event.originator_version, topic_of(type(event)), item.body)

    def command(self, item: Parsed) -> Subject | None:
        name = item.name
        if name in (CORRECTED, VOIDED):
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
        found = self.subject_of_ref(target)
        if found is None:
            raise DomainError(f"no recorded fact has source_ref {target}", "target")
        subject = self.with_history(found)
        common = {k: fact.get(k) for k in ("on", "source_ref", "recorded_by", "note")}
        common["on"] = item.model.on  # type: ignore[attr-defined]
        common["reason"] = fact["reason"]
        if item.name == VOIDED and target in subject.live_corrections():
            return self.void_correction(subject, target, item, common)
        original = in_force(subject, target)
        if item.name == VOIDED:
            self.relink(subject, target, dummy_void(target))
            subject.void(target, **common)
            return subject
        return self.correct(subject, original, item, fact["replacement"], common)

    def void_correction(
        self, subject: Subject, target: str, item: Parsed, common: dict[str, Any]
    ) -> Subject:
        """Void correction ``target``: the fact it corrected must meet the rules again."""
        affected = next(a.target for a in subject.amendments if a.source_ref == target)
        restored = effective(subject.originals, [*subject.amendments, dummy_void(target)])
        if affected in restored:
            fact_now = restored[affected]
            check_references(self, fact_now.FACT, subject.key, fields_of(fact_now), item)
        self.relink(subject, affected, dummy_void(target))
        subject.void(target, **common)
        return subject

    def correct(
        self, subject: Subject, original: Subject.Event, item: Parsed,
        replacement: Mapping[str, Any], common: dict[str, Any],
    ) -> Subject | None:
        """Correct fact ``original`` (validated as its own fact, with the rules across
        subjects checked on the corrected fields)."""
        target = original.source_ref
        fixed, errors = validate_replacement(fact_of(original), replacement, item.line)
        if errors:
            self.errors.extend(errors)
            return None
        candidate = corrected(original, dummy_correction(target, fixed))
        check_references(self, original.FACT, subject.key, fields_of(candidate), item)
        self.relink(subject, target, dummy_correction(target, fixed))
        subject.correct(target, fixed, **common)
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
            self.link_reads.append((subject, day))
            seen = self.seen_links.setdefault(subject, set())
            for on, ref, fact in self.app.recorder.later_links(subject, day):  # type: ignore[attr-defined]
                seen.add(ref)
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
        for subject, day in sorted(old - new):
            self.link_ops.append((False, (subject, day.isoformat(), ref, name)))
            self.overlay.setdefault(subject, {})[ref] = None
        for subject, day in sorted(new - old):
            self.link_ops.append((True, (subject, day.isoformat(), ref, name)))
            value = (day.isoformat(), name)
            value = self.link_values.setdefault(value, value)
            self.overlay.setdefault(subject, {})[ref] = value

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
                self.base.setdefault(ident, None)
                return None
            self.subjects[ident] = self.loaded(ident)
        return self.subjects[ident]

    def loaded(self, ident: UUID) -> Subject | None:
        """A subject read from the ledger, noting the version its rules will have read."""
        subject = self.load(ident)
        self.base.setdefault(ident, None if subject is None else subject.version)
        return subject

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
            subject: Subject = self.app.repository.get(ident)
        except AggregateNotFoundError:
            return None
        subject.compact()
        return subject

    def with_history(self, subject: Subject) -> Subject:
        """The subject with every fact it has, stored or planned by this import so far (a
        correction needs them); made compact again once the fact is applied."""
        if subject.keeps_history:
            return subject
        rows = [unstamped(row) for row in self.spool.events_of(subject.id)]
        # Up to the version this import started from: another writer may have stored more
        # since, which the write then meets as a conflict (and the import runs again).
        stored = self.app.repository.event_store.get(subject.id, lte=subject.version - len(rows))
        full = project_aggregate(None, [*stored, *map(self.app.mapper.to_domain_event, rows)])
        assert full is not None
        self.subjects[subject.id] = full
        self.historied.append(full)
        return full

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
            self.subjects[ident] = self.loaded(ident)
        return self.subjects[ident]

    def error(self, item: Parsed, field: str | None, message: str) -> None:
        self.errors.append(FactError(item.line, item.name, field, message))

    # -- writing ----------------------------------------------------------------------------

    def write(self, progress: Progress) -> ImportResult:
        first = last = None
        batches = done = 0
        total = self.spool.events
        to_write = (record for record in self.spool if record.events)
        for batch in in_batches(to_write, self.ledger.batch_size):
            ids = self.insert(batch, done, self.guard(batch))
            for planned in batch:
                self.written.update((row[0], row[1]) for row in planned.events)
            self.restamp(batch, ids[0])
            done += sum(len(planned.events) for planned in batch)
            batches += 1
            progress("written", done, total)
            first = ids[0] if first is None else first
            last = ids[-1]
        return ImportResult(self.tally.read, total, self.tally.present, batches, first, last)

    def guard(self, batch: list[Planned]) -> WriteGuard:
        """What the batch's rules read: the subjects as read (with this import's earlier
        batches), no link that was neither seen nor written by this import."""
        versions = {
            ident: self.written.get(ident, self.base.get(ident))
            for planned in batch
            for ident in planned.reads
        }
        links = [read for planned in batch for read in planned.link_reads]
        return WriteGuard(versions, links, self.expected_link)

    def expected_link(self, subject: UUID, ref: str) -> bool:
        return ref in self.planned_refs or ref in self.seen_links.get(subject, ())

    def insert(self, batch: list[Planned], done: int, guard: WriteGuard) -> Sequence[int]:
        """One transaction: the batch's events, their source_refs and link changes, if what
        its rules read is unchanged (``guard``)."""
        try:
            ids = self.app.recorder.insert_events(
                [StoredEvent(*row) for planned in batch for row in planned.events],
                source_refs=[ref for planned in batch for ref in planned.refs],
                links=_runs([op for planned in batch for op in planned.links]),
                guard=guard,
            )
        except IntegrityError as error:
            raise _Interrupted(error, done) from error
        assert ids
        return ids

    def restamp(self, batch: list[Planned], position: int) -> None:
        """Give the subjects just written the stamp the recorder stored (the commit time), so
        subjects kept for later imports match the ledger."""
        (_, state), = self.app.recorder.read_positions([position])  # type: ignore[attr-defined]
        stamp = stamp_of(state)
        assert stamp is not None
        for planned in batch:
            subject = self.subjects.get(planned.events[0][0])
            if subject is not None:
                subject._modified_on = stamp
                if planned.created:
                    subject._created_on = stamp


def in_force(subject: Subject, target: str) -> Subject.Event:
    """The effective fact ``target`` of the subject, which a correction or void may name."""
    original = subject.facts.get(target)
    if original is not None:
        return original
    if any(a.source_ref == target for a in subject.amendments):
        raise DomainError(
            f"{target} is a correction or a void: correct the fact it is about "
            "instead (or void the correction)",
            "target",
        )
    raise DomainError(f"{target} is not a fact in force (it was voided)", "target")


def unstamped(row: EventRow) -> StoredEvent:
    """A planned event as the mapper reads it: stamped now (it is stamped when written)."""
    fact = orjson.loads(row[3])
    fact.setdefault("recorded_at", datetime.now(UTC).isoformat())
    return StoredEvent(row[0], row[1], row[2], orjson.dumps(fact))


def in_batches(planned: Iterable[Planned], size: int) -> Iterator[list[Planned]]:
    """Whole facts in batches of about ``size`` events (a fact's events stay together)."""
    batch: list[Planned] = []
    events = 0
    for record in planned:
        batch.append(record)
        events += len(record.events)
        if events >= size:
            yield batch
            batch, events = [], 0
    if batch:
        yield batch


class _Interrupted(Exception):
    """A write conflict with another writer after ``written`` facts were committed."""

    def __init__(self, error: IntegrityError, written: int) -> None:
        super().__init__(str(error))
        self.error, self.written = error, written


def _runs(ops: list[LinkChange]) -> list[tuple[bool, list[tuple[UUID, str, str, str]]]]:
    """Link changes as runs of additions or removals, in order."""
    runs: list[tuple[bool, list[tuple[UUID, str, str, str]]]] = []
    for adding, row in ops:
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
    for rule in NEEDS_OF[name]:
        for value in rule.values(fields):
            other = batch.require(rule.kind, value, rule.field)
            if rule.holds is None or not rule.when(fields):
                continue
            batch.reads.add(other.id)
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
