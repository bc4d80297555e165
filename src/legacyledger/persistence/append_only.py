"""Append-only in the store itself: triggers that refuse ``UPDATE`` and ``DELETE``.

The stored facts, their hash chain and their ``source_ref`` index are only ever inserted:
corrections are new facts. The triggers make the store refuse anything else from any
client (a SQL tool, another program), in SQLite and PostgreSQL (``TRUNCATE`` too). They
guard against mistakes and well-meaning tools; whoever can drop a trigger can still rewrite
the file, which the hash chain and an anchor published outside (``legacyledger head``,
``verify --anchor``) then reveal.

The links index (``legacyledger.domain.links``) is among them: a correction that moves a
fact's date adds rows to it (the link's old day no longer standing, its new day standing), so
it too is a log. ``verify`` recomputes it from the facts.
"""

from __future__ import annotations

#: The message every refused change raises (tests look for it).
REFUSED = "legacyledger: the ledger is append-only"


def sqlite_triggers(tables: tuple[str, ...]) -> list[str]:
    """``CREATE TRIGGER`` statements refusing updates and deletes on each SQLite table."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}: {op} on {table} refused'); END"
        for table in tables
        for op in ("UPDATE", "DELETE")
    ]


def postgres_triggers(schema: str, tables: tuple[str, ...]) -> list[str]:
    """One function and, per table, a row trigger (update, delete) and a statement trigger
    (truncate), each created when missing (so opening a ledger takes no lock on its tables).
    ``schema`` and ``tables`` are checked identifiers."""
    function = f'"{schema}".legacyledger_refuse_change'
    statements = [
        f"DO $$ BEGIN IF to_regprocedure('{function}()') IS NULL THEN "
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $f$ "
        f"BEGIN RAISE EXCEPTION '{REFUSED}: % on % refused', TG_OP, TG_TABLE_NAME "
        "USING ERRCODE = 'insufficient_privilege'; END $f$; END IF; END $$"
    ]
    for table in tables:
        qualified = f'"{schema}"."{table}"'
        for name, when in (("no_change", "UPDATE OR DELETE ON {t} FOR EACH ROW"),
                           ("no_truncate", "TRUNCATE ON {t} FOR EACH STATEMENT")):
            statements.append(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = "
                f"'{table}_{name}' AND tgrelid = '{qualified}'::regclass) THEN "
                f"CREATE TRIGGER {table}_{name} BEFORE {when.format(t=qualified)} "
                f"EXECUTE FUNCTION {function}(); END IF; END $$"
            )
    return statements
