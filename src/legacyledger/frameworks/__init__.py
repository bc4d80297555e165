"""Frameworks: the versioned reference data that compliance is measured against.

A framework is a JSON file (the full description, with examples, is ``FORMAT.md`` beside this
module)::

    {"id": "people-promise", "version": "1", "title": "...", "source": "...",
     "items": [{"id": "voice_that_counts", "title": "...", "description": "...",
                "area": "...", "assessment": "self_assessed"},
               {"id": "single_point_of_contact", "title": "...", "description": "...",
                "area": "...", "assessment": "computed",
                "rule": {"id": "single_point_of_contact", "params": {}}}]}

Unknown keys are rejected, item ids are unique, a computed item names one of :data:`RULES`
with only that rule's parameters (missing ones take the documented defaults, so the loaded
item always carries every threshold it is judged by), and a self-assessed item has no rule.
Files come from outside, so pydantic validates them; what the rest of the library sees are
frozen attrs values. Frameworks are data, not code: the NEY six pillars, whose names are not
public, can be loaded from a user's own file (``examples/six-pillars.example.json``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Literal

import attrs
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from legacyledger.domain.values import CONTROL_RE, KEY_RE

__all__ = [
    "RULES",
    "SHARE_RULES",
    "Framework",
    "FrameworkError",
    "FrameworkItem",
    "FrameworkRegistry",
    "Rule",
    "UnknownFrameworkError",
    "difference",
    "document",
    "framework_of",
    "load_framework",
    "parse_framework",
    "shipped_frameworks",
]

Assessment = Literal["computed", "self_assessed"]
#: Ids and versions are named by facts, so they are keys (64 characters at most).
_NAME = f"^{KEY_RE}$"
#: A framework file's limits: its size, how deep its JSON nests (the format needs 5 levels),
#: and the length of its texts.
MAX_BYTES = 1_000_000
MAX_DEPTH = 8
MAX_TEXT = 2000
_CONTROL = re.compile(CONTROL_RE)


class FrameworkError(ValueError):
    """A framework file that cannot be used; the message names the file and the item."""


#: The computed rules a framework item may name, with every parameter and its default.
#: The rules themselves live in ``legacyledger.projections.compliance.rules``; the names and
#: parameters are part of the file format, so a file is checked without running anything.
#: Share rules also accept ``met_share`` / ``partial_share`` (decimal strings) to override the
#: projection-wide status thresholds for that item.
RULES: Mapping[str, Mapping[str, Any]] = {
    "introduced_before_joint_events": {},
    "joint_induction": {},
    "ongoing_cpd": {"role": "ambassador", "window_months": 12, "active_months": 6},
    "single_point_of_contact": {},
    "broad_engagement_commitment": {"min_health_orgs": 1, "min_social_care_orgs": 1},
    "experienced_pairing": {"experienced_after_events": 3},
    "over_recruitment": {"role": "ambassador", "dropout_rate": "0.60"},
    "ney_planning_preparation": {
        "role": "legacy_mentor",
        "min_mentors": 1,
        "min_inducted_share": "1",
        "min_pay_rate_share": "1",
    },
    "ney_process_actions": {"min_matches": 1, "min_contacts": 1, "min_action_research_meetings": 3},
    "ney_outputs_outcomes": {
        "min_registrants_measured": 1,
        "retention_months": 12,
        "min_registrants_observable": 1,
    },
    "ney_reflection_next_steps": {"min_actions_agreed": 1, "min_actions_completed": 1},
    "preceptee_meetings_min": {"period_months": 6, "min_meetings": 3},
    "preceptee_meetings_every": {"period_months": 12, "interval_months": 2},
    "preceptee_first_meeting": {"within_days": 14},
    "preceptor_protected_time": {"hours_per_year": "8"},
}

#: Rules whose value is a share of a population; they accept the share-threshold overrides.
SHARE_RULES = frozenset(
    {
        "introduced_before_joint_events",
        "ongoing_cpd",
        "experienced_pairing",
        "preceptee_meetings_min",
        "preceptee_meetings_every",
        "preceptee_first_meeting",
        "preceptor_protected_time",
    }
)
_SHARE_DEFAULTS: Mapping[str, Any] = {"met_share": None, "partial_share": None}


@attrs.frozen
class Range:
    """The values a rule parameter may take: ``low`` to ``high`` (below ``high`` when not
    ``inclusive``), or one of ``choices``."""

    low: Decimal = Decimal(0)
    high: Decimal = Decimal(0)
    inclusive: bool = True
    choices: tuple[str, ...] = ()

    def holds(self, value: Decimal | str) -> bool:
        if self.choices:
            return value in self.choices
        assert isinstance(value, Decimal)
        return self.low <= value and (value <= self.high if self.inclusive else value < self.high)

    def __str__(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        return f"from {self.low} to {self.high}" + ("" if self.inclusive else " (exclusive)")


_MONTHS, _COUNT, _SHARE = Range(Decimal(1), Decimal(120)), Range(high=Decimal(10**6)), Range(
    high=Decimal(1)
)
#: The range of every rule parameter (by name: a name means the same in every rule), so a
#: loaded framework can always be judged (a dropout rate of 1 divided by zero).
PARAMETER_RANGES: Mapping[str, Range] = {
    "role": Range(choices=("legacy_mentor", "ambassador")),
    "window_months": _MONTHS, "active_months": _MONTHS, "retention_months": _MONTHS,
    "period_months": _MONTHS, "interval_months": _MONTHS,
    "within_days": Range(Decimal(0), Decimal(3660)),
    "min_health_orgs": _COUNT, "min_social_care_orgs": _COUNT, "min_mentors": _COUNT,
    "min_matches": _COUNT, "min_contacts": _COUNT, "min_action_research_meetings": _COUNT,
    "min_registrants_measured": _COUNT, "min_registrants_observable": _COUNT,
    "min_actions_agreed": _COUNT, "min_actions_completed": _COUNT,
    "min_meetings": _COUNT, "experienced_after_events": _COUNT,
    "dropout_rate": Range(high=Decimal(1), inclusive=False),
    "min_inducted_share": _SHARE, "min_pay_rate_share": _SHARE,
    "met_share": _SHARE, "partial_share": _SHARE,
    "hours_per_year": Range(high=Decimal(8784)),
}  # fmt: skip


class UnknownFrameworkError(LookupError):
    """A framework, version or item the registry does not hold."""


@attrs.frozen
class Rule:
    """A computed item's rule: its name and every parameter it is judged by."""

    id: str
    params: Mapping[str, Any]


@attrs.frozen
class FrameworkItem:
    id: str
    title: str
    description: str
    area: str
    assessment: Assessment
    rule: Rule | None = None


@attrs.frozen
class Framework:
    """One version of a compliance framework: its items, each assessed per partnership
    (``frameworks/FORMAT.md``)."""

    id: str
    version: str
    title: str
    source: str
    items: tuple[FrameworkItem, ...]

    def item(self, item_id: str) -> FrameworkItem:
        """The item with this id; an unknown one raises ``UnknownFrameworkError``."""
        for item in self.items:
            if item.id == item_id:
                return item
        known = ", ".join(i.id for i in self.items)
        raise UnknownFrameworkError(
            f"framework {self.id!r} version {self.version!r} has no item {item_id!r}"
            f" (items: {known})"
        )

    def has_item(self, item_id: str) -> bool:
        """Whether the framework has an item with this id."""
        return any(item.id == item_id for item in self.items)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _RuleIn(_Strict):
    id: str = Field(pattern=_NAME)
    params: dict[str, Any] = Field(default_factory=dict)


def _text(value: str) -> str:
    control = _CONTROL.search(value)
    if control:
        raise ValueError(f"holds control character U+{ord(control.group()):04X}")
    return value


_Text = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_text)]


class _ItemIn(_Strict):
    id: str = Field(pattern=_NAME)
    title: _Text = Field(min_length=1)
    description: _Text
    area: _Text
    assessment: Assessment
    rule: _RuleIn | None = None


class _FrameworkIn(_Strict):
    id: str = Field(pattern=_NAME)
    version: str = Field(pattern=_NAME)
    title: _Text = Field(min_length=1)
    source: _Text
    items: list[_ItemIn] = Field(min_length=1, max_length=500)


def load_framework(path: str | Path) -> Framework:
    """Read and validate one framework file; errors name the file and the item."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError as error:
        raise FrameworkError(f"{path}: cannot read framework file: {error}") from error
    return parse_framework(data, str(path))


def parse_framework(text: str | bytes, origin: str = "<framework>") -> Framework:
    """A framework from the text of a file (UTF-8 when bytes), every problem one line."""
    if len(text) > MAX_BYTES:
        raise FrameworkError(f"{origin}: larger than {MAX_BYTES:,} bytes")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as error:
            raise FrameworkError(
                f"{origin}: not UTF-8 (byte {error.start + 1} is {text[error.start]:#04x})"
            ) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise FrameworkError(f"{origin}: not valid JSON at {where}: {error.msg}") from None
    except RecursionError:
        raise FrameworkError(f"{origin}: nested more than {MAX_DEPTH} levels deep") from None
    return framework_of(raw, origin)


def framework_of(raw: Any, origin: str = "<framework>") -> Framework:
    """A framework from its decoded JSON (as a ``FrameworkLoaded`` fact carries it)."""
    if _depth(raw) > MAX_DEPTH:
        raise FrameworkError(f"{origin}: nested more than {MAX_DEPTH} levels deep")
    try:
        model = _FrameworkIn.model_validate(raw)
    except ValidationError as error:
        raise FrameworkError(_describe(error, raw, origin)) from None
    return _build(model, origin)


def _depth(raw: Any) -> int:
    """How deep a decoded JSON value nests (counted without recursion, so any depth is
    measured; stops counting past :data:`MAX_DEPTH`)."""
    deepest, level = 0, [raw]
    while level and deepest <= MAX_DEPTH:
        level = [
            child
            for node in level
            if isinstance(node, (dict, list))
            for child in (node.values() if isinstance(node, dict) else node)
        ]
        deepest += 1
    return deepest - (not level)



def document(framework: Framework) -> dict[str, Any]:
    """The framework as JSON, every rule parameter present: the content a ledger records.

    ``framework_of(document(f)) == f``, and equal frameworks give equal documents (keys in
    the order of the format, parameters in the order of :data:`RULES`)."""
    return {
        "id": framework.id,
        "version": framework.version,
        "title": framework.title,
        "source": framework.source,
        "items": [_item_document(item) for item in framework.items],
    }


def _item_document(item: FrameworkItem) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": item.id, "title": item.title, "description": item.description,
        "area": item.area, "assessment": item.assessment,
    }  # fmt: skip
    if item.rule is not None:
        found["rule"] = {"id": item.rule.id, "params": dict(item.rule.params)}
    return found


def difference(held: Framework, given: Framework) -> str | None:
    """Where two frameworks first differ, as a path such as
    ``items[ongoing_cpd].rule.params.window_months`` (None when they are equal)."""
    return _difference(document(held), document(given), "")


def _difference(a: Any, b: Any, path: str) -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in dict.fromkeys([*a, *b]):
            found = _difference(a.get(key), b.get(key), f"{path}.{key}" if path else key)
            if found is not None:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        for index in range(max(len(a), len(b))):
            x, y = (a[index] if index < len(a) else None), (b[index] if index < len(b) else None)
            item = x if isinstance(x, dict) else y
            name = item.get("id", index) if isinstance(item, dict) else index
            found = _difference(x, y, f"{path}[{name}]")
            if found is not None:
                return found
        return None
    return None if a == b else path


def _describe(error: ValidationError, raw: Any, origin: str) -> str:
    """One line: the file, then each problem where it is."""
    problems = [
        f"{_where(problem['loc'], raw)}: {problem['msg'].removeprefix('Value error, ')}"
        for problem in error.errors()
    ]
    return f"{origin}: invalid framework file: " + "; ".join(problems)


def _where(loc: tuple[int | str, ...], raw: Any) -> str:
    """Turn pydantic's ``('items', 2, 'rule')`` into ``item 'x' (#3): rule``."""
    if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
        items = raw.get("items") if isinstance(raw, dict) else None
        entry = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
        name = entry.get("id") if isinstance(entry, dict) else None
        rest = ".".join(str(part) for part in loc[2:]) or "item"
        return f"item {name!r} (#{loc[1] + 1}): {rest}"
    return ".".join(str(part) for part in loc) or "file"


def _build(model: _FrameworkIn, origin: str) -> Framework:
    seen: set[str] = set()
    items = []
    for item in model.items:
        if item.id in seen:
            raise FrameworkError(f"{origin}: item {item.id!r}: duplicate item id")
        seen.add(item.id)
        items.append(_build_item(item, f"{origin}: item {item.id!r}"))
    return Framework(model.id, model.version, model.title, model.source, tuple(items))


def _build_item(item: _ItemIn, where: str) -> FrameworkItem:
    if item.assessment == "self_assessed":
        if item.rule is not None:
            raise FrameworkError(f"{where}: a self_assessed item must not name a rule")
        return FrameworkItem(item.id, item.title, item.description, item.area, "self_assessed")
    if item.rule is None:
        raise FrameworkError(f"{where}: a computed item must name a rule (known: {_known()})")
    params = _complete_params(item.rule, where)
    rule = Rule(item.rule.id, MappingProxyType(params))
    return FrameworkItem(item.id, item.title, item.description, item.area, "computed", rule)


def _known() -> str:
    return ", ".join(sorted(RULES))


def _complete_params(rule: _RuleIn, where: str) -> dict[str, Any]:
    """The rule's defaults overlaid with the file's values, each checked against its default."""
    if rule.id not in RULES:
        raise FrameworkError(f"{where}: unknown rule {rule.id!r} (known: {_known()})")
    defaults = {**RULES[rule.id], **(_SHARE_DEFAULTS if rule.id in SHARE_RULES else {})}
    for name, value in rule.params.items():
        if name not in defaults:
            accepted = ", ".join(sorted(defaults)) or "none"
            raise FrameworkError(
                f"{where}: rule {rule.id!r} has no parameter {name!r} (accepted: {accepted})"
            )
        _check_param(name, value, defaults[name], where)
    return {**defaults, **rule.params}


def _check_param(name: str, value: Any, default: Any, where: str) -> None:
    shown = _shown(value)
    if isinstance(default, int) and (isinstance(value, bool) or not isinstance(value, int)):
        raise FrameworkError(f"{where}: parameter {name!r} must be a whole number, not {shown}")
    if default is None or (isinstance(default, str) and _is_decimal(default)):
        if not (isinstance(value, str) and _is_decimal(value)):
            raise FrameworkError(
                f'{where}: parameter {name!r} must be a decimal string like "0.8", not {shown}'
            )
    elif isinstance(default, str) and not isinstance(value, str):
        raise FrameworkError(f"{where}: parameter {name!r} must be a string, not {shown}")
    limits = PARAMETER_RANGES[name]
    if not limits.holds(value if limits.choices else Decimal(value)):
        raise FrameworkError(f"{where}: parameter {name!r} must be {limits}, not {shown}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _is_decimal(text: str) -> bool:
    if len(text) > 40:
        return False
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def shipped_frameworks() -> dict[str, Framework]:
    """The frameworks in the package, by id (a fresh dict; the values are immutable)."""
    return dict(_SHIPPED or _load_shipped())


_SHIPPED: dict[str, Framework] = {}


def _load_shipped() -> dict[str, Framework]:
    folder = resources.files(__name__).joinpath("data")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            framework = parse_framework(entry.read_text(encoding="utf-8"), entry.name)
            _SHIPPED[framework.id] = framework
    return _SHIPPED


def _version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Numeric parts compare as numbers, so version "10" is later than "9"."""
    parts = re.split(r"[._-]", version)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


class FrameworkRegistry:
    """The frameworks a ledger knows: the shipped ones plus any the user loads.

    The importer asks it whether a fact's framework and item exist; the compliance
    projection asks it for the version a partnership adopted.
    """

    def __init__(self, frameworks: Iterable[Framework] = (), *, shipped: bool = True) -> None:
        self._by_key: dict[tuple[str, str], Framework] = {}
        for framework in (*(shipped_frameworks().values() if shipped else ()), *frameworks):
            self.register(framework)

    def register(self, framework: Framework) -> Framework:
        """Add a framework; the same id and version with other content is an error."""
        key = (framework.id, framework.version)
        held = self._by_key.setdefault(key, framework)
        if held != framework:
            raise FrameworkError(
                f"framework {framework.id!r} version {framework.version!r} is already"
                f" registered with different content ({difference(held, framework)} differs):"
                " give the new one another version"
            )
        return framework

    def load(self, path: str | Path) -> Framework:
        return self.register(load_framework(path))

    def get(self, framework_id: str, version: str | None = None) -> Framework:
        """The framework at ``version``, or its latest version when ``version`` is None."""
        if version is not None and (framework_id, version) in self._by_key:
            return self._by_key[(framework_id, version)]
        versions = self.versions(framework_id)
        if version is None and versions:
            return self._by_key[(framework_id, versions[-1])]
        raise UnknownFrameworkError(self._unknown(framework_id, version, versions))

    def _unknown(self, framework_id: str, version: str | None, versions: tuple[str, ...]) -> str:
        if versions:
            return (
                f"framework {framework_id!r} has no version {version!r}"
                f" (versions: {', '.join(versions)})"
            )
        known = ", ".join(sorted({key[0] for key in self._by_key})) or "none"
        return f"unknown framework {framework_id!r} (known: {known}); load its file first"

    def versions(self, framework_id: str) -> tuple[str, ...]:
        found = [v for (f, v) in self._by_key if f == framework_id]
        return tuple(sorted(found, key=_version_key))

    def has_item(self, framework_id: str, item_id: str, version: str | None = None) -> bool:
        """Whether the framework (latest version unless given) has that item; never raises."""
        try:
            return self.get(framework_id, version).has_item(item_id)
        except UnknownFrameworkError:
            return False

    def item(self, framework_id: str, item_id: str, version: str | None = None) -> FrameworkItem:
        """The item, or :class:`UnknownFrameworkError` naming what is missing."""
        return self.get(framework_id, version).item(item_id)

    def __iter__(self) -> Iterator[Framework]:
        return iter(sorted(self._by_key.values(), key=lambda f: (f.id, _version_key(f.version))))

    def __contains__(self, framework_id: object) -> bool:
        return any(key[0] == framework_id for key in self._by_key)
