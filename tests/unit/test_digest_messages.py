from __future__ import annotations

from billing.digest import digest_totals
from billing.digest_models import Digest, DigestTotals, RiskRow, RiskSection
from billing.money import Money
from messages.digest import MAX_BLOCKS, digest_blocks, digest_fallback_text, digest_text, rows_per_section
from tests.unit.test_digest_support import NOW


def usd(amount: int) -> Money:
    return Money(amount=amount, currency="usd")


def small_digest() -> Digest:
    rows = [
        RiskRow(section=RiskSection.FAILED_RENEWAL, customer_id="cus_a", customer_name="Ada <x>",
                customer_email="ada@example.com", object_id="sub_a", at_stake=usd(10000), detail="past_due",
                dedupe_key="sub_a"),
        RiskRow(section=RiskSection.FAILED_RENEWAL, customer_id="cus_k", customer_name="Kenji",
                customer_email="k@example.jp", object_id="sub_k", at_stake=Money(amount=3000, currency="jpy"),
                detail="past_due", dedupe_key="sub_k"),
        RiskRow(section=RiskSection.CHURNED, customer_id="cus_b", object_id="sub_b", at_stake=usd(1667),
                detail="unused", dedupe_key="sub_b"),
        RiskRow(section=RiskSection.CHURNED, customer_id="cus_s", customer_name="Sam", object_id="sub_s",
                at_stake=usd(1200), detail="switched from $12.00/mo monthly to $120.00/yr yearly", switch=True,
                dedupe_key="sub_s"),
    ]  # fmt: skip
    previous = DigestTotals(at_risk={"usd": usd(8000)})
    return Digest(generated_at=NOW, since=NOW, rows=rows, totals=digest_totals(rows), previous=previous)


def test_digest_blocks_exact_with_investigate_buttons_and_no_email_when_redacted() -> None:
    blocks = [block.to_dict() for block in digest_blocks(small_digest(), redact=True, day="2026-03-30")]

    def button(target: str) -> dict[str, object]:
        return {
            "type": "button",
            "action_id": "billing.investigate",
            "text": {"type": "plain_text", "text": "Investigate", "emoji": True},
            "value": f'{{"target":"{target}"}}',
        }

    assert blocks == [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": "Churn-risk digest · 2026-03-30", "emoji": True},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*At risk:* ¥3,000/mo · $100.00/mo (▲ ¥3,000 · ▲ $20.00 since the previous digest)\n"
                "*Churned:* $16.67/mo · *Disputed:* none · *Customers:* 4",
            },
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Failed renewals* (2)"}},
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "1. *Ada &lt;x&gt;* `cus_a` `sub_a` · *$100.00/mo* — past_due",
            },
            "accessory": button("cus_a"),
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "2. *Kenji* `cus_k` `sub_k` · *¥3,000/mo* — past_due"},
            "accessory": button("cus_k"),
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*Churned or switched plans since the last digest* (2)"},
        },
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "1. *(no name)* `cus_b` `sub_b` · *$16.67/mo lost* — unused"},
            "accessory": button("cus_b"),
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "2. *Sam* `cus_s` `sub_s` · *plan switch* — switched from $12.00/mo monthly to "
                "$120.00/yr yearly",
            },
            "accessory": button("cus_s"),
        },
    ]
    assert "example.com" not in str(blocks)


def test_unredacted_digest_shows_emails_in_blocks_and_text() -> None:
    blocks = str([b.to_dict() for b in digest_blocks(small_digest(), redact=False, day="2026-03-30")])
    assert "ada@example.com" in blocks
    text = digest_text(small_digest(), redact=False, day="2026-03-30")
    assert "  1. Ada <x> cus_a sub_a ada@example.com · $100.00/mo — past_due" in text.splitlines()
    assert "example" not in digest_text(small_digest(), redact=True, day="2026-03-30")
    assert "  2. Sam cus_s sub_s · plan switch — switched from $12.00/mo monthly to $120.00/yr yearly" in (
        text.splitlines()
    )


def test_quiet_day_is_one_line() -> None:
    quiet = Digest(generated_at=NOW, since=NOW, rows=[], totals=DigestTotals())
    blocks = [b.to_dict() for b in digest_blocks(quiet, redact=True, day="2026-03-30")]
    line = "Churn-risk digest · 2026-03-30: quiet day, no customers at risk."
    assert blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": line}}]
    assert digest_text(quiet, redact=True, day="2026-03-30") == line
    assert digest_fallback_text(quiet, "2026-03-30") == line


def test_a_huge_digest_stays_within_slacks_block_limit_and_says_how_many_more() -> None:
    rows = [
        RiskRow(section=section, customer_id=f"cus_{i}", object_id=f"sub_{section}_{i}", at_stake=usd(100 + i),
                dedupe_key=f"sub_{section}_{i}")
        for section in RiskSection
        for i in range(40)
    ]  # fmt: skip
    digest = Digest(generated_at=NOW, since=NOW, rows=rows, totals=digest_totals(rows))
    blocks = [b.to_dict() for b in digest_blocks(digest, redact=True, day="2026-03-30")]
    assert len(blocks) <= MAX_BLOCKS
    assert blocks[-1]["elements"][0]["text"].startswith("…and 36 more")


def test_rows_per_section_uses_the_budget() -> None:
    assert rows_per_section([2, 9]) == [2, 5]
    assert rows_per_section([40] * 8) == [4] * 8  # 8 × (title + 4 rows + "more") = 48 ≤ 48
