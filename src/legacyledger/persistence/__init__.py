"""Persistence glue: how facts are stored, indexed, chained and read back in bulk.

* :mod:`.mapper` stores every event as the canonical interchange JSON of its fact (plus
  ``recorded_at``), encoded with orjson. The stored row *is* the fact, so export is a copy, and
  projections fold raw rows without building event objects.
* :mod:`.clock` stamps ``recorded_at`` at commit, under the write lock: it never decreases.
* :mod:`.sqlite` and :mod:`.postgres` are eventsourcing's recorders plus a ``source_refs`` index
  (idempotent imports, corrections) and a hash chain (:mod:`.chain`), both written in the same
  transaction as the events.
* :mod:`.names` gives each stored row a stable name, ``fact:<Name>:<version>``, and reads
  the module-path topics of 0.1.0 ledgers as the same facts: reads never go by module path.
* :mod:`.environment` turns a location (SQLite path, ``:memory:``, PostgreSQL DSN) into settings,
  ignoring the host process's environment (eventsourcing brief §8, P10).
"""

from legacyledger.persistence.chain import GENESIS, ChainCheck, chain_links, link, verify_chain
from legacyledger.persistence.clock import Clock, stamp_of
from legacyledger.persistence.environment import (
    APP_NAME,
    READ_ONLY,
    SQLITE_PATH,
    LedgerApplication,
    LedgerNotFound,
    _connect,
    _postgres_env,
    ensure_schema,
    environment_for,
    iter_states,
    read_only_uri,
    readable_in_place,
    schema_lock,
)
from legacyledger.persistence.mapper import ENVELOPE_KEYS, FactMapper, fact_of, layout, loader
from legacyledger.persistence.names import name_of, topic_of, topics_of
from legacyledger.persistence.postgres import postgres_recorder_topic
from legacyledger.persistence.sqlite import REF_BATCH, LedgerSQLiteRecorder

__all__ = [
    "APP_NAME",
    "ENVELOPE_KEYS",
    "GENESIS",
    "READ_ONLY",
    "REF_BATCH",
    "SQLITE_PATH",
    "ChainCheck",
    "Clock",
    "FactMapper",
    "LedgerApplication",
    "LedgerNotFound",
    "LedgerSQLiteRecorder",
    "_connect",
    "_postgres_env",
    "chain_links",
    "ensure_schema",
    "environment_for",
    "fact_of",
    "iter_states",
    "layout",
    "link",
    "loader",
    "name_of",
    "postgres_recorder_topic",
    "read_only_uri",
    "readable_in_place",
    "schema_lock",
    "stamp_of",
    "topic_of",
    "topics_of",
    "verify_chain",
]
