"""``legacyledger explain``: a figure's derivation and the stored facts that made it.

Also what ``diff`` and ``replay`` show the same way: values, fact tables, JSON, and the
answer to an unknown figure id.
"""

from __future__ import annotations

import contextlib
import difflib
import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import attrs
import click
import orjson

from legacyledger import FactRecord, Ledger
from legacyledger.facts import KEY_OF
from legacyledger.frameworks import UnknownFrameworkError
from legacyledger.projections.base import Figure
from legacyledger.projections.disclosure import (
    NOT_AVAILABLE,
    SUPPRESSED,
    Discloser,
    disclose_figure,
)
from legacyledger.reports.words import Words, in_words
from legacyledger.views import Explanation, family_of
from legacyledger_cli.figure_options import (
    Params,
    cut_offs,
    disclosure_option,
    figure_params,
    retention_options,
    typed_id,
)
from legacyledger_cli.query import is_correction, subject_of
from legacyledger_cli.render import correction_detail, heading, jsonable, plural, recorded, table
from legacyledger_cli.render import value as text
from legacyledger_cli.shell import Failure, Shell, known_position, pass_shell

FACT_HEADERS = ("POS", "RECORDED (UTC)", "ON", "FACT", "KEY", "REF", "FIELDS")
ENVELOPE = frozenset({"fact", "on", "source_ref", "recorded_at"})


@contextlib.contextmanager
def missing_frameworks() -> Iterator[None]:
    """A fact names a framework this ledger has not loaded (its file was not kept with it)."""
    try:
        yield
    except UnknownFrameworkError as error:
        what = str(error.args[0]).split(" (known")[0]
        hint = "load its file: `legacyledger frameworks load FILE`"
        raise Failure(f"cannot rebuild compliance: {what}", [hint]) from None


# -- showing figures and facts ---------------------------------------------------------------


def shown(figure: Figure) -> str:
    """The value as people read it: money in whole pence (half up), ratios to 4 places."""
    number = figure.value
    if number is None:
        return "- (not computable)"
    if isinstance(number, Decimal):
        money = figure.kind == "money" or figure.unit.startswith("GBP")
        exponent = number.as_tuple().exponent
        if money or (isinstance(exponent, int) and exponent < -4):
            number = number.quantize(Decimal("0.01" if money else "0.0001"), ROUND_HALF_UP)
    elif isinstance(number, float):
        return f"{number:.6g} {figure.unit}"
    return f"{number} {figure.unit}"


TRUE_VALUES = (
    "disclosure none: true values, unrounded and unsuppressed, for internal audit only; "
    "do not publish them (the default, nhs, shows values as a published report does)"
)


class Disclosed:
    """Figures shown under a disclosure policy, as a report shows them: each figure disclosed
    from the figures of its family (which it may rest on). ``none`` shows true values."""

    def __init__(self, policy: str, figures: Mapping[str, Figure] | None = None) -> None:
        self.policy, self.figures = policy, figures or {}
        self.discloser = Discloser(self.figures, policy)

    @classmethod
    def of(
        cls, ledger: Ledger, policy: str, figure_id: str, as_of: date | None, known_at: Any,
        params: Params,
    ) -> Disclosed:  # fmt: skip
        if policy == "none":
            return cls(policy)
        views = ledger.views(as_of, known_at, [family_of(figure_id)], params)
        return cls(policy, views.by_id)

    def display(self, figure: Figure) -> Any:
        """The value as published: a number, ``"*"`` (suppressed) or ``"n/a"``."""
        if self.policy == "none":
            return figure.value
        if self.figures.get(figure.id) is figure:
            return self.discloser.disclose(figure).display
        return disclose_figure({**self.figures, figure.id: figure}, figure.id, self.policy).display

    def text(self, figure: Figure) -> str:
        if self.policy == "none":
            return shown(figure)
        display = self.display(figure)
        if display == SUPPRESSED:
            return (f"* (suppressed under disclosure {self.policy}: a small count, or resting on "
                    "one, or one that with counts it adds up with would give a small count away)")
        if display == NOT_AVAILABLE:
            return "- (not computable)"
        return shown(attrs.evolve(figure, value=display))


def warn_true_values(policy: str) -> None:
    if policy == "none":
        click.echo(TRUE_VALUES, err=True)


def fact_row(record: FactRecord) -> tuple[str, ...]:
    fact = record.fact
    _, key = subject_of(fact)
    own = KEY_OF.get(fact["fact"])
    if is_correction(fact):
        fields = correction_detail(fact)
    else:
        fields = " ".join(f"{k}={text(v)}" for k, v in fact.items() if k not in ENVELOPE | {own})
    on, ref = fact["on"], fact["source_ref"]
    return (str(record.position), recorded(fact), on, fact["fact"], key, ref, fields)


def fact_table(records: Sequence[FactRecord], indent: str = "  ") -> Iterator[str]:
    if not records:
        return iter([f"{indent}(none)"])
    return table(FACT_HEADERS, map(fact_row, records), indent=indent)


def fact_json(record: FactRecord) -> dict[str, Any]:
    return {"position": record.position, **record.fact}


def plain(item: Any) -> Any:
    """For ``orjson.dumps(default=...)``: read-only mappings as dicts, then :func:`jsonable`."""
    return dict(item) if isinstance(item, Mapping) else jsonable(item)


def dumps(document: Any) -> str:
    return orjson.dumps(document, default=plain, option=orjson.OPT_INDENT_2).decode()


def figure_json(figure: Figure, disclosed: Disclosed | None = None) -> dict[str, Any]:
    d = figure.derivation
    policy = "none" if disclosed is None else disclosed.policy
    return {
        "id": figure.id,
        "value": figure.value if disclosed is None else disclosed.display(figure),
        "disclosure": policy,
        "unit": figure.unit,
        "label": figure.label,
        "kind": figure.kind,
        "derivation": {
            "formula": d.formula,
            "version": d.version,
            "parameters": d.parameters,
            "as_of": d.as_of,
            "known_at": d.known_at,
            "disclosure": d.disclosure,
            "note": d.note,
            "inputs": d.inputs,
            "contributing": d.contributing,
        },
    }


def unknown_figure(
    ledger: Ledger, figure_id: str, as_of: date | None, known_at: Any, params: Params
) -> Failure:
    """No such figure: one line, then the closest ids that do exist."""
    try:
        families = [family_of(figure_id)]
    except KeyError:
        families = None
    views = ledger.views(as_of, known_at, families, params)
    close = difflib.get_close_matches(figure_id, list(views.by_id), n=5, cutoff=0.5)
    where = f"as of {views.as_of}, known at position {views.known_at}"
    hints = suggestions(close) or ["`legacyledger replay --ids` lists every figure id"]
    return Failure(f"no figure {figure_id} ({where})", hints)


def suggestions(close: Sequence[str]) -> list[str]:
    return [f"{'did you mean' if i == 0 else '          or'} {c}?" for i, c in enumerate(close)]


# -- the command -----------------------------------------------------------------------------


@click.command(
    epilog="\b\nExamples:\n  legacyledger explain 'retention.rate/cohort=2024-25/h=12/scope=nhs'"
    " --as-of 2026-03-31\n"
    "  legacyledger explain 'costs.total/period=2024-25' --known-at 1200 --json",
)
@click.argument("figure_id", metavar="FIGURE-ID", callback=typed_id)
@cut_offs()
@retention_options
@disclosure_option
@click.option("--json", "as_json", is_flag=True, help="Figure, derivation and facts as JSON.")
@click.option("--page", type=click.IntRange(min=1), metavar="N", help="Show page N of the facts.")
@click.option(
    "--page-size",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    metavar="N",
    help="Facts per page.",
)
@pass_shell
def explain(
    shell: Shell,
    figure_id: str,
    as_of: date | None,
    known_at: Any,
    scope: str | None,
    by: tuple[str, ...],
    period: str | None,
    disclosure: str,
    as_json: bool,
    page: int | None,
    page_size: int,
) -> None:
    """Explain a figure: how it was computed, and the facts that made it.

    FIGURE-ID is family.metric/dim=value/... as listed by `legacyledger replay --ids`
    (a value may be typed as reports print it: cohort=2024/25). Says the figure in words
    first (its sum with its counts, "145 retained ÷ 165 eligible", and the facts that
    made it, counted by type), then the formula and its version, the parameters, the
    cut-offs (as-of date and known-at position), the disclosure policy, note and inputs,
    then every contributing fact in ledger order, a page at a time. Retention ids carry
    their scope and dimensions, so --scope/--by/--period are only needed to override them.
    Values are shown as a published report shows them (--disclosure nhs); --disclosure
    none shows true values, for internal audit.
    """
    params = figure_params(figure_id, scope, by, period)
    warn_true_values(disclosure)
    with shell.ledger() as ledger, missing_frameworks():
        known_at = known_position(ledger, known_at)
        try:
            found = ledger.explain(figure_id, as_of, known_at, params)
        except KeyError:
            raise unknown_figure(ledger, figure_id, as_of, known_at, params) from None
        disclosed = Disclosed.of(ledger, disclosure, figure_id, as_of, known_at, params)
        words = told(ledger, found, as_of, known_at, params, disclosed)
    facts = list(found.facts)
    if as_json:
        chosen = facts if page is None else paged(facts, page, page_size)[0]
        said = {"sum": words.sum, "facts": dict(words.facts)}
        click.echo(dumps({**figure_json(found.figure, disclosed), "words": said,
                          "facts": [fact_json(r) for r in chosen]}))  # fmt: skip
        return
    for line in describe(found, disclosed, words, *paged(facts, page or 1, page_size)):
        click.echo(line)


def told(ledger: Ledger, found: Explanation, as_of: date | None, known_at: int,
         params: Params, disclosed: Disclosed) -> Words:  # fmt: skip
    """The figure in words, its inputs read from its family (folded once, only if it has
    any, and not again when disclosure already read it), every value shown under the
    disclosure policy asked for (none: as computed)."""
    figure = found.figure
    figures: Mapping[str, Figure] = {figure.id: figure}
    if disclosed.figures:
        figures = {**disclosed.figures, figure.id: figure}
    elif figure.derivation.inputs:
        family = ledger.views(as_of, known_at, [family_of(figure.id)], params)
        figures = {**family.by_id, figure.id: figure}
    return in_words(figure, figures, found.facts, disclosed.policy)


def paged(facts: list[FactRecord], page: int, size: int) -> tuple[list[FactRecord], str]:
    pages = max(1, math.ceil(len(facts) / size))
    if page > pages:
        count = plural(len(facts), "fact")
        raise Failure(f"there is no page {page}: {count} fill {plural(pages, 'page')}")
    first = (page - 1) * size
    chosen = facts[first : first + size]
    last = first + len(chosen)
    span = f"{first + 1}-{last}" if last > first + 1 else str(last)
    span = f"{span} of {len(facts)}" if chosen else "none"
    more = f"; --page {page + 1} for more" if page < pages else ""
    return chosen, f"Contributing facts ({span}, page {page} of {pages}{more})"


def describe(
    found: Explanation, disclosed: Disclosed, words: Words, facts: list[FactRecord], title: str
) -> Iterator[str]:
    """Words first (the sum, the facts by type), then the derivation, then a page of facts."""
    figure, d = found.figure, found.figure.derivation
    yield heading(f"{figure.id} = {disclosed.text(figure)}")
    if figure.label:
        yield f"  {figure.label}"
    if disclosed.policy == "none" and figure.value is not None and (
        str(figure.value) not in shown(figure)
    ):
        yield f"  exact value: {figure.value}"
    yield ""
    yield heading("In words")
    yield from (f"  {line}" for line in words.lines())
    yield ""
    yield heading("Derivation")
    policy = "none: true values (internal audit)" if disclosed.policy == "none" else (
        disclosed.policy)  # fmt: skip
    rows = {
        "formula": f"{d.formula} (version {d.version})",
        "as of": text(d.as_of),
        "known at": f"position {d.known_at}",
        "disclosure": policy,
        "note": text(d.note),
        "inputs": text(d.inputs),
    }
    yield from (f"  {k:<11} {v}" for k, v in rows.items())
    yield "  parameters"
    yield from (f"    {k:<22} {text(v)}" for k, v in d.parameters.items())
    yield ""
    yield heading(title)
    yield from fact_table(facts)
