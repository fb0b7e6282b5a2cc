"""Finding the customer: email in any case, invoice number, card last 4 with expiry or name, and messages
that name several customers. StripeGateway against a fresh sandbox, states built with stripe-python."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from billing.clock import SystemClock
from billing.errors import BadQuery, CustomerNotFound
from billing.gateway import StripeGateway
from billing.lookup import SEVERAL_NAMED, LookupService
from billing.sandbox import SandboxServer
from messages.ids import ActionId, ButtonValue
from tests.e2e.slack_harness import running_bot


@pytest.fixture
def gateway(sandbox: SandboxServer) -> Iterator[StripeGateway]:
    gateway = StripeGateway(sandbox.api_key, api_base=sandbox.base_url, max_retries=0)
    yield gateway
    gateway.close()


@pytest.fixture
def service(gateway: StripeGateway) -> LookupService:
    return LookupService(gateway, SystemClock())


def subscribed(client: stripe.StripeClient, email: str, name: str, card: str = "pm_card_visa") -> str:
    price = client.v1.prices.create(
        params={
            "currency": "usd",
            "unit_amount": 2000,
            "recurring": {"interval": "month"},
            "product_data": {"name": "Pro"},
        }
    )
    customer = client.v1.customers.create(
        params={
            "email": email,
            "name": name,
            "payment_method": card,
            "invoice_settings": {"default_payment_method": card},
        }
    )
    client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": price.id}]})
    return customer.id


def found_id(service: LookupService, query: str) -> str:
    result = service.lookup(query)
    assert result.snapshot is not None, result
    return result.snapshot.customer.id


def test_an_email_finds_its_customer_whatever_the_case_stored(
    service: LookupService, stripe_client: stripe.StripeClient
) -> None:
    stored = subscribed(stripe_client, "Mixed.Case@Example.com", "Mixed Case")

    assert found_id(service, "mixed.case@example.com") == stored
    assert found_id(service, "MIXED.CASE@EXAMPLE.COM") == stored
    assert found_id(service, "Mixed.Case@Example.com") == stored
    with pytest.raises(CustomerNotFound):
        service.lookup("mixed.case@example.org")


def test_an_invoice_number_finds_its_customer(
    service: LookupService, stripe_client: stripe.StripeClient
) -> None:
    customer_id = subscribed(stripe_client, "inv@example.com", "Invoice Person")
    subscribed(stripe_client, "other@example.com", "Other Person")
    [invoice] = stripe_client.v1.invoices.list(params={"customer": customer_id}).data
    assert invoice.number

    result = service.lookup(invoice.number.lower())
    assert result.snapshot is not None
    assert result.snapshot.customer.id == customer_id
    assert result.matched_on == f"invoice number {invoice.number}"


def test_card_last4_with_expiry_or_name_finds_the_customer(
    service: LookupService, stripe_client: stripe.StripeClient
) -> None:
    mastercard = subscribed(stripe_client, "mc@example.com", "Marta Card", card="pm_card_mastercard")
    subscribed(stripe_client, "visa@example.com", "Vic Visa")
    method = stripe_client.v1.payment_methods.list(params={"customer": mastercard, "type": "card"}).data[0]
    assert method.card is not None
    expiry = f"{method.card.exp_month:02d}/{method.card.exp_year % 100:02d}"

    assert found_id(service, f"card 4444 {expiry}") == mastercard
    assert found_id(service, "card 4444 marta") == mastercard
    with pytest.raises(CustomerNotFound):
        service.lookup("card 4444 Vic Visa")
    with pytest.raises(CustomerNotFound):
        service.lookup("card 4444 01/21")
    with pytest.raises(BadQuery, match="last 4 digits alone"):
        service.lookup("card 4444")


def test_a_message_naming_two_customers_offers_each(
    service: LookupService, stripe_client: stripe.StripeClient
) -> None:
    first = subscribed(stripe_client, "ann@example.com", "Ann")
    second = subscribed(stripe_client, "bob@example.com", "Bob")

    result = service.lookup_in_message("ann@example.com says bob@example.com was charged twice for her")

    assert result.snapshot is None
    assert result.matched_on == SEVERAL_NAMED
    assert [candidate.customer.id for candidate in result.candidates] == [first, second]
    assert "charged twice" in result.complaint


def test_the_same_customer_named_twice_is_one_card(
    service: LookupService, stripe_client: stripe.StripeClient
) -> None:
    customer_id = subscribed(stripe_client, "cid@example.com", "Cid")
    result = service.lookup_in_message(f"{customer_id} aka cid@example.com can't find the cancel button")
    assert result.snapshot is not None and result.snapshot.customer.id == customer_id


def test_in_slack_the_candidates_card_opens_each_with_the_customers_words(
    gateway: StripeGateway, stripe_client: stripe.StripeClient
) -> None:
    subscribed(stripe_client, "ann@example.com", "Ann")
    bob = subscribed(stripe_client, "bob@example.com", "Bob")
    with running_bot(gateway) as bot:
        bot.message_shortcut("ann@example.com and bob@example.com: we can't find the cancel button")
        [candidates] = bot.standin.wait_for("chat.postMessage")
        bot.wait_idle()
        assert str(candidates.args["blocks"]).count(ActionId.OPEN_CANDIDATE.value) == 2

        bot.click(candidates, ActionId.OPEN_CANDIDATE, target=bob)
        _, card = bot.standin.wait_for("chat.postMessage", count=2)
        bot.wait_idle()
        blocks = str(card.args["blocks"])
        assert f"`{bob}`" in blocks
        assert "“ann@example.com and bob@example.com: we can't find the cancel button”" not in blocks
        assert "we can't find the cancel button" in blocks
        assert "Missing self-serve" in blocks
        button_values = [
            ButtonValue.decode(element["value"])
            for block in candidates.args["blocks"]
            for element in [block.get("accessory") or {}]
            if element.get("action_id") == ActionId.OPEN_CANDIDATE
        ]
        assert all(value.words and "cancel button" in value.words for value in button_values)
