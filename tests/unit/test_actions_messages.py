from __future__ import annotations

from billing.action_models import ActionKind, ActionOutcome, Option, RevenueImpact
from billing.handoff import Handoff, HandoffSection
from billing.models import Bucket
from billing.money import Money
from messages.actions import confirm_blocks, decision_blocks, outcome_summary
from messages.handoff import handoff_blocks, revenue_lines
from tests.unit.test_actions_fakes import OPERATOR, World


def test_decision_blocks_exact() -> None:
    blocks = decision_blocks(
        "case_1",
        Bucket.DUPLICATE,
        [Option(kind=ActionKind.CANCEL_AND_REFUND, target="sub_new"), Option(kind=ActionKind.KEEP_BOTH)],
        classified_by="U1",
    )
    assert [block.to_dict() for block in blocks] == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*DECISION* · Classified as *Duplicate personal subscription* by <@U1>.\n"
                "Choose an action; nothing changes in Stripe until you confirm.",
            },
        },
        {
            "type": "actions",
            "block_id": "decision.actions",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Cancel duplicate now + refund", "emoji": True},
                    "action_id": "billing.cancel_duplicate",
                    "value": '{"case":"case_1","bucket":"duplicate","target":"sub_new"}',
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Keep both", "emoji": True},
                    "action_id": "billing.keep_both",
                    "value": '{"case":"case_1","bucket":"duplicate"}',
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Reclassify", "emoji": True},
                    "action_id": "billing.reclassify",
                    "value": '{"case":"case_1"}',
                },
            ],
        },
    ]


def test_confirm_blocks_exact() -> None:
    world = World()
    case_id = world.case("cus_kenji", Bucket.PRODUCT_FAILURE)
    pending = world.service.request(case_id, ActionKind.REFUND, "ch_jp", OPERATOR)
    value = f'{{"case":"{case_id}","nonce":"{pending.nonce}"}}'
    assert [block.to_dict() for block in confirm_blocks(pending)] == [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": ":warning: *Confirm:* Refund ¥3,000 of ch_jp to Visa •••• 4242?",
            },
        },
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": "Requested by <@UOPS1> · expires 2025-03-01 12:10 UTC"}],
        },
        {
            "type": "actions",
            "block_id": "decision.confirm",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Confirm", "emoji": True},
                    "action_id": "billing.confirm",
                    "value": value,
                    "style": "danger",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Back", "emoji": True},
                    "action_id": "billing.back",
                    "value": value,
                },
            ],
        },
    ]


def test_outcome_summary_for_a_no_op() -> None:
    outcome = ActionOutcome(kind=ActionKind.KEEP_BOTH, case_id="c", actor="U1")
    assert outcome_summary(outcome) == "No change in Stripe (keep both)"


def test_handoff_blocks_escape_customer_text_but_keep_mentions() -> None:
    handoff = Handoff(
        case_id="c",
        customer_id="cus_1",
        sections=[HandoffSection(title="CUSTOMER", lines=["<b>Eve</b> & co", "by <@U1>"])],
        revenue=RevenueImpact(
            refunded=[Money(amount=3000, currency="jpy"), Money(amount=2000, currency="usd")],
            mrr_change=[Money(amount=-1667, currency="usd")],
        ),
    )
    assert [block.to_dict() for block in handoff_blocks(handoff)][1:] == [
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "*CUSTOMER*\n&lt;b&gt;Eve&lt;/b&gt; &amp; co\nby <@U1>"},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": "*REVENUE IMPACT*\nRefunded: ¥3,000, $20.00\nMRR change: -$16.67/mo now",
            },
        },
    ]
    assert revenue_lines(RevenueImpact()) == ["Refunded: nothing", "MRR change: none"]


def test_portal_link_text_escapes_the_customers_name_and_keeps_the_link_when_there_is_no_follow_up() -> None:
    from messages.actions import portal_link_text

    url = "https://billing.stripe.com/p/session/test_123"
    assert portal_link_text(url, "Hi <!here> Jane, manage your billing here: <link>") == (
        ":link: *Billing-portal link* (only you can see this; it is short-lived, so send it now):\n"
        f"{url}\n\n*Text to send:*\n>Hi &lt;!here&gt; Jane, manage your billing here: {url}"
    )
    assert portal_link_text(url, "") == (
        ":link: *Billing-portal link* (only you can see this; it is short-lived, so send it now):\n" + url
    )
