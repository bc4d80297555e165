"""Reports: the figures of chosen families, disclosed, with a footer and a reproducible digest.

``build_report(ledger, families, as_of=…, known_at=…)`` folds each family as known at a ledger
position, applies disclosure control (figures.md §5) and records everything needed to make
the same report again: families, ``as_of``, ``known_at`` (always a position), parameters per
family (in their JSON form, which is also what the folds are given, so a report rebuilt from
its JSON gets exactly the same inputs) and the disclosure policy. ``report_json`` writes the
versioned document (``legacyledger.report/1``, JSON Schema: :func:`report_schema`).

The **digest** is sha256 over canonical JSON of the schema version, families, ``as_of``,
``known_at``, parameters, disclosure policy and, for every figure, its id, unrounded value and
disclosed display. ``verify_report`` rebuilds a report at its ``known_at`` and says whether
the digest reproduces, naming the figures that differ: in display, or in any other field of
their document (label, unit, suppression, derivation), so an edited derivation fails too.
Facts recorded after ``known_at`` (a back-dated leaver, a correction) do not change it: that
is what ``known_at`` is for.

Disclosure: a report never writes an unrounded value, only ``display``. The number of facts
behind a figure is given only under the ``none`` policy, because it can reveal a suppressed
or rounded count (the enrolments behind ``reach.enrolled`` are the count). The digest does
hash unrounded values; hundreds of figures make guessing them from it impractical.

``check_ledger(ledger)`` checks the stored facts themselves in one pass; further checks
(a hash chain) join :data:`INTEGRITY_CHECKS`.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

import attrs
import orjson
from pydantic import ValidationError

from legacyledger.application import interchange, subject_class
from legacyledger.domain.corrections import CORRECTED, VOIDED, effective_facts
from legacyledger.domain.links import NEEDS_OF, links_of
from legacyledger.domain.upcasting import VersionError, upcast
from legacyledger.facts import KEY_OF, MODELS, digest
from legacyledger.facts.parsing import DERIVED_REF_PREFIX
from legacyledger.persistence import iter_states
from legacyledger.projections.base import Derivation, FactRecord, Value
from legacyledger.projections.compliance import ComplianceParams
from legacyledger.projections.costs import CostParams
from legacyledger.projections.disclosure import (
    METHOD,
    POLICIES,
    DisclosedFigure,
    apply_disclosure,
    shown_differently_since,
)
from legacyledger.projections.figures import dimensions, metric_of
from legacyledger.projections.periods import display as pence
from legacyledger.projections.reach import ReachParams
from legacyledger.projections.retention import RetentionParams
from legacyledger.reports.words import readable_name
from legacyledger.views import FAMILIES, Views, build_views, resolve_known_at
from legacyledger.views.audit import check_stored_views
from legacyledger.views.store import PersistedViews
from legacyledger.views.store.location import store_exists

if TYPE_CHECKING:
    from legacyledger.application import Ledger

SCHEMA = "legacyledger.report/1"
SCHEMA_FILE = "report-1.schema.json"
FAMILY_NAMES: tuple[str, ...] = tuple(FAMILIES)
PERIODS = ("month", "quarter", "fy")
#: ``period`` that pools every registrant into one retention cohort (costs keep their grains).
POOLED = "all"
#: The parameter classes, read for the types of options given as JSON text (dates, decimals).
PARAMETER_CLASSES: Mapping[str, type] = {
    "retention": RetentionParams,
    "costs": CostParams,
    "compliance": ComplianceParams,
    "reach": ReachParams,
}
#: ``display`` in a report: a number, an exact decimal as text, ``"*"`` or ``"n/a"``.
Shown = str | int | float
Parameters = Mapping[str, Mapping[str, Any]]
Progress = Callable[[str], None]


# -- the report --------------------------------------------------------------------------------


@attrs.frozen
class ReportFigure:
    """A disclosed figure. ``display`` is all that may be shown; ``unrounded`` feeds the digest
    and must never be written out (it is the value disclosure control hides)."""

    family: str
    id: str
    label: str
    display: Shown
    unit: str
    kind: str
    suppressed: bool
    derivation: Derivation
    unrounded: Value = attrs.field(repr=False)


@attrs.frozen
class Report:
    """What a report shows, and all it takes to make it again (``views`` holds the rows,
    undisclosed: a renderer showing rows must disclose them itself)."""

    families: tuple[str, ...]
    as_of: date
    known_at: int
    parameters: Parameters
    disclosure: str
    figures: tuple[ReportFigure, ...]
    generated_at: datetime
    ledger_head: int
    #: The hash-chain link at ``known_at``: the digest ties the report to the facts behind it.
    chain_link: str | None
    digest: str
    views: Views = attrs.field(eq=False, repr=False)
    #: Where each family's figures came from: ``"persisted"`` (current snapshots kept by
    #: ``legacyledger follow``, at ``known_at``) or ``"computed"`` (folded for this report).
    sources: Mapping[str, str] = attrs.field(factory=dict, eq=False)
    #: The framework versions the compliance figures were judged against (``id@version``).
    frameworks: tuple[str, ...] = ()

    def of(self, family: str) -> tuple[ReportFigure, ...]:
        """The figures of one family (``retention``, ``costs``, ...), in report order."""
        return tuple(f for f in self.figures if f.family == family)

    @property
    def suppressed(self) -> int:
        """How many figures disclosure control suppressed."""
        return sum(f.suppressed for f in self.figures)


def build_report(
    ledger: Ledger,
    families: Iterable[str] = FAMILY_NAMES,
    as_of: date | None = None,
    known_at: int | datetime | str | None = None,
    params: Parameters | None = None,
    disclosure: str = "nhs",
    by: Sequence[str] | None = None,
    period: str | None = None,
    scope: str | None = None,
    progress: Progress | None = None,
    persisted: bool = False,
    cohort: str | None = None,
    growth_from: date | None = None,
) -> Report:
    """A report of ``families`` for business date ``as_of`` (today) as known at ``known_at``
    (the ledger's head). ``by``, ``period`` and ``scope`` are shorthands laid over ``params``:
    retention's ``by``, ``period`` and ``scope``, and the cost grains from ``period``;
    ``period="all"`` pools every registrant into one retention cohort (costs keep their
    grains), ``cohort="FIRST..LAST"`` makes one cohort of those anchored in that range, and
    ``growth_from`` adds reach's registered-at, joined, left and growth figures from that date."""
    chosen = _families(families)
    _check_policy(disclosure)
    shorthands = Shorthands(by, period, scope, cohort, growth_from)
    parameters = _parameters(chosen, params, shorthands)
    position = _position(ledger, known_at)
    sources: dict[str, str] = {}
    stored = _persisted(ledger, chosen, as_of, position, parameters) if persisted else {}
    views = _views(ledger, chosen, as_of or date.today(), position, parameters, progress,
                   stored, sources)  # fmt: skip
    figures = _disclosed(views, disclosure)
    link = ledger.chain_link(position) if position else None
    used = frameworks_used(figures)
    digest = report_digest(chosen, views.as_of, position, parameters, disclosure, figures, link,
                           used)  # fmt: skip
    now = datetime.now(UTC).replace(microsecond=0)
    return Report(chosen, views.as_of, position, parameters, disclosure, figures, now,
                  ledger.head(), link, digest, views, sources, used)  # fmt: skip


def frameworks_used(figures: Iterable[ReportFigure]) -> tuple[str, ...]:
    """``id@version`` of every framework a figure was judged against, sorted."""
    found = {
        f"{f.derivation.parameters['framework']}@{f.derivation.parameters['framework_version']}"
        for f in figures
        if "framework_version" in f.derivation.parameters
    }
    return tuple(sorted(found))


def _families(families: Iterable[str]) -> tuple[str, ...]:
    chosen = tuple(dict.fromkeys(families))
    unknown = [f for f in chosen if f not in FAMILIES]
    if unknown or not chosen:
        raise ValueError(f"families must be some of {', '.join(FAMILIES)}; got {chosen}")
    return chosen


def _check_policy(policy: str) -> None:
    if policy not in POLICIES:
        raise ValueError(f"unknown disclosure policy {policy!r}; use one of {', '.join(POLICIES)}")


def _position(ledger: Ledger, known_at: int | datetime | str | None) -> int:
    position, head = resolve_known_at(ledger, known_at), ledger.head()
    if position > head:
        raise ValueError(f"known_at {position} is beyond the ledger's last position ({head})")
    return position


# -- parameters: given, written as JSON, and read back into the folds' types ---------------------


@attrs.frozen
class Shorthands:
    """The report options laid over each family's parameters (see :func:`build_report`)."""

    by: Sequence[str] | None = None
    period: str | None = None
    scope: str | None = None
    cohort: str | None = None
    growth_from: date | None = None

    def options(self) -> dict[str, dict[str, Any]]:
        pooled = self.period == POOLED
        period = None if pooled else self.period
        grains = None if period is None else (period,)
        if pooled and self.cohort is not None:
            raise ValueError("give either period all or a cohort range, not both")
        by = None if self.by is None else tuple(self.by)
        cohorts = POOLED if pooled else self.cohort
        return {
            "retention": {"by": by, "period": period, "scope": self.scope, "cohorts": cohorts},
            "costs": {"grains": grains, "unit_grains": grains},
            "reach": {"growth_from": self.growth_from},
        }


def _parameters(
    families: tuple[str, ...], params: Parameters | None, shorthands: Shorthands
) -> dict[str, dict[str, Any]]:
    given = {name: dict((params or {}).get(name, {})) for name in families}
    shorthand = shorthands.options()
    for name, options in given.items():
        options.update((k, v) for k, v in shorthand.get(name, {}).items() if v is not None)
    return {name: plain(options, strict=True) for name, options in given.items()}


def plain(value: Any, strict: bool = False) -> Any:
    """A value as JSON: dates ISO, decimals as exact text, tuples and sets as lists. Anything
    else is an error when ``strict`` (a report's parameters must read back), else its text."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v, strict) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, strict) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(plain(v, strict) for v in value)
    if strict:
        raise ValueError(f"a {type(value).__name__} cannot be a report parameter: {value!r}")
    return str(value)


def fold_options(family: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """Report parameters (JSON) as the family's parameter class takes them."""
    hints = {f.name: str(f.type) for f in attrs.fields(PARAMETER_CLASSES[family])}
    return {name: _typed(value, hints.get(name, "")) for name, value in options.items()}


def _typed(value: Any, hint: str) -> Any:
    if isinstance(value, list):
        return tuple(_typed(v, "") for v in value)
    if isinstance(value, str) and re.search(r"\bdate\b", hint):
        return date.fromisoformat(value)
    if isinstance(value, str) and "Decimal" in hint:
        return Decimal(value)
    return value


# -- folding and disclosing ---------------------------------------------------------------------


def _views(
    ledger: Ledger,
    families: tuple[str, ...],
    as_of: date,
    position: int,
    parameters: Parameters,
    progress: Progress | None,
    stored: Mapping[str, Views] | None = None,
    sources: dict[str, str] | None = None,
) -> Views:
    """One family at a time (so progress can be told), merged into one :class:`Views`; a
    family in ``stored`` (current persisted figures) is not folded again."""
    parts: dict[str, Views] = {}
    for name in families:
        if progress is not None:
            progress(name)
        if stored and name in stored:
            parts[name] = stored[name]
            if sources is not None:
                sources[name] = "persisted"
            continue
        options = {name: fold_options(name, parameters[name])}
        parts[name] = build_views(ledger, as_of, position, [name], options)
        if sources is not None:
            sources[name] = "computed"
    by_id = {k: f for views in parts.values() for k, f in views.by_id.items()}
    return Views(as_of, position, {n: v[n] for n, v in parts.items()}, by_id)


@attrs.frozen
class PersistedFamily:
    """A family read from persisted figure snapshots: its figures, without the view's rows
    (curves, restatements) that only the HTML charts draw."""

    figures: tuple[Any, ...]


def _persisted(
    ledger: Ledger,
    families: tuple[str, ...],
    as_of: date | None,
    position: int,
    parameters: Parameters,
) -> dict[str, Views]:
    """The families whose persisted snapshot (kept by ``legacyledger follow`` for this as-of
    date, or for "today" when none is given, and these parameters) is at ``position``, the
    ledger's head. Anything else is folded as usual."""
    if position != ledger.head():
        return {}
    if not store_exists(ledger):
        return {}
    found: dict[str, Views] = {}
    day = as_of or date.today()
    with PersistedViews(ledger) as stored:
        for name in families:
            options = {name: fold_options(name, parameters[name])}
            reading = stored.read(name, as_of, options)
            if as_of is not None and not reading.current and as_of == date.today():
                reading = stored.read(name, None, options)
            if reading.current and reading.position == position:
                by_id = {f.id: f for f in reading.figures}
                found[name] = Views(day, position, {name: PersistedFamily(reading.figures)}, by_id)
    return found


def _disclosed(views: Views, policy: str) -> tuple[ReportFigure, ...]:
    figures = views.figures
    disclosed = apply_disclosure(figures, policy)
    return tuple(_figure(d, f.value) for d, f in zip(disclosed, figures, strict=True))


def _figure(disclosed: DisclosedFigure, value: Value) -> ReportFigure:
    d = disclosed
    label = d.label or readable_name(d.id)  # every figure has a label people can read
    return ReportFigure(d.id.partition(".")[0], d.id, label, shown(d), d.unit,
                        d.kind, d.suppressed, d.derivation, value)  # fmt: skip


def is_money(unit: str, kind: str) -> bool:
    return kind == "money" or unit.upper().startswith("GBP")


def shown(figure: DisclosedFigure) -> Shown:
    """The disclosed display as JSON: money in whole pence (half up), decimals as exact text."""
    display = figure.display
    if isinstance(display, Decimal):
        exact = pence(display) if is_money(figure.unit, figure.kind) else display
        return plain(exact)  # type: ignore[no-any-return]
    return display


# -- digest and JSON ----------------------------------------------------------------------------


def canonical_json(document: Any) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def report_digest(
    families: Sequence[str],
    as_of: date,
    known_at: int,
    parameters: Parameters,
    disclosure: str,
    figures: Iterable[ReportFigure],
    chain_link: str | None = None,
    frameworks: Sequence[str] | None = None,
) -> str:
    """``frameworks`` (the versions judged against) is hashed when given; reports made before
    frameworks were facts have none, and their digests stay what they were."""
    rows = sorted(([f.id, plain(f.unrounded), f.display] for f in figures), key=lambda r: r[0])
    body = {"schema": SCHEMA, "families": list(families), "as_of": as_of.isoformat(),
            "known_at": known_at, "chain_link": chain_link, "parameters": parameters,
            "disclosure": disclosure, "figures": rows}  # fmt: skip
    if frameworks is not None:
        body["frameworks"] = list(frameworks)
    return "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()


def report_json(report: Report) -> dict[str, Any]:
    """The report as a ``legacyledger.report/1`` document; the footer fields close it."""
    return {
        "schema": SCHEMA,
        "families": list(report.families),
        "as_of": report.as_of.isoformat(),
        "figures": [figure_json(f, report.disclosure) for f in report.figures],
        "known_at": report.known_at,
        "ledger_head": report.ledger_head,
        "chain_link": report.chain_link,
        "parameters": plain(report.parameters),
        "disclosure": report.disclosure,
        "disclosure_method": METHOD,
        "generated_at": report.generated_at.isoformat().replace("+00:00", "Z"),
        "frameworks": list(report.frameworks),
        "digest": report.digest,
    }


#: Fields of a figure's document worked out from its id and display, for tools that want
#: columns: compared when a report has them, absent from reports made before they existed.
DERIVED_FIELDS = frozenset({"metric", "dims", "number", "symbol"})


def figure_json(figure: ReportFigure, policy: str) -> dict[str, Any]:
    """One figure of a report document (its fields: ``report-1.schema.json``)."""
    return {
        "family": figure.family,
        "id": figure.id,
        "metric": metric_of(figure.id),
        "dims": dimensions(figure.id),
        "label": figure.label,
        "display": figure.display,
        "number": number_of(figure.display),
        "symbol": None if number_of(figure.display) is not None else str(figure.display),
        "unit": figure.unit,
        "kind": figure.kind,
        "suppressed": figure.suppressed,
        "derivation": derivation_json(figure.derivation, policy),
    }


def shown_value(display: Shown) -> tuple[int | Decimal | None, str]:
    """The display as an exact number, or ``None`` with the symbol shown instead (``*``
    suppressed, ``n/a`` not computable): the typed value of tidy exports."""
    if isinstance(display, bool):
        return int(display), ""
    if isinstance(display, int):
        return display, ""
    try:
        number = Decimal(str(display))
    except InvalidOperation:
        return None, str(display)
    return (number, "") if number.is_finite() else (None, str(display))


def number_of(display: Shown) -> int | float | None:
    """The display as a JSON number, for tools that want one column of numbers (``display``
    keeps exact decimals as text); ``None`` for ``*`` (suppressed) and ``n/a``."""
    if isinstance(display, (int, float)) and not isinstance(display, bool):
        return display
    value = None if isinstance(display, bool) else shown_value(display)[0]
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def derivation_json(derivation: Derivation, policy: str) -> dict[str, Any]:
    d = derivation
    return {
        "formula": d.formula,
        "version": d.version,
        "parameters": plain(d.parameters),
        "as_of": plain(d.as_of),
        "known_at": d.known_at,
        "contributing": len(d.contributing) if policy == "none" else None,
        "disclosure": d.disclosure,
        "note": d.note,
        "inputs": list(d.inputs),
    }


def report_schema() -> dict[str, Any]:
    """The JSON Schema of ``legacyledger.report/1`` documents."""
    text = resources.files("legacyledger").joinpath("schemas", SCHEMA_FILE).read_text("utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


# -- verifying a report -------------------------------------------------------------------------


@attrs.frozen
class FigureMismatch:
    """A figure whose display (or another ``field`` of its document: its label, unit or
    derivation) differs; ``None`` on the side that lacks the figure."""

    id: str
    reported: Shown | None
    rebuilt: Shown | None
    field: str = "display"


@attrs.frozen
class Redefined:
    """A figure the report made under another definition than this legacyledger's: its
    formula's version changed, or (``field == "display"``) only the disclosure method that
    showed it. Such a figure cannot be reproduced exactly; it is not evidence of a change
    in the facts."""

    id: str
    formula: str
    reported_version: int | None
    rebuilt_version: int | None
    #: Which definition changed: ``"formula"`` (its version), ``"new formula"`` (a figure
    #: the report could not have had), ``"parameters"`` (the same value, derived under other
    #: parameter defaults), ``"wording"`` (the same value under a label or unit worded
    #: since) or ``"disclosure method"``.
    what: str


@attrs.frozen
class VerifyResult:
    """What :func:`verify_report` found: the digests, the figures that differ under the same
    definitions (``differences``), those made under other definitions (``redefined``)."""

    claimed_digest: str
    rebuilt_digest: str | None
    known_at: int | None
    ledger_head: int
    differences: tuple[FigureMismatch, ...] = ()
    #: Why the report could not be rebuilt at all (a bad document, a shorter ledger).
    problems: tuple[str, ...] = ()
    redefined: tuple[Redefined, ...] = ()

    @property
    def reproduces(self) -> bool:
        """Exactly: the same digest, every figure the same."""
        same = self.rebuilt_digest == self.claimed_digest
        return same and not self.differences and not self.redefined and not self.problems

    @property
    def consistent(self) -> bool:
        """Every figure made under this legacyledger's definitions reproduces; the others
        (``redefined``) were made under earlier formula or disclosure-method versions."""
        return self.reproduces or (not self.differences and not self.problems)


def verify_report(ledger: Ledger, document: Mapping[str, Any]) -> VerifyResult:
    """Rebuild the report at its ``known_at``: same digest and same displays, or what differs."""
    claimed = str(document.get("digest", ""))
    if document.get("schema") != SCHEMA:
        return _unverified(ledger, document, f"not a {SCHEMA} document")
    try:
        rebuilt = _rebuild(ledger, document)
    except (KeyError, TypeError, ValueError) as error:
        return _unverified(ledger, document, f"cannot rebuild the report: {error}")
    mismatches = compare(document.get("figures", []), rebuilt.figures,
                         str(document.get("disclosure", rebuilt.disclosure)))
    theirs = {str(f.get("id")): f for f in document.get("figures", []) if isinstance(f, Mapping)}
    method = document.get("disclosure_method", 1)  # 0.1.0 wrote none: the first method
    then = _Then(theirs, method if isinstance(method, int) else 1, rebuilt.disclosure)
    ours = {f.id: f for f in rebuilt.figures}
    differences: list[FigureMismatch] = []
    redefined: list[Redefined] = []
    for mismatch in mismatches:
        changed = then.redefined(ours.get(mismatch.id), mismatch)
        if changed is None:
            differences.append(mismatch)
        else:
            redefined.append(changed)
    return VerifyResult(claimed, rebuilt.digest, rebuilt.known_at, ledger.head(),
                        tuple(differences), redefined=tuple(redefined))  # fmt: skip


class _Then:
    """What a report said, to tell a change of definition from a change of facts."""

    def __init__(self, figures: Mapping[str, Mapping[str, Any]], method: int, policy: str) -> None:
        self.figures, self.method, self.policy = figures, method, policy
        #: Made by a release before this one's definitions (its disclosure method is older):
        #: its derivations may name parameter defaults that have changed since.
        self.older = method < METHOD
        #: The version the report gave each formula it names.
        self.formulas = {
            str(d.get("formula")): d.get("version") for f in figures.values()
            if isinstance(d := f.get("derivation"), Mapping)
        }  # fmt: skip

    def redefined(self, ours: ReportFigure | None, mismatch: FigureMismatch) -> Redefined | None:
        """Why a figure differs when it is a change of definition, not of facts: its formula
        is new or its version moved; or it shows the same value but its derivation names
        other parameters (a default changed); or its display alone differs and the
        disclosure method that shows such a figure changed since the report's."""
        if ours is None:
            return None
        formula, version = ours.derivation.formula, ours.derivation.version
        theirs = self.figures.get(mismatch.id)
        if theirs is None:  # a figure the report has not: its formula is new, or redefined
            if formula not in self.formulas:
                return Redefined(mismatch.id, formula, None, version, "new formula")
            then = self.formulas[formula]
            if then == version:
                return None
            return Redefined(mismatch.id, formula, then if isinstance(then, int) else None,
                             version, "formula")  # fmt: skip
        derivation = theirs.get("derivation")
        if not isinstance(derivation, Mapping) or derivation.get("formula") != formula:
            return None
        then = derivation.get("version")
        if then != version:
            return Redefined(mismatch.id, formula, then if isinstance(then, int) else None,
                             version, "formula")  # fmt: skip
        if mismatch.field == "derivation" and self.older and self._parameters_only(
            derivation, ours
        ):
            return Redefined(mismatch.id, formula, version, version, "parameters")
        if mismatch.field in ("label", "unit") and self.older:
            return Redefined(mismatch.id, formula, version, version, "wording")
        if mismatch.field == "display" and shown_differently_since(
            self.method, formula, ours.kind, self.policy, metric_of(ours.id),
            then=mismatch.reported, now=mismatch.rebuilt, value=ours.unrounded,
        ):
            return Redefined(mismatch.id, formula, version, version, "disclosure method")
        return None

    def _parameters_only(self, derivation: Mapping[str, Any], ours: ReportFigure) -> bool:
        now = derivation_json(ours.derivation, self.policy)
        differ = {k for k in set(derivation) | set(now)
                  if canonical_json(plain(derivation.get(k))) != canonical_json(plain(now.get(k)))}
        return differ <= {"parameters", "note"}


def _unverified(ledger: Ledger, document: Mapping[str, Any], why: str) -> VerifyResult:
    known_at = document.get("known_at")
    position = known_at if isinstance(known_at, int) else None
    return VerifyResult(str(document.get("digest", "")), None, position, ledger.head(),
                        problems=(why,))  # fmt: skip


def _rebuild(ledger: Ledger, document: Mapping[str, Any]) -> Report:
    known_at, head = document["known_at"], ledger.head()
    if not isinstance(known_at, int) or known_at > head:
        raise ValueError(f"it was made at position {known_at}; this ledger ends at {head}")
    rebuilt = build_report(
        ledger,
        document["families"],
        date.fromisoformat(document["as_of"]),
        known_at,
        document["parameters"],
        document["disclosure"],
    )
    if "frameworks" in document:
        return rebuilt
    r = rebuilt  # made before frameworks were facts: its digest does not name them
    digest = report_digest(r.families, r.as_of, r.known_at, r.parameters, r.disclosure,
                           r.figures, r.chain_link)  # fmt: skip
    return attrs.evolve(rebuilt, digest=digest)


def compare(
    reported: Iterable[Mapping[str, Any]], rebuilt: Iterable[ReportFigure], policy: str = "nhs"
) -> Iterator[FigureMismatch]:
    """Figures whose display differs, or that only one side has, in the report's order; then
    any other field of a figure's document that differs (an edited derivation, label...)."""
    theirs = {str(f.get("id")): f for f in reported if isinstance(f, Mapping)}
    ours = {f.id: figure_json(f, policy) for f in rebuilt}
    for figure_id in [*theirs, *(i for i in ours if i not in theirs)]:
        a, b = theirs.get(figure_id), ours.get(figure_id)
        if a is None or b is None or not _same(a.get("display"), b["display"]):
            yield FigureMismatch(figure_id, None if a is None else a.get("display"),
                                 None if b is None else b["display"])
            continue
        for field in sorted(set(a) | (set(b) - (DERIVED_FIELDS - set(a)))):
            if canonical_json(plain(a.get(field))) != canonical_json(plain(b.get(field))):
                yield FigureMismatch(figure_id, _text(a.get(field)), _text(b.get(field)), field)
                break


def _text(value: Any) -> str | None:
    return None if value is None else canonical_json(plain(value)).decode()


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


# -- the ledger's own integrity -----------------------------------------------------------------


@attrs.frozen
class Problem:
    position: int | None
    message: str


@attrs.frozen
class StoredState:
    """One stored fact as read: its raw bytes, and the decoded dict (None if they do not decode)."""

    position: int
    state: bytes
    fact: Mapping[str, Any] | None


class IntegrityCheck(Protocol):
    """Sees every stored fact in ledger order, then sums up. ``name`` heads its lines."""

    name: str

    def visit(self, stored: StoredState) -> Iterable[Problem]: ...

    def finish(self) -> Iterable[Problem]: ...

    def summary(self) -> str: ...


@attrs.frozen
class CheckOutcome:
    name: str
    summary: str
    problems: tuple[Problem, ...]


@attrs.frozen
class IntegrityReport:
    facts: int
    head: int
    checks: tuple[CheckOutcome, ...]

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for c in self.checks for p in c.problems)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_ledger(ledger: Ledger, checks: Sequence[CheckFactory] | None = None) -> IntegrityReport:
    """One pass over the stored facts, each check seeing every one; problems are reported."""
    running: list[tuple[IntegrityCheck, list[Problem]]] = [
        (make(ledger), []) for make in (INTEGRITY_CHECKS if checks is None else checks)
    ]
    count = 0
    for count, stored in enumerate(stored_states(ledger), start=1):  # noqa: B007
        for check, problems in running:
            problems.extend(check.visit(stored))
    outcomes = tuple(_outcome(check, problems) for check, problems in running)
    return IntegrityReport(count, ledger.head(), outcomes)


def stored_states(ledger: Ledger) -> Iterator[StoredState]:
    for position, state in iter_states(ledger.app.recorder, 0, None):
        yield StoredState(position, state, _decoded(state))


def _outcome(check: IntegrityCheck, problems: list[Problem]) -> CheckOutcome:
    problems.extend(check.finish())
    return CheckOutcome(check.name, check.summary(), tuple(problems))


def _decoded(state: bytes) -> Mapping[str, Any] | None:
    try:
        fact = orjson.loads(state)
    except orjson.JSONDecodeError:
        return None
    return fact if isinstance(fact, dict) else None


class Positions:
    """Positions strictly ascending, the last one the ledger's head, every fact counted."""

    name = "positions"

    def __init__(self, ledger: Ledger) -> None:
        self.ledger, self.seen, self.first, self.last = ledger, 0, 0, 0

    def visit(self, stored: StoredState) -> Iterable[Problem]:
        position, last = stored.position, self.last
        self.seen, self.last, self.first = self.seen + 1, position, self.first or position
        if position <= last:
            return (Problem(position, f"position {position} follows {last}: not ascending"),)
        return ()

    def finish(self) -> Iterable[Problem]:
        head, count = self.ledger.head(), self.ledger.count()
        if self.last != head:
            yield Problem(None, f"the last stored fact is at {self.last}, the head says {head}")
        if self.seen != count:
            yield Problem(None, f"{self.seen} facts read, the store counts {count}")

    def summary(self) -> str:
        span = f"positions {self.first}-{self.last}" if self.seen else "no positions"
        return f"{self.seen} facts, {span}, ascending; head {self.ledger.head()}"


class Validates:
    """Every stored fact decodes and, in its interchange form, validates against its model."""

    name = "facts"

    def __init__(self, ledger: Ledger) -> None:
        self.seen = self.valid = 0

    def visit(self, stored: StoredState) -> Iterable[Problem]:
        self.seen += 1
        why = _invalid(stored.fact)
        if why is not None:
            return (Problem(stored.position, why),)
        self.valid += 1
        return ()

    def finish(self) -> Iterable[Problem]:
        return ()

    def summary(self) -> str:
        return f"{self.valid} of {self.seen} decode and validate against their fact models"


def _invalid(fact: Mapping[str, Any] | None) -> str | None:
    if fact is None:
        return "the stored bytes are not a JSON object"
    name = fact.get("fact")
    if name not in MODELS:
        return f"unknown fact {name!r}"
    try:
        datetime.fromisoformat(str(fact.get("recorded_at")))
        MODELS[name].model_validate(upcast(interchange(fact)))  # older versions: as read
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        return f"{name} {fact.get('source_ref')}: {_first_error(error)}"
    return None


def _first_error(error: ValueError) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else str(first["msg"])
    if isinstance(error, VersionError):
        return f"v: {error}"
    return f"recorded_at: {error}"


class SourceRefIndex:
    """Every stored fact's ``source_ref`` is in the index, naming the fact's subject and the
    next version of that subject. (An index entry with no fact is not looked for: the
    recorders offer no way to list the index.)"""

    name = "source_ref index"
    BATCH = 500

    def __init__(self, ledger: Ledger) -> None:
        self.recorder: Any = ledger.app.recorder
        self.pending: list[tuple[int, str, Any, str]] = []
        self.versions: dict[Any, int] = {}
        self.seen = self.indexed = 0

    def visit(self, stored: StoredState) -> Iterable[Problem]:
        self.seen += 1
        fact = stored.fact
        if fact is None or "source_ref" not in fact:
            return (Problem(stored.position, "no source_ref to look up"),)
        self.pending.append(
            (stored.position, str(fact["source_ref"]), _subject_id(fact), _fact_digest(fact))
        )
        return self._flush() if len(self.pending) >= self.BATCH else ()

    def finish(self) -> Iterable[Problem]:
        problems = self._flush()
        held = self.recorder.count_refs()
        if held != self.seen:
            problems.append(Problem(None, f"the index holds {held} refs for {self.seen} facts"))
        return problems

    def _flush(self) -> list[Problem]:
        found = self.recorder.lookup_refs([item[1] for item in self.pending])
        problems = [p for item in self.pending for p in self._check(item, found.get(item[1]))]
        self.pending = []
        return problems

    def _check(self, item: tuple[int, str, Any, str], entry: Any) -> Iterator[Problem]:
        position, ref, subject, content = item
        if entry is None:
            yield Problem(position, f"{ref} is not in the source_ref index")
            return
        self.indexed += 1
        originator, version = entry[0], entry[1]
        if entry[2] != content:
            yield Problem(position, f"{ref}: the index's digest is not the fact's ({entry[2]})")
        expected = self.versions.get(subject, 0) + 1
        self.versions[subject] = version if originator == subject else expected
        if subject is not None and originator != subject:
            yield Problem(position, f"{ref}: the index names another subject ({originator})")
        elif version != expected:
            yield Problem(position, f"{ref}: the index says version {version}, expected {expected}")

    def summary(self) -> str:
        return (f"{self.indexed} of {self.seen} stored facts found in the index, in version "
                "order, with their content's digest")


def _fact_digest(fact: Mapping[str, Any]) -> str:
    """The digest an import gave this stored fact (``facts.digest`` of its interchange form;
    without its ref when the ref was derived from that digest)."""
    body = interchange(fact)
    if str(body.get("source_ref", "")).startswith(DERIVED_REF_PREFIX):
        body.pop("source_ref")
    return digest(orjson.dumps(body))


class LinksIndex:
    """The links index (``legacyledger.domain.links``) equals the one recomputed from the
    facts as they stand after corrections: a deleted or edited row would silently turn a rule
    across subjects off. Linking facts and corrections are kept (compact) until the end."""

    name = "links index"

    def __init__(self, ledger: Ledger) -> None:
        self.recorder: Any = ledger.app.recorder
        self.kept: list[FactRecord] = []
        self.expected = self.stored = 0

    def visit(self, stored: StoredState) -> Iterable[Problem]:
        fact = stored.fact
        if fact is not None and isinstance(fact.get("source_ref"), str):
            name = fact.get("fact")
            if name not in LINKING and name not in (CORRECTED, VOIDED):
                fact = {"fact": name, "source_ref": fact["source_ref"]}
            self.kept.append(FactRecord(stored.position, fact))
        return ()

    def finish(self) -> Iterable[Problem]:
        expected: dict[tuple[Any, str, str, str], int] = {}
        for standing in effective_facts(self.kept):
            for row in _links(standing.fact):
                expected[row] = standing.position
        self.kept = []
        stored = set(self.recorder.all_links())
        self.expected, self.stored = len(expected), len(stored)
        for subject, day, ref, name in sorted(set(expected) - stored, key=str):
            yield Problem(expected[(subject, day, ref, name)],
                          f"{name} {ref}: its link to {subject} on {day} is not in the index")
        for subject, day, ref, name in sorted(stored - set(expected), key=str):
            yield Problem(None, f"the index links {name} {ref} to {subject} on {day}, "
                                "which no fact as it stands does")

    def summary(self) -> str:
        return f"{self.stored} stored links, {self.expected} recomputed from the facts"


#: Facts that can leave a link (a rule across subjects naming a link subject).
LINKING = frozenset(name for name, rules in NEEDS_OF.items()
                    if any(rule.subject is not None for rule in rules))


def _links(fact: Mapping[str, Any]) -> Iterator[tuple[Any, str, str, str]]:
    name = str(fact.get("fact"))
    if name not in LINKING:
        return
    key_field = KEY_OF.get(name)
    if key_field is None or key_field not in fact:
        return
    fields = dict(fact)
    for field in ("on", "until"):
        if isinstance(fields.get(field), str):
            fields[field] = date.fromisoformat(fields[field])
    for subject, day in links_of(name, str(fact[key_field]), fields):
        yield (subject, day.isoformat(), str(fact["source_ref"]), name)


class StoredViews:
    """The persisted views (current facts, figure snapshots) equal the views recomputed from
    the facts at their positions (``legacyledger.views.audit.check_stored_views``): an edited
    figure in the views file is found, whatever digest it carries."""

    name = "persisted views"

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.checked: Any = None

    def visit(self, stored: StoredState) -> Iterable[Problem]:
        return ()

    def finish(self) -> Iterable[Problem]:
        self.checked = check_stored_views(self.ledger)
        return tuple(Problem(None, str(problem)) for problem in self.checked.problems)

    def summary(self) -> str:
        return "no persisted views" if self.checked is None else self.checked.summary


def _subject_id(fact: Mapping[str, Any]) -> Any:
    field = KEY_OF.get(str(fact.get("fact"))) or next(
        (k for k in ("partnership", "mentor", "registrant", "event") if k in fact), None
    )
    if field is None or field not in fact:
        return None
    return subject_class(field).id_for(str(fact[field]))


class HashChain:
    """The hash chain over the stored facts recomputes: no fact edited, inserted or deleted
    behind the ledger's back (the chain has its own pass, so ``visit`` only counts)."""

    name = "hash chain"

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.result: Any = None

    def visit(self, stored: StoredState) -> Iterable[Problem]:
        return ()

    def finish(self) -> Iterable[Problem]:
        self.result = self.ledger.verify_chain()
        if self.result.ok:
            return ()
        return (Problem(self.result.first_bad, f"chain broken: {self.result.reason}"),)

    def summary(self) -> str:
        if self.result is None or not self.result.ok:
            return "the chain does not verify"
        return (
            f"{self.result.checked} links verified; head {self.result.head} {self.result.head_link}"
        )


class Anchor:
    """The chain link at a position equals one published earlier (``legacyledger head``): a
    hash chain recomputed by whoever rewrote or truncated the tail verifies on its own, but
    no longer reaches the published link."""

    name = "anchor"

    def __init__(self, ledger: Ledger, position: int, link: str) -> None:
        self.ledger, self.position, self.link = ledger, position, link.lower()
        self.found: str | None = None

    def visit(self, stored: StoredState) -> Iterable[Problem]:
        return ()

    def finish(self) -> Iterable[Problem]:
        head = self.ledger.head()
        if head < self.position:
            return (Problem(self.position, f"the ledger ends at position {head}, before the "
                                           "anchored position: its tail was cut off"),)
        self.found = self.ledger.chain_link(self.position)
        if self.found != self.link:
            return (Problem(self.position, f"the chain link here is {self.found}, the anchor "
                                           f"says {self.link}: the history up to it was "
                                           "rewritten"),)
        return ()

    def summary(self) -> str:
        return f"position {self.position} {self.link}"


def anchored(position: int, link: str) -> CheckFactory:
    """A check that the ledger still reaches ``link`` at ``position`` (``verify --anchor``)."""
    if not re.fullmatch(r"[0-9a-fA-F]{64}", link) or position < 1:
        raise ValueError(f"an anchor is POSITION:LINK (a 64-hex-digit link), not {position}:{link}")
    return lambda ledger: Anchor(ledger, position, link)


CheckFactory = Callable[["Ledger"], IntegrityCheck]
#: Run by :func:`check_ledger` in this order; append a factory to add a check.
INTEGRITY_CHECKS: list[CheckFactory] = [
    Positions, Validates, SourceRefIndex, LinksIndex, HashChain, StoredViews,
]

__all__ = [
    "FAMILY_NAMES",
    "INTEGRITY_CHECKS",
    "SCHEMA",
    "CheckOutcome",
    "FigureMismatch",
    "IntegrityCheck",
    "IntegrityReport",
    "Problem",
    "Redefined",
    "Report",
    "ReportFigure",
    "StoredState",
    "VerifyResult",
    "anchored",
    "build_report",
    "check_ledger",
    "compare",
    "report_digest",
    "report_json",
    "report_schema",
    "shown_value",
    "verify_report",
]
