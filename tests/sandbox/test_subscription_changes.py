"""Subscription changes the operator's toolbox makes, with Stripe's behaviour: undoing a scheduled cancellation,
pausing collection, moving the trial end, and seat/price changes whose prorations the preview shows first."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import stripe

from tests.sandbox.support import make_customer, make_price, raw, subscribe

START = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 24 * 3600
FEB_1 = START + 31 * DAY


@pytest.fixture
def clock(stripe_client: stripe.StripeClient) -> stripe.test_helpers.TestClock:
    return stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": START})


@pytest.fixture
def customer(stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock) -> stripe.Customer:
    return make_customer(stripe_client, test_clock=clock.id)


def _advance(client: stripe.StripeClient, clock: stripe.test_helpers.TestClock, to: int) -> None:
    client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": to})


def _invoices(client: stripe.StripeClient, subscription: stripe.Subscription) -> list[stripe.Invoice]:
    return client.v1.invoices.list(params={"subscription": subscription.id}).data


def _expected(unit: int, quantity: int, start: int, end: int, at: int) -> int:
    """Stripe's proration, written independently of the sandbox: per second, rounded half up."""
    exact = Decimal(unit * quantity) * Decimal(end - at) / Decimal(end - start)
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def _update(
    client: stripe.StripeClient, subscription_id: str, key: str, **params: Any
) -> stripe.Subscription:
    return client.v1.subscriptions.update(
        subscription_id,
        params=params,  # type: ignore[arg-type]
        options={"idempotency_key": key},
    )


# --- undo a scheduled cancellation -------------------------------------------------------------------------


def test_cancel_at_period_end_false_undoes_the_scheduled_cancellation(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock, customer: stripe.Customer
) -> None:
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    scheduled = _update(stripe_client, subscription.id, "schedule", cancel_at_period_end=True)
    assert (scheduled.cancel_at, scheduled.canceled_at) == (FEB_1, START)

    undone = _update(stripe_client, subscription.id, "undo", cancel_at_period_end=False)
    replayed = _update(stripe_client, subscription.id, "undo", cancel_at_period_end=False)

    assert raw(replayed) == raw(undone)
    assert (undone.cancel_at_period_end, undone.cancel_at, undone.canceled_at) == (False, None, None)
    _advance(stripe_client, clock, FEB_1 + DAY)
    renewed = stripe_client.v1.subscriptions.retrieve(subscription.id)
    assert renewed.status == "active"
    assert [i.billing_reason for i in _invoices(stripe_client, subscription)] == [
        "subscription_cycle",
        "subscription_create",
    ]


# --- pause collection --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behavior", "status"),
    [("void", "void"), ("keep_as_draft", "draft"), ("mark_uncollectible", "uncollectible")],
)
def test_paused_collection_never_charges_the_renewal_and_settles_it_by_behavior(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    customer: stripe.Customer,
    behavior: str,
    status: str,
) -> None:
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    paused = _update(stripe_client, subscription.id, "pause", pause_collection={"behavior": behavior})
    assert paused.pause_collection is not None
    assert (paused.pause_collection.behavior, paused.pause_collection.resumes_at) == (behavior, None)
    assert paused.status == "active"

    _advance(stripe_client, clock, FEB_1 + DAY)

    renewal = _invoices(stripe_client, subscription)[0]
    assert (renewal.billing_reason, renewal.status, renewal.amount_paid) == ("subscription_cycle", status, 0)
    assert len(stripe_client.v1.charges.list(params={"customer": customer.id}).data) == 1
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "active"


def test_pause_until_a_date_resumes_by_itself_and_the_next_renewal_is_charged(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock, customer: stripe.Customer
) -> None:
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    resumes_at = FEB_1 + 10 * DAY
    first = _update(
        stripe_client,
        subscription.id,
        "pause-until",
        pause_collection={"behavior": "void", "resumes_at": resumes_at},
    )
    again = _update(
        stripe_client,
        subscription.id,
        "pause-until",
        pause_collection={"behavior": "void", "resumes_at": resumes_at},
    )
    assert raw(again) == raw(first)
    assert first.pause_collection is not None and first.pause_collection.resumes_at == resumes_at

    _advance(stripe_client, clock, START + 60 * DAY)  # Feb 1 paused, resumes Feb 11, Mar 1 collected

    assert stripe_client.v1.subscriptions.retrieve(subscription.id).pause_collection is None
    assert [(i.status, i.amount_paid) for i in _invoices(stripe_client, subscription)] == [
        ("paid", 2000),
        ("void", 0),
        ("paid", 2000),
    ]


def test_pause_collection_empty_string_resumes_and_bad_pauses_are_refused(
    stripe_client: stripe.StripeClient, customer: stripe.Customer
) -> None:
    subscription = subscribe(stripe_client, customer, make_price(stripe_client))
    _update(stripe_client, subscription.id, "p", pause_collection={"behavior": "void"})
    resumed = _update(stripe_client, subscription.id, "r", pause_collection="")
    assert resumed.pause_collection is None

    with pytest.raises(stripe.InvalidRequestError) as raised:
        _update(stripe_client, subscription.id, "bad", pause_collection={"behavior": "sleep"})
    assert raised.value.param == "pause_collection[behavior]"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        _update(
            stripe_client,
            subscription.id,
            "past",
            pause_collection={"behavior": "void", "resumes_at": START - 1},
        )
    assert raised.value.param == "pause_collection[resumes_at]"


# --- trial end ---------------------------------------------------------------------------------------------


def test_trial_end_moves_the_trial_and_the_period_end(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock, customer: stripe.Customer
) -> None:
    subscription = subscribe(stripe_client, customer, make_price(stripe_client), trial_period_days=14)
    new_end = START + 30 * DAY
    extended = _update(stripe_client, subscription.id, "extend", trial_end=new_end)
    replayed = _update(stripe_client, subscription.id, "extend", trial_end=new_end)

    assert raw(replayed) == raw(extended)
    item = extended["items"].data[0]
    assert (extended.status, extended.trial_end, item.current_period_end) == ("trialing", new_end, new_end)

    _advance(stripe_client, clock, START + 20 * DAY)
    assert stripe_client.v1.subscriptions.retrieve(subscription.id).status == "trialing"
    _advance(stripe_client, clock, new_end + DAY)
    after = stripe_client.v1.subscriptions.retrieve(subscription.id)
    assert after.status == "active"
    assert [(i.billing_reason, i.amount_paid) for i in _invoices(stripe_client, subscription)] == [
        ("subscription_cycle", 2000),
        ("subscription_create", 0),
    ]
    with pytest.raises(stripe.InvalidRequestError):
        _update(stripe_client, subscription.id, "past", trial_end=START)


def test_trial_end_now_ends_the_trial_and_charges_the_first_period(
    stripe_client: stripe.StripeClient, clock: stripe.test_helpers.TestClock, customer: stripe.Customer
) -> None:
    subscription = subscribe(stripe_client, customer, make_price(stripe_client), trial_period_days=14)
    _advance(stripe_client, clock, START + 3 * DAY)
    ended = _update(stripe_client, subscription.id, "end-trial", trial_end="now")

    now = START + 3 * DAY
    item = ended["items"].data[0]
    assert (ended.status, ended.trial_end, item.current_period_start) == ("active", now, now)
    assert item.current_period_end == now + 31 * DAY
    latest = stripe_client.v1.invoices.retrieve(str(ended.latest_invoice))
    assert (latest.billing_reason, latest.status, latest.amount_paid) == ("subscription_update", "paid", 2000)


# --- seats and prices, with prorations ---------------------------------------------------------------------


@pytest.fixture
def team(stripe_client: stripe.StripeClient, customer: stripe.Customer) -> stripe.Subscription:
    return subscribe(stripe_client, customer, make_price(stripe_client, amount=1000), quantity=5)


def _item_id(subscription: stripe.Subscription) -> str:
    return str(subscription["items"].data[0].id)


def _preview(
    client: stripe.StripeClient, subscription: stripe.Subscription, **details: Any
) -> stripe.Invoice:
    return client.v1.invoices.create_preview(
        params={"subscription": subscription.id, "subscription_details": details}  # type: ignore[arg-type]
    )


def test_seat_decrease_prorates_per_second_and_the_next_invoice_carries_what_the_preview_showed(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    customer: stripe.Customer,
    team: stripe.Subscription,
) -> None:
    at = START + 10 * DAY + 3 * 3600 + 17
    _advance(stripe_client, clock, at)
    items = [{"id": _item_id(team), "quantity": 3}]
    preview = _preview(stripe_client, team, items=items, proration_date=at)

    credit = -_expected(1000, 5, START, FEB_1, at)
    charge = _expected(1000, 3, START, FEB_1, at)
    assert [
        (line.amount, line.parent.subscription_item_details.proration)  # type: ignore[union-attr]
        for line in preview.lines.data
    ] == [
        (credit, True),
        (charge, True),
        (3000, False),
    ]
    assert preview.lines.data[0].description == "Unused time on 5 × Pro after 11 Jan 2026"
    assert preview.total == credit + charge + 3000 > 0
    assert str(preview.id).startswith("upcoming_in_")

    updated = _update(stripe_client, team.id, "seats", items=items, proration_date=at)
    _update(stripe_client, team.id, "seats", items=items, proration_date=at)
    assert updated["items"].data[0].quantity == 3

    _advance(stripe_client, clock, FEB_1 + 1)
    renewal = _invoices(stripe_client, team)[0]
    assert [line.amount for line in renewal.lines.data] == [line.amount for line in preview.lines.data]
    assert renewal.total == preview.total
    assert renewal.amount_paid == preview.total


def test_always_invoice_charges_the_seat_increase_now_exactly_as_previewed(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    team: stripe.Subscription,
) -> None:
    at = START + 20 * DAY
    _advance(stripe_client, clock, at)
    items = [{"id": _item_id(team), "quantity": 8}]
    preview = _preview(stripe_client, team, items=items, proration_behavior="always_invoice")

    updated = _update(stripe_client, team.id, "more-seats", items=items, proration_behavior="always_invoice")
    again = _update(stripe_client, team.id, "more-seats", items=items, proration_behavior="always_invoice")

    assert raw(again) == raw(updated)
    invoice = stripe_client.v1.invoices.retrieve(str(updated.latest_invoice))
    expected = _expected(1000, 8, START, FEB_1, at) - _expected(1000, 5, START, FEB_1, at)
    assert (invoice.billing_reason, invoice.status) == ("subscription_update", "paid")
    assert invoice.amount_paid == preview.amount_due == expected
    assert len(_invoices(stripe_client, team)) == 2


def test_a_credit_larger_than_the_invoice_goes_to_the_customer_balance(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    customer: stripe.Customer,
    team: stripe.Subscription,
) -> None:
    at = START + 15 * DAY
    _advance(stripe_client, clock, at)
    updated = _update(
        stripe_client,
        team.id,
        "fewer",
        items=[{"id": _item_id(team), "quantity": 1}],
        proration_behavior="always_invoice",
    )

    invoice = stripe_client.v1.invoices.retrieve(str(updated.latest_invoice))
    net = _expected(1000, 1, START, FEB_1, at) - _expected(1000, 5, START, FEB_1, at)
    assert (invoice.total, invoice.amount_due, invoice.ending_balance, invoice.status) == (
        net,
        0,
        net,
        "paid",
    )
    assert stripe_client.v1.customers.retrieve(customer.id).balance == net
    transactions = stripe_client.v1.customers.balance_transactions.list(customer.id).data
    assert [(t.type, t.amount, t.invoice) for t in transactions] == [("applied_to_invoice", net, invoice.id)]

    _advance(stripe_client, clock, FEB_1 + 1)
    renewal = _invoices(stripe_client, team)[0]
    assert (renewal.total, renewal.starting_balance, renewal.ending_balance) == (1000, net, 1000 + net)
    assert (renewal.amount_due, renewal.status) == (0, "paid")
    assert stripe_client.v1.customers.retrieve(customer.id).balance == 1000 + net


def test_proration_behavior_none_changes_seats_without_prorations(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    team: stripe.Subscription,
) -> None:
    _advance(stripe_client, clock, START + 5 * DAY)
    items = [{"id": _item_id(team), "quantity": 3}]
    preview = _preview(stripe_client, team, items=items, proration_behavior="none")
    _update(stripe_client, team.id, "none", items=items, proration_behavior="none")

    assert [line.amount for line in preview.lines.data] == [3000]
    _advance(stripe_client, clock, FEB_1 + 1)
    assert [line.amount for line in _invoices(stripe_client, team)[0].lines.data] == [3000]


def test_switching_monthly_to_yearly_restarts_the_period_and_bills_the_year_less_the_unused_month(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    customer: stripe.Customer,
) -> None:
    monthly = make_price(stripe_client, amount=2000)
    yearly = make_price(stripe_client, amount=20000, interval="year", name="Pro Annual")
    subscription = subscribe(stripe_client, customer, monthly)
    at = START + 12 * DAY
    _advance(stripe_client, clock, at)
    items = [{"id": _item_id(subscription), "price": yearly.id}]
    preview = _preview(stripe_client, subscription, items=items)

    updated = _update(stripe_client, subscription.id, "yearly", items=items)

    item = updated["items"].data[0]
    assert (item.price.id, item.current_period_start) == (yearly.id, at)
    assert item.current_period_end == at + 365 * DAY
    invoice = stripe_client.v1.invoices.retrieve(str(updated.latest_invoice))
    credit = -_expected(2000, 1, START, FEB_1, at)
    assert [line.amount for line in invoice.lines.data] == [credit, 20000]
    assert [line.amount for line in preview.lines.data] == [credit, 20000]
    assert (invoice.billing_reason, invoice.amount_paid) == ("subscription_update", 20000 + credit)


def test_a_price_in_another_currency_is_refused(
    stripe_client: stripe.StripeClient, team: stripe.Subscription
) -> None:
    euro = make_price(stripe_client, currency="eur")
    with pytest.raises(stripe.InvalidRequestError) as raised:
        _update(stripe_client, team.id, "eur", items=[{"id": _item_id(team), "price": euro.id}])
    assert raised.value.param == "items[0][price]"


# --- customer balance transactions -------------------------------------------------------------------------


def test_a_balance_credit_lowers_the_next_invoice(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    customer: stripe.Customer,
    team: stripe.Subscription,
) -> None:
    params: stripe.params.CustomerBalanceTransactionCreateParams = {
        "amount": -1500,
        "currency": "usd",
        "description": "Goodwill credit",
    }
    first = stripe_client.v1.customers.balance_transactions.create(
        customer.id, params=params, options={"idempotency_key": "credit-1"}
    )
    second = stripe_client.v1.customers.balance_transactions.create(
        customer.id, params=params, options={"idempotency_key": "credit-1"}
    )
    assert raw(second) == raw(first)
    assert (first.type, first.amount, first.ending_balance) == ("adjustment", -1500, -1500)
    assert stripe_client.v1.customers.retrieve(customer.id).balance == -1500
    preview = _preview(stripe_client, team)
    assert (preview.total, preview.starting_balance, preview.amount_due) == (5000, -1500, 3500)

    _advance(stripe_client, clock, FEB_1 + 1)
    renewal = _invoices(stripe_client, team)[0]
    assert (renewal.total, renewal.starting_balance, renewal.ending_balance) == (5000, -1500, 0)
    assert renewal.amount_paid == 3500
    assert stripe_client.v1.customers.retrieve(customer.id).balance == 0
    kinds = [t.type for t in stripe_client.v1.customers.balance_transactions.list(customer.id).data]
    assert kinds == ["applied_to_invoice", "adjustment"]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        stripe_client.v1.customers.balance_transactions.create(
            customer.id, params={"amount": -100, "currency": "eur"}
        )
    assert raised.value.param == "currency"


def test_a_canceled_subscription_has_no_upcoming_invoice_to_preview(
    stripe_client: stripe.StripeClient, team: stripe.Subscription
) -> None:
    stripe_client.v1.subscriptions.cancel(team.id)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        _preview(stripe_client, team)
    assert raised.value.code == "invoice_upcoming_none"


def test_a_subscription_ending_at_the_period_end_has_no_upcoming_invoice(
    stripe_client: stripe.StripeClient, team: stripe.Subscription
) -> None:
    _update(stripe_client, team.id, "end", cancel_at_period_end=True)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        _preview(stripe_client, team)
    assert raised.value.code == "invoice_upcoming_none"


def test_an_update_refused_for_one_param_changes_nothing(
    stripe_client: stripe.StripeClient, team: stripe.Subscription
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        _update(
            stripe_client,
            team.id,
            "mixed",
            pause_collection={"behavior": "void"},
            cancel_at_period_end=True,
            items=[{"id": _item_id(team), "quantity": 2}],
            trial_end=START + 90 * DAY,  # not trialing: refused
        )
    assert raised.value.param == "trial_end"
    after = stripe_client.v1.subscriptions.retrieve(team.id)
    assert (after.pause_collection, after.cancel_at_period_end) == (None, False)
    assert after["items"].data[0].quantity == 5
    assert stripe_client.v1.invoices.list(params={"subscription": team.id}).data[0].id == team.latest_invoice


def test_a_voided_paused_renewal_leaves_the_customer_credit_for_later(
    stripe_client: stripe.StripeClient,
    clock: stripe.test_helpers.TestClock,
    customer: stripe.Customer,
    team: stripe.Subscription,
) -> None:
    stripe_client.v1.customers.balance_transactions.create(
        customer.id, params={"amount": -700, "currency": "usd"}
    )
    _update(stripe_client, team.id, "pause", pause_collection={"behavior": "void"})
    _advance(stripe_client, clock, FEB_1 + 1)
    assert _invoices(stripe_client, team)[0].status == "void"
    assert stripe_client.v1.customers.retrieve(customer.id).balance == -700
