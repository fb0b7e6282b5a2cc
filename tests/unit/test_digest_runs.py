from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from billing.clock import FixedClock
from billing.digest_models import DigestTotals
from billing.digest_runs import DigestRuns
from billing.money import Money
from billing.store import Store

DAY = date(2026, 3, 30)
AT = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def runs(path: Path) -> DigestRuns:
    return DigestRuns(Store(path, FixedClock(AT)))


def test_only_the_first_claim_of_a_channel_day_wins_even_from_a_second_process(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    first, second = runs(db), runs(db)
    assert first.claim("C1", DAY) is True
    assert second.claim("C1", DAY) is False
    assert first.claim("C2", DAY) is True
    assert first.claim("C1", date(2026, 3, 31)) is True


def test_a_released_claim_can_be_taken_again_but_a_posted_one_cannot(tmp_path: Path) -> None:
    record = runs(tmp_path / "b.db")
    assert record.claim("C1", DAY)
    record.release("C1", DAY)
    assert record.claim("C1", DAY)
    record.record_posted("C1", DAY, posted_at=AT, message_ts="1.2", totals=DigestTotals())
    record.release("C1", DAY)
    assert record.already_ran("C1", DAY)
    assert not record.claim("C1", DAY)


def test_previous_is_the_last_posted_digest_before_the_day_with_its_totals(tmp_path: Path) -> None:
    record = runs(tmp_path / "b.db")
    totals = DigestTotals(at_risk={"jpy": Money(amount=3000, currency="jpy")}, customers=1)
    record.claim("C1", date(2026, 3, 28))
    record.record_posted(
        "C1", date(2026, 3, 28), posted_at=AT.replace(day=28), message_ts="1.1", totals=totals
    )
    record.claim("C1", date(2026, 3, 29))  # claimed, never posted (crashed): not a previous digest
    record.claim("C1", DAY)
    previous = record.previous("C1", before=DAY)
    assert previous is not None
    assert (previous.day, previous.posted_at, previous.totals) == ("2026-03-28", AT.replace(day=28), totals)
    assert record.previous("C2", before=DAY) is None
