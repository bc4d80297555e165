"""The ``Ledger`` driven beside a plain model: every fact is accepted exactly when the model
says the history allows it, and the ledger's subjects agree with the model."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from legacyledger import ImportRejected, Ledger
from tests import builders as b
from tests.strategies import invalid_facts

DAY0 = date(2024, 4, 1)
MENTORS, REGISTRANTS = 3, 4


class LedgerBesideAModel(RuleBasedStateMachine):
    """Facts are dated on a clock that only moves forward, so the model needs no dates.

    A closing day still counts as open (a contact on the leaving day is possible), so the
    clock moves on a day after every leaving, unmatching and withdrawal.
    """

    def __init__(self) -> None:
        super().__init__()
        self.ledger = Ledger(":memory:")
        self.today = 0
        self.accepted: list[dict[str, Any]] = []
        self.registrants: dict[str, dict[str, Any]] = {}  # key -> {"left", "matches"}
        self.mentors: dict[str, bool] = {}  # key -> withdrawn

    def teardown(self) -> None:
        self.ledger.close()

    # -- helpers ---------------------------------------------------------------------------

    def on(self) -> str:
        return (DAY0 + timedelta(days=self.today)).isoformat()

    def submit(self, fact: dict[str, Any], allowed: bool) -> bool:
        """Record the fact; it must be accepted exactly when the model allows it."""
        before = self.ledger.count()
        try:
            self.ledger.record(fact)
        except ImportRejected as rejected:
            assert not allowed, f"{fact} was rejected: {rejected}"
            assert self.ledger.count() == before
            return False
        assert allowed, f"{fact} was accepted"
        self.accepted.append(fact)
        return True

    def registrant(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(sorted(self.registrants)), label="registrant")

    def mentor(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(sorted(self.mentors)), label="mentor")

    def pair(self, data: st.DataObject) -> tuple[str, str]:
        """A registrant and a mentor, most often a matched pair when there is one."""
        pairs = sorted((k, m) for k, r in self.registrants.items() for m in r["matches"])
        if pairs and data.draw(st.integers(0, 3), label="matched pair?"):
            return data.draw(st.sampled_from(pairs), label="pair")
        return self.registrant(data), self.mentor(data)

    # -- rules -----------------------------------------------------------------------------

    @initialize()
    def start_a_programme(self) -> None:
        """A partnership, two mentors and two registrants, one of them matched."""
        assert self.submit(b.partnership_formed(on=self.on()), allowed=True)
        for _ in range(2):
            self.enrol_mentor()
            self.enrol_registrant(registered_days_ago=30)
        self.today += 1
        assert self.submit(b.matched("R-0", on=self.on(), mentor="M-0"), allowed=True)
        self.registrants["R-0"]["matches"].add("M-0")

    @rule(days=st.integers(0, 20))
    def time_passes(self, days: int) -> None:
        self.today += days

    @precondition(lambda self: len(self.mentors) < MENTORS)
    @rule()
    def enrol_mentor(self) -> None:
        key = f"M-{len(self.mentors)}"
        if self.submit(b.mentor_enrolled(key, on=self.on()), allowed=True):
            self.mentors[key] = False

    @precondition(lambda self: len(self.registrants) < REGISTRANTS)
    @rule(registered_days_ago=st.integers(0, 700))
    def enrol_registrant(self, registered_days_ago: int) -> None:
        key = f"R-{len(self.registrants)}"
        registered = (DAY0 + timedelta(days=self.today - registered_days_ago)).isoformat()
        fact = b.registrant_enrolled(key, on=self.on(), registered_on=registered,
                                     in_post_since=self.on())
        if self.submit(fact, allowed=True):
            self.registrants[key] = {"left": False, "matches": set()}

    @precondition(lambda self: self.registrants and self.mentors)
    @rule(data=st.data())
    def match(self, data: st.DataObject) -> None:
        key, mentor = self.registrant(data), self.mentor(data)
        r = self.registrants[key]
        allowed = not r["left"] and mentor not in r["matches"] and not self.mentors[mentor]
        if self.submit(b.matched(key, on=self.on(), mentor=mentor), allowed):
            r["matches"].add(mentor)

    @precondition(lambda self: self.registrants and self.mentors)
    @rule(data=st.data())
    def unmatch(self, data: st.DataObject) -> None:
        key, mentor = self.pair(data)
        r = self.registrants[key]
        if self.submit(b.unmatched(key, on=self.on(), mentor=mentor), mentor in r["matches"]):
            r["matches"].discard(mentor)
            self.today += 1

    @precondition(lambda self: self.registrants and self.mentors)
    @rule(data=st.data(), minutes=st.integers(0, 120))
    def contact(self, data: st.DataObject, minutes: int) -> None:
        key, mentor = self.pair(data)
        r = self.registrants[key]
        allowed = not r["left"] and mentor in r["matches"]
        self.submit(b.contact(key, on=self.on(), mentor=mentor, minutes=minutes), allowed)

    @precondition(lambda self: self.registrants and self.mentors)
    @rule(data=st.data())
    def one_to_one_time(self, data: st.DataObject) -> None:
        key, mentor = self.pair(data)
        allowed = not self.mentors[mentor] and mentor in self.registrants[key]["matches"]
        fact = b.time_logged(mentor, on=self.on(), activity="one_to_one", category="delivery",
                             registrant=key)
        self.submit(fact, allowed)

    @precondition(lambda self: self.registrants)
    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        key = self.registrant(data)
        r = self.registrants[key]
        if self.submit(b.left(key, on=self.on()), allowed=not r["left"]):
            r["left"] = True
            self.today += 1

    @precondition(lambda self: self.registrants)
    @rule(data=st.data())
    def rejoin(self, data: st.DataObject) -> None:
        key = self.registrant(data)
        r = self.registrants[key]
        if self.submit(b.rejoined(key, on=self.on()), allowed=r["left"]):
            r["left"] = False

    @rule(data=st.data())
    def withdraw(self, data: st.DataObject) -> None:
        """Only mentors without an open match withdraw (a withdrawal does not end matches)."""
        free = [m for m in sorted(self.mentors)
                if not any(m in r["matches"] for r in self.registrants.values())]
        if not free:
            return
        mentor = data.draw(st.sampled_from(free), label="mentor")
        if self.submit(b.mentor_withdrew(mentor, on=self.on()), allowed=not self.mentors[mentor]):
            self.mentors[mentor] = True
            self.today += 1

    @precondition(lambda self: self.mentors)
    @rule(data=st.data())
    def resume(self, data: st.DataObject) -> None:
        mentor = self.mentor(data)
        if self.submit(b.mentor_resumed(mentor, on=self.on()), allowed=self.mentors[mentor]):
            self.mentors[mentor] = False

    @rule(data=st.data())
    def record_an_invalid_fact(self, data: st.DataObject) -> None:
        bad, field = data.draw(invalid_facts(self.accepted), label="invalid fact")
        before = self.ledger.count()
        try:
            self.ledger.record(bad)
        except ImportRejected as rejected:
            assert [(e.line, e.field) for e in rejected.errors] == [(1, field)]
        else:
            raise AssertionError(f"{bad} was accepted")
        assert self.ledger.count() == before

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def every_accepted_fact_is_one_stored_event(self) -> None:
        assert self.ledger.count() == len(self.accepted)

    @invariant()
    def subjects_agree_with_the_model(self) -> None:
        for key, r in self.registrants.items():
            subject = self.ledger.subject("registrant", key)
            open_matches = {m for m, _start, end in subject.matches if end is None}
            assert (subject.left, open_matches) == (r["left"], r["matches"]), key
        for key, withdrawn in self.mentors.items():
            assert self.ledger.subject("mentor", key).withdrawn == withdrawn, key

    @invariant()
    def reimporting_everything_is_a_no_op(self) -> None:
        result = self.ledger.import_facts(self.accepted)
        assert (result.recorded, result.already_present) == (0, len(self.accepted))


LedgerBesideAModel.TestCase.settings = settings(
    LedgerBesideAModel.TestCase.settings, stateful_step_count=30
)
TestLedgerBesideAModel = LedgerBesideAModel.TestCase
