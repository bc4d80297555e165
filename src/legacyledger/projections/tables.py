"""Every fact the projections read, as it stands after corrections, in one compact pass.

The four projections read the same facts. :class:`EffectiveTables` reads the records once, keeps
only the fields some projection reads (strings interned, so a million facts that name a few
thousand mentors, dates and categories share those strings), and applies ``FactCorrected``
/ ``FactVoided`` through the one correction fold
(:class:`~legacyledger.domain.corrections.EffectiveFacts`).
Every family then folds from it (``build_views`` reads the ledger once for all of them).

Storage is per fact name, in columns, in ledger order of the original facts: ``Table.pos``
(an ``array`` of original positions), one list per kept field, and the source refs
joined into chunks of text (a ref is only ever needed to find a correction's target, or to
show evidence). A fact with more than one position behind it (it was corrected) has its
full positions in :attr:`EffectiveTables.more`, by original position; a
:class:`~legacyledger.projections.base.PositionSet` built from original positions adds
them when read.

Corrections are applied at the end, in ledger order, by the fold, which is handed only the
facts they touch: the result is the same as folding every record through it (a correction
reaches only a fact recorded before it and still in force; voiding a correction restores what
it corrected, keeping the positions as evidence). Source refs are assumed unique, as the
ledger enforces: a fact whose ref repeats an earlier fact's is kept beside it, not in its
place.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from legacyledger.domain import (
    Mentor,
    Partnership,
    ProgrammeEvent,
    Registrant,
    Subject,
    interchange_fields,
)
from legacyledger.domain.corrections import EffectiveFact, EffectiveFacts
from legacyledger.projections.base import CORRECTIONS, FactRecord

#: Fields kept per fact (``on`` always, first); what any projection reads.
KEPT: Mapping[type[Subject.Event], tuple[str, ...]] = {
    Partnership.Formed: ("partnership",),
    Partnership.Closed: ("partnership",),
    Partnership.FrameworkAdopted: ("partnership", "framework", "version"),
    Partnership.OrganisationJoined: ("partnership", "org", "sector"),
    Partnership.OrganisationLeft: ("partnership", "org"),
    Partnership.CoordinatorAppointed: ("partnership", "coordinator"),
    Partnership.CoordinatorLeft: ("partnership", "coordinator"),
    Partnership.RecruitmentTargetSet: ("partnership", "target_active", "assumed_dropout_rate"),
    Partnership.CommitmentFormalised: ("partnership", "kind"),
    Partnership.FrameworkItemAssessed: (
        "partnership",
        "framework",
        "item",
        "status",
        "assessor",
        "evidence",
    ),
    Partnership.ActionAgreed: (
        "partnership", "action", "framework", "item", "description", "owner", "due"
    ),
    Partnership.ActionCompleted: ("partnership", "action"),
    Partnership.FundingReceived: ("partnership", "amount", "financial_year"),
    Partnership.CostIncurred: ("partnership", "amount", "category", "event"),
    Mentor.Enrolled: (
        "mentor",
        "partnership",
        "role",
        "sector",
        "employer",
        "contracted_hours_per_week",
    ),
    Mentor.Withdrew: ("mentor",),
    Mentor.Moved: ("mentor", "employer"),
    Mentor.Inducted: ("mentor", "induction"),
    Mentor.Trained: ("mentor",),
    Mentor.PayRateSet: ("mentor", "annual_salary", "oncost_rate"),
    Mentor.TimeLogged: ("mentor", "until", "hours", "activity", "category", "event"),
    Registrant.Enrolled: (
        "registrant",
        "partnership",
        "profession",
        "employer",
        "setting",
        "comparator",
        "registered_on",
        "in_post_since",
    ),
    Registrant.MentorMatched: ("registrant", "mentor"),
    Registrant.MentorUnmatched: ("registrant", "mentor"),
    Registrant.MentoringContactRecorded: ("registrant", "minutes"),
    Registrant.OutcomeMeasured: ("registrant",),
    Registrant.Moved: ("registrant", "employer", "sector", "same_staff_group"),
    Registrant.Left: ("registrant", "destination"),
    Registrant.Rejoined: ("registrant", "employer", "setting"),
    Registrant.FollowUpEnded: ("registrant",),
    Registrant.EmploymentStatusChanged: ("registrant", "status"),
    ProgrammeEvent.Planned: ("event", "partnership", "kind", "audience", "integrated"),
    ProgrammeEvent.Rescheduled: ("event", "new_date"),
    ProgrammeEvent.Delivered: ("event", "audience_reached", "attendees"),
    ProgrammeEvent.Cancelled: ("event",),
    ProgrammeEvent.FeedbackRecorded: ("event", "phase", "responses", "items"),
}


def _checked(kept: Mapping[type[Subject.Event], tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Kept fields by fact name; a field the fact does not declare is an error here, at
    import, rather than a column of None."""
    for event_class, fields in kept.items():
        unknown = set(fields) - interchange_fields(event_class)
        if unknown:
            raise TypeError(f"{event_class.FACT} has no field {sorted(unknown)[0]}")
    return {event_class.FACT: fields for event_class, fields in kept.items()}


#: :data:`KEPT` by fact name, as the records name facts.
FIELDS: Mapping[str, tuple[str, ...]] = _checked(KEPT)

#: Facts whose kept fields hold lists or mappings (attendees, feedback items, evidence).
NESTED = frozenset(
    c.FACT
    for c in (ProgrammeEvent.Delivered, ProgrammeEvent.FeedbackRecorded,
              Partnership.FrameworkItemAssessed)
)

#: Typecodes of the arrays of positions and of row numbers: 4 bytes each, so a ledger's
#: positions (and a table's rows) must stay below 2**32 (an append beyond raises
#: OverflowError, it never wraps).
POS = "I"
ROW = "I"

_ROWS = 256  # facts gathered as tuples before they are moved into the columns
_REFS = 4096  # source refs per joined chunk
_SEP = "\x00"


class Interner(dict[Any, Any]):
    """``interner[value]`` is the first equal value seen: repeated strings share one object.

    One interner per field name, so that values which compare equal across types (``1``
    and ``True``) never stand in for each other: a field always holds one type.
    """

    def __missing__(self, key: Any) -> Any:
        self[key] = key
        return key


class Interners(dict[str, Interner]):
    def __missing__(self, field: str) -> Interner:
        interner = self[field] = Interner()
        return interner


class Coder(dict[Any, int]):
    """``coder[value]`` is a small int standing for ``value`` (``coder.decoded[code]``): a
    column stores codes, two or four bytes a fact, not an eight-byte reference. One coder per
    field name (shared by the tables), for the same reason as :class:`Interner`."""

    def __init__(self) -> None:
        super().__init__()
        self.decoded: list[Any] = []

    def __missing__(self, value: Any) -> int:
        code = self[value] = len(self.decoded)
        self.decoded.append(value)
        return code


class Coders(dict[str, Coder]):
    def __missing__(self, field: str) -> Coder:
        coder = self[field] = Coder()
        return coder


class Column:
    """A coded column read as a sequence of its values."""

    __slots__ = ("codes", "values")

    def __init__(self, codes: array[int], values: list[Any]) -> None:
        self.codes, self.values = codes, values

    def __getitem__(self, row: int) -> Any:
        return self.values[self.codes[row]]

    def __iter__(self) -> Iterator[Any]:
        return map(self.values.__getitem__, self.codes)

    def __len__(self) -> int:
        return len(self.codes)


def _plain(value: Any, interned: Interner) -> Any:
    """A field value as stored: interned when hashable, lists as tuples, mappings as they are."""
    if isinstance(value, list):
        return tuple(_plain(v, interned) for v in value)
    if isinstance(value, (dict, set)):
        return value
    return interned[value]


class Table:
    """The kept facts of one name, in columns, in ledger order (original positions)."""

    __slots__ = (
        "_coders",
        "_dead",
        "_interners",
        "_refbuf",
        "_rows",
        "_scalar",
        "_split",
        "cols",
        "fields",
        "index",
        "more",
        "name",
        "pos",
        "refs",
    )

    def __init__(
        self,
        name: str,
        fields: tuple[str, ...],
        more: dict[int, tuple[int, ...]] | None = None,
        interners: Interners | None = None,
        coders: Coders | None = None,
    ) -> None:
        self.name = name
        self._interners = Interners() if interners is None else interners
        self._coders = Coders() if coders is None else coders
        self._rows: list[tuple[Any, ...]] = []
        #: the store's positions of corrected facts (shared by every table of a store)
        self.more: dict[int, tuple[int, ...]] = {} if more is None else more
        #: ``on`` first, then the name's fields
        self.fields = ("on", *fields)
        self.index = {f: i for i, f in enumerate(self.fields)}
        self._scalar = name not in NESTED
        self.pos = array(POS)
        #: one per field: codes (see :class:`Coder`) when the values are plain scalars,
        #: else a list of the values (lists and mappings: feedback items, attendees)
        self.cols: list[Any] = [array("H") if self._scalar else [] for _ in self.fields]
        self.refs: list[str] = []
        self._refbuf: list[str] = []
        self._split: tuple[int, list[str]] | None = None
        #: original row numbers removed (voided facts), ascending; for finding refs
        self._dead: list[int] = []
        #: every field holds plain scalars (no lists or mappings), so interning is one step

    # -- building ------------------------------------------------------------------------

    def adder(self) -> Callable[[int, Mapping[str, Any]], None]:
        """``add(position, fact)`` for the read loop: one tuple of the fact's kept fields,
        taken while the fact is fresh (holding the facts themselves, or working field by
        field, costs several times more); every few hundred facts the tuples are moved into
        the columns (and their strings interned) in C, by :meth:`flush`."""
        rows, flush = self._rows, self.flush
        space = {"append": rows.append, "rows": rows, "flush": flush, "_ROWS": _ROWS}
        fields = ", ".join(f"get({field!r})" for field in self.fields)
        exec(
            "def add(position, fact):\n"
            "    get = fact.get\n"
            f"    append((position, fact['source_ref'], {fields}))\n"
            "    if len(rows) >= _ROWS:\n"
            "        flush()\n",
            space,
        )
        add: Callable[[int, Mapping[str, Any]], None] = space["add"]  # type: ignore[assignment]
        return add

    def flush(self) -> None:
        """Move the gathered tuples into the columns, interning their values."""
        rows = self._rows
        if not rows:
            return
        columns = zip(*rows)
        self.pos.extend(next(columns))
        buffer = self._refbuf
        buffer.extend(next(columns))
        if self._scalar:
            for i, (field, values) in enumerate(zip(self.fields, columns)):
                coder = self._coders[field]
                col = self.cols[i]
                col.extend(map(coder.__getitem__, values))
                if len(coder.decoded) > 0xFFFF and col.typecode == "H":
                    self.cols[i] = array("I", col)  # codes beyond two bytes from now on
        else:
            for field, col, values in zip(self.fields, self.cols, columns):
                interner = self._interners[field]
                col.extend(_plain(v, interner) for v in values)
        rows.clear()
        while len(buffer) >= _REFS:
            self.refs.append(_SEP.join(buffer[:_REFS]))
            del buffer[:_REFS]

    def _close(self) -> None:
        self.flush()
        if self._refbuf:
            self.refs.append(_SEP.join(self._refbuf))
            self._refbuf.clear()

    # -- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.pos)

    def col(self, field: str) -> Any:
        """The field's values, in row order (a sequence: index it or iterate it)."""
        col = self.cols[self.index[field]]
        return Column(col, self._coders[field].decoded) if self._scalar else col

    def raw(self, field: str) -> tuple[Any, list[Any] | None]:
        """(codes, values) of a coded field (``values[code]``), or (values, None): for loops
        that would rather compare codes than values."""
        col = self.cols[self.index[field]]
        return (col, self._coders[field].decoded) if self._scalar else (col, None)

    def coder(self, field: str) -> Coder:
        """The field's value -> code map (shared by every table of the store)."""
        return self._coders[field]

    def rows(self, *fields: str) -> Iterator[tuple[Any, ...]]:
        """(position, field values...) of every fact, in ledger order."""
        return zip(self.pos, *map(iter, map(self.col, fields)))

    def value(self, row: int, field: str) -> Any:
        return self.col(field)[row]

    def values_at(self, field: str, rows: Iterable[int]) -> list[Any]:
        """The field's values at these rows."""
        col = self.cols[self.index[field]]
        if not self._scalar:
            return [col[r] for r in rows]
        values = self._coders[field].decoded
        return [values[col[r]] for r in rows]

    def fields_at(self, row: int) -> dict[str, Any]:
        """Every kept field of the fact at ``row`` (absent ones as None)."""
        if not self._scalar:
            return {f: col[row] for f, col in zip(self.fields, self.cols)}
        coders = self._coders
        return {f: coders[f].decoded[col[row]] for f, col in zip(self.fields, self.cols)}

    def fact(self, row: int, ref: bool = False) -> dict[str, Any]:
        """The fact at ``row`` as a dict of its kept fields (absent ones left out), with its
        ``source_ref`` when ``ref``."""
        out: dict[str, Any] = {"fact": self.name}
        coders = self._coders if self._scalar else None
        for field, col in zip(self.fields, self.cols):
            value = col[row] if coders is None else coders[field].decoded[col[row]]
            if value is not None:
                out[field] = value
        if ref:
            out["source_ref"] = self.ref(row)
        return out

    def ref(self, row: int) -> str:
        """The source ref of the fact at ``row`` (rows count the facts still in force)."""
        original = self._original(row)
        k = original // _REFS
        split = self._split
        if split is None or split[0] != k:  # refs are read in runs: keep the last chunk split
            split = self._split = (k, self.refs[k].split(_SEP))
        return split[1][original % _REFS]

    def _original(self, row: int) -> int:
        """The original row number (before voided facts were dropped) of ``row``."""
        dead = self._dead
        if not dead:
            return row
        low, high = row, row + len(dead)
        while low < high:  # least o with o - (dead rows before o) >= row
            mid = (low + high) // 2
            if mid - bisect_left(dead, mid) < row:
                low = mid + 1
            else:
                high = mid
        while (i := bisect_left(dead, low)) < len(dead) and dead[i] == low:
            low += 1  # a dropped row shares its number with the next one kept
        return low

    # -- settling ------------------------------------------------------------------------

    def _locate(self, wanted: set[str]) -> Iterator[tuple[str, int]]:
        """(ref, original row) of every fact whose ref is wanted."""
        for k, chunk in enumerate(self.refs):
            parts = chunk.split(_SEP)
            hits = wanted.intersection(parts)
            if hits:
                base = k * _REFS
                for i, ref in enumerate(parts):
                    if ref in hits:
                        yield ref, base + i

    def _set(self, row: int, fact: Mapping[str, Any], interners: Interners) -> None:
        for i, field in enumerate(self.fields):
            value = _plain(fact.get(field), interners[field])
            if self._scalar:
                coder = self._coders[field]
                code = coder[value]
                if code > 0xFFFF and self.cols[i].typecode == "H":
                    self.cols[i] = array("I", self.cols[i])
                self.cols[i][row] = code
            else:
                self.cols[i][row] = value

    def _drop(self, rows: Iterable[int]) -> None:
        """Remove these (original = current, before any drop) rows."""
        dead = sorted(set(rows))
        if not dead:
            return
        keep = []
        start = 0
        for row in dead:
            if start < row:
                keep.append((start, row))
            start = row + 1
        if start < len(self.pos):
            keep.append((start, len(self.pos)))
        pos = array(POS)
        for a, b in keep:
            pos.extend(self.pos[a:b])
        self.pos = pos
        cols = []
        for col in self.cols:
            new: Any = array(col.typecode) if isinstance(col, array) else []
            for a, b in keep:
                new.extend(col[a:b])
            cols.append(new)
        self.cols = cols
        self._dead = dead


class EffectiveTables:
    """The effective facts of the kept names (see the module docstring)."""

    def __init__(self, names: Iterable[str] | None = None) -> None:
        kept = FIELDS if names is None else {n: FIELDS[n] for n in names if n in FIELDS}
        self.interners = Interners()
        self.coders = Coders()
        #: original position -> every position behind a corrected fact still in force
        self.more: dict[int, tuple[int, ...]] = {}
        self.tables: dict[str, Table] = {
            n: Table(n, f, self.more, self.interners, self.coders) for n, f in kept.items()
        }
        #: source ref -> (name, fields, positions) of each voided fact
        self.voided: dict[str, tuple[str, dict[str, Any], tuple[int, ...]]] = {}
        #: original position -> (name, source ref, fields as first recorded) of every fact a
        #: correction or void reached (for folds that must replay their history)
        self.touched: dict[int, tuple[str, str, dict[str, Any]]] = {}
        self.corrections: list[tuple[int, Mapping[str, Any]]] = []
        self.last_position: int | None = None
        self._done = False

    @classmethod
    def of(
        cls, records: Iterable[FactRecord], names: Iterable[str] | None = None
    ) -> EffectiveTables:
        return cls(names).extend(records).finish()

    def extend(self, records: Iterable[FactRecord]) -> EffectiveTables:
        assert not self._done, "a settled store is read-only once finished"
        adders = {name: table.adder() for name, table in self.tables.items()}
        get = adders.get
        corrections = self.corrections.append
        record = None
        for record in records:
            fact = record[1]
            name = fact["fact"]
            add = get(name)
            if add is not None:
                add(record[0], fact)
            elif name in CORRECTIONS:
                corrections((record[0], _correction(fact)))
        if record is not None:
            self.last_position = record[0]
        return self

    def extend_known(
        self, name: str, facts: Iterable[tuple[int, Mapping[str, Any], tuple[int, ...]]]
    ) -> EffectiveTables:
        """Facts of one name already settled elsewhere (an incremental fold's store), as
        (original position, fact, every position behind it), in ledger order."""
        assert not self._done, "a settled store is read-only once finished"
        table = self.tables.get(name)
        if table is None:
            return self
        add = table.adder()
        for position, fact, positions in facts:
            add(position, fact)
            if len(positions) > 1:
                self.more[position] = tuple(positions)
        return self

    def finish(self) -> EffectiveTables:
        if self._done:
            return self
        for table in self.tables.values():
            table._close()
        if self.corrections:
            self._settle()
        self._done = True
        return self

    def table(self, name: str) -> Table:
        table = self.tables.get(name)
        if table is None:
            table = self.tables[name] = Table(
                name, FIELDS.get(name, ()), self.more, self.interners, self.coders
            )
            table._close()
        return table

    def positions(self, position: int) -> tuple[int, ...]:
        return self.more.get(position) or (position,)

    # -- corrections ---------------------------------------------------------------------

    def _settle(self) -> None:
        """Hand the one correction fold each correction in ledger order, and before it the
        fact it reaches (as recorded, the latest with its ref recorded before it); then write
        back what the fold says stands, and drop what it voided."""
        wanted = {str(c["target"]) for _, c in self.corrections}
        located: dict[str, list[tuple[int, Table, int]]] = {}
        for table in self.tables.values():
            for ref, row in table._locate(wanted):
                located.setdefault(ref, []).append((table.pos[row], table, row))
        fold = EffectiveFacts()
        #: ref -> (table, row, original position) of each fact handed to the fold
        loaded: dict[str, tuple[Table, int, int]] = {}

        def load(ref: str, before: int) -> None:
            found = [c for c in located.get(ref, ()) if c[0] < before]
            if ref in loaded or not found:
                return
            position, table, row = max(found, key=lambda c: c[0])
            fields = table.fields_at(row)
            loaded[ref] = (table, row, position)
            self.touched[position] = (table.name, ref, dict(fields))
            fold.adopt(ref, EffectiveFact(position, fields, (position,)))

        for position, fact in self.corrections:
            load(str(fact["target"]), position)
            change = fold.apply((position, fact))
            if change is not None and change.after is None:
                assert change.before is not None
                table = loaded[change.ref][0]
                self.voided[change.ref] = (table.name, dict(change.before.fact),
                                           fold.voided[change.ref])
        dead: dict[str, list[int]] = {}
        for ref, (table, row, position) in loaded.items():
            state = fold.get(ref)
            if state is None:
                dead.setdefault(table.name, []).append(row)
                continue
            table._set(row, state.fact, self.interners)
            if len(state.positions) > 1:
                self.more[position] = state.positions
        for name, rows in dead.items():
            self.tables[name]._drop(rows)


def _correction(fact: Mapping[str, Any]) -> dict[str, Any]:
    """What settling (and a replay through a fold) reads of a correction or void."""
    kept = {"fact": fact["fact"], "target": fact["target"], "source_ref": fact["source_ref"]}
    if "replacement" in fact:
        kept["replacement"] = fact["replacement"]
    return kept


class FactView:
    """One settled fact read from its table: the interface of
    :class:`~legacyledger.projections.base.EffectiveFact` (``position``, ``positions``,
    ``source_ref``, ``name``, ``fact``) without a dict per fact; ``view["field"]`` and
    ``view.get("field")`` read one field (``"fact"`` is the name)."""

    __slots__ = ("row", "table")

    def __init__(self, table: Table, row: int) -> None:
        self.table, self.row = table, row

    @property
    def position(self) -> int:
        return self.table.pos[self.row]

    @property
    def positions(self) -> tuple[int, ...]:
        p = self.table.pos[self.row]
        return self.table.more.get(p) or (p,)

    @property
    def source_ref(self) -> str:
        return self.table.ref(self.row)

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def fact(self) -> dict[str, Any]:
        return self.table.fact(self.row, ref=True)

    def __getitem__(self, field: str) -> Any:
        table = self.table
        i = table.index.get(field)
        if i is None:
            value = None
        elif table._scalar:
            value = table._coders[field].decoded[table.cols[i][self.row]]
        else:
            value = table.cols[i][self.row]
        if value is None:
            if field == "fact":
                return table.name
            if field == "source_ref":
                return table.ref(self.row)
            raise KeyError(field)
        return value

    def get(self, field: str, default: Any = None) -> Any:
        try:
            return self[field]
        except KeyError:
            return default

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FactView):
            return NotImplemented
        return self.table is other.table and self.row == other.row

    def __hash__(self) -> int:
        return hash((id(self.table), self.row))

    def __repr__(self) -> str:
        return f"FactView({self.name}@{self.position})"


class FactRows:
    """Several settled facts of one table (e.g. a registrant's contacts), as row numbers:
    a compact stand-in for a list of facts; iterating gives :class:`FactView` objects."""

    __slots__ = ("rows", "table")

    def __init__(self, table: Table, rows: Iterable[int] = ()) -> None:
        self.table = table
        self.rows = rows if isinstance(rows, array) else array(ROW, rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return len(self.rows) > 0

    def __iter__(self) -> Iterator[FactView]:
        table = self.table
        return (FactView(table, row) for row in self.rows)

    def values(self, field: str) -> list[Any]:
        return self.table.values_at(field, self.rows)

    def originals(self, into: array[int] | None = None) -> array[int]:
        """The original position of each fact (a compact :class:`PositionSet` part), added
        to ``into`` when given."""
        out = array(POS) if into is None else into
        out.extend(map(self.table.pos.__getitem__, self.rows))
        return out

    def where(self, keep: Iterable[bool]) -> FactRows:
        return FactRows(self.table, array(ROW, (r for r, k in zip(self.rows, keep) if k)))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FactRows):
            return NotImplemented
        return self.table is other.table and self.rows == other.rows

    def __hash__(self) -> int:
        return hash((id(self.table), tuple(self.rows)))

    def __repr__(self) -> str:
        return f"FactRows({self.table.name}, {len(self.rows)} facts)"
