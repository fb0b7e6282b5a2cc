from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)

from messages.blocks_text import blocks_text, mrkdwn_text


def test_a_card_reads_as_plain_text() -> None:
    blocks = [
        HeaderBlock(text="Jane Doe").to_dict(),
        ContextBlock(elements=[MarkdownTextObject(text=":test_tube: *TEST MODE* · no real money")]).to_dict(),
        SectionBlock(
            text="*CUSTOMER*\n*Stripe ID:* `cus_123` · <https://dashboard.stripe.com/c/cus_123|Stripe Dashboard>"
        ).to_dict(),
        DividerBlock().to_dict(),
        SectionBlock(
            fields=[MarkdownTextObject(text="*Plan:* Pro"), MarkdownTextObject(text="$20.00")]
        ).to_dict(),
        ActionsBlock(
            elements=[
                ButtonElement(text="Confirm", action_id="billing.confirm", value="{}", style="primary"),
                ButtonElement(text="Back", action_id="billing.back", value="{}"),
            ]
        ).to_dict(),
    ]
    assert blocks_text(blocks) == (
        "Jane Doe\n"
        "========\n"
        "🧪 TEST MODE · no real money\n"
        "\n"
        "CUSTOMER\n"
        "Stripe ID: cus_123 · Stripe Dashboard\n"
        "────────────────────────────────────────\n"
        "Plan: Pro\n"
        "$20.00\n"
        "[ Confirm ]  [ Back ]\n"
    )


def test_section_accessory_context_elements_and_input() -> None:
    blocks = [
        SectionBlock(
            text="Two customers share this email",
            accessory=ButtonElement(text="Open", action_id="billing.open_candidate", value="{}"),
        ).to_dict(),
        ContextBlock(
            elements=[
                MarkdownTextObject(text="Requested by <@U0OPERATOR>"),
                MarkdownTextObject(text="expires soon"),
            ]
        ).to_dict(),
        InputBlock(
            label="Amount to refund", element=PlainTextInputElement(action_id="amount"), block_id="refund"
        ).to_dict(),
        {"type": "video", "title": {"type": "plain_text", "text": "?"}},
    ]
    assert blocks_text(blocks) == (
        "Two customers share this email\n"
        "[ Open ]\n"
        "Requested by @U0OPERATOR  expires soon\n"
        "Amount to refund: [ ________ ]\n"
        "[video]\n"
    )


def test_a_blank_line_opens_each_section_not_after_a_divider() -> None:
    blocks = [
        SectionBlock(text="*CUSTOMER*").to_dict(),
        SectionBlock(text="*BILLING STATE*").to_dict(),
        DividerBlock().to_dict(),
        SectionBlock(text="*ANOMALIES*").to_dict(),
        ActionsBlock(elements=[ButtonElement(text="Keep both", action_id="a", value="{}")]).to_dict(),
        ActionsBlock(elements=[ButtonElement(text="Reclassify", action_id="b", value="{}")]).to_dict(),
    ]
    assert blocks_text(blocks) == (
        "CUSTOMER\n"
        "\n"
        "BILLING STATE\n"
        "────────────────────────────────────────\n"
        "ANOMALIES\n"
        "[ Keep both ]\n"
        "[ Reclassify ]\n"
    )


def test_no_blocks_is_no_text() -> None:
    assert blocks_text([]) == ""


def test_mrkdwn_keeps_what_is_not_markup() -> None:
    assert mrkdwn_text("Visa •••• 4242 · 5 * 3 · sub_no_7K · :unknown_emoji: · 01:45 UTC") == (
        "Visa •••• 4242 · 5 * 3 · sub_no_7K · :unknown_emoji: · 01:45 UTC"
    )


def test_mrkdwn_links_mentions_and_escapes() -> None:
    text = "<https://x.example|X> <https://y.example> <#C0OPS|ops> <!here> a &lt;b&gt; &amp; :warning: *done*"
    assert mrkdwn_text(text) == "X https://y.example #ops @here a <b> & ⚠️ done"


def test_a_select_lists_its_options_one_a_line_the_chosen_one_marked() -> None:
    select = {
        "type": "input",
        "block_id": "target",
        "label": {"type": "plain_text", "text": "Subscription to cancel"},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": [
                {"text": {"type": "plain_text", "text": "Original · sub_1"}, "value": "sub_1"},
                {"text": {"type": "plain_text", "text": "Newer duplicate · sub_2"}, "value": "sub_2"},
            ],
            "initial_option": {
                "text": {"type": "plain_text", "text": "Newer duplicate · sub_2"},
                "value": "sub_2",
            },
        },
    }
    assert blocks_text([select]) == (
        "Subscription to cancel:\n  ( ) Original · sub_1\n  (•) Newer duplicate · sub_2\n"
    )
