"""Card builders: exact Block Kit output for a full card, candidates, truncation; and Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from billing.models import (
    Anomaly,
    AnomalyKind,
    BillingRecords,
    Bucket,
    CardSummary,
    Charge,
    Customer,
    Invoice,
    Price,
    Subscription,
    SubscriptionItem,
)
from billing.snapshot import CustomerCandidate, CustomerSnapshot, LookupResult
from messages.card import candidates_card, customer_card
from messages.errors import lookup_failed_blocks
from messages.ids import ActionId, ButtonValue

MAX_BLOCKS = 50

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
PRO = Price(
    id="price_pro",
    product_id="prod_pro",
    product_name="Pro",
    unit_amount=2000,
    currency="usd",
    interval="month",
)
VISA = CardSummary(brand="visa", last4="4242", exp_month=8, exp_year=2030)


def jane() -> Customer:
    return Customer(
        id="cus_jane",
        name="Jane Doe",
        email="jane@example.com",
        created=T0 - timedelta(days=90),
        default_payment_method=VISA,
    )


def pro_subscription(sub_id: str, created: datetime, **fields: object) -> Subscription:
    item = SubscriptionItem(
        id=f"si_{sub_id}",
        price=PRO,
        quantity=1,
        current_period_start=created,
        current_period_end=created + timedelta(days=31),
    )
    return Subscription(
        id=sub_id,
        customer_id="cus_jane",
        status="active",
        created=created,
        currency="usd",
        items=[item],
        **fields,  # type: ignore[arg-type]
    )


def invoice(number: int, created: datetime) -> Invoice:
    return Invoice(
        id=f"in_{number:04d}",
        number=f"JANE-{number:04d}",
        customer_id="cus_jane",
        status="paid",
        currency="usd",
        amount_due=2000,
        amount_paid=2000,
        amount_remaining=0,
        created=created,
    )


def charge(number: int, created: datetime) -> Charge:
    return Charge(
        id=f"ch_{number:04d}",
        customer_id="cus_jane",
        amount=2000,
        currency="usd",
        status="succeeded",
        created=created,
    )


def jane_snapshot(*, invoices: int = 2, charges: int = 2, livemode: bool = False) -> CustomerSnapshot:
    day = timedelta(days=1)
    records = BillingRecords(
        customer=jane(),
        subscriptions=[
            pro_subscription("sub_first", T0 - 20 * day),
            pro_subscription("sub_second", T0 - 19 * day, cancel_at_period_end=True),
        ],
        invoices=[invoice(n, T0 - 20 * day + n * timedelta(hours=1)) for n in range(1, invoices + 1)],
        charges=[charge(n, T0 - 20 * day + n * timedelta(hours=1)) for n in range(1, charges + 1)],
    )
    return CustomerSnapshot(
        records=records,
        anomalies=[
            Anomaly(
                kind=AnomalyKind.DUPLICATE_SUBSCRIPTIONS,
                summary="2 active subscriptions to Pro",
                object_ids=["sub_first", "sub_second"],
            )
        ],
        suggestion=Bucket.DUPLICATE,
        suggestion_reason="same plan twice, one day apart",
        matched_on="email jane@example.com",
        livemode=livemode,
        taken_at=T0,
    )


def shared_result() -> LookupResult:
    return LookupResult(
        query="shared@example.com",
        matched_on="email",
        candidates=[
            CustomerCandidate(
                customer=Customer(id="cus_a", name="Sam A", email="shared@example.com", created=T0),
                subscription_count=1,
            ),
            CustomerCandidate(
                customer=Customer(id="cus_b", email="shared@example.com", created=T0 + timedelta(days=1)),
                subscription_count=0,
            ),
        ],
    )


# Reviewed by hand; regenerate only deliberately.
FULL_CARD = [
    {"text": {"emoji": True, "text": "Jane Doe", "type": "plain_text"}, "type": "header"},
    {
        "elements": [
            {"text": ":test_tube: *TEST MODE* · Stripe test data, no real money moves.", "type": "mrkdwn"}
        ],
        "type": "context",
    },
    {
        "text": {
            "text": "*CUSTOMER*\n*Name:* Jane Doe\n*Email:* jane@example.com\n*Stripe ID:* `cus_jane` · <https://dashboard.stripe.com/test/customers/cus_jane|Stripe Dashboard>\n*Created:* 2024-12-01",
            "type": "mrkdwn",
        },
        "type": "section",
    },
    {
        "elements": [
            {
                "text": "Matched on: email jane@example.com · Case `case_1` · As of 2025-03-01 12:00 UTC",
                "type": "mrkdwn",
            }
        ],
        "type": "context",
    },
    {"type": "divider"},
    {
        "text": {
            "text": "*BILLING STATE*\n*Subscriptions*\n• `sub_second` *Pro* × 1 — $20.00 / month — active — cancels at period end 2025-03-13 :warning: *duplicate*\n• `sub_first` *Pro* × 1 — $20.00 / month — active — renews 2025-03-12 *original*",
            "type": "mrkdwn",
        },
        "type": "section",
    },
    {
        "text": {
            "text": "*Invoices*\n• `in_0002` JANE-0002 — paid — $20.00 — 2025-02-09\n• `in_0001` JANE-0001 — paid — $20.00 — 2025-02-09",
            "type": "mrkdwn",
        },
        "type": "section",
    },
    {
        "text": {
            "text": "*Payments*\n• `ch_0002` $20.00 — succeeded — 2025-02-09\n• `ch_0001` $20.00 — succeeded — 2025-02-09\n*Default payment method:* Visa •••• 4242 exp 08/30",
            "type": "mrkdwn",
        },
        "type": "section",
    },
    {"type": "divider"},
    {
        "text": {
            "text": "*ANOMALIES*\n• :warning: 2 active subscriptions to Pro (`sub_first`, `sub_second`)",
            "type": "mrkdwn",
        },
        "type": "section",
    },
    {
        "text": {
            "text": "*SUGGESTED:* Duplicate personal subscription — same plan twice, one day apart",
            "type": "mrkdwn",
        },
        "type": "section",
    },
    {
        "text": {"text": "*Classify this case* (nothing changes in Stripe yet):", "type": "mrkdwn"},
        "type": "section",
    },
    {
        "block_id": "classify.duplicate",
        "elements": [
            {
                "action_id": "billing.classify",
                "style": "primary",
                "text": {"emoji": True, "text": "Duplicate personal subscription", "type": "plain_text"},
                "type": "button",
                "value": '{"case":"case_1","bucket":"duplicate"}',
            }
        ],
        "type": "actions",
    },
    {
        "block_id": "classify.team",
        "elements": [
            {
                "action_id": "billing.classify",
                "text": {"emoji": True, "text": "Team / multi-seat", "type": "plain_text"},
                "type": "button",
                "value": '{"case":"case_1","bucket":"team"}',
            }
        ],
        "type": "actions",
    },
    {
        "block_id": "classify.failed_payment",
        "elements": [
            {
                "action_id": "billing.classify",
                "text": {"emoji": True, "text": "Failed payment", "type": "plain_text"},
                "type": "button",
                "value": '{"case":"case_1","bucket":"failed_payment"}',
            }
        ],
        "type": "actions",
    },
    {
        "block_id": "classify.missing_self_serve",
        "elements": [
            {
                "action_id": "billing.classify",
                "text": {"emoji": True, "text": "Missing self-serve", "type": "plain_text"},
                "type": "button",
                "value": '{"case":"case_1","bucket":"missing_self_serve"}',
            }
        ],
        "type": "actions",
    },
    {
        "block_id": "classify.product_failure",
        "elements": [
            {
                "action_id": "billing.classify",
                "text": {"emoji": True, "text": "Product failure", "type": "plain_text"},
                "type": "button",
                "value": '{"case":"case_1","bucket":"product_failure"}',
            }
        ],
        "type": "actions",
    },
    {
        "block_id": "classify.words",
        "elements": [
            {
                "action_id": "billing.add_words",
                "text": {"emoji": True, "text": "Add the customer's words", "type": "plain_text"},
                "type": "button",
                "value": '{"case":"case_1"}',
            }
        ],
        "type": "actions",
    },
]

CANDIDATES_CARD = [
    {
        "text": {
            "text": "*2 customers match* `shared@example.com` (matched on email). Open the one this is about:",
            "type": "mrkdwn",
        },
        "type": "section",
    },
    {
        "accessory": {
            "action_id": "billing.open_candidate",
            "text": {"emoji": True, "text": "Open", "type": "plain_text"},
            "type": "button",
            "value": '{"target":"cus_a","text":"shared@example.com"}',
        },
        "block_id": "candidate.cus_a",
        "text": {
            "text": "*Sam A* · shared@example.com\n`cus_a` · created 2025-03-01 · 1 subscription",
            "type": "mrkdwn",
        },
        "type": "section",
    },
    {
        "accessory": {
            "action_id": "billing.open_candidate",
            "text": {"emoji": True, "text": "Open", "type": "plain_text"},
            "type": "button",
            "value": '{"target":"cus_b","text":"shared@example.com"}',
        },
        "block_id": "candidate.cus_b",
        "text": {
            "text": "*shared@example.com* · shared@example.com\n`cus_b` · created 2025-03-02 · 0 subscriptions",
            "type": "mrkdwn",
        },
        "type": "section",
    },
]

TRUNCATED_BILLING_SECTIONS = [
    {
        "text": {
            "text": "*Invoices* (latest 5)\n• `in_0120` JANE-0120 — paid — $20.00 — 2025-02-14\n• `in_0119` JANE-0119 — paid — $20.00 — 2025-02-14\n• `in_0118` JANE-0118 — paid — $20.00 — 2025-02-14\n• `in_0117` JANE-0117 — paid — $20.00 — 2025-02-14\n• `in_0116` JANE-0116 — paid — $20.00 — 2025-02-14\n…and 115 more in the <https://dashboard.stripe.com/test/customers/cus_jane|Stripe Dashboard>",
            "type": "mrkdwn",
        },
        "type": "section",
    },
    {
        "text": {
            "text": "*Payments* (latest 5)\n• `ch_0030` $20.00 — succeeded — 2025-02-10\n• `ch_0029` $20.00 — succeeded — 2025-02-10\n• `ch_0028` $20.00 — succeeded — 2025-02-10\n• `ch_0027` $20.00 — succeeded — 2025-02-10\n• `ch_0026` $20.00 — succeeded — 2025-02-10\n…and 25 more in the <https://dashboard.stripe.com/test/customers/cus_jane|Stripe Dashboard>\n*Default payment method:* Visa •••• 4242 exp 08/30",
            "type": "mrkdwn",
        },
        "type": "section",
    },
]


def dicts(blocks: list[Block]) -> list[dict[str, object]]:
    return [block.to_dict() for block in blocks]


def test_full_card_exact_output() -> None:
    assert dicts(customer_card(jane_snapshot(), case_id="case_1")) == FULL_CARD


def test_candidates_card_exact_output() -> None:
    assert dicts(candidates_card(shared_result())) == CANDIDATES_CARD


def test_many_invoices_show_the_latest_and_a_dashboard_link() -> None:
    blocks = dicts(customer_card(jane_snapshot(invoices=120, charges=30), case_id="case_1"))
    assert blocks == [*FULL_CARD[:6], *TRUNCATED_BILLING_SECTIONS, *FULL_CARD[8:]]


def test_thousands_of_invoices_stay_within_slack_limits() -> None:
    blocks = dicts(customer_card(jane_snapshot(invoices=2000, charges=1500), case_id="case_1"))
    assert len(blocks) <= MAX_BLOCKS
    texts = [block["text"]["text"] for block in blocks if block["type"] == "section"]  # type: ignore[index]
    assert all(len(text) <= 3000 for text in texts)
    assert (
        "…and 1995 more in the <https://dashboard.stripe.com/test/customers/cus_jane|Stripe Dashboard>"
        in texts[2]
    )
    assert "…and 1495 more" in texts[3]


def test_open_ended_lists_say_there_are_more() -> None:
    snapshot = jane_snapshot(invoices=3)
    records = snapshot.records.model_copy(update={"has_more_invoices": True})
    blocks = dicts(customer_card(snapshot.model_copy(update={"records": records}), case_id="case_1"))
    assert "…and 0+ more" not in str(blocks)
    assert "…and more in the <https://dashboard.stripe.com/test/customers/cus_jane|Stripe Dashboard>" in str(
        blocks
    )


def test_live_mode_has_no_banner_and_live_dashboard_links() -> None:
    blocks = dicts(customer_card(jane_snapshot(livemode=True), case_id="case_1"))
    assert "TEST MODE" not in str(blocks)
    assert "https://dashboard.stripe.com/customers/cus_jane" in str(blocks)
    assert "/test/" not in str(blocks)


def test_decision_blocks_replace_classification_buttons_and_acted_note_is_shown() -> None:
    decision: list[Block] = [SectionBlock(text=MarkdownTextObject(text="Classified: Duplicate"))]
    blocks = dicts(
        customer_card(jane_snapshot(), case_id="case_1", decision_blocks=decision, acted_note="Done by <@U1>")
    )
    assert ActionId.CLASSIFY.value not in str(blocks)
    assert blocks[-2] == {"type": "section", "text": {"type": "mrkdwn", "text": "Classified: Duplicate"}}
    assert blocks[-1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "Done by <@U1>"}]}


def test_classification_buttons_use_bucket_labels_with_unique_action_ids_per_block() -> None:
    blocks = dicts(customer_card(jane_snapshot(), case_id="case_1"))
    buttons = [element for block in blocks if block["type"] == "actions" for element in block["elements"]]  # type: ignore[attr-defined]
    assert [button["text"]["text"] for button in buttons] == [
        *(bucket.label for bucket in Bucket),
        "Add the customer's words",
    ]
    assert [button.get("style") for button in buttons] == ["primary", None, None, None, None, None]
    for block in blocks:
        if block["type"] == "actions":
            ids = [element["action_id"] for element in block["elements"]]  # type: ignore[attr-defined]
            assert len(ids) == len(set(ids))


def test_customer_text_cannot_inject_mentions_or_links() -> None:
    snapshot = jane_snapshot()
    evil = snapshot.customer.model_copy(update={"name": "<!channel> <https://evil.example|click>"})
    records = snapshot.records.model_copy(update={"customer": evil})
    blocks = dicts(customer_card(snapshot.model_copy(update={"records": records}), case_id="case_1"))
    mrkdwn = str([block for block in blocks if block["type"] != "header"])
    assert "<!channel>" not in mrkdwn
    assert "&lt;!channel&gt; &lt;https://evil.example|click&gt;" in mrkdwn


def test_many_candidates_are_capped() -> None:
    candidate = shared_result().candidates[0]
    result = LookupResult(query="x@example.com", matched_on="email", candidates=[candidate] * 60)
    blocks = dicts(candidates_card(result))
    assert len(blocks) <= MAX_BLOCKS
    assert blocks[-1]["elements"][0]["text"] == "…and 40 more; narrow the search with a Stripe ID."  # type: ignore[index]


def test_lookup_failed_blocks_carry_reference_and_retry() -> None:
    blocks = dicts(
        lookup_failed_blocks(
            "Stripe did not complete the request: timeout",
            "ref-abc123",
            ButtonValue(target="jane@example.com"),
        )
    )
    assert blocks == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ":warning: Stripe did not complete the request: timeout Nothing was changed. Reference: `ref-abc123`",
            },
        },
        {
            "type": "actions",
            "block_id": "lookup.retry",
            "elements": [
                {
                    "type": "button",
                    "action_id": "billing.retry_lookup",
                    "text": {"type": "plain_text", "text": "Retry", "emoji": True},
                    "value": '{"target":"jane@example.com"}',
                }
            ],
        },
    ]
