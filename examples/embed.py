"""Embedding legacyledger in your own Python: record a fact, read a figure and how it was made.

Run from a checkout's root: ``python examples/embed.py`` (the tests run it too).
"""

from datetime import date

from legacyledger import ImportRejected, Ledger, in_words

AS_OF = date(2025, 9, 30)

with Ledger(":memory:") as ledger:  # or a SQLite path, or a postgresql:// DSN
    ledger.import_file("tests/data/example-facts.jsonl")

    # One fact, with the same checks as an import: a second mentoring session.
    done = ledger.record({
        "fact": "MentoringContactRecorded", "registrant": "R-5001", "on": "2024-11-05",
        "mentor": "M-101", "minutes": 40, "mode": "virtual", "source_ref": "embed-1",
    })
    print(f"recorded at position {done.first_position}")

    # A fact that breaks the format is refused whole, each error naming its field.
    try:
        ledger.record({"fact": "MentoringContactRecorded", "registrant": "R-5001",
                       "on": "05/11/2024", "mentor": "M-101", "minutes": 40, "mode": "zoom"})
    except ImportRejected as rejected:
        print("refused:", "; ".join(f"{e.field}: {e.message}" for e in rejected.errors))

    # A figure, its derivation, and the facts behind it.
    views = ledger.views(as_of=AS_OF)
    figure = views.figure("retention.rate/cohort=2024-25/h=6/scope=nhs")
    print(figure.id, "=", figure.value, figure.unit)
    print("formula", figure.derivation.formula, "version", figure.derivation.version)
    why = ledger.explain(figure.id, as_of=AS_OF)
    print(in_words(figure, views.by_id, why.facts).sum)
    print("from facts", [record.fact["source_ref"] for record in why.facts])
