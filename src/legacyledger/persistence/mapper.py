"""Events stored as the canonical JSON of their facts; typed events rebuilt from it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from legacyledger.domain import AGGREGATES, Subject
from legacyledger.domain.base import ENVELOPE, field_types
from legacyledger.domain.codec import decoder_for
from legacyledger.domain.upcasting import needed, upcast
from legacyledger.domain.values import jsonable
from legacyledger.persistence.names import event_class_of, name_of, topic_of

ENVELOPE_KEYS = ("recorded_at",)

_AGGREGATE_OF: dict[type, type[Subject]] = {
    event_class: aggregate for aggregate in AGGREGATES for event_class in aggregate.FACTS.values()
}


class _Layout:
    """Per event class: its fact name, key field, own fields and their decoders."""

    __slots__ = (
        "aggregate_topic", "decoders", "fact", "fields", "key_field", "optional", "version"
    )

    def __init__(self, event_class: type[Subject.Event]) -> None:
        aggregate = _AGGREGATE_OF[event_class]
        hints = field_types(event_class)
        self.fact = event_class.FACT
        self.version = event_class.VERSION
        self.key_field = aggregate.KEY_FIELD
        self.aggregate_topic = get_topic(aggregate)
        names = [f for f in event_class.__dataclass_fields__ if f not in ENVELOPE and f != "key"]
        tail = ("source_ref", "recorded_by", "note")
        own = ["on", *(f for f in names if f != "on" and f not in tail), *tail]
        self.fields = tuple(own)
        self.decoders = {f: decoder_for(hints[f]) for f in own}
        self.optional = frozenset(f for f in own if "None" in str(hints[f]))


_LAYOUTS: dict[type, _Layout] = {}


def layout(event_class: type) -> _Layout:
    try:
        return _LAYOUTS[event_class]
    except KeyError:
        _LAYOUTS[event_class] = found = _Layout(event_class)
        return found


def fact_of(event: Subject.Event) -> dict[str, Any]:
    """The canonical interchange dict of an event (the corrections keep their key too)."""
    shape = layout(type(event))
    fact: dict[str, Any] = {"fact": shape.fact}
    if shape.version > 1:
        fact["v"] = shape.version
    fact[shape.key_field] = event.key
    values = event.__dict__
    for field in shape.fields:
        value = values[field]
        if value is not None:
            fact[field] = jsonable(value)
    return fact


class FactMapper(Mapper[UUID]):
    """Stores each event as its fact's JSON; rebuilds typed events from it."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        fact = fact_of(domain_event)
        fact["recorded_at"] = domain_event.timestamp.isoformat()
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic_of(type(domain_event)),
            state=orjson.dumps(fact),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        stored = name_of(stored_event.topic)
        event_class = event_class_of(stored)
        shape = layout(event_class)
        fact = orjson.loads(stored_event.state)
        if stored.version != shape.version:
            fact = upcast(fact)
        values: dict[str, Any] = {
            "originator_id": stored_event.originator_id,
            "originator_version": stored_event.originator_version,
            "timestamp": datetime.fromisoformat(fact["recorded_at"]),
            "key": fact[shape.key_field],
        }
        if issubclass(event_class, Subject.Created):
            values["originator_topic"] = shape.aggregate_topic
        for field, decode in shape.decoders.items():
            raw = fact.get(field)
            values[field] = None if raw is None else decode(raw)
        event = object.__new__(event_class)
        event.__dict__.update(values)
        return event


def loader() -> Callable[[bytes], dict[str, Any]]:
    """Stored JSON bytes → the fact at its current version, as cheaply as the code's
    versions allow (chosen once per read, not per fact)."""
    loads = orjson.loads
    if needed():
        return lambda state: upcast(loads(state))

    def load(state: bytes) -> dict[str, Any]:
        fact: dict[str, Any] = loads(state)
        return upcast(fact) if "v" in fact else fact

    return load
