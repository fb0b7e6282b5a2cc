from __future__ import annotations

import argparse
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from billing.models import Refund
from billing.snapshot import CustomerCandidate, CustomerSnapshot, LookupResult, build_snapshot
from bot.cli.lookup import render
from messages.text import candidates_text, snapshot_text
from tests.unit.fake_gateway import T0, card, charge, customer, invoice, records, subscription

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def jane_snapshot() -> CustomerSnapshot:
    the_customer = customer(
        "cus_Jane0001", default_payment_method=card(), created=datetime(2026, 9, 1, tzinfo=UTC)
    )
    older = subscription("sub_Old00001")
    newer = subscription("sub_New00001", created=T0 + timedelta(minutes=2))
    gone = subscription("sub_Gone0001", status="canceled", ended_at=T0 - timedelta(days=5))
    refunded = charge(
        "ch_Refd0001", amount_refunded=2000, refunded=True, card=card(), created=T0 - timedelta(days=3)
    )
    failed = charge(
        "ch_Fail0001",
        status="failed",
        failure_message="Your card was declined.",
        payment_intent_id="pi_Paid0001",
        created=T0 - timedelta(days=1),
    )
    paid = charge("ch_Paid0001", card=card(), payment_intent_id="pi_Paid0001")
    refund = Refund(id="re_Full0001", charge_id="ch_Refd0001", amount=2000, currency="usd", created=T0)
    the_records = records(
        the_customer,
        subscriptions=[older, newer, gone],
        invoices=[invoice("in_Jane0001", number="JANE-0001")],
        charges=[paid, failed, refunded],
        refunds=[refund],
        has_more_charges=True,
    )
    return build_snapshot(the_records, now=NOW, matched_on="email jane@example.com", livemode=False)


EXPECTED_CARD = """\
Jane Doe
========
🧪 TEST MODE · Stripe test data, no real money moves.

CUSTOMER
Name: Jane Doe
Email: jane@example.com
Stripe ID: cus_Jane0001 · Stripe Dashboard (https://dashboard.stripe.com/test/customers/cus_Jane0001)
Created: 2026-09-01
Matched on: email jane@example.com · As of 2026-11-20 12:00 UTC
────────────────────────────────────────
BILLING STATE
Subscriptions
• sub_New00001 Pro × 1 — $20.00 / month — active — renews 2026-12-01 ⚠️ duplicate
• sub_Old00001 Pro × 1 — $20.00 / month — active — renews 2026-12-01 original
Canceled
• sub_Gone0001 Pro — canceled — ended 2026-10-27

Invoices
• in_Jane0001 JANE-0001 — paid — $20.00 — 2026-11-01

Payments
• ch_Paid0001 $20.00 — succeeded — 2026-11-01
• ch_Fail0001 $20.00 — failed — 2026-10-31 — Your card was declined.
• ch_Refd0001 $20.00 — succeeded — 2026-10-29 — refunded $20.00
…and more in the Stripe Dashboard (https://dashboard.stripe.com/test/customers/cus_Jane0001)
Default payment method: Visa •••• 4242
────────────────────────────────────────
ANOMALIES
• ⚠️ 2 live Pro subscriptions, each for 1 seat, created 2 minutes apart: original sub_Old00001 paid by Visa •••• 4242; duplicate sub_New00001 paid by Visa •••• 4242 (sub_Old00001, sub_New00001)
• ⚠️ Already refunded $20.00 in full (payment of 2026-10-29) (ch_Refd0001, re_Full0001)

SUGGESTED: Duplicate personal subscription (confidence 62%)
• 2 live Pro subscriptions created 2 minutes apart, both paid by Visa •••• 4242 (sub_Old00001, then sub_New00001)
"""


def test_snapshot_text_is_the_posted_card_rendered_for_a_terminal() -> None:
    assert snapshot_text(jane_snapshot()) == EXPECTED_CARD


def test_snapshot_text_never_shows_more_of_a_card_than_brand_and_last4() -> None:
    text = snapshot_text(jane_snapshot())
    assert "08/30" not in text and "2030" not in text


def test_live_healthy_customer_without_card_or_history() -> None:
    bare = records(customer("cus_Bare0001", name=None, email=None))
    text = snapshot_text(build_snapshot(bare, now=NOW, matched_on="customer cus_Bare0001", livemode=True))
    assert text == (
        "cus_Bare0001\n============\n\n"
        "CUSTOMER\n"
        "Name: —\n"
        "Email: —\n"
        "Stripe ID: cus_Bare0001 · Stripe Dashboard (https://dashboard.stripe.com/customers/cus_Bare0001)\n"
        "Created: 2026-09-02\n"
        "Matched on: customer cus_Bare0001 · As of 2026-11-20 12:00 UTC\n"
        "────────────────────────────────────────\n"
        "BILLING STATE\n"
        "Subscriptions\n"
        "No active subscriptions.\n\n"
        "Invoices\n"
        "No invoices.\n\n"
        "Payments\n"
        "No payments.\n"
        "Default payment method: none on file\n"
        "────────────────────────────────────────\n"
        "ANOMALIES\n"
        "None found.\n\n"
        "SUGGESTED: no suggestion; classify by hand.\n"
    )


def shared_result() -> LookupResult:
    first = customer("cus_ShareA01", email="shared@example.com", name="Chris Shared")
    second = customer("cus_ShareB01", email="shared@example.com", name=None)
    return LookupResult(
        query="shared@example.com",
        matched_on="email shared@example.com",
        candidates=[
            CustomerCandidate(customer=first, subscription_count=1),
            CustomerCandidate(customer=second, subscription_count=0),
        ],
    )


def test_candidates_text() -> None:
    assert candidates_text(shared_result()) == (
        "2 customers match shared@example.com (matched on email shared@example.com). Open the one this is "
        "about:\n\n"
        "Chris Shared · shared@example.com\n"
        "cus_ShareA01 · created 2026-09-02 · 1 subscription\n\n"
        "shared@example.com · shared@example.com\n"
        "cus_ShareB01 · created 2026-09-02 · 0 subscriptions\n\n"
        "Look one up by its ID, e.g. `billing-bot lookup cus_ShareA01`.\n"
    )


def test_cli_json_is_the_lookup_result_dump() -> None:
    result = LookupResult(
        query="jane@example.com", matched_on="email jane@example.com", snapshot=jane_snapshot()
    )
    data = json.loads(render(result, as_json=True))
    assert data == result.model_dump(mode="json")
    assert data["snapshot"]["suggestion"] == "duplicate"


def test_cli_text_picks_card_or_candidates() -> None:
    assert render(shared_result(), as_json=False) == candidates_text(shared_result())
    snapshot = jane_snapshot()
    result = LookupResult(query="q", matched_on="m", snapshot=snapshot)
    assert render(result, as_json=False) == snapshot_text(snapshot)


def test_cli_without_sandbox_needs_a_stripe_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from billing.errors import ConfigError
    from bot.cli.lookup import run

    monkeypatch.delenv("STRIPE_API_KEY", raising=False)
    monkeypatch.chdir("/tmp")  # no .env here
    args = argparse.Namespace(query="jane@example.com", json=False, sandbox=False)
    with pytest.raises(ConfigError, match="STRIPE_API_KEY is not set"):
        run(args, out=io.StringIO())
